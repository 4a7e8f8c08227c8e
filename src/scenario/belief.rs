//! How a planner writes a belief about a number the org does not know exactly: the
//! `[uncertainty.parameters]` values.
//!
//! A belief is one of
//!
//! - three quantiles, `{ p10 = 4, p50 = 5, p90 = 9 }` ("4 to 9 months, most likely 5"), drawn
//!   from the three-term metalog through them ([`crate::random::metalog`]), bounded where the
//!   quantity is (`p50` may be left out: it is then the value in the file, or, where no
//!   distribution fits P10, that value and P90, the middle of P10 and P90 on the quantity's
//!   scale);
//! - a named family, as in a scenario's distributions, `{ beta = { mean = 0.28, sd = 0.04 } }`,
//!   with `truncate = true` if its draws may leave the quantity's range and should be cut to
//!   it (without it, such a family is refused);
//! - for the outcome shares, a Dirichlet: `{ dirichlet = { concentration = 400 } }` around the
//!   file's shares, or `{ dirichlet = { won = 60, lost = 84, no_decision = 96 } }` as counts
//!   (a posterior from a CRM history).
//!
//! The spec is checked and built into a sampler when the scenario is validated. The
//! `[uncertainty]` table itself ([`Uncertainty`], [`Correlation`]) lives here too.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{Error, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::dist::Family;

/// A belief as written in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum BeliefSpec {
    /// P10 / P50 / P90 (the P50 may be left out).
    Quantiles {
        /// 10th percentile.
        p10: f64,
        /// Median; `None`: the file's value.
        p50: Option<f64>,
        /// 90th percentile.
        p90: f64,
    },
    /// A named family.
    Family {
        /// The family and its parameters.
        family: Family,
        /// Cut draws to the quantity's range (else a family that can leave it is refused).
        truncate: bool,
    },
    /// Outcome shares drawn together.
    Dirichlet(DirichletSpec),
}

/// A Dirichlet over the won, lost and no-decision shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DirichletSpec {
    /// Around the file's shares: the larger, the surer (the counts of the shares add up to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concentration: Option<f64>,
    /// Counts (pseudo-observations) of won deals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub won: Option<f64>,
    /// Counts of lost deals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<f64>,
    /// Counts of deals ending in no decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_decision: Option<f64>,
}

const QUANTILE_KEYS: [&str; 3] = ["p10", "p50", "p90"];

impl<'de> Deserialize<'de> for BeliefSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BeliefSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a belief: { p10 = ..., p50 = ..., p90 = ... }, a distribution such as { beta = { mean = 0.28, sd = 0.04 } }, or (for pipeline.outcomes) { dirichlet = { concentration = 400 } }",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BeliefSpec, A::Error> {
                let mut quantiles: [Option<f64>; 3] = [None; 3];
                let mut family: Option<Family> = None;
                let mut dirichlet: Option<DirichletSpec> = None;
                let mut truncate: Option<bool> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if let Some(i) = QUANTILE_KEYS.iter().position(|k| *k == key) {
                        quantiles[i] = Some(map.next_value()?);
                    } else if key == "truncate" {
                        truncate = Some(map.next_value()?);
                    } else if key == "dirichlet" {
                        dirichlet = Some(map.next_value()?);
                    } else if family.is_some() || dirichlet.is_some() {
                        return Err(A::Error::custom(format!(
                            "a belief names one distribution, but `{key}` follows another; remove one"
                        )));
                    } else {
                        // One family key: read it as the one-key table a distribution is.
                        let value: toml::Value = map.next_value()?;
                        let mut table = toml::Table::new();
                        table.insert(key.clone(), value);
                        family = Some(Family::deserialize(table).map_err(|e| {
                            A::Error::custom(format!(
                                "{}; a belief is {{ p10, p50, p90 }}, a distribution family (uniform, triangular, pert, normal, lognormal, gamma, beta, discrete) or a dirichlet",
                                e.message()
                            ))
                        })?);
                    }
                }
                let any_quantile = quantiles.iter().any(Option::is_some);
                let kinds = usize::from(any_quantile)
                    + usize::from(family.is_some())
                    + usize::from(dirichlet.is_some());
                if kinds > 1 {
                    return Err(A::Error::custom(
                        "give the belief one way: p10/p50/p90, a distribution family, or a dirichlet",
                    ));
                }
                if truncate.is_some() && family.is_none() {
                    return Err(A::Error::custom(
                        "`truncate` applies to a distribution family; p10/p50/p90 and dirichlet beliefs stay in range by construction",
                    ));
                }
                if let Some(f) = family {
                    return Ok(BeliefSpec::Family {
                        family: f,
                        truncate: truncate.unwrap_or(false),
                    });
                }
                if let Some(d) = dirichlet {
                    return Ok(BeliefSpec::Dirichlet(d));
                }
                match quantiles {
                    [Some(p10), p50, Some(p90)] => Ok(BeliefSpec::Quantiles { p10, p50, p90 }),
                    _ => Err(A::Error::custom(
                        "a belief by quantiles needs p10 and p90 (p50 is optional: the file's value)",
                    )),
                }
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for BeliefSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            BeliefSpec::Quantiles { p10, p50, p90 } => {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("p10", p10)?;
                if let Some(p50) = p50 {
                    m.serialize_entry("p50", p50)?;
                }
                m.serialize_entry("p90", p90)?;
                m.end()
            }
            BeliefSpec::Family { family, truncate } => {
                let value = toml::Value::try_from(family).map_err(serde::ser::Error::custom)?;
                let toml::Value::Table(table) = value else {
                    return Err(serde::ser::Error::custom("a family serializes to a table"));
                };
                let mut m = s.serialize_map(None)?;
                for (k, v) in &table {
                    m.serialize_entry(k, v)?;
                }
                if *truncate {
                    m.serialize_entry("truncate", &true)?;
                }
                m.end()
            }
            BeliefSpec::Dirichlet(d) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("dirichlet", d)?;
                m.end()
            }
        }
    }
}

impl JsonSchema for BeliefSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Belief".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let family = generator.subschema_for::<Family>();
        let dirichlet = generator.subschema_for::<DirichletSpec>();
        schemars::json_schema!({
            "description": "What the org believes about a number it does not know exactly: one draw per trial. P10/P50/P90 (P50 optional: the file's value), a distribution family (with truncate = true to cut it to the quantity's range), or for pipeline.outcomes a dirichlet.",
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "p10": { "type": "number", "description": "10th percentile: a 1-in-10 chance of less." },
                        "p50": { "type": "number", "description": "Median (default: the value in the file)." },
                        "p90": { "type": "number", "description": "90th percentile: a 1-in-10 chance of more." }
                    },
                    "required": ["p10", "p90"],
                    "additionalProperties": false
                },
                {
                    "allOf": [ family ],
                    "properties": { "truncate": { "type": "boolean", "description": "Cut draws to the quantity's range." } }
                },
                {
                    "type": "object",
                    "properties": { "dirichlet": dirichlet },
                    "required": ["dirichlet"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// `[uncertainty]`: what the org does not know about itself (docs/model.md, "Uncertainty: three
/// layers"). Each parameter named here is drawn once per trial, from its own random stream,
/// and held for the whole trial; the value in the file is the median of its draws.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    /// Beliefs by key path, e.g. `"ramp.curve.months_to_full" = { p10 = 4, p90 = 9 }`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, BeliefSpec>")]
    pub parameters: std::collections::BTreeMap<String, toml::Spanned<BeliefSpec>>,
    /// Rank (Spearman) correlations between uncertain parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Correlation>")]
    pub correlation: Option<toml::Spanned<Correlation>>,
    /// Beliefs held at one value for the run, by key path: the level of a distribution (or a
    /// ramp's length) fixed without rewriting the distribution, as `--set
    /// pipeline.cycle_months.mean=2.6` writes it. The belief must be declared; its draws are
    /// replaced by the value in every trial.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fixed: std::collections::BTreeMap<String, f64>,
}

/// Whether `key` names a level inside a value that a `--set` cannot write as TOML: the median,
/// mean or sigma of a distribution key (`pipeline.cycle_months.mean`) or the ramp curve's
/// length (`ramp.curve.months_to_full`). A `--set` of such a key fixes the belief about it
/// ([`Uncertainty::fixed`]).
pub fn is_level_key(key: &str) -> bool {
    if key == "ramp.curve.months_to_full" {
        return true;
    }
    key.rsplit_once('.').is_some_and(|(k, stat)| {
        matches!(stat, "median" | "mean" | "sigma")
            && super::params::get(k).is_some_and(|r| r.distribution)
    })
}

impl Uncertainty {
    /// Whether nothing is declared (left out of the canonical text).
    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty() && self.correlation.is_none() && self.fixed.is_empty()
    }

    /// Drops the beliefs that a `--set` of `key` fixes: a belief about the key itself, about a
    /// key inside it (`pipeline.deal_size_usd.median` for `pipeline.deal_size_usd`), or about
    /// the table that holds it (the outcomes' dirichlet for `pipeline.outcomes.won`); and the
    /// correlations of the dropped ones.
    pub fn fix(&mut self, key: &str) {
        let fixed = |path: &str| {
            path == key
                || path.strip_prefix(key).is_some_and(|r| r.starts_with('.'))
                || key.strip_prefix(path).is_some_and(|r| r.starts_with('.'))
        };
        let dropped: Vec<String> = self
            .parameters
            .keys()
            .filter(|p| fixed(p))
            .cloned()
            .collect();
        for p in &dropped {
            self.parameters.remove(p);
        }
        let Some(cor) = &mut self.correlation else {
            return;
        };
        let c = cor.get_mut();
        let dirichlet = |k: &str| {
            k.strip_prefix("pipeline.outcomes.").is_some()
                && dropped.iter().any(|d| d == "pipeline.outcomes")
        };
        let keep: Vec<usize> = (0..c.keys.len())
            .filter(|&i| !fixed(&c.keys[i]) && !dirichlet(&c.keys[i]))
            .collect();
        if keep.len() == c.keys.len() {
            return;
        }
        if keep.len() < 2 {
            self.correlation = None;
            return;
        }
        c.keys = keep.iter().map(|&i| c.keys[i].clone()).collect();
        c.spearman = keep
            .iter()
            .map(|&i| {
                keep.iter()
                    .map(|&j| {
                        c.spearman
                            .get(i)
                            .and_then(|r| r.get(j))
                            .copied()
                            .unwrap_or(0.0)
                    })
                    .collect()
            })
            .collect();
    }
}

/// `[uncertainty.correlation]`: Spearman rank correlations between uncertain parameters, drawn
/// with a Gaussian copula.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// The parameters, by key path (each uncertain, or `market.demand_factor`).
    pub keys: Vec<String>,
    /// The matrix of rank correlations, one row per key: symmetric, 1 on the diagonal.
    pub spearman: Vec<Vec<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BeliefSpec, String> {
        #[derive(Deserialize)]
        struct W {
            b: BeliefSpec,
        }
        toml::from_str::<W>(&format!("b = {text}"))
            .map(|w| w.b)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn reads_each_way_of_writing_a_belief() {
        assert_eq!(
            parse("{ p10 = 4, p90 = 9 }").unwrap(),
            BeliefSpec::Quantiles {
                p10: 4.0,
                p50: None,
                p90: 9.0
            }
        );
        assert!(matches!(
            parse("{ beta = { mean = 0.28, sd = 0.04 }, truncate = true }").unwrap(),
            BeliefSpec::Family { truncate: true, .. }
        ));
        assert!(matches!(
            parse("{ dirichlet = { concentration = 400 } }").unwrap(),
            BeliefSpec::Dirichlet(_)
        ));
    }

    #[test]
    fn refuses_mixed_or_partial_beliefs() {
        for bad in [
            "{ p10 = 4 }",
            "{ p10 = 4, p90 = 9, beta = { mean = 0.5, sd = 0.1 } }",
            "{ p10 = 4, p90 = 9, truncate = true }",
            "{ lognormal = { median = 1, p90 = 2 }, gamma = { mean = 1, sd = 1 } }",
            "{ weibull = { k = 2 } }",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn writes_what_it_reads() {
        #[derive(Serialize, Deserialize)]
        struct W {
            b: BeliefSpec,
        }
        for text in [
            "{ p10 = 4.0, p50 = 5.0, p90 = 9.0 }",
            "{ beta = { mean = 0.28, sd = 0.04 }, truncate = true }",
            "{ dirichlet = { concentration = 400.0 } }",
        ] {
            let b = parse(text).unwrap();
            let written = toml::to_string(&W { b: b.clone() }).unwrap();
            let again: W = toml::from_str(&written).unwrap();
            assert_eq!(again.b, b, "{written}");
        }
    }
}
