//! Inheritance and overrides: `extends = "base.toml"` and `--set key=value`.
//!
//! A scenario may name a parent file; the parent may name its own. The files are merged parent
//! first: sections (`[pipeline]`) and dotted keys merge key by key, while arrays (including
//! `[[events]]`) and inline tables (`{ ... }`: distributions, curves) replace the parent's value
//! whole. `name` and `description` are never inherited, so a what-if is not mistaken for its
//! base. `--set` values are applied last, as if written in one more file.
//!
//! Errors keep pointing at the file, line and column that hold the bad value. The files are laid
//! end to end in one virtual text, every span is shifted into it, and an error's span is mapped
//! back to the file it falls in.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::raw::RawScenario;
use super::validate::Validator;
use super::{InputError, Scenario};
pub use crate::diagnostic::SET_LABEL;
use crate::diagnostic::input;
use crate::diagnostic::key_path_at;

/// Most files in one `extends` chain.
pub const MAX_DEPTH: usize = 16;

struct Source {
    label: String,
    text: Arc<str>,
    offset: usize,
}

/// Reads a scenario file (at most [`input::SCENARIO`]'s limit, and only a regular file), with
/// the standard messages for a missing or unreadable file; `-` is standard input when `stdin`
/// allows it (a file named on the command line, never a parent).
pub fn read(path: &Path, label: &str, stdin: bool) -> Result<String, InputError> {
    input::read_text(path, label, input::SCENARIO, stdin)
}

/// The label of `path` in messages (`<stdin>` for `-`).
pub fn label_of(path: &Path) -> String {
    if input::is_stdin(path) {
        input::STDIN_LABEL.to_string()
    } else {
        path.display().to_string()
    }
}

/// The `extends` value of a parsed file, with its span.
fn extends_of(label: &str, text: &Arc<str>) -> Result<Option<Spanned<String>>, InputError> {
    let doc = DeTable::parse(text).map_err(|e| InputError::from_toml(label, text, &e))?;
    let Some(v) = doc.get_ref().get("extends") else {
        return Ok(None);
    };
    match v.get_ref() {
        DeValue::String(s) => Ok(Some(Spanned::new(v.span(), s.to_string()))),
        other => Err(InputError::at(
            label,
            text,
            Some(v.span()),
            format!(
                "`extends` must be the path of a scenario file, not {} {}",
                if other.type_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                },
                other.type_str()
            ),
        )
        .help("write extends = \"baseline.toml\" (a path relative to this file)")),
    }
}

/// Turns `key=value` overrides into the text of one more TOML layer. A value that is not valid
/// TOML is taken as a string, so `--set name=q3-plan` works unquoted.
pub fn set_layer(sets: &[String]) -> Result<String, InputError> {
    let mut text = String::new();
    for s in sets {
        let Some((key, value)) = s.split_once('=') else {
            return Err(
                InputError::file(SET_LABEL, format!("`{s}` is not of the form key=value"))
                    .help("for example --set pipeline.outcomes.won=0.3 or --set org.seats=80"),
            );
        };
        let (key, value) = (key.trim(), value.trim());
        let valid_key = !key.is_empty()
            && key.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !valid_key {
            return Err(InputError::file(
                SET_LABEL,
                format!("`{key}` is not a dotted key such as pipeline.outcomes.won"),
            )
            .help(
                "keys are section names and key names joined by dots, as in the scenario reference",
            ));
        }
        let line = format!("{key} = {value}\n");
        let line = if DeTable::parse(&line).is_ok() {
            line
        } else {
            format!("{key} = {}\n", toml::Value::String(value.to_string()))
        };
        text.push_str(&line);
    }
    if !text.is_empty() && DeTable::parse(&text).is_err() {
        return Err(InputError::file(
            SET_LABEL,
            "two --set overrides collide (the same key twice, or a key and a key inside it)",
        )
        .help("give each key once"));
    }
    Ok(text)
}

/// Shifts every span in `v` by `by` bytes.
fn shift_value<'a>(v: Spanned<DeValue<'a>>, by: usize) -> Spanned<DeValue<'a>> {
    let span = v.span();
    let value = match v.into_inner() {
        DeValue::Table(t) => DeValue::Table(shift_table(t, by)),
        DeValue::Array(a) => DeValue::Array(a.into_iter().map(|x| shift_value(x, by)).collect()),
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, value)
}

fn shift_table<'a>(t: DeTable<'a>, by: usize) -> DeTable<'a> {
    t.into_iter()
        .map(|(k, v)| {
            let ks = k.span();
            (
                Spanned::new(ks.start + by..ks.end + by, k.into_inner()),
                shift_value(v, by),
            )
        })
        .collect()
}

/// Merges `over` into `base`: tables key by key, except inline tables, which replace.
fn merge<'a>(base: &mut DeTable<'a>, over: DeTable<'a>, combined: &str) {
    for (k, v) in over {
        let inline = combined
            .get(v.span().start..)
            .is_some_and(|s| s.starts_with('{'));
        let name = k.get_ref().to_string();
        let existing = base.iter_mut().find(|(bk, _)| bk.get_ref() == &name);
        match (existing, v.get_ref()) {
            (Some((_, slot)), DeValue::Table(_)) if !inline && slot.get_ref().is_table() => {
                let DeValue::Table(inner) = v.into_inner() else {
                    unreachable!("matched a table")
                };
                if let DeValue::Table(b) = slot.get_mut() {
                    merge(b, inner, combined);
                }
            }
            (Some((_, slot)), _) => *slot = v,
            (None, _) => {
                base.insert(k, v);
            }
        }
    }
}

/// Loads `path` with its `extends` chain and the `--set` overrides.
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario, InputError> {
    load_layers(path, &[sets.to_vec()])
}

/// Loads `path` with its `extends` chain and layers of `key=value` overrides, each applied over
/// the ones before. Each override fixes the value it sets: a belief about it in
/// `[uncertainty.parameters]` is dropped (docs/scenario-reference.md, "Uncertainty").
pub fn load_layers(path: &Path, layers: &[Vec<String>]) -> Result<Scenario, InputError> {
    load_layers_centred(path, layers, layers.len())
}

/// As [`load_layers`], but only the first `fixing` layers fix what they set; the later ones (a
/// sweep's variant, a goal seek's trial value) move the value's centre and keep its belief.
pub fn load_layers_centred(
    path: &Path,
    layers: &[Vec<String>],
    fixing: usize,
) -> Result<Scenario, InputError> {
    let label = label_of(path);
    let text: Arc<str> = Arc::from(read(path, &label, true)?);
    let stem = match path.file_stem() {
        _ if input::is_stdin(path) => "stdin".into(),
        Some(s) => s.to_string_lossy().into_owned(),
        None => "scenario".into(),
    };
    // A fixing layer's `--set` of a level inside a distribution (`pipeline.cycle_months.mean`)
    // cannot be written as TOML: it fixes the belief about that level instead.
    let mut pins: Vec<(String, String)> = Vec::new();
    let layers: Vec<Vec<String>> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.iter()
                .filter(|set| {
                    let pin = i < fixing
                        && set
                            .split_once('=')
                            .is_some_and(|(k, _)| crate::scenario::belief::is_level_key(k.trim()));
                    if pin && let Some((k, v)) = set.split_once('=') {
                        pins.push((k.trim().to_string(), v.trim().to_string()));
                    }
                    !pin
                })
                .cloned()
                .collect()
        })
        .collect();
    let layers = layers.as_slice();
    let set_texts: Vec<String> = layers
        .iter()
        .map(|l| set_layer(l))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();

    let mut sources = extends_chain(path, &label, &text)?;
    if sources.len() == 1 && set_texts.is_empty() && pins.is_empty() {
        return Scenario::from_toml(&text, &label, &stem);
    }
    let n_files = sources.len();
    for set_text in set_texts {
        sources.push(Source {
            label: SET_LABEL.into(),
            text: Arc::from(set_text),
            offset: 0,
        });
    }

    // Lay the files end to end.
    let mut combined = String::new();
    for s in &mut sources {
        s.offset = combined.len();
        combined.push_str(&s.text);
        combined.push('\n');
    }
    let combined: Arc<str> = Arc::from(combined);
    let remap = |e: InputError| remap(e, &combined, &sources, &label);

    let merged = merge_sources(&sources, n_files, &combined)?;
    let raw = RawScenario::deserialize(toml::de::Deserializer::from(Spanned::new(
        0..combined.len(),
        merged,
    )))
    .map_err(|e| remap(InputError::from_toml(&label, &combined, &e)))?;
    let mut raw = raw;
    for set in layers.iter().take(fixing).flatten() {
        if let Some((key, _)) = set.split_once('=') {
            raw.uncertainty.fix(key.trim());
        }
    }
    for (key, value) in pins {
        let v = value
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite());
        let Some(v) = v else {
            return Err(InputError::file(
                SET_LABEL,
                format!("`{key}={value}`: `{value}` is not a number"),
            )
            .help(format!("for example --set {key}=2.5")));
        };
        raw.uncertainty.fixed.insert(key, v);
    }
    let origins: Vec<(usize, String)> = sources
        .iter()
        .map(|s| (s.offset, s.label.clone()))
        .collect();
    let mut scenario = Validator {
        file: &label,
        text: &combined,
        origins: &origins,
    }
    .scenario(raw, &stem)
    .map_err(remap)?;
    scenario.inherits = sources[1..n_files]
        .iter()
        .map(|s| s.label.clone())
        .collect();
    Ok(scenario)
}

/// The files of `path`'s `extends` chain, child first (each at offset 0 until they are laid
/// end to end); a loop, a chain longer than [`MAX_DEPTH`] or an unreadable parent is an error
/// at the `extends` that names it.
fn extends_chain(path: &Path, label: &str, text: &Arc<str>) -> Result<Vec<Source>, InputError> {
    let mut sources = vec![Source {
        label: label.to_string(),
        text: text.clone(),
        offset: 0,
    }];
    let mut seen: Vec<PathBuf> = vec![path.canonicalize().unwrap_or_else(|_| path.to_path_buf())];
    let mut dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    loop {
        let current = sources.last().expect("the child is first");
        let (cur_label, cur_text) = (current.label.clone(), current.text.clone());
        let Some(ext) = extends_of(&cur_label, &cur_text)? else {
            break;
        };
        let at = |msg: String| InputError::at(&cur_label, &cur_text, Some(ext.span()), msg);
        let parent = dir.join(ext.get_ref());
        let parent_label = parent.display().to_string();
        let canonical = parent.canonicalize().unwrap_or_else(|_| parent.clone());
        if let Some(first) = seen.iter().position(|p| *p == canonical) {
            let mut chain: Vec<String> = sources.iter().map(|s| s.label.clone()).collect();
            chain.push(parent_label);
            return Err(at(format!(
                "`extends` makes a loop: {}",
                chain[first..].join(" -> ")
            ))
            .help("a scenario cannot inherit from itself or from a file that inherits from it"));
        }
        if sources.len() >= MAX_DEPTH {
            return Err(at(format!("`extends` chains more than {MAX_DEPTH} files"))
                .help("flatten the chain: inherit from the base directly"));
        }
        let parent_text = read(&parent, &parent_label, false).map_err(|e| {
            at(format!(
                "cannot read the parent scenario `{}` ({}): {}",
                ext.get_ref(),
                parent_label,
                e.message
            ))
            .help("the path is relative to the file that names it")
        })?;
        // Only a file that reads as a scenario may be quoted in a message: any other (a
        // password file, a credentials file) is named, with the reason, and never shown.
        if let Some(why) = not_a_scenario(&parent_text) {
            return Err(at(format!(
                "`{}` ({parent_label}) is not a scenario file: {why}",
                ext.get_ref()
            ))
            .help("`extends` names the scenario file (TOML) to inherit from, relative to the file that names it"));
        }
        seen.push(canonical);
        dir = parent.parent().map(Path::to_path_buf).unwrap_or_default();
        sources.push(Source {
            label: parent_label,
            text: Arc::from(parent_text),
            offset: 0,
        });
    }
    Ok(sources)
}

/// Why `text` (a parent named by `extends`) is not a scenario file, if it is not: it is not
/// TOML, or its top-level keys are not the format's (a misspelling of one of them is taken as
/// a scenario with a typo, reported later at its line). The reason never quotes the text.
fn not_a_scenario(text: &str) -> Option<String> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start).min(text.len());
            let before = text.get(..at).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            return Some(format!("it is not valid TOML (line {line})"));
        }
    };
    let schema = schemars::schema_for!(RawScenario);
    let keys: Vec<&str> = schema
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let foreign = doc.get_ref().iter().any(|(k, _)| {
        let k: &str = k.get_ref();
        k != "extends" && !keys.contains(&k) && crate::diagnostic::did_you_mean(k, &keys).is_none()
    });
    foreign.then(|| {
        "its keys are not those of a scenario (docs/scenario-reference.md lists them)".to_string()
    })
}

/// The sources laid end to end in `combined`, merged into one table: the root parent first,
/// then each child, then the `--set` layers (`n_files` of the sources are files). `extends`
/// is dropped, and `name` and `description` are taken only from the child.
fn merge_sources<'a>(
    sources: &[Source],
    n_files: usize,
    combined: &'a Arc<str>,
) -> Result<DeTable<'a>, InputError> {
    let order: Vec<usize> = (0..n_files).rev().chain(n_files..sources.len()).collect();
    let mut merged = DeTable::default();
    for i in order {
        let s = &sources[i];
        // Parse from the virtual text, so every table borrows from one string.
        let doc = DeTable::parse(&combined[s.offset..s.offset + s.text.len()])
            .map_err(|e| InputError::from_toml(&s.label, &s.text, &e))?
            .into_inner();
        let parent = i != 0 && s.label != SET_LABEL;
        let doc: DeTable = shift_table(doc, s.offset)
            .into_iter()
            .filter(|(k, _)| {
                let k: &str = k.get_ref();
                k != "extends" && !(parent && matches!(k, "name" | "description"))
            })
            .collect();
        merge(&mut merged, doc, combined);
    }
    Ok(merged)
}

/// Maps an error located in the virtual text back to the file that holds the span.
fn remap(mut e: InputError, combined: &Arc<str>, sources: &[Source], child: &str) -> InputError {
    let in_combined = e.text.as_ref().is_some_and(|t| Arc::ptr_eq(t, combined));
    if !in_combined {
        return e;
    }
    let Some(span) = e.span.clone() else {
        e.text = None;
        e.file = child.to_string();
        return e;
    };
    let Some(s) = sources.iter().rev().find(|s| s.offset <= span.start) else {
        return e;
    };
    let local: Range<usize> = span.start - s.offset
        ..(span.end - s.offset)
            .min(s.text.len())
            .max(span.start - s.offset);
    e.file = s.label.clone();
    // The key path found in the virtual text is wrong outside its first file (the tables of
    // the files before it enclose it there); the file's own text gives the right one.
    e.key = key_path_at(&s.text, local.clone()).or(e.key);
    e.span = Some(local);
    e.text = Some(s.text.clone());
    e
}
