//! The house rules of docs/architecture.md, checked on the source: every module of `src/` has a
//! floor, and a module uses only modules on lower floors (no import circles, nothing reaching
//! up). A new module gets a floor here and a line in docs/architecture.md.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module of the library and its floor, from the ground up.
const FLOORS: &[(&str, u32)] = &[
    // The ground floor: every wing may use it; it uses none of them.
    ("words", 1),
    ("calendar", 1),
    ("diagnostic", 1),
    ("stats", 1),
    ("tables", 1),
    ("interrupt", 1),
    // Random numbers, CRM exports, the output folder, sketches: no scenario types.
    ("random", 2),
    ("crm", 2),
    ("output_dir", 2),
    ("sketch", 2),
    // The scenario, the model of one trial, the engine.
    ("scenario", 3),
    ("model", 4),
    ("engine", 5),
    // What runs and summarises trials.
    ("summary", 7),
    ("precision", 6),
    ("synth", 6),
    ("layers", 6),
    ("compare", 8),
    ("headline", 8),
    ("assumptions", 8),
    // Charts, then the reports that hold them.
    ("charts", 9),
    ("report", 10),
    // The wings on top.
    ("batch", 11),
    ("calibrate", 11),
    ("backtest", 12),
    ("serve", 12),
    ("cli", 13),
];

/// The top-level module a source file belongs to (`src/scenario/raw.rs` -> `scenario`).
fn room(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a file").as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The top-level modules a file's code names as `crate::<module>` (comments and the unit tests
/// at the end of the file left out: a test may build its inputs with any module).
fn uses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_module_uses_only_lower_floors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let floors: BTreeMap<&str, u32> = FLOORS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut checked = 0;
    let mut broken = Vec::new();
    for f in &files {
        let from = room(f, &src);
        if from == "lib" || from == "main" {
            continue; // the crate's root declares and re-exports every module
        }
        let Some(&floor) = floors.get(from.as_str()) else {
            panic!(
                "src/{from} has no floor: give it one in tests/architecture.rs and docs/architecture.md"
            );
        };
        let text = std::fs::read_to_string(f).unwrap();
        for to in uses(&text) {
            if to == from || to == "RESULTS_VERSION" {
                continue;
            }
            let Some(&target) = floors.get(to.as_str()) else {
                panic!("{} names crate::{to}, a module with no floor", f.display());
            };
            if target >= floor {
                broken.push(format!(
                    "{} (floor {floor}) uses crate::{to} (floor {target})",
                    f.strip_prefix(&src).unwrap().display()
                ));
            }
            checked += 1;
        }
    }
    assert!(
        broken.is_empty(),
        "imports that reach up or sideways:\n{}",
        broken.join("\n")
    );
    assert!(checked > 300, "only {checked} imports checked");
}

#[test]
fn every_module_has_a_floor_and_the_docs_list_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut rooms: Vec<String> = files
        .iter()
        .map(|f| room(f, &root.join("src")))
        .filter(|r| r != "lib" && r != "main")
        .collect();
    rooms.sort();
    rooms.dedup();
    assert_eq!(rooms.len(), FLOORS.len(), "{rooms:?}");
    for r in &rooms {
        assert!(FLOORS.iter().any(|(m, _)| m == r), "{r} has no floor");
        assert!(
            doc.contains(&format!("`{r}")),
            "docs/architecture.md does not name {r}"
        );
    }
}
