//! Precision-targeted runs: add trials until the headline figures are known well enough.
//!
//! A run of n trials followed by trials n..m is the same as one run of m trials (each trial's
//! numbers depend only on the scenario, the seed and its index), and the points at which the
//! run stops to check are computed from results that are themselves reproducible, so a
//! precision-targeted run is as deterministic as a fixed one: same scenario, seed and target
//! give the same trial count and the same figures.

use serde::{Deserialize, Serialize};

use crate::diagnostic::InputError;
use crate::engine::{BLOCK, Results, simulate_range};
use crate::random::qmc;
use crate::scenario::Scenario;
use crate::scenario::raw::Sampling;
use crate::stats::{Z95, quantile_ci, quantile_sorted, wilson};

/// The target of `--precision`, and what a run reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Precision {
    /// Largest 95% half-width of P50 bookings allowed, as a share of P50.
    pub p50_relative_half_width: f64,
    /// Largest 95% half-width of P(hit plan) allowed, in probability (0.01 = 1 point); `None`
    /// without a plan.
    pub p_hit_plan_half_width: Option<f64>,
    /// Trials run.
    pub trials_used: usize,
    /// 95% half-width of P50 bookings reached, as a share of P50.
    pub p50_relative_half_width_reached: f64,
    /// 95% half-width of P(hit plan) reached.
    pub p_hit_plan_half_width_reached: Option<f64>,
    /// Whether both bounds were met (false when `--max-trials` stopped the run first).
    pub reached: bool,
}

/// Parses `--precision 1%` (or `0.01`): P50 bookings to within 1% of itself and P(hit plan) to
/// within 1 point, both as 95% half-widths.
pub fn parse_precision(spec: &str, has_plan: bool) -> Result<Precision, InputError> {
    let t = spec.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n, 0.01),
        None => (t, 1.0),
    };
    let v = num
        .trim()
        .parse::<f64>()
        .ok()
        .map(|v| v * scale)
        .filter(|v| v.is_finite() && *v > 0.0 && *v < 0.5)
        .ok_or_else(|| {
            InputError::file(
                "--precision",
                format!("`{spec}` is not a precision between 0% and 50%"),
            )
            .help("for example --precision 1% (P50 bookings within 1%, P(hit plan) within 1 point)")
        })?;
    Ok(Precision {
        p50_relative_half_width: v,
        p_hit_plan_half_width: has_plan.then_some(v),
        trials_used: 0,
        p50_relative_half_width_reached: f64::NAN,
        p_hit_plan_half_width_reached: None,
        reached: false,
    })
}

/// The half-widths of P50 bookings (relative) and P(hit plan) in `r`.
/// Under Sobol' sampling both come from the spread between the replicates
/// ([`crate::random::qmc`]); under random sampling from the binomial and order-statistic
/// intervals of independent trials.
pub fn half_widths(s: &Scenario, r: &Results) -> (f64, Option<f64>) {
    let sobol = s.sampling == Sampling::Sobol;
    let by_trial: Vec<f64> = r.totals.iter().map(|t| t.bookings_usd).collect();
    let mut b = by_trial.clone();
    b.sort_by(f64::total_cmp);
    let p50 = quantile_sorted(&b, 0.5);
    let (lo, hi) = if sobol {
        qmc::quantile_interval(&by_trial, r.first_trial, 0.5, p50)
    } else {
        quantile_ci(&b, 0.5, Z95)
    };
    let rel = if p50.abs() > 0.0 {
        (hi - lo) / 2.0 / p50.abs()
    } else if hi == lo {
        0.0
    } else {
        f64::INFINITY
    };
    let hit = s.plan_by_fiscal_year.as_ref().map(|p| {
        let plan: f64 = p.iter().sum();
        if sobol {
            let (_, lo, hi) = qmc::hit_interval(&by_trial, plan, r.first_trial);
            return (hi - lo) / 2.0;
        }
        let hits = b.iter().filter(|v| **v >= plan).count();
        let (lo, hi) = wilson(hits, b.len(), Z95);
        (hi - lo) / 2.0
    });
    (rel, hit)
}

/// The fewest trials a precision-targeted run judges its intervals from.
pub const MIN_TRIALS: usize = 4 * BLOCK;

/// Runs `s` from `first` trials, adding trials until `target` is met or `max` trials have run.
/// The next trial count is predicted from the 1/sqrt(n) law (with 10% to spare), at least 1.25
/// and at most 4 times the last, in whole blocks.
pub fn until_precise(
    s: &Scenario,
    first: usize,
    max: usize,
    seed: u64,
    target: &Precision,
    bar: &indicatif::ProgressBar,
) -> (Results, Precision) {
    // Order-statistic intervals from a handful of trials are clamped to the sample's extremes
    // and look precise when they are not: never judge from fewer than MIN_TRIALS.
    let first = first.max(MIN_TRIALS).min(max.max(MIN_TRIALS));
    let mut r = simulate_range(s, 0..first, seed, &|n| bar.inc(n as u64));
    loop {
        let (rel, hit) = half_widths(s, &r);
        let ratio_p50 = rel / target.p50_relative_half_width;
        let ratio_hit = match (hit, target.p_hit_plan_half_width) {
            (Some(h), Some(t)) => h / t,
            _ => 0.0,
        };
        let worst = ratio_p50.max(ratio_hit);
        let reached = worst <= 1.0;
        if reached || r.trials >= max {
            return (
                r.clone(),
                Precision {
                    trials_used: r.trials,
                    p50_relative_half_width_reached: rel,
                    p_hit_plan_half_width_reached: hit,
                    reached,
                    ..target.clone()
                },
            );
        }
        let factor = (worst * worst * 1.1).clamp(1.25, 4.0);
        let wanted = (r.trials as f64 * factor).ceil() as usize;
        let next = wanted.div_ceil(BLOCK).saturating_mul(BLOCK).min(max);
        bar.set_length(bar.length().unwrap_or(0) + (next - r.trials) as u64);
        let more = simulate_range(s, r.trials..next, seed, &|n| bar.inc(n as u64));
        r.append(more).expect("consecutive trial ranges");
    }
}

/// "Precision reached with 23,040 trials: P50 bookings to within ±0.7%, P(hit plan) to within
/// ±0.9 points (95% intervals; ...)." Under Sobol' sampling it says where the intervals come
/// from.
pub fn precision_sentence(p: &Precision, sampling: Sampling) -> String {
    let hit = p
        .p_hit_plan_half_width_reached
        .map(|h| format!(", P(hit plan) to within ±{:.2} points", h * 100.0))
        .unwrap_or_default();
    let head = if p.reached {
        format!(
            "Precision reached with {} trials",
            crate::words::thousands(p.trials_used)
        )
    } else {
        format!(
            "Precision NOT reached: stopped at --max-trials ({} trials)",
            crate::words::thousands(p.trials_used)
        )
    };
    format!(
        "{head}: P50 bookings to within ±{:.2}%{hit} (95% intervals{}; target ±{:.2}%{}).",
        p.p50_relative_half_width_reached * 100.0,
        match sampling {
            Sampling::Sobol => " from 16 scrambled Sobol' replicates",
            Sampling::Random => "",
        },
        p.p50_relative_half_width * 100.0,
        p.p_hit_plan_half_width
            .map(|h| format!(" and ±{:.2} points", h * 100.0))
            .unwrap_or_default()
    )
}
