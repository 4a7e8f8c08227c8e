//! The JSON Schema of the scenario format, for editors (`revsim schema`, the shipped
//! `schema/revsim.schema.json`).
//!
//! schemars derives it from [`super::raw::RawScenario`]: a complete scenario, whose `[simulation]`,
//! `[org]` and `[pipeline]` and their keys are required. A file with `extends` is a fragment laid
//! over its base (sections merge key by key), so none of that is required there. The schema says
//! both:
//!
//! - the top-level `properties` point at *fragment* copies of every section's table
//!   (`Fragment<Name>`), the same keys and descriptions without `required` (editors complete
//!   from these);
//! - `if` the file has no `extends`, `else` applies the complete scenario: the three tables
//!   required, and every section checked against the original tables with their required keys.
//!
//! Values that replace their parent's whole (arrays such as `[[events]]`, distributions and
//! other choices of one kind) keep their required keys in both. What the schema cannot see (the
//! merged result of an `extends` chain, sums, cross-key rules) `revsim check` reports.

use serde_json::{Map, Value};

/// The top-level tables a scenario without `extends` must have.
pub const REQUIRED: [&str; 3] = ["simulation", "org", "pipeline"];

const DEFS: &str = "#/$defs/";

/// The schema `revsim schema` prints.
pub fn json_schema() -> Value {
    let mut root = serde_json::to_value(schemars::schema_for!(super::raw::RawScenario))
        .expect("a schema serializes");
    let obj = root.as_object_mut().expect("the schema is an object");
    let defs = obj
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let properties = obj
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();

    // The section tables reachable from the top through tables (not arrays, not choices).
    let mut sections = Vec::new();
    for p in properties.values() {
        collect_sections(p, &defs, &mut sections);
    }
    let mut new_defs = defs.clone();
    for name in &sections {
        let mut copy = defs[name].clone();
        if let Some(o) = copy.as_object_mut() {
            o.remove("required");
            if let Some(Value::Object(props)) = o.get_mut("properties") {
                for p in props.values_mut() {
                    retarget(p, &sections);
                }
            }
        }
        new_defs.insert(fragment_name(name), copy);
    }
    let mut lax = properties.clone();
    for p in lax.values_mut() {
        retarget(p, &sections);
    }
    obj.remove("required");
    obj.insert("properties".into(), Value::Object(lax));
    obj.insert("if".into(), serde_json::json!({ "required": ["extends"] }));
    obj.insert(
        "else".into(),
        serde_json::json!({
            "required": REQUIRED,
            "properties": Value::Object(properties),
        }),
    );
    obj.insert("$defs".into(), Value::Object(new_defs));
    root
}

fn fragment_name(def: &str) -> String {
    format!("Fragment{def}")
}

/// The name of the definition `v` refers to, if it is a `$ref` to one.
fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref")?.as_str()?.strip_prefix(DEFS)
}

/// The schemas a property may be: itself, or the non-null member of an optional value.
fn alternatives(v: &Value) -> Vec<&Value> {
    match v.get("anyOf").and_then(Value::as_array) {
        Some(members)
            if members
                .iter()
                .any(|m| m.get("type") == Some(&"null".into())) =>
        {
            members.iter().collect()
        }
        _ => vec![v],
    }
}

/// Adds to `out` the table definitions `v` reaches as sections: through a `$ref`, an optional
/// value, or the values of a map (`[open_pipeline.stages]`).
fn collect_sections(v: &Value, defs: &Map<String, Value>, out: &mut Vec<String>) {
    for alt in alternatives(v) {
        if let Some(name) = ref_name(alt) {
            let Some(def) = defs.get(name) else { continue };
            if def.get("properties").is_none() || out.iter().any(|n| n == name) {
                continue;
            }
            out.push(name.to_string());
            if let Some(Value::Object(props)) = def.get("properties") {
                for p in props.values() {
                    collect_sections(p, defs, out);
                }
            }
        } else if let Some(values) = alt.get("additionalProperties")
            && values.is_object()
        {
            collect_sections(values, defs, out);
        }
    }
}

/// Points the section references in `v` (as [`collect_sections`] walks them) at the fragment
/// copies.
fn retarget(v: &mut Value, sections: &[String]) {
    let optional = matches!(
        v.get("anyOf").and_then(Value::as_array),
        Some(m) if m.iter().any(|m| m.get("type") == Some(&"null".into()))
    );
    if optional {
        if let Some(Value::Array(members)) = v.get_mut("anyOf") {
            for m in members {
                retarget(m, sections);
            }
        }
        return;
    }
    if let Some(name) = ref_name(v).map(str::to_string) {
        if sections.contains(&name) {
            v["$ref"] = Value::String(format!("{DEFS}{}", fragment_name(&name)));
        }
    } else if let Some(values) = v.get_mut("additionalProperties")
        && values.is_object()
    {
        retarget(values, sections);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_drop_only_required_keys() {
        let s = json_schema();
        let defs = s["$defs"].as_object().unwrap();
        assert!(defs["Pipeline"]["required"].is_array());
        assert!(defs["FragmentPipeline"].get("required").is_none());
        assert_eq!(
            defs["Pipeline"]["properties"].as_object().unwrap().len(),
            defs["FragmentPipeline"]["properties"]
                .as_object()
                .unwrap()
                .len()
        );
        // [[events]] replace their parent's whole: an event keeps its required month.
        assert!(defs.get("FragmentEvent").is_none());
        assert_eq!(s["properties"]["org"]["$ref"], "#/$defs/FragmentOrg");
        assert_eq!(s["else"]["properties"]["org"]["$ref"], "#/$defs/Org");
    }
}
