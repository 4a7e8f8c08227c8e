//! A saved column mapping (`--map FILE`): the reading options a team's export needs, kept in a
//! small TOML file so that the export reads with one flag. Its keys are those of the flags:
//!
//! ```toml
//! columns = "salesforce"          # --columns
//! date_order = "dmy"              # --date-order
//! no_decision = ["Budget frozen"] # --no-decision (each)
//!
//! [map]                           # --map FIELD=HEADER (each)
//! owner = "Account Executive"
//! amount = "Deal Value (USD)"
//!
//! [stage]                         # --stage NAME=OUTCOME (each)
//! "Closed - Stalled" = "no-decision"
//! ```
//!
//! An error in the file is located at its line and column, as a scenario's are. Options given
//! on the command line win over the file's ([`MapFile::under`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::columns::{Field, Layout};
use super::dates::DateOrder;
use super::outcomes::{StageMeaning, parse_stage_flag};
use crate::diagnostic::{InputError, did_you_mean, input};

/// The options a mapping file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapFile {
    /// The layout (`columns`).
    pub columns: Option<Layout>,
    /// The order of day, month and year (`date_order`).
    pub date_order: Option<DateOrder>,
    /// Fields read from named columns (`[map]`).
    pub map: Vec<(Field, String)>,
    /// What stage names mean (`[stage]`).
    pub stages: Vec<(String, StageMeaning)>,
    /// Stages and loss reasons that mean no decision (`no_decision`).
    pub no_decision: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    columns: Option<Layout>,
    date_order: Option<DateOrder>,
    #[serde(default)]
    no_decision: Vec<String>,
    #[serde(default)]
    map: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    stage: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Whether a `--map` argument names a mapping file rather than a `FIELD=HEADER` pair: it has
/// no `=`, or it ends in `.toml`.
pub fn is_map_file(arg: &str) -> bool {
    !arg.contains('=') || arg.trim_end().to_ascii_lowercase().ends_with(".toml")
}

/// Reads the mapping file at `path`.
pub fn read_map_file(path: &Path) -> Result<MapFile, InputError> {
    let shown = path.display().to_string();
    let text = input::read_text(path, &shown, input::COLUMN_MAP, false)?;
    parse_map_file(&text, &shown)
}

/// Reads a mapping file's `text`; `file` names it in messages.
pub fn parse_map_file(text: &str, file: &str) -> Result<MapFile, InputError> {
    let text: Arc<str> = Arc::from(text);
    let raw: Raw = toml::from_str(&text).map_err(|e| {
        InputError::from_toml(file, &text, &e)
            .help("a mapping file takes columns, date_order, no_decision, [map] and [stage] (docs/calibrate.md, \"A saved mapping\")")
    })?;
    let keys = Field::ALL.map(Field::key);
    let mut map = Vec::new();
    for (field, header) in &raw.map {
        let Some(f) = Field::from_key(field.get_ref()) else {
            let mut e = InputError::at(
                file,
                &text,
                Some(field.span()),
                format!("`{}` is not a field", field.get_ref()),
            );
            if let Some(best) = did_you_mean(field.get_ref(), &keys) {
                e = e.help(format!("did you mean `{best}`?"));
            }
            return Err(e.help(format!("the fields are {}", keys.join(", "))));
        };
        let h = header.get_ref().trim();
        if h.is_empty() {
            return Err(InputError::at(
                file,
                &text,
                Some(header.span()),
                format!("`{f}` names no column"),
            )
            .help("write the column's header as it appears in the export's first row"));
        }
        map.push((f, h.to_string()));
    }
    let mut stages = Vec::new();
    for (name, meaning) in &raw.stage {
        let (n, m) = parse_stage_flag(&format!("{}={}", name.get_ref(), meaning.get_ref()))
            .map_err(|why| {
                let span = if name.get_ref().trim().is_empty() {
                    name.span()
                } else {
                    meaning.span()
                };
                InputError::at(
                    file,
                    &text,
                    Some(span),
                    why.replace("after `=`", "as the value"),
                )
            })?;
        stages.push((n, m));
    }
    Ok(MapFile {
        columns: raw.columns,
        date_order: raw.date_order,
        map,
        stages,
        no_decision: raw.no_decision,
    })
}

impl MapFile {
    /// The file's options under those given on the command line, which win: a layout or date
    /// order given there replaces the file's; a field mapped there replaces the file's mapping
    /// of it; stage meanings given there are applied after the file's; no-decision names add up.
    pub fn under(
        &self,
        columns: Option<Layout>,
        date_order: Option<DateOrder>,
        map: &[(Field, String)],
    ) -> (Option<Layout>, Option<DateOrder>, Vec<(Field, String)>) {
        let mut merged: Vec<(Field, String)> = self
            .map
            .iter()
            .filter(|(f, _)| !map.iter().any(|(g, _)| g == f))
            .cloned()
            .collect();
        merged.extend(map.iter().cloned());
        (
            columns.or(self.columns),
            date_order.or(self.date_order),
            merged,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::outcomes::Outcome;

    const GOOD: &str = r#"
columns = "salesforce"
date_order = "dmy"
no_decision = ["Budget frozen"]

[map]
owner = "Account Executive"
amount = "Deal Value"

[stage]
"Closed - Stalled" = "no-decision"
"Duplicate" = "ignore"
"#;

    #[test]
    fn reads_every_key() {
        let m = parse_map_file(GOOD, "team.toml").unwrap();
        assert_eq!(m.columns, Some(Layout::Salesforce));
        assert_eq!(m.date_order, Some(DateOrder::Dmy));
        assert_eq!(m.no_decision, ["Budget frozen"]);
        assert_eq!(
            m.map,
            [
                (Field::Amount, "Deal Value".to_string()),
                (Field::Owner, "Account Executive".to_string())
            ]
        );
        assert_eq!(
            m.stages,
            [
                (
                    "Closed - Stalled".to_string(),
                    StageMeaning::Outcome(Outcome::NoDecision)
                ),
                ("Duplicate".to_string(), StageMeaning::Ignore)
            ]
        );
        assert_eq!(
            parse_map_file("", "empty.toml").unwrap(),
            MapFile::default()
        );
    }

    #[test]
    fn the_command_line_wins() {
        let m = parse_map_file(GOOD, "team.toml").unwrap();
        let (l, o, map) = m.under(
            Some(Layout::Hubspot),
            None,
            &[(Field::Owner, "Rep".to_string())],
        );
        assert_eq!(l, Some(Layout::Hubspot));
        assert_eq!(o, Some(DateOrder::Dmy));
        assert_eq!(
            map,
            [
                (Field::Amount, "Deal Value".to_string()),
                (Field::Owner, "Rep".to_string())
            ]
        );
    }

    fn err(text: &str) -> (String, (usize, usize)) {
        let e = parse_map_file(text, "team.toml").unwrap_err();
        let at = e.line_col().expect("located");
        (e.to_string(), at)
    }

    #[test]
    fn errors_are_located() {
        let (e, at) = err("columns = \"salesforce\"\n[map]\nownr = \"Rep\"\n");
        assert_eq!(at, (3, 1), "{e}");
        assert!(e.contains("`ownr` is not a field"), "{e}");
        assert!(e.contains("did you mean `owner`?"), "{e}");
        let (e, at) = err("[map]\nowner = \"  \"\n");
        assert_eq!(at, (2, 9), "{e}");
        let (e, at) = err("[stage]\nStalled = \"maybe\"\n");
        assert_eq!(at, (2, 11), "{e}");
        assert!(e.contains("`maybe` is not an outcome"), "{e}");
        let (e, at) = err("columns = \"salesforce\"\ndate_ordr = \"dmy\"\n");
        assert_eq!(at, (2, 1), "{e}");
        assert!(e.contains("did you mean `date_order`?"), "{e}");
        let (e, at) = err("date_order = \"dym\"\n");
        assert_eq!(at.0, 1, "{e}");
        assert!(e.contains("dmy"), "{e}");
        let (_, at) = err("[map\nowner = 1\n");
        assert_eq!(at.0, 1);
        let (e, at) = err("[map]\nowner = 3\n");
        assert_eq!(at, (2, 9), "{e}");
    }

    #[test]
    fn map_arguments_that_name_files() {
        assert!(is_map_file("team.toml"));
        assert!(is_map_file("maps/a=b.toml"));
        assert!(is_map_file("team-map"));
        assert!(!is_map_file("owner=Account Executive"));
    }
}
