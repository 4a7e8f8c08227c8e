//! Trials -> rayon -> results.
//!
//! Trials are cut into fixed blocks of [`BLOCK`] trials; each block writes into its own slice of
//! the result buffers with a per-thread [`Workspace`]. A trial's numbers depend only on
//! (scenario, seed, trial index) through its keyed streams, so the results are byte-identical
//! for any thread count and any scheduling order.

use rayon::prelude::*;

use crate::model::{FiscalYearOutcome, Metric, TrialOut, TrialTotals, Workspace, run_trial};
use crate::scenario::Scenario;

/// Trials per parallel block.
pub const BLOCK: usize = 64;

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
    /// Monthly metrics, `trial * stride + metric * horizon + month` (f32: see `docs/`).
    pub monthly: Vec<f32>,
    /// Fiscal-year outcomes, `trial * fiscal_years + fy`.
    pub fy: Vec<FiscalYearOutcome>,
    /// Horizon totals per trial.
    pub totals: Vec<TrialTotals>,
    /// Completed VP tenures over all trials: `[months] = count`.
    pub vp_tenure_completed: Vec<u64>,
    /// Tenures of the VPs in seat at the end of the horizon: `[months] = count`.
    pub vp_tenure_running: Vec<u64>,
    /// Quota attainment of reps in seat at fiscal-year end, in whole percent (the last bin is
    /// 300% or more): `[fy * ATTAINMENT_BINS + percent] = count`.
    pub attainment: Vec<u64>,
}

impl Results {
    /// Floats per trial in `monthly`.
    pub fn stride(&self) -> usize {
        Metric::COUNT * self.horizon
    }

    /// The value of `metric` in `month` of `trial`.
    pub fn monthly_value(&self, trial: usize, metric: Metric, month: usize) -> f32 {
        self.monthly[trial * self.stride() + metric.index() * self.horizon + month]
    }

    /// The fiscal-year outcomes of `trial`.
    pub fn trial_fiscal_years(&self, trial: usize) -> &[FiscalYearOutcome] {
        &self.fy[trial * self.fiscal_years..(trial + 1) * self.fiscal_years]
    }

    /// Appends `next`, the trials that follow these ones (same scenario and seed): the result
    /// equals one run of both ranges. Fails when `next` does not start where these trials end.
    pub fn append(&mut self, next: Results) -> Result<(), String> {
        if next.first_trial != self.first_trial + self.trials
            || next.seed != self.seed
            || next.horizon != self.horizon
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
        self.trials += next.trials;
        self.monthly.extend(next.monthly);
        self.fy.extend(next.fy);
        self.totals.extend(next.totals);
        add(&mut self.vp_tenure_completed, &next.vp_tenure_completed);
        add(&mut self.vp_tenure_running, &next.vp_tenure_running);
        add(&mut self.attainment, &next.attainment);
        Ok(())
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
    let first_trial = range.start;
    let trials = range.len();
    let horizon = s.horizon();
    let n_fy = s.clock.fiscal_years.len();
    let stride = Metric::COUNT * horizon;
    let mut monthly = vec![0f32; trials * stride];
    let mut fy = vec![FiscalYearOutcome::default(); trials * n_fy];
    let mut totals = vec![TrialTotals::default(); trials];
    // Histograms come back per block; integer sums do not depend on the order of the blocks.
    let histograms: Vec<[Vec<u64>; 3]> = monthly
        .par_chunks_mut(BLOCK * stride)
        .zip(fy.par_chunks_mut(BLOCK * n_fy.max(1)))
        .zip(totals.par_chunks_mut(BLOCK))
        .enumerate()
        .map_init(
            || Workspace::new(s),
            |ws, (block, ((m, f), t))| {
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
                        },
                    );
                }
                progress(t.len());
                ws.take_histograms()
            },
        )
        .collect();
    let bins = crate::model::trial::vp_hist_len(s);
    let (mut vp_tenure_completed, mut vp_tenure_running) = (vec![0u64; bins], vec![0u64; bins]);
    let mut attainment = vec![0u64; n_fy * crate::model::trial::ATTAINMENT_BINS];
    for [c, r, a] in &histograms {
        add(&mut vp_tenure_completed, c);
        add(&mut vp_tenure_running, r);
        add(&mut attainment, a);
    }
    Results {
        first_trial,
        trials,
        horizon,
        fiscal_years: n_fy,
        seed,
        monthly,
        fy,
        totals,
        vp_tenure_completed,
        vp_tenure_running,
        attainment,
    }
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
