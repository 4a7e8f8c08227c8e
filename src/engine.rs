//! Trials -> rayon -> results.
//!
//! Trials are cut into fixed blocks of [`BLOCK`] trials; each block writes into its own slice of
//! the result buffers with a per-thread [`Workspace`]. A trial's numbers depend only on
//! (scenario, seed, trial index) through its keyed streams, so the results are byte-identical
//! for any thread count and any scheduling order.
//!
//! Memory: every trial keeps its headline figures (a few hundred bytes). Its monthly figures
//! are kept as well while the whole run's take at most [`EXACT_BYTES`]; a larger run is
//! simulated in chunks, each chunk's monthly figures folded into a [`MonthlySketch`] and
//! dropped, so memory stays flat in the trial count (see [`crate::sketch`] for the error bound).

pub mod cost;

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::model::{
    FiscalYearOutcome, Layout, Metric, TrialOut, TrialTotals, Workspace, run_trial,
};
use crate::scenario::Scenario;
use crate::sketch::{EXACT_BYTES, MonthlySketch};

/// Trials per parallel block.
pub const BLOCK: usize = 64;

/// The monthly figures of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Monthly {
    /// Every trial's figures, `trial * stride + slot * horizon + month` (f32), each metric in
    /// the slot the run's [`Layout`] gives it.
    Exact(Vec<f32>),
    /// Too many trials to keep: a sketch per recorded (metric, month) cell, in the same order.
    Sketch(MonthlySketch),
}

/// Everything a run produced, trial by trial.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Results {
    /// Index of the first trial held (0 unless this is one shard of a larger run).
    pub first_trial: usize,
    /// Number of trials.
    pub trials: usize,
    /// Months per trial.
    pub horizon: usize,
    /// Fiscal years per trial.
    pub fiscal_years: usize,
    /// Seed used.
    pub seed: u64,
    /// Which metrics the monthly figures hold, and where.
    pub layout: Layout,
    /// Monthly metrics: every trial's, or their sketches for a large run.
    pub monthly: Monthly,
    /// Fiscal-year outcomes, `trial * fiscal_years + fy`.
    pub fy: Vec<FiscalYearOutcome>,
    /// Horizon totals per trial.
    pub totals: Vec<TrialTotals>,
    /// Each trial's draws of the uncertain parameters and shocks, `trial * per_trial + k`,
    /// named by [`crate::model::trial::draw_columns`].
    pub draws: Vec<f64>,
    /// Completed VP tenures over all trials: `[months] = count`.
    pub vp_tenure_completed: Vec<u64>,
    /// Tenures of the VPs in seat at the end of the horizon: `[months] = count`.
    pub vp_tenure_running: Vec<u64>,
    /// Quota attainment of reps in seat at fiscal-year end, in whole percent (the last bin is
    /// 300% or more): `[fy * ATTAINMENT_BINS + percent] = count`.
    pub attainment: Vec<u64>,
}

/// Whether a run of `trials` trials of `horizon` months keeps every trial's monthly figures.
pub fn keeps_every_trial(trials: usize, horizon: usize) -> bool {
    fits(trials, horizon, EXACT_BYTES)
}

/// Whether the records fit in `budget`, counted as if every metric were recorded: which runs
/// keep every trial's months (and so which quantiles are exact) does not depend on the
/// scenario's [`Layout`]; a layout that records fewer metrics only takes less memory.
fn fits(trials: usize, horizon: usize, budget: usize) -> bool {
    trials.saturating_mul(budgeted_bytes(horizon)) <= budget
}

/// The bytes a trial's record of `horizon` months counts against the budget: every metric's.
fn budgeted_bytes(horizon: usize) -> usize {
    Metric::COUNT * horizon * 4
}

/// The run was stopped before it finished (see [`Control::stop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped before the run finished")
    }
}

impl std::error::Error for Stopped {}

/// How a caller follows and steers a run.
pub struct Control<'a> {
    /// Called with the number of trials finished in each block, from worker threads.
    pub progress: &'a (dyn Fn(usize) + Sync),
    /// When set, the run stops at the next block and returns [`Stopped`].
    pub stop: Option<&'a AtomicBool>,
    /// Bytes of per-trial monthly figures a run may keep ([`EXACT_BYTES`]; smaller only in
    /// tests, which exercise the sketches on small runs).
    pub exact_bytes: usize,
}

impl Results {
    /// Floats per trial in the monthly records.
    pub fn stride(&self) -> usize {
        self.layout.stride(self.horizon)
    }

    /// The value of `metric` in `month` of `trial` (NaN for a metric the scenario does not
    /// define). Only runs that keep every trial's monthly figures have it (see
    /// [`keeps_every_trial`]); panics otherwise.
    pub fn monthly_value(&self, trial: usize, metric: Metric, month: usize) -> f32 {
        let Some(slot) = self.layout.slot(metric) else {
            return f32::NAN;
        };
        match &self.monthly {
            Monthly::Exact(v) => v[trial * self.stride() + slot * self.horizon + month],
            Monthly::Sketch(_) => panic!(
                "a run of {} trials keeps monthly sketches, not each trial's months",
                self.trials
            ),
        }
    }

    /// The fiscal-year outcomes of `trial`.
    pub fn trial_fiscal_years(&self, trial: usize) -> &[FiscalYearOutcome] {
        &self.fy[trial * self.fiscal_years..(trial + 1) * self.fiscal_years]
    }

    /// Appends `next`, the trials that follow these ones (same scenario and seed): the result
    /// equals one run of both ranges (monthly figures become sketches when the combined run is
    /// too large to keep them, exactly as one run of that size would). Fails when `next` does
    /// not start where these trials end.
    pub fn append(&mut self, next: Results) -> Result<(), String> {
        if next.first_trial != self.first_trial + self.trials
            || next.seed != self.seed
            || next.horizon != self.horizon
            || next.layout != self.layout
            || next.fiscal_years != self.fiscal_years
            || next.vp_tenure_completed.len() != self.vp_tenure_completed.len()
            || next.attainment.len() != self.attainment.len()
        {
            return Err(format!(
                "trials {}..{} (seed {}) do not follow trials {}..{} (seed {}) of the same scenario",
                next.first_trial,
                next.first_trial + next.trials,
                next.seed,
                self.first_trial,
                self.first_trial + self.trials,
                self.seed
            ));
        }
        let stride = self.stride();
        let total = self.trials + next.trials;
        let mine = std::mem::replace(&mut self.monthly, Monthly::Exact(Vec::new()));
        self.monthly = match (mine, next.monthly) {
            (Monthly::Exact(mut a), Monthly::Exact(b))
                if keeps_every_trial(total, self.horizon) =>
            {
                a.extend(b);
                Monthly::Exact(a)
            }
            (a, b) => {
                let mut sketch = into_sketch(a, self.trials, stride);
                sketch.merge(&into_sketch(b, next.trials, stride));
                Monthly::Sketch(sketch)
            }
        };
        self.trials = total;
        self.fy.extend(next.fy);
        self.totals.extend(next.totals);
        self.draws.extend(next.draws);
        add(&mut self.vp_tenure_completed, &next.vp_tenure_completed);
        add(&mut self.vp_tenure_running, &next.vp_tenure_running);
        add(&mut self.attainment, &next.attainment);
        Ok(())
    }
}

impl Results {
    /// The same results with the monthly figures as sketches (as a run too large to keep them
    /// would hold them).
    pub fn sketched(mut self) -> Results {
        let m = std::mem::replace(&mut self.monthly, Monthly::Exact(Vec::new()));
        self.monthly = Monthly::Sketch(into_sketch(m, self.trials, self.stride()));
        self
    }
}

fn into_sketch(m: Monthly, trials: usize, stride: usize) -> MonthlySketch {
    match m {
        Monthly::Sketch(s) => s,
        Monthly::Exact(v) => {
            let mut s = MonthlySketch::new(stride);
            s.add_records(&v, trials, stride);
            s
        }
    }
}

fn add(into: &mut [u64], from: &[u64]) {
    into.iter_mut().zip(from).for_each(|(x, y)| *x += y);
}

/// Runs `trials` trials of `s` with `seed`. `progress` is called with the number of trials
/// finished in each block, from worker threads.
pub fn simulate(
    s: &Scenario,
    trials: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Results {
    simulate_range(s, 0..trials, seed, progress)
}

/// Runs trials `range` of `s` with `seed`: the same numbers those trials have in a run of
/// `range.end` trials, so consecutive ranges [appended](Results::append) equal one run (the
/// basis of `--precision` and of trial shards).
pub fn simulate_range(
    s: &Scenario,
    range: std::ops::Range<usize>,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Results {
    let control = Control {
        progress,
        stop: None,
        exact_bytes: EXACT_BYTES,
    };
    simulate_with(s, range, seed, &control).expect("a run without a stop flag finishes")
}

/// [`simulate_range`] under `control`: stops early (with [`Stopped`]) when its stop flag is
/// set.
pub fn simulate_with(
    s: &Scenario,
    range: std::ops::Range<usize>,
    seed: u64,
    control: &Control<'_>,
) -> Result<Results, Stopped> {
    let horizon = s.horizon();
    let layout = Layout::of(s);
    let stride = layout.stride(horizon);
    let trials = range.len();
    let n_fy = s.clock.fiscal_years.len();
    let bins = crate::model::trial::vp_hist_len(s);
    let mut r = Results {
        first_trial: range.start,
        trials: 0,
        horizon,
        fiscal_years: n_fy,
        seed,
        layout,
        monthly: Monthly::Exact(Vec::new()),
        fy: Vec::with_capacity(trials * n_fy),
        totals: Vec::with_capacity(trials),
        draws: Vec::new(),
        vp_tenure_completed: vec![0; bins],
        vp_tenure_running: vec![0; bins],
        attainment: vec![0; n_fy * crate::model::trial::ATTAINMENT_BINS],
    };
    let exact = fits(trials, horizon, control.exact_bytes);
    // A large run goes in chunks of whole blocks, a quarter of the exact budget each, counted
    // as `fits` counts it (so a layout of fewer metrics keeps less).
    let chunk = if exact {
        trials.max(1)
    } else {
        (control.exact_bytes / 4 / budgeted_bytes(horizon)).max(BLOCK) / BLOCK * BLOCK
    };
    let mut sketch = (!exact).then(|| MonthlySketch::new(stride));
    let mut records: Vec<f32> = Vec::new();
    let mut start = range.start;
    while start < range.end {
        let end = (start + chunk).min(range.end);
        let part = run_block_range(s, start..end, seed, control, stride, &mut records)?;
        r.fy.extend(part.fy);
        r.totals.extend(part.totals);
        r.draws.extend(part.draws);
        add(&mut r.vp_tenure_completed, &part.vp_tenure_completed);
        add(&mut r.vp_tenure_running, &part.vp_tenure_running);
        add(&mut r.attainment, &part.attainment);
        match &mut sketch {
            Some(sk) => sk.add_records(&records, end - start, stride),
            None => r.monthly = Monthly::Exact(std::mem::take(&mut records)),
        }
        r.trials += end - start;
        start = end;
    }
    if let Some(sk) = sketch {
        r.monthly = Monthly::Sketch(sk);
    }
    Ok(r)
}

/// One chunk's per-trial figures (monthly records in `records`).
struct Chunk {
    fy: Vec<FiscalYearOutcome>,
    totals: Vec<TrialTotals>,
    draws: Vec<f64>,
    vp_tenure_completed: Vec<u64>,
    vp_tenure_running: Vec<u64>,
    attainment: Vec<u64>,
}

fn run_block_range(
    s: &Scenario,
    range: std::ops::Range<usize>,
    seed: u64,
    control: &Control<'_>,
    stride: usize,
    records: &mut Vec<f32>,
) -> Result<Chunk, Stopped> {
    let first_trial = range.start;
    let trials = range.len();
    let n_fy = s.clock.fiscal_years.len();
    if records.capacity() < trials * stride {
        // A fresh zeroed allocation: the pages are mapped zeroed and first touched by the
        // worker threads as they write, not cleared up front on this one.
        *records = vec![0.0; trials * stride];
    } else {
        records.clear();
        records.resize(trials * stride, 0.0);
    }
    let mut fy = vec![FiscalYearOutcome::default(); trials * n_fy];
    let mut totals = vec![TrialTotals::default(); trials];
    let n_draws = crate::model::trial::draw_columns(s).len();
    // At least one slot per trial, so that the blocks of every buffer line up.
    let width = n_draws.max(1);
    let mut draws = vec![0.0; trials * width];
    let stop = control.stop;
    let stopped = |_: &()| stop.is_some_and(|f| f.load(Ordering::Relaxed));
    // Histograms come back per block; integer sums do not depend on the order of the blocks.
    let histograms: Vec<Option<[Vec<u64>; 3]>> = records
        .par_chunks_mut(BLOCK * stride)
        .zip(fy.par_chunks_mut(BLOCK * n_fy.max(1)))
        .zip(totals.par_chunks_mut(BLOCK))
        .zip(draws.par_chunks_mut(BLOCK * width))
        .enumerate()
        .map_init(
            || Workspace::new(s),
            |ws, (block, (((m, f), t), d))| {
                if stopped(&()) {
                    return None;
                }
                for i in 0..t.len() {
                    let trial = (first_trial + block * BLOCK + i) as u64;
                    run_trial(
                        s,
                        seed,
                        trial,
                        ws,
                        TrialOut {
                            monthly: &mut m[i * stride..(i + 1) * stride],
                            fiscal_years: &mut f[i * n_fy..(i + 1) * n_fy],
                            totals: &mut t[i],
                            draws: &mut d[i * width..i * width + n_draws],
                        },
                    );
                }
                (control.progress)(t.len());
                Some(ws.take_histograms())
            },
        )
        .collect();
    if histograms.iter().any(Option::is_none) || stopped(&()) {
        return Err(Stopped);
    }
    let bins = crate::model::trial::vp_hist_len(s);
    if n_draws == 0 {
        draws.clear();
    }
    let mut c = Chunk {
        fy,
        totals,
        draws,
        vp_tenure_completed: vec![0; bins],
        vp_tenure_running: vec![0; bins],
        attainment: vec![0; n_fy * crate::model::trial::ATTAINMENT_BINS],
    };
    for [done, running, attained] in histograms.iter().flatten() {
        add(&mut c.vp_tenure_completed, done);
        add(&mut c.vp_tenure_running, running);
        add(&mut c.attainment, attained);
    }
    Ok(c)
}

/// Every deal of trial `trial` (full detail): who opened it, when, when and how it ended, its
/// value. The same trial as in a run, so its totals match that run's.
pub fn trial_deals(s: &Scenario, seed: u64, trial: u64) -> Vec<crate::model::pipeline::DealRecord> {
    let mut ws = Workspace::new(s);
    ws.keep_deal_log();
    let mut monthly = vec![0f32; Layout::of(s).stride(s.horizon())];
    let mut fy = vec![FiscalYearOutcome::default(); s.clock.fiscal_years.len()];
    let mut totals = TrialTotals::default();
    run_trial(
        s,
        seed,
        trial,
        &mut ws,
        TrialOut {
            monthly: &mut monthly,
            fiscal_years: &mut fy,
            totals: &mut totals,
            draws: &mut vec![0.0; crate::model::trial::draw_columns(s).len()],
        },
    );
    ws.take_deals()
}

/// The same run with the VP model switched off, on the same random numbers, to measure what VP
/// turnover costs; `None` when the scenario has no VP model.
pub fn without_leadership(
    s: &Scenario,
    trials: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> Option<Results> {
    s.leadership.as_ref()?;
    let mut calm = s.clone();
    calm.leadership = None;
    Some(simulate(&calm, trials, seed, progress))
}
