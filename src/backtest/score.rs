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
//! - **Inside P25-P75**: the 50% interval, both ends included; a right forecast puts half the
//!   actuals inside.
//! - **CRPS** (continuous ranked probability score, Gneiting & Raftery, JASA 2007): E|X - a| -
//!   E|X - X'| / 2 over the trials' empirical distribution, in dollars; 0 for a forecast that
//!   put every trial on the actual, lower is better; it rewards sharpness and calibration
//!   together and is comparable across forecasts of the same actuals.
//! - **Pinball loss** at P10, P50 and P90: `(a - q) x (tau - 1[a < q])` for the quantile q at level
//!   tau, in dollars; its mean over outcomes is what quantile regression minimises.
//! - **Clustered ranges**: the outcomes of one origin share its fit, so shares and means over
//!   outcomes get a 95% range from the spread between origins (a cluster-robust standard error
//!   of a ratio, with G / (G - 1) for G origins; normal, so a guide when G is small).

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

/// How one actual scored against its forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Outcome {
    /// Where it fell against P10 and P90.
    pub position: Position,
    /// Whether it fell in P25-P75, both ends included.
    pub inside_p25_p75: bool,
    /// Its mid-rank percentile among the trials (0-100).
    pub percentile_of_actual: f64,
    /// CRPS against the trials, USD.
    pub crps: f64,
    /// Pinball loss at P10, P50 and P90, USD.
    pub pinball: [f64; 3],
}

impl Outcome {
    /// The score of `actual` against ascending `sorted` trial values (not empty) and their band.
    pub fn of(sorted: &[f64], band: &Band, actual: f64) -> Outcome {
        let pinball = |tau: f64, q: f64| (actual - q) * (tau - if actual < q { 1.0 } else { 0.0 });
        Outcome {
            position: Position::of(actual, band),
            inside_p25_p75: band.p25 <= actual && actual <= band.p75,
            percentile_of_actual: percentile_of(sorted, actual),
            crps: crps(sorted, actual),
            pinball: [
                pinball(0.1, band.p10),
                pinball(0.5, band.p50),
                pinball(0.9, band.p90),
            ],
        }
    }
}

/// The CRPS of `actual` against the empirical distribution of ascending `sorted` (not empty):
/// mean |x - a| minus half the mean |x - x'| over all pairs, the latter from the order
/// statistics as (2 / n^2) x sum over i of (2i - n - 1) x_(i), i from 1.
pub fn crps(sorted: &[f64], actual: f64) -> f64 {
    let n = sorted.len() as f64;
    let to_actual = sorted.iter().map(|x| (x - actual).abs()).sum::<f64>() / n;
    let pairs = sorted
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x)
        .sum::<f64>()
        * 2.0
        / (n * n);
    to_actual - pairs / 2.0
}

/// Counts of outcomes by where they fell, and the sums of their scores.
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
    /// Inside P25-P75.
    pub inside_p25_p75: usize,
    /// The actuals' percentiles by tenth: `pit[k]` counts those from 10k to 10(k + 1) (the
    /// last tenth includes 100). Flat for a forecast that is right.
    pub pit: [usize; 10],
    /// Sum of the actuals' percentiles (for the mean).
    #[serde(skip)]
    pub percentile_sum: f64,
    /// Sum of the CRPS.
    #[serde(skip)]
    pub crps_sum: f64,
    /// Sums of the pinball losses at P10, P50, P90.
    #[serde(skip)]
    pub pinball_sum: [f64; 3],
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, o: &Outcome) {
        self.n += 1;
        self.percentile_sum += o.percentile_of_actual;
        self.crps_sum += o.crps;
        for (sum, loss) in self.pinball_sum.iter_mut().zip(o.pinball) {
            *sum += loss;
        }
        self.inside_p25_p75 += usize::from(o.inside_p25_p75);
        self.pit[((o.percentile_of_actual / 10.0).floor() as usize).min(9)] += 1;
        match o.position {
            Position::BelowP10 => self.below_p10 += 1,
            Position::Inside => self.inside += 1,
            Position::AboveP90 => self.above_p90 += 1,
        }
    }

    /// Adds another tally's counts and sums.
    pub fn merge(&mut self, o: &Tally) {
        self.n += o.n;
        self.inside += o.inside;
        self.below_p10 += o.below_p10;
        self.above_p90 += o.above_p90;
        self.inside_p25_p75 += o.inside_p25_p75;
        for (a, b) in self.pit.iter_mut().zip(o.pit) {
            *a += b;
        }
        self.percentile_sum += o.percentile_sum;
        self.crps_sum += o.crps_sum;
        for (a, b) in self.pinball_sum.iter_mut().zip(o.pinball_sum) {
            *a += b;
        }
    }

    /// Share inside P25-P75 (NaN without outcomes).
    pub fn inside_50_share(&self) -> f64 {
        self.inside_p25_p75 as f64 / self.n as f64
    }

    /// Mean CRPS, USD.
    pub fn mean_crps(&self) -> f64 {
        self.crps_sum / self.n as f64
    }

    /// Mean pinball loss at P10, P50 and P90, USD.
    pub fn mean_pinball(&self) -> [f64; 3] {
        self.pinball_sum.map(|s| s / self.n as f64)
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

/// A figure over outcomes with its 95% range from the spread between origins.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The share or mean over every outcome.
    pub value: f64,
    /// Lower end of the 95% range (None with fewer than two origins).
    pub low: Option<f64>,
    /// Upper end.
    pub high: Option<f64>,
}

/// The scores over outcomes grouped by origin (one [`Tally`] per origin), with clustered ranges.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Origins with an outcome.
    pub origins: usize,
    /// Share inside P10-P90 (80% expected).
    pub inside_80: Estimate,
    /// Share inside P25-P75 (50% expected).
    pub inside_50: Estimate,
    /// Mean percentile of the actuals (50 expected).
    pub mean_percentile: Estimate,
    /// Mean CRPS, USD.
    pub crps: Estimate,
    /// Mean pinball loss at P10, P50, P90, USD.
    pub pinball: [Estimate; 3],
}

impl Scores {
    /// The scores of the outcomes in `by_origin`.
    pub fn of(by_origin: &[Tally]) -> Scores {
        let groups: Vec<&Tally> = by_origin.iter().filter(|t| t.n > 0).collect();
        let ratio = |y: &dyn Fn(&Tally) -> f64| clustered(&groups, y);
        Scores {
            origins: groups.len(),
            inside_80: ratio(&|t| t.inside as f64),
            inside_50: ratio(&|t| t.inside_p25_p75 as f64),
            mean_percentile: ratio(&|t| t.percentile_sum),
            crps: ratio(&|t| t.crps_sum),
            pinball: [0, 1, 2].map(|k| ratio(&|t| t.pinball_sum[k])),
        }
    }
}

/// Sum of y over sum of n across `groups`, with the cluster-robust 95% range: standard error
/// sqrt(G / (G - 1) x sum over groups of (y_g - r n_g)^2) / sum of n_g.
fn clustered(groups: &[&Tally], y: &dyn Fn(&Tally) -> f64) -> Estimate {
    let n: f64 = groups.iter().map(|t| t.n as f64).sum();
    let r = groups.iter().map(|t| y(t)).sum::<f64>() / n;
    let g = groups.len() as f64;
    if groups.len() < 2 {
        return Estimate {
            value: r,
            low: None,
            high: None,
        };
    }
    let ss: f64 = groups.iter().map(|t| (y(t) - r * t.n as f64).powi(2)).sum();
    let se = (g / (g - 1.0) * ss).sqrt() / n;
    let z = crate::stats::normal_quantile(0.975);
    Estimate {
        value: r,
        low: Some(r - z * se),
        high: Some(r + z * se),
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
    fn crps_matches_its_definition() {
        // Two trials at 0 and 1, actual 0: E|X - a| = 0.5, E|X - X'| = (0 + 1 + 1 + 0) / 4.
        assert_eq!(crps(&[0.0, 1.0], 0.0), 0.25);
        // One trial: the absolute error.
        assert_eq!(crps(&[5.0], 3.0), 2.0);
        // Against the pairs summed directly.
        let v: Vec<f64> = (0..37).map(|i| ((i * 7919) % 101) as f64).collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        for a in [-3.0, 0.0, 42.5, 100.0, 250.0] {
            let n = v.len() as f64;
            let first = v.iter().map(|x| (x - a).abs()).sum::<f64>() / n;
            let pairs = v
                .iter()
                .flat_map(|x| v.iter().map(move |y| (x - y).abs()))
                .sum::<f64>()
                / (n * n);
            let direct = first - pairs / 2.0;
            assert!((crps(&sorted, a) - direct).abs() < 1e-9, "{a}");
        }
    }

    #[test]
    fn an_outcome_scores_its_intervals_and_losses() {
        let v: Vec<f64> = (0..=10).map(f64::from).collect();
        let b = Band::of_sorted(&v);
        let o = Outcome::of(&v, &b, 2.0);
        assert_eq!(o.position, Position::Inside);
        assert!(!o.inside_p25_p75); // P25 is 2.5
        // Pinball: (2 - 1) x 0.1; (2 - 5) x (0.5 - 1); (2 - 9) x (0.9 - 1).
        for (got, want) in o.pinball.iter().zip([0.1, 1.5, 0.7]) {
            assert!((got - want).abs() < 1e-12, "{got} against {want}");
        }
        assert!(Outcome::of(&v, &b, 5.0).inside_p25_p75);
    }

    #[test]
    fn clustered_ranges_come_from_the_spread_between_origins() {
        let origin = |inside: usize, n: usize| {
            let mut t = Tally::default();
            for k in 0..n {
                let position = if k < inside {
                    Position::Inside
                } else {
                    Position::AboveP90
                };
                t.add(&Outcome {
                    position,
                    inside_p25_p75: false,
                    percentile_of_actual: 50.0,
                    crps: 1.0,
                    pinball: [0.0; 3],
                });
            }
            t
        };
        // Origins alike: no spread between them, a range of width 0.
        let s = Scores::of(&[origin(4, 5), origin(4, 5), origin(4, 5)]);
        assert_eq!(s.origins, 3);
        assert!((s.inside_80.value - 0.8).abs() < 1e-12);
        assert!((s.inside_80.high.unwrap() - s.inside_80.low.unwrap()).abs() < 1e-12);
        // Origins that differ: all in, or none: the share is 0.5 with a wide range,
        // sqrt(2 / 1 x (2.5^2 + 2.5^2)) / 10 = 0.5 standard errors of 1.96.
        let s = Scores::of(&[origin(5, 5), origin(0, 5)]);
        let half = s.inside_80.high.unwrap() - 0.5;
        assert!((half - crate::stats::normal_quantile(0.975) * 0.5).abs() < 1e-12);
        // One origin: no range.
        assert_eq!(Scores::of(&[origin(4, 5)]).inside_80.low, None);
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
