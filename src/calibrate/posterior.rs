//! Posteriors summarised for a scenario: the P10, P50 and P90 a belief is written with, the mean
//! and the standard deviation. Two shapes occur: a density known on a grid of values (the spread
//! of win rates, the market's shock sd and autocorrelation, from a likelihood on a grid and a
//! uniform prior) and a mixture of normals (a trend: normal given the shock's parameters, mixed
//! over their posterior).

use serde::Serialize;

use crate::stats::normal_cdf;

/// A posterior in five numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
}

/// The posterior whose density at the ascending, evenly or unevenly spaced `xs` is proportional
/// to `density` (not necessarily normalised), linear between them: its mass by the trapezoid
/// rule, its moments exactly for that density, its quantiles by linear interpolation of the
/// cumulative mass between grid points (good to the grid's resolution). `None` without mass.
pub fn grid(xs: &[f64], density: &[f64]) -> Option<Interval> {
    let n = xs.len();
    if n < 2 || density.len() != n {
        return None;
    }
    let mut cumulative = vec![0.0; n];
    let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
    for i in 1..n {
        let h = xs[i] - xs[i - 1];
        let (a, b) = (density[i - 1], density[i]);
        cumulative[i] = cumulative[i - 1] + h * (a + b) / 2.0;
        // Moments of the linear density on [x0, x1]: exact for x and x^2 by Simpson's rule.
        let (x0, x1) = (xs[i - 1], xs[i]);
        let xm = (x0 + x1) / 2.0;
        let fm = (a + b) / 2.0;
        let simpson = |g: &dyn Fn(f64) -> f64| h / 6.0 * (g(x0) * a + 4.0 * g(xm) * fm + g(x1) * b);
        m0 += simpson(&|_| 1.0);
        m1 += simpson(&|x| x);
        m2 += simpson(&|x| x * x);
    }
    let total = cumulative[n - 1];
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let quantile = |p: f64| {
        let target = p * total;
        let i = cumulative.partition_point(|c| *c < target).clamp(1, n - 1);
        let (c0, c1) = (cumulative[i - 1], cumulative[i]);
        let f = if c1 > c0 {
            (target - c0) / (c1 - c0)
        } else {
            0.0
        };
        xs[i - 1] + f * (xs[i] - xs[i - 1])
    };
    let mean = m1 / m0;
    Some(Interval {
        p10: quantile(0.1),
        p50: quantile(0.5),
        p90: quantile(0.9),
        mean,
        sd: (m2 / m0 - mean * mean).max(0.0).sqrt(),
    })
}

/// The mixture of normals N(`means[k]`, `variances[k]`) with `weights[k]` (not necessarily
/// normalised): its mean and standard deviation exactly, its quantiles by bisection of its
/// distribution function. `None` without weight.
pub fn normal_mixture(weights: &[f64], means: &[f64], variances: &[f64]) -> Option<Interval> {
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let mut mean = 0.0;
    let mut second = 0.0;
    for ((w, m), v) in weights.iter().zip(means).zip(variances) {
        mean += w * m;
        second += w * (v + m * m);
    }
    mean /= total;
    let sd = (second / total - mean * mean).max(0.0).sqrt();
    let cdf = |x: f64| {
        weights
            .iter()
            .zip(means)
            .zip(variances)
            .map(|((w, m), v)| {
                if *v > 0.0 {
                    w * normal_cdf((x - m) / v.sqrt())
                } else if x >= *m {
                    *w
                } else {
                    0.0
                }
            })
            .sum::<f64>()
            / total
    };
    let quantile = |p: f64| {
        let (mut lo, mut hi) = (mean - 10.0 * sd - 1e-12, mean + 10.0 * sd + 1e-12);
        for _ in 0..100 {
            let mid = (lo + hi) / 2.0;
            if cdf(mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    };
    Some(Interval {
        p10: quantile(0.1),
        p50: quantile(0.5),
        p90: quantile(0.9),
        mean,
        sd,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uniform_density_on_a_grid() {
        let xs: Vec<f64> = (0..=100).map(|i| f64::from(i) / 100.0).collect();
        let s = grid(&xs, &vec![3.0; xs.len()]).unwrap();
        assert!((s.p10 - 0.1).abs() < 1e-12 && (s.p50 - 0.5).abs() < 1e-12);
        assert!((s.p90 - 0.9).abs() < 1e-12 && (s.mean - 0.5).abs() < 1e-12);
        assert!((s.sd - (1.0f64 / 12.0).sqrt()).abs() < 1e-12);
        // A triangular density 2x on [0, 1]: P(X <= q) = q^2, mean 2/3, variance 1/18.
        let s = grid(&xs, &xs).unwrap();
        assert!((s.p50 - 0.5f64.sqrt()).abs() < 1e-3, "{s:?}");
        assert!((s.mean - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.sd - (1.0f64 / 18.0).sqrt()).abs() < 1e-12);
        assert!(grid(&xs, &vec![0.0; xs.len()]).is_none());
    }

    #[test]
    fn a_mixture_of_normals() {
        let one = normal_mixture(&[2.0], &[1.0], &[4.0]).unwrap();
        assert!(
            (one.p90 - (1.0 + 2.0 * 1.281_551_565_544_6)).abs() < 1e-9,
            "{one:?}"
        );
        assert!((one.p50 - 1.0).abs() < 1e-12 && (one.sd - 2.0).abs() < 1e-12);
        // Two equal halves at -1 and 1 with variance 1: mean 0, variance 2, median 0.
        let two = normal_mixture(&[1.0, 1.0], &[-1.0, 1.0], &[1.0, 1.0]).unwrap();
        assert!(two.p50.abs() < 1e-9 && (two.sd - 2f64.sqrt()).abs() < 1e-12);
        assert!((two.p10 + two.p90).abs() < 1e-9);
    }
}
