//! Monthly figures of runs too large to keep trial by trial: one mergeable sketch per
//! (metric, month) cell.
//!
//! A run keeps every trial's monthly figures (about 4 KB a trial for a 36-month horizon) while
//! they fit in [`EXACT_BYTES`]; beyond that, each cell keeps instead the count of trials at each
//! value rounded to 12 significant bits, the exact sum of the values (in 2^-20 fixed point),
//! and the exact minimum and maximum. Rounding is monotone, so the rounded order statistics
//! are the rounded exact order statistics, and every type-7 quantile from the sketch is within
//! a relative [`RELATIVE_ERROR`] (2^-12, about 0.024%) of the exact one; integers up to 4,096
//! (headcounts, hires, deals) are exact. Merging adds counts and sums, which is exact and
//! independent of order: a run gives the same sketch whether its trials were summarised in one
//! process, in chunks, or in shards merged later.

use serde::{Deserialize, Serialize};

use crate::stats::{Distribution, quantile_position};

/// Per-trial monthly figures are kept while they take at most this many bytes.
pub const EXACT_BYTES: usize = 256 << 20;

/// Bound on the relative error of a quantile taken from a sketch.
pub const RELATIVE_ERROR: f64 = 1.0 / 4096.0;

/// Most cells that [`columns`] transposes in one pass.
const COLUMNS: usize = 32;

/// Most bytes of a pass's block of columns (one column, if a column is larger).
const BLOCK_BYTES: usize = 8 << 20;

/// The cells to transpose in one pass of [`columns`] over `trials` trials: up to 32, fewer when
/// their columns would take more than 8 MiB (each worker holds one block).
fn columns_per_pass(trials: usize) -> usize {
    (BLOCK_BYTES / (trials.max(1) * 4)).clamp(1, COLUMNS)
}

/// The passes of [`columns`] over `stride` cells of `trials` trials: consecutive ranges of
/// cells, in order.
pub fn passes(stride: usize, trials: usize) -> Vec<std::ops::Range<usize>> {
    let per_pass = columns_per_pass(trials);
    (0..stride.div_ceil(per_pass))
        .map(|p| p * per_pass..((p + 1) * per_pass).min(stride))
        .collect()
}

/// The columns of `cells` (one of the [`passes`]) in `trials` trial-major
/// records of `stride` floats each, one after another in `block` (reused between calls), each
/// `trials` long.
///
/// Reading one cell at a time would touch every record once per cell; this reads each record's
/// run of the cells once, in tiles of 128 trials: the tile's runs are copied whole (one
/// sequential read per record) into a buffer that stays in the first-level cache, and each
/// column's part of the tile is then written from it in order, so the block is written as a few
/// sequential streams, not one interleaved stream per cell.
pub fn columns<'b>(
    records: &[f32],
    trials: usize,
    stride: usize,
    cells: std::ops::Range<usize>,
    block: &'b mut Vec<f32>,
) -> impl Iterator<Item = &'b [f32]> {
    const TILE: usize = 128;
    let width = cells.len();
    // A pass's cells fit a row of the tile (at most COLUMNS).
    assert!(width <= columns_per_pass(trials));
    // Every entry is written below: no need to clear what is kept.
    block.resize(width * trials, 0.0);
    let mut tile = [0f32; TILE * COLUMNS];
    for t0 in (0..trials).step_by(TILE) {
        let rows = TILE.min(trials - t0);
        for (k, row) in tile.chunks_exact_mut(width.max(1)).take(rows).enumerate() {
            let first = (t0 + k) * stride + cells.start;
            row.copy_from_slice(&records[first..first + width]);
        }
        for c in 0..width {
            let column = &mut block[c * trials + t0..c * trials + t0 + rows];
            for (k, out) in column.iter_mut().enumerate() {
                *out = tile[k * width + c];
            }
        }
    }
    let block = &block[..];
    (0..width).map(move |c| &block[c * trials..(c + 1) * trials])
}

/// `f` of every column of `trials` trial-major records of `stride` floats each, in cell order:
/// the [`passes`] in parallel, each worker with its own block of [`columns`] and its own
/// `state` (made by `init`, kept between the passes it takes).
pub fn map_columns<S, T: Send>(
    records: &[f32],
    trials: usize,
    stride: usize,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &[f32]) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    passes(stride, trials)
        .into_par_iter()
        .map_init(
            || (Vec::new(), init()),
            |(block, state): &mut (Vec<f32>, S), cells| {
                columns(records, trials, stride, cells, block)
                    .map(|column| f(state, column))
                    .collect::<Vec<_>>()
            },
        )
        .flatten_iter()
        .collect()
}

/// Mantissa bits dropped from an `f32` (23 kept as 11: 12 significant bits with the implicit).
const DROPPED_BITS: u32 = 12;

/// Fixed-point scale of the exact sums.
const SUM_SCALE: f64 = (1u64 << 20) as f64;

/// One cell's sketch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CellSketch {
    /// (rounded value as an order-preserving key, trials), ascending by key.
    counts: Vec<(u32, u64)>,
    /// Trials with a value (NaN, an undefined figure, is not counted).
    n: u64,
    /// Sum of the values in units of 2^-20.
    sum: i128,
    min: f32,
    max: f32,
}

impl CellSketch {
    /// The sketch of `values` (NaN values are left out).
    pub fn of(values: &[f32]) -> CellSketch {
        let mut keys: Vec<u32> = Vec::with_capacity(values.len());
        let mut c = CellSketch {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            ..CellSketch::default()
        };
        for &v in values {
            if v.is_nan() {
                continue;
            }
            keys.push(ordered_key(round(v)));
            c.sum += fixed(v);
            c.min = c.min.min(v);
            c.max = c.max.max(v);
        }
        c.n = keys.len() as u64;
        crate::stats::radix_sort(&mut keys);
        for k in keys {
            match c.counts.last_mut() {
                Some((last, count)) if *last == k => *count += 1,
                _ => c.counts.push((k, 1)),
            }
        }
        c
    }

    /// Adds `other`'s trials.
    pub fn merge(&mut self, other: &CellSketch) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        let (a, b) = (&self.counts, &other.counts);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => {
                    out.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push((a[i].0, a[i].1 + b[j].1));
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        self.counts = out;
        self.n += other.n;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Trials with a value.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no trial has a value.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The distribution summary, as [`Distribution::of`] gives for the exact values but with
    /// quantiles (and the standard deviation) from the rounded values; the mean, minimum and
    /// maximum are exact. `None` if no trial has a value.
    pub fn distribution(&self) -> Option<Distribution> {
        if self.n == 0 {
            return None;
        }
        let n = self.n;
        let mean = self.sum as f64 / SUM_SCALE / n as f64;
        // The value at 0-based rank r among the sorted rounded values.
        let at = |r: u64| -> f64 {
            let mut seen = 0;
            for &(k, c) in &self.counts {
                seen += c;
                if r < seen {
                    return from_ordered_key(k) as f64;
                }
            }
            from_ordered_key(self.counts.last().expect("non-empty").0) as f64
        };
        let q = |p: f64| {
            let (lo, frac) = quantile_position(n as usize, p);
            let (a, b) = (at(lo as u64), at((lo as u64 + 1).min(n - 1)));
            a + frac * (b - a)
        };
        let sd = if n > 1 {
            let ss: f64 = self
                .counts
                .iter()
                .map(|&(k, c)| {
                    let d = from_ordered_key(k) as f64 - mean;
                    c as f64 * d * d
                })
                .sum();
            (ss / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Distribution {
            n: n as usize,
            mean,
            sd,
            min: self.min as f64,
            p5: q(0.05),
            p10: q(0.10),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p90: q(0.90),
            p95: q(0.95),
            max: self.max as f64,
        })
    }
}

/// The sketches of every recorded (metric, month) cell of a run: `cells[slot * horizon + month]`,
/// each metric in the slot of the run's record layout.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonthlySketch {
    /// One sketch per cell.
    pub cells: Vec<CellSketch>,
}

impl MonthlySketch {
    /// Empty sketches for `cells` cells.
    pub fn new(cells: usize) -> MonthlySketch {
        MonthlySketch {
            cells: vec![CellSketch::default(); cells],
        }
    }

    /// Adds `trials` trials' records (`stride` floats each, trial-major) to the sketches.
    pub fn add_records(&mut self, records: &[f32], trials: usize, stride: usize) {
        use rayon::prelude::*;
        let fresh = map_columns(records, trials, stride, || (), |(), c| CellSketch::of(c));
        self.cells
            .par_iter_mut()
            .zip(fresh.par_iter())
            .for_each(|(a, b)| a.merge(b));
    }

    /// Adds another run's sketches (same cells).
    pub fn merge(&mut self, other: &MonthlySketch) {
        for (a, b) in self.cells.iter_mut().zip(&other.cells) {
            a.merge(b);
        }
    }
}

/// `v` rounded to 12 significant bits (to nearest; ties away from zero in magnitude).
#[inline]
fn round(v: f32) -> f32 {
    let bits = v.to_bits();
    let sign = bits & 0x8000_0000;
    let magnitude = bits & 0x7fff_ffff;
    if magnitude >= 0x7f80_0000 {
        return v; // infinities
    }
    let half = 1u32 << (DROPPED_BITS - 1);
    let rounded = (magnitude + half) & !((1u32 << DROPPED_BITS) - 1);
    f32::from_bits(sign | rounded.min(0x7f80_0000))
}

/// The value in units of 2^-20 (exact for every f32 that is a multiple of 2^-20; finer detail of
/// tiny values is dropped, far below anything reported).
#[inline]
fn fixed(v: f32) -> i128 {
    (v as f64 * SUM_SCALE) as i128
}

use crate::stats::{from_ordered_key, ordered_key};

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: u64) -> Vec<f32> {
        let mut x = seed | 1;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                match i % 11 {
                    0 => f32::NAN,
                    1 => (x % 40) as f32,
                    2 => -((x % 3_000_000) as f32),
                    _ => (x % 9_000_000) as f32 + 1_000_000.0,
                }
            })
            .collect()
    }

    #[test]
    fn columns_are_the_cells_of_every_record() {
        // Trial counts around the tile of 128, strides narrower and wider than a pass.
        for trials in [1, 5, 127, 128, 129, 300] {
            for stride in [1, 7, 40, 100] {
                let records: Vec<f32> = (0..trials * stride).map(|i| i as f32).collect();
                let mut block = Vec::new();
                let mut seen = 0;
                for cells in passes(stride, trials) {
                    for (c, column) in
                        columns(&records, trials, stride, cells.clone(), &mut block).enumerate()
                    {
                        let cell = cells.start + c;
                        let expected: Vec<f32> =
                            (0..trials).map(|t| records[t * stride + cell]).collect();
                        assert_eq!(column, &expected[..], "{trials} trials, stride {stride}");
                        seen += 1;
                    }
                }
                assert_eq!(seen, stride);
            }
        }
    }

    #[test]
    fn quantiles_are_within_the_stated_error() {
        let v = data(20_000, 7);
        let mut exact: Vec<f64> = v.iter().map(|x| *x as f64).collect();
        let e = Distribution::of(&mut exact).unwrap();
        let s = CellSketch::of(&v).distribution().unwrap();
        assert_eq!(s.n, e.n);
        assert_eq!((s.min, s.max), (e.min, e.max));
        assert!((s.mean - e.mean).abs() <= 1e-9 * e.mean.abs());
        for (a, b) in [
            (s.p5, e.p5),
            (s.p10, e.p10),
            (s.p25, e.p25),
            (s.p50, e.p50),
            (s.p75, e.p75),
            (s.p90, e.p90),
            (s.p95, e.p95),
        ] {
            // Bounded by the larger neighbouring order statistic, itself at most max |x|.
            assert!(
                (a - b).abs() <= RELATIVE_ERROR * e.max.abs().max(e.min.abs()),
                "{a} vs {b}"
            );
            assert!(
                (a - b).abs() <= RELATIVE_ERROR * b.abs() * 1.001 + 1.0,
                "{a} vs {b}"
            );
        }
        assert!((s.sd - e.sd).abs() <= 1e-3 * e.sd);
    }

    #[test]
    fn small_integers_are_exact() {
        let v: Vec<f32> = (0..5000).map(|i| (i % 4096) as f32).collect();
        let mut exact: Vec<f64> = v.iter().map(|x| *x as f64).collect();
        let e = Distribution::of(&mut exact).unwrap();
        let s = CellSketch::of(&v).distribution().unwrap();
        assert!((s.sd - e.sd).abs() <= 1e-12 * e.sd);
        let s = Distribution { sd: e.sd, ..s };
        assert_eq!(format!("{e:?}"), format!("{s:?}"));
    }

    #[test]
    fn merging_in_any_order_gives_one_sketch() {
        let v = data(9_000, 3);
        let whole = CellSketch::of(&v);
        let (a, b) = v.split_at(4_000);
        let (b, c) = b.split_at(3_333);
        let mut one = CellSketch::of(a);
        one.merge(&CellSketch::of(b));
        one.merge(&CellSketch::of(c));
        let mut two = CellSketch::of(c);
        two.merge(&CellSketch::of(a));
        two.merge(&CellSketch::of(b));
        assert_eq!(one, whole);
        assert_eq!(two, whole);
        assert!(CellSketch::of(&[f32::NAN]).distribution().is_none());
    }
}
