//! The JSON Schema editors use (`revsim schema`, schema/revsim.schema.json) accepts every
//! scenario revsim ships, writes or documents: each is parsed from TOML to JSON and checked by a
//! real JSON Schema validator (the `jsonschema` crate, draft 2020-12). The docs' examples are
//! checked in tests/docs_examples.rs through [`assert_valid`].

use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&revsim::scenario::schema::json_schema())
        .expect("the schema is a valid JSON Schema")
}

/// The TOML text as the JSON value an editor's validator sees.
pub fn to_json(text: &str, what: &str) -> Value {
    let table: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}"));
    serde_json::to_value(table).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The schema's complaints about `text`, one line each.
pub fn schema_errors(text: &str, what: &str) -> Vec<String> {
    let v = validator();
    let json = to_json(text, what);
    v.iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Panics, listing the schema's complaints, unless `text` validates.
pub fn assert_valid(text: &str, what: &str) {
    let errors = schema_errors(text, what);
    assert!(
        errors.is_empty(),
        "{what} does not validate against the schema ({} errors):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn every_bundled_scenario_validates() {
    let mut n = 0;
    let mut fragments = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert_valid(&text, &path.display().to_string());
            n += 1;
            fragments += usize::from(to_json(&text, "scenario").get("extends").is_some());
        }
    }
    // As this is written: 9 files, 6 of them with `extends`.
    assert!(
        n >= 9 && fragments >= 6,
        "{n} scenarios, {fragments} fragments"
    );
}

#[test]
fn the_starter_validates_as_written_and_with_every_optional_setting_in_use() {
    use revsim::scenario::template;
    assert_valid(template::STARTER, "the template `revsim init` writes");
    assert_valid(
        &template::uncommented(template::STARTER),
        "the template with every optional setting uncommented",
    );
}

#[test]
fn the_schema_still_rejects_what_revsim_rejects() {
    let base = std::fs::read_to_string(root().join("scenarios/baseline.toml")).unwrap();
    // A complete file without a required table.
    let without_org = to_json(&base, "baseline");
    let mut without_org = without_org.as_object().unwrap().clone();
    without_org.remove("org");
    let v = validator();
    assert!(!v.is_valid(&Value::Object(without_org)));
    // ... or without a required key of one.
    let no_seats = base.replacen("seats = ", "seatz = ", 1);
    assert!(!schema_errors(&no_seats, "typo").is_empty());
    // A fragment may leave the tables out, but not misspell a key or give a wrong type.
    assert!(schema_errors("extends = \"baseline.toml\"\n[org]\nseats = 3\n", "ok").is_empty());
    assert!(!schema_errors("extends = \"baseline.toml\"\n[org]\nseatz = 3\n", "typo").is_empty());
    assert!(
        !schema_errors(
            "extends = \"baseline.toml\"\n[org]\nseats = \"x\"\n",
            "type"
        )
        .is_empty()
    );
    // An event replaces whole: it needs its month even in a fragment.
    assert!(
        !schema_errors(
            "extends = \"baseline.toml\"\n[[events]]\nset = { \"org.seats\" = 3 }\n",
            "event"
        )
        .is_empty()
    );
}

#[test]
fn the_schema_as_derived_rejects_fragments() {
    // The derived schema, before fragments were allowed: it requires [simulation] in a file with
    // `extends`, as editors complained. The validator must see that, or the tests above prove
    // nothing.
    let strict =
        serde_json::to_value(schemars::schema_for!(revsim::scenario::raw::RawScenario)).unwrap();
    let v = jsonschema::validator_for(&strict).unwrap();
    let text = std::fs::read_to_string(root().join("scenarios/cycle-4-vs-6-months.toml")).unwrap();
    assert!(!v.is_valid(&to_json(&text, "cycle")));
}

#[test]
fn the_calibrate_fragment_in_the_docs_validates_with_its_extends_line() {
    // docs/calibrate.md shows the fragment `revsim calibrate` writes, to lay over a base with
    // an `extends` line (as its own comments say): with that line, the schema accepts it.
    let text = std::fs::read_to_string(root().join("docs/calibrate.md")).unwrap();
    let mut n = 0;
    let mut body: Option<String> = None;
    for line in text.lines() {
        match &mut body {
            None if line.trim_start() == "```toml" => body = Some(String::new()),
            Some(b) if line.trim_start().starts_with("```") => {
                // The page also shows a saved column mapping (`--map FILE`): not a scenario,
                // so it must read as one with the reader `--map` uses.
                if revsim::crm::mapping::parse_map_file(b, "map.toml").is_ok() {
                    body = None;
                    continue;
                }
                assert_valid(
                    &format!("extends = \"baseline.toml\"\n{b}"),
                    "the fragment in docs/calibrate.md",
                );
                n += 1;
                body = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    assert!(n >= 1, "{n} fragments in docs/calibrate.md");
}
