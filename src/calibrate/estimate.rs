//! The estimators, as pure functions over samples: lognormal and gamma by maximum likelihood,
//! the beta-binomial by maximum marginal likelihood (for empirical-Bayes shrinkage of win
//! rates), an empirical quantile table, and Kolmogorov-Smirnov distances with their
//! approximate p-values. Each states its source and assumptions; [`super::fit`](mod@super::fit)
//! applies them to an export.
//!
//! Standard errors are asymptotic (from the Fisher information): good guides from a few dozen
//! observations on, optimistic below.

use serde::Serialize;
use statrs::function::beta::ln_beta;
use statrs::function::gamma::{checked_gamma_ur, digamma};

use super::posterior::{self, Interval};
use crate::stats::{normal_quantile, quantile_sorted};

/// z-score of the 90th percentile of the standard normal distribution.
pub const Z90: f64 = 1.281_551_565_544_600_5;

/// A lognormal fitted by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LognormalFit {
    /// Observations.
    pub n: usize,
    /// Mean of log values (mu).
    pub mu: f64,
    /// Standard deviation of log values (sigma; the MLE divides by n).
    pub sigma: f64,
    /// The median, exp(mu).
    pub median: f64,
    /// The 90th percentile, exp(mu + 1.2816 sigma).
    pub p90: f64,
    /// The mean, exp(mu + sigma^2 / 2).
    pub mean: f64,
    /// Standard error of mu: sigma / sqrt(n).
    pub se_mu: f64,
    /// Standard error of sigma: sigma / sqrt(2 n).
    pub se_sigma: f64,
}

/// Lognormal by maximum likelihood: mu and sigma are the mean and the standard deviation (with
/// divisor n) of ln x (Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions*,
/// vol. 1, 2nd ed., ch. 14). Assumes independent positive values; `None` for fewer than two
/// values, a value that is not positive, or values that are all equal (no spread to fit).
pub fn lognormal_mle(xs: &[f64]) -> Option<LognormalFit> {
    if xs.len() < 2 || xs.iter().any(|x| !(*x > 0.0 && x.is_finite())) {
        return None;
    }
    let n = xs.len() as f64;
    let logs: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
    let mu = logs.iter().sum::<f64>() / n;
    let sigma = (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / n).sqrt();
    if sigma.is_nan() || sigma <= 1e-12 {
        return None;
    }
    Some(LognormalFit {
        n: xs.len(),
        mu,
        sigma,
        median: mu.exp(),
        p90: (mu + Z90 * sigma).exp(),
        mean: (mu + sigma * sigma / 2.0).exp(),
        se_mu: sigma / n.sqrt(),
        se_sigma: sigma / (2.0 * n).sqrt(),
    })
}

/// A gamma fitted by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaFit {
    /// Observations.
    pub n: usize,
    /// Shape k.
    pub shape: f64,
    /// Scale theta (mean = k theta).
    pub scale: f64,
    /// The mean, k theta.
    pub mean: f64,
    /// The standard deviation, sqrt(k) theta.
    pub sd: f64,
    /// Standard error of the shape: sqrt(k / (n (k psi'(k) - 1))).
    pub se_shape: f64,
    /// Standard error of the mean: sd / sqrt(n).
    pub se_mean: f64,
    /// Standard error of the standard deviation (delta method; shape and mean are orthogonal).
    pub se_sd: f64,
}

/// The trigamma function psi'(x) for x > 0: the recurrence psi'(x) = psi'(x + 1) + 1 / x^2 up
/// to x >= 10, then the asymptotic series 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7) -
/// 1/(30x^9) (Abramowitz & Stegun 6.4.12), whose next term is below 1e-12 there.
pub fn trigamma(x: f64) -> f64 {
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    acc + inv
        + inv2 / 2.0
        + inv * inv2 * (1.0 / 6.0 - inv2 * (1.0 / 30.0 - inv2 * (1.0 / 42.0 - inv2 / 30.0)))
}

/// Gamma by maximum likelihood. With s = ln(mean x) - mean(ln x), the shape solves
/// ln k - psi(k) = s; it starts from the closed-form approximation
/// k0 = (3 - s + sqrt((s - 3)^2 + 24 s)) / (12 s) and is refined by Newton's method
/// (Minka, "Estimating a Gamma distribution", 2002); the scale is mean x / k. Maximum
/// likelihood rather than the method of moments because it uses the whole sample efficiently
/// (the moments estimator leans on the sample variance, which a few long cycles dominate).
/// Assumes independent positive values; `None` for fewer than two, a value that is not
/// positive, or values that are all equal.
pub fn gamma_mle(xs: &[f64]) -> Option<GammaFit> {
    if xs.len() < 2 || xs.iter().any(|x| !(*x > 0.0 && x.is_finite())) {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let mean_log = xs.iter().map(|x| x.ln()).sum::<f64>() / n;
    let s = mean.ln() - mean_log;
    if s.is_nan() || s <= 1e-12 {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let next = k - f / df;
        // ln k - psi(k) is decreasing and convex, so Newton from either side converges; the
        // halving guards the first step against leaving k > 0 for extreme s.
        let next = if next > 0.0 { next } else { k / 2.0 };
        let done = (next - k).abs() <= 1e-12 * k;
        k = next;
        if done {
            break;
        }
    }
    let scale = mean / k;
    let var_k = k / (n * (k * trigamma(k) - 1.0));
    let sd = k.sqrt() * scale;
    let var_mean = sd * sd / n;
    // sd = mean / sqrt(k): d sd / d mean = 1 / sqrt(k), d sd / d k = -mean / (2 k^1.5).
    let var_sd = var_mean / k + (mean / (2.0 * k.powf(1.5))).powi(2) * var_k;
    Some(GammaFit {
        n: xs.len(),
        shape: k,
        scale,
        mean,
        sd,
        se_shape: var_k.sqrt(),
        se_mean: var_mean.sqrt(),
        se_sd: var_sd.sqrt(),
    })
}

/// A beta-binomial fitted to groups' successes and trials: group rates p_i ~ Beta(alpha,
/// beta), successes k_i ~ Binomial(n_i, p_i).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BetaBinomialFit {
    /// Groups (reps or segments) with at least one trial.
    pub groups: usize,
    /// Trials over all groups.
    pub trials: u64,
    /// Successes over all groups.
    pub successes: u64,
    /// Mean of the true rates, alpha / (alpha + beta).
    pub mean: f64,
    /// Prior strength alpha + beta: how many trials of a group's own weigh as much as the
    /// prior. `None` when the data show no spread beyond binomial noise (infinite strength:
    /// every group gets the mean).
    pub strength: Option<f64>,
    /// Standard deviation of the true rates, sqrt(mean (1 - mean) / (strength + 1)); 0 when
    /// the strength is infinite. This is the spread of the rates themselves, not of the
    /// observed rates, which binomial noise widens.
    pub sd: f64,
    /// Standard deviation of the observed (raw) rates, for comparison.
    pub raw_sd: f64,
    /// Standard error of the mean (from the observed information).
    pub se_mean: Option<f64>,
    /// Standard error of the sd (delta method from the observed information).
    pub se_sd: Option<f64>,
    /// Likelihood-ratio test of "no spread" (sd = 0): p-value from the 50:50 mixture of
    /// chi-square(0) and chi-square(1) that applies on the boundary (Self & Liang, 1987).
    pub p_no_spread: f64,
}

impl BetaBinomialFit {
    /// The shrunk (posterior mean) rate of a group with `k` successes in `n` trials:
    /// (k + alpha) / (n + alpha + beta), a weighted average of the group's own rate and the
    /// mean with weights n and alpha + beta.
    pub fn shrink(&self, k: u64, n: u64) -> f64 {
        match self.strength {
            None => self.mean,
            Some(m) => (k as f64 + self.mean * m) / (n as f64 + m),
        }
    }
}

fn bb_loglik(groups: &[(u64, u64)], mean: f64, strength: f64) -> f64 {
    let (a, b) = (mean * strength, (1.0 - mean) * strength);
    let base = ln_beta(a, b);
    groups
        .iter()
        .map(|&(k, n)| ln_beta(k as f64 + a, (n - k) as f64 + b) - base)
        .sum()
}

fn binomial_loglik(groups: &[(u64, u64)], p: f64) -> f64 {
    groups
        .iter()
        .map(|&(k, n)| {
            let (k, n) = (k as f64, n as f64);
            let t = |c: f64, q: f64| if c > 0.0 { c * q.ln() } else { 0.0 };
            t(k, p) + t(n - k, 1.0 - p)
        })
        .sum()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Maximises a unimodal function on [lo, hi] by golden-section search; returns (x, f(x)).
fn golden(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64, iters: usize) -> (f64, f64) {
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = hi - r * (hi - lo);
    let mut d = lo + r * (hi - lo);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..iters {
        if fc > fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - r * (hi - lo);
            fc = f(c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + r * (hi - lo);
            fd = f(d);
        }
    }
    let x = (lo + hi) / 2.0;
    (x, f(x))
}

/// Largest prior strength searched: beyond it the prior outweighs any realistic group, and the
/// fit is read as "no spread".
const MAX_STRENGTH: f64 = 1e6;

/// Beta-binomial by maximum marginal likelihood (parametric empirical Bayes: Efron & Morris,
/// "Data analysis using Stein's estimator and its generalizations", JASA 1975; Griffiths,
/// "Maximum likelihood estimation for the beta-binomial distribution", 1973). The marginal
/// likelihood of group i is B(k_i + alpha, n_i - k_i + beta) / B(alpha, beta), so the binomial
/// noise of each group's observed rate is accounted for: a group with few trials says little
/// about the spread of true rates. Parameterised by the mean and the prior strength
/// M = alpha + beta; the strength is found by a grid over ln M then golden-section search,
/// the mean by golden-section search on its logit for each M (the likelihood is unimodal in
/// the mean for fixed M). Assumes the groups' true rates are independent draws from one Beta
/// and each trial of a group is independent with the group's rate. `None` with fewer than
/// three groups (the spread of two rates cannot be told from noise) or no trials.
pub fn beta_binomial_mle(groups: &[(u64, u64)]) -> Option<BetaBinomialFit> {
    let groups: Vec<(u64, u64)> = groups.iter().copied().filter(|g| g.1 > 0).collect();
    if groups.len() < 3 || groups.iter().any(|(k, n)| k > n) {
        return None;
    }
    let trials: u64 = groups.iter().map(|g| g.1).sum();
    let successes: u64 = groups.iter().map(|g| g.0).sum();
    let pooled = successes as f64 / trials as f64;
    let raw: Vec<f64> = groups.iter().map(|&(k, n)| k as f64 / n as f64).collect();
    let raw_mean = raw.iter().sum::<f64>() / raw.len() as f64;
    let raw_sd =
        (raw.iter().map(|r| (r - raw_mean).powi(2)).sum::<f64>() / (raw.len() - 1) as f64).sqrt();
    let degenerate = BetaBinomialFit {
        groups: groups.len(),
        trials,
        successes,
        mean: pooled,
        strength: None,
        sd: 0.0,
        raw_sd,
        se_mean: Some((pooled * (1.0 - pooled) / trials as f64).sqrt()),
        se_sd: None,
        p_no_spread: 1.0,
    };
    if successes == 0 || successes == trials {
        return Some(degenerate);
    }
    let Some(ln_m) = ln_strength_mle(&groups) else {
        return Some(degenerate);
    };
    let (mean, ll) = profile(&groups, ln_m);
    let m = ln_m.exp();
    let null = binomial_loglik(&groups, pooled);
    let lr = (2.0 * (ll - null)).max(0.0);
    let p_no_spread = if lr > 0.0 {
        0.5 * checked_gamma_ur(0.5, lr / 2.0).unwrap_or(1.0)
    } else {
        1.0
    };
    let sd = (mean * (1.0 - mean) / (m + 1.0)).sqrt();
    let (se_mean, se_sd) = standard_errors(&groups, mean, ln_m, sd);
    Some(BetaBinomialFit {
        groups: groups.len(),
        trials,
        successes,
        mean,
        strength: Some(m),
        sd,
        raw_sd,
        se_mean,
        se_sd,
        p_no_spread,
    })
}

/// The mean maximising the likelihood for a prior strength e^`ln_m`, and that likelihood: the
/// profile over the mean.
fn profile(groups: &[(u64, u64)], ln_m: f64) -> (f64, f64) {
    let m = ln_m.exp();
    let (x, ll) = golden(|t| bb_loglik(groups, logistic(t), m), -12.0, 12.0, 90);
    (logistic(x), ll)
}

/// ln M of the maximum likelihood: the best of a grid over ln M, refined by golden-section
/// search between its neighbours. `None` when the best is the largest strength searched (no
/// spread).
fn ln_strength_mle(groups: &[(u64, u64)]) -> Option<f64> {
    let (lo, hi) = ((0.01f64).ln(), MAX_STRENGTH.ln());
    let steps = 48;
    let grid: Vec<(f64, f64)> = (0..=steps)
        .map(|i| {
            let ln_m = lo + (hi - lo) * i as f64 / steps as f64;
            (ln_m, profile(groups, ln_m).1)
        })
        .collect();
    let best = (0..grid.len())
        .max_by(|a, b| grid[*a].1.total_cmp(&grid[*b].1))
        .expect("non-empty grid");
    if best == grid.len() - 1 {
        return None;
    }
    let (a, b) = (
        grid[best.saturating_sub(1)].0,
        grid[(best + 1).min(grid.len() - 1)].0,
    );
    let (ln_m, _) = golden(|x| profile(groups, x).1, a, b, 60);
    Some(ln_m)
}

/// What the data say about the spread of groups' true rates when the spread is not taken as
/// known: its posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpreadPosterior {
    /// Groups with at least one trial.
    pub groups: usize,
    /// Trials over all groups.
    pub trials: u64,
    /// The largest spread the prior allows: sqrt(p (1 - p)) at the pooled rate p (a Beta
    /// with mean p has less).
    pub prior_max: f64,
    /// The posterior of the sd of the true rates.
    pub sd: Interval,
}

/// The posterior of the spread (sd) tau of groups' true rates under the beta-binomial of
/// [`beta_binomial_mle`], from a uniform prior on tau between 0 and the largest spread a rate
/// with the pooled mean can have, and the likelihood profiled over the mean (maximised for each
/// tau; with hundreds of trials the mean is known far better than the spread, so this is close
/// to integrating the mean out). Tau = 0 (every group at one rate) has the binomial
/// likelihood, so values near zero keep the weight the data give them: the posterior is never a
/// point at zero, nor at the maximum-likelihood estimate. The density is evaluated on a grid of
/// 201 values of tau up to where the likelihood has fallen by e^-25 from its peak, and
/// summarised by [`posterior::grid`]. `None` with fewer than three groups, no trials, or no
/// successes or no failures at all (no spread can show).
pub fn spread_posterior(groups: &[(u64, u64)]) -> Option<SpreadPosterior> {
    let groups: Vec<(u64, u64)> = groups.iter().copied().filter(|g| g.1 > 0).collect();
    if groups.len() < 3 || groups.iter().any(|(k, n)| k > n) {
        return None;
    }
    let trials: u64 = groups.iter().map(|g| g.1).sum();
    let successes: u64 = groups.iter().map(|g| g.0).sum();
    if successes == 0 || successes == trials {
        return None;
    }
    let pooled = successes as f64 / trials as f64;
    let prior_max = (pooled * (1.0 - pooled)).sqrt();
    let t0 = (pooled / (1.0 - pooled)).ln();
    let loglik = |tau: f64| -> f64 {
        if tau <= 0.0 {
            return binomial_loglik(&groups, pooled);
        }
        let at = |t: f64| {
            let mean = logistic(t);
            let m = mean * (1.0 - mean) / (tau * tau) - 1.0;
            if m <= 0.0 {
                f64::NEG_INFINITY
            } else if m > MAX_PROFILE_STRENGTH {
                binomial_loglik(&groups, mean)
            } else {
                bb_loglik(&groups, mean, m)
            }
        };
        golden(at, t0 - 2.0, t0 + 2.0, 40).1
    };
    let top = 0.999 * prior_max;
    let coarse: Vec<f64> = (0..=40).map(|i| top * f64::from(i) / 40.0).collect();
    let lls: Vec<f64> = coarse.iter().map(|&t| loglik(t)).collect();
    let peak = (0..lls.len())
        .max_by(|a, b| lls[*a].total_cmp(&lls[*b]))
        .expect("a grid");
    let end = (peak..lls.len())
        .find(|&i| lls[i] < lls[peak] - 25.0)
        .map_or(top, |i| coarse[i]);
    let xs: Vec<f64> = (0..=200).map(|i| end * f64::from(i) / 200.0).collect();
    let lls: Vec<f64> = xs.iter().map(|&t| loglik(t)).collect();
    let max = lls.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let density: Vec<f64> = lls.iter().map(|l| (l - max).exp()).collect();
    Some(SpreadPosterior {
        groups: groups.len(),
        trials,
        prior_max,
        sd: posterior::grid(&xs, &density)?,
    })
}

/// Beyond this prior strength the beta-binomial likelihood is the binomial's to within rounding
/// (and its log-beta terms lose digits): the profile uses the binomial.
const MAX_PROFILE_STRENGTH: f64 = 1e7;

/// Standard errors of the mean and of the sd, from the observed information in (t = logit
/// mean, u = ln M) by central differences; `None` where the information is not positive.
fn standard_errors(
    groups: &[(u64, u64)],
    mean: f64,
    ln_m: f64,
    sd: f64,
) -> (Option<f64>, Option<f64>) {
    let m = ln_m.exp();
    let f = |t: f64, u: f64| bb_loglik(groups, logistic(t), u.exp());
    let (t0, u0) = ((mean / (1.0 - mean)).ln(), ln_m);
    let h = 1e-3;
    let ftt = (f(t0 + h, u0) - 2.0 * f(t0, u0) + f(t0 - h, u0)) / (h * h);
    let fuu = (f(t0, u0 + h) - 2.0 * f(t0, u0) + f(t0, u0 - h)) / (h * h);
    let ftu = (f(t0 + h, u0 + h) - f(t0 + h, u0 - h) - f(t0 - h, u0 + h) + f(t0 - h, u0 - h))
        / (4.0 * h * h);
    let (ia, ib, ic) = (-ftt, -ftu, -fuu);
    let det = ia * ic - ib * ib;
    if ia > 0.0 && det > 0.0 {
        // Covariance of (t, u) is the inverse information.
        let (vt, vtu, vu) = (ic / det, -ib / det, ia / det);
        let dmean_dt = mean * (1.0 - mean);
        // sd^2 = mean (1 - mean) / (M + 1).
        let dsd_dmean = (1.0 - 2.0 * mean) / (2.0 * sd * (m + 1.0));
        let dsd_dm = -mean * (1.0 - mean) / (2.0 * sd * (m + 1.0).powi(2));
        let (gt, gu) = (dsd_dmean * dmean_dt, dsd_dm * m);
        let var_sd = gt * gt * vt + 2.0 * gt * gu * vtu + gu * gu * vu;
        (
            Some(dmean_dt * vt.sqrt()),
            (var_sd > 0.0).then(|| var_sd.sqrt()),
        )
    } else {
        (None, None)
    }
}

/// A Kolmogorov-Smirnov comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ks {
    /// Observations (for two samples, the effective n1 n2 / (n1 + n2), rounded).
    pub n: usize,
    /// The distance D: the largest gap between the two cumulative distribution functions.
    pub d: f64,
    /// Approximate p-value of D if the data came from the distribution (see [`ks_p_value`]).
    pub p_value: f64,
}

/// P(D > d) for n observations under the null, by Stephens's approximation
/// Q((sqrt(n) + 0.12 + 0.11 / sqrt(n)) d) with Q(x) = 2 sum_k (-1)^(k-1) exp(-2 k^2 x^2)
/// (Stephens 1970; Press et al., *Numerical Recipes*, 3rd ed., 14.3.3). It assumes the
/// distribution was fixed in advance: with parameters fitted to the same data, D is smaller
/// than it would be, so this p-value is too high (conservative; Lilliefors 1967). Read D as the
/// measure of fit and the p-value as a rough guide.
pub fn ks_p_value(n: f64, d: f64) -> f64 {
    let rn = n.sqrt();
    let x = (rn + 0.12 + 0.11 / rn) * d;
    if x < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = f64::from(k);
        let term = (-2.0 * k * k * x * x).exp();
        sum += if k as u32 % 2 == 1 { term } else { -term };
        if term < 1e-12 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// D between the empirical distribution of `sorted` (ascending) and a continuous CDF: the
/// largest of |F(x_i) - (i-1)/n| and |i/n - F(x_i)| over the distinct values, counting ties
/// together.
pub fn ks_continuous(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> Ks {
    let n = sorted.len();
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let f = cdf(sorted[i]);
        d = d
            .max((f - i as f64 / n as f64).abs())
            .max(((j + 1) as f64 / n as f64 - f).abs());
        i = j + 1;
    }
    Ks {
        n,
        d,
        p_value: ks_p_value(n as f64, d),
    }
}

/// D between two step CDFs: the empirical distribution of `sorted` and a discrete table of
/// `values` with `probabilities`. Both are right-continuous steps, so the largest gap is at
/// one of their jump points.
pub fn ks_discrete(sorted: &[f64], values: &[f64], probabilities: &[f64]) -> Ks {
    let n = sorted.len();
    let mut table: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(probabilities.iter().copied())
        .collect();
    table.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut points: Vec<f64> = sorted.iter().chain(values).copied().collect();
    points.sort_by(f64::total_cmp);
    points.dedup();
    let (mut i, mut j, mut fd) = (0, 0, 0.0);
    let mut d: f64 = 0.0;
    for x in points {
        while i < n && sorted[i] <= x {
            i += 1;
        }
        while j < table.len() && table[j].0 <= x {
            fd += table[j].1;
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - fd).abs());
    }
    Ks {
        n,
        d,
        p_value: ks_p_value(n as f64, d),
    }
}

/// Two-sample D between ascending samples `a` and `b`, with the p-value at the effective size
/// n1 n2 / (n1 + n2) (same approximation and reference as [`ks_p_value`]; here no parameters
/// are fitted, so it applies as stated).
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> Ks {
    let (na, nb) = (a.len(), b.len());
    let (mut i, mut j) = (0, 0);
    let mut d: f64 = 0.0;
    while i < na && j < nb {
        let x = a[i].min(b[j]);
        while i < na && a[i] <= x {
            i += 1;
        }
        while j < nb && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na as f64 - j as f64 / nb as f64).abs());
    }
    let ne = (na * nb) as f64 / (na + nb).max(1) as f64;
    Ks {
        n: ne.round() as usize,
        d,
        p_value: ks_p_value(ne, d),
    }
}

/// A discrete table that stands for the sample `sorted` (ascending): with at most `max_points`
/// distinct values, each value and its share of the sample (the empirical distribution
/// itself); otherwise `max_points` equally likely values at the type-7 quantiles
/// (i - 0.5) / max_points, i = 1..max_points. The second keeps the body and most of the tail
/// but caps the largest value below the sample maximum. The flag says which it is (true:
/// quantiles).
pub fn empirical_table(sorted: &[f64], max_points: usize) -> (Vec<f64>, Vec<f64>, bool) {
    let n = sorted.len();
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    for &x in sorted {
        match distinct.last_mut() {
            Some((v, c)) if *v == x => *c += 1,
            _ => distinct.push((x, 1)),
        }
    }
    if distinct.len() <= max_points {
        let probs = distinct.iter().map(|(_, c)| *c as f64 / n as f64).collect();
        return (distinct.into_iter().map(|(v, _)| v).collect(), probs, false);
    }
    let k = max_points as f64;
    let values = (1..=max_points)
        .map(|i| quantile_sorted(sorted, (i as f64 - 0.5) / k))
        .collect();
    (values, vec![1.0 / k; max_points], true)
}

/// Quantile-quantile points: the sample's order statistics against the fitted quantiles at
/// the plotting positions (i - 0.5) / n, thinned to at most `max_points` evenly spaced ranks
/// (always including the smallest and the largest).
pub fn qq_points(
    sorted: &[f64],
    quantile: impl Fn(f64) -> f64,
    max_points: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n = sorted.len();
    let ranks: Vec<usize> = if n <= max_points {
        (0..n).collect()
    } else {
        let mut r: Vec<usize> = (0..max_points)
            .map(|i| ((i as f64 / (max_points - 1) as f64) * (n - 1) as f64).round() as usize)
            .collect();
        r.dedup();
        r
    };
    let fitted = ranks
        .iter()
        .map(|&i| quantile((i as f64 + 0.5) / n as f64))
        .collect();
    let observed = ranks.iter().map(|&i| sorted[i]).collect();
    (fitted, observed)
}

/// The standard normal quantile (re-exported for the lognormal QQ plot).
pub fn z(p: f64) -> f64 {
    normal_quantile(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigamma_at_known_points() {
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-11);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-11);
        assert!((trigamma(2.0) - (pi2 / 6.0 - 1.0)).abs() < 1e-11);
        assert!((trigamma(50.0) - 0.020_201_333_226_697_1).abs() < 1e-12);
    }

    #[test]
    fn lognormal_on_exact_logs() {
        // ln x = mu +- sigma exactly: MLE mu is their mean, sigma their (1/n) spread.
        let xs = [(1.0f64).exp(), (3.0f64).exp()];
        let f = lognormal_mle(&xs).unwrap();
        assert!((f.mu - 2.0).abs() < 1e-12 && (f.sigma - 1.0).abs() < 1e-12);
        assert!((f.median - 2f64.exp()).abs() < 1e-9);
        assert!((f.p90 / f.median - Z90.exp()).abs() < 1e-12);
        assert!(lognormal_mle(&[1.0]).is_none());
        assert!(lognormal_mle(&[1.0, 1.0]).is_none());
        assert!(lognormal_mle(&[1.0, 0.0]).is_none());
    }

    #[test]
    fn gamma_solves_its_likelihood_equation() {
        // Any positive sample: at the MLE, ln k - psi(k) = ln(mean) - mean(ln x), and
        // k theta = mean.
        let xs = [0.5, 1.0, 1.5, 2.0, 4.0, 7.5, 0.2, 3.3];
        let f = gamma_mle(&xs).unwrap();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let s = mean.ln() - xs.iter().map(|x: &f64| x.ln()).sum::<f64>() / n;
        assert!((f.shape.ln() - digamma(f.shape) - s).abs() < 1e-10);
        assert!((f.mean - mean).abs() < 1e-12);
        // Exponential-like data (s = Euler's gamma for k = 1): ln 1 - psi(1) = 0.5772...
        let k1 = {
            let s = 0.577_215_664_901_532_9;
            let mut k = (3.0 - s + ((s - 3.0f64).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
            for _ in 0..50 {
                k -= (k.ln() - digamma(k) - s) / (1.0 / k - trigamma(k));
            }
            k
        };
        assert!((k1 - 1.0).abs() < 1e-9, "{k1}");
        assert!(gamma_mle(&[2.0, 2.0, 2.0]).is_none());
    }

    #[test]
    fn beta_binomial_without_spread_shrinks_fully() {
        // Every group at exactly the same rate: no spread beyond (less than) binomial noise.
        let g = vec![(25, 100); 10];
        let f = beta_binomial_mle(&g).unwrap();
        assert_eq!(f.strength, None);
        assert_eq!(f.sd, 0.0);
        assert!((f.mean - 0.25).abs() < 1e-12);
        assert!((f.shrink(90, 100) - 0.25).abs() < 1e-12);
        assert!(beta_binomial_mle(&g[..2]).is_none());
    }

    #[test]
    fn beta_binomial_with_clear_spread() {
        // Half the groups win 10%, half 40%, with 400 trials each: the spread of true rates is
        // 0.15 and the noise only sqrt(0.25 * 0.75 / 400) = 0.022.
        let mut g = vec![(40, 400); 10];
        g.extend(vec![(160, 400); 10]);
        let f = beta_binomial_mle(&g).unwrap();
        assert!((f.mean - 0.25).abs() < 0.01, "{f:?}");
        assert!((f.sd - 0.15).abs() < 0.02, "{f:?}");
        assert!(f.p_no_spread < 1e-6);
        let m = f.strength.unwrap();
        // Posterior mean is the weighted average of own rate (weight n) and the mean (weight M).
        let want = (400.0 * 0.1 + m * f.mean) / (400.0 + m);
        assert!((f.shrink(40, 400) - want).abs() < 1e-12);
        assert!(f.shrink(40, 400) > 0.1 && f.shrink(40, 400) < f.mean);
    }

    #[test]
    fn ks_distances_by_hand() {
        // Uniform(0,1) against four points at 0.125, 0.375, 0.625, 0.875: D = 0.125.
        let ks = ks_continuous(&[0.125, 0.375, 0.625, 0.875], |x| x.clamp(0.0, 1.0));
        assert!((ks.d - 0.125).abs() < 1e-12);
        // A table equal to the sample has D = 0.
        let s = [1.0, 2.0, 2.0, 3.0];
        let (v, p, capped) = empirical_table(&s, 50);
        assert_eq!(v, vec![1.0, 2.0, 3.0]);
        assert!(!capped);
        assert_eq!(ks_discrete(&s, &v, &p).d, 0.0);
        // Two disjoint samples: D = 1, p tiny.
        let t = ks_two_sample(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 7.0, 8.0, 9.0, 10.0]);
        assert_eq!(t.d, 1.0);
        assert!(t.p_value < 0.01);
        let same = ks_two_sample(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!(same.d, 0.0);
        assert_eq!(same.p_value, 1.0);
        // Known value of the Kolmogorov tail: Q(1.36) ~ 0.049 (the 5% critical value).
        let q = ks_p_value(1e12, 1.36 / 1e6);
        assert!((q - 0.0494).abs() < 0.001, "{q}");
    }

    #[test]
    fn empirical_table_is_capped() {
        let s: Vec<f64> = (1..=1000).map(f64::from).collect();
        let (v, p, capped) = empirical_table(&s, 50);
        assert_eq!(v.len(), 50);
        assert!(capped);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((v[0] - quantile_sorted(&s, 0.01)).abs() < 1e-9);
        let ks = ks_discrete(&s, &v, &p);
        assert!(ks.d <= 0.011, "{ks:?}");
    }
}
