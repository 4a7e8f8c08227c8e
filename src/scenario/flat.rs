//! The resolved scenario as a flat list of `key = value` lines, for the report's assumption
//! list and for `revsim compare`'s table of input differences.

use super::Scenario;

impl Scenario {
    /// Every setting of the resolved scenario as (dotted key, TOML value), in file order.
    /// Distributions stay whole (`{ gamma = { mean = 3, sd = 1.5 } }`), arrays of tables are
    /// numbered (`events[2].month`), and keys left to their defaults are absent.
    pub fn flatten(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&self.raw) {
            walk("", &t, &mut out);
        }
        out
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A one-key table holding a table, or `{ fixed = x }`: a distribution or a curve, read best
/// whole.
fn is_tagged(v: &toml::Value) -> bool {
    matches!(v, toml::Value::Table(t)
        if t.len() == 1 && t.iter().all(|(k, v)| v.is_table() || k == "fixed"))
}

fn walk(prefix: &str, t: &toml::Table, out: &mut Vec<(String, String)>) {
    for (k, v) in t {
        let key = join(prefix, k);
        match v {
            toml::Value::Table(inner) if !is_tagged(v) => walk(&key, inner, out),
            toml::Value::Array(items)
                if !items.is_empty() && items.iter().all(|i| i.is_table() && !is_tagged(i)) =>
            {
                for (i, item) in items.iter().enumerate() {
                    if let toml::Value::Table(inner) = item {
                        walk(&format!("{key}[{i}]"), inner, out);
                    }
                }
            }
            _ => out.push((key, inline(v))),
        }
    }
}

/// A value in TOML inline syntax.
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        toml::Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn flattens_sections_and_keeps_distributions_whole() {
        let s =
            crate::scenario::Scenario::from_toml(crate::scenario::template::STARTER, "t.toml", "t")
                .unwrap();
        let flat = s.flatten();
        let get = |k: &str| {
            flat.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("org.seats"), Some("20"));
        let size = get("pipeline.deal_size_usd").expect("deal size is listed");
        assert!(size.starts_with("{ lognormal = {"), "{size}");
        assert!(get("pipeline.outcomes.won").is_some());
    }
}
