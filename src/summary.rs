//! From trial results to the figures people read: per fiscal year, for the horizon, and per
//! month. These structs are the schema of `summary.json` and `monthly.csv`.

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::{Monthly, Results};
use crate::scenario::Scenario;
use crate::stats::{Distribution, HistogramSummary, Probability, QUANTILES};

/// Summary of a run: what `revsim run` prints and writes to `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Trials run.
    pub trials: usize,
    /// Seed.
    pub seed: u64,
    /// First month, "YYYY-MM".
    pub start_month: String,
    /// Months simulated.
    pub horizon_months: usize,
    /// Quantile definition used throughout.
    pub quantile_definition: &'static str,
    /// How the across-trial draws were sampled, when not plain Monte Carlo: "sobol" means
    /// the intervals of P(hit plan) come from the spread between its 16 replicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling: Option<&'static str>,
    /// One entry per fiscal year (the first and last may be partial).
    pub fiscal_years: Vec<PeriodSummary>,
    /// The whole horizon.
    pub horizon: PeriodSummary,
    /// The VP of Sales, when the scenario models one.
    pub vp_of_sales: Option<VpSummary>,
    /// How much of the spread comes from each layer of uncertainty, when the scenario has
    /// uncertain parameters or market shocks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread_by_layer: Option<crate::layers::LayerSpread>,
}

/// VP-of-Sales turnover over the horizon.
#[derive(Debug, Clone, Serialize)]
pub struct VpSummary {
    /// VP changes per trial.
    pub changes: Distribution,
    /// Months per trial spent in a transition (search to re-onboarding).
    pub months_in_transition: Distribution,
    /// Tenures of VPs who left (including the starting VP's months before the start).
    pub completed_tenure_months: Option<HistogramSummary>,
    /// Tenures so far of the VPs in seat at the end of the horizon (censored: still running).
    pub running_tenure_months: Option<HistogramSummary>,
    /// Bookings lost to VP turnover per trial: the same scenario with the VP model off, on the
    /// same random numbers, minus this one, USD.
    pub bookings_lost_to_turnover_usd: Option<Distribution>,
}

/// Distributions over trials for one period.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodSummary {
    /// "FY2028", or "horizon".
    pub label: String,
    /// First month of the period, "YYYY-MM".
    pub first_month: String,
    /// Months in the period.
    pub months: usize,
    /// New bookings in the period, USD.
    pub bookings_usd: Distribution,
    /// ARR at the end of the period, USD.
    pub ending_arr_usd: Distribution,
    /// Reps in seat at the end of the period.
    pub ending_headcount: Distribution,
    /// Reps hired in the period.
    pub hires: Distribution,
    /// Reps who left in the period.
    pub departures: Distribution,
    /// Bookings plan for the period (pro-rated for partial fiscal years), USD.
    pub plan_bookings_usd: Option<f64>,
    /// Probability that bookings reach the plan.
    pub p_hit_plan: Option<Probability>,
    /// Share of reps (in seat at year end, with quota) at or above 100% of quota; fiscal years only.
    pub share_of_reps_at_quota: Option<Distribution>,
    /// Share of bookings produced by the top 20% of reps; fiscal years only.
    pub top_20pct_share_of_bookings: Option<Distribution>,
    /// Quota attainment of individual reps (in seat at year end, with quota), in whole percent,
    /// pooled over trials; fiscal years only.
    pub quota_attainment_pct: Option<HistogramSummary>,
}

fn dist(mut v: Vec<f64>) -> Distribution {
    Distribution::of(&mut v).unwrap_or(Distribution {
        n: 0,
        mean: f64::NAN,
        sd: f64::NAN,
        min: f64::NAN,
        p5: f64::NAN,
        p10: f64::NAN,
        p25: f64::NAN,
        p50: f64::NAN,
        p75: f64::NAN,
        p90: f64::NAN,
        p95: f64::NAN,
        max: f64::NAN,
    })
}

/// P(hit plan) with its interval: from the replicates of a Sobol' run (`sobol` holds its
/// first trial), else the Wilson interval of independent trials.
fn hit(values: &[f64], plan: f64, sobol: Option<usize>) -> Probability {
    match sobol {
        Some(first) => {
            let (p, ci95_low, ci95_high) = crate::random::qmc::hit_interval(values, plan, first);
            Probability {
                p,
                ci95_low,
                ci95_high,
            }
        }
        None => {
            Probability::from_counts(values.iter().filter(|v| **v >= plan).count(), values.len())
        }
    }
}

/// Summarises `r`, a run of `s`; `calm` is the same run with the VP model off (see
/// [`crate::engine::without_leadership`]), if any.
pub fn summarize(s: &Scenario, r: &Results, calm: Option<&Results>) -> Summary {
    let n = r.trials;
    let sobol = (s.sampling == crate::scenario::raw::Sampling::Sobol).then_some(r.first_trial);
    let fys = &s.clock.fiscal_years;
    let fiscal_years = fys
        .iter()
        .enumerate()
        .map(|(i, fy)| {
            let col = |f: &dyn Fn(&crate::model::FiscalYearOutcome) -> f64| -> Vec<f64> {
                (0..n).map(|t| f(&r.trial_fiscal_years(t)[i])).collect()
            };
            let bookings = col(&|o| o.bookings_usd);
            let plan = s.plan_by_fiscal_year.as_ref().map(|p| p[i]);
            PeriodSummary {
                label: fy.label.clone(),
                first_month: s.clock.start.plus(fy.first_month as i32).to_string(),
                months: fy.months,
                p_hit_plan: plan.map(|p| hit(&bookings, p, sobol)),
                plan_bookings_usd: plan,
                bookings_usd: dist(bookings),
                ending_arr_usd: dist(col(&|o| o.ending_arr_usd)),
                ending_headcount: dist(col(&|o| o.ending_headcount as f64)),
                hires: dist(col(&|o| o.hires as f64)),
                departures: dist(col(&|o| o.departures as f64)),
                share_of_reps_at_quota: s
                    .quota
                    .and_then(|_| Distribution::of(&mut col(&|o| o.share_of_reps_at_quota))),
                top_20pct_share_of_bookings: Distribution::of(&mut col(&|o| {
                    o.top_20pct_share_of_bookings
                })),
                quota_attainment_pct: HistogramSummary::of(
                    &r.attainment[i * crate::model::trial::ATTAINMENT_BINS
                        ..(i + 1) * crate::model::trial::ATTAINMENT_BINS],
                ),
            }
        })
        .collect();
    let col = |f: &dyn Fn(&crate::model::TrialTotals) -> f64| -> Vec<f64> {
        r.totals.iter().map(f).collect()
    };
    let bookings = col(&|t| t.bookings_usd);
    let plan = s
        .plan_by_fiscal_year
        .as_ref()
        .map(|p| p.iter().sum::<f64>());
    let horizon = PeriodSummary {
        label: "horizon".into(),
        first_month: s.clock.start.to_string(),
        months: s.horizon(),
        p_hit_plan: plan.map(|p| hit(&bookings, p, sobol)),
        plan_bookings_usd: plan,
        bookings_usd: dist(bookings),
        ending_arr_usd: dist(col(&|t| t.ending_arr_usd)),
        ending_headcount: dist(col(&|t| t.ending_headcount as f64)),
        hires: dist(col(&|t| t.hires as f64)),
        departures: dist(col(&|t| t.departures as f64)),
        share_of_reps_at_quota: None,
        top_20pct_share_of_bookings: None,
        quota_attainment_pct: None,
    };
    let vp_of_sales = s.leadership.as_ref().map(|_| VpSummary {
        changes: dist(r.totals.iter().map(|t| t.vp_changes as f64).collect()),
        months_in_transition: dist(
            r.totals
                .iter()
                .map(|t| t.vp_transition_months as f64)
                .collect(),
        ),
        completed_tenure_months: HistogramSummary::of(&r.vp_tenure_completed),
        running_tenure_months: HistogramSummary::of(&r.vp_tenure_running),
        bookings_lost_to_turnover_usd: calm.map(|c| {
            dist(
                c.totals
                    .iter()
                    .zip(&r.totals)
                    .map(|(c, t)| c.bookings_usd - t.bookings_usd)
                    .collect(),
            )
        }),
    });
    Summary {
        vp_of_sales,
        spread_by_layer: None,
        scenario: s.name.clone(),
        description: s.description.clone(),
        trials: n,
        seed: r.seed,
        start_month: s.clock.start.to_string(),
        horizon_months: s.horizon(),
        quantile_definition: "type 7 (Excel PERCENTILE.INC); p10 = 10th percentile",
        sampling: sobol.map(|_| crate::scenario::raw::Sampling::Sobol.name()),
        fiscal_years,
        horizon,
    }
}

/// Per-month distributions of every metric: `[metric][month]`, in [`crate::model::Metric::ALL`]
/// order. From a sketch (a run too large to keep every trial's months), quantiles are within
/// [`crate::sketch::RELATIVE_ERROR`] of the exact ones.
pub fn monthly(r: &Results) -> Vec<Vec<Distribution>> {
    let h = r.horizon;
    let stride = r.stride();
    let cells: Vec<Distribution> = match &r.monthly {
        Monthly::Sketch(sketch) => sketch
            .cells
            .par_iter()
            .map(|c| c.distribution().unwrap_or_else(|| dist(Vec::new())))
            .collect(),
        // One column per (metric, month) cell, a pass of cells at a time (see
        // `crate::sketch::columns`), with the sort buffers reused by each worker.
        Monthly::Exact(records) => crate::sketch::map_columns(
            records,
            r.trials,
            stride,
            crate::stats::SortBuffers::default,
            |buffers, column| {
                Distribution::of_f32_in(column, buffers).unwrap_or_else(|| dist(Vec::new()))
            },
        ),
    };
    // A metric the scenario does not record is undefined in every trial: no values, as
    // recording its NaNs would have given.
    crate::model::Metric::ALL
        .iter()
        .map(|&m| match r.layout.slot(m) {
            Some(k) => cells[k * h..(k + 1) * h].to_vec(),
            None => vec![dist(Vec::new()); h],
        })
        .collect()
}

/// How the monthly quantiles of `r` were computed, for the record (`run.json`).
pub fn monthly_method(r: &Results) -> &'static str {
    match r.monthly {
        Monthly::Exact(_) => "exact",
        Monthly::Sketch(_) => "sketch: within 1/4096 (0.025%) of the exact quantile",
    }
}

/// The stats written per month: the mean and the quantiles.
pub fn monthly_stats() -> impl Iterator<Item = &'static str> {
    std::iter::once("mean").chain(QUANTILES.iter().map(|(l, _)| *l))
}
