//! The parameter table (src/scenario/params.rs) against the format and its documentation: every
//! path it names is a key of the JSON Schema (or an event-only path), and the scenario
//! reference documents each one in its section.

use std::path::Path;

use revsim::scenario::params::PARAMETERS;
use serde_json::Value;

fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(revsim::scenario::raw::RawScenario)).unwrap()
}

/// The schema at a `$ref`, or the schema itself.
fn resolve<'a>(root: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            resolve(root, &root["$defs"][name])
        }
        None => v,
    }
}

/// Every schema `v` may be: itself, and the members of its `anyOf` / `oneOf` / `allOf`.
fn alternatives<'a>(root: &'a Value, v: &'a Value) -> Vec<&'a Value> {
    let v = resolve(root, v);
    let mut out = vec![v];
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            for m in list {
                out.extend(alternatives(root, m));
            }
        }
    }
    out
}

/// The schemas of property `key` of `v` (directly, or inside a one-key family table such as
/// `{ linear = { months_to_full = 5 } }`).
fn property<'a>(root: &'a Value, v: &'a Value, key: &str) -> Vec<&'a Value> {
    let mut found = Vec::new();
    for alt in alternatives(root, v) {
        if let Some(props) = alt.get("properties").and_then(Value::as_object) {
            if let Some(p) = props.get(key) {
                found.push(p);
            }
            for family in props.values() {
                for inner in alternatives(root, family) {
                    if let Some(p) = inner.get("properties").and_then(|p| p.get(key)) {
                        found.push(p);
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_parameter_of_the_table_is_a_key_of_the_format() {
    let root = schema();
    let mut checked = 0;
    for p in PARAMETERS.iter().filter(|p| p.in_file) {
        let mut at = vec![&root];
        for key in p.path.split('.') {
            at = at.iter().flat_map(|v| property(&root, v, key)).collect();
            assert!(
                !at.is_empty(),
                "{}: no key `{key}` in the JSON Schema",
                p.path
            );
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} parameters checked");
}

#[test]
fn event_only_parameters_are_event_series() {
    let root = schema();
    for p in PARAMETERS.iter().filter(|p| !p.in_file) {
        assert!(p.event.is_some(), "{} is in no file and no event", p.path);
        let mut at = vec![&root];
        let mut missing = false;
        for key in p.path.split('.') {
            at = at.iter().flat_map(|v| property(&root, v, key)).collect();
            missing |= at.is_empty();
        }
        assert!(missing, "{} is a key of the file: mark it in_file", p.path);
    }
}

#[test]
fn the_reference_documents_every_parameter_in_its_section() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-reference.md"),
    )
    .unwrap();
    let section = |table: &str| -> &str {
        let header = format!("\n## [{table}]\n");
        let start = doc
            .find(&header)
            .unwrap_or_else(|| panic!("the reference has no section {header:?}"));
        let rest = &doc[start + header.len()..];
        &rest[..rest.find("\n## ").unwrap_or(rest.len())]
    };
    let events = section("[events]");
    let mut checked = 0;
    for p in PARAMETERS {
        if p.event.is_some() {
            assert!(
                events.contains(&format!("| `{}` |", p.path)),
                "the events table of the reference lacks `{}`",
                p.path
            );
        }
        if !p.in_file {
            continue;
        }
        let mut keys = p.path.split('.');
        let table = keys.next().unwrap();
        if let Some(key) = keys.next() {
            let text = section(table);
            assert!(
                text.contains(&format!("`{key}`"))
                    || text.contains(&format!("### [{table}.{key}]")),
                "the reference's [{table}] section does not document `{key}` ({})",
                p.path
            );
        } else {
            section(table);
        }
        checked += 1;
    }
    assert_eq!(checked, PARAMETERS.iter().filter(|p| p.in_file).count());
}
