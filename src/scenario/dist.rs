//! Distribution specs: how a planner writes a varying quantity, and the sampler built from it.
//!
//! A planner writes either a plain number (a fixed value) or a one-key table naming the family:
//! `{ lognormal = { median = 30000, p90 = 80000 } }`. Business users think in medians and
//! "nine times out of ten it is below X", so the skewed families (lognormal, gamma, beta) also
//! accept `mean`/`sd` or `median`/`p90`. The spec is turned into a [`Sampler`] at load time; the
//! `rand_distr` constructors are the checks, so a scenario that loads cannot hold a bad
//! distribution.

use std::fmt;

use rand_distr::{Gamma, LogNormal, Normal, Poisson, Triangular};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::random::dist::{BetaGammas, Dist, Domain, Moments, Sampler, beta_from_mean_sd};
use crate::words::fmt_num;

/// z-score of the 90th percentile of the standard normal distribution.
const Z90: f64 = 1.281_551_565_544_600_5;

/// A distribution as written in the scenario file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DistSpec {
    /// A plain number: always this value.
    Value(f64),
    /// A one-key table naming the family and its parameters.
    Family(Family),
}

/// The distribution families a scenario can name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Family {
    /// Always the same value: `{ fixed = 3 }`.
    Fixed(f64),
    /// Every value between `min` and `max` equally likely.
    Uniform {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// Triangular: a minimum, a most likely value and a maximum.
    Triangular {
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
    },
    /// Beta-PERT (shape 4): a smoother three-point estimate than the triangle.
    Pert {
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
    },
    /// Normal (Gaussian); values outside the quantity's allowed range are clamped to it.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Lognormal, by `median` and `p90` or by `mean` and `sd` (of the value, not its log).
    Lognormal(TwoWay),
    /// Gamma, by `shape` and `scale` or by `mean` and `sd`.
    Gamma(GammaSpec),
    /// Beta on [0, 1], by `alpha` and `beta` or by `mean` and `sd`.
    Beta(BetaSpec),
    /// Poisson counts with the given mean.
    Poisson {
        /// Mean count.
        mean: f64,
    },
    /// An explicit table of values and their probabilities (which must sum to 1).
    Discrete {
        /// The possible values.
        values: Vec<f64>,
        /// The probability of each value, in the same order; they must sum to 1.
        probabilities: Vec<f64>,
    },
}

/// Lognormal parameters: exactly one of the pairs (`median`, `p90`) or (`mean`, `sd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoWay {
    /// Median (P50) value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// 90th percentile: nine values in ten are below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p90: Option<f64>,
    /// Mean value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Standard deviation of the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

/// Gamma parameters: (`shape`, `scale`) or (`mean`, `sd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GammaSpec {
    /// Shape k.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    /// Scale theta (mean = shape x scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// Mean value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

/// Beta parameters: (`alpha`, `beta`) or (`mean`, `sd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BetaSpec {
    /// Shape alpha.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    /// Shape beta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
    /// Mean value (between 0 and 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Standard deviation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DistSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number or a distribution such as { lognormal = { median = 30000, p90 = 80000 } }",
                )
            }
            fn visit_f64<E>(self, v: f64) -> Result<DistSpec, E> {
                Ok(DistSpec::Value(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<DistSpec, E> {
                Ok(DistSpec::Value(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<DistSpec, E> {
                Ok(DistSpec::Value(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<DistSpec, A::Error> {
                let family =
                    Family::deserialize(serde::de::value::MapAccessDeserializer::new(&mut map))?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(serde::de::Error::custom(format!(
                        "a distribution names exactly one family, but `{extra}` follows the first; remove one"
                    )));
                }
                Ok(DistSpec::Family(family))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for DistSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let family = generator.subschema_for::<Family>();
        schemars::json_schema!({
            "description": "A fixed number, or a one-key table naming a distribution family.",
            "anyOf": [ { "type": "number" }, family ]
        })
    }
}

fn pair(a: Option<f64>, b: Option<f64>) -> Option<(f64, f64)> {
    Some((a?, b?))
}

fn finite(name: &str, v: f64) -> Result<f64, String> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("`{name}` must be a finite number, got {v}"))
    }
}

impl DistSpec {
    /// Builds the sampler and checks it against the quantity's allowed range.
    pub fn build(&self, domain: Domain) -> Result<Dist, String> {
        let (s, m) = self.sampler()?;
        let bounded = !matches!(s, Sampler::Normal(_));
        if !(m.mean >= domain.min && m.mean <= domain.max)
            || (bounded && (m.lo < domain.min || m.hi > domain.max))
        {
            return Err(format!(
                "this distribution can produce values from {} to {} (mean {}), but the value must be {}",
                fmt_num(m.lo),
                fmt_num(m.hi),
                fmt_num(m.mean),
                domain.text
            ));
        }
        Ok(Dist {
            sampler: s,
            moments: m,
            domain,
        })
    }

    fn sampler(&self) -> Result<(Sampler, Moments), String> {
        let inf = f64::INFINITY;
        let m = |mean: f64, lo: f64, hi: f64| Moments { mean, lo, hi };
        let fam = match self {
            DistSpec::Value(v) => {
                let v = finite("value", *v)?;
                return Ok((Sampler::Fixed(v), m(v, v, v)));
            }
            DistSpec::Family(f) => f,
        };
        Ok(match fam {
            Family::Fixed(v) => {
                let v = finite("fixed", *v)?;
                (Sampler::Fixed(v), m(v, v, v))
            }
            Family::Uniform { min, max } => {
                let (lo, hi) = (finite("min", *min)?, finite("max", *max)?);
                if lo > hi {
                    return Err(format!("`min` ({lo}) must not exceed `max` ({hi})"));
                }
                (
                    Sampler::Uniform { lo, width: hi - lo },
                    m((lo + hi) / 2.0, lo, hi),
                )
            }
            Family::Triangular { min, mode, max } => triangular((min, mode, max))?,
            Family::Pert { min, mode, max } => pert((min, mode, max))?,
            Family::Normal { mean, sd } => {
                let (mean, sd) = (finite("mean", *mean)?, finite("sd", *sd)?);
                if sd < 0.0 {
                    return Err(format!("`sd` must be 0 or more, got {sd}"));
                }
                if sd == 0.0 {
                    // A point mass: its range is its value, so a domain check applies to it.
                    (Sampler::Fixed(mean), m(mean, mean, mean))
                } else {
                    let d = Normal::new(mean, sd).map_err(|e| e.to_string())?;
                    (Sampler::Normal(d), m(mean, -inf, inf))
                }
            }
            Family::Lognormal(p) => {
                let (mu, sigma) = lognormal_params(p)?;
                let s = Sampler::LogNormal {
                    d: LogNormal::new(mu, sigma).map_err(|e| e.to_string())?,
                    mu,
                    sigma,
                };
                (s, m((mu + sigma * sigma / 2.0).exp(), 0.0, inf))
            }
            Family::Gamma(p) => gamma(p)?,
            Family::Beta(p) => beta(p)?,
            Family::Poisson { mean } => {
                let mean = finite("mean", *mean)?;
                if mean < 0.0 {
                    return Err(format!("poisson needs `mean` of 0 or more, got {mean}"));
                }
                let s = if mean == 0.0 {
                    Sampler::Fixed(0.0)
                } else {
                    Sampler::Poisson {
                        d: Poisson::new(mean).map_err(|e| e.to_string())?,
                        mean,
                    }
                };
                (s, m(mean, 0.0, inf))
            }
            Family::Discrete {
                values,
                probabilities,
            } => discrete(values, probabilities)?,
        })
    }
}

/// Gamma by (shape, scale) or (mean, sd).
fn gamma(p: &GammaSpec) -> Result<(Sampler, Moments), String> {
    let inf = f64::INFINITY;
    let m = |mean: f64, lo: f64, hi: f64| Moments { mean, lo, hi };
    let (shape, scale) = if let Some((k, th)) = pair(p.shape, p.scale) {
        if p.mean.is_some() || p.sd.is_some() {
            return Err(both_ways("shape, scale", "mean, sd"));
        }
        (k, th)
    } else if let Some((mean, sd)) = pair(p.mean, p.sd) {
        if p.shape.is_some() || p.scale.is_some() {
            return Err(both_ways("shape, scale", "mean, sd"));
        }
        if !(mean > 0.0 && sd > 0.0) {
            return Err(format!(
                "gamma needs `mean` > 0 and `sd` > 0, got mean {mean}, sd {sd}"
            ));
        }
        ((mean / sd).powi(2), sd * sd / mean)
    } else {
        return Err("gamma needs either `shape` and `scale`, or `mean` and `sd`".into());
    };
    if !(shape > 0.0 && scale > 0.0 && shape.is_finite() && scale.is_finite()) {
        return Err(format!(
            "gamma needs `shape` > 0 and `scale` > 0, got {shape}, {scale}"
        ));
    }
    let s = Sampler::Gamma {
        d: Gamma::new(shape, scale).map_err(|e| e.to_string())?,
        shape,
        scale,
    };
    Ok((s, m(shape * scale, 0.0, inf)))
}

/// Beta by (alpha, beta) or (mean, sd).
fn beta(p: &BetaSpec) -> Result<(Sampler, Moments), String> {
    let m = |mean: f64, lo: f64, hi: f64| Moments { mean, lo, hi };
    let (a, b) = if let Some((a, b)) = pair(p.alpha, p.beta) {
        if p.mean.is_some() || p.sd.is_some() {
            return Err(both_ways("alpha, beta", "mean, sd"));
        }
        (a, b)
    } else if let Some((mean, sd)) = pair(p.mean, p.sd) {
        if p.alpha.is_some() || p.beta.is_some() {
            return Err(both_ways("alpha, beta", "mean, sd"));
        }
        beta_from_mean_sd(mean, sd)?
    } else {
        return Err("beta needs either `alpha` and `beta`, or `mean` and `sd`".into());
    };
    if !(a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return Err(format!(
            "beta needs `alpha` > 0 and `beta` > 0, got {a}, {b}"
        ));
    }
    let s = Sampler::Beta(BetaGammas::new(a, b)?);
    Ok((s, m(a / (a + b), 0.0, 1.0)))
}

/// A table of values and their probabilities.
fn discrete(values: &[f64], probabilities: &[f64]) -> Result<(Sampler, Moments), String> {
    let inf = f64::INFINITY;
    let m = |mean: f64, lo: f64, hi: f64| Moments { mean, lo, hi };
    if values.is_empty() || values.len() != probabilities.len() {
        return Err(format!(
            "discrete needs as many `probabilities` as `values` (at least one); got {} values and {} probabilities",
            values.len(),
            probabilities.len()
        ));
    }
    for &v in values {
        finite("values", v)?;
    }
    if let Some(p) = probabilities.iter().find(|p| !(**p >= 0.0 && **p <= 1.0)) {
        return Err(format!("each probability must be from 0 to 1, got {p}"));
    }
    let total: f64 = probabilities.iter().sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err(format!(
            "discrete `probabilities` must sum to 1, they sum to {}",
            fmt_num(total)
        ));
    }
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = probabilities
        .iter()
        .map(|p| {
            acc += p / total;
            acc
        })
        .collect();
    *cumulative.last_mut().expect("non-empty") = 1.0;
    let mean = values
        .iter()
        .zip(probabilities)
        .map(|(v, p)| v * p / total)
        .sum();
    let lo = values.iter().copied().fold(inf, f64::min);
    let hi = values.iter().copied().fold(-inf, f64::max);
    Ok((
        Sampler::Discrete {
            values: values.to_vec(),
            cumulative,
        },
        m(mean, lo, hi),
    ))
}

/// Beta-PERT with shape 4, as `rand_distr`.
fn pert((min, mode, max): (&f64, &f64, &f64)) -> Result<(Sampler, Moments), String> {
    let m = |mean: f64, lo: f64, hi: f64| Moments { mean, lo, hi };
    check_three(*min, *mode, *max)?;
    let s = if min == max {
        Sampler::Fixed(*min)
    } else {
        // rand_distr's PERT: shape 4, alpha = 1 + 4 (mode - min) / (max - min).
        let w = max - min;
        Sampler::Pert {
            min: *min,
            max: *max,
            beta: BetaGammas::new(1.0 + 4.0 * (mode - min) / w, 1.0 + 4.0 * (max - mode) / w)?,
        }
    };
    Ok((s, m((min + 4.0 * mode + max) / 6.0, *min, *max)))
}

/// Triangular by its minimum, most likely value and maximum.
fn triangular((min, mode, max): (&f64, &f64, &f64)) -> Result<(Sampler, Moments), String> {
    let m = |mean: f64, lo: f64, hi: f64| Moments { mean, lo, hi };
    check_three(*min, *mode, *max)?;
    let s = if min == max {
        Sampler::Fixed(*min)
    } else {
        Sampler::Triangular {
            d: Triangular::new(*min, *max, *mode).map_err(|e| e.to_string())?,
            min: *min,
            mode: *mode,
            max: *max,
        }
    };
    Ok((s, m((min + mode + max) / 3.0, *min, *max)))
}

fn both_ways(a: &str, b: &str) -> String {
    format!("give either ({a}) or ({b}), not both")
}

fn check_three(min: f64, mode: f64, max: f64) -> Result<(), String> {
    for (n, v) in [("min", min), ("mode", mode), ("max", max)] {
        finite(n, v)?;
    }
    if !(min <= mode && mode <= max) {
        return Err(format!(
            "need `min` <= `mode` <= `max`, got {min}, {mode}, {max}"
        ));
    }
    Ok(())
}

fn lognormal_params(p: &TwoWay) -> Result<(f64, f64), String> {
    let (mu, sigma) = if let Some((median, p90)) = pair(p.median, p.p90) {
        if p.mean.is_some() || p.sd.is_some() {
            return Err(both_ways("median, p90", "mean, sd"));
        }
        if !(median > 0.0 && p90 >= median && p90.is_finite()) {
            return Err(format!(
                "lognormal needs 0 < `median` <= `p90`, got median {median}, p90 {p90}"
            ));
        }
        (median.ln(), (p90 / median).ln() / Z90)
    } else if let Some((mean, sd)) = pair(p.mean, p.sd) {
        if p.median.is_some() || p.p90.is_some() {
            return Err(both_ways("median, p90", "mean, sd"));
        }
        if !(mean > 0.0 && sd >= 0.0 && mean.is_finite() && sd.is_finite()) {
            return Err(format!(
                "lognormal needs `mean` > 0 and `sd` >= 0, got mean {mean}, sd {sd}"
            ));
        }
        let s2 = (1.0 + (sd / mean).powi(2)).ln();
        (mean.ln() - s2 / 2.0, s2.sqrt())
    } else {
        return Err("lognormal needs either `median` and `p90`, or `mean` and `sd`".into());
    };
    Ok((mu, sigma))
}
