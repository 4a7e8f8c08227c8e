//! The outputs of a sweep: the tidy table (CSV, Parquet, Excel), charts of each headline metric
//! against each varied parameter, and a report page.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Param, PeriodMetrics, Planned, QUANTITIES, STATS, Variant, VariantResult, short_keys};
use crate::charts::Scale;
use crate::charts::batch::{Band, sweep_chart};
use crate::charts::heatmap::{HeatAxis, Heatmap};
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;
use crate::report::html::escape;
use crate::tables::{Column, Format, Table, Values};
use crate::words::{pct, usd};

/// What a batch is: written to `batch.json` before anything runs, read back by `revsim merge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchPlan {
    /// "sweep", "sensitivity" or "solve".
    pub kind: String,
    /// The scenario file as given.
    pub scenario: String,
    /// The `--set` overrides applied to every variant.
    pub overrides: Vec<String>,
    /// Seed shared by every variant.
    pub seed: u64,
    /// Trials per variant.
    pub trials: usize,
    /// The varied parameters of a grid (empty for a batch file of named variants).
    pub params: Vec<Param>,
    /// Every variant, in table order.
    pub variants: Vec<PlannedVariant>,
    /// SHA-256 of the rest of the plan (as compact JSON, with this field empty): set in
    /// `batch.json` by [`BatchPlan::sealed`] and checked by `merge` ([`BatchPlan::unseal`]);
    /// empty in memory.
    #[serde(default)]
    pub checksum: String,
}

/// One variant of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedVariant {
    /// Name.
    pub name: String,
    /// Overrides as (key, TOML literal).
    pub sets: Vec<(String, String)>,
    /// Result key: `variants/<key>.json`.
    pub key: String,
}

impl BatchPlan {
    /// The plan of a batch of `kind` ("sweep", "sensitivity", "solve") of `file` with the
    /// overrides `sets`.
    pub fn new(
        kind: &str,
        file: &Path,
        sets: &[String],
        planned: &[Planned],
        params: Vec<Param>,
        seed: u64,
        trials: usize,
    ) -> BatchPlan {
        BatchPlan {
            kind: kind.into(),
            scenario: file.display().to_string(),
            overrides: sets.to_vec(),
            seed,
            trials,
            params,
            variants: planned
                .iter()
                .map(|p| PlannedVariant {
                    name: p.variant.name.clone(),
                    sets: p.variant.sets.clone(),
                    key: p.key.clone(),
                })
                .collect(),
            checksum: String::new(),
        }
    }

    fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let bare = BatchPlan {
            checksum: String::new(),
            ..self.clone()
        };
        let bytes = serde_json::to_vec(&bare).expect("a plan serializes");
        format!("{:x}", Sha256::digest(&bytes))
    }

    /// The plan as `batch.json` holds it: with its checksum.
    pub fn sealed(&self) -> BatchPlan {
        BatchPlan {
            checksum: self.digest(),
            ..self.clone()
        }
    }

    /// The plan `text` (a `batch.json`) holds, checked against its checksum; the reason it
    /// cannot be used otherwise.
    pub fn unseal(text: &str) -> Result<BatchPlan, String> {
        let mut plan: BatchPlan = serde_json::from_str(text).map_err(|e| {
            format!(
                "it does not read as a batch plan (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        let stored = std::mem::take(&mut plan.checksum);
        if stored.is_empty() || plan.digest() != stored {
            return Err("it is damaged: its checksum does not match its contents (the file was changed, or written by an older revsim)".into());
        }
        Ok(plan)
    }
}

impl BatchPlan {
    /// The variants that resolve to the same scenario as an earlier one (same result key), each
    /// with the name of that earlier variant: one run serves both rows.
    pub fn duplicates(&self) -> Vec<(&str, &str)> {
        let mut first: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        let mut out = Vec::new();
        for v in &self.variants {
            match first.get(v.key.as_str()) {
                Some(earlier) => out.push((v.name.as_str(), *earlier)),
                None => {
                    first.insert(&v.key, &v.name);
                }
            }
        }
        out
    }
}

/// The name of the plan file.
pub const PLAN_FILE: &str = "batch.json";

/// A sweep's variants: those of the batch file of named variants when there is one (the base
/// case first), otherwise every combination of the `--vary` values. Returns the varied
/// parameters (none for a batch file) and the variants.
pub fn variants(
    vary: &[String],
    batch_file: Option<&Path>,
) -> Result<(Vec<Param>, Vec<Variant>), InputError> {
    if let Some(f) = batch_file {
        let mut variants = super::read_batch_file(f)?;
        // The base case comes first, so every what-if has its reference in the table.
        if !variants
            .iter()
            .any(|v| v.sets.is_empty() || v.name == "base")
        {
            variants.insert(
                0,
                Variant {
                    name: "base".into(),
                    sets: Vec::new(),
                },
            );
        }
        return Ok((Vec::new(), variants));
    }
    let params = vary
        .iter()
        .map(|v| super::parse_vary(v))
        .collect::<Result<Vec<_>, _>>()?;
    let variants = super::grid(&params)?;
    Ok((params, variants))
}

/// The columns of the varied parameters: every key any variant sets, in first-seen order.
fn param_keys(plan: &BatchPlan) -> Vec<String> {
    let mut keys: Vec<String> = plan.params.iter().map(|p| p.key.clone()).collect();
    for v in &plan.variants {
        for (k, _) in &v.sets {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

fn number(literal: &str) -> Option<f64> {
    literal
        .trim()
        .replace('_', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A TOML integer literal (`40`, `1_000`, `-3`; not `40.0` or `4e1`).
fn integer(literal: &str) -> Option<i64> {
    literal.trim().replace('_', "").parse::<i64>().ok()
}

/// One row of the tidy table: a variant and one of its periods.
type Row<'a> = (&'a VariantResult, &'a PeriodMetrics);

/// A column of text, one value per row.
fn text(rows: &[Row], f: impl Fn(&VariantResult, &PeriodMetrics) -> String) -> Values {
    Values::Text(rows.iter().map(|(r, p)| f(r, p)).collect())
}

/// A column of numbers, one value per row.
fn num(rows: &[Row], f: impl Fn(&VariantResult, &PeriodMetrics) -> f64) -> Values {
    Values::Number(rows.iter().map(|(r, p)| f(r, p)).collect())
}

/// A column of whole numbers, one value per row.
fn whole(rows: &[Row], f: impl Fn(&VariantResult, &PeriodMetrics) -> usize) -> Values {
    Values::Integer(
        rows.iter()
            .map(|(r, p)| i64::try_from(f(r, p)).ok())
            .collect(),
    )
}

fn col(name: &str, format: Format, description: &str, values: Values) -> Column {
    Column {
        name: name.into(),
        format,
        description: description.into(),
        values,
    }
}

/// The tidy table: one row per variant and period (the horizon first, then fiscal years).
pub fn table(plan: &BatchPlan, results: &[VariantResult]) -> Table {
    let rows: Vec<Row> = results
        .iter()
        .flat_map(|r| r.periods.iter().map(move |p| (r, p)))
        .collect();
    let mut columns = vec![col(
        "variant",
        Format::Plain,
        "Variant name",
        text(&rows, |r, _| r.name.clone()),
    )];
    for k in &param_keys(plan) {
        columns.push(setting_column(k, &rows));
    }
    columns.extend(period_columns(&rows));
    columns.extend(statistic_columns(&rows));
    columns.extend(interval_columns(&rows));
    columns.push(col(
        "scenario_sha256",
        Format::Plain,
        "SHA-256 of the variant's resolved scenario",
        text(&rows, |r, _| r.scenario_sha256.clone()),
    ));
    Table { columns }
}

/// The column of a varied setting: whole numbers when every value set is a TOML integer,
/// decimals when every value is a number, otherwise text; empty
/// where a variant leaves the setting at the scenario's value.
fn setting_column(key: &str, rows: &[Row]) -> Column {
    let literals: Vec<Option<&str>> = rows
        .iter()
        .map(|(r, _)| {
            r.sets
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        })
        .collect();
    let numeric = literals.iter().flatten().all(|v| number(v).is_some());
    let integral = literals.iter().flatten().all(|v| integer(v).is_some());
    let values = if integral {
        Values::Integer(literals.iter().map(|v| v.and_then(integer)).collect())
    } else if numeric {
        Values::Number(
            literals
                .iter()
                .map(|v| v.and_then(number).unwrap_or(f64::NAN))
                .collect(),
        )
    } else {
        Values::Text(
            literals
                .iter()
                .map(|v| {
                    v.map(|v| crate::report::plain_value(v).into_owned())
                        .unwrap_or_default()
                })
                .collect(),
        )
    };
    col(
        key,
        Format::Plain,
        "Varied setting (empty: the scenario's own value)",
        values,
    )
}

/// The period of each row, its trials and its plan.
fn period_columns(rows: &[Row]) -> Vec<Column> {
    vec![
        col(
            "period",
            Format::Plain,
            "\"horizon\" (the whole run) or a fiscal year",
            text(rows, |_, p| p.period.clone()),
        ),
        col(
            "first_month",
            Format::Plain,
            "First month of the period",
            Values::Month(
                rows.iter()
                    .map(|(_, p)| {
                        let m: crate::calendar::YearMonth = p.first_month.parse().ok()?;
                        Some((m.year(), m.month()))
                    })
                    .collect(),
            ),
        ),
        col(
            "months",
            Format::Count,
            "Months in the period",
            whole(rows, |_, p| p.months),
        ),
        col(
            "trials",
            Format::Count,
            "Trials run",
            whole(rows, |r, _| r.trials),
        ),
        col(
            "plan_bookings_usd",
            Format::Usd,
            "Bookings plan of the period",
            num(rows, |_, p| p.plan_bookings_usd.unwrap_or(f64::NAN)),
        ),
    ]
}

/// The mean, P10, P50 and P90 of each quantity.
fn statistic_columns(rows: &[Row]) -> Vec<Column> {
    let mut columns = Vec::new();
    for (q, format) in QUANTITIES {
        for s in STATS {
            let name = format!("{q}_{s}");
            let what = match s {
                "mean" => "Mean".to_string(),
                other => format!("{} (type-7 percentile)", other.to_uppercase()),
            };
            columns.push(col(
                &name,
                format,
                &format!("{what} of {} over trials", q.replace('_', " ")),
                num(rows, |_, p| p.get(&name).map_or(f64::NAN, |e| e.value)),
            ));
        }
    }
    columns
}

/// The 95% interval of P50 bookings, and P(hit plan) with its interval.
fn interval_columns(rows: &[Row]) -> Vec<Column> {
    let ci = |name: &'static str, low: bool| {
        num(rows, move |_, p| {
            p.get(name)
                .map_or(f64::NAN, |e| if low { e.ci95_low } else { e.ci95_high })
        })
    };
    vec![
        col(
            "bookings_usd_p50_ci95_low",
            Format::Usd,
            "Lower end of the 95% interval of P50 bookings (order statistics)",
            ci("bookings_usd_p50", true),
        ),
        col(
            "bookings_usd_p50_ci95_high",
            Format::Usd,
            "Upper end of the 95% interval of P50 bookings",
            ci("bookings_usd_p50", false),
        ),
        col(
            "p_hit_plan",
            Format::Share,
            "Probability that bookings reach the plan",
            num(rows, |_, p| {
                p.get("p_hit_plan").map_or(f64::NAN, |e| e.value)
            }),
        ),
        col(
            "p_hit_plan_ci95_low",
            Format::Share,
            "Lower end of the 95% Wilson interval of P(hit plan)",
            ci("p_hit_plan", true),
        ),
        col(
            "p_hit_plan_ci95_high",
            Format::Share,
            "Upper end of the 95% Wilson interval of P(hit plan)",
            ci("p_hit_plan", false),
        ),
    ]
}

/// The headline metrics charted against each parameter: (metric stem, title, axis, scale).
const CHARTED: [(&str, &str, Scale); 3] = [
    ("bookings_usd", "Bookings over the horizon", Scale::Usd),
    (
        "ending_arr_usd",
        "ARR at the end of the horizon",
        Scale::Usd,
    ),
    ("ending_headcount", "Reps in seat at the end", Scale::Count),
];

/// Most lines on one chart (one palette colour each).
const MAX_LINES: usize = 7;

/// The variants that set one parameter, as points `(value, result)`, with the label of the
/// other parameters' values they share: one line of a chart.
type Line<'a> = (String, Vec<(f64, &'a VariantResult)>);

/// Charts of each headline metric against each numeric varied parameter, one line per
/// combination of the other parameters (up to `MAX_LINES`).
pub fn charts(plan: &BatchPlan, results: &[VariantResult]) -> Vec<crate::charts::Chart> {
    let mut out = Vec::new();
    let params = &plan.params;
    let keys: Vec<&str> = params.iter().map(|p| p.key.as_str()).collect();
    let shorts = short_keys(&keys);
    for (pi, p) in params.iter().enumerate() {
        let xs: Option<Vec<f64>> = p.values.iter().map(|v| number(v)).collect();
        let Some(xs) = xs else { continue };
        if xs.len() < 2 {
            continue;
        }
        let lines = lines(p, results, &keys, &shorts);
        if lines.is_empty() {
            continue;
        }
        let by = By {
            key: &p.key,
            short: &shorts[pi],
            single: params.len() == 1,
        };
        out.extend(charts_by(&by, &lines, results));
    }
    out
}

/// Groups the variants that set `p` by the values of the other parameters, in first-seen
/// order.
fn lines<'a>(
    p: &Param,
    results: &'a [VariantResult],
    keys: &[&str],
    shorts: &[String],
) -> Vec<Line<'a>> {
    let short_of = |k: &str| -> String {
        keys.iter()
            .position(|x| *x == k)
            .map_or_else(|| k.to_string(), |i| shorts[i].clone())
    };
    let mut lines: Vec<Line> = Vec::new();
    for r in results {
        let Some((_, v)) = r.sets.iter().find(|(k, _)| *k == p.key) else {
            continue;
        };
        let Some(x) = number(v) else { continue };
        let label = r
            .sets
            .iter()
            .filter(|(k, _)| *k != p.key)
            .map(|(k, v)| format!("{}={}", short_of(k), v.trim_matches('"')))
            .collect::<Vec<_>>()
            .join(" ");
        match lines.iter_mut().find(|(l, _)| *l == label) {
            Some((_, g)) => g.push((x, r)),
            None => lines.push((label, vec![(x, r)])),
        }
    }
    lines
}

/// The parameter a set of charts is drawn against.
struct By<'a> {
    /// Its dotted key (the x axis title).
    key: &'a str,
    /// Its short name (chart titles and file names).
    short: &'a str,
    /// Whether it is the only parameter (one unlabelled line per chart).
    single: bool,
}

/// The charts against one parameter: each of [`CHARTED`], then P(hit plan) when there is a
/// plan.
fn charts_by(by: &By, lines: &[Line], results: &[VariantResult]) -> Vec<crate::charts::Chart> {
    let shown = lines.len().min(MAX_LINES);
    let note = if lines.len() > MAX_LINES {
        format!(
            " ({shown} of {} combinations drawn; the table has all)",
            lines.len()
        )
    } else {
        String::new()
    };
    let file_key = crate::report::safe_dir_name(by.short);
    let series = |stem: &str| -> Vec<Band> {
        lines[..shown]
            .iter()
            .map(|(label, g)| band(stem, g, if by.single { "" } else { label }))
            .collect()
    };
    let others = if by.single {
        String::new()
    } else {
        format!("; one line per value of the other settings{note}")
    };
    // The chart names the parameter as a reader knows it; the key is in the table.
    let human = crate::assumptions::human_name(by.key);
    let mut out = Vec::new();
    for (stem, title, scale) in CHARTED {
        let s = series(stem);
        let takeaway = trend(&s[0], scale, by.key);
        let plan_line = (stem == "bookings_usd")
            .then(|| results[0].periods[0].plan_bookings_usd)
            .flatten()
            .map(|v| (v, format!("Plan {}", usd(v))));
        let mut c = sweep_chart(
            &format!("{title} by {}", lower_first(&human)),
            &format!("{takeaway}{others}."),
            (human.as_str(), Scale::Count),
            (title, scale),
            "P10–P90",
            &s,
            plan_line.as_ref().map(|(v, l)| (*v, l.as_str())),
        );
        c.name = format!("{}-by-{file_key}", stem.replace('_', "-"));
        out.push(c);
    }
    if results[0].periods[0].get("p_hit_plan").is_some() {
        let s = series("p_hit_plan");
        let takeaway = trend(&s[0], Scale::Share, by.key);
        let mut c = sweep_chart(
            &format!("Chance of hitting the plan by {}", lower_first(&human)),
            &format!("{takeaway}{others}."),
            (human.as_str(), Scale::Count),
            ("P(hit plan)", Scale::Share),
            "95% interval",
            &s,
            None,
        );
        c.name = format!("p-hit-plan-by-{file_key}");
        out.push(c);
    }
    out
}

/// One line of a chart, in order of the parameter's value: P10, P50 and P90 of the quantity
/// `stem`, or P(hit plan) with its 95% interval.
fn band(stem: &str, points: &[(f64, &VariantResult)], label: &str) -> Band {
    let mut g = points.to_vec();
    g.sort_by(|a, b| a.0.total_cmp(&b.0));
    let horizon = |r: &VariantResult, name: &str| {
        r.periods[0].get(name).unwrap_or(super::Estimate {
            value: f64::NAN,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        })
    };
    let pick = |name: &str, part: fn(super::Estimate) -> f64| -> Vec<f64> {
        g.iter().map(|(_, r)| part(horizon(r, name))).collect()
    };
    let x = g.iter().map(|(x, _)| *x).collect();
    if stem == "p_hit_plan" {
        Band {
            label: label.into(),
            x,
            low: pick(stem, |e| e.ci95_low),
            mid: pick(stem, |e| e.value),
            high: pick(stem, |e| e.ci95_high),
        }
    } else {
        Band {
            label: label.into(),
            x,
            low: pick(&format!("{stem}_p10"), |e| e.value),
            mid: pick(&format!("{stem}_p50"), |e| e.value),
            high: pick(&format!("{stem}_p90"), |e| e.value),
        }
    }
}

fn show(v: f64, scale: Scale) -> String {
    match scale {
        Scale::Usd => usd(v),
        Scale::Share => pct(v),
        _ => format!("{v:.0}"),
    }
}

/// "P50 goes from $25.1M at seats=40 to $31.0M at seats=80".
/// `s` with its first letter in lower case, for a name inside a sentence.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn trend(b: &Band, scale: Scale, key: &str) -> String {
    let n = b.x.len();
    if n == 0 {
        return String::new();
    }
    let what = if scale == Scale::Share {
        "It goes"
    } else {
        "The median goes"
    };
    format!(
        "{what} from {} to {} as {} goes from {} to {}",
        show(b.mid[0], scale),
        show(b.mid[n - 1], scale),
        lower_first(&crate::assumptions::human_name(key)),
        b.x[0],
        b.x[n - 1]
    )
}

/// The labels of a varied setting's values as a reader writes them: percentages for a share or
/// a rate (`20%`, `0.65%`, with the decimals the values need), dollars for money (`$30.0K`),
/// otherwise the value as given (`4.5`, text without its TOML quotes).
fn value_labels(key: &str, values: &[String]) -> Vec<String> {
    use crate::scenario::params::Unit;
    let plain = || {
        values
            .iter()
            .map(|v| crate::report::plain_value(v).into_owned())
            .collect()
    };
    let Some(nums) = values
        .iter()
        .map(|v| number(v))
        .collect::<Option<Vec<f64>>>()
    else {
        return plain();
    };
    match parameter_of(key).map(|(p, _)| p.unit) {
        Some(Unit::Share | Unit::AnnualRate | Unit::MonthlyRate) => {
            // The fewest decimals that write every value exactly.
            let digits = (0..=3)
                .find(|d| {
                    nums.iter().all(|v| {
                        let shown = format!("{:.d$}", v * 100.0);
                        (shown.parse::<f64>().unwrap_or(f64::NAN) - v * 100.0).abs() < 1e-9
                    })
                })
                .unwrap_or(4);
            nums.iter()
                .map(|v| format!("{:.digits$}%", v * 100.0))
                .collect()
        }
        Some(Unit::Usd) => {
            let short: Vec<String> = nums.iter().map(|v| usd(*v)).collect();
            let mut distinct = short.clone();
            distinct.sort();
            distinct.dedup();
            if distinct.len() == short.len() {
                short
            } else {
                nums.iter().map(|v| crate::words::usd_whole(*v)).collect()
            }
        }
        _ => plain(),
    }
}

/// The parameter a varied key sets, in the units of the parameter: the key's own row of the
/// parameter table, or, for a level inside a distribution (`pipeline.deal_size_usd.lognormal.
/// median`), its distribution's row with the level's name (`median`). A shape such as a
/// lognormal's `sigma` has no units and no row.
fn parameter_of(key: &str) -> Option<(&'static crate::scenario::params::Parameter, Option<&str>)> {
    use crate::scenario::params::get;
    if let Some(p) = get(key) {
        return Some((p, None));
    }
    let (_, level) = key.rsplit_once('.')?;
    let levels = [
        "mean", "median", "mode", "sd", "min", "max", "low", "high", "p5", "p10", "p25", "p50",
        "p75", "p90", "p95",
    ];
    if !levels.contains(&level) {
        return None;
    }
    let mut head = key;
    while let Some((h, _)) = head.rsplit_once('.') {
        head = h;
        if let Some(p) = get(head) {
            return Some((p, Some(level)));
        }
    }
    None
}

/// An axis title for a varied setting: its label and its key (`Annual attrition
/// (attrition.annual_rate)`), or the key alone when the format has no label for it.
fn setting_title(key: &str) -> String {
    match parameter_of(key) {
        Some((p, None)) => format!("{} ({key})", p.label),
        Some((p, Some(level))) => format!("{}, {level} ({key})", p.label),
        None => {
            let label = crate::scenario::params::label_of(key);
            if label == key {
                key.to_string()
            } else {
                format!("{label} ({key})")
            }
        }
    }
}

/// The order of a setting's values on a heatmap axis, lowest first (as given when they are not
/// all numbers): indices into `p.values`.
fn axis_order(p: &Param) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.values.len()).collect();
    let nums: Option<Vec<f64>> = p.values.iter().map(|v| number(v)).collect();
    if let Some(n) = nums {
        order.sort_by(|a, b| n[*a].total_cmp(&n[*b]));
    }
    order
}

/// Where a variant's value of `p` sits among `p.values`.
fn value_index(p: &Param, r: &VariantResult) -> Option<usize> {
    let (_, v) = r.sets.iter().find(|(k, _)| *k == p.key)?;
    p.values.iter().position(|x| x == v).or_else(|| {
        let n = number(v)?;
        p.values.iter().position(|x| number(x) == Some(n))
    })
}

/// The heatmaps of a sweep of exactly two settings, each with the report's caption: P(hit
/// plan) (when the scenario has a plan) and P50 bookings over the horizon, one cell per
/// combination, the first setting across and the second up.
pub fn heatmaps(plan: &BatchPlan, results: &[VariantResult]) -> Vec<(Heatmap, String)> {
    let [px, py] = plan.params.as_slice() else {
        return Vec::new();
    };
    if px.values.len() < 2 || py.values.len() < 2 || results.is_empty() {
        return Vec::new();
    }
    let shorts = short_keys(&[px.key.as_str(), py.key.as_str()]);
    let (ox, oy) = (axis_order(px), axis_order(py));
    let (lx, ly) = (
        value_labels(&px.key, &px.values),
        value_labels(&py.key, &py.values),
    );
    let horizon = &results[0].periods[0];
    let mut out = Vec::new();
    for (metric, title, legend, scale, stem) in [
        (
            "p_hit_plan",
            "Chance of hitting the plan",
            "P(hit plan)",
            Scale::Share,
            "p-hit-plan",
        ),
        (
            "bookings_usd_p50",
            "P50 bookings",
            "P50 bookings",
            Scale::Usd,
            "bookings-usd-p50",
        ),
    ] {
        if horizon.get(metric).is_none() {
            continue;
        }
        let mut values = vec![vec![f64::NAN; ox.len()]; oy.len()];
        let mut best: Option<(f64, usize, usize)> = None;
        let mut worst: Option<(f64, usize, usize)> = None;
        for r in results {
            let (Some(ix), Some(iy)) = (value_index(px, r), value_index(py, r)) else {
                continue;
            };
            let (Some(c), Some(row)) = (
                ox.iter().position(|i| *i == ix),
                oy.iter().position(|i| *i == iy),
            ) else {
                continue;
            };
            let v = r.periods[0].get(metric).map_or(f64::NAN, |e| e.value);
            values[row][c] = v;
            if v.is_finite() {
                if best.is_none_or(|b| v > b.0) {
                    best = Some((v, c, row));
                }
                if worst.is_none_or(|w| v < w.0) {
                    worst = Some((v, c, row));
                }
            }
        }
        let at = |(v, c, row): (f64, usize, usize)| {
            format!(
                "{} at {} {}, {} {}",
                crate::charts::heatmap::show(v, scale),
                shorts[0],
                lx[ox[c]],
                shorts[1],
                ly[oy[row]]
            )
        };
        let period = format!(
            "over the horizon ({} months from {})",
            horizon.months, horizon.first_month
        );
        let mut subtitle = format!("Each cell is one variant's {legend} {period}");
        if let (Some(b), Some(w)) = (best, worst) {
            subtitle = format!("{} {period}: highest {}; lowest {}.", legend, at(b), at(w));
        } else {
            subtitle.push('.');
        }
        let h = Heatmap {
            name: format!("heatmap-{stem}"),
            title: format!("{title} by {} and {}", shorts[0], shorts[1]),
            subtitle,
            x: HeatAxis {
                label: setting_title(&px.key),
                ticks: ox.iter().map(|i| lx[*i].clone()).collect(),
            },
            y: HeatAxis {
                label: setting_title(&py.key),
                ticks: oy.iter().map(|i| ly[*i].clone()).collect(),
            },
            values,
            legend: legend.to_string(),
            scale,
        };
        let what = if metric == "p_hit_plan" {
            format!(
                "the chance that bookings over the horizon ({} months from {}) reach the plan of {}",
                horizon.months,
                horizon.first_month,
                usd(horizon.plan_bookings_usd.unwrap_or(f64::NAN))
            )
        } else {
            format!(
                "the median (P50) of bookings over the horizon ({} months from {})",
                horizon.months, horizon.first_month
            )
        };
        let caption = format!(
            "{legend} for every combination of {} (across) and {} (up): {what}. Each cell is one variant, run on the same random numbers as the others; the colour runs from dark (low) to light (high) on the scale at the right, and the cell's value is written in it where it fits.",
            px.key, py.key
        );
        out.push((h, caption));
    }
    out
}

/// Draws the heatmaps into `dir/charts/` as SVG and PNG; returns each with its SVG and caption.
fn write_heatmaps(
    dir: &OutputDir,
    maps: Vec<(Heatmap, String)>,
) -> Result<Vec<(Heatmap, String, String)>, InputError> {
    use rayon::prelude::*;
    let drawn: Vec<(Heatmap, String, String, Vec<u8>)> = maps
        .into_par_iter()
        .map(|(h, caption)| {
            let (svg, png) = (h.svg(), h.png());
            (h, caption, svg, png)
        })
        .collect();
    let mut out = Vec::with_capacity(drawn.len());
    if drawn.is_empty() {
        return Ok(out);
    }
    let sub = dir.subdir("charts")?;
    for (h, caption, svg, png) in drawn {
        sub.write(&format!("{}.svg", h.name), |w| w.write_all(svg.as_bytes()))?;
        sub.write(&format!("{}.png", h.name), |w| w.write_all(&png))?;
        out.push((h, caption, svg));
    }
    Ok(out)
}

/// A heatmap in the report: its SVG inline, the caption saying what it shows, and its files.
fn heatmap_figure(h: &Heatmap, caption: &str, svg: &str) -> String {
    // The XML prolog is not allowed inside HTML.
    let svg = svg.trim_start_matches(|c| c != '<');
    let svg = match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(svg, |(_, r)| r.trim_start()),
        None => svg,
    };
    format!(
        "<figure id=\"{name}\">\n{svg}\n<figcaption>{} Also in <code>charts/{name}.svg</code> and <code>charts/{name}.png</code>.</figcaption>\n</figure>\n",
        escape(caption),
        name = escape(&h.name),
    )
}

/// Writes the sweep's outputs into `dir`; returns the files written.
pub fn write(
    dir: &OutputDir,
    plan: &BatchPlan,
    results: &[VariantResult],
) -> Result<Vec<String>, InputError> {
    let t = table(plan, results);
    let mut files = Vec::new();
    dir.write("sweep.csv", |w| crate::tables::write_csv(&t, w))?;
    files.push("sweep.csv".to_string());
    let parquet = crate::tables::parquet_bytes(&t)
        .map_err(|e| InputError::file("sweep.parquet", format!("cannot encode: {e}")))?;
    dir.write("sweep.parquet", |w| w.write_all(&parquet))?;
    files.push("sweep.parquet".to_string());
    let notes = vec![
        format!(
            "{} variants of {} on common random numbers: seed {}, {} trials each.",
            results.len(),
            plan.scenario,
            plan.seed,
            plan.trials
        ),
        "One row per variant and period; P10 is the 10th percentile (a 90% chance of doing better).".to_string(),
    ];
    let xlsx = crate::tables::xlsx_bytes(&t, "revsim sweep", &notes)
        .map_err(|e| InputError::file("sweep.xlsx", format!("cannot encode: {e}")))?;
    dir.write("sweep.xlsx", |w| w.write_all(&xlsx))?;
    files.push("sweep.xlsx".to_string());
    let drawn = crate::report::write_charts(dir, charts(plan, results))?;
    for (c, _) in &drawn {
        files.push(format!("charts/{}.svg", c.name));
        files.push(format!("charts/{}.png", c.name));
    }
    let maps = write_heatmaps(dir, heatmaps(plan, results))?;
    for (h, _, _) in &maps {
        files.push(format!("charts/{}.svg", h.name));
        files.push(format!("charts/{}.png", h.name));
    }
    let html = report(plan, results, &drawn, &maps);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))?;
    files.push("report.html".to_string());
    Ok(files)
}

/// The sweep's report page: the answer, the horizon table, the charts.
fn report(
    plan: &BatchPlan,
    results: &[VariantResult],
    drawn: &[(crate::charts::Chart, String)],
    maps: &[(Heatmap, String, String)],
) -> String {
    let mut body = lead(plan, results);
    body.push_str(&horizon_table(results));
    body.push_str("<p>Every variant and fiscal year, with means and intervals: <code>sweep.csv</code>, <code>sweep.xlsx</code>, <code>sweep.parquet</code>.</p>\n");
    if !maps.is_empty() {
        body.push_str("<h2>Heatmaps</h2>\n");
        for (h, caption, svg) in maps {
            body.push_str(&heatmap_figure(h, caption, svg));
        }
    }
    if !drawn.is_empty() {
        body.push_str("<h2>Charts</h2>\n");
        for (c, svg) in drawn {
            body.push_str(&crate::report::html::figure(c, svg));
        }
    }
    crate::report::html::page(&format!("Sweep of {}", plan.scenario), &body)
}

/// The report's opening: what was run, the variant with the highest median bookings, and what
/// P(hit plan) means here.
fn lead(plan: &BatchPlan, results: &[VariantResult]) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>Sweep of {}</h1>\n<p class=\"lead\">{} variants on common random numbers (seed {}, {} trials each){}.</p>",
        escape(&plan.scenario),
        results.len(),
        plan.seed,
        plan.trials,
        if plan.params.is_empty() {
            String::new()
        } else {
            format!(
                ", varying {}",
                escape(
                    &plan
                        .params
                        .iter()
                        .map(|p| format!("{} ({})", p.key, p.values.join(", ")))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            )
        }
    );
    body.push_str(&first_year_lead(results));
    let p50 = |r: &VariantResult| r.periods[0].get("bookings_usd_p50");
    if let Some(best) = results.iter().max_by(|a, b| {
        let v = |r: &VariantResult| p50(r).map_or(0.0, |e| e.value);
        v(a).total_cmp(&v(b))
    }) {
        let _ = writeln!(
            body,
            "<p>Highest median bookings over the horizon: <strong>{}</strong> with {}{}.</p>",
            escape(&usd(p50(best).map_or(f64::NAN, |e| e.value))),
            escape(&best.name),
            best.periods[0]
                .get("p_hit_plan")
                .map(|e| format!(" ({} chance of hitting plan)", pct(e.value)))
                .unwrap_or_default()
        );
    }
    if let Some(plan_usd) = results.first().and_then(|r| r.periods[0].plan_bookings_usd) {
        let h = &results[0].periods[0];
        let _ = writeln!(
            body,
            "<p>P(hit plan) is the chance that bookings over the whole horizon ({} months from {}) reach the plan of {}; the fiscal-year figures are in <code>sweep.csv</code>.</p>",
            h.months,
            escape(&h.first_month),
            escape(&usd(plan_usd))
        );
    }
    body
}

/// The first fiscal year of the horizon, the year a leader answers for next: the variant with
/// the best chance of hitting its plan (or the highest median without a plan). Empty when the
/// horizon has no fiscal year of its own.
fn first_year_lead(results: &[VariantResult]) -> String {
    fn fy(r: &VariantResult) -> Option<&PeriodMetrics> {
        r.periods.get(1)
    }
    let Some(first) = results.first().and_then(fy) else {
        return String::new();
    };
    let key = |r: &VariantResult| {
        fy(r)
            .and_then(|p| p.get("p_hit_plan").or_else(|| p.get("bookings_usd_p50")))
            .map_or(f64::NEG_INFINITY, |e| e.value)
    };
    let Some(best) = results.iter().max_by(|a, b| key(a).total_cmp(&key(b))) else {
        return String::new();
    };
    let Some(p) = fy(best) else {
        return String::new();
    };
    let p50 = p.get("bookings_usd_p50").map_or(f64::NAN, |e| e.value);
    let text = match (p.plan_bookings_usd, p.get("p_hit_plan")) {
        (Some(plan), Some(hit)) if plan > 0.0 => format!(
            "{}: the best chance of hitting the {} plan is {} ({}), with P50 bookings {}, {} of plan.",
            first.period,
            usd(plan),
            pct(hit.value),
            best.name,
            usd(p50),
            pct(p50 / plan)
        ),
        _ => format!(
            "{}: the highest median bookings are {} ({}).",
            first.period,
            usd(p50),
            best.name
        ),
    };
    format!("<p class=\"answer\">{}</p>\n", escape(&text))
}

/// The report's table: each variant's bookings, ending ARR and reps over the horizon.
fn horizon_table(results: &[VariantResult]) -> String {
    let has_plan = results
        .first()
        .is_some_and(|r| r.periods[0].get("p_hit_plan").is_some());
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h2>Over the horizon</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Variant</th><th>P10 bookings</th><th>P50 bookings</th><th>P90 bookings</th><th>Ending ARR P50</th><th>Ending reps P50</th>{}</tr></thead>\n<tbody>",
        if has_plan { "<th>P(hit plan)</th>" } else { "" }
    );
    for r in results {
        let h = &r.periods[0];
        let v = |n: &str| h.get(n).map_or(f64::NAN, |e| e.value);
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td>{}</tr>",
            escape(&r.name),
            escape(&usd(v("bookings_usd_p10"))),
            escape(&usd(v("bookings_usd_p50"))),
            escape(&usd(v("bookings_usd_p90"))),
            escape(&usd(v("ending_arr_usd_p50"))),
            v("ending_headcount_p50"),
            h.get("p_hit_plan")
                .map(|e| format!(
                    "<td>{} ({}–{})</td>",
                    escape(&pct(e.value)),
                    escape(&pct(e.ci95_low)),
                    escape(&pct(e.ci95_high))
                ))
                .unwrap_or_default()
        );
    }
    body.push_str("</tbody></table></div>\n");
    body
}
