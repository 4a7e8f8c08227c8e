//! Beliefs stated as P10 / P50 / P90: the three-term metalog distribution (Keelin, "The
//! Metalog Distributions", Decision Analysis 13(4), 2016).
//!
//! Leaders state what they believe as three quantiles ("ramp is 4 to 9 months, most likely 5").
//! The three-term metalog with the symmetric percentile triplet takes them as given: its
//! quantile function passes exactly through the three points, and it is written in closed form,
//! so a draw is one evaluation at a uniform (which is what a copula or a quasi-random sequence
//! hands over). With y in (0, 1) and L(y) = ln(y / (1 - y)):
//!
//! ```text
//! M(y) = a1 + a2 L(y) + a3 (y - 1/2) L(y),   a1 = x50,  a2 = (x90 - x10) / (2 ln 9),
//!                                            a3 = (x90 + x10 - 2 x50) / (0.8 ln 9)
//! ```
//!
//! A quantity bounded below at `lo` is drawn as `lo + exp(M)` with M fitted to ln(x - lo)
//! (the log-metalog), one bounded on both sides as `(lo + hi e^M) / (1 + e^M)` with M fitted to
//! ln((x - lo) / (hi - x)) (the logit-metalog), so draws never leave the quantity's range.
//!
//! M is a quantile function only if it increases. Multiplying M'(y) by y (1 - y) > 0 gives
//! 1 + b h(y) > 0 with b = a3 / a2 = 2.5 (1 - 2r), r = (x50 - x10) / (x90 - x10) on the
//! fitted scale, and h(y) = y (1 - y) L(y) + y - 1/2, an odd function about 1/2 whose largest
//! magnitude is [`H_MAX`]; so the three quantiles fit if and only if |1 - 2r| < 1 / (2.5 H_MAX),
//! that is r between about 0.167 and 0.833 (the P50 not crowded against P10 or P90).

/// ln 9 = L(0.9) = -L(0.1).
const LN9: f64 = 2.197_224_577_336_219_6;

/// The largest |h(y)| over (0, 1), h(y) = y (1 - y) ln(y / (1 - y)) + y - 1/2 (a test checks
/// it on a fine grid).
pub const H_MAX: f64 = 0.599_839_320_128_867;

/// Where a metalog's values may lie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bounds {
    /// Any real number.
    Unbounded,
    /// Above `lo`.
    Lower(f64),
    /// Between `lo` and `hi`.
    Both(f64, f64),
}

/// A three-term metalog through (P10, P50, P90).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metalog {
    a: [f64; 3],
    bounds: Bounds,
    /// The three quantiles it was fitted to.
    pub quantiles: [f64; 3],
}

/// Why three quantiles have no metalog.
#[derive(Debug, Clone, PartialEq)]
pub enum MetalogError {
    /// P10 < P50 < P90 does not hold.
    NotIncreasing,
    /// A quantile lies on or outside the quantity's bounds.
    OutsideBounds,
    /// The P50 sits too close to P10 or P90 (on the fitted scale): no increasing metalog passes
    /// through the three points. `r` is where the P50 sits between P10 (0) and P90 (1), and
    /// `lo..hi` the range that fits.
    Skewed {
        /// Where the P50 sits.
        r: f64,
        /// Smallest r that fits.
        lo: f64,
        /// Largest r that fits.
        hi: f64,
    },
}

/// The range of r = (x50 - x10) / (x90 - x10), on the fitted scale, for which the metalog
/// increases.
pub fn feasible_r() -> (f64, f64) {
    let d = 1.0 / (2.5 * H_MAX);
    ((1.0 - d) / 2.0, (1.0 + d) / 2.0)
}

impl Metalog {
    /// The metalog through `p10 < p50 < p90` within `bounds`.
    pub fn new(p10: f64, p50: f64, p90: f64, bounds: Bounds) -> Result<Metalog, MetalogError> {
        if !(p10 < p50 && p50 < p90 && [p10, p50, p90].iter().all(|x| x.is_finite())) {
            return Err(MetalogError::NotIncreasing);
        }
        let inside = |x: f64| match bounds {
            Bounds::Unbounded => true,
            Bounds::Lower(lo) => x > lo,
            Bounds::Both(lo, hi) => x > lo && x < hi,
        };
        if ![p10, p50, p90].into_iter().all(inside) {
            return Err(MetalogError::OutsideBounds);
        }
        let fit = |x: f64| match bounds {
            Bounds::Unbounded => x,
            Bounds::Lower(lo) => (x - lo).ln(),
            Bounds::Both(lo, hi) => ((x - lo) / (hi - x)).ln(),
        };
        let (z10, z50, z90) = (fit(p10), fit(p50), fit(p90));
        let r = (z50 - z10) / (z90 - z10);
        let (lo, hi) = feasible_r();
        if !(r > lo && r < hi) {
            return Err(MetalogError::Skewed { r, lo, hi });
        }
        Ok(Metalog {
            a: [
                z50,
                (z90 - z10) / (2.0 * LN9),
                (z90 + z10 - 2.0 * z50) / (0.8 * LN9),
            ],
            bounds,
            quantiles: [p10, p50, p90],
        })
    }

    /// The value at cumulative probability `y` in (0, 1): the quantile function.
    #[inline]
    pub fn quantile(&self, y: f64) -> f64 {
        let y = y.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
        let l = (y / (1.0 - y)).ln();
        let m = self.a[0] + self.a[1] * l + self.a[2] * (y - 0.5) * l;
        match self.bounds {
            Bounds::Unbounded => m,
            Bounds::Lower(lo) => lo + m.exp(),
            Bounds::Both(lo, hi) => {
                // (lo + hi e^m) / (1 + e^m), written to stay finite for large |m|.
                if m > 0.0 {
                    let e = (-m).exp();
                    (lo * e + hi) / (e + 1.0)
                } else {
                    let e = m.exp();
                    (lo + hi * e) / (1.0 + e)
                }
            }
        }
    }

    /// P(X <= x), by bisection on the quantile function (to 1e-12 in probability).
    pub fn cdf(&self, x: f64) -> f64 {
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        if x <= self.quantile(1e-300) {
            return 0.0;
        }
        if x >= self.quantile(1.0) {
            return 1.0;
        }
        while hi - lo > 1e-12 {
            let mid = 0.5 * (lo + hi);
            if self.quantile(mid) <= x {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The mean, by the midpoint rule on the quantile function over 20,000 equal slices of
    /// probability (the tails of a bounded metalog are integrable; used for reports and checks,
    /// not for draws).
    pub fn mean(&self) -> f64 {
        let n = 20_000;
        (0..n)
            .map(|i| self.quantile((i as f64 + 0.5) / n as f64))
            .sum::<f64>()
            / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(y: f64) -> f64 {
        y * (1.0 - y) * (y / (1.0 - y)).ln() + y - 0.5
    }

    #[test]
    fn h_max_is_the_largest_magnitude_of_h() {
        // Dense near the ends, where the extremum lies.
        let mut best = 0.0f64;
        for i in 1..2_000_000 {
            let y = i as f64 / 2_000_000.0;
            best = best.max(h(y).abs());
        }
        assert!(best <= H_MAX && H_MAX - best < 1e-9, "{best}");
    }

    #[test]
    fn reproduces_its_three_quantiles() {
        for (q, b) in [
            ([3.0, 5.0, 9.0], Bounds::Lower(0.0)),
            ([0.20, 0.28, 0.36], Bounds::Both(0.0, 1.0)),
            ([-2.0, 0.5, 1.0], Bounds::Unbounded),
            ([26_000.0, 30_000.0, 35_000.0], Bounds::Lower(0.0)),
        ] {
            let m = Metalog::new(q[0], q[1], q[2], b).unwrap();
            for (y, x) in [0.1, 0.5, 0.9].into_iter().zip(q) {
                assert!(
                    (m.quantile(y) - x).abs() <= 1e-12 * x.abs().max(1.0),
                    "{q:?}"
                );
            }
        }
    }

    #[test]
    fn increases_and_stays_inside_its_bounds() {
        let (lo, hi) = feasible_r();
        // Close to the feasibility edge on the log scale.
        let z10 = 1.0f64;
        let z90 = 3.0f64;
        for r in [lo + 1e-3, 0.5, hi - 1e-3] {
            let z50 = z10 + r * (z90 - z10);
            let m = Metalog::new(z10.exp(), z50.exp(), z90.exp(), Bounds::Lower(0.0)).unwrap();
            let mut prev = 0.0;
            for i in 1..100_000 {
                let x = m.quantile(i as f64 / 100_000.0);
                assert!(x > prev, "r = {r}, i = {i}");
                prev = x;
            }
        }
        let share = Metalog::new(0.01, 0.05, 0.3, Bounds::Both(0.0, 1.0)).unwrap();
        for y in [1e-300, 1e-12, 0.5, 1.0 - 1e-12, 1.0] {
            let x = share.quantile(y);
            assert!((0.0..=1.0).contains(&x), "{y} -> {x}");
        }
    }

    #[test]
    fn refuses_what_no_metalog_fits() {
        assert_eq!(
            Metalog::new(5.0, 4.0, 9.0, Bounds::Unbounded),
            Err(MetalogError::NotIncreasing)
        );
        assert_eq!(
            Metalog::new(0.0, 0.2, 0.4, Bounds::Both(0.0, 1.0)),
            Err(MetalogError::OutsideBounds)
        );
        // P50 nearly on P10: r = 0.02.
        assert!(matches!(
            Metalog::new(4.0, 4.1, 9.0, Bounds::Unbounded),
            Err(MetalogError::Skewed { .. })
        ));
    }

    #[test]
    fn cdf_inverts_the_quantile_function() {
        let m = Metalog::new(4.0, 5.0, 9.0, Bounds::Lower(0.0)).unwrap();
        for y in [0.01, 0.1, 0.37, 0.5, 0.9, 0.999] {
            assert!((m.cdf(m.quantile(y)) - y).abs() < 1e-9, "{y}");
        }
    }
}
