//! Draws by inversion: the value of a distribution at a given cumulative probability.
//!
//! Across-trial draws are made this way (one uniform per parameter, from the copula or a
//! quasi-random sequence): a monotone map from the uniform, so correlation by rank carries
//! over, truncation to a range is exact (invert within the range's probabilities), and two
//! scenarios that share a uniform get values that move together. Closed forms where they
//! exist (uniform, triangular, normal, lognormal, discrete); otherwise Newton's method on the
//! CDF with its density, kept inside a bisection bracket (gamma, beta, PERT, Poisson).

use statrs::function::beta::ln_beta;
use statrs::function::gamma::ln_gamma;

use super::copula::normal_quantile;
use super::dist::{Dist, Sampler};

impl Dist {
    /// The value at cumulative probability `u` in (0, 1): the smallest x with P(X <= x) >= u,
    /// clamped to the quantity's allowed range.
    pub fn inverse_cdf(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x = match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { lo, width } => lo + width * u,
            Sampler::Triangular { min, mode, max, .. } => {
                let (a, c, b) = (*min, *mode, *max);
                let f = (c - a) / (b - a);
                if u < f {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Sampler::Normal(d) => d.mean() + d.std_dev() * normal_quantile(u),
            Sampler::LogNormal { mu, sigma, .. } => (mu + sigma * normal_quantile(u)).exp(),
            Sampler::Discrete { values, cumulative } => {
                let i = cumulative.partition_point(|&c| c < u).min(values.len() - 1);
                values[i]
            }
            Sampler::Gamma { shape, scale, .. } => {
                let (k, theta) = (*shape, *scale);
                let density = |x: f64| {
                    if x <= 0.0 {
                        0.0
                    } else {
                        ((k - 1.0) * x.ln() - x / theta - ln_gamma(k) - k * theta.ln()).exp()
                    }
                };
                // Wilson and Hilferty's normal approximation as the first guess.
                let z = normal_quantile(u);
                let c = 1.0 / (9.0 * k);
                let guess = k * theta * (1.0 - c + z * c.sqrt()).max(1e-3).powi(3);
                newton(
                    |x| self.sampler.cdf(x),
                    density,
                    u,
                    guess,
                    0.0,
                    f64::INFINITY,
                )
            }
            Sampler::Beta(b) => beta_inverse(b.alpha, b.beta, u, |x| self.sampler.cdf(x)),
            Sampler::Pert { min, max, beta } => {
                let y = beta_inverse(beta.alpha, beta.beta, u, |y| {
                    self.sampler.cdf(min + (max - min) * y)
                });
                min + (max - min) * y
            }
            Sampler::Poisson { .. } => {
                // The CDF jumps at the integers: the smallest integer whose CDF reaches u, by
                // bisection over a bracket around the mean (any mean, in a few dozen steps).
                let mean = self.moments.mean;
                let (mut lo, mut hi) = (-1.0, (mean + 10.0 * mean.sqrt() + 10.0).ceil());
                while self.sampler.cdf(hi) < u && hi < f64::MAX / 4.0 {
                    hi *= 2.0;
                }
                // cdf(lo) < u <= cdf(hi), with lo = -1 standing for "below zero".
                while hi - lo > 1.0 {
                    let mid = ((lo + hi) / 2.0).floor();
                    if mid <= lo || mid >= hi {
                        break; // integers beyond f64's spacing
                    }
                    if self.sampler.cdf(mid) < u {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi
            }
        };
        x.clamp(self.domain.min, self.domain.max)
    }
}

/// The Beta(a, b) value at probability `u`, with `cdf` its CDF on [0, 1].
fn beta_inverse(a: f64, b: f64, u: f64, cdf: impl Fn(f64) -> f64) -> f64 {
    let ln_b = ln_beta(a, b);
    let density = |x: f64| {
        if x <= 0.0 || x >= 1.0 {
            0.0
        } else {
            ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_b).exp()
        }
    };
    // A normal approximation with the beta's mean and sd, kept inside (0, 1).
    let mean = a / (a + b);
    let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
    let guess = (mean + sd * normal_quantile(u)).clamp(1e-6, 1.0 - 1e-6);
    newton(cdf, density, u, guess, 0.0, 1.0)
}

/// Solves cdf(x) = u for x in [lo, hi] from `guess`: Newton steps with the density, falling
/// back to bisection whenever a step leaves the bracket or the density vanishes; to 1e-13
/// relative in x or 1e-15 in probability.
fn newton(
    cdf: impl Fn(f64) -> f64,
    density: impl Fn(f64) -> f64,
    u: f64,
    guess: f64,
    mut lo: f64,
    mut hi: f64,
) -> f64 {
    if u <= 0.0 {
        return lo;
    }
    if u >= 1.0 {
        return hi;
    }
    let mut x = guess.clamp(lo, hi);
    if !hi.is_finite() {
        // Find a finite upper end of the bracket.
        let mut top = x.max(1.0);
        while cdf(top) < u {
            lo = top;
            top *= 2.0;
        }
        hi = top;
    }
    for _ in 0..200 {
        let f = cdf(x) - u;
        if f.abs() <= 1e-15 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let d = density(x);
        let step = if d > 0.0 && d.is_finite() {
            x - f / d
        } else {
            f64::NAN
        };
        let next = if step > lo && step < hi {
            step
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() <= 1e-13 * x.abs().max(1e-300) || hi - lo <= 1e-15 * hi.abs() {
            // The smallest value whose CDF reaches u: past the last representable step below
            // the bracket's top, the top itself.
            return if (cdf(next) - u).abs() <= 1e-12 {
                next
            } else {
                hi
            };
        }
        x = next;
    }
    x
}

#[cfg(test)]
mod tests {
    use crate::scenario::dist::{DistSpec, Domain};

    fn dist(toml: &str) -> crate::random::dist::Dist {
        #[derive(serde::Deserialize)]
        struct W {
            d: DistSpec,
        }
        let w: W = toml::from_str(&format!("d = {toml}")).unwrap();
        w.d.build(Domain::NON_NEGATIVE).unwrap()
    }

    /// The inverse CDF lands where the CDF says, for every family.
    #[test]
    fn inverse_cdf_inverts_the_cdf() {
        let mut checked = 0;
        for spec in [
            "{ uniform = { min = 2, max = 5 } }",
            "{ triangular = { min = 1, mode = 2, max = 4 } }",
            "{ pert = { min = 1, mode = 2, max = 6 } }",
            "{ normal = { mean = 10, sd = 2 } }",
            "{ lognormal = { median = 30000, p90 = 80000 } }",
            "{ gamma = { mean = 3, sd = 1.5 } }",
            "{ gamma = { shape = 0.4, scale = 2 } }",
            "{ gamma = { shape = 400, scale = 0.01 } }",
            "{ beta = { mean = 0.25, sd = 0.07 } }",
            "{ beta = { alpha = 0.5, beta = 0.5 } }",
        ] {
            let d = dist(spec);
            for u in [1e-9, 1e-4, 0.01, 0.1, 0.37, 0.5, 0.9, 0.99, 1.0 - 1e-9] {
                let x = d.inverse_cdf(u);
                // x is (to 1e-9 in x and in probability) the smallest value whose CDF reaches u.
                let (f, below) = (d.cdf(x), d.cdf(x - 1e-9 * x.abs().max(1e-9)));
                assert!(
                    f >= u - 1e-9 && below <= u + 1e-9,
                    "{spec} at {u}: x = {x}, cdf {f}, just below {below}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 90);
    }

    #[test]
    fn discrete_and_poisson_give_the_smallest_value_reaching_u() {
        let d = dist("{ discrete = { values = [1, 5, 9], probabilities = [0.2, 0.5, 0.3] } }");
        assert_eq!(d.inverse_cdf(0.1), 1.0);
        assert_eq!(d.inverse_cdf(0.2), 1.0);
        assert_eq!(d.inverse_cdf(0.21), 5.0);
        assert_eq!(d.inverse_cdf(0.95), 9.0);
        let p = dist("{ poisson = { mean = 4 } }");
        for u in [0.01, 0.3, 0.5, 0.99] {
            let k = p.inverse_cdf(u);
            assert!(
                p.cdf(k) >= u && (k == 0.0 || p.cdf(k - 1.0) < u),
                "{u}: {k}"
            );
        }
        // A vast mean is found by bisection, not by stepping through the integers.
        let big = dist("{ poisson = { mean = 1e12 } }");
        let k = big.inverse_cdf(0.9);
        assert!(big.cdf(k) >= 0.9 && big.cdf(k - 1.0) < 0.9, "{k}");
        assert!((k - 1e12 - 1.2816e6).abs() < 1e3, "{k}");
        assert!(
            dist("{ poisson = { mean = 1e18 } }")
                .inverse_cdf(0.5)
                .is_finite()
        );
    }
}
