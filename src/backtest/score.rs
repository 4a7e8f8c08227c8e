//! Where an actual figure fell in a forecast distribution, and how often over many.
//!
//! - **Band**: the forecast's mean and type-7 quantiles (Excel `PERCENTILE.INC`, as everywhere
//!   in revsim) over the trials.
//! - **Inside P10-P90**: P10 <= actual <= P90, both ends included; below P10 or above P90
//!   otherwise. A forecast that is right puts 80% of actuals inside, 10% on each side.
//! - **Percentile of the actual**: the mid-rank 100 x (trials below + half the trials equal) /
//!   trials. Ties matter: a small org has months in which many trials book nothing, and an
//!   actual of $0 then sits in the middle of the trials at $0, not at their top or bottom. For
//!   a forecast that is right (and continuous) it is uniform on 0-100, with mean 50.
//! - **Coverage**: counts over outcomes, with the central 95% range of the share inside that a
//!   right forecast gives for that many *independent* outcomes (exact binomial). Outcomes of one
//!   origin share its fitted parameters, and successive origins share months and history, so
//!   the real range is wider; the range is a reading aid, not a test.

use serde::Serialize;

use crate::stats::quantile_sorted;

/// The forecast of one figure: mean and quantiles over the trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Mean.
    pub mean: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
}

impl Band {
    /// The band of ascending `sorted` trial values (not empty).
    pub fn of_sorted(sorted: &[f64]) -> Band {
        let q = |p| quantile_sorted(sorted, p);
        Band {
            mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
            p10: q(0.10),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p90: q(0.90),
        }
    }
}

/// Where an actual fell against P10 and P90.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Below P10.
    BelowP10,
    /// From P10 to P90, both included.
    Inside,
    /// Above P90.
    AboveP90,
}

impl Position {
    /// Where `actual` falls in `band`.
    pub fn of(actual: f64, band: &Band) -> Position {
        if actual < band.p10 {
            Position::BelowP10
        } else if actual > band.p90 {
            Position::AboveP90
        } else {
            Position::Inside
        }
    }

    /// As written in backtest.csv.
    pub fn name(self) -> &'static str {
        match self {
            Position::BelowP10 => "below_p10",
            Position::Inside => "inside",
            Position::AboveP90 => "above_p90",
        }
    }
}

/// The mid-rank percentile (0-100) of `actual` among ascending `sorted` values (not empty):
/// 100 x (values below + half the values equal) / values.
pub fn percentile_of(sorted: &[f64], actual: f64) -> f64 {
    let below = sorted.partition_point(|v| *v < actual);
    let not_above = sorted.partition_point(|v| *v <= actual);
    100.0 * (below as f64 + 0.5 * (not_above - below) as f64) / sorted.len() as f64
}

/// Counts of outcomes by where they fell.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Tally {
    /// Outcomes.
    pub n: usize,
    /// Inside P10-P90.
    pub inside: usize,
    /// Below P10.
    pub below_p10: usize,
    /// Above P90.
    pub above_p90: usize,
    /// Sum of the actuals' percentiles (for the mean).
    #[serde(skip)]
    pub percentile_sum: f64,
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, position: Position, percentile: f64) {
        self.n += 1;
        self.percentile_sum += percentile;
        match position {
            Position::BelowP10 => self.below_p10 += 1,
            Position::Inside => self.inside += 1,
            Position::AboveP90 => self.above_p90 += 1,
        }
    }

    /// Share inside P10-P90 (NaN without outcomes).
    pub fn inside_share(&self) -> f64 {
        self.inside as f64 / self.n as f64
    }

    /// Share below P10.
    pub fn below_share(&self) -> f64 {
        self.below_p10 as f64 / self.n as f64
    }

    /// Share above P90.
    pub fn above_share(&self) -> f64 {
        self.above_p90 as f64 / self.n as f64
    }

    /// Mean percentile of the actuals (50 for a forecast that is right).
    pub fn mean_percentile(&self) -> f64 {
        self.percentile_sum / self.n as f64
    }

    /// The central 95% range of the share inside for `n` independent outcomes of a forecast
    /// that is right: [`binomial_range`] with p = 0.8.
    pub fn expected_range(&self) -> (f64, f64) {
        binomial_range(self.n, 0.8, 0.95)
    }
}

/// The central `level` range of K / n for K ~ Binomial(n, p): from the smallest k with
/// P(K <= k) >= (1 - level) / 2 to the smallest k with P(K <= k) >= (1 + level) / 2, over n.
/// (0, 1) for n = 0.
pub fn binomial_range(n: usize, p: f64, level: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (lo_tail, hi_tail) = ((1.0 - level) / 2.0, (1.0 + level) / 2.0);
    // The pmf by the recurrence from k = 0, in logs so that large n does not underflow.
    let ln_p = p.ln();
    let ln_q = (1.0 - p).ln();
    let mut ln_pmf = n as f64 * ln_q;
    let mut cdf = 0.0;
    let (mut lo, mut hi) = (None, None);
    for k in 0..=n {
        if k > 0 {
            ln_pmf += ((n - k + 1) as f64).ln() - (k as f64).ln() + ln_p - ln_q;
        }
        cdf += ln_pmf.exp();
        if lo.is_none() && cdf >= lo_tail - 1e-12 {
            lo = Some(k);
        }
        if hi.is_none() && cdf >= hi_tail - 1e-12 {
            hi = Some(k);
            break;
        }
    }
    let (lo, hi) = (lo.unwrap_or(0), hi.unwrap_or(n));
    (lo as f64 / n as f64, hi as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_split_ties() {
        let v = [0.0, 0.0, 0.0, 0.0, 10.0, 20.0, 30.0, 40.0];
        // Four trials at 0: an actual of 0 sits in their middle.
        assert_eq!(percentile_of(&v, 0.0), 25.0);
        assert_eq!(percentile_of(&v, -1.0), 0.0);
        assert_eq!(percentile_of(&v, 15.0), 62.5);
        assert_eq!(percentile_of(&v, 40.0), 100.0 * 7.5 / 8.0);
        assert_eq!(percentile_of(&v, 41.0), 100.0);
    }

    #[test]
    fn band_ends_are_inside() {
        let v: Vec<f64> = (0..=10).map(f64::from).collect();
        let b = Band::of_sorted(&v);
        assert_eq!((b.p10, b.p50, b.p90, b.mean), (1.0, 5.0, 9.0, 5.0));
        assert_eq!(Position::of(1.0, &b), Position::Inside);
        assert_eq!(Position::of(9.0, &b), Position::Inside);
        assert_eq!(Position::of(0.5, &b), Position::BelowP10);
        assert_eq!(Position::of(9.5, &b), Position::AboveP90);
    }

    #[test]
    fn binomial_ranges() {
        // Binomial(10, 0.8): P(K <= 5) = 0.0328 >= 0.025 > P(K <= 4) = 0.0064; P(K <= 9) =
        // 0.8926 < 0.975 <= P(K <= 10) = 1.
        assert_eq!(binomial_range(10, 0.8, 0.95), (0.5, 1.0));
        // Binomial(100, 0.8): 95% of outcomes from 72 to 88.
        assert_eq!(binomial_range(100, 0.8, 0.95), (0.72, 0.88));
        assert_eq!(binomial_range(0, 0.8, 0.95), (0.0, 1.0));
    }
}
