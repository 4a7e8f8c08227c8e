//! Decision lags: all the engine needs of a cycle-time distribution is the distribution of the
//! whole number of months L from a deal's creation month to its decision month. It is
//! tabulated here once, at load time, from the distribution's CDF F, exactly the months a
//! per-deal draw would give, without a draw of the cycle per deal:
//!
//! - **continuous** timing (the default): a deal is created at a uniform point U of its month
//!   and decided a cycle C later, in month floor(U + C); P(L <= k) = P(U + C < k + 1) = the
//!   integral of F over [k, k + 1].
//! - **month_end** timing: decided in month t + ceil(C), as if created at the month's end;
//!   P(L = k) = P(k - 1 < C <= k). Half a month late on average; the peer reference model's
//!   rule.

use super::dist::Dist;
use super::raw::DecisionTiming;
use crate::random::sampling::Alias;
use std::sync::{Arc, Mutex, OnceLock};

/// Deals open longer than this share are left out of a steady-state starting pipeline.
pub const WARM_UP_TAIL: f64 = 1e-4;

/// Longest warm-up (months of selling before the start that form the starting pipeline).
pub const MAX_WARM_UP_MONTHS: usize = 120;

/// The decision lag L = ceil(cycle) of one outcome, in whole months.
#[derive(Debug, Clone)]
pub struct Lags {
    /// P(L = k) for k in `0..beyond`, then P(L >= beyond) in the last entry: decided after the
    /// last month any deal of the run can be decided in.
    pub pmf: Vec<f64>,
    /// Draws L (the last index meaning "beyond").
    pub alias: Alias,
    /// For the starting pipeline: a deal created j months before the start (j = 1..=warm-up)
    /// is still open at the start with probability `open_at_start[j - 1].0` = P(L >= j); its
    /// lag is then drawn from `.1`, whose index i means a lag of j + i.
    pub open_at_start: Vec<(f64, Alias)>,
}

impl Lags {
    /// The lags of `cycle` under `timing` for a run of `horizon` months with `warm_up` months
    /// of history before it: lags up to `horizon + warm_up - 1` are kept apart, longer ones
    /// pooled.
    pub fn new(cycle: &Dist, timing: DecisionTiming, horizon: usize, warm_up: usize) -> Lags {
        let beyond = horizon + warm_up;
        let mut pmf = Vec::with_capacity(beyond + 1);
        let mut below = 0.0;
        for k in 0..beyond {
            // P(L <= k).
            let f = if below >= 1.0 {
                1.0
            } else {
                match timing {
                    DecisionTiming::MonthEnd => cycle.cdf(k as f64),
                    DecisionTiming::Continuous => {
                        if cycle.cdf(k as f64) >= 1.0 {
                            1.0
                        } else {
                            cycle.cdf_integral(k as f64, k as f64 + 1.0)
                        }
                    }
                }
            };
            let f = f.clamp(below, 1.0);
            pmf.push(f - below);
            below = f;
        }
        pmf.push((1.0 - below).max(0.0));
        if pmf.iter().any(|p| !p.is_finite()) || pmf.iter().sum::<f64>() <= 0.0 {
            // A CDF that could not be evaluated: fall back to the mean, rounded up.
            pmf.iter_mut().for_each(|p| *p = 0.0);
            let k = (cycle.mean().max(0.0).ceil() as usize).min(beyond);
            pmf[k] = 1.0;
        }
        let alias = Alias::new(&pmf);
        let open_at_start = (1..=warm_up)
            .map(|j| {
                let rest = &pmf[j..];
                let survival: f64 = rest.iter().sum();
                let table = if survival > 0.0 {
                    Alias::new(rest)
                } else {
                    Alias::new(&[1.0])
                };
                (survival, table)
            })
            .collect();
        Lags {
            pmf,
            alias,
            open_at_start,
        }
    }

    /// The index meaning "decided after every month of the run".
    pub fn beyond(&self) -> usize {
        self.pmf.len() - 1
    }
}

/// Decision lags at a grid of cycle-length factors, for cycles that vary from trial to trial
/// (an uncertain cycle) or month to month (the market's loading on cycle length). The factors
/// are exp(j x [`GRID_STEP`]) for whole j, so a factor of exactly 1 is a point of the grid
/// and its tables are the unscaled cycle's; a factor between points takes the nearest one (at
/// most half a percent off). A point's tables are built the first time a trial needs them
/// (on any thread; their content depends only on the factor), so loading stays cheap.
#[derive(Debug)]
pub struct LagGrid {
    /// j of the first table.
    first: i32,
    cycles: [Dist; 3],
    timing: DecisionTiming,
    horizon: usize,
    warm_up: usize,
    /// `tables[k][o]`: the lags of outcome o at factor exp((first + k) x step).
    tables: Vec<OnceLock<[Lags; 3]>>,
}

/// Grids built in this process, least recently used first ([`LagGrid::shared`]).
static GRIDS: Mutex<Vec<(String, Arc<LagGrid>)>> = Mutex::new(Vec::new());

/// How many grids [`LagGrid::shared`] keeps.
pub const KEPT_GRIDS: usize = 8;

/// Spacing of [`LagGrid`]'s factors on the log scale.
pub const GRID_STEP: f64 = 0.01;

impl LagGrid {
    /// A grid for every factor from `lo` to `hi` (at least one point each side of 1).
    pub fn new(
        cycles: &[Dist; 3],
        timing: DecisionTiming,
        (lo, hi): (f64, f64),
        horizon: usize,
        warm_up: usize,
    ) -> Self {
        let first = (lo.ln() / GRID_STEP).floor().min(0.0) as i32;
        let last = (hi.ln() / GRID_STEP).ceil().max(0.0) as i32;
        LagGrid {
            first,
            cycles: cycles.clone(),
            timing,
            horizon,
            warm_up,
            tables: (first..=last).map(|_| OnceLock::new()).collect(),
        }
    }

    /// [`LagGrid::new`], or the grid this process already built for the same cycles, timing,
    /// span, horizon and warm-up (the last [`KEPT_GRIDS`] are kept): a what-if that leaves the
    /// cycles alone (the live page's, a sweep's variants) reuses the tables its base built.
    /// A table's content depends only on those, so results do not change.
    pub fn shared(
        cycles: &[Dist; 3],
        timing: DecisionTiming,
        range: (f64, f64),
        horizon: usize,
        warm_up: usize,
    ) -> Arc<LagGrid> {
        let grid = LagGrid::new(cycles, timing, range, horizon, warm_up);
        let key = format!(
            "{:?} {timing:?} {} {} {horizon} {warm_up}",
            grid.cycles,
            grid.first,
            grid.tables.len()
        );
        let mut kept = GRIDS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = kept.iter().position(|(k, _)| *k == key) {
            let hit = kept.remove(i);
            let grid = hit.1.clone();
            kept.push(hit);
            return grid;
        }
        let grid = Arc::new(grid);
        if kept.len() >= KEPT_GRIDS {
            kept.remove(0);
        }
        kept.push((key, grid.clone()));
        grid
    }

    /// The lags of each outcome at grid point `k` (from [`LagGrid::index`]).
    pub fn table(&self, k: u16) -> &[Lags; 3] {
        self.tables[k as usize].get_or_init(|| {
            let j = self.first + k as i32;
            let f = if j == 0 {
                1.0
            } else {
                (j as f64 * GRID_STEP).exp()
            };
            [0, 1, 2].map(|o| {
                let cycle = self.cycles[o].scaled(f);
                Lags::new(&cycle, self.timing, self.horizon, self.warm_up)
            })
        })
    }

    /// The table index of the grid point nearest `factor` (clamped to the grid).
    pub fn index(&self, factor: f64) -> u16 {
        let j = (factor.ln() / GRID_STEP).round();
        let k = (j - self.first as f64).clamp(0.0, (self.tables.len() - 1) as f64);
        k as u16
    }

    /// The table index of factor 1.
    pub fn unit(&self) -> u16 {
        (-self.first) as u16
    }
}

/// Months of history that make a steady-state starting pipeline: the smallest w such that a
/// deal of any outcome is still open w months after its creation with probability at most
/// [`WARM_UP_TAIL`], capped at [`MAX_WARM_UP_MONTHS`]; exact, from the CDFs.
pub fn warm_up_months(cycles: &[Dist; 3]) -> usize {
    cycles
        .iter()
        .map(|d| {
            (0..=MAX_WARM_UP_MONTHS)
                .find(|&w| 1.0 - d.cdf(w as f64) <= WARM_UP_TAIL)
                .unwrap_or(MAX_WARM_UP_MONTHS)
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::{DistSpec, Domain};

    const END: DecisionTiming = DecisionTiming::MonthEnd;
    const CONTINUOUS: DecisionTiming = DecisionTiming::Continuous;

    fn dist(toml: &str) -> Dist {
        #[derive(serde::Deserialize)]
        struct W {
            d: DistSpec,
        }
        let w: W = toml::from_str(&format!("d = {toml}")).unwrap();
        w.d.build(Domain::NON_NEGATIVE).unwrap()
    }

    #[test]
    fn a_grid_is_shared_only_with_the_same_inputs() {
        let cycles = || {
            [
                dist("{ gamma = { mean = 3.1, sd = 1.4 } }"),
                dist("2.5"),
                dist("4"),
            ]
        };
        // Other tests load scenarios at the same time and may push this grid out between two
        // calls (8 loads in between): a few tries, each nearly sure to share.
        let pair = || {
            let a = LagGrid::shared(&cycles(), CONTINUOUS, (0.8, 1.3), 24, 6);
            let b = LagGrid::shared(&cycles(), CONTINUOUS, (0.8, 1.3), 24, 6);
            (a, b)
        };
        let (a, b) = (0..5)
            .map(|_| pair())
            .find(|(a, b)| Arc::ptr_eq(a, b))
            .expect("the same inputs share one grid");
        let mut other = cycles();
        other[1] = dist("2.6");
        for c in [
            LagGrid::shared(&other, CONTINUOUS, (0.8, 1.3), 24, 6),
            LagGrid::shared(&cycles(), END, (0.8, 1.3), 24, 6),
            LagGrid::shared(&cycles(), CONTINUOUS, (0.7, 1.3), 24, 6),
            LagGrid::shared(&cycles(), CONTINUOUS, (0.8, 1.3), 25, 6),
            LagGrid::shared(&cycles(), CONTINUOUS, (0.8, 1.3), 24, 7),
        ] {
            assert!(!Arc::ptr_eq(&a, &c), "any input differs: a grid of its own");
        }
        // A shared grid's tables are those of a fresh one.
        let fresh = LagGrid::new(&cycles(), CONTINUOUS, (0.8, 1.3), 24, 6);
        let k = fresh.index(1.1);
        assert_eq!(b.table(k)[0].pmf, fresh.table(k)[0].pmf);
    }

    #[test]
    fn uniform_cycle_lags() {
        // U(0, 4): ceil is 1, 2, 3 or 4 with probability 1/4 each (0 has probability 0).
        let l = Lags::new(&dist("{ uniform = { min = 0, max = 4 } }"), END, 6, 0);
        let want = [0.0, 0.25, 0.25, 0.25, 0.25, 0.0, 0.0];
        for (got, want) in l.pmf.iter().zip(want) {
            assert!((got - want).abs() < 1e-15, "{:?}", l.pmf);
        }
    }

    #[test]
    fn fixed_and_zero_cycles() {
        let l = Lags::new(&dist("0"), END, 3, 0);
        assert_eq!(l.pmf, vec![1.0, 0.0, 0.0, 0.0]);
        let l = Lags::new(&dist("2.5"), END, 3, 0);
        assert_eq!(l.pmf, vec![0.0, 0.0, 0.0, 1.0]);
        // Longer than the run: all in the last bucket.
        let l = Lags::new(&dist("9"), END, 3, 0);
        assert_eq!(l.pmf, vec![0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn gamma_lags_match_draws() {
        // The tabulated lags against ceil() of direct draws, within 4 binomial standard errors.
        use rand::SeedableRng;
        let d = dist("{ gamma = { shape = 2.0, scale = 1.5 } }");
        let l = Lags::new(&d, END, 24, 0);
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        let mut counts = vec![0u64; l.pmf.len()];
        for _ in 0..n {
            let k = (d.sample(&mut rng).ceil() as usize).min(l.beyond());
            counts[k] += 1;
        }
        for (k, (c, p)) in counts.iter().zip(&l.pmf).enumerate() {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (*c as f64 / n as f64 - p).abs() <= 4.0 * se + 1e-12,
                "lag {k}: {} vs {p}",
                *c as f64 / n as f64
            );
        }
        // P(ceil <= 1) = P(cycle <= 1) = 1 - e^(-2/3) (1 + 2/3).
        let want = 1.0 - (-2.0f64 / 3.0).exp() * (5.0 / 3.0);
        assert!((l.pmf[0] + l.pmf[1] - want).abs() < 1e-12);
    }

    #[test]
    fn continuous_timing_spreads_a_cycle_over_two_months() {
        // U(0, 1) + U(0, 4): P(L <= k) is the integral of s / 4 over [k, k + 1].
        let l = Lags::new(
            &dist("{ uniform = { min = 0, max = 4 } }"),
            CONTINUOUS,
            6,
            0,
        );
        let want = [1.0, 2.0, 2.0, 2.0, 1.0, 0.0, 0.0].map(|x| x / 8.0);
        for (got, want) in l.pmf.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{:?}", l.pmf);
        }
        // A fixed cycle of 2.5 months: decided 2 or 3 months later, half and half; a whole
        // number of months exactly that many later.
        let l = Lags::new(&dist("2.5"), CONTINUOUS, 5, 0);
        assert_eq!(l.pmf, vec![0.0, 0.0, 0.5, 0.5, 0.0, 0.0]);
        let l = Lags::new(&dist("3"), CONTINUOUS, 5, 0);
        assert_eq!(l.pmf, vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let l = Lags::new(&dist("0"), CONTINUOUS, 2, 0);
        assert_eq!(l.pmf, vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn continuous_lags_match_draws_and_keep_the_mean_cycle() {
        use rand::{RngExt, SeedableRng};
        let d = dist("{ gamma = { shape = 2.0, scale = 1.5 } }");
        let l = Lags::new(&d, CONTINUOUS, 40, 0);
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        let mut counts = vec![0u64; l.pmf.len()];
        for _ in 0..n {
            let u: f64 = rng.random();
            let k = ((u + d.sample(&mut rng)).floor() as usize).min(l.beyond());
            counts[k] += 1;
        }
        for (k, (c, p)) in counts.iter().zip(&l.pmf).enumerate() {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (*c as f64 / n as f64 - p).abs() <= 5.0 * se + 1e-12,
                "lag {k}: {} vs {p}",
                *c as f64 / n as f64
            );
        }
        // E[floor(U + C)] = E[C]: on average a deal is decided one cycle after its creation
        // (month_end timing adds half a month). The tail beyond 40 months is below 1e-9.
        let mean: f64 = l.pmf.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
        assert!((mean - 3.0).abs() < 1e-8, "{mean}");
        let end = Lags::new(&d, END, 40, 0);
        let late: f64 = end.pmf.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
        assert!(late > 3.4 && late < 3.6, "{late}");
    }

    #[test]
    fn open_at_start_is_the_conditional_tail() {
        let l = Lags::new(&dist("{ uniform = { min = 0, max = 4 } }"), END, 6, 3);
        // Created 2 months before the start: open at the start if the lag is 2 or more.
        assert!((l.open_at_start[1].0 - 0.75).abs() < 1e-15);
        assert_eq!(l.open_at_start.len(), 3);
    }

    #[test]
    fn the_grid_holds_the_unscaled_lags_at_one_and_scales_around_it() {
        let d = dist("{ gamma = { mean = 3.0, sd = 1.5 } }");
        let cycles = [d.clone(), d.clone(), d.clone()];
        let g = LagGrid::new(&cycles, END, (0.7, 1.5), 24, 10);
        let base = Lags::new(&d, END, 24, 10);
        assert_eq!(g.table(g.unit())[0].pmf, base.pmf);
        assert_eq!(g.index(1.0), g.unit());
        // A factor of 1.3: the lags of a cycle 30% longer, within the half-step of the grid.
        let k = g.index(1.3);
        let f = ((k as i32 + g.first) as f64 * GRID_STEP).exp();
        assert!((f / 1.3 - 1.0).abs() <= GRID_STEP / 2.0 + 1e-12);
        let mean = |l: &Lags| {
            l.pmf
                .iter()
                .enumerate()
                .map(|(k, p)| k as f64 * p)
                .sum::<f64>()
        };
        assert!(mean(&g.table(k)[0]) > mean(&base) + 0.5);
        // Clamped beyond the grid.
        assert_eq!(g.index(100.0) as usize, g.tables.len() - 1);
        assert_eq!(g.index(1e-3), 0);
    }

    #[test]
    fn warm_up_covers_the_tail() {
        assert_eq!(warm_up_months(&[dist("3"), dist("0"), dist("5.5")]), 6);
        let w = warm_up_months(&[
            dist("{ gamma = { mean = 3.0, sd = 1.5 } }"),
            dist("{ gamma = { mean = 3.0, sd = 1.5 } }"),
            dist("{ gamma = { mean = 5.0, sd = 2.5 } }"),
        ]);
        assert!((14..=20).contains(&w), "{w}");
    }
}
