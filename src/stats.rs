//! Descriptive statistics over trials: pure functions over slices.
//!
//! Quantiles use the definition Excel's `PERCENTILE.INC` uses (Hyndman & Fan type 7: linear
//! interpolation between order statistics at position (n - 1) p), so figures match what finance
//! computes from `trials.csv` in a spreadsheet. P10 is the 10th percentile: a 90% chance of
//! doing better.

use serde::Serialize;

mod select;

/// The quantiles reported everywhere, as (label, probability).
pub const QUANTILES: [(&str, f64); 7] = [
    ("p5", 0.05),
    ("p10", 0.10),
    ("p25", 0.25),
    ("p50", 0.50),
    ("p75", 0.75),
    ("p90", 0.90),
    ("p95", 0.95),
];

/// Type-7 quantile of ascending `sorted` values (non-empty).
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    debug_assert!(!sorted.is_empty());
    let (lo, frac) = quantile_position(sorted.len(), p);
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Where the type-7 `p` quantile of `n` sorted values lies: the 0-based rank below it and the
/// fraction of the way to the next one (position (n - 1) p).
pub fn quantile_position(n: usize, p: f64) -> (usize, f64) {
    let h = (n.max(1) - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor();
    (lo as usize, h - lo)
}

/// Distribution summary of one quantity over trials.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Distribution {
    /// Trials with a value (NaN values, such as an undefined share, are left out).
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Standard deviation (n - 1 denominator).
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 10th percentile: a 90% chance of doing better.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile: a 10% chance of doing better.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest value.
    pub max: f64,
}

impl Distribution {
    /// Summarises `values` (sorted in place; NaN values are dropped first). `None` if no value
    /// is left.
    pub fn of(values: &mut Vec<f64>) -> Option<Distribution> {
        values.retain(|v| !v.is_nan());
        if values.is_empty() {
            return None;
        }
        values.sort_unstable_by(f64::total_cmp);
        Some(Distribution::of_sorted(values))
    }

    /// Summarises `sorted`: values in ascending order, none NaN, at least one.
    fn of_sorted(values: &[f64]) -> Distribution {
        Distribution::of_sorted_by(values.len(), |i| values[i])
    }

    /// [`Distribution::of_sorted`] of the `n` ascending values `at(0)`, ..., `at(n - 1)`: the
    /// mean and the standard deviation are summed in that order, so the same values give the
    /// same bits however they are held.
    #[inline]
    fn of_sorted_by(n: usize, at: impl Fn(usize) -> f64) -> Distribution {
        let mean = (0..n).map(&at).sum::<f64>() / n as f64;
        let sd = if n > 1 {
            ((0..n)
                .map(|i| {
                    let v = at(i);
                    (v - mean) * (v - mean)
                })
                .sum::<f64>()
                / (n - 1) as f64)
                .sqrt()
        } else {
            0.0
        };
        Distribution::with_quantiles(n, mean, sd, at)
    }

    /// The distribution of `n` values with this mean and standard deviation whose order
    /// statistics (0-based ranks, ascending) `at` gives: the quantiles are read as
    /// [`quantile_sorted`] reads them, so `at` is asked only for the ranks they need, the first
    /// and the last.
    #[inline]
    fn with_quantiles(n: usize, mean: f64, sd: f64, at: impl Fn(usize) -> f64) -> Distribution {
        let q = |p| {
            let (lo, frac) = quantile_position(n, p);
            let hi = (lo + 1).min(n - 1);
            at(lo) + frac * (at(hi) - at(lo))
        };
        Distribution {
            n,
            mean,
            sd,
            min: at(0),
            p5: q(0.05),
            p10: q(0.10),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p90: q(0.90),
            p95: q(0.95),
            max: at(n - 1),
        }
    }

    /// [`Distribution::of`] for `f32` data (the per-month figures), with the same result except
    /// that the standard deviation may differ in its last bits. A column of a run's length is
    /// summarised by selection (see `select`): its few order statistics found from histograms
    /// of order-preserving integer keys, with its sum taken only when exact; any other column
    /// (NaN values, values too far apart in scale for an exact sum, short ones) is sorted by a
    /// radix sort on the same keys. Both are several times faster than a comparison sort.
    pub fn of_f32(values: &[f32]) -> Option<Distribution> {
        Distribution::of_f32_in(values, &mut SortBuffers::default())
    }

    /// [`Distribution::of_f32`] with the working space in `buffers`, kept between calls (the
    /// monthly summaries sort a thousand columns).
    pub fn of_f32_in(values: &[f32], buffers: &mut SortBuffers) -> Option<Distribution> {
        select::summary(values, &mut buffers.select)
            .or_else(|| Distribution::by_radix_sort(values, buffers))
    }

    /// [`Distribution::of_f32_in`] by sorting every value, a radix sort on order-preserving
    /// integer keys.
    fn by_radix_sort(values: &[f32], buffers: &mut SortBuffers) -> Option<Distribution> {
        let SortBuffers { keys, other, .. } = buffers;
        // One pass makes the keys and counts the digits of all three radix passes.
        keys.clear();
        keys.reserve(values.len());
        let mut counts = [[0u32; 2048]; 3];
        for v in values {
            if !v.is_nan() {
                let k = ordered_key(*v);
                counts[0][(k & 0x7ff) as usize] += 1;
                counts[1][((k >> 11) & 0x7ff) as usize] += 1;
                counts[2][(k >> 22) as usize] += 1;
                keys.push(k);
            }
        }
        let n = keys.len();
        if n == 0 {
            return None;
        }
        if n < 256 || u32::try_from(n).is_err() {
            keys.sort_unstable();
        } else {
            other.clear();
            other.resize(n, 0);
            for (pass, shift) in [0u32, 11, 22].into_iter().enumerate() {
                let counts = &mut counts[pass];
                if counts.contains(&(n as u32)) {
                    continue; // every key has the same digit: this pass would not move anything
                }
                let mut sum = 0;
                for c in counts.iter_mut() {
                    let here = *c;
                    *c = sum;
                    sum += here;
                }
                for &k in keys.iter() {
                    let d = ((k >> shift) & 0x7ff) as usize;
                    other[counts[d] as usize] = k;
                    counts[d] += 1;
                }
                std::mem::swap(keys, other);
            }
        }
        // The sorted values, read from the keys as they are needed.
        let keys = &keys[..];
        Some(Distribution::of_sorted_by(n, |i| {
            f64::from(from_ordered_key(keys[i]))
        }))
    }

    /// The value of a quantile label from [`QUANTILES`], or `mean`.
    pub fn stat(&self, label: &str) -> f64 {
        match label {
            "mean" => self.mean,
            "p5" => self.p5,
            "p10" => self.p10,
            "p25" => self.p25,
            "p50" => self.p50,
            "p75" => self.p75,
            "p90" => self.p90,
            "p95" => self.p95,
            _ => f64::NAN,
        }
    }
}

/// Working space for [`Distribution::of_f32_in`].
#[derive(Debug, Default)]
pub struct SortBuffers {
    keys: Vec<u32>,
    other: Vec<u32>,
    select: select::Scratch,
}

/// An integer key that sorts like the `f32` (positives above negatives, -0 just below +0).
#[inline]
pub fn ordered_key(v: f32) -> u32 {
    let b = v.to_bits();
    if b >> 31 == 1 { !b } else { b | 0x8000_0000 }
}

/// The `f32` of an [`ordered_key`].
#[inline]
pub fn from_ordered_key(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & 0x7fff_ffff } else { !k })
}

/// Sorts `keys` ascending: least-significant-digit radix sort in three passes of 11, 11 and 10
/// bits (a comparison sort below 256 keys).
pub fn radix_sort(keys: &mut Vec<u32>) {
    radix_sort_with(keys, &mut Vec::new());
}

/// [`radix_sort`] with `other` as the second buffer (its contents are overwritten).
pub fn radix_sort_with(keys: &mut Vec<u32>, other: &mut Vec<u32>) {
    let n = keys.len();
    if n < 256 {
        keys.sort_unstable();
        return;
    }
    other.clear();
    other.resize(n, 0);
    let mut counts = [0usize; 2048];
    for (shift, bits) in [(0u32, 11u32), (11, 11), (22, 10)] {
        let mask = (1u32 << bits) - 1;
        counts[..=mask as usize].fill(0);
        for &k in keys.iter() {
            counts[((k >> shift) & mask) as usize] += 1;
        }
        if counts[..=mask as usize].contains(&n) {
            continue; // every key has the same digit: this pass would not move anything
        }
        let mut sum = 0;
        for c in counts[..=mask as usize].iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        for &k in keys.iter() {
            let d = ((k >> shift) & mask) as usize;
            other[counts[d]] = k;
            counts[d] += 1;
        }
        std::mem::swap(keys, other);
    }
}

/// Summary of integer data held as a histogram (`hist[v]` = how many times `v` occurred).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HistogramSummary {
    /// Number of observations.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

impl HistogramSummary {
    /// Summarises a histogram; `None` if it is empty. Quantiles are type 7, as for raw data.
    pub fn of(hist: &[u64]) -> Option<HistogramSummary> {
        let n: u64 = hist.iter().sum();
        if n == 0 {
            return None;
        }
        let mean = hist
            .iter()
            .enumerate()
            .map(|(v, c)| v as f64 * *c as f64)
            .sum::<f64>()
            / n as f64;
        // The value at 0-based rank k of the sorted data.
        let at = |k: u64| {
            let mut seen = 0;
            for (v, c) in hist.iter().enumerate() {
                seen += c;
                if seen > k {
                    return v as f64;
                }
            }
            (hist.len() - 1) as f64
        };
        let q = |p: f64| {
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as u64;
            let (a, b) = (at(lo), at((lo + 1).min(n - 1)));
            a + (h - lo as f64) * (b - a)
        };
        Some(HistogramSummary {
            n,
            mean,
            p10: q(0.1),
            p50: q(0.5),
            p90: q(0.9),
        })
    }
}

/// The standard normal CDF, Φ(z), with musl's erfc (correct to about an ulp).
#[inline]
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The standard normal quantile, Φ⁻¹(p): statrs' inverse error function (relative error near
/// 1e-15, also far in the tails; the rational approximation used before results version 3 was
/// off by up to 1e-7).
#[inline]
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
    }
}

/// A probability estimated from trials, with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Probability {
    /// Share of trials where the event happened.
    pub p: f64,
    /// Lower end of the 95% confidence interval.
    pub ci95_low: f64,
    /// Upper end of the 95% confidence interval.
    pub ci95_high: f64,
}

impl Probability {
    /// From `hits` out of `n` trials (n > 0).
    pub fn from_counts(hits: usize, n: usize) -> Probability {
        let (lo, hi) = wilson(hits, n, 1.959_963_984_540_054);
        Probability {
            p: hits as f64 / n as f64,
            ci95_low: lo,
            ci95_high: hi,
        }
    }
}

/// Distribution-free 95%-style interval for the `p` quantile of ascending `sorted` values (non-
/// empty): the order statistics at ranks n p -/+ z sqrt(n p (1 - p)), which cover the true
/// quantile with probability about that of a normal z (binomial argument; no assumption about
/// the distribution of the values).
pub fn quantile_ci(sorted: &[f64], p: f64, z: f64) -> (f64, f64) {
    debug_assert!(!sorted.is_empty());
    let n = sorted.len() as f64;
    let half = z * (n * p * (1.0 - p)).sqrt();
    let last = sorted.len() - 1;
    let lo = ((n * p - half).floor() as isize - 1).clamp(0, last as isize) as usize;
    let hi = ((n * p + half).ceil() as isize - 1).clamp(0, last as isize) as usize;
    (sorted[lo], sorted[hi])
}

/// The normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval for a binomial proportion.
pub fn wilson(hits: usize, n: usize, z: f64) -> (f64, f64) {
    let n = n as f64;
    let p = hits as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_excel_percentile_inc() {
        // Excel: PERCENTILE.INC({1,2,3,4,10}, 0.1) = 1.4; 0.5 -> 3; 0.9 -> 7.6
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((quantile_sorted(&v, 0.1) - 1.4).abs() < 1e-12);
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert!((quantile_sorted(&v, 0.9) - 7.6).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[5.0], 0.9), 5.0);
    }

    #[test]
    fn distribution_drops_nan_and_orders_quantiles() {
        let mut v = vec![3.0, f64::NAN, 1.0, 2.0];
        let d = Distribution::of(&mut v).unwrap();
        assert_eq!(d.n, 3);
        assert_eq!((d.min, d.p50, d.max), (1.0, 2.0, 3.0));
        assert!(d.p5 <= d.p10 && d.p10 <= d.p25 && d.p25 <= d.p50);
        assert!(Distribution::of(&mut vec![f64::NAN]).is_none());
    }

    #[test]
    fn f32_summaries_equal_the_f64_ones() {
        // Radix-sorted f32 data summarise exactly as the comparison-sorted f64 data do.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let values: Vec<f32> = (0..5000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                match i % 7 {
                    0 => f32::NAN,
                    1 => -((x % 1000) as f32),
                    2 => 0.0,
                    3 => -0.0,
                    _ => (x % 1_000_000) as f32 * 1.37,
                }
            })
            .collect();
        let mut as_f64: Vec<f64> = values.iter().map(|v| *v as f64).collect();
        let a = Distribution::of(&mut as_f64).unwrap();
        let b = Distribution::of_f32(&values).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert!(Distribution::of_f32(&[f32::NAN]).is_none());
        let few = [3.0f32, -1.0, 2.0];
        assert_eq!(Distribution::of_f32(&few).unwrap().p50, 2.0);
    }

    #[test]
    fn f32_summaries_skip_no_digit_wrongly() {
        // The radix sort, where the columns that selection refuses go. Whole numbers in a
        // narrow range (the low digit is the same in every key, so its pass is skipped), a
        // constant column (every pass skipped) and dollar figures (no pass skipped), each as
        // long as a run's monthly column.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let columns: [Vec<f32>; 3] = [
            (0..40_000).map(|_| (190 + next() % 12) as f32).collect(),
            vec![7.0; 40_000],
            (0..40_000)
                .map(|_| (next() % 9_000_000) as f32 * 0.5 - 100.0)
                .collect(),
        ];
        for values in columns {
            let mut as_f64: Vec<f64> = values.iter().map(|v| *v as f64).collect();
            let a = Distribution::of(&mut as_f64).unwrap();
            let b = Distribution::by_radix_sort(&values, &mut SortBuffers::default()).unwrap();
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
    }

    #[test]
    fn normal_quantiles_are_accurate() {
        for (p, z) in [
            (0.5, 0.0),
            (0.8, 0.841_621_233_572_914_2),
            (0.975, 1.959_963_984_540_054),
            (0.001, -3.090_232_306_167_813_6),
        ] {
            // Reference values to 17 digits; a few ulps of error at most.
            assert!(
                (normal_quantile(p) - z).abs() <= 4.0 * f64::EPSILON * z.abs().max(1.0),
                "p = {p}"
            );
        }
    }

    #[test]
    fn histogram_quantiles_match_raw_data() {
        // Data 1, 2, 2, 3, 10 as a histogram.
        let mut hist = vec![0u64; 11];
        for v in [1usize, 2, 2, 3, 10] {
            hist[v] += 1;
        }
        let h = HistogramSummary::of(&hist).unwrap();
        let raw = [1.0, 2.0, 2.0, 3.0, 10.0];
        assert_eq!(h.p50, quantile_sorted(&raw, 0.5));
        assert!((h.p90 - quantile_sorted(&raw, 0.9)).abs() < 1e-12);
        assert!((h.mean - 3.6).abs() < 1e-12);
        assert!(HistogramSummary::of(&[0, 0]).is_none());
    }

    #[test]
    fn wilson_interval_contains_estimate() {
        let p = Probability::from_counts(62, 100);
        assert!(p.ci95_low < 0.62 && 0.62 < p.ci95_high);
        let p = Probability::from_counts(0, 100);
        assert!(p.ci95_low.abs() < 1e-12);
        assert!(p.ci95_high > 0.0 && p.ci95_high < 0.05);
    }
}
