//! One answer of the what-if page: the scenario as its file has it and, when the page changes
//! anything, the variant with the page's overrides, both on the same seed and trials (common
//! random numbers), with the paired differences of [`crate::compare`].

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::compare::{Arm, Difference, Estimate, bookings, hit_difference};
use crate::diagnostic::InputError;
use crate::engine::{Control, Results, Stopped};
use crate::scenario::Scenario;
use crate::sketch::EXACT_BYTES;
use crate::stats::Probability;
use crate::summary::{PeriodSummary, Summary};
use crate::words::{pct, usd};

/// Trials of the first, preliminary answer (fewer when the scenario asks for fewer).
pub const PRELIMINARY_TRIALS: usize = 1000;

/// Trials the cache of the files' runs holds at most, over all its entries (a baseline's
/// 10,000 trials take about 30 MB).
pub const CACHE_TRIALS: usize = 50_000;

/// The runs of scenario files as their files have them, kept between answers: a what-if
/// reruns only the variant, since the file's trials, on its seed, are the same every time.
/// A run is known by the resolved scenario's SHA-256 (its `extends` chain included) and that
/// of its open-deals file, its trial count and its seed; a changed file is a new key. Shared
/// by the pages: the cache holds finished runs only, so a page never sees another's partial
/// work.
#[derive(Debug, Default)]
pub struct Cache {
    runs: Mutex<VecDeque<(String, Arc<Arm>)>>,
}

impl Cache {
    fn key(s: &Scenario, trials: usize, seed: u64) -> String {
        let deals = s.open_deals.as_ref().map_or("", |d| d.sha256.as_str());
        format!("{} {deals} {trials} {seed}", s.sha256)
    }

    fn get(&self, key: &str) -> Option<Arc<Arm>> {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let i = runs.iter().position(|(k, _)| k == key)?;
        // The most recently used goes last, so it is forgotten last.
        let hit = runs.remove(i)?;
        let arm = hit.1.clone();
        runs.push_back(hit);
        Some(arm)
    }

    fn put(&self, key: String, arm: Arc<Arm>) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        runs.retain(|(k, _)| *k != key);
        runs.push_back((key, arm));
        while runs.len() > 1
            && runs.iter().map(|(_, a)| a.results.trials).sum::<usize>() > CACHE_TRIALS
        {
            runs.pop_front();
        }
    }

    /// The file's run of `trials` trials on `seed`: from the cache, or run now and kept.
    fn file_run(
        &self,
        s: Scenario,
        trials: usize,
        seed: u64,
        stop: &AtomicBool,
    ) -> Result<Arc<Arm>, Stopped> {
        let key = Cache::key(&s, trials, seed);
        if let Some(arm) = self.get(&key) {
            return Ok(arm);
        }
        let results = run(&s, trials, seed, stop)?;
        let arm = Arc::new(arm("file", s, results));
        self.put(key, arm.clone());
        Ok(arm)
    }
}

/// The settings the page offers a control for, with their labels, in page order. Any other key
/// goes through "any key by path".
pub const CONTROLS: &[(&str, &str)] = &[
    ("org.seats", "Seats today"),
    ("hiring.time_to_fill_months", "Time to fill a seat (months)"),
    ("attrition.annual_rate", "Attrition, share a year"),
    (
        "pipeline.outcomes.won",
        "Win rate (share of opportunities won)",
    ),
    (
        "pipeline.opportunities_per_rep_month",
        "Opportunities per rep per month",
    ),
    ("pipeline.deal_size_usd", "Deal size (USD)"),
    ("pipeline.cycle_months", "Sales cycle (months)"),
    (
        "leadership.board_review.grace_months",
        "VP board patience (months before reviews)",
    ),
    ("coverage.target_multiple", "Pipeline coverage target (x)"),
    ("market.demand_factor", "Market outlook (demand factor)"),
];

/// A bad override, shown beside its control.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    /// The key of the override (`None` when the error is not one override's).
    pub key: Option<String>,
    /// The message and fix, exactly as the command line prints them.
    pub message: String,
}

/// Why no answer came.
#[derive(Debug)]
pub enum Failure {
    /// The scenario or an override is wrong: the messages to show.
    Invalid(Vec<FieldError>),
    /// A newer change (or a closed page) stopped this computation.
    Stopped,
}

impl From<Stopped> for Failure {
    fn from(_: Stopped) -> Failure {
        Failure::Stopped
    }
}

/// A control's value in the file.
#[derive(Debug, Clone, Serialize)]
pub struct ControlValue {
    /// Dotted key.
    pub key: String,
    /// Label on the page.
    pub label: String,
    /// Value in the file (TOML), or `None` when the file leaves it unset.
    pub value: Option<String>,
}

/// One period's figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// P(hit plan) with its 95% interval.
    pub p_hit_plan: Option<Probability>,
    /// P50 bookings over the plan.
    pub share_of_plan: Option<f64>,
    /// Bookings P10, USD.
    pub p10_usd: f64,
    /// Bookings P50, USD.
    pub p50_usd: f64,
    /// Bookings P90, USD.
    pub p90_usd: f64,
}

impl Figures {
    fn of(p: &PeriodSummary) -> Figures {
        Figures {
            p_hit_plan: p.p_hit_plan,
            share_of_plan: crate::report::table::share_of_plan(p),
            p10_usd: p.bookings_usd.p10,
            p50_usd: p.bookings_usd.p50,
            p90_usd: p.bookings_usd.p90,
        }
    }
}

/// One period (a fiscal year or the horizon) of the answer.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// "FY2028" or "horizon".
    pub label: String,
    /// Months in the period.
    pub months: usize,
    /// Bookings plan of the file, USD.
    pub plan_usd: Option<f64>,
    /// The file's figures.
    pub file: Figures,
    /// The figures with the page's overrides, when it has any.
    pub variant: Option<Figures>,
    /// Variant minus file in P(hit plan), points of probability, paired, with its 95% interval.
    pub p_hit_plan_change: Option<Estimate>,
    /// Variant minus file in P50 bookings, with its 95% paired-bootstrap interval.
    pub p50_change_usd: Option<Estimate>,
    /// The change in words: "FY2028 P(hit plan) 41% -> 52% (+11 pts, 95% CI +9 to +13); P50 +$1.4M".
    pub sentence: Option<String>,
}

/// A chart drawn by the reports' code.
#[derive(Debug, Clone, Serialize)]
pub struct ChartSvg {
    /// File name in a run's `charts/`.
    pub name: String,
    /// Title.
    pub title: String,
    /// The SVG.
    pub svg: String,
}

/// The answer for one state of the page.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file, relative to the folder served.
    pub file: String,
    /// Trials run (of each of the file and the variant).
    pub trials: usize,
    /// Trials of the refined answer.
    pub full_trials: usize,
    /// Seed (the file's).
    pub seed: u64,
    /// Whether this is the first, smaller run.
    pub preliminary: bool,
    /// Whether the scenario asks for more trials than the server runs (`--max-trials`).
    pub capped: bool,
    /// The overrides applied, as `--set` takes them.
    pub sets: Vec<String>,
    /// The command line that gives the refined figures.
    pub command: String,
    /// Fiscal years, then the horizon.
    pub periods: Vec<Period>,
    /// Charts of the variant (of the file when nothing changed).
    pub charts: Vec<ChartSvg>,
    /// Plausibility warnings of the variant, as the command line prints them.
    pub warnings: Vec<String>,
    /// The controls' values in the file.
    pub controls: Vec<ControlValue>,
    /// The file's headcount plan, (month, seats), for the plan's pace controls.
    pub plan: Vec<(String, u32)>,
    /// Milliseconds spent.
    pub millis: u64,
}

/// What the page asks for.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    /// The scenario file (checked to lie in the folder served).
    pub path: &'a Path,
    /// Its name relative to the folder, for messages and commands.
    pub file: &'a str,
    /// `key=value` overrides, as `--set` takes them.
    pub sets: &'a [String],
    /// The trial count asked for (default: the scenario's), capped at `max_trials`.
    pub trials: Option<usize>,
    /// The most trials the server runs.
    pub max_trials: usize,
}

/// The controls' values in `s`, and its headcount plan as (month, seats).
pub fn controls(s: &Scenario) -> (Vec<ControlValue>, Vec<(String, u32)>) {
    let flat = s.flatten();
    let controls = CONTROLS
        .iter()
        .map(|(key, label)| ControlValue {
            key: (*key).into(),
            label: (*label).into(),
            value: flat
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .or_else(|| inline(&flat, key)),
        })
        .collect();
    let plan = s
        .raw
        .hiring
        .headcount_plan
        .iter()
        .map(|p| (p.get_ref().month.to_string(), p.get_ref().seats))
        .collect();
    (controls, plan)
}

/// The keys under `key` as one inline table (`{ won = 0.25, lost = 0.35 }`), set whole with
/// `--set key=...`; `None` when there are none or they nest deeper.
fn inline(flat: &[(String, String)], key: &str) -> Option<String> {
    let prefix = format!("{key}.");
    let parts: Vec<String> = flat
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(&prefix)?;
            Some(format!("{rest} = {v}"))
        })
        .collect();
    let flat_only = parts
        .iter()
        .all(|p| !p.split(" = ").next().unwrap_or("").contains(['.', '[']));
    (!parts.is_empty() && flat_only).then(|| format!("{{ {} }}", parts.join(", ")))
}

/// Loads the file and the variant, each error attributed to the override that causes it.
pub fn load(ask: &Ask<'_>) -> Result<(Scenario, Option<Scenario>), Failure> {
    let whole = |e: InputError| {
        Failure::Invalid(vec![FieldError {
            key: None,
            message: e.report(false),
        }])
    };
    let base = Scenario::load(ask.path).map_err(whole)?;
    if ask.sets.is_empty() {
        return Ok((base, None));
    }
    match Scenario::load_with(ask.path, ask.sets) {
        Ok(v) => Ok((base, Some(v))),
        Err(e) => {
            // Each override alone: the ones that fail get their own message beside their control.
            let mut errors: Vec<FieldError> = ask
                .sets
                .iter()
                .filter_map(|set| {
                    let e = Scenario::load_with(ask.path, std::slice::from_ref(set)).err()?;
                    Some(FieldError {
                        key: Some(
                            set.split_once('=')
                                .map_or(set.as_str(), |k| k.0)
                                .trim()
                                .into(),
                        ),
                        message: e.report(false),
                    })
                })
                .collect();
            if errors.is_empty() {
                errors.push(FieldError {
                    key: None,
                    message: e.report(false),
                });
            }
            Err(Failure::Invalid(errors))
        }
    }
}

/// The trial count of the refined answer, and whether the cap lowered it.
pub fn full_trials(s: &Scenario, ask: &Ask<'_>) -> Result<(usize, bool), Failure> {
    let wanted = ask
        .trials
        .unwrap_or(usize::try_from(s.trials).unwrap_or(usize::MAX));
    if wanted == 0 {
        return Err(Failure::Invalid(vec![FieldError {
            key: Some("simulation.trials".into()),
            message: InputError::file("--trials", "0 trials cannot give a distribution")
                .help("use at least 1")
                .report(false),
        }]));
    }
    Ok((wanted.min(ask.max_trials), wanted > ask.max_trials))
}

fn run(s: &Scenario, trials: usize, seed: u64, stop: &AtomicBool) -> Result<Results, Stopped> {
    let control = Control {
        progress: &|_| (),
        stop: Some(stop),
        exact_bytes: EXACT_BYTES,
    };
    crate::engine::simulate_with(s, 0..trials, seed, &control)
}

fn arm(label: &str, s: Scenario, results: Results) -> Arm {
    let summary = crate::summary::summarize(&s, &results, None);
    let monthly = crate::summary::monthly(&results);
    Arm {
        label: label.into(),
        scenario: s,
        results,
        summary,
        monthly,
    }
}

/// Runs the file (and the variant) for the page: `preliminary` runs at most
/// [`PRELIMINARY_TRIALS`]. Stops between blocks of trials once `stop` is set.
pub fn answer(
    ask: &Ask<'_>,
    preliminary: bool,
    cache: &Cache,
    stop: &AtomicBool,
) -> Result<Answer, Failure> {
    let started = std::time::Instant::now();
    let (base, variant) = load(ask)?;
    let shown = variant.as_ref().unwrap_or(&base);
    let (full, capped) = full_trials(shown, ask)?;
    let trials = if preliminary {
        full.min(PRELIMINARY_TRIALS)
    } else {
        full
    };
    let seed = base.seed;
    let warnings = variant.as_ref().map_or_else(Vec::new, |v| {
        let layers = crate::scenario::plausibility::layers(v, &[ask.sets.to_vec()]);
        crate::scenario::plausibility::check(v)
            .iter()
            .map(|w| crate::scenario::plausibility::render(w, &layers, &v.source, false))
            .collect()
    });
    let (controls, plan) = controls(&base);
    let name = base.name.clone();
    let file = cache.file_run(base, trials, seed, stop)?;
    let mut arms = vec![Arm::clone(&file)];
    drop(file);
    if let Some(v) = variant {
        let r = run(&v, trials, seed, stop)?;
        arms.push(arm("what-if", v, r));
    }
    let diffs = crate::compare::differences(&arms, seed);
    let periods = periods(&arms, &diffs);
    let last = arms.last().expect("the file's arm");
    let charts = crate::charts::run::charts(&crate::charts::run::RunData {
        scenario: &last.scenario,
        results: &last.results,
        summary: &last.summary,
        monthly: &last.monthly,
    })
    .into_iter()
    .filter(|c| {
        [
            "bookings-by-fiscal-year",
            "bookings-distribution",
            "cumulative-bookings-fan",
            "headcount-fan",
        ]
        .contains(&c.name.as_str())
    })
    .map(|c| ChartSvg {
        svg: c.svg(),
        name: c.name,
        title: c.title,
    })
    .collect();
    let mut command = format!(
        "revsim run {} --trials {full} --seed {seed}",
        crate::report::html::shell_word(ask.file)
    );
    for s in ask.sets {
        command.push_str(" --set ");
        command.push_str(&crate::report::html::shell_word(s));
    }
    Ok(Answer {
        scenario: name,
        file: ask.file.into(),
        trials,
        full_trials: full,
        seed,
        preliminary: trials < full,
        capped,
        sets: ask.sets.to_vec(),
        command,
        periods,
        charts,
        warnings,
        controls,
        plan,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// The `report.html` that `revsim run FILE --set ...` writes for the page's state, at the
/// refined trial count: written by the reports' own code into a scratch folder, read back, and
/// the folder removed.
pub fn report_html(ask: &Ask<'_>, stop: &AtomicBool) -> Result<String, Failure> {
    let (base, variant) = load(ask)?;
    let s = variant.unwrap_or(base);
    let (trials, _) = full_trials(&s, ask)?;
    let seed = s.seed;
    let started = std::time::Instant::now();
    let results = run(&s, trials, seed, stop)?;
    let calm = match s.leadership {
        Some(_) => {
            let mut c = s.clone();
            c.leadership = None;
            Some(run(&c, trials, seed, stop)?)
        }
        None => None,
    };
    let simulation_s = started.elapsed().as_secs_f64();
    let mut summary = crate::summary::summarize(&s, &results, calm.as_ref());
    let monthly = crate::summary::monthly(&results);
    summary.spread_by_layer = crate::layers::attribute(&s, &results, seed, &|_| ());
    let manifest = crate::report::Manifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        scenario: s.name.clone(),
        scenario_path: s.source.clone(),
        scenario_inherits: s.inherits.clone(),
        overrides: ask.sets.to_vec(),
        scenario_sha256: s.sha256.clone(),
        seed,
        trials,
        threads: rayon::current_num_threads(),
        wall_time_s: started.elapsed().as_secs_f64(),
        simulation_s: Some(simulation_s),
        detail: match s.detail {
            crate::scenario::raw::Detail::Full => "full",
            crate::scenario::raw::Detail::Bookings => "bookings",
        },
        sampling: s.sampling.name(),
        monthly_quantiles: crate::summary::monthly_method(&results),
        precision: None,
        shards: None,
        files: Vec::new(),
    };
    let scratch =
        std::env::temp_dir().join(format!("revsim-serve-report-{}", super::security::token()));
    let written = (|| {
        let dir = crate::report::OutputDir::prepare(&scratch, false)?;
        crate::report::write_run(
            &dir,
            &s,
            &results,
            calm.as_ref(),
            &summary,
            &monthly,
            &manifest,
        )?;
        std::fs::read_to_string(dir.path().join("report.html"))
            .map_err(|e| InputError::file("report.html", format!("cannot be read back: {e}")))
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    written.map_err(|e| {
        Failure::Invalid(vec![FieldError {
            key: None,
            message: e.report(false),
        }])
    })
}

/// The text of a scenario file that `extends` `file` with the overrides `sets` as its keys, and
/// gives the same numbers as `revsim run file --set ...`: where an override fixes a value the
/// file holds a belief about, the variant's uncertainty section replaces the file's whole.
pub fn extending(ask: &Ask<'_>, name: &str) -> Result<String, Failure> {
    let (base, variant) = load(ask)?;
    let Some(variant) = variant else {
        return Err(Failure::Invalid(vec![FieldError {
            key: None,
            message: InputError::file(ask.file, "nothing to save: the page changes no setting")
                .help("change a setting first; the saved file holds only the changes")
                .report(false),
        }]));
    };
    let mut text = format!(
        "# Saved from `revsim serve`: {} with {}.
",
        ask.file,
        crate::words::plural(ask.sets.len(), "change")
    );
    text.push_str(&format!(
        "extends = {}
",
        toml::Value::String(ask.file.into())
    ));
    let keys: Vec<&str> = ask
        .sets
        .iter()
        .filter_map(|s| s.split_once('=').map(|k| k.0.trim()))
        .collect();
    if !keys.contains(&"name") {
        text.push_str(&format!(
            "name = {}
",
            toml::Value::String(name.into())
        ));
    }
    if !keys.contains(&"description") {
        let d = format!("{} with {}", base.name, ask.sets.join(", "));
        text.push_str(&format!(
            "description = {}
",
            toml::Value::String(d)
        ));
    }
    let layer = crate::scenario::resolve::set_layer(ask.sets).map_err(|e| {
        Failure::Invalid(vec![FieldError {
            key: None,
            message: e.report(false),
        }])
    })?;
    text.push_str(&layer);
    let beliefs = |s: &Scenario| {
        toml::Value::try_from(&s.raw)
            .ok()
            .and_then(|v| v.get("uncertainty").cloned())
    };
    let (before, after) = (beliefs(&base), beliefs(&variant));
    if before != after {
        let after = after.unwrap_or(toml::Value::Table(toml::Table::new()));
        text.push_str(
            "# The changed settings are known, not uncertain: the beliefs about them are dropped.
",
        );
        text.push_str(&format!(
            "uncertainty = {after}
"
        ));
    }
    Ok(text)
}

fn periods(arms: &[Arm], diffs: &[Difference]) -> Vec<Period> {
    let a = &arms[0];
    let mut list: Vec<(Option<usize>, &PeriodSummary)> = a
        .summary
        .fiscal_years
        .iter()
        .enumerate()
        .map(|(i, p)| (Some(i), p))
        .collect();
    list.push((None, &a.summary.horizon));
    list.into_iter()
        .map(|(i, p)| {
            let b = arms.get(1);
            let vp = b.and_then(|b| period_of(&b.summary, &p.label));
            let diff = diffs.iter().find(|d| d.period == p.label);
            // Paired difference of the hit indicators, each against its own plan.
            let hit_change = match (b, vp) {
                (Some(b), Some((j, q))) => match (p.plan_bookings_usd, q.plan_bookings_usd) {
                    (Some(pa), Some(pb)) => Some(hit_difference(
                        &bookings(&a.results, i),
                        pa,
                        &bookings(&b.results, j),
                        pb,
                    )),
                    _ => None,
                },
                _ => None,
            };
            let variant = vp.map(|(_, q)| Figures::of(q));
            let p50 = diff.map(|d| d.p50_difference_usd);
            let sentence = variant.as_ref().map(|v| {
                sentence(
                    &p.label,
                    &Figures::of(p),
                    v,
                    hit_change.as_ref(),
                    p50.as_ref(),
                )
            });
            Period {
                label: p.label.clone(),
                months: p.months,
                plan_usd: p.plan_bookings_usd,
                file: Figures::of(p),
                variant,
                p_hit_plan_change: hit_change,
                p50_change_usd: p50,
                sentence,
            }
        })
        .collect()
}

fn period_of<'a>(s: &'a Summary, label: &str) -> Option<(Option<usize>, &'a PeriodSummary)> {
    if label == s.horizon.label {
        return Some((None, &s.horizon));
    }
    s.fiscal_years
        .iter()
        .enumerate()
        .find(|(_, f)| f.label == label)
        .map(|(i, f)| (Some(i), f))
}

/// Points of probability, signed, with `decimals`: 0.113 -> "+11".
fn points(v: f64, decimals: usize) -> String {
    let p = v * 100.0;
    let text = format!("{p:+.decimals$}");
    if text
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        format!("{:.decimals$}", 0.0)
    } else {
        text
    }
}

/// Decimals that tell the ends of an interval apart: one when it spans under 4 points.
fn point_decimals(d: &Estimate) -> usize {
    if d.ci95_high - d.ci95_low < 0.04 {
        1
    } else {
        0
    }
}

fn signed_usd(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", usd(v))
    } else if v < 0.0 {
        format!("-{}", usd(-v))
    } else {
        "$0".into()
    }
}

/// "FY2028 P(hit plan) 41% -> 52% (+11 pts, 95% CI +9 to +13); P50 +$1.40M (95% CI ...)".
pub fn sentence(
    label: &str,
    file: &Figures,
    variant: &Figures,
    hit: Option<&Estimate>,
    p50: Option<&Estimate>,
) -> String {
    let mut out = if label == "horizon" {
        "Horizon".to_string()
    } else {
        label.to_string()
    };
    if let (Some(a), Some(b), Some(d)) = (file.p_hit_plan, variant.p_hit_plan, hit) {
        let k = point_decimals(d);
        let ci = if d.ci95_low.is_finite() {
            format!(
                ", 95% CI {} to {}",
                points(d.ci95_low, k),
                points(d.ci95_high, k)
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            " P(hit plan) {} -> {} ({} pts{ci});",
            pct(a.p),
            pct(b.p),
            points(d.value, k)
        ));
    }
    if let Some(d) = p50 {
        out.push_str(&format!(" P50 {}", signed_usd(d.value)));
        if d.ci95_low.is_finite() {
            out.push_str(&format!(
                " (95% CI {} to {})",
                signed_usd(d.ci95_low),
                signed_usd(d.ci95_high)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_reads_as_the_issue_writes_it() {
        let f = |p: f64| Figures {
            p_hit_plan: Some(Probability {
                p,
                ci95_low: p - 0.01,
                ci95_high: p + 0.01,
            }),
            share_of_plan: None,
            p10_usd: 0.0,
            p50_usd: 0.0,
            p90_usd: 0.0,
        };
        let hit = Estimate {
            value: 0.11,
            ci95_low: 0.09,
            ci95_high: 0.13,
        };
        let p50 = Estimate {
            value: 1.4e6,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
        assert_eq!(
            sentence("FY2028", &f(0.41), &f(0.52), Some(&hit), Some(&p50)),
            "FY2028 P(hit plan) 41% -> 52% (+11 pts, 95% CI +9 to +13); P50 +$1.40M"
        );
        // A narrow interval keeps a decimal, so that its ends differ.
        let narrow = Estimate {
            value: 0.016,
            ci95_low: 0.014,
            ci95_high: 0.019,
        };
        assert_eq!(
            sentence("horizon", &f(0.44), &f(0.46), Some(&narrow), None),
            "Horizon P(hit plan) 44% -> 46% (+1.6 pts, 95% CI +1.4 to +1.9);"
        );
        assert_eq!(points(-0.0004, 1), "0.0");
    }
}
