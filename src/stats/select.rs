//! A month's column summarised by selection: the few order statistics its quantiles need, found
//! from histograms of the values' order-preserving keys instead of by sorting every value.
//!
//! A column of a run (one metric in one month, a value per trial) is summarised by its mean,
//! its smallest and largest values, and the two values on either side of each quantile: at most
//! 14 order statistics. [`summary`] finds them in three passes over the column:
//!
//! 1. a scan: the smallest and largest keys, the range of binary exponents, and whether every
//!    value is a whole number; then the sum, in lanes;
//! 2. a histogram of the keys in 2048 buckets over their range (or, for whole numbers spanning
//!    under 4096, one bucket per number, which answers at once), which says the bucket of each
//!    rank;
//! 3. the keys of those few buckets, gathered and searched the same way, 11 more bits of the key
//!    at each level (so at most two levels more).
//!
//! The result is the sorted summary's, bit for bit, except the standard deviation:
//!
//! - the order statistics are the same values;
//! - the sum is the same number: it is taken only when every partial sum is exact (every value a
//!   whole multiple of the unit of the one with the smallest exponent, and n times the largest
//!   under 2^53 of those units), and then the order of the additions cannot change it, down to
//!   the sign of a zero;
//! - the standard deviation is summed in trial order, so it may differ from the sorted one in
//!   its last bits (the monthly outputs do not report it).
//!
//! A column with a NaN or an infinity, with values too far apart in scale for an exact sum, or
//! shorter than 256 values gets `None`: the caller sorts it.

use super::{Distribution, QUANTILES, from_ordered_key, ordered_key, quantile_position};

/// Key bits a histogram level resolves.
const BITS: u32 = 11;
/// Buckets of a histogram level.
const BUCKETS: usize = 1 << BITS;
/// Columns (and buckets) of at most this many keys are sorted.
const SHORT: usize = 256;
/// Whole numbers spanning fewer than this get a bucket each.
const WHOLE_SPAN: f32 = 4096.0;
/// No rank in this bucket.
const NONE: u8 = u8::MAX;
/// Histogram lanes: keys in a row that fall in the same bucket count in different lanes, so
/// each increment does not wait for the one before.
const LANES: usize = 4;
/// Most ranks a summary needs: two per quantile.
const MOST_RANKS: usize = 2 * QUANTILES.len();

/// Working space of [`summary`], kept between columns.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    counts: Vec<u32>,
    gathered: Vec<u32>,
}

/// What the first pass learns of a column.
struct Scan {
    /// Smallest and largest keys.
    lo: u32,
    hi: u32,
    /// Smallest biased exponent of a non-zero value (subnormals count as 1; 255 if every value
    /// is zero) and the largest of any value (255 for a NaN or an infinity).
    emin: u32,
    emax: u32,
    /// Every value is a whole number.
    whole: bool,
}

/// The first pass: written as one plain loop of integer and comparison reductions, which the
/// compiler turns into vector code (on signed keys, which the baseline x86-64 vector
/// instructions compare directly).
fn scan(values: &[f32]) -> Scan {
    const TWO_23: f32 = 8_388_608.0;
    let (mut lo, mut hi, mut emin) = (i32::MAX, i32::MIN, u32::MAX);
    let mut fraction = false;
    for &v in values {
        let b = v.to_bits();
        // The order-preserving key, offset to sort as a signed integer: negative values have
        // their magnitude bits flipped.
        let key = (b ^ (((b as i32) >> 31) as u32 >> 1)) as i32;
        lo = lo.min(key);
        hi = hi.max(key);
        // The exponent field of a non-zero magnitude.
        let magnitude = b & 0x7fff_ffff;
        emin = emin.min(if magnitude == 0 {
            u32::MAX
        } else {
            magnitude >> 23
        });
        // Below 2^23 a magnitude is whole exactly when adding and taking away 2^23 keeps it;
        // from 2^23 up every f32 is whole (NaN and infinities are refused by their exponent).
        let a = f32::from_bits(magnitude);
        fraction |= a < TWO_23 && (a + TWO_23) - TWO_23 != a;
    }
    let (lo, hi) = (lo as u32 ^ 0x8000_0000, hi as u32 ^ 0x8000_0000);
    // The largest magnitude is the smallest or the largest value's (a NaN sorts beyond the
    // infinities, so it is one of them too).
    let exponent = |k: u32| (from_ordered_key(k).to_bits() & 0x7fff_ffff) >> 23;
    Scan {
        lo,
        hi,
        emin: if emin >= 255 { 255 } else { emin.max(1) },
        emax: exponent(lo).max(exponent(hi)),
        whole: !fraction,
    }
}

/// Whether every partial sum of `n` values within `scan`'s exponents is exact in `f64`: each
/// value is a whole multiple of a unit, 2^(emin - 150) (or 1, when every value is whole), and n
/// times the largest (under 2^(emax - 126)) is at most 2^53 of those.
fn sums_exactly(scan: &Scan, n: usize) -> bool {
    let log_n = usize::BITS - n.saturating_sub(1).leading_zeros(); // ceil(log2 n)
    let unit = if scan.whole {
        scan.emin.max(150)
    } else {
        scan.emin
    };
    scan.emax < 255 && (scan.emin == 255 || log_n + scan.emax + 24 <= 53 + unit)
}

/// The sum of `values` in lanes, each lane and then the lanes summed from -0 as `Iterator::sum`
/// does (so a column of -0 sums to -0): the same bits as any other order when
/// [`sums_exactly`].
fn lane_sum(values: &[f32]) -> f64 {
    let mut acc = [-0.0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f64::from(v);
        }
    }
    for (a, &v) in acc.iter_mut().zip(rest) {
        *a += f64::from(v);
    }
    acc.iter().fold(-0.0, |s, a| s + a)
}

/// The standard deviation (n - 1 denominator, n > 1) about `mean`, summed in lanes.
fn lane_sd(values: &[f32], mean: f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            let d = f64::from(v) - mean;
            *a += d * d;
        }
    }
    for (a, &v) in acc.iter_mut().zip(rest) {
        let d = f64::from(v) - mean;
        *a += d * d;
    }
    (acc.iter().sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// The summary of `values` by selection, or `None` when the caller should sort them (see the
/// module's documentation).
pub(super) fn summary(values: &[f32], scratch: &mut Scratch) -> Option<Distribution> {
    let n = values.len();
    // Counts are u32.
    if n < SHORT || u32::try_from(n).is_err() {
        return None;
    }
    let s = scan(values);
    if !sums_exactly(&s, n) {
        return None;
    }
    let mean = lane_sum(values) / n as f64;
    // The ranks either side of each quantile, ascending and distinct.
    let mut ranks = [0usize; MOST_RANKS];
    let mut m = 0;
    for (_, p) in QUANTILES {
        let (lo, _) = quantile_position(n, p);
        for r in [lo, (lo + 1).min(n - 1)] {
            if m == 0 || ranks[m - 1] < r {
                ranks[m] = r;
                m += 1;
            }
        }
    }
    let ranks = &ranks[..m];
    let mut keys = [0u32; MOST_RANKS];
    let keys = &mut keys[..m];
    let (first, last) = (from_ordered_key(s.lo), from_ordered_key(s.hi));
    let sd = if s.lo == s.hi {
        keys.fill(s.lo);
        0.0
    } else {
        if s.whole && s.lo >= ordered_key(0.0) && last - first < WHOLE_SPAN {
            whole_numbers(values, first, last, ranks, keys, &mut scratch.counts);
        } else {
            let Scratch { counts, gathered } = scratch;
            level(
                values,
                ordered_key,
                s.lo,
                s.hi,
                ranks,
                keys,
                counts,
                gathered,
            );
        }
        lane_sd(values, mean)
    };
    let at = |r: usize| match r {
        0 => f64::from(first),
        r if r == n - 1 => f64::from(last),
        r => f64::from(from_ordered_key(
            keys[ranks.iter().position(|&x| x == r).expect("a wanted rank")],
        )),
    };
    Some(Distribution::with_quantiles(n, mean, sd, at))
}

/// Counts of `src`'s buckets (`bucket` of each below `buckets`) in [`LANES`] interleaved
/// histograms, lane by lane in `counts` (`counts[lane * buckets + b]`; the remainder after the
/// last whole group of lanes counts in lane 0).
fn histogram<T: Copy>(
    src: &[T],
    bucket: impl Fn(T) -> usize,
    buckets: usize,
    counts: &mut Vec<u32>,
) {
    counts.clear();
    counts.resize(LANES * buckets, 0);
    let (c0, rest) = counts.split_at_mut(buckets);
    let (c1, rest) = rest.split_at_mut(buckets);
    let (c2, c3) = rest.split_at_mut(buckets);
    let chunks = src.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        c0[bucket(c[0])] += 1;
        c1[bucket(c[1])] += 1;
        c2[bucket(c[2])] += 1;
        c3[bucket(c[3])] += 1;
    }
    for &x in tail {
        c0[bucket(x)] += 1;
    }
}

/// The count of bucket `b` over the lanes of `counts`.
fn total(counts: &[u32], buckets: usize, b: usize) -> usize {
    (0..LANES).map(|l| counts[l * buckets + b] as usize).sum()
}

/// For whole numbers from `first` to `last` (none negative, fewer than [`WHOLE_SPAN`] apart):
/// one bucket per number, so the histogram gives the keys at `ranks` at once.
fn whole_numbers(
    values: &[f32],
    first: f32,
    last: f32,
    ranks: &[usize],
    keys: &mut [u32],
    counts: &mut Vec<u32>,
) {
    let buckets = (last - first) as usize + 1;
    // Exact: both are whole numbers under 2^24 apart by less than 4096.
    histogram(values, |v| (v - first) as usize, buckets, counts);
    let (mut below, mut b) = (0, 0);
    for (key, &r) in keys.iter_mut().zip(ranks) {
        while below + total(counts, buckets, b) <= r {
            below += total(counts, buckets, b);
            b += 1;
        }
        *key = ordered_key(first + b as f32);
    }
}

/// Finds the keys at `ranks` (ascending, distinct, below `src.len()`) among the keys of `src`
/// (all from `lo` to `hi`, `lo < hi`) and writes them to `keys`, in the order of `ranks`.
#[allow(clippy::too_many_arguments)]
fn level<T: Copy>(
    src: &[T],
    key: impl Fn(T) -> u32 + Copy,
    lo: u32,
    hi: u32,
    ranks: &[usize],
    keys: &mut [u32],
    counts: &mut Vec<u32>,
    gathered: &mut Vec<u32>,
) {
    // The top BITS bits of the range: fewer than BUCKETS buckets.
    let shift = (u32::BITS - (hi - lo).leading_zeros()).saturating_sub(BITS);
    let bucket = move |x: T| ((key(x) - lo) >> shift) as usize;
    histogram(src, bucket, BUCKETS, counts);
    // The bucket of each rank, and where the ranks of each wanted bucket start.
    let mut wanted: Vec<(usize, usize)> = Vec::with_capacity(ranks.len()); // (bucket, keys below it)
    let mut of_rank = [0usize; MOST_RANKS];
    let (mut below, mut b) = (0, 0);
    for (i, &r) in ranks.iter().enumerate() {
        while below + total(counts, BUCKETS, b) <= r {
            below += total(counts, BUCKETS, b);
            b += 1;
        }
        if wanted.last().is_none_or(|&(w, _)| w != b) {
            wanted.push((b, below));
        }
        of_rank[i] = wanted.len() - 1;
    }
    if shift == 0 {
        // A bucket per key.
        for (i, k) in keys.iter_mut().enumerate() {
            *k = lo + wanted[of_rank[i]].0 as u32;
        }
        return;
    }
    // Gather the wanted buckets' keys, each bucket's lanes one after another, so that each
    // bucket's keys end up together.
    let mut slot = [NONE; BUCKETS];
    let mut cursor = Vec::with_capacity(wanted.len() * LANES);
    let mut starts = Vec::with_capacity(wanted.len() + 1);
    let mut end = 0;
    for (w, &(b, _)) in wanted.iter().enumerate() {
        slot[b] = w as u8;
        starts.push(end);
        for lane in 0..LANES {
            cursor.push(end);
            end += counts[lane * BUCKETS + b] as usize;
        }
    }
    starts.push(end);
    gathered.clear();
    gathered.resize(end, 0);
    let mut put = |lane: usize, x: T| {
        let k = key(x);
        let w = slot[((k - lo) >> shift) as usize];
        if w != NONE {
            let c = &mut cursor[w as usize * LANES + lane];
            gathered[*c] = k;
            *c += 1;
        }
    };
    let chunks = src.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (lane, &x) in c.iter().enumerate() {
            put(lane, x);
        }
    }
    for &x in tail {
        put(0, x);
    }
    // Each wanted bucket on its own.
    let (mut deeper_counts, mut deeper_gathered) = (Vec::new(), Vec::new());
    for (w, &(_, below)) in wanted.iter().enumerate() {
        let bucket_keys = &mut gathered[starts[w]..starts[w + 1]];
        let mine: Vec<usize> = (0..ranks.len()).filter(|&i| of_rank[i] == w).collect();
        let local: Vec<usize> = mine.iter().map(|&i| ranks[i] - below).collect();
        let mut found = [0u32; MOST_RANKS];
        let found = &mut found[..local.len()];
        let (blo, bhi) = bucket_keys
            .iter()
            .fold((u32::MAX, 0), |(l, h), &k| (l.min(k), h.max(k)));
        if blo == bhi {
            found.fill(blo);
        } else if bucket_keys.len() <= SHORT {
            bucket_keys.sort_unstable();
            for (f, &r) in found.iter_mut().zip(&local) {
                *f = bucket_keys[r];
            }
        } else {
            level(
                bucket_keys,
                same,
                blo,
                bhi,
                &local,
                found,
                &mut deeper_counts,
                &mut deeper_gathered,
            );
        }
        for (&i, &f) in mine.iter().zip(found.iter()) {
            keys[i] = f;
        }
    }
}

/// A key as itself (the levels below the first search keys, not values).
fn same(k: u32) -> u32 {
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The summary by sorting, as [`Distribution::of`] gives it.
    fn sorted(values: &[f32]) -> Distribution {
        let mut v: Vec<f64> = values.iter().map(|&x| f64::from(x)).collect();
        Distribution::of(&mut v).expect("values")
    }

    /// Equal to the sorted summary in every field but the standard deviation, which agrees to
    /// rounding.
    fn assert_same(values: &[f32]) {
        let a = sorted(values);
        let b = summary(values, &mut Scratch::default()).expect("selected");
        assert_eq!(
            format!("{a:?}"),
            format!("{:?}", Distribution { sd: a.sd, ..b })
        );
        assert!(
            (a.sd - b.sd).abs() <= 1e-12 * a.sd,
            "{} against {}",
            b.sd,
            a.sd
        );
    }

    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn every_path_gives_the_sorted_summary() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let n = 40_000;
        let columns: Vec<(&str, Vec<f32>)> = vec![
            // Dollars: the general path, two levels.
            (
                "dollars",
                (0..n)
                    .map(|_| (next() % 9_000_000) as f32 * 0.5 + 1e6)
                    .collect(),
            ),
            // Signed dollars around zero, with both zeros.
            (
                "signed",
                (0..n)
                    .map(|i| match i % 5 {
                        0 => 0.0,
                        1 => -0.0,
                        _ => (next() % 2_000_000) as f32 - 1e6,
                    })
                    .collect(),
            ),
            // Signed quarters: not whole, within the bound.
            (
                "signed quarters",
                (0..n)
                    .map(|i| match i % 5 {
                        0 => -0.0,
                        _ => (next() % 20_000) as f32 * 0.25 - 2500.0,
                    })
                    .collect(),
            ),
            // Counts: a bucket per number.
            (
                "counts",
                (0..n).map(|_| (190 + next() % 12) as f32).collect(),
            ),
            // Counts with a few large ones: whole, but too wide for a bucket each.
            (
                "wide counts",
                (0..n)
                    .map(|i| {
                        if i % 1000 == 0 {
                            1e6
                        } else {
                            (next() % 50) as f32
                        }
                    })
                    .collect(),
            ),
            // Thirds: few distinct values, each bucket one of them.
            (
                "thirds",
                (0..n).map(|_| 190.0 + (next() % 30) as f32 / 3.0).collect(),
            ),
            // Mostly one value: the ranks' buckets hold thousands of equal keys.
            (
                "spike",
                (0..n)
                    .map(|i| {
                        if i % 10 == 0 {
                            (next() % 1000) as f32 + 0.25
                        } else {
                            500.5
                        }
                    })
                    .collect(),
            ),
            // Whole numbers over 24 binades: too wide for a bucket each.
            (
                "tail",
                (0..n)
                    .map(|_| ((next() % 4096) as f32 + 1.0).powi(2))
                    .collect(),
            ),
            // Fewer than 2048 representable values apart: a bucket per key.
            (
                "narrow",
                (0..n)
                    .map(|_| 1000.0 + (next() % 1000) as f32 / 16384.0)
                    .collect(),
            ),
            // Short enough to be sorted inside a bucket; odd length for the lanes' remainder.
            (
                "short",
                (0..1001)
                    .map(|_| (next() % 100_000) as f32 * 0.25)
                    .collect(),
            ),
        ];
        for (name, values) in &columns {
            let b = summary(values, &mut Scratch::default());
            assert!(b.is_some(), "{name} was not selected");
            assert_same(values);
        }
    }

    #[test]
    fn a_constant_column_and_negative_zeros() {
        assert_same(&[7.0; 300]);
        // All -0: the mean is -0 as a sorted sum gives it.
        let d = summary(&[-0.0; 300], &mut Scratch::default()).unwrap();
        assert!(d.mean == 0.0 && d.mean.is_sign_negative() && d.min.is_sign_negative());
        assert_same(&[-0.0; 300]);
    }

    #[test]
    fn columns_it_cannot_sum_exactly_are_left_to_the_sort() {
        let mut scratch = Scratch::default();
        let mut tiny_and_huge = vec![1e-3f32; 300];
        tiny_and_huge[0] = 1e9;
        assert!(summary(&tiny_and_huge, &mut scratch).is_none());
        let mut infinite = vec![1.0f32; 300];
        infinite[5] = f32::INFINITY;
        assert!(summary(&infinite, &mut scratch).is_none());
        let mut nan = vec![1.0f32; 300];
        nan[7] = f32::NAN;
        assert!(summary(&nan, &mut scratch).is_none());
        // A NaN with its sign bit set sorts below every number.
        nan[7] = -f32::NAN;
        assert!(summary(&nan, &mut scratch).is_none());
        infinite[5] = f32::NEG_INFINITY;
        assert!(summary(&infinite, &mut scratch).is_none());
        assert!(summary(&[1.0; 255], &mut scratch).is_none());
        // Just inside the bound: 2^16 values from 1 to just under 2^13 (exponents 127 to 139)
        // need 16 + 12 + 24 = 52 bits.
        let mut next = xorshift(7);
        let within: Vec<f32> = (0..1 << 16)
            .map(|_| 1.0 + (next() % 8_000_000) as f32 / 1024.0)
            .collect();
        assert_same(&within);
    }

    #[test]
    fn the_exactness_bound_refuses_a_column_whose_sum_depends_on_the_order() {
        // 2^30 and four of 2^-24: sorted, the small ones add up first and the sum is exact;
        // in trial order each is lost against 2^30. The bound must send it to the sort.
        let tiny = 2f32.powi(-24);
        let column = [2f32.powi(30), tiny, tiny, tiny, tiny];
        let mut sorted: Vec<f64> = column.iter().map(|&v| f64::from(v)).collect();
        sorted.sort_by(f64::total_cmp);
        assert_ne!(sorted.iter().sum::<f64>(), lane_sum(&column));
        assert!(!sums_exactly(&scan(&column), column.len()));
        let s = scan(&[1.0, 1.0e6]);
        assert!(sums_exactly(&s, 2));
        // The bound as documented: two values (n rounds up to 2^1) are accepted while
        // 1 + (emax - 126) + (150 - emin) <= 53, i.e. spanning up to 28 binades of exponent.
        assert!(sums_exactly(&scan(&[2f32.powi(-10), 2f32.powi(18)]), 2));
        assert!(!sums_exactly(&scan(&[2f32.powi(-10), 2f32.powi(19)]), 2));
        // The largest magnitude may be the smallest value's.
        assert!(!sums_exactly(&scan(&[0.5, -1.0e9]), 2));
        // Whole numbers count in units of 1: a thousand of them up to 2^42 sum exactly, but
        // not up to 2^44 (10 + 44 bits), nor with a half among them.
        assert!(sums_exactly(&scan(&[1.0, 2f32.powi(42)]), 1000));
        assert!(!sums_exactly(&scan(&[1.0, 2f32.powi(44)]), 1000));
        assert!(!sums_exactly(&scan(&[0.5, 2f32.powi(42)]), 1000));
    }
}
