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
    /// P(hit plan) of B minus that of A (each against its own plan): the share of trials in
    /// which only B hits minus the share in which only A does, with its 95% interval from
    /// Tango's score interval for paired proportions, continuity-corrected (see
    /// [`paired_interval`]); `None` unless both have a plan.
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

/// Continuity correction of [`paired_interval`]: half a trial on the difference of the
/// discordant counts.
pub const PAIRED_CONTINUITY: f64 = 0.5;

/// The paired difference of two hit rates: the share of trials in which `b` reaches `plan_b`
/// minus the share in which `a` reaches `plan_a`, with the 95% interval of
/// [`paired_interval`] (Tango's score interval for paired proportions, continuity-corrected).
/// Only the discordant trials, where one hits and the other misses, move the difference.
pub fn hit_difference(a: &[f64], plan_a: f64, b: &[f64], plan_b: f64) -> Estimate {
    let n = a.len().min(b.len());
    let (mut only_b, mut only_a) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        match (*x >= plan_a, *y >= plan_b) {
            (false, true) => only_b += 1,
            (true, false) => only_a += 1,
            _ => {}
        }
    }
    paired_interval(only_a, only_b, n, crate::stats::Z95)
}

/// The difference of two paired proportions, `(only_b - only_a) / n`, with a two-sided
/// interval at normal quantile `z` (1.96 for 95%): Tango's score interval (T. Tango, "Equivalence
/// test and confidence interval for the difference in proportions for the paired-sample
/// design", Statistics in Medicine 17, 891-908, 1998), with a continuity correction of
/// [`PAIRED_CONTINUITY`] on the difference of the discordant counts.
///
/// The interval holds every difference `d` that the score test does not reject: with `x` the
/// maximum-likelihood share of "a only" trials under the constraint that the difference is
/// `d`, `(|only_b - only_a - n d| - 1/2) / sqrt(n (2x + d (1 - d))) <= z`. The Wald interval
/// this replaced had a coverage of 87-90% with 5 discordant trials in 1,000 and none at all
/// (a zero-width interval) with no discordant trial; Tango's without the correction dips to
/// 94% with 5. Corrected, it covers at least 95% from 0 to 140 discordant trials (the
/// coverage test below). `NaN` ends with fewer than two trials.
pub fn paired_interval(only_a: usize, only_b: usize, n: usize, z: f64) -> Estimate {
    let nf = n as f64;
    let value = if n == 0 {
        f64::NAN
    } else {
        (only_b as f64 - only_a as f64) / nf
    };
    if n < 2 {
        return Estimate {
            value,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
    }
    let (i, j) = (only_a as f64, only_b as f64);
    // The score statistic at difference d, decreasing in d.
    let score = |d: f64| -> f64 {
        let qa = 2.0 * nf;
        let qb = -(i + j) + (2.0 * nf + i - j) * d;
        let qc = -i * d * (1.0 - d);
        let x = ((qb * qb - 4.0 * qa * qc).max(0.0).sqrt() - qb) / (2.0 * qa);
        let var = nf * (2.0 * x + d * (1.0 - d));
        let gap = j - i - nf * d;
        let num = gap.signum() * (gap.abs() - PAIRED_CONTINUITY).max(0.0);
        if num == 0.0 {
            0.0
        } else if var <= 0.0 {
            num.signum() * f64::INFINITY
        } else {
            num / var.sqrt()
        }
    };
    // Bisection for the d at which the score crosses `target`, between lo and hi.
    let cross = |mut lo: f64, mut hi: f64, target: f64| -> f64 {
        for _ in 0..64 {
            let mid = 0.5 * (lo + hi);
            if score(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    };
    let low = if value <= -1.0 {
        -1.0
    } else {
        cross(-1.0, value, z)
    };
    let high = if value >= 1.0 {
        1.0
    } else {
        cross(value, 1.0, -z)
    };
    Estimate {
        value,
        ci95_low: low,
        ci95_high: high,
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

/// One figure of the mechanism behind a comparison (VP turnover, hiring and vacancy, the
/// realised win rate, the coverage effort), for each period and scenario: what moves bookings
/// between the scenarios.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mechanism {
    /// Stable name, e.g. `vp_changes`.
    pub figure: &'static str,
    /// How people read it, e.g. "VP of Sales changes per trial (mean)".
    pub label: &'static str,
    /// Unit of the values: `changes`, `months`, `reps`, `share` (0 to 1) or `multiplier`.
    pub unit: &'static str,
    /// How a period's value is made from the trials.
    pub statistic: &'static str,
    /// `true` when the figure exists over the horizon only (then `periods` holds the horizon
    /// alone).
    pub horizon_only: bool,
    /// The horizon first, then each fiscal year of the reference.
    pub periods: Vec<MechanismPeriod>,
}

/// A mechanism figure over one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MechanismPeriod {
    /// "horizon" or a fiscal year such as "FY2028".
    pub period: String,
    /// One value per scenario, in the order given; `None` where the scenario has no such figure
    /// (no VP model, no coverage policy, no fiscal year of that name and span).
    pub values: Vec<Option<f64>>,
}

/// The index of the reference's fiscal year `f` in `arm`: a fiscal year of the same label, start
/// and length (scenarios that share a calendar may still start their fiscal years apart).
fn fiscal_year_of(arm: &Arm, f: &crate::calendar::FiscalYear) -> Option<usize> {
    arm.scenario
        .clock
        .fiscal_years
        .iter()
        .position(|g| g.label == f.label && g.first_month == f.first_month && g.months == f.months)
}

/// Months of a period in one arm: the horizon (`None`), or the reference's fiscal year.
fn period_months(
    arm: &Arm,
    fy: Option<&crate::calendar::FiscalYear>,
) -> Option<std::ops::Range<usize>> {
    match fy {
        None => Some(0..arm.scenario.horizon()),
        Some(f) => fiscal_year_of(arm, f).map(|i| arm.scenario.clock.fiscal_years[i].range()),
    }
}

/// The period summary of `arm` for the same months, the horizon's or a fiscal year's.
fn period_summary<'a>(
    arm: &'a Arm,
    fy: Option<&crate::calendar::FiscalYear>,
) -> Option<&'a crate::summary::PeriodSummary> {
    match fy {
        None => Some(&arm.summary.horizon),
        Some(f) => arm.summary.fiscal_years.get(fiscal_year_of(arm, f)?),
    }
}

/// The mean over trials of a monthly metric in each month of `months`, summed (`sum`) or
/// averaged over the months; `None` when the arm has no such metric or no finite month.
fn monthly_figure(
    arm: &Arm,
    metric: crate::model::metrics::Metric,
    months: std::ops::Range<usize>,
    sum: bool,
) -> Option<f64> {
    let cells = arm.monthly.get(metric.index())?;
    let v: Vec<f64> = cells
        .get(months)?
        .iter()
        .map(|d| d.mean)
        .filter(|v| v.is_finite())
        .collect();
    if v.is_empty() {
        return None;
    }
    let total: f64 = v.iter().sum();
    Some(if sum { total } else { total / v.len() as f64 })
}

/// The mechanism figures of a comparison, each over the horizon and every fiscal year of the
/// reference (the scenarios share a calendar), from each scenario's summary and monthly
/// figures. Figures no scenario has (no VP model, no coverage policy) are left out.
pub fn mechanism(arms: &[Arm]) -> Vec<Mechanism> {
    use crate::model::metrics::Metric;
    let Some(reference) = arms.first() else {
        return Vec::new();
    };
    type Of<'f> = &'f dyn Fn(&Arm, Option<&crate::calendar::FiscalYear>) -> Option<f64>;
    let monthly = |metric: Metric, sum: bool, needs: fn(&Arm) -> bool| {
        move |a: &Arm, fy: Option<&crate::calendar::FiscalYear>| {
            if !needs(a) {
                return None;
            }
            monthly_figure(a, metric, period_months(a, fy)?, sum)
        }
    };
    let vp_changes = monthly(Metric::VpChanges, true, |a| a.summary.vp_of_sales.is_some());
    let transition = monthly(Metric::VpInTransition, true, |a| {
        a.summary.vp_of_sales.is_some()
    });
    let vacant = monthly(Metric::VacantSeats, false, |_| true);
    let win_rate = monthly(Metric::RealisedWinRate, false, |_| true);
    let effort = monthly(Metric::CoverageEffort, false, |a| {
        a.scenario.coverage.is_some()
    });
    let tenure = |a: &Arm, _: Option<&crate::calendar::FiscalYear>| {
        a.summary
            .vp_of_sales
            .as_ref()?
            .completed_tenure_months
            .as_ref()
            .map(|h| h.p50)
    };
    let hires = |a: &Arm, fy: Option<&crate::calendar::FiscalYear>| {
        period_summary(a, fy).map(|p| p.hires.mean)
    };
    let leavers = |a: &Arm, fy: Option<&crate::calendar::FiscalYear>| {
        period_summary(a, fy).map(|p| p.departures.mean)
    };
    let reps_end = |a: &Arm, fy: Option<&crate::calendar::FiscalYear>| {
        period_summary(a, fy).map(|p| p.ending_headcount.p50)
    };
    let figures: [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        bool,
        Of<'_>,
    ); 9] = [
        (
            "vp_changes",
            "VP of Sales changes per trial (mean)",
            "changes",
            "mean over trials of the VP changes in the period",
            false,
            &vp_changes,
        ),
        (
            "completed_vp_tenure_months",
            "Completed VP tenure, median (months)",
            "months",
            "median tenure of the VPs who left during the horizon, over all trials",
            true,
            &tenure,
        ),
        (
            "vp_transition_months",
            "Months in a VP transition (mean)",
            "months",
            "mean over trials of the period's months in a VP transition",
            false,
            &transition,
        ),
        (
            "hires",
            "Hires (mean)",
            "reps",
            "mean over trials of the reps hired in the period",
            false,
            &hires,
        ),
        (
            "leavers",
            "Leavers (mean)",
            "reps",
            "mean over trials of the reps who left in the period",
            false,
            &leavers,
        ),
        (
            "vacant_seats",
            "Vacant seats, average month",
            "reps",
            "mean over trials of the vacant seats at month end, averaged over the period's months",
            false,
            &vacant,
        ),
        (
            "realised_win_rate",
            "Realised win rate, average month",
            "share",
            "mean over trials of the month's deals won / deals decided, averaged over the period's months",
            false,
            &win_rate,
        ),
        (
            "coverage_effort",
            "Coverage effort, average month (1 = no push)",
            "multiplier",
            "mean over trials of the month's prospecting multiplier, averaged over the period's months",
            false,
            &effort,
        ),
        (
            "ending_reps",
            "Reps in seat at the period's end (P50)",
            "reps",
            "median over trials of the reps in seat at the end of the period",
            false,
            &reps_end,
        ),
    ];
    let mut periods: Vec<Option<&crate::calendar::FiscalYear>> = vec![None];
    periods.extend(reference.scenario.clock.fiscal_years.iter().map(Some));
    figures
        .into_iter()
        .filter_map(|(figure, label, unit, statistic, horizon_only, of)| {
            let shown = if horizon_only {
                &periods[..1]
            } else {
                &periods[..]
            };
            let periods: Vec<MechanismPeriod> = shown
                .iter()
                .map(|fy| MechanismPeriod {
                    period: fy.map_or_else(|| "horizon".to_string(), |f| f.label.clone()),
                    values: arms
                        .iter()
                        .map(|a| of(a, *fy).filter(|v| v.is_finite()))
                        .collect(),
                })
                .collect();
            periods
                .iter()
                .any(|p| p.values.iter().any(Option::is_some))
                .then_some(Mechanism {
                    figure,
                    label,
                    unit,
                    statistic,
                    horizon_only,
                    periods,
                })
        })
        .collect()
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
        assert!(d.ci95_low < 0.25 && d.ci95_high > 0.25 && d.ci95_low > -1.0);
        // No discordant trial still leaves doubt about the difference: an interval around 0.
        let same = hit_difference(&a, 10.0, &a, 10.0);
        assert_eq!(same.value, 0.0);
        assert!(same.ci95_low < 0.0 && same.ci95_high > 0.0);
        // One trial: a difference, no interval.
        let one = hit_difference(&[1.0], 0.5, &[0.0], 0.5);
        assert_eq!(one.value, -1.0);
        assert!(one.ci95_low.is_nan() && one.ci95_high.is_nan());
    }

    /// Tango's statistic at difference `d`, with the constrained maximum-likelihood share of
    /// "a only" trials found by a golden-section search on the log-likelihood rather than the
    /// closed form of `paired_interval`.
    fn score_by_search(only_a: usize, only_b: usize, n: usize, d: f64) -> f64 {
        let (i, j, nf) = (only_a as f64, only_b as f64, n as f64);
        let m = nf - i - j;
        let loglik = |x: f64| i * x.ln() + j * (x + d).ln() + m * (1.0 - 2.0 * x - d).ln();
        let (mut lo, mut hi) = ((-d).max(0.0) + 1e-15, (1.0 - d) / 2.0 - 1e-15);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..200 {
            let (x1, x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
            if loglik(x1) < loglik(x2) {
                lo = x1;
            } else {
                hi = x2;
            }
        }
        let x = 0.5 * (lo + hi);
        let gap = j - i - nf * d;
        gap.signum() * (gap.abs() - PAIRED_CONTINUITY).max(0.0)
            / (nf * (2.0 * x + d * (1.0 - d))).sqrt()
    }

    #[test]
    fn paired_interval_ends_are_where_the_score_test_rejects() {
        let z = crate::stats::Z95;
        for (only_a, only_b, n) in [(3, 9, 1000), (0, 5, 1000), (7, 7, 10_000), (40, 100, 1000)] {
            let e = paired_interval(only_a, only_b, n, z);
            let (lo, hi) = (
                score_by_search(only_a, only_b, n, e.ci95_low),
                score_by_search(only_a, only_b, n, e.ci95_high),
            );
            assert!((lo - z).abs() < 1e-6, "{only_a} {only_b} {n}: {lo}");
            assert!((hi + z).abs() < 1e-6, "{only_a} {only_b} {n}: {hi}");
        }
    }

    /// The old interval: Wald's, the mean of the per-trial differences -1, 0, 1 with a normal
    /// interval. Kept here to show that the coverage test can fail.
    fn wald(only_a: usize, only_b: usize, n: usize) -> (f64, f64) {
        let nf = n as f64;
        let v = (only_b as f64 - only_a as f64) / nf;
        let var = (((only_a + only_b) as f64 - nf * v * v) / (nf - 1.0)).max(0.0) / nf;
        let half = crate::stats::Z95 * var.sqrt();
        (v - half, v + half)
    }

    /// Coverage of the 95% interval of `hit_difference` over `reps` replications of `n` paired
    /// trials whose cells are "a only" with probability `p_a`, "b only" with `p_b` and both
    /// with `p_both`; returns (covered by the interval, covered by Wald's).
    fn coverage(
        n: usize,
        p_a: f64,
        p_b: f64,
        p_both: f64,
        reps: usize,
        seed: u64,
    ) -> (usize, usize) {
        let truth = p_b - p_a;
        (0..reps)
            .into_par_iter()
            .map_init(
                || (vec![0.0; n], vec![0.0; n]),
                |(a, b), k| {
                    let mut rng = crate::random::streams::StreamRng::seed_from_u64(
                        seed.wrapping_add(k as u64)
                            .wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    );
                    let (mut only_a, mut only_b) = (0, 0);
                    for t in 0..n {
                        let u: f64 = rng.random();
                        let (x, y) = if u < p_a {
                            only_a += 1;
                            (1.0, 0.0)
                        } else if u < p_a + p_b {
                            only_b += 1;
                            (0.0, 1.0)
                        } else if u < p_a + p_b + p_both {
                            (1.0, 1.0)
                        } else {
                            (0.0, 0.0)
                        };
                        a[t] = x;
                        b[t] = y;
                    }
                    let e = hit_difference(a, 0.5, b, 0.5);
                    let w = wald(only_a, only_b, n);
                    (
                        usize::from(e.ci95_low <= truth && truth <= e.ci95_high),
                        usize::from(w.0 <= truth && truth <= w.1),
                    )
                },
            )
            .reduce(|| (0, 0), |x, y| (x.0 + y.0, x.1 + y.1))
    }

    /// Whether `covered` of `reps` is consistent with a coverage of at least 95%: the one-sided
    /// Wilson upper bound at a false-alarm rate of 1e-4 reaches 0.95.
    fn holds(covered: usize, reps: usize) -> bool {
        let z = crate::stats::normal_quantile(1.0 - 1e-4);
        crate::stats::wilson(covered, reps, z).1 >= 0.95
    }

    #[test]
    fn hit_difference_interval_covers_at_least_95_percent() {
        const REPS: usize = 10_000;
        // (name, n, P(a only), P(b only), P(both)): many discordant trials; few (5 expected);
        // no difference with few; a change that only helps (b hits whenever a does), with 5
        // and with 1 expected; and 10,000 trials with 5 expected, 30 and 30 with no difference.
        let regimes = [
            ("many", 1000, 0.04, 0.10, 0.30),
            ("few", 1000, 0.001, 0.004, 0.30),
            ("none, few", 1000, 0.0025, 0.0025, 0.30),
            ("one-sided", 1000, 0.0, 0.005, 0.30),
            ("one-sided, rare", 1000, 0.0, 0.001, 0.30),
            ("few, 10k", 10_000, 0.0001, 0.0004, 0.30),
            ("moderate, 10k", 10_000, 0.001, 0.002, 0.30),
            ("none, 10k", 10_000, 0.0015, 0.0015, 0.30),
        ];
        let mut failures = Vec::new();
        let mut wald_failed = false;
        for (k, (name, n, p_a, p_b, p_both)) in regimes.into_iter().enumerate() {
            let (covered, by_wald) = coverage(n, p_a, p_b, p_both, REPS, 17 + k as u64);
            let share = |c: usize| c as f64 / REPS as f64;
            eprintln!(
                "{name}: n {n}, {:.1} discordant expected: coverage {:.4}, Wald {:.4}",
                n as f64 * (p_a + p_b),
                share(covered),
                share(by_wald)
            );
            if !holds(covered, REPS) {
                failures.push(format!("{name}: {:.4}", share(covered)));
            }
            wald_failed |= !holds(by_wald, REPS);
        }
        assert!(failures.is_empty(), "coverage below 95%: {failures:?}");
        // The test has power: the Wald interval it replaced fails it.
        assert!(wald_failed);
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
