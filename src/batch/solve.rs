//! Goal seek: the smallest (or largest) value of a setting that meets a target, found by
//! bisection over a grid of the setting's values, every run on common random numbers; with the
//! answer's range allowing for sampling error (from the ends of the 95% intervals), and the
//! search's table, chart and report page.
//!
//! The target is assumed monotone in the setting: the two ends of the range tell which way it
//! goes, and bisection finds where it starts (or stops) being met. Common random numbers keep
//! the estimates along the grid from jittering, so the boundary found is the effect of the
//! setting, not of sampling noise.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::runner::{Progress, Step, run_variants};
use super::sweep::BatchPlan;
use super::{
    Estimate, Param, QUANTITIES, Range, Staffing, Store, TARGET_STATS, Variant, metric_label,
    op_symbol, short_key,
};
use crate::charts::Scale;
use crate::charts::batch::{Band, sweep_chart};
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;
use crate::report::html::escape;
use crate::scenario::Scenario;
use crate::tables::{Column, Format, Table, Values};
use crate::words::{pct, usd};

/// A goal: `[PERIOD.]METRIC[.STAT] OP THRESHOLD`, on one period of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// The goal's left side as written (without spaces, in lower case): `fy2028.p_hit_plan`.
    pub name: String,
    /// The period: `horizon` or a fiscal-year label such as `FY2028`.
    pub period: String,
    /// The metric as a variant's result names it: `bookings_usd_p50`, `p_hit_plan`.
    pub metric: String,
    /// ">=", ">", "<=" or "<".
    pub op: String,
    /// The threshold.
    pub threshold: f64,
}

impl Target {
    /// Whether `v` meets the goal.
    pub fn met(&self, v: f64) -> bool {
        match self.op.as_str() {
            ">=" => v >= self.threshold,
            ">" => v > self.threshold,
            "<=" => v <= self.threshold,
            _ => v < self.threshold,
        }
    }

    /// The end of the interval that must meet the goal for it to be met with 95% confidence,
    /// and the end that meets it if anything does.
    fn ends(&self, e: Estimate) -> (f64, f64) {
        if self.op.starts_with('>') {
            (e.ci95_low, e.ci95_high)
        } else {
            (e.ci95_high, e.ci95_low)
        }
    }

    /// How values of the metric are shown.
    fn scale(&self) -> Scale {
        if self.metric == "p_hit_plan" {
            Scale::Share
        } else if self.metric.contains("usd") {
            Scale::Usd
        } else {
            Scale::Count
        }
    }

    /// A value of the metric as printed: `$95.0M`, `80%` or `48`.
    pub fn show(&self, v: f64) -> String {
        match self.scale() {
            Scale::Usd => usd(v),
            Scale::Share => pct(v),
            _ => crate::words::count(v),
        }
    }

    /// The goal as printed: `fy2028.p_hit_plan ≥ 80%`.
    pub fn goal(&self) -> String {
        format!(
            "{} {} {}",
            self.name,
            op_symbol(&self.op),
            self.show(self.threshold)
        )
    }

    /// The period as people read it: `FY2028`, or `the horizon`.
    pub fn period_words(&self) -> String {
        if self.period == "horizon" {
            "the horizon".into()
        } else {
            self.period.clone()
        }
    }
}

/// The periods a goal may name in a scenario: `horizon`, then each fiscal year (`fy2027`, ...).
pub fn periods_of(s: &Scenario) -> Vec<String> {
    std::iter::once("horizon".to_string())
        .chain(
            s.clock
                .fiscal_years
                .iter()
                .map(|f| f.label.to_ascii_lowercase()),
        )
        .collect()
}

/// The metrics a goal may name: every quantity of the batch results, and `p_hit_plan`.
fn target_metrics() -> Vec<&'static str> {
    QUANTITIES
        .iter()
        .map(|(q, _)| *q)
        .chain(["p_hit_plan"])
        .collect()
}

/// A number as people write it: `0.8`, `80%`, `95M`, `$1,200,000`, `250K`.
fn amount(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '$' | ',' | '_' | ' '))
        .collect();
    let (num, mul) = match t.chars().last()? {
        '%' => (&t[..t.len() - 1], 0.01),
        'k' | 'K' => (&t[..t.len() - 1], 1e3),
        'm' | 'M' => (&t[..t.len() - 1], 1e6),
        'b' | 'B' => (&t[..t.len() - 1], 1e9),
        _ => (t.as_str(), 1.0),
    };
    num.parse::<f64>()
        .ok()
        .map(|v| v * mul)
        .filter(|v| v.is_finite())
}

/// Parses `--target`: `[PERIOD.]METRIC[.STAT] OP VALUE`, where PERIOD is one of `periods`
/// (`horizon`, `fy2028`, ...; the horizon when left out), METRIC one of the quantities of
/// `summary.json` or `p_hit_plan`, STAT one of [`TARGET_STATS`] (none for `p_hit_plan`). The
/// sweep table's names (`bookings_usd_p50`) are read as the horizon's.
pub fn parse_target(spec: &str, periods: &[String]) -> Result<Target, InputError> {
    let metrics = target_metrics();
    let grammar = format!(
        "write [PERIOD.]METRIC[.STAT] OP VALUE, e.g. 'fy2028.p_hit_plan >= 80%' or 'fy2027.bookings_usd.p50 >= 30M'; periods: {}; metrics: {}; statistics: {} (none for p_hit_plan)",
        periods.join(", "),
        metrics.join(", "),
        TARGET_STATS.join(", ")
    );
    let bad = |msg: String| InputError::file("--target", msg).help(grammar.clone());
    let op = [">=", "<=", ">", "<"]
        .into_iter()
        .find(|op| spec.contains(op))
        .ok_or_else(|| bad(format!("`{spec}` has no comparison (>=, >, <=, <)")))?;
    let (lhs, value) = spec.split_once(op).expect("found above");
    let name: String = lhs
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let parts: Vec<&str> = name.split('.').collect();
    let is_quantity = |q: &str| QUANTITIES.iter().any(|(n, _)| *n == q);
    // The period comes first when the first part is not a metric.
    let (period, rest) = if parts.len() > 1 && !is_quantity(parts[0]) && parts[0] != "p_hit_plan" {
        if !periods.iter().any(|p| p == parts[0]) {
            let options: Vec<&str> = periods.iter().map(String::as_str).collect();
            let mut e = bad(format!(
                "`{}` is not a period of this scenario (periods: {})",
                parts[0],
                periods.join(", ")
            ));
            if let Some(s) = crate::diagnostic::did_you_mean(parts[0], &options) {
                e = e.help(format!("did you mean `{s}`?"));
            }
            return Err(e);
        }
        (parts[0].to_string(), &parts[1..])
    } else {
        ("horizon".to_string(), &parts[..])
    };
    let legacy = |m: &str| {
        m.rsplit_once('_')
            .is_some_and(|(q, st)| is_quantity(q) && TARGET_STATS.contains(&st))
    };
    if rest.len() > 2 {
        return Err(bad(format!("`{name}` has too many parts")));
    }
    let metric = match rest {
        ["p_hit_plan"] => "p_hit_plan".to_string(),
        ["p_hit_plan", stat] => {
            return Err(bad(format!(
                "p_hit_plan is a probability, with no statistic (`.{stat}`)"
            )));
        }
        [m] if legacy(m) => m.to_string(),
        [q] if is_quantity(q) => {
            return Err(bad(format!(
                "`{q}` needs a statistic (statistics: {})",
                TARGET_STATS.join(", ")
            ))
            .help(format!("for example {name}.p50")));
        }
        [q, stat] if is_quantity(q) => {
            if !TARGET_STATS.contains(stat) {
                let why = if matches!(*stat, "sd" | "min" | "max") {
                    " (goal seek searches on a statistic's 95% interval, which an extreme or a spread does not have here: aim at p5 or p95)"
                } else {
                    ""
                };
                let mut e = bad(format!(
                    "`{stat}` is not a statistic{why}; statistics: {}",
                    TARGET_STATS.join(", ")
                ));
                if let Some(s) = crate::diagnostic::did_you_mean(stat, &TARGET_STATS) {
                    e = e.help(format!("did you mean `{s}`?"));
                }
                return Err(e);
            }
            format!("{q}_{stat}")
        }
        [m, ..] => {
            let mut options = metrics.clone();
            let names = super::metric_names();
            options.extend(names.iter().map(String::as_str));
            let mut e = bad(format!(
                "`{m}` is not a metric (metrics: {})",
                metrics.join(", ")
            ));
            if let Some(s) = crate::diagnostic::did_you_mean(m, &options) {
                e = e.help(format!("did you mean `{s}`?"));
            }
            return Err(e);
        }
        [] => return Err(bad(format!("`{spec}` names no metric"))),
    };
    let threshold =
        amount(value).ok_or_else(|| bad(format!("`{}` is not a number", value.trim())))?;
    if metric == "p_hit_plan" && !(0.0..=1.0).contains(&threshold) {
        return Err(bad(format!(
            "P(hit plan) is a probability between 0 and 1, not {}",
            value.trim()
        ))
        .help(format!(
            "write it as a share or a percentage, e.g. {}%",
            value.trim()
        )));
    }
    let period = if period == "horizon" {
        period
    } else {
        period.to_ascii_uppercase()
    };
    Ok(Target {
        name,
        period,
        metric,
        op: op.to_string(),
        threshold,
    })
}

/// The searched key that shifts the headcount plan: every point's seats plus the value.
pub const PLAN_SHIFT: &str = "hiring.headcount_plan";

/// The searched key that scales the headcount plan: every point's seats times the value,
/// rounded to whole seats.
pub const PLAN_SCALE: &str = "hiring.headcount_plan.scale";

/// What a searched value sets.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    /// The key itself, to the value.
    Key,
    /// The headcount plan, with the value added to each point's seats ([`PLAN_SHIFT`]).
    PlanShift(Vec<(String, u32)>),
    /// The headcount plan, with each point's seats multiplied by the value ([`PLAN_SCALE`]).
    PlanScale(Vec<(String, u32)>),
}

/// The headcount plan `points` (month, seats) with each point's seats moved: `x` added
/// (`scale` false) or multiplied by `x` and rounded (`scale` true), never below 0; as the
/// TOML literal `--set hiring.headcount_plan=...` takes.
pub fn moved_plan(points: &[(String, u32)], x: f64, scale: bool) -> String {
    let moved: Vec<String> = points
        .iter()
        .map(|(month, seats)| {
            let s = f64::from(*seats);
            let v = if scale { s * x } else { s + x };
            format!(
                "{{ month = \"{month}\", seats = {} }}",
                v.round().max(0.0) as u64
            )
        })
        .collect();
    format!("[{}]", moved.join(", "))
}

/// A goal seek, checked and ready to run: the values it may try are `lo + i * step` for `i` in
/// `0..=n`.
#[derive(Debug, Clone)]
pub struct GoalSeek {
    /// The scenario file, as given.
    pub file: PathBuf,
    /// The `--set` overrides under every run.
    pub sets: Vec<String>,
    /// The goal.
    pub target: Target,
    /// The setting searched (dotted key, as given).
    pub key: String,
    /// What a value of it sets.
    pub setting: Setting,
    /// Its range, with the decimals its values are written with.
    pub range: Range,
    /// The grid step (the range's, or one unit of its last decimal).
    pub step: f64,
    /// Steps in the grid: the grid has `n + 1` values.
    pub n: usize,
    /// Seed shared by every run.
    pub seed: u64,
    /// Trials per run.
    pub trials: usize,
    /// Settings of the scenario that override the searched key over part of the target's
    /// period, in words (the search still runs).
    pub warnings: Vec<String>,
}

/// The month index of the last month of `period` in `s`.
fn last_month(s: &Scenario, period: &str) -> Option<usize> {
    if period == "horizon" {
        return Some(s.horizon() - 1);
    }
    s.clock
        .fiscal_years
        .iter()
        .find(|f| f.label == period)
        .map(|f| f.first_month + f.months - 1)
}

/// Settings of `base` that override the searched `key` before the end of the target period
/// (month `period_end`): an error when the search cannot move the period at all, warnings
/// when it moves only part of it.
fn overrides(
    base: &Scenario,
    key: &str,
    target: &Target,
    period_end: usize,
    plan: &[(String, u32)],
) -> Result<Vec<String>, InputError> {
    let start = base.clock.start;
    let month_of = |m: &crate::calendar::YearMonth| m.months_since(start);
    if key == "org.seats"
        && let Some(first) = base.raw.hiring.headcount_plan.first()
        && month_of(&first.get_ref().month) <= period_end as i32
    {
        let when = &plan[0].0;
        let period_start = if target.period == "horizon" {
            0
        } else {
            base.clock
                .fiscal_years
                .iter()
                .find(|f| f.label == target.period)
                .map_or(0, |f| f.first_month as i32)
        };
        let reach = if month_of(&first.get_ref().month) <= period_start {
            format!(
                "so org.seats sets none of the seats of {}",
                target.period_words()
            )
        } else {
            format!(
                "so org.seats sets only the months of {} before then",
                target.period_words()
            )
        };
        return Err(InputError::file(
            "--vary",
            format!(
                "hiring.headcount_plan overrides org.seats: it sets the seats from {when} on ({} points), {reach}",
                plan.len()
            ),
        )
        .help(format!(
            "search the plan instead: --vary {PLAN_SHIFT}=0..40 adds that many seats to every point of the plan ({PLAN_SCALE}=1.0..1.5 multiplies them); or drop the plan so that org.seats holds all along: --set '{PLAN_SHIFT}=[]'"
        )));
    }
    let mut warnings = Vec::new();
    let seats_keys = ["org.seats", PLAN_SHIFT, PLAN_SCALE];
    for e in &base.raw.events {
        let e = e.get_ref();
        let t = month_of(e.month.get_ref());
        if t > period_end as i32 {
            continue;
        }
        let Some(set) = &e.set else { continue };
        for k in set.get_ref().keys().map(|k| k.get_ref()) {
            let overrides = k == key || (k == "hiring.seats" && seats_keys.contains(&key));
            if overrides {
                warnings.push(format!(
                    "the [[events]] entry of {} sets {k} from that month on, overriding the searched {key} from then; the target's period, {}, ends in {}: the search moves only what happens before {}. To search {key} all along, remove that event",
                    e.month,
                    target.period_words(),
                    start.plus(period_end as i32),
                    e.month
                ));
            }
        }
    }
    Ok(warnings)
}

impl GoalSeek {
    /// Checks the goal against `base` (loaded from `file` with the overrides `sets`) and the
    /// range `vary` (`key=lo..hi[:step]`), and resolves both ends of the range, so that a
    /// mistake fails before anything runs. A searched key that another setting overrides over
    /// the whole target period is refused; over part of it, it is a warning.
    pub fn new(
        base: &Scenario,
        file: &Path,
        sets: &[String],
        target: Target,
        vary: &str,
        seed: u64,
        trials: usize,
    ) -> anyhow::Result<GoalSeek> {
        let Some(period_end) = last_month(base, &target.period) else {
            return Err(InputError::file(
                "--target",
                format!("the scenario has no period {}", target.period),
            )
            .help(format!("periods: {}", periods_of(base).join(", ")))
            .into());
        };
        if target.metric == "p_hit_plan" && base.plan_by_fiscal_year.is_none() {
            return Err(InputError::file(
                &base.source,
                "the target is P(hit plan), but the scenario has no [plan]",
            )
            .help("add [plan] fiscal_year_bookings_usd = [...], or aim at a bookings figure")
            .into());
        }
        let (key, range) = super::parse_solve_range(vary)?;
        let step = range
            .step
            .unwrap_or_else(|| 10f64.powi(-(range.decimals as i32)));
        let n = ((range.hi - range.lo) / step + 1e-9).floor() as usize;
        if (range.lo + n as f64 * step - range.hi).abs() > step * 1e-6 {
            return Err(InputError::file(
                "--vary",
                format!(
                    "{}..{} is not a whole number of steps of {step}",
                    range.literal(range.lo),
                    range.literal(range.hi)
                ),
            )
            .help(format!(
                "end the range on the grid, e.g. {key}={}..{}:{step}",
                range.literal(range.lo),
                range.literal(range.lo + (n + 1) as f64 * step)
            ))
            .into());
        }
        let plan: Vec<(String, u32)> = base
            .raw
            .hiring
            .headcount_plan
            .iter()
            .map(|p| (p.get_ref().month.to_string(), p.get_ref().seats))
            .collect();
        let setting = match key.as_str() {
            PLAN_SHIFT | PLAN_SCALE if plan.is_empty() => {
                return Err(InputError::file(
                    "--vary",
                    format!("{key} moves the headcount plan, but the scenario has none"),
                )
                .help("search the seats instead: --vary org.seats=LO..HI")
                .into());
            }
            PLAN_SHIFT if range.decimals > 0 => {
                return Err(InputError::file(
                    "--vary",
                    format!(
                        "{PLAN_SHIFT} adds whole seats to every point of the plan, not {}..{}",
                        range.literal(range.lo),
                        range.literal(range.hi)
                    ),
                )
                .help(format!(
                    "write whole seats, e.g. {PLAN_SHIFT}=0..40, or scale the plan: {PLAN_SCALE}=1.0..1.5"
                ))
                .into());
            }
            PLAN_SHIFT => Setting::PlanShift(plan.clone()),
            PLAN_SCALE => Setting::PlanScale(plan.clone()),
            _ => Setting::Key,
        };
        let warnings = overrides(base, &key, &target, period_end, &plan)?;
        let seek = GoalSeek {
            file: file.to_path_buf(),
            sets: sets.to_vec(),
            target,
            key,
            setting,
            range,
            step,
            n,
            seed,
            trials,
            warnings,
        };
        for i in [0, n] {
            super::plan(
                file,
                sets,
                vec![Variant {
                    name: seek.literal(i),
                    sets: seek.variant_sets(i),
                }],
                seed,
                trials,
            )?;
        }
        Ok(seek)
    }

    /// The overrides of grid value `i`, as (dotted key, TOML literal).
    pub fn variant_sets(&self, i: usize) -> Vec<(String, String)> {
        match &self.setting {
            Setting::Key => vec![(self.key.clone(), self.literal(i))],
            Setting::PlanShift(points) => vec![(
                PLAN_SHIFT.to_string(),
                moved_plan(points, self.value(i), false),
            )],
            Setting::PlanScale(points) => vec![(
                PLAN_SHIFT.to_string(),
                moved_plan(points, self.value(i), true),
            )],
        }
    }

    /// The grid's value `i` as the answer reads: `+12` seats at every point of the plan,
    /// `×1.20` the plan, or the value.
    pub fn shown(&self, i: usize) -> String {
        match self.setting {
            Setting::Key => self.literal(i),
            Setting::PlanShift(_) => format!("{:+}", self.value(i)),
            Setting::PlanScale(_) => format!("×{}", self.literal(i)),
        }
    }

    /// The grid's value `i`.
    pub fn value(&self, i: usize) -> f64 {
        self.range.at(self.range.lo + i as f64 * self.step)
    }

    /// The grid's value `i` as a literal, with the range's decimals (`50`, `0.30`).
    pub fn literal(&self, i: usize) -> String {
        self.range.literal(self.range.lo + i as f64 * self.step)
    }

    /// The grid as printed: `46..120 (step 1)`.
    fn grid(&self) -> String {
        format!(
            "{}..{} (step {})",
            self.literal(0),
            self.literal(self.n),
            self.range.literal(self.step)
        )
    }

    /// The goal seek's plan, for its output folder: the range, without variants (the search
    /// decides which values run).
    pub fn plan(&self) -> BatchPlan {
        let params = vec![Param {
            key: self.key.clone(),
            values: vec![self.literal(0), self.literal(self.n)],
        }];
        BatchPlan::new(
            "solve",
            &self.file,
            &self.sets,
            &[],
            params,
            self.seed,
            self.trials,
        )
    }

    /// Runs the search (on the current thread pool), reusing the runs `store` already holds.
    pub fn run(&self, store: &Store, progress: Progress<'_>) -> anyhow::Result<Solution> {
        let mut search = Search {
            seek: self,
            store,
            progress,
            cache: BTreeMap::new(),
        };
        let (lo, hi) = (search.eval(0)?, search.eval(self.n)?);
        let (lo_met, hi_met) = (self.target.met(lo.value), self.target.met(hi.value));
        let direction = match (lo_met, hi_met) {
            (false, true) => Some(Direction::Increasing),
            (true, false) => Some(Direction::Decreasing),
            (true, true) => Some(Direction::MetEverywhere),
            (false, false) => None,
        };
        // Search upwards unless the goal is met at the low end only.
        let up = !lo_met || hi_met;
        let (answer, conservative, optimistic) = if direction.is_some() {
            (
                search.find(up, Reading::Estimate)?,
                search.find(up, Reading::Pessimistic)?,
                search.find(up, Reading::Optimistic)?,
            )
        } else {
            (None, None, None)
        };
        let evaluations = search
            .cache
            .iter()
            .map(|(&index, &(estimate, staffing))| Evaluation {
                index,
                value: self.value(index),
                estimate,
                met: self.target.met(estimate.value),
                staffing,
            })
            .collect();
        Ok(Solution {
            direction,
            answer,
            conservative,
            optimistic,
            evaluations,
        })
    }
}

/// How the goal depends on the setting, as the two ends of the range tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Met from some value up.
    Increasing,
    /// Met up to some value.
    Decreasing,
    /// Met at both ends: the boundary lies outside the range.
    MetEverywhere,
}

/// Which reading of an estimate must meet the goal.
#[derive(Debug, Clone, Copy)]
enum Reading {
    /// The point estimate.
    Estimate,
    /// The end of the 95% interval least favourable to the goal.
    Pessimistic,
    /// The end most favourable to it.
    Optimistic,
}

/// One value the search tried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Its place in the grid.
    pub index: usize,
    /// The value.
    pub value: f64,
    /// The metric there, with its 95% interval.
    pub estimate: Estimate,
    /// Whether the estimate meets the target.
    pub met: bool,
    /// Reps in seat and ramped capacity over the target's period there.
    pub staffing: Option<Staffing>,
}

/// What a goal seek found. Answers are places in the grid ([`GoalSeek::value`] gives the
/// value).
#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// How the goal depends on the setting; `None` when neither end of the range meets it.
    pub direction: Option<Direction>,
    /// The boundary on the point estimates; `None` when no value in the range meets it.
    pub answer: Option<usize>,
    /// The boundary when the goal must hold at the pessimistic end of the 95% interval.
    pub conservative: Option<usize>,
    /// The boundary when the goal need hold only at the optimistic end.
    pub optimistic: Option<usize>,
    /// Every value tried, in grid order (the two ends among them).
    pub evaluations: Vec<Evaluation>,
}

/// The search's state: the runs made so far, by grid place.
struct Search<'a> {
    seek: &'a GoalSeek,
    store: &'a Store,
    progress: Progress<'a>,
    cache: BTreeMap<usize, (Estimate, Option<Staffing>)>,
}

impl Search<'_> {
    /// The metric at grid place `i`, running the variant unless it ran before.
    fn eval(&mut self, i: usize) -> anyhow::Result<Estimate> {
        if let Some((e, _)) = self.cache.get(&i) {
            return Ok(*e);
        }
        let seek = self.seek;
        let literal = seek.literal(i);
        let planned = super::plan(
            &seek.file,
            &seek.sets,
            vec![Variant {
                name: format!("{}={literal}", short_key(&seek.key)),
                sets: seek.variant_sets(i),
            }],
            seek.seed,
            seek.trials,
        )?;
        (self.progress.step)(Step::Trying {
            key: &seek.key,
            value: &literal,
        });
        run_variants(
            self.store,
            &planned,
            None,
            seek.seed,
            seek.trials,
            self.progress,
        )?;
        let r = self.store.get(&planned[0].key).expect("just written");
        let target = &seek.target;
        let period = r.periods.iter().find(|p| p.period == target.period);
        let Some((e, staffing)) =
            period.and_then(|p| p.get(&target.metric).map(|e| (e, p.staffing)))
        else {
            return Err(InputError::file(
                "--target",
                format!(
                    "at {}={literal} the scenario has no {} for {}",
                    seek.key,
                    target.metric,
                    target.period_words()
                ),
            )
            .help("search a range over which the scenario keeps that period (and its [plan])")
            .into());
        };
        self.cache.insert(i, (e, staffing));
        Ok(e)
    }

    /// The boundary where `reading` of the estimates meets the goal, searching upwards (the
    /// smallest value that meets it) or downwards (the largest); `None` when even the far end
    /// does not meet it.
    fn find(&mut self, up: bool, reading: Reading) -> anyhow::Result<Option<usize>> {
        let target = &self.seek.target;
        let n = self.seek.n;
        let holds = |e: Estimate| {
            target.met(match reading {
                Reading::Estimate => e.value,
                Reading::Pessimistic => target.ends(e).0,
                Reading::Optimistic => target.ends(e).1,
            })
        };
        let (at_end, other) = if up { (n, 0) } else { (0, n) };
        if !holds(self.eval(at_end)?) {
            return Ok(None);
        }
        if holds(self.eval(other)?) {
            return Ok(Some(other));
        }
        boundary(n, up, &mut |i| Ok(holds(self.eval(i)?))).map(Some)
    }
}

/// Bisection for the boundary of a monotone predicate on grid indices 0..=n: with `up`, the
/// smallest index where it holds (it holds at n); otherwise the largest (it holds at 0).
fn boundary(
    n: usize,
    up: bool,
    holds: &mut dyn FnMut(usize) -> anyhow::Result<bool>,
) -> anyhow::Result<usize> {
    let (mut fail, mut ok) = if up { (0usize, n) } else { (n, 0usize) };
    // Invariant: holds(ok), !holds(fail); they close in.
    while fail.abs_diff(ok) > 1 {
        let mid = (fail + ok) / 2;
        if holds(mid)? {
            ok = mid;
        } else {
            fail = mid;
        }
    }
    Ok(ok)
}

/// A goal seek that found no value in its range meeting the goal: the command fails with
/// [`NO_ANSWER_EXIT`] after writing its outputs and printing the closest value.
#[derive(Debug)]
pub struct NoAnswer(pub String);

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (exit code {NO_ANSWER_EXIT}: no answer in the range)",
            self.0
        )
    }
}

impl std::error::Error for NoAnswer {}

/// Exit code of a goal seek with no answer in its range.
pub const NO_ANSWER_EXIT: u8 = 3;

impl GoalSeek {
    /// The searched setting as the answer names it.
    fn what(&self) -> String {
        match self.setting {
            Setting::Key => self.key.clone(),
            Setting::PlanShift(_) => format!("{} (seats added to every point)", self.key),
            Setting::PlanScale(_) => format!("{} (every point's seats times it)", self.key),
        }
    }
}

impl Solution {
    /// The error a command returns when the search found no answer, `None` when it did.
    pub fn no_answer(&self, seek: &GoalSeek) -> Option<NoAnswer> {
        self.answer.is_none().then(|| {
            NoAnswer(format!(
                "no {} in {} meets {}",
                seek.key,
                seek.grid(),
                seek.target.goal()
            ))
        })
    }

    /// The answer in words: where the goal is met (and the range allowing for sampling error),
    /// that it holds everywhere, or the closest the range comes.
    pub fn describe(&self, seek: &GoalSeek) -> String {
        let (key, target) = (&seek.key, &seek.target);
        let (goal, grid) = (target.goal(), seek.grid());
        let lo = self.evaluations.first().expect("both ends ran");
        let hi = self.evaluations.last().expect("both ends ran");
        match (self.direction, self.answer) {
            (Some(Direction::MetEverywhere), Some(i)) => format!(
                "{goal} holds across the whole range {grid}, even at {key} = {} ({} = {}) and {} ({}): the boundary lies outside the range. Widen it to find where the goal stops being met.{}",
                seek.shown(0),
                target.name,
                target.show(lo.estimate.value),
                seek.shown(seek.n),
                target.show(hi.estimate.value),
                self.staffing_line(seek, i)
            ),
            (Some(d), Some(i)) => self.describe_answer(seek, d, i),
            _ => {
                let higher_is_better = target.op.starts_with('>');
                let best = if (lo.estimate.value > hi.estimate.value) == higher_is_better {
                    lo
                } else {
                    hi
                };
                format!(
                    "No {} in {grid} meets {goal}: the closest is {} = {} at {key} = {}. Widen the range or change another setting.{}{}",
                    seek.what(),
                    target.name,
                    target.show(best.estimate.value),
                    seek.shown(best.index),
                    self.staffing_line(seek, best.index),
                    self.hiring_limit(seek, lo, hi)
                )
            }
        }
    }

    /// When more seats barely add reps (seats searched from `lo` to `hi`), the sentence that
    /// says hiring limits the team; empty otherwise.
    fn hiring_limit(&self, seek: &GoalSeek, lo: &Evaluation, hi: &Evaluation) -> String {
        let seats = match seek.setting {
            Setting::PlanShift(_) => hi.value - lo.value,
            Setting::Key if seek.key == "org.seats" => hi.value - lo.value,
            _ => return String::new(),
        };
        let (Some(a), Some(b)) = (lo.staffing, hi.staffing) else {
            return String::new();
        };
        let reps = b.reps_in_seat - a.reps_in_seat;
        if seats <= 0.0 || reps >= 0.5 * seats {
            return String::new();
        }
        format!(
            "\n{} more seats add only {:.1} reps in seat in {}: hiring limits the team, not the seats (see hiring.recruiting_capacity_per_month and hiring.time_to_fill_months).",
            crate::words::count(seats),
            reps,
            seek.target.period_words()
        )
    }

    /// The answer `i` in people: reps in seat and ramped capacity over the target's period,
    /// as a line to append (empty when the stored result does not hold them).
    fn staffing_line(&self, seek: &GoalSeek, i: usize) -> String {
        let Some(st) = self
            .evaluations
            .iter()
            .find(|e| e.index == i)
            .and_then(|e| e.staffing)
        else {
            return String::new();
        };
        let when = if seek.target.period == "horizon" {
            "the horizon".to_string()
        } else {
            seek.target.period.clone()
        };
        let plan = match &seek.setting {
            Setting::Key => String::new(),
            Setting::PlanShift(points) | Setting::PlanScale(points) => {
                let scale = matches!(seek.setting, Setting::PlanScale(_));
                let x = seek.value(i);
                let moved: Vec<String> = points
                    .iter()
                    .enumerate()
                    .map(|(k, (month, seats))| {
                        let s = f64::from(*seats);
                        let v = if scale { s * x } else { s + x };
                        let unit = if k == 0 { " seats" } else { "" };
                        format!("{}{unit} from {month}", v.round().max(0.0))
                    })
                    .collect();
                format!(" (the plan: {})", moved.join(", "))
            }
        };
        format!(
            "\nAt {} = {}{plan}, {when} averages {:.1} reps in seat and {:.1} of ramped capacity (ramp-weighted reps) a month.",
            seek.key,
            seek.shown(i),
            st.reps_in_seat,
            st.ramped_reps
        )
    }

    /// The boundary `i` found going direction `d`, and where it lies allowing for sampling
    /// error.
    fn describe_answer(&self, seek: &GoalSeek, d: Direction, i: usize) -> String {
        let target = &seek.target;
        let fmt = |i: usize| seek.shown(i);
        let which = if d == Direction::Decreasing {
            "Largest"
        } else {
            "Smallest"
        };
        let e = self
            .evaluations
            .iter()
            .find(|e| e.index == i)
            .expect("the answer ran")
            .estimate;
        let range = match (self.optimistic, self.conservative) {
            (Some(o), Some(c)) if o == c => format!("the answer is {} either way", fmt(o)),
            (Some(o), Some(c)) => format!(
                "between {} and {} (at {} the target is met even at the pessimistic end of the 95% interval)",
                fmt(o.min(c)),
                fmt(o.max(c)),
                fmt(c)
            ),
            (Some(o), None) => format!(
                "{} {} it may be met, but nowhere in the range is it met at the pessimistic end of the 95% interval; widen the range or add trials",
                if d == Direction::Decreasing {
                    "up to"
                } else {
                    "from"
                },
                fmt(o)
            ),
            _ => "uncertain".into(),
        };
        format!(
            "{which} {} in {} that meets {}: {} ({} = {}, 95% CI {} to {}).\nAllowing for sampling error ({} trials): {range}.{}",
            seek.what(),
            seek.grid(),
            target.goal(),
            fmt(i),
            target.name,
            target.show(e.value),
            target.show(e.ci95_low),
            target.show(e.ci95_high),
            seek.trials,
            self.staffing_line(seek, i)
        )
    }
}

/// What `solve.json` holds.
#[derive(Debug, Serialize)]
struct SolutionFile<'a> {
    target: &'a Target,
    setting: &'a str,
    range: (f64, f64),
    step: f64,
    /// "increasing" (the goal is met from some value up) or "decreasing" (up to some value).
    direction: Option<&'static str>,
    /// The boundary value on the point estimates; `None` when no value in the range meets it.
    answer: Option<f64>,
    /// The boundary when the goal must hold at the pessimistic end of the 95% interval.
    answer_95_conservative: Option<f64>,
    /// The boundary when the goal need hold only at the optimistic end.
    answer_95_optimistic: Option<f64>,
    seed: u64,
    trials: usize,
    evaluations: Vec<EvaluationRow>,
}

/// One value tried, as `solve.json` lists it.
#[derive(Debug, Serialize)]
struct EvaluationRow {
    value: f64,
    estimate: f64,
    ci95_low: f64,
    ci95_high: f64,
    met: bool,
    /// Reps in seat over the target's period, averaged over its months.
    reps_in_seat: Option<f64>,
    /// Ramped capacity (ramp-weighted reps) over the target's period, averaged over its months.
    ramped_reps: Option<f64>,
}

impl<'a> SolutionFile<'a> {
    fn new(seek: &'a GoalSeek, s: &Solution) -> SolutionFile<'a> {
        SolutionFile {
            target: &seek.target,
            setting: &seek.key,
            range: (seek.range.lo, seek.range.hi),
            step: seek.step,
            direction: match s.direction {
                Some(Direction::Increasing) => Some("increasing"),
                Some(Direction::Decreasing) => Some("decreasing"),
                Some(Direction::MetEverywhere) | None => None,
            },
            answer: s.answer.map(|i| seek.value(i)),
            answer_95_conservative: s.conservative.map(|i| seek.value(i)),
            answer_95_optimistic: s.optimistic.map(|i| seek.value(i)),
            seed: seek.seed,
            trials: seek.trials,
            evaluations: s
                .evaluations
                .iter()
                .map(|e| EvaluationRow {
                    value: e.value,
                    estimate: e.estimate.value,
                    ci95_low: e.estimate.ci95_low,
                    ci95_high: e.estimate.ci95_high,
                    met: e.met,
                    reps_in_seat: e.staffing.map(|s| s.reps_in_seat),
                    ramped_reps: e.staffing.map(|s| s.ramped_reps),
                })
                .collect(),
        }
    }
}

/// The search as `solve.json` holds it, for `--format json`.
pub fn json(seek: &GoalSeek, s: &Solution) -> serde_json::Value {
    serde_json::to_value(SolutionFile::new(seek, s)).expect("a solution serializes")
}

/// Writes the search's outputs into `dir`: `solve.json`, `solve.csv`, `charts/solve.svg` (and
/// its PNG) and `report.html`.
pub fn write(dir: &OutputDir, seek: &GoalSeek, s: &Solution) -> anyhow::Result<()> {
    dir.write("solve.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &SolutionFile::new(seek, s))?;
        w.write_all(b"\n")
    })?;
    let table = table(seek, &s.evaluations);
    dir.write("solve.csv", |w| crate::tables::write_csv(&table, w))?;
    let parquet = crate::tables::parquet_bytes(&table)
        .map_err(|e| InputError::file("solve.parquet", format!("cannot encode: {e}")))?;
    dir.write("solve.parquet", |w| w.write_all(&parquet))?;
    let answer = answer_table(seek, s);
    let notes = vec![
        format!(
            "Goal seek on {}: {} by {} over {}, seed {}, {} trials a run.",
            seek.file.display(),
            seek.target.goal(),
            seek.key,
            seek.grid(),
            seek.seed,
            seek.trials
        ),
        "Search: every value tried, in order of the value. Answer: the boundary found, with the ends of its 95% interval.".to_string(),
    ];
    let xlsx = crate::tables::xlsx_book(
        &[
            crate::tables::Sheet {
                name: "Search",
                table: &table,
                row_formats: None,
            },
            crate::tables::Sheet {
                name: "Answer",
                table: &answer,
                row_formats: None,
            },
        ],
        "revsim solve",
        &notes,
    )
    .map_err(|e| InputError::file("solve.xlsx", format!("cannot encode: {e}")))?;
    dir.write("solve.xlsx", |w| w.write_all(&xlsx))?;
    let drawn = crate::report::write_charts(dir, vec![chart(seek, &s.evaluations)])?;
    let mut body = format!(
        "<h1>Goal seek on {}</h1>\n",
        escape(&seek.file.display().to_string())
    );
    for line in s.describe(seek).lines() {
        let _ = writeln!(body, "<p>{}</p>", escape(line));
    }
    let _ = writeln!(
        body,
        "<p>{} of {} trials each, on common random numbers (seed {}). Every point tried: <code>solve.csv</code> (typed: <code>solve.xlsx</code>, <code>solve.parquet</code>); the search: <code>solve.json</code>.</p>",
        crate::words::plural(s.evaluations.len(), "run"),
        seek.trials,
        seek.seed
    );
    for (c, svg) in &drawn {
        body.push_str(&crate::report::html::figure(c, svg));
    }
    let html = crate::report::html::page(&format!("Goal seek on {}", seek.file.display()), &body);
    dir.write("report.html", |w| w.write_all(html.as_bytes()))?;
    Ok(())
}

impl GoalSeek {
    /// Whether every value of the grid is a whole number (a count of seats, say).
    fn whole_grid(&self) -> bool {
        self.range.decimals == 0
    }

    /// A column of values of the grid: whole numbers when the grid is, else decimals; `None`
    /// (missing) where there is no value.
    fn grid_values(&self, v: impl Iterator<Item = Option<f64>>) -> Values {
        if self.whole_grid() {
            Values::Integer(v.map(|x| x.map(|x| x.round() as i64)).collect())
        } else {
            Values::Number(v.map(|x| x.unwrap_or(f64::NAN)).collect())
        }
    }
}

impl Target {
    /// How the metric's values are formatted in a table: dollars, a percentage or plain.
    fn format(&self) -> Format {
        match self.scale() {
            Scale::Usd => Format::Usd,
            Scale::Share => Format::Share,
            _ => Format::Plain,
        }
    }
}

/// Every value tried, with the metric and its interval: the setting as whole numbers when the
/// grid is whole, the metric in its own format (dollars, a percentage).
fn table(seek: &GoalSeek, evaluations: &[Evaluation]) -> Table {
    let num = |f: fn(&Evaluation) -> f64| Values::Number(evaluations.iter().map(f).collect());
    let col = |name: &str, description: &str, values: Values| Column {
        name: name.into(),
        format: Format::Plain,
        description: description.into(),
        values,
    };
    let metric = seek.target.format();
    let typed = |name: &str, description: &str, values: Values| Column {
        format: metric,
        ..col(name, description, values)
    };
    Table {
        columns: vec![
            col(
                &seek.key,
                "Value tried",
                seek.grid_values(evaluations.iter().map(|e| Some(e.value))),
            ),
            typed(
                &seek.target.name,
                "Estimate over the target's period",
                num(|e| e.estimate.value),
            ),
            typed(
                "ci95_low",
                "Lower end of its 95% interval",
                num(|e| e.estimate.ci95_low),
            ),
            typed(
                "ci95_high",
                "Upper end of its 95% interval",
                num(|e| e.estimate.ci95_high),
            ),
            col(
                "target_met",
                "Whether the estimate meets the target",
                Values::Text(evaluations.iter().map(|e| e.met.to_string()).collect()),
            ),
            col(
                "reps_in_seat",
                "Reps in seat over the target's period, averaged over its months",
                num(|e| e.staffing.map_or(f64::NAN, |s| s.reps_in_seat)),
            ),
            col(
                "ramped_reps",
                "Ramped capacity (ramp-weighted reps) over the target's period, averaged over its months",
                num(|e| e.staffing.map_or(f64::NAN, |s| s.ramped_reps)),
            ),
        ],
    }
}

/// The answer in one row (the `Answer` sheet of `solve.xlsx`): the goal, the setting and its
/// range, the boundary found and the ends of its 95% interval, with the reps in seat and the
/// ramped capacity there; values of the setting as whole numbers when the grid is whole.
fn answer_table(seek: &GoalSeek, s: &Solution) -> Table {
    let t = &seek.target;
    let text = |v: &str| Values::Text(vec![v.to_string()]);
    let col = |name: &str, format: Format, description: &str, values: Values| Column {
        name: name.into(),
        format,
        description: description.into(),
        values,
    };
    let at = |i: Option<usize>| seek.grid_values(std::iter::once(i.map(|i| seek.value(i))));
    let staffing = |f: fn(&Staffing) -> f64| {
        let found = s
            .answer
            .and_then(|i| s.evaluations.iter().find(|e| e.index == i))
            .and_then(|e| e.staffing);
        Values::Number(vec![found.as_ref().map_or(f64::NAN, f)])
    };
    let direction = match s.direction {
        Some(Direction::Increasing) => "increasing",
        Some(Direction::Decreasing) => "decreasing",
        Some(Direction::MetEverywhere) => "met everywhere",
        None => "",
    };
    Table {
        columns: vec![
            col("target", Format::Plain, "The goal as given", text(&t.name)),
            col(
                "period",
                Format::Plain,
                "\"horizon\" or the fiscal year the goal is on",
                text(&t.period),
            ),
            col(
                "metric",
                Format::Plain,
                "The metric and statistic",
                text(&t.metric),
            ),
            col("op", Format::Plain, ">=, >, <= or <", text(&t.op)),
            col(
                "threshold",
                t.format(),
                "The value the metric must reach",
                Values::Number(vec![t.threshold]),
            ),
            col(
                "setting",
                Format::Plain,
                "The setting searched",
                text(&seek.key),
            ),
            col(
                "range_low",
                Format::Plain,
                "Lowest value searched",
                at(Some(0)),
            ),
            col(
                "range_high",
                Format::Plain,
                "Highest value searched",
                at(Some(seek.n)),
            ),
            col(
                "direction",
                Format::Plain,
                "\"increasing\": the goal is met from the answer up; \"decreasing\": up to it; \"met everywhere\": at every value; empty when no value meets it",
                text(direction),
            ),
            col(
                "answer",
                Format::Plain,
                "The boundary on the point estimates; empty when no value in the range meets the goal",
                at(s.answer),
            ),
            col(
                "answer_95_conservative",
                Format::Plain,
                "The boundary where the pessimistic end of the 95% interval meets the goal",
                at(s.conservative),
            ),
            col(
                "answer_95_optimistic",
                Format::Plain,
                "The boundary where the optimistic end of the 95% interval meets the goal",
                at(s.optimistic),
            ),
            col(
                "reps_in_seat",
                Format::Plain,
                "Reps in seat at the answer over the target's period, averaged over its months",
                staffing(|x| x.reps_in_seat),
            ),
            col(
                "ramped_reps",
                Format::Plain,
                "Ramped capacity at the answer over the target's period, averaged over its months",
                staffing(|x| x.ramped_reps),
            ),
            col(
                "runs",
                Format::Count,
                "Values run",
                Values::Integer(vec![i64::try_from(s.evaluations.len()).ok()]),
            ),
            col(
                "trials",
                Format::Count,
                "Trials a run",
                Values::Integer(vec![i64::try_from(seek.trials).ok()]),
            ),
            col(
                "seed",
                Format::Plain,
                "Seed shared by every run",
                Values::Integer(vec![i64::try_from(seek.seed).ok()]),
            ),
        ],
    }
}

/// The metric against the setting at the points tried, with the target as a dashed line.
fn chart(seek: &GoalSeek, evaluations: &[Evaluation]) -> crate::charts::Chart {
    let (key, target) = (&seek.key, &seek.target);
    let mut title = metric_label(&target.metric);
    if target.period != "horizon" {
        title = format!(
            "{} in {}",
            title
                .trim_end_matches(" over the horizon")
                .trim_end_matches(" at the end"),
            target.period
        );
    }
    title[..1].make_ascii_uppercase();
    let pick = |f: fn(&Evaluation) -> f64| evaluations.iter().map(f).collect::<Vec<f64>>();
    let mut c = sweep_chart(
        &format!("{title} against {}", short_key(key)),
        &format!(
            "The points the search tried; the dashed line is the target ({} {}).",
            op_symbol(&target.op),
            target.show(target.threshold)
        ),
        (key, Scale::Count),
        (&target.name, target.scale()),
        "95% interval",
        &[Band {
            label: String::new(),
            x: pick(|e| e.value),
            low: pick(|e| e.estimate.ci95_low),
            mid: pick(|e| e.estimate.value),
            high: pick(|e| e.estimate.ci95_high),
        }],
        Some((
            target.threshold,
            &format!("Target {}", target.show(target.threshold)),
        )),
    );
    c.name = "solve".into();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reps in seat all year, no ramp or attrition, 2 opportunities a month each, every one
    /// won at $10,000 at once: a trial's bookings are $10,000 times a Poisson count of mean
    /// 24 per seat, so the P50 grows by about $240,000 a seat.
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
won = 1
lost = 0
no_decision = 0
"#;

    const TRIALS: usize = 400;

    fn seek(dir: &Path, target: &str, vary: &str) -> (GoalSeek, Solution) {
        let file = dir.join("org.toml");
        std::fs::write(&file, ORG).unwrap();
        let base = Scenario::load(&file).unwrap();
        let target = parse_target(target, &periods_of(&base)).unwrap();
        let seek = GoalSeek::new(&base, &file, &[], target, vary, 7, TRIALS).unwrap();
        let out = OutputDir::prepare(&dir.join("out"), false).unwrap();
        let store = Store::open(&out).unwrap();
        let solution = seek.run(&store, Progress::SILENT).unwrap();
        (seek, solution)
    }

    // $2.52M lies halfway between the expected P50 at 10 seats ($2.40M: a count of 240, sd
    // 15.5) and at 11 ($2.64M: 264, sd 16.2). A median of 400 trials has a standard error of
    // sqrt(pi / 2) * 16.2 / sqrt(400) = 1.0 count, and a Poisson median is within 1 of the
    // mean: 10 seats is at least 10 standard errors short of the target and 11 at least 10
    // over it, and the 95% intervals (about 2 counts each way) do not reach it either.
    const MIDWAY: &str = "2.52M";

    #[test]
    fn finds_the_fewest_seats_that_meet_a_bookings_median() {
        let dir = tempfile::tempdir().unwrap();
        let (seek, s) = seek(
            dir.path(),
            &format!("bookings_usd_p50 >= {MIDWAY}"),
            "org.seats=1..40",
        );
        assert_eq!(s.direction, Some(Direction::Increasing));
        let answer = s.answer.map(|i| seek.value(i));
        assert_eq!(answer, Some(11.0));
        assert_eq!(s.conservative, s.answer);
        assert_eq!(s.optimistic, s.answer);
        // Bisection: the two ends, then about log2(39) points, not the whole grid.
        assert!(s.evaluations.len() <= 2 + 6, "{}", s.evaluations.len());
        let met: Vec<(f64, bool)> = s.evaluations.iter().map(|e| (e.value, e.met)).collect();
        assert!(met.iter().all(|&(v, m)| m == (v >= 11.0)), "{met:?}");
        assert!(
            s.describe(&seek)
                .starts_with("Smallest org.seats in 1..40 (step 1)")
        );
    }

    #[test]
    fn finds_the_most_seats_that_stay_under_a_bookings_median() {
        let dir = tempfile::tempdir().unwrap();
        let (seek, s) = seek(
            dir.path(),
            &format!("bookings_usd_p50 <= {MIDWAY}"),
            "org.seats=1..40:3",
        );
        // The grid is 1, 4, ..., 40: the largest value at or under 10 seats is 10.
        assert_eq!(s.direction, Some(Direction::Decreasing));
        assert_eq!(s.answer.map(|i| seek.value(i)), Some(10.0));
    }

    #[test]
    fn reports_no_answer_when_the_range_cannot_meet_the_target() {
        let dir = tempfile::tempdir().unwrap();
        // 40 seats expect a P50 of $9.6M, far below $100M.
        let (seek, s) = seek(dir.path(), "bookings_usd_p50 >= 100M", "org.seats=1..40");
        assert_eq!(s.direction, None);
        assert_eq!((s.answer, s.conservative, s.optimistic), (None, None, None));
        // Only the two ends ran.
        let tried: Vec<f64> = s.evaluations.iter().map(|e| e.value).collect();
        assert_eq!(tried, [1.0, 40.0]);
        assert!(
            s.describe(&seek)
                .starts_with("No org.seats in 1..40 (step 1) meets")
        );
    }

    /// Like [`seek`], over `text` with `--set` overrides.
    fn seek_in(
        dir: &Path,
        text: &str,
        sets: &[&str],
        target: &str,
        vary: &str,
    ) -> anyhow::Result<(GoalSeek, Solution)> {
        let file = dir.join("org.toml");
        std::fs::write(&file, text).unwrap();
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let base = Scenario::load_with(&file, &sets).unwrap();
        let target = parse_target(target, &periods_of(&base))?;
        let seek = GoalSeek::new(&base, &file, &sets, target, vary, 7, TRIALS)?;
        let out = OutputDir::prepare(&dir.join("out"), false).unwrap();
        let store = Store::open(&out).unwrap();
        let solution = seek.run(&store, Progress::SILENT)?;
        Ok((seek, solution))
    }

    #[test]
    fn a_goal_aims_at_the_period_it_names() {
        // Two years of the stationary org: each fiscal year's P50 grows by $240,000 a seat (as
        // in MIDWAY's reasoning), the 24-month horizon's by $480,000 a seat.
        let two_years = ORG.replace("horizon_months = 12", "horizon_months = 24");
        let dir = tempfile::tempdir().unwrap();
        let (seek, s) = seek_in(
            dir.path(),
            &two_years,
            &[],
            &format!("fy2028.bookings_usd.p50 >= {MIDWAY}"),
            "org.seats=1..40",
        )
        .unwrap();
        assert_eq!(seek.target.period, "FY2028");
        assert_eq!(s.answer.map(|i| seek.value(i)), Some(11.0));
        // Every reading of the answer is FY2028's: 11 reps in seat all year, all ramped.
        let text = s.describe(&seek);
        assert!(text.contains("fy2028.bookings_usd.p50 ≥ $2.52M"), "{text}");
        assert!(
            text.contains(
                "At org.seats = 11, FY2028 averages 11.0 reps in seat and 11.0 of ramped capacity"
            ),
            "{text}"
        );
        // The horizon's P50 at 6 seats is $2.88M (288, sd 17), at 5 seats $2.40M: the same
        // threshold over the horizon needs 6 seats.
        let dir = tempfile::tempdir().unwrap();
        let (seek, s) = seek_in(
            dir.path(),
            &two_years,
            &[],
            &format!("horizon.bookings_usd.p50 >= {MIDWAY}"),
            "org.seats=1..40",
        )
        .unwrap();
        assert_eq!(s.answer.map(|i| seek.value(i)), Some(6.0));
    }

    /// The ORG with a plan that grows from 10 seats to 14 in April and 20 in October, every
    /// seat filled at once (no time to fill, no ramp).
    fn planned() -> String {
        ORG.replace("seats = 20", "seats = 10")
            + r#"
[hiring]
headcount_plan = [{ month = "2027-04", seats = 14 }, { month = "2027-10", seats = 20 }]
"#
    }

    #[test]
    fn a_searched_headcount_plan_moves_every_point() {
        let points = vec![("2027-04".to_string(), 14), ("2027-10".to_string(), 20)];
        assert_eq!(
            moved_plan(&points, 3.0, false),
            r#"[{ month = "2027-04", seats = 17 }, { month = "2027-10", seats = 23 }]"#
        );
        assert_eq!(
            moved_plan(&points, 1.5, true),
            r#"[{ month = "2027-04", seats = 21 }, { month = "2027-10", seats = 30 }]"#
        );
        assert_eq!(
            moved_plan(&points, -15.0, false),
            r#"[{ month = "2027-04", seats = 0 }, { month = "2027-10", seats = 5 }]"#
        );
        // Searching the plan: FY2027 has 10 seats for 3 months, 14 + k for 6 and 20 + k for 3,
        // so (30 + 84 + 60 + 9k) / 12 = 14.5 + 0.75k reps in seat on average, and its P50
        // grows by about $180,000 for each seat added to the plan. $3.96M needs 16.5 reps on
        // average: k = 3 (16.75 reps: $4.02M, against $3.84M at k = 2; a median of 400 trials
        // has a standard error of about 1.3 counts, so both are over 4 from the threshold).
        let dir = tempfile::tempdir().unwrap();
        let (seek, s) = seek_in(
            dir.path(),
            &planned(),
            &[],
            "fy2027.bookings_usd.p50 >= 3.96M",
            "hiring.headcount_plan=0..20",
        )
        .unwrap();
        assert_eq!(s.answer.map(|i| seek.value(i)), Some(3.0));
        let st = s.evaluations.iter().find(|e| e.value == 3.0).unwrap();
        let reps = st.staffing.unwrap().reps_in_seat;
        assert!((reps - 16.75).abs() < 1e-9, "{reps}");
        let text = s.describe(&seek);
        assert!(
            text.starts_with("Smallest hiring.headcount_plan (seats added to every point)"),
            "{text}"
        );
        assert!(text.contains(": +3 ("), "{text}");
        assert!(
            text.contains("(the plan: 17 seats from 2027-04, 23 from 2027-10)"),
            "{text}"
        );
        // Scaling: ×1.2 gives 17 and 24 seats, (30 + 102 + 72) / 12 = 17 reps ($4.08M); ×1.1
        // gives 15 and 22, 15.5 reps ($3.72M).
        let dir = tempfile::tempdir().unwrap();
        let (seek, s) = seek_in(
            dir.path(),
            &planned(),
            &[],
            "fy2027.bookings_usd.p50 >= 3.96M",
            "hiring.headcount_plan.scale=1.0..2.0:0.1",
        )
        .unwrap();
        assert_eq!(s.answer.map(|i| seek.value(i)), Some(1.2));
        // A shift must be whole seats; a scenario without a plan has nothing to move.
        let dir = tempfile::tempdir().unwrap();
        let e = seek_in(
            dir.path(),
            &planned(),
            &[],
            "bookings_usd_p50 >= 1M",
            "hiring.headcount_plan=0.5..2.5",
        );
        assert!(e.is_err());
        let e = seek_in(
            dir.path(),
            ORG,
            &[],
            "bookings_usd_p50 >= 1M",
            "hiring.headcount_plan=0..20",
        )
        .unwrap_err();
        assert!(e.to_string().contains("has none"), "{e}");
    }

    #[test]
    fn a_searched_key_that_another_setting_overrides_is_refused_or_warned() {
        let dir = tempfile::tempdir().unwrap();
        // The plan sets the seats from April 2027: org.seats cannot move FY2027's last 9
        // months, and is refused, naming the overriding key and both fixes.
        let e = seek_in(
            dir.path(),
            &planned(),
            &[],
            "fy2027.bookings_usd.p50 >= 3M",
            "org.seats=1..40",
        )
        .unwrap_err();
        let e = e.downcast::<InputError>().unwrap();
        let text = format!("{} {:?}", e.message, e.help);
        assert!(
            text.contains("hiring.headcount_plan overrides org.seats"),
            "{text}"
        );
        assert!(
            text.contains("--vary hiring.headcount_plan=0..40"),
            "{text}"
        );
        assert!(text.contains("--set 'hiring.headcount_plan=[]'"), "{text}");
        // Without the plan the same search runs.
        let dir = tempfile::tempdir().unwrap();
        assert!(
            seek_in(
                dir.path(),
                &planned(),
                &["hiring.headcount_plan=[]"],
                "fy2027.bookings_usd.p50 >= 3M",
                "org.seats=1..40",
            )
            .is_ok()
        );
        // An event that sets the searched key inside the period is a warning that names it.
        let dir = tempfile::tempdir().unwrap();
        let with_event = ORG.to_string()
            + r#"
[[events]]
month = "2027-07"
set = { "pipeline.opportunities_per_rep_month" = 3.0 }
"#;
        let (seek, _) = seek_in(
            dir.path(),
            &with_event,
            &[],
            "bookings_usd_p50 >= 1M",
            "pipeline.opportunities_per_rep_month=1..4",
        )
        .unwrap();
        assert_eq!(seek.warnings.len(), 1, "{:?}", seek.warnings);
        assert!(
            seek.warnings[0]
                .contains("[[events]] entry of 2027-07 sets pipeline.opportunities_per_rep_month"),
            "{:?}",
            seek.warnings
        );
        // No warning for a key the event leaves alone.
        let dir = tempfile::tempdir().unwrap();
        let (seek, _) = seek_in(
            dir.path(),
            &with_event,
            &[],
            "bookings_usd_p50 >= 1M",
            "org.seats=1..40",
        )
        .unwrap();
        assert!(seek.warnings.is_empty(), "{:?}", seek.warnings);
    }

    #[test]
    fn targets_name_a_period_a_metric_and_a_statistic() {
        let periods: Vec<String> = ["horizon", "fy2027", "fy2028"].map(String::from).to_vec();
        let t = parse_target("fy2028.p_hit_plan >= 80%", &periods).unwrap();
        assert_eq!(
            (t.period.as_str(), t.metric.as_str(), t.threshold),
            ("FY2028", "p_hit_plan", 0.8)
        );
        let t = parse_target("FY2027.bookings_usd.p50 >= 30M", &periods).unwrap();
        assert_eq!(
            (t.period.as_str(), t.metric.as_str()),
            ("FY2027", "bookings_usd_p50")
        );
        assert_eq!(t.name, "fy2027.bookings_usd.p50");
        let t = parse_target("horizon.ending_arr_usd.p10 >= 150M", &periods).unwrap();
        assert_eq!(
            (t.period.as_str(), t.metric.as_str()),
            ("horizon", "ending_arr_usd_p10")
        );
        let t = parse_target("hires.p95 <= 40", &periods).unwrap();
        assert_eq!(
            (t.period.as_str(), t.metric.as_str()),
            ("horizon", "hires_p95")
        );
        let t = parse_target("fy2027.ending_headcount_p25 >= 40", &periods).unwrap();
        assert_eq!(t.metric, "ending_headcount_p25");
        // A wrong name lists what is valid.
        let err = |spec: &str| {
            let e = parse_target(spec, &periods).unwrap_err();
            format!("{} {:?}", e.message, e.help)
        };
        let e = err("fy2030.p_hit_plan >= 80%");
        assert!(
            e.contains("`fy2030` is not a period") && e.contains("horizon, fy2027, fy2028"),
            "{e}"
        );
        let e = err("fy2028.bookings.p50 >= 1M");
        assert!(
            e.contains("`bookings` is not a metric")
                && e.contains(
                    "bookings_usd, ending_arr_usd, ending_headcount, hires, departures, p_hit_plan"
                ),
            "{e}"
        );
        let e = err("fy2028.bookings_usd.p49 >= 1M");
        assert!(
            e.contains("`p49` is not a statistic")
                && e.contains("mean, p5, p10, p25, p50, p75, p90, p95"),
            "{e}"
        );
        assert!(err("bookings_usd.max >= 1M").contains("aim at p5 or p95"));
        assert!(err("fy2028.bookings_usd >= 1M").contains("needs a statistic"));
        assert!(err("fy2028.p_hit_plan.p50 >= 0.5").contains("no statistic"));
        assert!(err("fy2028.bookings_usd.p50.x >= 1").contains("too many parts"));
    }

    #[test]
    fn targets_parse_as_people_write_them() {
        let parse = |spec: &str| parse_target(spec, &["horizon".to_string()]);
        let t = parse("bookings_usd_p50 >= 95M").unwrap();
        assert_eq!((t.op.as_str(), t.threshold), (">=", 95e6));
        assert_eq!(parse("p_hit_plan>80%").unwrap().threshold, 0.8);
        assert_eq!(parse("hires_p50 <= $1,200").unwrap().threshold, 1200.0);
        assert!(parse("p_hit_plan >= 80").is_err());
        assert!(parse("bookings_p50 >= 1").is_err());
        assert!(parse("bookings_usd_p50 = 1").is_err());
        assert!(t.met(95e6) && !t.met(94e6));
    }
}
