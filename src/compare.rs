//! `revsim compare`: several scenarios on common random numbers, and what differs between them.
//!
//! Every scenario runs with the same seed and trial count, so trial `t` of each sees the same
//! random draws wherever their inputs agree. Differences are therefore paired, trial by trial:
//! the share of trials in which B books more than A is meaningful, and the uncertainty of a
//! difference is far smaller than that of either figure alone.

use rand::RngExt;
use rayon::prelude::*;
use serde::Serialize;

use crate::engine::Results;
use crate::scenario::Scenario;
use crate::stats::{Distribution, Probability, quantile_sorted};
use crate::summary::Summary;

/// Bootstrap resamples behind the interval of a difference of medians.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// Most scenarios one comparison takes (one distinguishable colour each).
pub const MAX_SCENARIOS: usize = 7;

/// One scenario of a comparison, run.
#[derive(Debug, Clone)]
pub struct Arm {
    /// Label in charts and tables (the scenario name, made unique).
    pub label: String,
    /// The scenario.
    pub scenario: Scenario,
    /// Its trials.
    pub results: Results,
    /// Its summary.
    pub summary: Summary,
    /// Its per-month distributions.
    pub monthly: Vec<Vec<Distribution>>,
}

/// A difference `b - a` with its 95% interval.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Lower end of the 95% interval.
    pub ci95_low: f64,
    /// Upper end of the 95% interval.
    pub ci95_high: f64,
}

/// How scenario B differs from the reference A over one period, in new bookings.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// Scenario B.
    pub scenario: String,
    /// The reference scenario A (the first file).
    pub reference: String,
    /// "horizon" or a fiscal year such as "FY2028".
    pub period: String,
    /// P50 bookings of A, USD.
    pub p50_reference_usd: f64,
    /// P50 bookings of B, USD.
    pub p50_usd: f64,
    /// P50(B) - P50(A), USD, with a 95% paired-bootstrap percentile interval.
    pub p50_difference_usd: Estimate,
    /// Mean of B - A over trials, USD, with a 95% normal interval.
    pub mean_difference_usd: Estimate,
    /// Share of trials in which B books more than A, with its Wilson interval.
    pub p_beats_reference: Probability,
    /// Share of trials in which B and A book exactly the same (common random numbers make
    /// this common where their inputs have not yet diverged).
    pub share_tied: f64,
    /// P(hit plan) of A, against A's plan.
    pub p_hit_plan_reference: Option<Probability>,
    /// P(hit plan) of B, against B's plan.
    pub p_hit_plan: Option<Probability>,
    /// P(hit plan) of B minus that of A (each against its own plan), with a 95% interval for
    /// paired proportions; `None` unless both have a plan.
    pub p_hit_plan_difference: Option<Estimate>,
}

/// A setting whose value differs between the scenarios; `None` where a scenario leaves it unset
/// (its default applies).
#[derive(Debug, Clone, Serialize)]
pub struct InputDifference {
    /// Dotted key.
    pub key: String,
    /// Value in each scenario, in the order given.
    pub values: Vec<Option<String>>,
}

/// Per-trial bookings of `r` over `period` (`None` = the horizon).
pub fn bookings(r: &Results, period: Option<usize>) -> Vec<f64> {
    match period {
        None => r.totals.iter().map(|t| t.bookings_usd).collect(),
        Some(i) => (0..r.trials)
            .map(|t| r.trial_fiscal_years(t)[i].bookings_usd)
            .collect(),
    }
}

/// The type-7 median of `v` (reordered): by selection, the value a sort would give, bit for bit.
fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let (lo, frac) = crate::stats::quantile_position(v.len(), 0.5);
    let (_, &mut below, rest) = v.select_nth_unstable_by(lo, f64::total_cmp);
    if frac == 0.0 || rest.is_empty() {
        return below;
    }
    // The next order statistic is the least of the values above.
    let above = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(below);
    below + frac * (above - below)
}

/// P50(b) - P50(a) with a 95% percentile interval from a paired bootstrap (trials resampled
/// together, keeping the pairing of common random numbers). Deterministic for a given `seed`.
pub fn median_difference(a: &[f64], b: &[f64], seed: u64) -> Estimate {
    let n = a.len();
    let value = median(&mut b.to_vec()) - median(&mut a.to_vec());
    if n < 2 {
        // One trial gives a difference but no idea of its uncertainty.
        return Estimate {
            value,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
    }
    let mut diffs: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .into_par_iter()
        .map_init(
            || (Vec::with_capacity(n), Vec::with_capacity(n)),
            |(ra, rb), k| {
                let mut rng = crate::random::streams::StreamRng::seed_from_u64(
                    seed ^ 0xB007_5724_u64.wrapping_mul(k as u64 + 1),
                );
                ra.clear();
                rb.clear();
                for _ in 0..n {
                    let i = rng.random_range(0..n);
                    ra.push(a[i]);
                    rb.push(b[i]);
                }
                median(rb) - median(ra)
            },
        )
        .collect();
    diffs.sort_unstable_by(f64::total_cmp);
    Estimate {
        value,
        ci95_low: quantile_sorted(&diffs, 0.025),
        ci95_high: quantile_sorted(&diffs, 0.975),
    }
}

/// Mean of `b - a` with a 95% normal interval.
pub fn mean_difference(a: &[f64], b: &[f64]) -> Estimate {
    let n = a.len() as f64;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    let mean = d.iter().sum::<f64>() / n;
    let var = if d.len() > 1 {
        d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let half = if d.len() > 1 {
        1.959_963_984_540_054 * (var / n).sqrt()
    } else {
        f64::NAN
    };
    Estimate {
        value: mean,
        ci95_low: mean - half,
        ci95_high: mean + half,
    }
}

/// Share of pairs where `b > a` (with a Wilson interval), and the share where `b == a`.
pub fn beats(a: &[f64], b: &[f64]) -> (Probability, f64) {
    let wins = a.iter().zip(b).filter(|(x, y)| y > x).count();
    let ties = a.iter().zip(b).filter(|(x, y)| y == x).count();
    (
        Probability::from_counts(wins, a.len()),
        ties as f64 / a.len().max(1) as f64,
    )
}

/// The paired difference of two hit rates: the share of trials in which `b` reaches `plan_b`
/// minus the share in which `a` reaches `plan_a`, with a 95% Wald interval for paired
/// proportions (the mean of the per-trial differences, which are non-zero only in discordant
/// trials: where one hits and the other misses). With no discordant trial the interval is the
/// point itself.
pub fn hit_difference(a: &[f64], plan_a: f64, b: &[f64], plan_b: f64) -> Estimate {
    let n = a.len().min(b.len());
    if n == 0 {
        return Estimate {
            value: f64::NAN,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
    }
    let (mut only_b, mut only_a) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        match (*x >= plan_a, *y >= plan_b) {
            (false, true) => only_b += 1,
            (true, false) => only_a += 1,
            _ => {}
        }
    }
    let nf = n as f64;
    let value = (only_b as f64 - only_a as f64) / nf;
    if n < 2 {
        return Estimate {
            value,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
    }
    let discordant = (only_b + only_a) as f64;
    // The per-trial differences are -1, 0 or 1: their sample variance over n, as for a mean.
    let var_of_mean = ((discordant - nf * value * value) / (nf - 1.0)).max(0.0) / nf;
    let half = 1.959_963_984_540_054 * var_of_mean.sqrt();
    Estimate {
        value,
        ci95_low: (value - half).max(-1.0),
        ci95_high: (value + half).min(1.0),
    }
}

/// The differences of every arm against the first, over the horizon and each fiscal year the
/// two share.
pub fn differences(arms: &[Arm], seed: u64) -> Vec<Difference> {
    let Some(a) = arms.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for b in &arms[1..] {
        let mut periods: Vec<(String, Option<usize>, Option<usize>)> =
            vec![("horizon".into(), None, None)];
        for (i, fy) in a.summary.fiscal_years.iter().enumerate() {
            if let Some(j) = b.summary.fiscal_years.iter().position(|f| {
                f.label == fy.label && f.months == fy.months && f.first_month == fy.first_month
            }) {
                periods.push((fy.label.clone(), Some(i), Some(j)));
            }
        }
        for (label, pa, pb) in periods {
            let (xa, xb) = (bookings(&a.results, pa), bookings(&b.results, pb));
            let (sa, sb) = (
                pa.map_or(&a.summary.horizon, |i| &a.summary.fiscal_years[i]),
                pb.map_or(&b.summary.horizon, |i| &b.summary.fiscal_years[i]),
            );
            out.push(Difference {
                scenario: b.label.clone(),
                reference: a.label.clone(),
                period: label,
                p50_reference_usd: sa.bookings_usd.p50,
                p50_usd: sb.bookings_usd.p50,
                p50_difference_usd: median_difference(&xa, &xb, seed),
                mean_difference_usd: mean_difference(&xa, &xb),
                p_beats_reference: beats(&xa, &xb).0,
                share_tied: beats(&xa, &xb).1,
                p_hit_plan_reference: sa.p_hit_plan,
                p_hit_plan: sb.p_hit_plan,
                p_hit_plan_difference: sa
                    .plan_bookings_usd
                    .zip(sb.plan_bookings_usd)
                    .map(|(pa, pb)| hit_difference(&xa, pa, &xb, pb)),
            });
        }
    }
    out
}

/// The settings that differ between the scenarios, in the order they first appear.
pub fn input_differences(scenarios: &[&Scenario]) -> Vec<InputDifference> {
    let flats: Vec<Vec<(String, String)>> = scenarios.iter().map(|s| s.flatten()).collect();
    let mut keys: Vec<&str> = Vec::new();
    for f in &flats {
        for (k, _) in f {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    keys.into_iter()
        .filter_map(|k| {
            let values: Vec<Option<String>> = flats
                .iter()
                .map(|f| f.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
                .collect();
            let same = values.windows(2).all(|w| w[0] == w[1]);
            (!same).then(|| InputDifference {
                key: k.to_string(),
                values,
            })
        })
        .collect()
}

/// Labels for the arms: scenario names, with " (2)", " (3)" added to repeats.
pub fn unique_labels(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let mut label = n.clone();
        let mut k = 2;
        while out.contains(&label) {
            label = format!("{n} ({k})");
            k += 1;
        }
        out.push(label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_figures() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 2.0, 5.0, 3.0];
        let (p, tied) = beats(&a, &b);
        assert_eq!((p.p, tied), (0.5, 0.25)); // 2 wins and 1 tie of 4
        let m = mean_difference(&a, &b);
        assert_eq!(m.value, 0.5);
        assert!(m.ci95_low < 0.5 && m.ci95_high > 0.5);
        let d = median_difference(&a, &b, 1);
        assert_eq!(d.value, 0.0); // medians 2.5 and 2.5
        assert!(d.ci95_low <= d.ci95_high);
        assert_eq!(
            unique_labels(&["a".into(), "a".into(), "b".into()]),
            vec!["a", "a (2)", "b"]
        );
    }

    #[test]
    fn paired_hit_difference() {
        // Plans of 10: a hits in trials 0 and 1, b in trials 1, 2 and 3.
        let a = [10.0, 12.0, 9.0, 5.0];
        let b = [9.0, 11.0, 10.0, 10.0];
        let d = hit_difference(&a, 10.0, &b, 10.0);
        assert_eq!(d.value, 0.25);
        // Differences -1, 0, 1, 1: the same interval as a mean of them.
        let m = mean_difference(&[0.0; 4], &[-1.0, 0.0, 1.0, 1.0]);
        assert!((d.ci95_low - m.ci95_low).abs() < 1e-12);
        assert!((d.ci95_high - m.ci95_high.min(1.0)).abs() < 1e-12);
        // No discordant trial: no uncertainty about the difference.
        let same = hit_difference(&a, 10.0, &a, 10.0);
        assert_eq!((same.value, same.ci95_low, same.ci95_high), (0.0, 0.0, 0.0));
    }

    #[test]
    fn the_median_by_selection_is_the_sorted_one_bit_for_bit() {
        let mut rng = crate::random::streams::StreamRng::seed_from_u64(7);
        for n in 1..60 {
            // Ties too: values on a coarse grid.
            let v: Vec<f64> = (0..n)
                .map(|_| {
                    f64::from(rng.random_range(0..9u32)) * 0.37
                        + rng.random::<f64>() * f64::from(u8::from(n % 3 == 0))
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let want = quantile_sorted(&sorted, 0.5);
            assert_eq!(median(&mut v.clone()).to_bits(), want.to_bits(), "n = {n}");
        }
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn bootstrap_interval_covers_a_known_shift() {
        // b = a + 10 exactly: every resample's difference of medians is exactly 10.
        let a: Vec<f64> = (0..501).map(|i| (i * 7919 % 501) as f64).collect();
        let b: Vec<f64> = a.iter().map(|v| v + 10.0).collect();
        let d = median_difference(&a, &b, 7);
        assert_eq!((d.value, d.ci95_low, d.ci95_high), (10.0, 10.0, 10.0));
    }
}
