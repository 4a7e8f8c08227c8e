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
use super::{Estimate, Param, Range, Store, Variant, metric_label, op_symbol, short_key};
use crate::charts::Scale;
use crate::charts::batch::{Band, sweep_chart};
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;
use crate::report::html::escape;
use crate::scenario::Scenario;
use crate::tables::{Column, Format, Table, Values};
use crate::words::{pct, usd};

/// A goal: `metric op threshold`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Metric name (a column of the sweep table, over the horizon).
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

    /// The goal as printed: `bookings_usd_p50 ≥ $95.0M`.
    pub fn goal(&self) -> String {
        format!(
            "{} {} {}",
            self.metric,
            op_symbol(&self.op),
            self.show(self.threshold)
        )
    }
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

/// Parses `--target 'p_hit_plan >= 0.8'`.
pub fn parse_target(spec: &str) -> Result<Target, InputError> {
    let names = super::metric_names();
    let bad = |msg: String| {
        InputError::file("--target", msg).help(format!(
            "write METRIC OP VALUE, e.g. 'p_hit_plan >= 0.8' or 'bookings_usd_p50 >= 95M'; metrics: {}",
            names.join(", ")
        ))
    };
    let op = [">=", "<=", ">", "<"]
        .into_iter()
        .find(|op| spec.contains(op))
        .ok_or_else(|| bad(format!("`{spec}` has no comparison (>=, >, <=, <)")))?;
    let (metric, value) = spec.split_once(op).expect("found above");
    let metric = metric.trim();
    if !names.iter().any(|n| n == metric) {
        let options: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut e = bad(format!("`{metric}` is not a metric"));
        if let Some(s) = crate::diagnostic::did_you_mean(metric, &options) {
            e = e.help(format!("did you mean `{s}`?"));
        }
        return Err(e);
    }
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
    Ok(Target {
        metric: metric.to_string(),
        op: op.to_string(),
        threshold,
    })
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
    /// The setting searched (dotted key).
    pub key: String,
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
}

impl GoalSeek {
    /// Checks the goal against `base` (loaded from `file` with the overrides `sets`) and the
    /// range `vary` (`key=lo..hi[:step]`), and resolves both ends of the range, so that a
    /// mistake fails before anything runs.
    pub fn new(
        base: &Scenario,
        file: &Path,
        sets: &[String],
        target: Target,
        vary: &str,
        seed: u64,
        trials: usize,
    ) -> anyhow::Result<GoalSeek> {
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
        let seek = GoalSeek {
            file: file.to_path_buf(),
            sets: sets.to_vec(),
            target,
            key,
            range,
            step,
            n,
            seed,
            trials,
        };
        for i in [0, n] {
            super::plan(
                file,
                sets,
                vec![Variant {
                    name: seek.literal(i),
                    sets: vec![(seek.key.clone(), seek.literal(i))],
                }],
                seed,
                trials,
            )?;
        }
        Ok(seek)
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
            .map(|(&index, &estimate)| Evaluation {
                index,
                value: self.value(index),
                estimate,
                met: self.target.met(estimate.value),
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
    cache: BTreeMap<usize, Estimate>,
}

impl Search<'_> {
    /// The metric at grid place `i`, running the variant unless it ran before.
    fn eval(&mut self, i: usize) -> anyhow::Result<Estimate> {
        if let Some(e) = self.cache.get(&i) {
            return Ok(*e);
        }
        let seek = self.seek;
        let literal = seek.literal(i);
        let planned = super::plan(
            &seek.file,
            &seek.sets,
            vec![Variant {
                name: format!("{}={literal}", short_key(&seek.key)),
                sets: vec![(seek.key.clone(), literal.clone())],
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
        let e = r.periods[0]
            .get(&seek.target.metric)
            .expect("metric checked");
        self.cache.insert(i, e);
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

impl Solution {
    /// The answer in words: where the goal is met (and the range allowing for sampling error),
    /// that it holds everywhere, or the closest the range comes.
    pub fn describe(&self, seek: &GoalSeek) -> String {
        let (key, target) = (&seek.key, &seek.target);
        let (goal, grid) = (target.goal(), seek.grid());
        let lo = self.evaluations.first().expect("both ends ran");
        let hi = self.evaluations.last().expect("both ends ran");
        match (self.direction, self.answer) {
            (Some(Direction::MetEverywhere), _) => format!(
                "{goal} holds across the whole range {grid}, even at {key} = {} ({} = {}) and {} ({}): the boundary lies outside the range. Widen it to find where the goal stops being met.",
                seek.literal(0),
                target.metric,
                target.show(lo.estimate.value),
                seek.literal(seek.n),
                target.show(hi.estimate.value)
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
                    "No {key} in {grid} meets {goal}: the closest is {} = {} at {key} = {}. Widen the range or change another setting.",
                    target.metric,
                    target.show(best.estimate.value),
                    seek.literal(best.index)
                )
            }
        }
    }

    /// The boundary `i` found going direction `d`, and where it lies allowing for sampling
    /// error.
    fn describe_answer(&self, seek: &GoalSeek, d: Direction, i: usize) -> String {
        let (key, target) = (&seek.key, &seek.target);
        let fmt = |i: usize| seek.literal(i);
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
            "{which} {key} in {} that meets {}: {} ({} = {}, 95% CI {} to {}).\nAllowing for sampling error ({} trials): {range}.",
            seek.grid(),
            target.goal(),
            fmt(i),
            target.metric,
            target.show(e.value),
            target.show(e.ci95_low),
            target.show(e.ci95_high),
            seek.trials
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
                })
                .collect(),
        }
    }
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
        "<p>{} of {} trials each, on common random numbers (seed {}). Every point tried: <code>solve.csv</code>; the search: <code>solve.json</code>.</p>",
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

/// Every value tried, with the metric and its interval.
fn table(seek: &GoalSeek, evaluations: &[Evaluation]) -> Table {
    let num = |f: fn(&Evaluation) -> f64| Values::Number(evaluations.iter().map(f).collect());
    let col = |name: &str, description: &str, values: Values| Column {
        name: name.into(),
        format: Format::Plain,
        description: description.into(),
        values,
    };
    Table {
        columns: vec![
            col(&seek.key, "Value tried", num(|e| e.value)),
            col(
                &seek.target.metric,
                "Estimate over the horizon",
                num(|e| e.estimate.value),
            ),
            col(
                "ci95_low",
                "Lower end of its 95% interval",
                num(|e| e.estimate.ci95_low),
            ),
            col(
                "ci95_high",
                "Upper end of its 95% interval",
                num(|e| e.estimate.ci95_high),
            ),
            col(
                "target_met",
                "Whether the estimate meets the target",
                Values::Text(evaluations.iter().map(|e| e.met.to_string()).collect()),
            ),
        ],
    }
}

/// The metric against the setting at the points tried, with the target as a dashed line.
fn chart(seek: &GoalSeek, evaluations: &[Evaluation]) -> crate::charts::Chart {
    let (key, target) = (&seek.key, &seek.target);
    let mut title = metric_label(&target.metric);
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
        (&target.metric, target.scale()),
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
        let target = parse_target(target).unwrap();
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

    #[test]
    fn targets_parse_as_people_write_them() {
        let t = parse_target("bookings_usd_p50 >= 95M").unwrap();
        assert_eq!((t.op.as_str(), t.threshold), (">=", 95e6));
        assert_eq!(parse_target("p_hit_plan>80%").unwrap().threshold, 0.8);
        assert_eq!(
            parse_target("hires_p50 <= $1,200").unwrap().threshold,
            1200.0
        );
        assert!(parse_target("p_hit_plan >= 80").is_err());
        assert!(parse_target("bookings_p50 >= 1").is_err());
        assert!(parse_target("bookings_usd_p50 = 1").is_err());
        assert!(t.met(95e6) && !t.met(94e6));
    }
}
