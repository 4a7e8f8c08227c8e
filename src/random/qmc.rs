//! Randomised quasi-Monte Carlo for the across-trial draws (`simulation.sampling = "sobol"`):
//! Owen-scrambled Sobol' points, in independent replicates, so that error bars stay honest.
//!
//! Trial `t` belongs to replicate `t mod R` ([`REPLICATES`] = 16) and is point `t div R` of
//! that replicate's sequence; a parameter's dimension is fixed by its key path (the table in
//! [`crate::model::overlay`]), never by its place in the file. So trial `t`'s draws depend
//! only on the seed, `t` and the key path: not on the trial count, the shards or the threads,
//! and adding a parameter leaves the others' draws as they were (common random numbers).
//!
//! Each replicate is a different randomisation (a hash-based Owen scramble, Burley 2020,
//! "Practical Hash-based Owen Scrambling", of the Joe-Kuo Sobol' sequence): every point is
//! uniform on its own, so each replicate's estimate is unbiased, and the replicates are
//! independent of one another, so the spread of their estimates gives a standard error
//! ([`mean_interval`], [`quantile_interval`]). A replicate's sequence has 2^16 points; its
//! points beyond that form a further, independently scrambled replicate.

use sobol_burley::parts::{hash, owen_scramble_rev, sobol_rev};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::streams::mix64;
use crate::stats::{Z95, normal_quantile, quantile_sorted, wilson};

/// Independently scrambled replicates that the trials are dealt into, in turn.
pub const REPLICATES: usize = 16;

/// Points of one scrambled sequence (the direction numbers' 16 bits).
const POINTS: usize = 1 << 16;

/// Dimensions available (the direction numbers' table).
pub const DIMENSIONS: u32 = sobol_burley::NUM_DIMENSIONS;

/// The independent randomisation that trial `t` belongs to: its replicate, and for trials
/// past the first 2^16 points of every replicate, a further one.
#[inline]
pub fn unit_of(trial: usize) -> usize {
    let (replicate, point) = (trial % REPLICATES, trial / REPLICATES);
    replicate + REPLICATES * (point / POINTS)
}

/// Trial `trial`'s coordinate in dimension `dim` (`< DIMENSIONS`), uniform on (0, 1): the
/// midpoint of its 2^-32 cell, so never 0 or 1.
pub fn uniform(seed: u64, trial: u64, dim: u32) -> f64 {
    let t = trial as usize;
    let unit = unit_of(t) as u64;
    let point = ((t / REPLICATES) % POINTS) as u32;
    let key = mix64(mix64(seed ^ 0x5265_7653_696d_5153) ^ unit); // "RevSimQS"
    let fold = |k: u64| (k >> 32) as u32 ^ k as u32;
    // The replicate's order of its points: scrambling the reversed index keeps every prefix of
    // 2^k points a stratified set.
    let index = owen_scramble_rev(point.reverse_bits(), hash(fold(key)));
    let bits = sobol_rev(index, dim);
    let scramble = fold(mix64(key ^ u64::from(dim).wrapping_add(1) << 40));
    let x = owen_scramble_rev(bits, hash(scramble)).reverse_bits();
    (f64::from(x) + 0.5) / 4_294_967_296.0
}

/// Trial `trial`'s standard normal in dimension `dim`.
#[inline]
pub fn normal(seed: u64, trial: u64, dim: u32) -> f64 {
    normal_quantile(uniform(seed, trial, dim))
}

/// The 97.5% point of Student's t with `df` degrees of freedom.
fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::INFINITY)
}

/// Values grouped by the unit of their trial (`first_trial + i` for `values[i]`).
fn by_unit(values: &[f64], first_trial: usize) -> Vec<Vec<f64>> {
    let mut groups: Vec<Vec<f64>> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let u = unit_of(first_trial + i);
        if groups.len() <= u {
            groups.resize_with(u + 1, Vec::new);
        }
        groups[u].push(*v);
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// The mean of `values` (trial `first_trial + i` at `i`) and its 95% interval from the
/// spread of the replicates' means: the ratio estimator's standard error over G units,
/// times Student's t with G - 1 degrees of freedom. Fewer than two units: unbounded.
pub fn mean_interval(values: &[f64], first_trial: usize) -> (f64, f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let groups = by_unit(values, first_trial);
    let g = groups.len();
    if g < 2 {
        return (mean, f64::NEG_INFINITY, f64::INFINITY);
    }
    let ss: f64 = groups
        .iter()
        .map(|x| {
            let m = x.iter().sum::<f64>() / x.len() as f64;
            (x.len() as f64 / n * (m - mean)).powi(2)
        })
        .sum();
    let se = (ss * g as f64 / (g as f64 - 1.0)).sqrt();
    let half = t975(g - 1) * se;
    (mean, mean - half, mean + half)
}

/// A 95% interval for the `p` quantile `estimate` of `values` (trial `first_trial + i` at
/// `i`): the standard error of the mean of the replicates' own `p` quantiles, times Student's
/// t with G - 1 degrees of freedom, around the estimate from all trials.
pub fn quantile_interval(values: &[f64], first_trial: usize, p: f64, estimate: f64) -> (f64, f64) {
    let groups = by_unit(values, first_trial);
    let g = groups.len();
    if g < 2 {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let q: Vec<f64> = groups
        .into_iter()
        .map(|mut x| {
            x.sort_by(f64::total_cmp);
            quantile_sorted(&x, p)
        })
        .collect();
    let m = q.iter().sum::<f64>() / g as f64;
    let var = q.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (g as f64 - 1.0);
    let half = t975(g - 1) * (var / g as f64).sqrt();
    (estimate - half, estimate + half)
}

/// P(value >= plan) over `values` (trial `first_trial + i` at `i`) and its 95% interval from
/// the replicates; when all or none reach the plan the replicates show no spread, and the
/// (wider) Wilson interval of independent trials says how sure that is.
pub fn hit_interval(values: &[f64], plan: f64, first_trial: usize) -> (f64, f64, f64) {
    let hit: Vec<f64> = values.iter().map(|v| f64::from(*v >= plan)).collect();
    let hits = hit.iter().filter(|h| **h > 0.0).count();
    let p = hits as f64 / values.len() as f64;
    if hits == 0 || hits == values.len() {
        let (lo, hi) = wilson(hits, values.len(), Z95);
        return (p, lo, hi);
    }
    let (p, lo, hi) = mean_interval(&hit, first_trial);
    (p, lo.max(0.0), hi.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefix_of_a_power_of_two_is_stratified() {
        // The first 2^k points of a replicate put one point in each interval of width 2^-k in
        // every dimension (a (0, k, 1)-net per coordinate), whatever the seed.
        for seed in [1, 7, 1234] {
            for dim in [0, 1, 5, 40] {
                for replicate in [0, 3] {
                    let k = 8;
                    let mut seen = vec![false; 1 << k];
                    for point in 0..1 << k {
                        let t = (replicate + REPLICATES * point) as u64;
                        let u = uniform(seed, t, dim);
                        assert!(u > 0.0 && u < 1.0);
                        seen[(u * f64::from(1 << k)) as usize] = true;
                    }
                    assert!(seen.iter().all(|s| *s), "seed {seed} dim {dim}");
                }
            }
        }
    }

    #[test]
    fn a_trials_draw_depends_only_on_seed_trial_and_dimension() {
        assert_eq!(uniform(3, 12345, 2), uniform(3, 12345, 2));
        assert_ne!(uniform(3, 12345, 2), uniform(4, 12345, 2));
        assert_ne!(uniform(3, 12345, 2), uniform(3, 12345, 3));
        // Units: replicates in turn, then a further unit past 2^16 points of each.
        assert_eq!(unit_of(0), 0);
        assert_eq!(unit_of(17), 1);
        assert_eq!(unit_of(REPLICATES * POINTS), REPLICATES);
        assert_eq!(unit_of(REPLICATES * POINTS + 5), REPLICATES + 5);
    }

    #[test]
    fn replicates_integrate_better_than_random_points() {
        // The mean of a smooth function of two coordinates over 4,096 trials: the spread of
        // the replicates' estimates is far below plain Monte Carlo's sd / sqrt(n).
        let f = |u: f64, v: f64| (u * 3.0).sin() + v * v;
        let n = 4096;
        let values: Vec<f64> = (0..n)
            .map(|t| f(uniform(9, t, 0), uniform(9, t, 1)))
            .collect();
        let (mean, lo, hi) = mean_interval(&values, 0);
        let exact = (1.0 - 3f64.cos()) / 3.0 + 1.0 / 3.0;
        assert!(lo <= exact && exact <= hi, "{lo} {mean} {hi} {exact}");
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        let mc_half = 1.96 * sd / (n as f64).sqrt();
        assert!(hi - mean < mc_half / 5.0, "{} vs {mc_half}", hi - mean);
    }
}
