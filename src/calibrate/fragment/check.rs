//! The proof that a fragment loads: laid over a minimal scenario, it must pass the scenario's
//! own validation, so a fragment that is written is known to load.

use crate::diagnostic::InputError;
use crate::scenario::Scenario;

/// A minimal scenario: the required keys, nothing else.
const MINIMAL: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
[org]
seats = 10
[pipeline]
opportunities_per_rep_month = 1
deal_size_usd = 1
cycle_months = 1
[pipeline.outcomes]
won = 0.5
lost = 0.5
no_decision = 0
"#;

/// Loads `fragment` laid over a minimal scenario (its `extends` line, if any, set aside): the
/// error, at the fragment's line, if any value in it would not load.
pub fn check(fragment: &str, file: &str) -> Result<(), InputError> {
    let over: toml::Table = toml::from_str(fragment)
        .map_err(|e| InputError::from_toml(file, &std::sync::Arc::from(fragment), &e))?;
    let mut base: toml::Table = toml::from_str(MINIMAL).expect("the minimal scenario parses");
    fn merge(base: &mut toml::Table, over: toml::Table) {
        for (k, v) in over {
            match (base.get_mut(&k), v) {
                (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
                (_, v) => {
                    base.insert(k, v);
                }
            }
        }
    }
    let mut over = over;
    over.remove("extends");
    merge(&mut base, over);
    let text = toml::to_string(&base).expect("a table serializes");
    Scenario::from_toml(&text, file, "calibrated").map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finds_bad_values() {
        assert!(check("[pipeline]\nopportunities_per_rep_month = 2\n", "f.toml").is_ok());
        let e = check(
            "[pipeline.outcomes]\nwon = 0.9\nlost = 0.5\nno_decision = 0\n",
            "f.toml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("sum"), "{e}");
    }
}
