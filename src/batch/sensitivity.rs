//! Sensitivity (the tornado): each setting moved alone to a low and a high value from the base
//! case, on common random numbers, and the settings ranked by how far they move P50 bookings
//! and P(hit plan); with the study's table, tornado charts and report page.
//!
//! Every run shares the base case's random numbers, so a setting's swing is the effect of the
//! setting alone: one that does not enter the model swings by exactly zero.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::runner::{Progress, run_variants};
use super::sweep::BatchPlan;
use super::{Param, PeriodMetrics, Planned, Store, Variant, VariantResult};
use crate::charts::Scale;
use crate::charts::batch::{TornadoBar, tornado};
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;
use crate::report::html::escape;
use crate::scenario::Scenario;
use crate::tables::{Column, Format, Table, Values};
use crate::words::{pct, usd};

/// Parses `--change`: `20%` or `0.2`, a share strictly between 0 and 1.
pub fn parse_change(spec: &str) -> Result<f64, InputError> {
    let t = spec.trim();
    let (n, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 0.01),
        None => (t, 1.0),
    };
    n.trim()
        .parse::<f64>()
        .ok()
        .map(|v| v * scale)
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 1.0)
        .ok_or_else(|| {
            InputError::file(
                "--change",
                format!("`{spec}` is not a change between 0% and 100%"),
            )
            .help("for example --change 20%")
        })
}

/// A setting the tornado moves, with how its low and high were chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The key and its low and high value.
    pub param: Param,
    /// How they were chosen: `P10-P90` (the belief's own quantiles), `+-20%` (`--change`) or
    /// `given` (`--vary`).
    pub basis: String,
    /// The low and high fix the key (its belief dropped) rather than move the belief's centre:
    /// so for an uncertain input swung over its own P10 and P90.
    pub fixes: bool,
}

/// The key paths of `base`'s uncertain inputs that the tornado can swing by their quantiles
/// (every one but the outcome shares of a Dirichlet, which move together).
pub fn uncertain_keys(base: &Scenario) -> Vec<String> {
    use crate::scenario::uncertainty::Target;
    base.uncertainty
        .params
        .iter()
        .filter(|p| !matches!(p.target, Target::Outcome(_)))
        .map(|p| p.path.clone())
        .collect()
}

/// A value as a literal of the kind `like` (the value in the file) is: a whole number if that
/// is one, else a decimal with four significant digits.
fn literal_like(v: f64, like: Option<&str>) -> String {
    if like
        .is_some_and(|l| !l.replace('_', "").contains(['.', 'e', 'E']) && l.parse::<f64>().is_ok())
    {
        return format!("{:.0}", v.round());
    }
    let digits = if v == 0.0 {
        1
    } else {
        (3 - v.abs().log10().floor() as i32).max(1)
    };
    let s = format!("{v:.*}", digits as usize);
    let s = s.trim_end_matches('0');
    format!("{s}{}", if s.ends_with('.') { "0" } else { "" })
}

/// The settings to move with their low and high values: each `--param` key moved between its
/// belief's P10 and P90 when it is uncertain in `base`, else by `change` each way from its value
/// in `base`; then each `--vary key=low,high` as given. `change_label` is `--change` as given.
pub fn params(
    base: &Scenario,
    keys: &[String],
    change: f64,
    change_label: &str,
    vary: &[String],
) -> Result<Vec<Setting>, InputError> {
    let mut params: Vec<Setting> = Vec::new();
    for key in keys {
        let belief = base.uncertainty.params.iter().find(|p| p.path == *key);
        if let Some(b) = belief {
            let like = value_in(base, key);
            let (lo, hi) = (b.quantile(0.1), b.quantile(0.9));
            // A level inside a distribution has no literal of its own: a whole number reads
            // as one (27500, not 27500.0).
            let literal = |v: f64| {
                let s = literal_like(v, like.as_deref());
                match s.strip_suffix(".0") {
                    Some(whole) if crate::scenario::belief::is_level_key(key) => whole.to_string(),
                    _ => s,
                }
            };
            params.push(Setting {
                param: Param {
                    key: key.clone(),
                    values: vec![literal(lo), literal(hi)],
                },
                basis: "P10-P90".into(),
                fixes: true,
            });
            continue;
        }
        let (lo, hi) = low_high(base, key, change)?;
        params.push(Setting {
            param: Param {
                key: key.clone(),
                values: vec![lo, hi],
            },
            basis: format!("+-{}", change_label.trim()),
            fixes: false,
        });
    }
    for spec in vary {
        let p = super::parse_vary(spec)?;
        if p.values.len() != 2 {
            return Err(InputError::file(
                "--vary",
                format!(
                    "`{spec}` gives {} values; sensitivity takes a low and a high",
                    p.values.len()
                ),
            )
            .help(format!("for example --vary {}=LOW,HIGH", p.key)));
        }
        params.push(Setting {
            param: p,
            basis: "given".into(),
            fixes: false,
        });
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(p) = params.iter().find(|p| !seen.insert(p.param.key.clone())) {
        return Err(
            InputError::file("--param", format!("{} is given twice", p.param.key))
                .help("give each setting once"),
        );
    }
    Ok(params)
}

/// The literal of `key` in the resolved scenario, if it is set there, looking inside inline
/// tables (`pipeline.cycle_months.gamma.mean`).
fn value_in(s: &Scenario, key: &str) -> Option<String> {
    let flat = s.flatten();
    if let Some((_, v)) = flat.iter().find(|(k, _)| k == key) {
        return Some(v.clone());
    }
    let (prefix, v) = flat
        .iter()
        .filter(|(k, _)| key.starts_with(k.as_str()) && key[k.len()..].starts_with('.'))
        .max_by_key(|(k, _)| k.len())?;
    let doc: toml::Table = toml::from_str(&format!("v = {v}")).ok()?;
    let mut at = doc.get("v")?;
    for part in key[prefix.len() + 1..].split('.') {
        at = at.as_table()?.get(part)?;
    }
    Some(at.to_string())
}

/// `key`'s value in `base` moved down and up by `change`, as literals. A whole number stays
/// whole and moves by at least 1 (never below 0).
fn low_high(base: &Scenario, key: &str, change: f64) -> Result<(String, String), InputError> {
    let explicit = || format!("give explicit values instead: --vary {key}=LOW,HIGH");
    let Some(literal) = value_in(base, key) else {
        return Err(InputError::file(
            "--param",
            format!(
                "{key} is not set in {} (it takes its default, or is not a setting), so there is no value to move",
                base.source
            ),
        )
        .help("check the key against docs/scenario-reference.md")
        .help(explicit()));
    };
    let clean = literal.replace('_', "");
    let parsed = clean.parse::<f64>();
    if parsed == Ok(0.0) {
        return Err(InputError::file(
            "--param",
            format!(
                "{key} is 0 in {}, so moving it by a percentage leaves it at 0",
                base.source
            ),
        )
        .help(explicit()));
    }
    let Ok(v) = parsed else {
        return Err(InputError::file(
            "--param",
            format!("{key} = {literal} is not a single number, so it cannot move by a percentage"),
        )
        .help(explicit()));
    };
    if clean.contains(['.', 'e', 'E']) {
        let d = super::Range {
            lo: 0.0,
            hi: 0.0,
            step: None,
            decimals: 6,
        };
        let f = |x: f64| {
            let s = d.literal(x);
            let s = s.trim_end_matches('0');
            format!("{s}{}", if s.ends_with('.') { "0" } else { "" })
        };
        Ok((f(v * (1.0 - change)), f(v * (1.0 + change))))
    } else {
        let lo = (v * (1.0 - change)).round().min(v - 1.0).max(0.0);
        let hi = (v * (1.0 + change)).round().max(v + 1.0);
        Ok((format!("{lo:.0}"), format!("{hi:.0}")))
    }
}

/// A sensitivity study, planned: the base case, then each setting's low and high.
#[derive(Debug)]
pub struct Study {
    /// The scenario file, as given.
    pub file: PathBuf,
    /// The `--set` overrides under every run.
    pub sets: Vec<String>,
    /// The settings moved, each with its low and high value.
    pub params: Vec<Param>,
    /// How each setting's low and high were chosen (as [`Setting::basis`]).
    pub bases: Vec<String>,
    /// The settings left out because a low or high value makes the scenario invalid: the key
    /// and why.
    pub skipped: Vec<(String, String)>,
    /// Seed shared by every run.
    pub seed: u64,
    /// Trials per run.
    pub trials: usize,
    /// The runs: the base case, then the low and the high of each setting in turn.
    pub planned: Vec<Planned>,
}

impl Study {
    /// Plans the runs, resolving every one, so a mistake fails before anything runs. A setting
    /// whose low or high makes the scenario invalid is left out and reported in `skipped`; an
    /// invalid base case is an error.
    pub fn new(
        file: &Path,
        sets: &[String],
        settings: Vec<Setting>,
        seed: u64,
        trials: usize,
    ) -> anyhow::Result<Study> {
        let base = Variant {
            name: "base".into(),
            sets: Vec::new(),
        };
        let mut planned = super::plan(file, sets, vec![base], seed, trials)?;
        let (mut params, mut bases, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
        'settings: for s in settings {
            let mut two = Vec::new();
            for (which, v) in ["low", "high"].iter().zip(&s.param.values) {
                let key = &s.param.key;
                // An uncertain input at its P10 or P90 is fixed there, as by --set: its belief
                // is dropped (a level inside a distribution, such as the cycle's mean, keeps
                // its belief held at the value), and every other input keeps its own.
                let mut under = sets.to_vec();
                let variant = Variant {
                    name: format!("{key} {which} ({v})"),
                    sets: if s.fixes {
                        under.push(format!("{key}={v}"));
                        Vec::new()
                    } else {
                        vec![(key.clone(), v.clone())]
                    },
                };
                match super::plan(file, &under, vec![variant], seed, trials) {
                    Ok(mut p) => two.append(&mut p),
                    Err(e) => {
                        let root = e.root_cause().to_string();
                        let why = format!(
                            "its {which} value {v} is invalid: {}",
                            root.lines().next().unwrap_or_default()
                        );
                        skipped.push((key.clone(), why));
                        continue 'settings;
                    }
                }
            }
            planned.append(&mut two);
            params.push(s.param);
            bases.push(s.basis);
        }
        Ok(Study {
            file: file.to_path_buf(),
            sets: sets.to_vec(),
            params,
            bases,
            skipped,
            seed,
            trials,
            planned,
        })
    }

    /// The study's plan, for its output folder.
    pub fn plan(&self) -> BatchPlan {
        BatchPlan::new(
            "sensitivity",
            &self.file,
            &self.sets,
            &self.planned,
            self.params.clone(),
            self.seed,
            self.trials,
        )
    }

    /// Runs the runs `store` does not hold yet (on the current thread pool) and ranks the
    /// settings.
    pub fn run(&self, store: &Store, progress: Progress<'_>) -> Result<Tornado, InputError> {
        run_variants(store, &self.planned, None, self.seed, self.trials, progress)?;
        let results: Vec<VariantResult> = self
            .planned
            .iter()
            .map(|p| store.get(&p.key).expect("just written"))
            .collect();
        Ok(Tornado::rank(&self.params, &self.bases, &results))
    }
}

/// A headline metric the tornado ranks the settings by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// Its name in the sweep table, e.g. `bookings_usd_p50`.
    pub name: &'static str,
    /// How people read it, e.g. "P50 bookings".
    pub label: &'static str,
    /// Dollars or a share.
    pub scale: Scale,
}

impl Metric {
    /// A value of the metric as printed: `$52.6M` or `64%`.
    pub fn show(&self, v: f64) -> String {
        if self.scale == Scale::Usd {
            usd(v)
        } else {
            pct(v)
        }
    }

    /// A swing of the metric as printed: `$5.2M` or `12 points`.
    pub fn show_swing(&self, v: f64) -> String {
        if self.scale == Scale::Usd {
            usd(v)
        } else {
            format!("{:.0} points", v * 100.0)
        }
    }
}

/// One row of the tornado: a setting's swing in one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Swing {
    /// The setting moved (dotted key).
    pub parameter: String,
    /// Its low value, as a literal.
    pub low_value: String,
    /// Its high value, as a literal.
    pub high_value: String,
    /// How low and high were chosen: `P10-P90`, `+-20%` or `given`.
    pub basis: String,
    /// The metric's name.
    pub metric: &'static str,
    /// The metric with the low value.
    pub at_low: f64,
    /// The metric in the base case.
    pub base: f64,
    /// The metric with the high value.
    pub at_high: f64,
    /// `|at_high - at_low|`.
    pub swing: f64,
}

/// What a sensitivity study found.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    /// The metrics ranked by: P50 bookings, then P(hit plan) when the scenario has a plan.
    pub metrics: Vec<Metric>,
    /// The swings, metric by metric in the order of `metrics`, the largest first within each
    /// (ties by setting name).
    pub swings: Vec<Swing>,
    /// The base case's headline metrics: the horizon first, then each fiscal year.
    pub base: Vec<PeriodMetrics>,
}

/// A metric over the horizon of a run, NaN when the run has none.
fn horizon(r: &VariantResult, name: &str) -> f64 {
    r.periods[0].get(name).map_or(f64::NAN, |e| e.value)
}

impl Tornado {
    /// Ranks the settings `params` by their swings, from the study's `results` (the base case,
    /// then each setting's low and high, as [`Study::planned`]).
    pub fn rank(params: &[Param], bases: &[String], results: &[VariantResult]) -> Tornado {
        let mut metrics = vec![Metric {
            name: "bookings_usd_p50",
            label: "P50 bookings",
            scale: Scale::Usd,
        }];
        if results[0].periods[0].get("p_hit_plan").is_some() {
            metrics.push(Metric {
                name: "p_hit_plan",
                label: "P(hit plan)",
                scale: Scale::Share,
            });
        }
        let mut swings = Vec::new();
        for m in &metrics {
            let base = horizon(&results[0], m.name);
            let mut rows: Vec<Swing> = params
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let lo = horizon(&results[1 + 2 * i], m.name);
                    let hi = horizon(&results[2 + 2 * i], m.name);
                    Swing {
                        parameter: p.key.clone(),
                        low_value: p.values[0].clone(),
                        high_value: p.values[1].clone(),
                        basis: bases.get(i).cloned().unwrap_or_default(),
                        metric: m.name,
                        at_low: lo,
                        base,
                        at_high: hi,
                        swing: (hi - lo).abs(),
                    }
                })
                .collect();
            rows.sort_by(|a, b| {
                b.swing
                    .total_cmp(&a.swing)
                    .then(a.parameter.cmp(&b.parameter))
            });
            swings.extend(rows);
        }
        Tornado {
            metrics,
            swings,
            base: results[0].periods.clone(),
        }
    }

    /// The rows of metric `m`, the largest swing first.
    pub fn rows<'a>(&'a self, m: &'a Metric) -> impl Iterator<Item = &'a Swing> + 'a {
        self.swings.iter().filter(move |s| s.metric == m.name)
    }
}

/// The variance shares found beside the tornado, for the outputs and the report.
#[derive(Debug, Clone, Copy)]
pub struct SharesFound<'a> {
    /// The shares, when the study made them.
    pub shares: Option<&'a super::shares::Shares>,
    /// The settings given with `--param` or `--vary` that have no share, and why.
    pub unshared: &'a [(String, String)],
}

/// Writes the study's outputs into `dir`: `sensitivity.csv`, `.xlsx` and `.parquet`, a tornado
/// chart per metric, the variance shares' files and charts when there are shares, and
/// `report.html`. `change` is `--change` as given.
pub fn write(
    dir: &OutputDir,
    study: &Study,
    t: &Tornado,
    change: &str,
    found: SharesFound<'_>,
) -> anyhow::Result<()> {
    let (seed, trials) = (study.seed, study.trials);
    let table = table(&t.swings);
    dir.write("sensitivity.csv", |w| crate::tables::write_csv(&table, w))?;
    let xlsx = crate::tables::xlsx_bytes(
        &table,
        "revsim sensitivity",
        &[format!(
            "{} on common random numbers: seed {seed}, {trials} trials per run; each setting moved alone from the base case.",
            study.file.display()
        )],
    )?;
    dir.write("sensitivity.xlsx", |w| w.write_all(&xlsx))?;
    let parquet = crate::tables::parquet_bytes(&table)?;
    dir.write("sensitivity.parquet", |w| w.write_all(&parquet))?;
    let mut all = charts(t);
    let tornadoes = all.len();
    if let Some(f) = found.shares {
        super::shares::write(dir, f, &study.file.display().to_string(), seed)?;
        all.extend(super::shares::charts(f));
    }
    let mut drawn = crate::report::write_charts(dir, all)?;
    let shares_drawn = drawn.split_off(tornadoes);
    let section = match found.shares {
        Some(f) => super::shares::report_section(f, &shares_drawn, found.unshared),
        None => String::new(),
    };
    let shares_period = found.shares.map(|f| f.period.label.as_str());
    let html = report(study, t, change, &drawn, &section, shares_period);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))?;
    Ok(())
}

/// The tidy table: one row per metric and setting, ranked within each metric.
fn table(swings: &[Swing]) -> Table {
    let text = |f: fn(&Swing) -> String| Values::Text(swings.iter().map(f).collect());
    let num = |f: fn(&Swing) -> f64| Values::Number(swings.iter().map(f).collect());
    let col = |name: &str, format: Format, description: &str, values: Values| Column {
        name: name.into(),
        format,
        description: description.into(),
        values,
    };
    let mut ranks = Vec::new();
    let (mut last, mut k) = ("", 0);
    for s in swings {
        if s.metric != last {
            k = 0;
            last = s.metric;
        }
        k += 1;
        ranks.push(Some(k));
    }
    Table {
        columns: vec![
            col(
                "metric",
                Format::Plain,
                "Headline metric over the horizon",
                text(|s| s.metric.to_string()),
            ),
            col(
                "rank",
                Format::Count,
                "Rank by swing within the metric (1 = moves it most)",
                Values::Integer(ranks),
            ),
            col(
                "parameter",
                Format::Plain,
                "Setting moved",
                text(|s| s.parameter.clone()),
            ),
            col(
                "low_value",
                Format::Plain,
                "Low setting",
                text(|s| s.low_value.clone()),
            ),
            col(
                "high_value",
                Format::Plain,
                "High setting",
                text(|s| s.high_value.clone()),
            ),
            col(
                "basis",
                Format::Plain,
                "How low and high were chosen: P10-P90 (the input's own belief), +-CHANGE (a certain input) or given (--vary)",
                text(|s| s.basis.clone()),
            ),
            col(
                "at_low",
                Format::Plain,
                "Metric with the low setting",
                num(|s| s.at_low),
            ),
            col(
                "base",
                Format::Plain,
                "Metric in the base case",
                num(|s| s.base),
            ),
            col(
                "at_high",
                Format::Plain,
                "Metric with the high setting",
                num(|s| s.at_high),
            ),
            col(
                "swing",
                Format::Plain,
                "|at_high - at_low|",
                num(|s| s.swing),
            ),
        ],
    }
}

/// A tornado chart per metric, with the setting that moves it most as the takeaway.
fn charts(t: &Tornado) -> Vec<crate::charts::Chart> {
    let mut charts = Vec::new();
    for m in &t.metrics {
        let rows: Vec<&Swing> = t.rows(m).collect();
        let base = rows.first().map_or(f64::NAN, |s| s.base);
        let label = m.label;
        let takeaway = match rows.first() {
            Some(top) => format!(
                "{} moves {label} most: {} at {} to {} at {}.",
                crate::assumptions::human_name(&top.parameter),
                m.show(top.at_low),
                top.low_value,
                m.show(top.at_high),
                top.high_value
            ),
            None => String::new(),
        };
        let bars: Vec<TornadoBar> = rows
            .iter()
            .map(|s| TornadoBar {
                parameter: crate::assumptions::human_name(&s.parameter),
                low_label: s.low_value.clone(),
                high_label: s.high_value.clone(),
                at_low: s.at_low,
                at_high: s.at_high,
            })
            .collect();
        let mut c = tornado(
            &format!("What moves {label}"),
            &takeaway,
            (label, m.scale),
            base,
            &format!("Base {}", m.show(base)),
            &bars,
        );
        c.name = format!("tornado-{}", m.name.replace('_', "-"));
        charts.push(c);
    }
    charts
}

/// The answer for one period of the base case: "57% chance of hitting the $27.0M bookings
/// plan; P50 $27.4M, 101% of plan; P10–P90 $24.1M–$30.9M."
fn period_answer(p: &PeriodMetrics) -> String {
    let v = |name: &str| p.get(name).map_or(f64::NAN, |e| e.value);
    let range = format!(
        "P10–P90 {}–{}",
        usd(v("bookings_usd_p10")),
        usd(v("bookings_usd_p90"))
    );
    let p50 = v("bookings_usd_p50");
    match (p.plan_bookings_usd, p.get("p_hit_plan")) {
        (Some(plan), Some(hit)) if plan > 0.0 => format!(
            "{} chance of hitting the {} bookings plan; P50 {}, {} of plan; {range}.",
            pct(hit.value),
            usd(plan),
            usd(p50),
            pct(p50 / plan)
        ),
        _ => format!("bookings most likely {}; {range} (no plan set).", usd(p50)),
    }
}

/// The horizon in words from the base case's periods: "FY2027–FY2029 (36 months)", or "the 30
/// months from 2027-07".
fn horizon_words(base: &[PeriodMetrics]) -> String {
    let Some(h) = base.first() else {
        return "the horizon".into();
    };
    let fys = &base[1..];
    match (fys.first(), fys.last()) {
        (Some(a), Some(b)) if fys.iter().all(|f| f.months == 12) => {
            let span = if fys.len() == 1 {
                a.period.clone()
            } else {
                format!("{}–{}", a.period, b.period)
            };
            format!("{span} ({} months)", h.months)
        }
        _ => format!("the {} months from {}", h.months, h.first_month),
    }
}

/// The report's opening: the base case's first fiscal year, then its horizon, then plainly the
/// period the tornado ranks over (the horizon) and the one the variance shares explain.
fn lead(t: &Tornado, shares_period: Option<&str>) -> String {
    let mut body = String::new();
    let horizon = horizon_words(&t.base);
    let first = t
        .base
        .get(1)
        .filter(|f| t.base.len() > 2 || f.months != t.base[0].months);
    if let Some(f) = first {
        let label = if f.months < 12 {
            format!("{} ({} months)", f.period, f.months)
        } else {
            f.period.clone()
        };
        let _ = writeln!(
            body,
            "<p class=\"answer\">Base case, {}: {}</p>\n<p class=\"answer second\">Over {horizon}: {}</p>",
            escape(&label),
            escape(&period_answer(f)),
            escape(&period_answer(&t.base[0]))
        );
    } else if let Some(h) = t.base.first() {
        let _ = writeln!(
            body,
            "<p class=\"answer\">Base case, {}: {}</p>",
            escape(&horizon),
            escape(&period_answer(h))
        );
    }
    let metrics: Vec<&str> = t.metrics.iter().map(|m| m.label).collect();
    let mut over = format!(
        "The tornado ranks the settings by how far each moves {} over the whole horizon, {horizon}, not over a single fiscal year.",
        metrics.join(" and ")
    );
    if let Some(p) = shares_period {
        over.push_str(&format!(
            " The variance shares further down explain the spread of {p} bookings."
        ));
    }
    let _ = writeln!(body, "<p><strong>{}</strong></p>", escape(&over));
    body
}

/// The report page: the base case's answer, the charts, then a table per metric.
fn report(
    study: &Study,
    t: &Tornado,
    change: &str,
    drawn: &[(crate::charts::Chart, String)],
    shares_section: &str,
    shares_period: Option<&str>,
) -> String {
    let (seed, trials) = (study.seed, study.trials);
    let mut body = format!(
        "<h1>Sensitivity of {}</h1>\n<p class=\"lead\">Each setting moved alone from the base case, on common random numbers (seed {seed}, {trials} trials per run). Ranked by how far it moves the metric.</p>\n",
        escape(&study.file.display().to_string())
    );
    body.push_str(&lead(t, shares_period));
    for (c, svg) in drawn {
        body.push_str(&crate::report::html::figure(c, svg));
    }
    for m in &t.metrics {
        let _ = writeln!(
            body,
            "<h2>{} over the horizon</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>Setting</th><th>Low</th><th>High</th><th>At low</th><th>Base</th><th>At high</th><th>Swing</th></tr></thead>\n<tbody>",
            escape(m.label)
        );
        for s in t.rows(m) {
            let _ = writeln!(
                body,
                "<tr><td>{} <code class=\"note\">{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&crate::assumptions::human_name(&s.parameter)),
                escape(&s.parameter),
                escape(&s.low_value),
                escape(&s.high_value),
                escape(&m.show(s.at_low)),
                escape(&m.show(s.base)),
                escape(&m.show(s.at_high)),
                escape(&m.show_swing(s.swing))
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
    let _ = writeln!(
        body,
        "<p>Settings the scenario is uncertain about move between their belief's own P10 and P90 (basis P10-P90: fixed there, the other inputs keeping their beliefs; a level inside a distribution, such as the cycle's mean or the deal size's median, is fixed by scaling the distribution to it); other settings given with <code>--param</code> move {} each way from their value in the file; those given with <code>--vary</code> take the values given. The same table: <code>sensitivity.csv</code>, <code>sensitivity.xlsx</code>, <code>sensitivity.parquet</code>.</p>",
        escape(change)
    );
    body.push_str(shares_section);
    crate::report::html::page(&format!("Sensitivity of {}", study.file.display()), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20 reps in seat all year, no ramp or attrition, 2 opportunities a month each, won 30%
    /// of the time, deals of exactly $10,000 decided at once: a trial's bookings are $10,000
    /// times a count of mean 20 * 12 * 2 * 0.3 = 144, with a quota that plays no part in
    /// bookings (no coverage policy).
    const ORG: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = 10000
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
[quota]
annual_quota_usd = 500000
"#;

    const TRIALS: usize = 400;

    fn study(dir: &Path, params: Vec<Param>) -> (Study, Tornado) {
        study_of(dir, ORG, given(params))
    }

    fn given(params: Vec<Param>) -> Vec<Setting> {
        params
            .into_iter()
            .map(|param| Setting {
                param,
                basis: "given".into(),
                fixes: false,
            })
            .collect()
    }

    fn study_of(dir: &Path, text: &str, settings: Vec<Setting>) -> (Study, Tornado) {
        let file = dir.join("org.toml");
        std::fs::write(&file, text).unwrap();
        let study = Study::new(&file, &[], settings, 7, TRIALS).unwrap();
        let out = OutputDir::prepare(&dir.join("out"), false).unwrap();
        let store = Store::open(&out).unwrap();
        let tornado = study.run(&store, Progress::SILENT).unwrap();
        (study, tornado)
    }

    fn param(key: &str, lo: &str, hi: &str) -> Param {
        Param {
            key: key.into(),
            values: vec![lo.into(), hi.into()],
        }
    }

    #[test]
    fn a_setting_that_moves_bookings_ranks_above_one_that_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let (_, t) = study(
            dir.path(),
            vec![
                param("quota.annual_quota_usd", "100000", "900000"),
                param("pipeline.opportunities_per_rep_month", "1.0", "3.0"),
            ],
        );
        // No plan, so bookings is the only metric.
        assert_eq!(t.metrics.len(), 1);
        assert_eq!(t.swings.len(), 2);
        let (top, last) = (&t.swings[0], &t.swings[1]);
        assert_eq!(top.parameter, "pipeline.opportunities_per_rep_month");
        assert_eq!(last.parameter, "quota.annual_quota_usd");
        // Common random numbers: a setting outside the bookings model changes no draw, so
        // every run with it is the base case exactly.
        assert_eq!(last.swing, 0.0);
        assert_eq!((last.at_low, last.at_high), (last.base, last.base));
        // Wins are Poisson with mean 72 * opportunities (216 at 3, 72 at 1): the medians are
        // $10,000 * (216 - 72) = $1.44M apart. A median of 400 trials has a standard error of
        // sqrt(pi / 2) * sd / sqrt(400), about $9,200 at 3 (sd $147,000) and $5,300 at 1 (sd
        // $85,000), so six standard errors of the difference are under $65,000. The median
        // of a Poisson count is within 1 of its mean, which adds at most $20,000.
        assert!(
            (top.swing - 1_440_000.0).abs() < 85_000.0,
            "swing {}",
            top.swing
        );
        assert!(top.at_low < top.base && top.base < top.at_high);
    }

    #[test]
    fn low_and_high_move_from_the_file_by_the_change() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("org.toml");
        std::fs::write(&file, ORG).unwrap();
        let base = Scenario::load(&file).unwrap();
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let p = params(
            &base,
            &keys(&["pipeline.opportunities_per_rep_month", "org.seats"]),
            0.2,
            "20%",
            &keys(&["pipeline.outcomes.won=0.2,0.4"]),
        )
        .unwrap();
        assert_eq!(p[0].param.values, ["1.6", "2.4"]);
        assert_eq!(p[1].param.values, ["16", "24"]);
        assert_eq!(p[2].param.values, ["0.2", "0.4"]);
        assert_eq!(
            (p[0].basis.as_str(), p[2].basis.as_str()),
            ("+-20%", "given")
        );
        // A whole number moves by at least 1, so a small change still moves it.
        let p = params(&base, &keys(&["org.seats"]), 0.01, "1%", &[]).unwrap();
        assert_eq!(p[0].param.values, ["19", "21"]);
        // Not in the file, given twice, or three values: refused before anything runs.
        assert!(params(&base, &keys(&["attrition.annual_rate"]), 0.2, "20%", &[]).is_err());
        assert!(
            params(
                &base,
                &keys(&["org.seats"]),
                0.2,
                "20%",
                &keys(&["org.seats=1,2"])
            )
            .is_err()
        );
        assert!(params(&base, &[], 0.2, "20%", &keys(&["org.seats=1,2,3"])).is_err());
        assert_eq!(parse_change("20%").unwrap(), 0.2);
        assert!(parse_change("100%").is_err() && parse_change("0").is_err());
    }

    #[test]
    fn an_uncertain_input_swings_between_its_own_p10_and_p90() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{ORG}\n[uncertainty.parameters]\n\"pipeline.opportunities_per_rep_month\" = {{ p10 = 1.5, p50 = 2.0, p90 = 2.5 }}\n"
        );
        let file = dir.path().join("u.toml");
        std::fs::write(&file, &text).unwrap();
        let base = Scenario::load(&file).unwrap();
        let keys = uncertain_keys(&base);
        assert_eq!(keys, ["pipeline.opportunities_per_rep_month"]);
        let p = params(&base, &keys, 0.2, "20%", &[]).unwrap();
        // The belief's own quantiles, not +-20% of 2.0 (1.6 and 2.4).
        assert_eq!(p[0].param.values, ["1.5", "2.5"]);
        assert_eq!(p[0].basis, "P10-P90");
        assert!(p[0].fixes);
        let (_, t) = study_of(dir.path(), &text, p);
        let s = &t.swings[0];
        assert_eq!(s.basis, "P10-P90");
        assert!(s.at_low < s.base && s.base < s.at_high, "{s:?}");
    }

    #[test]
    fn a_belief_inside_a_distribution_swings_between_its_own_p10_and_p90() {
        // The deal size's median is uncertain: the tornado fixes it at its belief's P10, then
        // its P90, scaling the whole distribution (no --set of the lognormal's own keys).
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "{}\n[uncertainty.parameters]\n\"pipeline.deal_size_usd.median\" = {{ p10 = 8_000, p50 = 10_000, p90 = 12_000 }}\n",
            ORG.replace(
                "deal_size_usd = 10000",
                "deal_size_usd = { lognormal = { median = 10_000, p90 = 20_000 } }"
            )
        );
        let file = dir.path().join("u.toml");
        std::fs::write(&file, &text).unwrap();
        let base = Scenario::load(&file).unwrap();
        let keys = uncertain_keys(&base);
        assert_eq!(keys, ["pipeline.deal_size_usd.median"]);
        let p = params(&base, &keys, 0.2, "20%", &[]).unwrap();
        assert_eq!(p[0].param.values, ["8000", "12000"]);
        assert_eq!(p[0].basis, "P10-P90");
        // The level fixed for the run: the belief is held at the value in every trial.
        let pinned =
            Scenario::load_with(&file, &["pipeline.deal_size_usd.median=8000".into()]).unwrap();
        assert_eq!(pinned.uncertainty.params[0].pinned, Some(8000.0));
        let (study, t) = study_of(dir.path(), &text, p);
        assert!(study.skipped.is_empty(), "{:?}", study.skipped);
        let s = &t.swings[0];
        assert_eq!(
            (s.parameter.as_str(), s.basis.as_str()),
            ("pipeline.deal_size_usd.median", "P10-P90")
        );
        assert!(s.at_low < s.base && s.base < s.at_high, "{s:?}");
        // On common random numbers the two runs differ only by the factor on every deal's size,
        // so the median bookings are in the ratio of the two levels, 8,000 / 12,000, up to a
        // residue of the order of 1e-5 (measured 6e-6) from how figures are rounded; run-to-run
        // noise would be of the order of 1e-2 here (a median of 400 trials of about 144 deals),
        // and a level left unfixed would give a ratio near 1.
        let ratio = s.at_low / s.at_high;
        assert!((ratio - 2.0 / 3.0).abs() < 1e-4, "ratio {ratio}");
    }

    #[test]
    fn a_level_fixed_without_a_belief_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("org.toml");
        std::fs::write(&file, ORG).unwrap();
        let e = Scenario::load_with(&file, &["pipeline.deal_size_usd.median=8000".into()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no belief about it"), "{e}");
        assert!(e.contains("pipeline.deal_size_usd="), "{e}");
    }

    #[test]
    fn an_invalid_variant_is_reported_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let text = ORG.replace("seats = 20", "seats = 20\nfilled_seats = 20");
        let settings = given(vec![
            param("org.seats", "10", "30"),
            param("pipeline.opportunities_per_rep_month", "1.0", "3.0"),
        ]);
        let (study, t) = study_of(dir.path(), &text, settings);
        assert_eq!(study.skipped.len(), 1, "{:?}", study.skipped);
        assert_eq!(study.skipped[0].0, "org.seats");
        assert!(
            study.skipped[0].1.contains("its low value 10 is invalid"),
            "{:?}",
            study.skipped
        );
        assert_eq!(t.swings.len(), 1);
        assert_eq!(
            t.swings[0].parameter,
            "pipeline.opportunities_per_rep_month"
        );
    }
}
