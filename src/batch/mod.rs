//! Batches of variants: `sweep`, `sensitivity` and `solve`.
//!
//! A variant is the scenario file plus a list of `key=value` overrides (the same layer as
//! `--set`). Every variant runs with one seed and one trial count, so the variants share their
//! random numbers wherever their inputs agree (common random numbers): differences between
//! variants are the effect of the change, not of sampling noise.
//!
//! Each finished variant is written at once, atomically, to `variants/<key>.json`, where the key
//! is a hash of the resolved scenario, the seed, the trial count and the results version. A
//! rerun finds those files and skips their variants, so an interrupted batch resumes where it
//! stopped, and a batch split into shards (`--shard I/N`) is put back together by
//! `revsim merge` from the same files. The final tables depend only on the plan and the
//! variants' results, so they are byte-identical however the work was split or interrupted.
//!
//! This file holds the variants, their parsing, their results and the store; [`runner`] runs
//! them, [`folder`] opens a batch's output folder, [`shards`] splits and merges work across
//! processes. [`sweep`], [`sensitivity`] and [`solve`] are the three kinds of batch, each with
//! its outputs.

pub mod folder;
pub mod runner;
pub mod sensitivity;
pub mod shards;
pub mod shares;
pub mod solve;
pub mod sweep;

pub use runner::{Progress, Ran, Step, run_variants};

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::{InputError, input};
use crate::engine::Results;
use crate::output_dir::OutputDir;
use crate::scenario::Scenario;
use crate::stats::{Z95, quantile_ci, quantile_sorted, wilson};

/// Label of errors in `--vary` and batch specifications.
pub const VARY_LABEL: &str = "--vary";

/// Most variants one batch may hold (a guard against a typo such as `0..1e6:1`).
pub const MAX_VARIANTS: usize = 10_000;

/// One varied parameter: a dotted key and the values it takes, as TOML literals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Dotted scenario key, e.g. `org.seats`.
    pub key: String,
    /// Values in the order given, as TOML literals (`50`, `0.25`, `"step"`).
    pub values: Vec<String>,
}

/// A numeric range `lo..hi` with an optional step, as given to `--vary`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Step, if given.
    pub step: Option<f64>,
    /// Decimals needed to print values of the range exactly (0 for integers).
    pub decimals: usize,
}

impl Range {
    /// The value `lo + i * step`, rounded to the range's decimals.
    pub fn at(&self, x: f64) -> f64 {
        let f = 10f64.powi(self.decimals as i32);
        (x * f).round() / f
    }

    /// `x` as a TOML literal with the range's decimals (`50`, `0.30`).
    pub fn literal(&self, x: f64) -> String {
        format!("{:.*}", self.decimals, self.at(x))
    }

    /// The grid lo, lo + step, ... up to hi (inclusive when hi is on the grid).
    pub fn grid(&self, step: f64) -> Vec<f64> {
        let n = ((self.hi - self.lo) / step + 1e-9).floor() as usize;
        (0..=n)
            .map(|i| self.at(self.lo + i as f64 * step))
            .collect()
    }
}

fn decimals(text: &str) -> usize {
    let t = text.trim();
    if t.contains(['e', 'E']) {
        return 6;
    }
    t.split_once('.').map_or(0, |(_, d)| d.trim_end().len())
}

fn parse_number(text: &str, what: &str, spec: &str) -> Result<f64, InputError> {
    let cleaned: String = text.trim().chars().filter(|c| *c != '_').collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            InputError::file(
                VARY_LABEL,
                format!("`{spec}`: the {what} `{}` is not a number", text.trim()),
            )
            .help("a range is lo..hi:step with numbers, e.g. org.seats=40..80:10")
        })
}

/// Splits `key=rest` and checks the key.
fn split_key(spec: &str) -> Result<(String, String), InputError> {
    let Some((key, rest)) = spec.split_once('=') else {
        return Err(InputError::file(
            VARY_LABEL,
            format!("`{spec}` is not of the form key=values"),
        )
        .help(
            "for example --vary org.seats=40,50,60 or --vary attrition.annual_rate=0.2..0.4:0.05",
        ));
    };
    let key = key.trim();
    // The same key rules as --set; check them by building a one-line layer.
    crate::scenario::resolve::set_layer(&[format!("{key}=0")])?;
    batch_wide(key, VARY_LABEL)?;
    Ok((key.to_string(), rest.trim().to_string()))
}

/// The seed and trial count belong to the whole batch (common random numbers need one of
/// each), so a variant cannot set them.
pub fn batch_wide(key: &str, label: &str) -> Result<(), InputError> {
    if matches!(key, "simulation.seed" | "simulation.trials") {
        return Err(InputError::file(
            label,
            format!("{key} is the same for every variant of a batch (that is what makes their random numbers common)"),
        )
        .help("set it for the whole batch with --seed or --trials; to see seed-to-seed spread, compare runs with different --seed"));
    }
    Ok(())
}

/// Splits `a,b,{ c = 1, d = 2 },[3, 4]` at the commas outside brackets, braces and quotes.
fn split_values(text: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quote) = (Vec::new(), String::new(), 0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// Parses `key=lo..hi` or `key=lo..hi:step` into a range, or `None` if `rest` is not a range.
fn parse_range(spec: &str, rest: &str) -> Result<Option<Range>, InputError> {
    let Some((lo, tail)) = rest.split_once("..") else {
        return Ok(None);
    };
    let (hi, step) = match tail.split_once(':') {
        Some((hi, step)) => (hi, Some(step)),
        None => (tail, None),
    };
    let lo_v = parse_number(lo, "low end", spec)?;
    let hi_v = parse_number(hi, "high end", spec)?;
    if hi_v < lo_v {
        return Err(InputError::file(
            VARY_LABEL,
            format!("`{spec}`: the range runs downwards ({lo_v} > {hi_v})"),
        )
        .help("write the low end first: lo..hi"));
    }
    let step_v = match step {
        Some(st) => {
            let v = parse_number(st, "step", spec)?;
            if v <= 0.0 {
                return Err(InputError::file(
                    VARY_LABEL,
                    format!("`{spec}`: the step must be positive, not {v}"),
                )
                .help("for example org.seats=40..80:10"));
            }
            Some(v)
        }
        None => None,
    };
    let decimals = [Some(lo), Some(hi), step]
        .into_iter()
        .flatten()
        .map(decimals)
        .max()
        .unwrap_or(0);
    Ok(Some(Range {
        lo: lo_v,
        hi: hi_v,
        step: step_v,
        decimals,
    }))
}

/// Parses one `--vary` of a sweep: `key=v1,v2,...` or `key=lo..hi:step`.
pub fn parse_vary(spec: &str) -> Result<Param, InputError> {
    let (key, rest) = split_key(spec)?;
    let values = match parse_range(spec, &rest)? {
        Some(r) => {
            let Some(step) = r.step else {
                return Err(InputError::file(
                    VARY_LABEL,
                    format!("`{spec}`: a sweep range needs a step"),
                )
                .help(format!("for example {key}={}..{}:STEP", r.lo, r.hi)));
            };
            let n = (r.hi - r.lo) / step;
            if n > MAX_VARIANTS as f64 {
                return Err(InputError::file(
                    VARY_LABEL,
                    format!(
                        "`{spec}` makes {} values; a batch holds at most {MAX_VARIANTS}",
                        n.floor() + 1.0
                    ),
                )
                .help("use a larger step"));
            }
            r.grid(step).into_iter().map(|x| r.literal(x)).collect()
        }
        None => split_values(&rest),
    };
    if values.iter().any(String::is_empty) {
        return Err(
            InputError::file(VARY_LABEL, format!("`{spec}` has an empty value"))
                .help("separate values with commas: org.seats=40,50,60"),
        );
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = values.iter().find(|v| !seen.insert(v.as_str())) {
        return Err(
            InputError::file(VARY_LABEL, format!("`{spec}` lists {dup} twice"))
                .help("give each value once"),
        );
    }
    Ok(Param { key, values })
}

/// Parses the `--vary key=lo..hi` of `solve` (a step is optional there).
pub fn parse_solve_range(spec: &str) -> Result<(String, Range), InputError> {
    let (key, rest) = split_key(spec)?;
    match parse_range(spec, &rest)? {
        Some(r) => Ok((key, r)),
        None => Err(InputError::file(
            VARY_LABEL,
            format!("`{spec}`: goal seek needs a range lo..hi"),
        )
        .help(format!(
            "for example --vary {key}=40..200 (add :STEP for a coarser grid)"
        ))),
    }
}

/// One variant of a batch: a name and its overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Name, unique in the batch.
    pub name: String,
    /// Overrides as (dotted key, TOML literal), applied after the file and the batch's `--set`.
    pub sets: Vec<(String, String)>,
}

impl Variant {
    /// The overrides as `key=value` strings, as `--set` takes them.
    pub fn set_strings(&self) -> Vec<String> {
        self.sets.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

/// The last part of a dotted key (`org.seats` -> `seats`), for short names.
pub fn short_key(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// The shortest last parts of `keys` that tell them apart: `seats` for `org.seats`, but
/// `cycle_months.gamma.mean` and `cycle_months_no_decision.gamma.mean` for two means.
pub fn short_keys(keys: &[&str]) -> Vec<String> {
    let parts: Vec<Vec<&str>> = keys.iter().map(|k| k.split('.').collect()).collect();
    let tail = |p: &Vec<&str>, n: usize| p[p.len().saturating_sub(n)..].join(".");
    parts
        .iter()
        .map(|p| {
            (1..=p.len())
                .map(|n| tail(p, n))
                .find(|t| {
                    parts
                        .iter()
                        .filter(|q| (1..=q.len()).any(|m| tail(q, m) == *t))
                        .count()
                        == 1
                })
                .unwrap_or_else(|| p.join("."))
        })
        .collect()
}

/// Every combination of the parameters' values (the first parameter varies slowest).
pub fn grid(params: &[Param]) -> Result<Vec<Variant>, InputError> {
    let count: f64 = params.iter().map(|p| p.values.len() as f64).product();
    if count > MAX_VARIANTS as f64 {
        return Err(InputError::file(
            VARY_LABEL,
            format!("the grid has {count} combinations; a batch holds at most {MAX_VARIANTS}"),
        )
        .help("vary fewer parameters at once, or use fewer values"));
    }
    let mut keys = std::collections::HashSet::new();
    if let Some(p) = params.iter().find(|p| !keys.insert(p.key.as_str())) {
        return Err(
            InputError::file(VARY_LABEL, format!("{} is varied twice", p.key))
                .help("give each key once, with all its values"),
        );
    }
    let mut out = vec![Variant {
        name: String::new(),
        sets: Vec::new(),
    }];
    for p in params {
        out = out
            .into_iter()
            .flat_map(|v| {
                p.values.iter().map(move |value| {
                    let mut sets = v.sets.clone();
                    sets.push((p.key.clone(), value.clone()));
                    Variant {
                        name: String::new(),
                        sets,
                    }
                })
            })
            .collect();
    }
    let keys: Vec<&str> = params.iter().map(|p| p.key.as_str()).collect();
    let short = short_keys(&keys);
    for v in &mut out {
        v.name = v
            .sets
            .iter()
            .zip(&short)
            .map(|((_, x), k)| format!("{k}={}", x.trim_matches('"')))
            .collect::<Vec<_>>()
            .join(" ");
    }
    if params.is_empty() {
        out[0].name = "base".into();
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    variant: Vec<RawVariant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: String,
    #[serde(default)]
    set: toml::Table,
}

/// A TOML value as an inline literal (`{ gamma = { mean = 3, sd = 1 } }`).
fn inline(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        toml::Value::Array(a) => {
            format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// Reads a batch file of named variants:
///
/// ```toml
/// [[variant]]
/// name = "hire-faster"
/// set = { "hiring.recruiting_capacity_per_month" = 6, "attrition.annual_rate" = 0.25 }
/// ```
pub fn read_batch_file(path: &Path) -> Result<Vec<Variant>, InputError> {
    let label = crate::scenario::resolve::label_of(path);
    let text: std::sync::Arc<str> =
        std::sync::Arc::from(input::read_text(path, &label, input::BATCH, true)?);
    let raw: RawBatch =
        toml::from_str(&text).map_err(|e| InputError::from_toml(&label, &text, &e))?;
    let mut names = std::collections::HashSet::new();
    let mut out = Vec::new();
    for v in raw.variant {
        let name = v.name.trim().to_string();
        let problem = if name.is_empty() {
            Some("is empty".to_string())
        } else {
            crate::scenario::values::text_problem(&name)
        };
        if let Some(problem) = problem {
            return Err(InputError::file(
                &label,
                format!("the variant name {:?} {problem}", v.name),
            )
            .key("variant.name")
            .help("give each variant a short printable name, e.g. \"hire-faster\""));
        }
        if !names.insert(name.clone()) {
            return Err(
                InputError::file(&label, format!("two variants are named {name:?}"))
                    .key("variant.name")
                    .help("give each variant its own name"),
            );
        }
        let sets: Vec<(String, String)> =
            v.set.iter().map(|(k, x)| (k.clone(), inline(x))).collect();
        for (k, _) in &sets {
            batch_wide(k, &label)?;
        }
        // Check the keys now, so a typo fails before anything runs.
        crate::scenario::resolve::set_layer(
            &sets
                .iter()
                .map(|(k, x)| format!("{k}={x}"))
                .collect::<Vec<_>>(),
        )
        .map_err(|e| {
            InputError::file(&label, format!("variant {name:?}: {}", e.message))
                .key("variant.set")
                .help("`set` maps dotted keys to values: set = { \"org.seats\" = 60 }")
        })?;
        out.push(Variant { name, sets });
    }
    if out.is_empty() {
        return Err(
            InputError::file(&label, "the batch file lists no [[variant]]")
                .help("add [[variant]] tables with a name and a set = { ... } of overrides"),
        );
    }
    Ok(out)
}

/// A statistic with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The estimate.
    #[serde(with = "nan_as_null")]
    pub value: f64,
    /// Lower end of its 95% confidence interval (undefined, NaN, from one trial).
    #[serde(with = "nan_as_null")]
    pub ci95_low: f64,
    /// Upper end of its 95% confidence interval.
    #[serde(with = "nan_as_null")]
    pub ci95_high: f64,
}

/// JSON has no NaN: an undefined figure is written as `null` and read back as NaN.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_some(v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

impl Estimate {
    /// Half the width of the interval.
    pub fn half_width(&self) -> f64 {
        (self.ci95_high - self.ci95_low) / 2.0
    }
}

/// The headline metrics of one period of one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodMetrics {
    /// "horizon" or a fiscal-year label such as "FY2028".
    pub period: String,
    /// First month, "YYYY-MM".
    pub first_month: String,
    /// Months in the period.
    pub months: usize,
    /// Bookings plan of the period, USD.
    pub plan_bookings_usd: Option<f64>,
    /// Named statistics in table order; `p_hit_plan` only with a plan.
    pub values: Vec<(String, Estimate)>,
    /// Reps in seat and ramped capacity over the period's months (absent from results stored
    /// by revsim 0.1 before goal seek reported them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffing: Option<Staffing>,
}

/// Reps over a period's months, from the run's monthly figures: what an answer in seats
/// means in people.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Staffing {
    /// Reps in seat at month end, averaged over the period's months (mean over trials).
    pub reps_in_seat: f64,
    /// Ramped capacity: ramp-weighted reps (a rep at 40% of ramp counts 0.4), averaged over
    /// the period's months (mean over trials).
    pub ramped_reps: f64,
}

impl PeriodMetrics {
    /// The statistic `name`, if present.
    pub fn get(&self, name: &str) -> Option<Estimate> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, e)| *e)
    }
}

/// Quantities summarised per period, with their unit.
pub const QUANTITIES: [(&str, crate::tables::Format); 5] = [
    ("bookings_usd", crate::tables::Format::Usd),
    ("ending_arr_usd", crate::tables::Format::Usd),
    ("ending_headcount", crate::tables::Format::Count),
    ("hires", crate::tables::Format::Count),
    ("departures", crate::tables::Format::Count),
];

/// Statistics of each quantity in the sweep table: mean, P10, P50, P90.
pub const STATS: [&str; 4] = ["mean", "p10", "p50", "p90"];

/// Statistics of each quantity a goal may aim at (and a variant's result keeps): the mean and
/// the quantiles of `summary.json`. Its `sd`, `min` and `max` are left out: an extreme of a
/// sample has no useful confidence interval to search on.
pub const TARGET_STATS: [&str; 8] = ["mean", "p5", "p10", "p25", "p50", "p75", "p90", "p95"];

/// The quantile of each statistic of [`TARGET_STATS`] after the mean.
const QUANTILE_STATS: [(&str, f64); 7] = [
    ("p5", 0.05),
    ("p10", 0.1),
    ("p25", 0.25),
    ("p50", 0.5),
    ("p75", 0.75),
    ("p90", 0.9),
    ("p95", 0.95),
];

/// Every metric name a table row can hold, e.g. `bookings_usd_p50`, then `p_hit_plan`.
pub fn metric_names() -> Vec<String> {
    let mut v: Vec<String> = QUANTITIES
        .iter()
        .flat_map(|(q, _)| STATS.iter().map(move |s| format!("{q}_{s}")))
        .collect();
    v.push("p_hit_plan".into());
    v
}

/// A metric name as people read it: `bookings_usd_p50` -> "P50 bookings over the horizon".
pub fn metric_label(name: &str) -> String {
    if name == "p_hit_plan" {
        return "chance of hitting the plan".into();
    }
    let (stem, stat) = name.rsplit_once('_').unwrap_or((name, ""));
    let what = match stem {
        "bookings_usd" => "bookings over the horizon",
        "ending_arr_usd" => "ARR at the end",
        "ending_headcount" => "reps in seat at the end",
        "hires" => "hires over the horizon",
        "departures" => "departures over the horizon",
        other => other,
    };
    match stat {
        "mean" => format!("mean {what}"),
        s => format!("{} {what}", s.to_uppercase()),
    }
}

/// A comparison operator as printed: `>=` -> "≥".
pub fn op_symbol(op: &str) -> &str {
    match op {
        ">=" => "≥",
        "<=" => "≤",
        other => other,
    }
}

/// Where a period's intervals come from: independent trials, or the replicates of a Sobol'
/// run whose first trial is the one given ([`crate::random::qmc`]).
#[derive(Clone, Copy)]
enum Intervals {
    Independent,
    Replicates(usize),
}

fn estimates(name: &str, by_trial: Vec<f64>, ci: Intervals, out: &mut Vec<(String, Estimate)>) {
    // The replicates need the values in trial order as well; independent trials only sorted.
    let (by_trial, mut values) = match ci {
        Intervals::Replicates(_) => (by_trial.clone(), by_trial),
        Intervals::Independent => (Vec::new(), by_trial),
    };
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    let half = Z95 * (var / n).sqrt();
    let (lo, hi) = match ci {
        Intervals::Independent => (mean - half, mean + half),
        Intervals::Replicates(first) => {
            let (_, lo, hi) = crate::random::qmc::mean_interval(&by_trial, first);
            (lo, hi)
        }
    };
    out.push((
        format!("{name}_mean"),
        Estimate {
            value: mean,
            ci95_low: lo,
            ci95_high: hi,
        },
    ));
    for (stat, p) in QUANTILE_STATS {
        let value = quantile_sorted(&values, p);
        let (lo, hi) = match ci {
            Intervals::Independent => quantile_ci(&values, p, Z95),
            Intervals::Replicates(first) => {
                crate::random::qmc::quantile_interval(&by_trial, first, p, value)
            }
        };
        out.push((
            format!("{name}_{stat}"),
            Estimate {
                value,
                ci95_low: lo,
                ci95_high: hi,
            },
        ));
    }
}

fn period(
    label: &str,
    first_month: String,
    months: usize,
    plan: Option<f64>,
    columns: [Vec<f64>; 5],
    staffing: Staffing,
    ci: Intervals,
) -> PeriodMetrics {
    let mut values = Vec::new();
    let bookings = columns[0].clone();
    for ((name, _), col) in QUANTITIES.iter().zip(columns) {
        estimates(name, col, ci, &mut values);
    }
    if let Some(plan) = plan {
        let hits = bookings.iter().filter(|b| **b >= plan).count();
        let (lo, hi) = match ci {
            Intervals::Replicates(first) => {
                let (_, lo, hi) = crate::random::qmc::hit_interval(&bookings, plan, first);
                (lo, hi)
            }
            Intervals::Independent => wilson(hits, bookings.len(), Z95),
        };
        values.push((
            "p_hit_plan".into(),
            Estimate {
                value: hits as f64 / bookings.len() as f64,
                ci95_low: lo,
                ci95_high: hi,
            },
        ));
    }
    PeriodMetrics {
        period: label.into(),
        first_month,
        months,
        plan_bookings_usd: plan,
        values,
        staffing: Some(staffing),
    }
}

/// The mean over trials of `metric` in each month.
fn monthly_means(r: &Results, metric: crate::model::Metric) -> Vec<f64> {
    use crate::engine::Monthly;
    match &r.monthly {
        Monthly::Exact(_) => (0..r.horizon)
            .map(|m| {
                (0..r.trials)
                    .map(|t| f64::from(r.monthly_value(t, metric, m)))
                    .sum::<f64>()
                    / r.trials as f64
            })
            .collect(),
        Monthly::Sketch(sketch) => (0..r.horizon)
            .map(|m| {
                r.layout.slot(metric).map_or(f64::NAN, |k| {
                    sketch.cells[k * r.horizon + m]
                        .distribution()
                        .map_or(f64::NAN, |d| d.mean)
                })
            })
            .collect(),
    }
}

/// Reps in seat and ramped capacity averaged over months `first..first + months`.
fn staffing(seats: &[f64], ramped: &[f64], first: usize, months: usize) -> Staffing {
    let avg = |v: &[f64]| v[first..first + months].iter().sum::<f64>() / months.max(1) as f64;
    Staffing {
        reps_in_seat: avg(seats),
        ramped_reps: avg(ramped),
    }
}

/// The headline metrics of a run: the horizon first, then each fiscal year.
pub fn metrics(s: &Scenario, r: &Results) -> Vec<PeriodMetrics> {
    let t = &r.totals;
    let plan = s
        .plan_by_fiscal_year
        .as_ref()
        .map(|p| p.iter().sum::<f64>());
    let ci = match s.sampling {
        crate::scenario::raw::Sampling::Random => Intervals::Independent,
        crate::scenario::raw::Sampling::Sobol => Intervals::Replicates(r.first_trial),
    };
    let seats = monthly_means(r, crate::model::Metric::Headcount);
    let ramped = monthly_means(r, crate::model::Metric::RampedEquivalentReps);
    let mut out = vec![period(
        "horizon",
        s.clock.start.to_string(),
        s.horizon(),
        plan,
        [
            t.iter().map(|t| t.bookings_usd).collect(),
            t.iter().map(|t| t.ending_arr_usd).collect(),
            t.iter().map(|t| t.ending_headcount as f64).collect(),
            t.iter().map(|t| t.hires as f64).collect(),
            t.iter().map(|t| t.departures as f64).collect(),
        ],
        staffing(&seats, &ramped, 0, s.horizon()),
        ci,
    )];
    for (i, fy) in s.clock.fiscal_years.iter().enumerate() {
        let col = |f: &dyn Fn(&crate::model::FiscalYearOutcome) -> f64| -> Vec<f64> {
            (0..r.trials)
                .map(|k| f(&r.trial_fiscal_years(k)[i]))
                .collect()
        };
        out.push(period(
            &fy.label,
            s.clock.start.plus(fy.first_month as i32).to_string(),
            fy.months,
            s.plan_by_fiscal_year.as_ref().map(|p| p[i]),
            [
                col(&|o| o.bookings_usd),
                col(&|o| o.ending_arr_usd),
                col(&|o| o.ending_headcount as f64),
                col(&|o| o.hires as f64),
                col(&|o| o.departures as f64),
            ],
            staffing(&seats, &ramped, fy.first_month, fy.months),
            ci,
        ));
    }
    out
}

/// The finished result of one variant: what `variants/<key>.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    /// The variant's name.
    pub name: String,
    /// Its overrides.
    pub sets: Vec<(String, String)>,
    /// The cache key (see [`key`]).
    pub key: String,
    /// SHA-256 of the resolved scenario.
    pub scenario_sha256: String,
    /// Seed.
    pub seed: u64,
    /// Trials.
    pub trials: usize,
    /// revsim's results version.
    pub results_version: u32,
    /// Horizon, then fiscal years.
    pub periods: Vec<PeriodMetrics>,
    /// SHA-256 of the rest of the record (as compact JSON, with this field empty): set by
    /// [`Store::put`] on disk and checked by [`Store::read`], so that a damaged file is refused
    /// rather than merged; empty in memory.
    #[serde(default)]
    pub checksum: String,
}

impl VariantResult {
    /// The SHA-256 of this result as compact JSON with its checksum empty.
    fn digest(&self) -> String {
        let bare = VariantResult {
            checksum: String::new(),
            ..self.clone()
        };
        let bytes = serde_json::to_vec(&bare).expect("a result serializes");
        format!("{:x}", Sha256::digest(&bytes))
    }
}

/// The key of a variant's result: a hash of its resolved scenario, seed, trial count and the
/// results version (the inputs its numbers depend on).
pub fn key(s: &Scenario, seed: u64, trials: usize) -> String {
    let mut h = Sha256::new();
    h.update(s.sha256.as_bytes());
    h.update(format!(
        "\nseed={seed}\ntrials={trials}\nresults={}\n",
        crate::RESULTS_VERSION
    ));
    let mut out = String::new();
    for b in &h.finalize()[..10] {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A variant with its result key, ready to run. Its scenario was resolved (and every mistake
/// in it reported) when the batch was planned, then let go, so that a batch of thousands of
/// variants holds one resolved scenario at a time; [`Planned::scenario`] resolves it again
/// when the variant runs.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The variant.
    pub variant: Variant,
    /// Its result key.
    pub key: String,
    /// The scenario file and the batch's `--set` overrides it is resolved from.
    base: std::sync::Arc<(std::path::PathBuf, Vec<String>)>,
}

impl Planned {
    /// The variant's resolved scenario, as planned: a scenario file changed since the batch
    /// was planned (the key no longer matches) is an error, not a row of another scenario.
    pub fn scenario(&self, seed: u64, trials: usize) -> Result<Scenario, InputError> {
        let (file, base_sets) = &*self.base;
        let s = resolve_variant(file, base_sets, &self.variant)?;
        if key(&s, seed, trials) != self.key {
            return Err(InputError::file(
                file.display().to_string(),
                format!(
                    "the scenario changed while the batch ran: variant {:?} no longer resolves to what was planned",
                    self.variant.name
                ),
            )
            .help("leave the scenario files alone while a batch runs, then rerun the command (finished variants are kept)"));
        }
        Ok(s)
    }
}

/// The scenario of `variant`: the file, then the batch's `--set`, then the variant's overrides
/// (which move a value's centre and keep its belief).
fn resolve_variant(
    file: &Path,
    base_sets: &[String],
    variant: &Variant,
) -> Result<Scenario, InputError> {
    Scenario::load_layers_centred(file, &[base_sets.to_vec(), variant.set_strings()], 1)
}

/// Resolves every variant (the file, then the batch's `--set`, then the variant's overrides),
/// so every mistake is reported before anything runs.
pub fn plan(
    file: &Path,
    base_sets: &[String],
    variants: Vec<Variant>,
    seed: u64,
    trials: usize,
) -> anyhow::Result<Vec<Planned>> {
    use anyhow::Context;
    let base = std::sync::Arc::new((file.to_path_buf(), base_sets.to_vec()));
    variants
        .into_iter()
        .map(|variant| {
            let scenario = resolve_variant(file, base_sets, &variant)
                .with_context(|| format!("in variant {:?}", variant.name))?;
            let key = key(&scenario, seed, trials);
            Ok(Planned {
                variant,
                key,
                base: base.clone(),
            })
        })
        .collect()
}

/// Where finished variants are kept: `variants/` under a batch's output directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: OutputDir,
}

impl Store {
    /// The store under `out`. Its results are kept from one command to the next (a rerun
    /// resumes from them), not replaced as outputs.
    pub fn open(out: &OutputDir) -> Result<Store, InputError> {
        Ok(Store {
            dir: out.subdir("variants")?.kept(),
        })
    }

    /// The finished result for `key`, if a previous run wrote one intact (a damaged one is
    /// run again).
    pub fn get(&self, key: &str) -> Option<VariantResult> {
        self.read(key).ok().flatten()
    }

    /// The finished result for `key`: `None` if no run wrote one, an error naming the file if
    /// it is there but damaged (its checksum does not match), or holds another variant.
    pub fn read(&self, key: &str) -> Result<Option<VariantResult>, InputError> {
        let path = self.dir.path().join(format!("{key}.json"));
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        let shown = path.display().to_string();
        let bytes = input::read_bytes(&path, &shown, input::BATCH_RECORD, false)?;
        let damaged = |why: String| {
            InputError::file(&shown, format!("the stored result of a variant is damaged: {why}"))
                .help("delete the file and run the sweep (or its shard) again: it reruns that variant alone")
        };
        let mut r: VariantResult = std::str::from_utf8(&bytes)
            .map_err(|_| "it is not UTF-8 text".to_string())
            .and_then(|text| {
                serde_json::from_str(text).map_err(|e| {
                    format!(
                        "it does not read as a variant's result (line {}, column {})",
                        e.line(),
                        e.column()
                    )
                })
            })
            .map_err(damaged)?;
        let stored = std::mem::take(&mut r.checksum);
        if stored.is_empty() || r.digest() != stored {
            return Err(damaged(
                "its checksum does not match its contents (the file was changed, or written by an older revsim)".into(),
            ));
        }
        if r.key != key {
            return Err(damaged(format!(
                "it holds the result of another variant (key {})",
                r.key
            )));
        }
        Ok(Some(r))
    }

    /// Writes a finished result atomically, with its checksum.
    pub fn put(&self, r: &VariantResult) -> Result<(), InputError> {
        let sealed = VariantResult {
            checksum: r.digest(),
            ..r.clone()
        };
        self.dir.write(&format!("{}.json", r.key), |w| {
            serde_json::to_writer_pretty(&mut *w, &sealed)?;
            w.write_all(b"\n")
        })?;
        Ok(())
    }
}

/// Runs one planned variant (on the current rayon pool) and returns its result; an error if
/// its scenario no longer resolves to what was planned.
pub fn run_one(
    p: &Planned,
    seed: u64,
    trials: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<VariantResult, InputError> {
    let s = p.scenario(seed, trials)?;
    let r = crate::engine::simulate(&s, trials, seed, progress);
    Ok(VariantResult {
        name: p.variant.name.clone(),
        sets: p.variant.sets.clone(),
        key: p.key.clone(),
        scenario_sha256: s.sha256.clone(),
        seed,
        trials,
        results_version: crate::RESULTS_VERSION,
        periods: metrics(&s, &r),
        checksum: String::new(),
    })
}

/// A shard of a batch: this process runs variants `i`, `i + n`, `i + 2n`, ... (0-based `i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Whether item `i` belongs to this shard.
    pub fn owns(&self, i: usize) -> bool {
        i % self.count == self.index
    }

    /// The trials of a run of `trials` this shard runs: whole blocks of
    /// [`crate::engine::BLOCK`] trials, split as evenly as whole blocks allow.
    pub fn trial_range(&self, trials: usize) -> std::ops::Range<usize> {
        let blocks = trials.div_ceil(crate::engine::BLOCK);
        let at = |i: usize| (blocks * i / self.count * crate::engine::BLOCK).min(trials);
        at(self.index)..at(self.index + 1)
    }
}

/// Environment variables that array jobs set for the task's index, with the variable that holds
/// the count where the scheduler sets one. `REVSIM_SHARD_COUNT` gives the count everywhere.
pub const SHARD_ENV: [(&str, Option<&str>); 3] = [
    ("JOB_COMPLETION_INDEX", None),
    ("SLURM_ARRAY_TASK_ID", Some("SLURM_ARRAY_TASK_COUNT")),
    ("AWS_BATCH_JOB_ARRAY_INDEX", None),
];

/// The variable that gives the number of shards when the scheduler does not.
pub const SHARD_COUNT_ENV: &str = "REVSIM_SHARD_COUNT";

fn shard_error(msg: String) -> InputError {
    InputError::file("--shard", msg).help(
        "write --shard I/N with 1 <= I <= N (e.g. --shard 2/8); inside a Kubernetes Indexed Job, \
         a Slurm array or an AWS Batch array job, set REVSIM_SHARD_COUNT to the number of tasks \
         and leave --shard out",
    )
}

fn whole(var: &str, value: &str) -> Result<usize, InputError> {
    value
        .trim()
        .parse()
        .map_err(|_| shard_error(format!("{var}={value} is not a whole number")))
}

/// The shard to run: `--shard I/N` (1-based I, as people count); `--shard auto`, or no
/// `--shard` with `REVSIM_SHARD_COUNT` set, takes the array job's index from the environment
/// (see [`SHARD_ENV`]); otherwise `None`, the whole batch. An array job's variables alone do not
/// shard a command, so running one whole scenario per array task still works. Returns the
/// 0-based shard and where it came from.
pub fn resolve_shard(
    spec: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, String)>, InputError> {
    match spec {
        Some("auto") => shard_from_env(env).map(Some),
        Some(spec) => {
            let bad = |m: &str| shard_error(format!("`{spec}` {m}"));
            let (i, n) = spec
                .split_once('/')
                .ok_or_else(|| bad("is not of the form I/N (or auto)"))?;
            let (i, n) = (whole("--shard", i)?, whole("--shard", n)?);
            if n == 0 || i == 0 || i > n {
                return Err(bad(&format!(
                    "names shard {i} of {n}, which does not exist"
                )));
            }
            Ok(Some((
                Shard {
                    index: i - 1,
                    count: n,
                },
                "--shard".into(),
            )))
        }
        None if env(SHARD_COUNT_ENV).is_some() => shard_from_env(env).map(Some),
        None => Ok(None),
    }
}

fn shard_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<(Shard, String), InputError> {
    let Some((index_var, index)) = SHARD_ENV
        .iter()
        .find_map(|(var, _)| env(var).map(|v| (*var, v)))
    else {
        return Err(shard_error(format!(
            "no array-job index found: none of {} is set",
            SHARD_ENV.map(|(i, _)| i).join(", ")
        )));
    };
    let count_var = SHARD_ENV
        .iter()
        .find(|(var, _)| *var == index_var)
        .and_then(|(_, c)| *c);
    let (count_var, count) = match (
        env(SHARD_COUNT_ENV),
        count_var.and_then(|c| env(c).map(|v| (c, v))),
    ) {
        (Some(n), _) => (SHARD_COUNT_ENV, n),
        (None, Some(found)) => found,
        (None, None) => {
            return Err(shard_error(format!(
                "{index_var} is set (this is an array job) but {SHARD_COUNT_ENV}, the number of shards, is not"
            )));
        }
    };
    let mut i = whole(index_var, &index)?;
    if index_var == "SLURM_ARRAY_TASK_ID" {
        // Slurm arrays may start at 1 (--array=1-8) or step (--array=0-15:2): count tasks.
        if let Some(min) = env("SLURM_ARRAY_TASK_MIN") {
            i = i.saturating_sub(whole("SLURM_ARRAY_TASK_MIN", &min)?);
        }
        if let Some(step) = env("SLURM_ARRAY_TASK_STEP") {
            i /= whole("SLURM_ARRAY_TASK_STEP", &step)?.max(1);
        }
    }
    let n = whole(count_var, &count)?;
    if n == 0 || i >= n {
        return Err(shard_error(format!(
            "{index_var}={index} does not fit {count_var}={n} (the index counts from 0)"
        )));
    }
    Ok((
        Shard { index: i, count: n },
        format!("{index_var}={index}, {count_var}={n}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_lists_and_ranges() {
        let p = parse_vary("org.seats=40,50, 60").unwrap();
        assert_eq!(p.values, ["40", "50", "60"]);
        let p = parse_vary("attrition.annual_rate=0.20..0.30:0.05").unwrap();
        assert_eq!(p.values, ["0.20", "0.25", "0.30"]);
        let p = parse_vary("org.seats=40..75:10").unwrap();
        assert_eq!(p.values, ["40", "50", "60", "70"]);
        assert!(parse_vary("org.seats=40..80").is_err());
        assert!(parse_vary("org.seats=80..40:10").is_err());
        assert!(parse_vary("org.seats=1,1").is_err());
        assert!(parse_vary("org seats=1").is_err());
        assert!(parse_vary("org.seats").is_err());
        assert!(parse_vary("org.seats=0..1e9:1").is_err());
    }

    #[test]
    fn grid_is_every_combination() {
        let g = grid(&[
            parse_vary("a.x=1,2").unwrap(),
            parse_vary("b.y=3,4,5").unwrap(),
        ])
        .unwrap();
        assert_eq!(g.len(), 6);
        assert_eq!(g[0].name, "x=1 y=3");
        assert_eq!(g[5].set_strings(), ["a.x=2", "b.y=5"]);
        assert_eq!(
            short_keys(&["p.cycle.gamma.mean", "p.nd.gamma.mean", "org.seats"]),
            ["cycle.gamma.mean", "nd.gamma.mean", "seats"]
        );
        let p = parse_vary("p.c={ gamma = { mean = 3, sd = 1 } },{ fixed = 2 }").unwrap();
        assert_eq!(
            p.values,
            ["{ gamma = { mean = 3, sd = 1 } }", "{ fixed = 2 }"]
        );
        assert!(parse_vary("simulation.seed=1,2").is_err());
    }

    #[test]
    fn shards_cover_every_trial_once() {
        for trials in [1, 63, 64, 65, 1000, 10_000] {
            for n in 1..6 {
                let mut next = 0;
                for i in 0..n {
                    let r = Shard { index: i, count: n }.trial_range(trials);
                    assert_eq!(r.start, next);
                    assert!(r.start.is_multiple_of(crate::engine::BLOCK) || r.is_empty());
                    next = r.end;
                }
                assert_eq!(next, trials);
            }
        }
    }

    #[test]
    fn shard_specs() {
        let none = |_: &str| None;
        let shard = |spec, env: &dyn Fn(&str) -> Option<String>| {
            resolve_shard(spec, env).map(|s| s.map(|(s, _)| (s.index, s.count)))
        };
        assert_eq!(shard(Some("2/4"), &none).unwrap(), Some((1, 4)));
        assert!(shard(Some("0/4"), &none).is_err());
        assert!(shard(Some("5/4"), &none).is_err());
        assert!(shard(Some("x"), &none).is_err());
        assert_eq!(shard(None, &none).unwrap(), None);
        let slurm = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("4".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("1".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("4".to_string()),
            _ => None,
        };
        assert_eq!(
            shard(None, &slurm).unwrap(),
            None,
            "an array job alone does not shard"
        );
        assert_eq!(shard(Some("auto"), &slurm).unwrap(), Some((3, 4)));
        let stepped = |k: &str| match k {
            "SLURM_ARRAY_TASK_ID" => Some("10".to_string()),
            "SLURM_ARRAY_TASK_MIN" => Some("0".to_string()),
            "SLURM_ARRAY_TASK_STEP" => Some("5".to_string()),
            "SLURM_ARRAY_TASK_COUNT" => Some("3".to_string()),
            _ => None,
        };
        assert_eq!(shard(Some("auto"), &stepped).unwrap(), Some((2, 3)));
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "2".to_string());
        assert!(shard(Some("auto"), &k8s).is_err(), "a count is needed");
        let k8s_n = |k: &str| match k {
            "JOB_COMPLETION_INDEX" => Some("2".to_string()),
            "REVSIM_SHARD_COUNT" => Some("3".to_string()),
            _ => None,
        };
        assert_eq!(shard(None, &k8s_n).unwrap(), Some((2, 3)));
        assert_eq!(
            shard(Some("1/1"), &k8s_n).unwrap(),
            Some((0, 1)),
            "--shard wins"
        );
        let count_only = |k: &str| (k == "REVSIM_SHARD_COUNT").then(|| "3".to_string());
        assert!(
            shard(None, &count_only).is_err(),
            "a count without an index"
        );
    }

    #[test]
    fn quantile_interval_covers() {
        let v: Vec<f64> = (0..1000).map(f64::from).collect();
        let (lo, hi) = quantile_ci(&v, 0.5, Z95);
        assert!(lo < 499.5 && hi > 499.5 && hi - lo < 80.0, "{lo} {hi}");
    }
}
