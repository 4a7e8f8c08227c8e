//! Samplers of the distributions a scenario names: a validated [`Dist`] draws values clamped to
//! the quantity's allowed range ([`Domain`]), in batches for the hot loops, and gives its CDF
//! (the loader tabulates decision lags from it) and quantiles. How a planner writes a
//! distribution, and its checks, are in [`crate::scenario::dist`].

use rand::{Rng, RngExt};
use rand_distr::{
    Distribution, Gamma, LogNormal, Normal, Open01, Poisson, StandardNormal, Triangular,
};

use crate::words::fmt_num;

/// A validated distribution, ready to sample. Each family keeps its parameters beside its
/// `rand_distr` sampler, for its CDF (the engine tabulates cycle-time lags from it).
#[derive(Debug, Clone)]
pub enum Sampler {
    /// Always this value.
    Fixed(f64),
    /// Uniform on `[lo, hi)`.
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Width `hi - lo`.
        width: f64,
    },
    /// Triangular.
    Triangular {
        /// The sampler.
        d: Triangular<f64>,
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
    },
    /// Beta-PERT: `min + (max - min) x Beta(alpha, beta)`, shape 4.
    Pert {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
        /// The Beta on [0, 1].
        beta: BetaGammas,
    },
    /// Normal.
    Normal(Normal<f64>),
    /// Lognormal.
    LogNormal {
        /// The sampler.
        d: LogNormal<f64>,
        /// Mean of the log.
        mu: f64,
        /// Standard deviation of the log.
        sigma: f64,
    },
    /// Gamma.
    Gamma {
        /// The sampler.
        d: Gamma<f64>,
        /// Shape k.
        shape: f64,
        /// Scale theta.
        scale: f64,
    },
    /// Beta.
    Beta(BetaGammas),
    /// Poisson.
    Poisson {
        /// The sampler.
        d: Poisson<f64>,
        /// Mean count.
        mean: f64,
    },
    /// Discrete table: values and cumulative probabilities (last is exactly 1).
    Discrete {
        /// The values.
        values: Vec<f64>,
        /// Cumulative probabilities.
        cumulative: Vec<f64>,
    },
}

/// A lognormal draw, exp(mu + sigma Z) with Z standard normal (`rand_distr`'s ziggurat), through
/// revsim's own `exp`, which gives the same bits on every platform.
#[inline]
fn lognormal<R: Rng + ?Sized>(mu: f64, sigma: f64, rng: &mut R) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    super::sampling::exp(mu + sigma * z)
}

/// Beta(alpha, beta) drawn as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta): exact, and
/// about three times faster than `rand_distr`'s Beta (two gamma draws against Cheng's
/// rejection), which matters because every new rep draws a win rate.
#[derive(Debug, Clone)]
pub struct BetaGammas {
    x: UnitGamma,
    y: UnitGamma,
    /// Shape alpha.
    pub alpha: f64,
    /// Shape beta.
    pub beta: f64,
}

impl BetaGammas {
    /// The Beta(alpha, beta) sampler; an error names a shape that is not positive.
    pub fn new(alpha: f64, beta: f64) -> Result<BetaGammas, String> {
        Ok(BetaGammas {
            x: UnitGamma::new(alpha)?,
            y: UnitGamma::new(beta)?,
            alpha,
            beta,
        })
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = self.x.sample(rng);
        let y = self.y.sample(rng);
        if x + y > 0.0 {
            x / (x + y)
        } else {
            // Both underflowed (tiny shapes): the mass sits at the ends, in proportion.
            f64::from(u8::from(
                rng.random::<f64>() * (self.alpha + self.beta) < self.alpha,
            ))
        }
    }

    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        if x >= 1.0 {
            return 1.0;
        }
        statrs::function::beta::checked_beta_reg(self.alpha, self.beta, x).unwrap_or(f64::NAN)
    }
}

/// Gamma(shape, 1) drawn exactly as `rand_distr::Gamma` draws it (the same variates in the same
/// order, so the same bits), with Marsaglia and Tsang's method for shapes above 1 written out
/// here so that it inlines into the Beta draw instead of dispatching through `Gamma`'s three
/// cases on every call.
#[derive(Debug, Clone)]
enum UnitGamma {
    /// Shape above 1: `d` = shape - 1/3 and `c` = 1 / sqrt(9 d), as in `rand_distr`.
    Large { c: f64, d: f64 },
    /// Shape 1 or below: `rand_distr`'s own sampler.
    Other(Gamma<f64>),
}

impl UnitGamma {
    fn new(shape: f64) -> Result<UnitGamma, String> {
        let g = Gamma::new(shape, 1.0).map_err(|e| e.to_string())?;
        Ok(if shape > 1.0 && shape.is_finite() {
            let d = shape - 1.0 / 3.0;
            UnitGamma::Large {
                c: 1.0 / (9.0 * d).sqrt(),
                d,
            }
        } else {
            UnitGamma::Other(g)
        })
    }

    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            UnitGamma::Large { c, d } => loop {
                let x: f64 = StandardNormal.sample(rng);
                let v_cbrt = 1.0 + c * x;
                if v_cbrt <= 0.0 {
                    continue;
                }
                let v = v_cbrt * v_cbrt * v_cbrt;
                let u: f64 = Open01.sample(rng);
                let x_sqr = x * x;
                if u < 1.0 - 0.0331 * x_sqr * x_sqr || u.ln() < 0.5 * x_sqr + d * (1.0 - v + v.ln())
                {
                    // `rand_distr` multiplies by d times the scale (1 here, so exactly d).
                    return v * d;
                }
            },
            UnitGamma::Other(ref g) => g.sample(rng),
        }
    }
}

/// What a distribution's values may be: the quantity's allowed range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Domain {
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// How the range reads in an error message, e.g. "0 or more".
    pub text: &'static str,
}

impl Domain {
    /// Zero or more (sizes, durations, counts).
    pub const NON_NEGATIVE: Domain = Domain {
        min: 0.0,
        max: f64::INFINITY,
        text: "0 or more",
    };
    /// A probability or share.
    pub const UNIT: Domain = Domain {
        min: 0.0,
        max: 1.0,
        text: "from 0 to 1",
    };
    /// A positive multiplier.
    pub const POSITIVE: Domain = Domain {
        min: 0.0,
        max: f64::INFINITY,
        text: "more than 0",
    };
}

/// A summary of a sampler used in the manifest and validation: its mean and support.
#[derive(Debug, Clone, Copy)]
pub struct Moments {
    /// Mean of the distribution.
    pub mean: f64,
    /// Smallest value it can produce.
    pub lo: f64,
    /// Largest value it can produce.
    pub hi: f64,
}

/// A validated distribution: the sampler, its moments, and the range its values are clamped to.
#[derive(Debug, Clone)]
pub struct Dist {
    /// The sampler.
    pub sampler: Sampler,
    /// Mean and support.
    pub moments: Moments,
    /// The quantity's allowed range; draws outside it (only possible for `normal`) are clamped.
    pub domain: Domain,
}

impl Dist {
    /// A fixed value.
    pub fn fixed(v: f64, domain: Domain) -> Dist {
        Dist {
            sampler: Sampler::Fixed(v),
            moments: Moments {
                mean: v,
                lo: v,
                hi: v,
            },
            domain,
        }
    }

    /// Draws one value, clamped to the quantity's allowed range.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler
            .sample(rng)
            .clamp(self.domain.min, self.domain.max)
    }

    /// Fills `out` with independent draws, as [`Dist::sample`] would give them one by one,
    /// choosing the family once for the whole batch (the deal-size loops).
    #[inline]
    pub fn fill<R: Rng + Clone>(&self, rng: &mut R, out: &mut [f64]) {
        match &self.sampler {
            Sampler::LogNormal { mu, sigma, .. } => {
                // A local copy of the generator stays in registers across the loop, where
                // one behind a reference is stored back after every draw.
                let mut local = rng.clone();
                for z in out.iter_mut() {
                    *z = StandardNormal.sample(&mut local);
                }
                *rng = local;
                super::sampling::exp_affine_slice(out, *mu, *sigma);
            }
            Sampler::Gamma { d, .. } => out.iter_mut().for_each(|x| *x = d.sample(rng)),
            Sampler::Fixed(v) => out.fill(*v),
            Sampler::Normal(d) => out
                .iter_mut()
                .for_each(|x| *x = d.sample(rng).clamp(self.domain.min, self.domain.max)),
            // Every other family stays inside its domain by construction (checked at build).
            other => out.iter_mut().for_each(|x| *x = other.sample(rng)),
        }
    }

    /// The same distribution with every value multiplied by `f > 0` (its level moved, its
    /// shape and coefficient of variation kept). A Poisson count or a Beta share has no such
    /// scale and is returned unchanged.
    pub fn scaled(&self, f: f64) -> Dist {
        if f == 1.0 {
            return self.clone();
        }
        let sampler = match &self.sampler {
            Sampler::Fixed(v) => Sampler::Fixed(v * f),
            Sampler::Uniform { lo, width } => Sampler::Uniform {
                lo: lo * f,
                width: width * f,
            },
            Sampler::Triangular { min, mode, max, .. } => Sampler::Triangular {
                d: Triangular::new(min * f, max * f, mode * f).expect("a scaled valid triangle"),
                min: min * f,
                mode: mode * f,
                max: max * f,
            },
            Sampler::Pert { min, max, beta } => Sampler::Pert {
                min: min * f,
                max: max * f,
                beta: beta.clone(),
            },
            Sampler::Normal(d) => {
                Sampler::Normal(Normal::new(d.mean() * f, d.std_dev() * f).expect("a valid normal"))
            }
            Sampler::LogNormal { mu, sigma, .. } => {
                let mu = mu + f.ln();
                Sampler::LogNormal {
                    d: LogNormal::new(mu, *sigma).expect("a valid lognormal"),
                    mu,
                    sigma: *sigma,
                }
            }
            Sampler::Gamma { shape, scale, .. } => Sampler::Gamma {
                d: Gamma::new(*shape, scale * f).expect("a valid gamma"),
                shape: *shape,
                scale: scale * f,
            },
            Sampler::Discrete { values, cumulative } => Sampler::Discrete {
                values: values.iter().map(|v| v * f).collect(),
                cumulative: cumulative.clone(),
            },
            Sampler::Beta(_) | Sampler::Poisson { .. } => return self.clone(),
        };
        Dist {
            sampler,
            moments: Moments {
                mean: self.moments.mean * f,
                lo: self.moments.lo * f,
                hi: self.moments.hi * f,
            },
            domain: self.domain,
        }
    }

    /// The log-scale standard deviation (sigma) of a lognormal; `None` for other families.
    pub fn log_sd(&self) -> Option<f64> {
        match &self.sampler {
            Sampler::LogNormal { sigma, .. } => Some(*sigma),
            _ => None,
        }
    }

    /// A lognormal with the same median and log-scale standard deviation `sigma > 0`; other
    /// families are returned unchanged.
    pub fn with_log_sd(&self, sigma: f64) -> Dist {
        match &self.sampler {
            Sampler::LogNormal { mu, .. } if sigma > 0.0 && sigma.is_finite() => Dist {
                sampler: Sampler::LogNormal {
                    d: LogNormal::new(*mu, sigma).expect("a valid lognormal"),
                    mu: *mu,
                    sigma,
                },
                moments: Moments {
                    mean: (mu + sigma * sigma / 2.0).exp(),
                    ..self.moments
                },
                domain: self.domain,
            },
            _ => self.clone(),
        }
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        self.moments.mean
    }

    /// P(X <= x) for X as [`Dist::sample`] draws it: clamped to the domain.
    pub fn cdf(&self, x: f64) -> f64 {
        if x < self.domain.min {
            0.0
        } else if x >= self.domain.max {
            1.0
        } else {
            self.sampler.cdf(x)
        }
    }

    /// The integral of the CDF over `[a, b]`: for U uniform on [0, 1) and independent of X,
    /// P(U + X < k + 1) is this integral over [k, k + 1] (how deals created at a uniform point
    /// of their month are decided by month). Exact for fixed, discrete and Poisson values (the
    /// CDF is constant between its jumps, and the interval is cut at each jump), to about 1e-12
    /// otherwise (adaptive Gauss-Legendre on each piece).
    pub fn cdf_integral(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        let mut cuts = vec![a, b];
        let mut cut = |x: f64| {
            if x > a && x < b {
                cuts.push(x);
            }
        };
        cut(self.domain.min);
        cut(self.domain.max);
        match &self.sampler {
            Sampler::Fixed(v) => cut(*v),
            Sampler::Uniform { lo, width } if *width == 0.0 => cut(*lo),
            Sampler::Discrete { values, .. } => values.iter().for_each(|v| cut(*v)),
            Sampler::Poisson { .. } => {
                let mut k = a.floor() + 1.0;
                while k < b && k < a + 10_000.0 {
                    cut(k);
                    k += 1.0;
                }
            }
            _ => {}
        }
        cuts.sort_unstable_by(f64::total_cmp);
        let f = |x: f64| self.cdf(x);
        cuts.windows(2)
            .map(|w| adaptive_gauss(&f, w[0], w[1], gauss4(&f, w[0], w[1]), 18))
            .sum()
    }

    /// The `p` quantile (the smallest x with P(X <= x) >= p), by bisection on the CDF; exact
    /// for fixed and discrete values, to 1e-12 relative otherwise.
    pub fn quantile(&self, p: f64) -> f64 {
        if let Some(v) = self.sampler.fixed() {
            return v;
        }
        if let Sampler::Discrete { values, .. } = &self.sampler {
            let mut sorted = values.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            return sorted
                .into_iter()
                .find(|v| self.cdf(*v) >= p)
                .unwrap_or(self.moments.hi);
        }
        let (mut lo, mut hi) = (
            self.moments.lo.max(self.domain.min),
            self.moments.hi.min(self.domain.max),
        );
        if !lo.is_finite() {
            lo = -1.0;
            while self.cdf(lo) >= p {
                lo *= 2.0;
            }
        }
        if !hi.is_finite() {
            hi = self.moments.mean.abs().max(1.0);
            while self.cdf(hi) < p {
                hi *= 2.0;
            }
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.cdf(mid) >= p {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 1e-12 * hi.abs().max(1e-300) {
                break;
            }
        }
        hi
    }
}

/// Beta shape parameters with the given mean and standard deviation (method of moments).
pub fn beta_from_mean_sd(mean: f64, sd: f64) -> Result<(f64, f64), String> {
    if !(mean > 0.0 && mean < 1.0) {
        return Err(format!(
            "beta needs a `mean` strictly between 0 and 1, got {mean}"
        ));
    }
    let var = sd * sd;
    let max_var = mean * (1.0 - mean);
    if !(sd > 0.0 && var < max_var) {
        return Err(format!(
            "beta with mean {mean} needs 0 < `sd` < {} (the spread of a coin flip), got {sd}",
            fmt_num(max_var.sqrt())
        ));
    }
    let nu = max_var / var - 1.0;
    Ok((mean * nu, (1.0 - mean) * nu))
}

impl Sampler {
    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { lo, width } => lo + width * rng.random::<f64>(),
            Sampler::Triangular { d, .. } => d.sample(rng),
            Sampler::Pert { min, max, beta } => min + (max - min) * beta.sample(rng),
            Sampler::Normal(d) => d.sample(rng),
            Sampler::LogNormal { mu, sigma, .. } => lognormal(*mu, *sigma, rng),
            Sampler::Gamma { d, .. } => d.sample(rng),
            Sampler::Beta(d) => d.sample(rng),
            Sampler::Poisson { d, .. } => d.sample(rng),
            Sampler::Discrete { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }

    /// P(X <= x) of the distribution as drawn (before clamping to a domain).
    pub fn cdf(&self, x: f64) -> f64 {
        use statrs::function::gamma::{checked_gamma_lr, checked_gamma_ur};
        let normal = crate::stats::normal_cdf;
        match self {
            Sampler::Fixed(v) => f64::from(u8::from(x >= *v)),
            Sampler::Uniform { lo, width } => {
                if *width == 0.0 {
                    f64::from(u8::from(x >= *lo))
                } else {
                    ((x - lo) / width).clamp(0.0, 1.0)
                }
            }
            Sampler::Triangular { min, mode, max, .. } => {
                let (a, c, b) = (*min, *mode, *max);
                if x <= a {
                    0.0
                } else if x >= b {
                    1.0
                } else if x <= c {
                    (x - a) * (x - a) / ((b - a) * (c - a))
                } else {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
                }
            }
            Sampler::Pert { min, max, beta } => beta.cdf((x - min) / (max - min)),
            Sampler::Normal(d) => normal((x - d.mean()) / d.std_dev()),
            Sampler::LogNormal { mu, sigma, .. } => {
                if x <= 0.0 {
                    0.0
                } else {
                    normal((x.ln() - mu) / sigma)
                }
            }
            Sampler::Gamma { shape, scale, .. } => {
                if x <= 0.0 {
                    0.0
                } else if x.is_infinite() {
                    1.0
                } else if *shape > LARGE_SHAPE {
                    // The incomplete gamma's series takes ~sqrt(shape) steps: Wilson-Hilferty's
                    // normal approximation is exact to ~1e-4 here, and fast.
                    let k = 1.0 / (9.0 * shape);
                    normal(((x / (shape * scale)).cbrt() - (1.0 - k)) / k.sqrt())
                } else {
                    checked_gamma_lr(*shape, x / scale).unwrap_or(f64::NAN)
                }
            }
            Sampler::Beta(b) => b.cdf(x),
            Sampler::Poisson { mean, .. } => {
                if x < 0.0 {
                    0.0
                } else if x.is_infinite() {
                    1.0
                } else if *mean > LARGE_SHAPE {
                    // As for a large gamma: the normal approximation with continuity correction.
                    normal((x.floor() + 0.5 - mean) / mean.sqrt())
                } else {
                    // P(N <= k) = Q(k + 1, mean), the regularised upper incomplete gamma.
                    checked_gamma_ur(x.floor() + 1.0, *mean).unwrap_or(f64::NAN)
                }
            }
            Sampler::Discrete { values, cumulative } => {
                let mut f = 0.0;
                let mut prev = 0.0;
                for (v, c) in values.iter().zip(cumulative) {
                    if *v <= x {
                        f += c - prev;
                    }
                    prev = *c;
                }
                f.min(1.0)
            }
        }
    }

    /// Whether the sampler always returns the same value (and so consumes no random numbers).
    pub fn fixed(&self) -> Option<f64> {
        match self {
            Sampler::Fixed(v) => Some(*v),
            _ => None,
        }
    }
}

/// Four-point Gauss-Legendre quadrature of `f` over `[a, b]` (exact for cubics).
fn gauss4(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    const X: [f64; 2] = [0.339_981_043_584_856_3, 0.861_136_311_594_052_6];
    const W: [f64; 2] = [0.652_145_154_862_546_1, 0.347_854_845_137_453_9];
    let (m, r) = (0.5 * (a + b), 0.5 * (b - a));
    let sum: f64 = (0..2)
        .map(|i| W[i] * (f(m - r * X[i]) + f(m + r * X[i])))
        .sum();
    r * sum
}

/// [`gauss4`] on halves until the halves agree with the whole to 1e-13 (or `depth` runs out).
fn adaptive_gauss(f: &impl Fn(f64) -> f64, a: f64, b: f64, whole: f64, depth: u32) -> f64 {
    let m = 0.5 * (a + b);
    let (left, right) = (gauss4(f, a, m), gauss4(f, m, b));
    let gap = (left + right - whole).abs();
    if depth == 0 || gap <= 1e-13 || !gap.is_finite() {
        return left + right;
    }
    adaptive_gauss(f, a, m, left, depth - 1) + adaptive_gauss(f, m, b, right, depth - 1)
}

/// Gamma shapes and Poisson means beyond which the CDF uses a normal approximation: the exact
/// incomplete gamma would take minutes (a Poisson mean of 1e18 never finished).
const LARGE_SHAPE: f64 = 1e7;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::streams::{Purpose, stream};

    #[test]
    fn unit_gamma_gives_rand_distr_gammas_bit_for_bit() {
        for shape in [0.3, 1.0, 1.000_001, 1.5, 2.0, 5.0, 37.5, 1e6] {
            let ours = UnitGamma::new(shape).expect("valid shape");
            let theirs = Gamma::new(shape, 1.0).expect("valid shape");
            let (mut a, mut b) = (
                stream(3, 1, 0, Purpose::RepDraws),
                stream(3, 1, 0, Purpose::RepDraws),
            );
            for i in 0..100_000 {
                let (x, y) = (ours.sample(&mut a), theirs.sample(&mut b));
                assert_eq!(
                    x.to_bits(),
                    y.to_bits(),
                    "shape {shape}, draw {i}: {x} against {y}"
                );
            }
        }
    }

    #[test]
    fn fill_gives_the_draws_of_sample_one_by_one() {
        let lognormal = |mu: f64, sigma: f64| Dist {
            sampler: Sampler::LogNormal {
                d: LogNormal::new(mu, sigma).expect("valid"),
                mu,
                sigma,
            },
            moments: Moments {
                mean: 1.0,
                lo: 0.0,
                hi: f64::INFINITY,
            },
            domain: Domain {
                min: 0.0,
                max: f64::INFINITY,
                text: "0 or more",
            },
        };
        // The second takes the checked path of the vectorised exp (values past +-700).
        for d in [lognormal(20_000f64.ln(), 0.8), lognormal(-650.0, 40.0)] {
            for n in [0, 1, 3, 4, 5, 150, 1_001] {
                let (mut a, mut b) = (
                    stream(5, 2, 9, Purpose::DealSizes),
                    stream(5, 2, 9, Purpose::DealSizes),
                );
                let mut filled = vec![0.0; n];
                d.fill(&mut a, &mut filled);
                let one_by_one: Vec<f64> = (0..n).map(|_| d.sample(&mut b)).collect();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&filled), bits(&one_by_one), "{n} draws");
                // Both generators are left in the same state.
                assert_eq!(a.random::<u64>(), b.random::<u64>());
            }
        }
    }
}
