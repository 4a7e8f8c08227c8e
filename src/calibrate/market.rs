//! The shared layer from a history: how much the org's monthly opportunity counts move together
//! beyond Poisson luck (`market.monthly_shock_sd`, `market.monthly_shock_autocorrelation`), and a
//! drift (`market.monthly_trend`) where the history shows one (docs/model.md, "Uncertainty:
//! three layers", the paragraph "Calibration of the shared layer"; docs/calibrate.md).
//!
//! **The series.** Month m of the history (from the month of the first opportunity created to
//! the month of the last) has n_m opportunities created and an exposure e_m of active
//! rep-months: the owners active that month (from the month of their first opportunity to the
//! month of their last, as for the opportunity rate), times the share of the month's days the
//! export covers (the first and last months count the days from the first opportunity to the
//! last, each end moved out by the mean gap between opportunities, so a history cut mid-month
//! is not read as a drop in demand).
//!
//! **The model** is the scenario's own, on the log scale. With lambda the pooled rate and
//! E_m = lambda e_m, the log rate ratio z_m = ln((n_m + 1/2) / E_m) is
//!
//! ```text
//! z_m = a + b (m - mean month) + x_m + eps_m,   x_m = rho x_(m-1) + sd sqrt(1 - rho^2) e_m
//! ```
//!
//! with x the AR(1) shock started from its stationary distribution and eps_m the Poisson luck
//! of the month's count, normal with variance 1 / mu_m (the delta method; the + 1/2 removes the
//! first-order bias of the logarithm), mu_m the month's expected count from a first ordinary
//! least-squares fit of a and b. This is a normal approximation, good from about ten
//! opportunities a month; a month expecting fewer than [`MIN_MONTHLY_COUNT`] stops the fit.
//!
//! **The estimate** is Bayesian on a grid: a uniform prior on sd (from 0) and on rho (from 0 to
//! [`MAX_AUTOCORRELATION`]; the scenario cannot hold a negative autocorrelation) and a flat
//! prior on a and b. Integrating a and b out gives the restricted (REML) likelihood of sd and
//! rho, computed exactly by a Kalman filter; given sd and rho, (a, b) is normal around its
//! generalised least-squares estimate. So the posterior of sd and rho is the REML likelihood on
//! a 61 x 39 grid, and the trend's is a mixture of normals over the grid. Small samples: with
//! two or three years of months the autocorrelation is poorly known, and its maximum-likelihood
//! estimate runs low (by about (1 + 3 rho) / T for T months with a mean estimated, more with a
//! trend); the posterior does not correct that bias, it states the spread that comes with it,
//! which is the larger effect. The written sd is the root of the posterior mean of sd^2 and the
//! written autocorrelation E[sd^2 rho] / E[sd^2], so that the shock's variance and its lag-one
//! autocovariance are their posterior means.
//!
//! **The trend** is written only when its posterior mean is more than [`TREND_Z`] posterior
//! standard deviations from 0; the shock is then the one fitted beside it, and otherwise the one
//! fitted with a constant level (a, no b).

use serde::Serialize;
use statrs::function::beta::checked_beta_reg;
use statrs::function::gamma::checked_gamma_ur;

use super::posterior::{self, Interval};
use crate::calendar::YearMonth;
use crate::crm::{Date, Opportunity};

/// The fewest months a history needs for the shared layer.
pub const MIN_MONTHS: usize = 6;

/// The fewest opportunities a month must expect for the normal approximation of its log count.
pub const MIN_MONTHLY_COUNT: f64 = 5.0;

/// How many posterior standard deviations from 0 a trend must be to be written.
pub const TREND_Z: f64 = 2.0;

/// The largest autocorrelation of the prior.
pub const MAX_AUTOCORRELATION: f64 = 0.95;

/// Points of the grid over the shock's sd and over its autocorrelation.
const SD_POINTS: usize = 61;
const RHO_POINTS: usize = 39;

/// The largest shock sd searched: a month's demand moved by a factor of e^2 is no market swing.
const MAX_SD: f64 = 2.0;

/// The org's opportunities created and active rep-months, month by month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// The first month.
    pub first_month: YearMonth,
    /// Opportunities created in each month.
    pub counts: Vec<u32>,
    /// Active rep-months of each month (see the module docs).
    pub exposure: Vec<f64>,
}

/// The monthly series of `opps` (see the module docs); `None` with fewer than two.
pub fn monthly_series(opps: &[&Opportunity]) -> Option<Series> {
    let first = opps.iter().map(|o| o.created).min()?;
    let last = opps.iter().map(|o| o.created).max()?;
    if opps.len() < 2 {
        return None;
    }
    let (m0, m1) = (first.month(), last.month());
    let months = (m1.months_since(m0) + 1) as usize;
    // The span the export covers, in days from `first`, each end moved out by the mean gap.
    let gap = f64::from(last.days_since(first)) / (opps.len() - 1) as f64;
    let (start, end) = (-gap, f64::from(last.days_since(first)) + 1.0 + gap);
    let day = |m: YearMonth| {
        let d = Date::new(m.year(), m.month(), 1).expect("a month of a valid date");
        f64::from(d.days_since(first))
    };
    let mut counts = vec![0u32; months];
    let mut owners: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for o in opps {
        let i = o.created.month().months_since(m0) as usize;
        counts[i] += 1;
        let w = owners.entry(o.owner.as_str()).or_insert((i, i));
        w.0 = w.0.min(i);
        w.1 = w.1.max(i);
    }
    let mut active = vec![0.0; months];
    for (a, b) in owners.values() {
        active[*a..=*b].iter_mut().for_each(|x| *x += 1.0);
    }
    let exposure = (0..months)
        .map(|i| {
            let m = m0.plus(i as i32);
            let (lo, hi) = (day(m), day(m.plus(1)));
            let covered = (end.min(hi) - start.max(lo)).max(0.0);
            active[i] * covered / (hi - lo)
        })
        .collect();
    Some(Series {
        first_month: m0,
        counts,
        exposure,
    })
}

/// The shared layer fitted from a monthly series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketFit {
    /// The first month of the history.
    pub first_month: YearMonth,
    /// Its months.
    pub months: usize,
    /// Opportunities created.
    pub opportunities: u64,
    /// Active rep-months (boundary months in part).
    pub rep_months: f64,
    /// Opportunities a month, on average.
    pub mean_monthly_count: f64,
    /// The posterior of the shock's sd (of the model written: with the trend if it is written).
    pub shock_sd: Interval,
    /// The posterior of the shock's autocorrelation.
    pub autocorrelation: Interval,
    /// The largest sd of the grid (the prior is uniform from 0 to it; the likelihood beyond it
    /// is negligible).
    pub shock_sd_searched: f64,
    /// The sd written: the root of the posterior mean of sd^2.
    pub written_shock_sd: f64,
    /// The autocorrelation written: E[sd^2 rho] / E[sd^2].
    pub written_autocorrelation: f64,
    /// The posterior of the trend per month (log scale), from the model with a trend.
    pub trend: Interval,
    /// The trend's posterior mean over its posterior sd.
    pub trend_z: f64,
    /// Whether the trend is written (|z| above [`TREND_Z`]).
    pub trend_written: bool,
    /// The posterior sd of the log of the opportunity rate: of the history's mean level without
    /// a trend; with one, of the level in `rate_month`.
    pub level_sd: f64,
    /// Opportunities per active rep-month in `rate_month` when the trend is written (the level
    /// then has moved on from the history's average).
    pub rate_at_end: Option<f64>,
    /// The month after the history.
    pub rate_month: YearMonth,
    /// The shock in `rate_month` as the history leaves it (its mean and sd on the log scale,
    /// given the written sd and autocorrelation), or `None` without a shock: where a forecast
    /// starts from, rather than from the shock's long-run distribution.
    pub current_shock: Option<(f64, f64)>,
}

/// The shared layer of `series` (see the module docs), or why it cannot be estimated.
pub fn fit_market(series: &Series) -> Result<MarketFit, String> {
    let t = series.counts.len();
    if t < MIN_MONTHS {
        return Err(format!(
            "the history spans {t} months, and at least {MIN_MONTHS} are needed to tell the market's swings from chance"
        ));
    }
    let total: u64 = series.counts.iter().map(|c| u64::from(*c)).sum();
    let rep_months: f64 = series.exposure.iter().sum();
    let rate = total as f64 / rep_months;
    let expected: Vec<f64> = series.exposure.iter().map(|e| e * rate).collect();
    let least = expected.iter().copied().fold(f64::INFINITY, f64::min);
    if least.is_nan() || least < MIN_MONTHLY_COUNT {
        return Err(format!(
            "its quietest month expects {:.1} opportunities, and the normal approximation of a month's log count needs at least {MIN_MONTHLY_COUNT}",
            least.max(0.0)
        ));
    }
    let z: Vec<f64> = series
        .counts
        .iter()
        .zip(&expected)
        .map(|(n, e)| ((f64::from(*n) + 0.5) / e).ln())
        .collect();
    let centre = (t as f64 - 1.0) / 2.0;
    let x: Vec<f64> = (0..t).map(|m| m as f64 - centre).collect();
    let (a, b) = least_squares(&z, &x);
    let v: Vec<f64> = expected
        .iter()
        .zip(&x)
        .map(|(e, x)| 1.0 / (e * (a + b * x).exp()))
        .collect();
    let data = Data {
        z: &z,
        x: &x,
        v: &v,
    };
    let spread = (z
        .iter()
        .zip(&x)
        .map(|(z, x)| (z - a - b * x).powi(2))
        .sum::<f64>()
        / (t as f64 - 2.0))
        .sqrt();
    let end = t as f64 - centre;
    let with = posterior(&data, true, spread, end);
    let trend = with.trend.expect("a trend model has a trend");
    let trend_z = if trend.sd > 0.0 {
        trend.mean / trend.sd
    } else {
        0.0
    };
    let trend_written = trend_z.abs() > TREND_Z;
    let chosen = if trend_written {
        with
    } else {
        posterior(&data, false, spread, end)
    };
    let written_shock_sd = chosen.mean_var.sqrt();
    let written_autocorrelation = if chosen.mean_var > 0.0 {
        chosen.mean_cov / chosen.mean_var
    } else {
        chosen.rho.mean
    };
    // The shock in the month after the history, on the scale of the rate written: the pooled
    // rate times exp(x - sd^2 / 2) without a trend, the level at the end times it with one.
    let current_shock = (written_shock_sd > 0.0).then(|| {
        let (mean, sd) = log_level_next(
            &reml(
                &data,
                trend_written,
                written_shock_sd,
                written_autocorrelation,
            ),
            end,
        );
        let base = if trend_written {
            chosen.level.p50
        } else {
            -chosen.mean_var / 2.0
        };
        (mean - base, sd)
    });
    Ok(MarketFit {
        first_month: series.first_month,
        months: t,
        opportunities: total,
        rep_months,
        mean_monthly_count: total as f64 / t as f64,
        shock_sd: chosen.sd,
        autocorrelation: chosen.rho,
        shock_sd_searched: chosen.top,
        written_shock_sd,
        written_autocorrelation,
        current_shock,
        trend,
        trend_z,
        trend_written,
        level_sd: chosen.level.sd,
        // The level's mean over the shock is exp(level + sd^2 / 2): the shock averages 1.
        rate_at_end: trend_written.then(|| rate * (chosen.level.p50 + chosen.mean_var / 2.0).exp()),
        rate_month: series.first_month.plus(t as i32),
    })
}

/// How much a monthly figure varies beyond the luck of its counts: the month-to-month swing of
/// win shares and of deal sizes, the two other drivers the market moves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Excess {
    /// Months with deals.
    pub months: usize,
    /// Deals.
    pub deals: usize,
    /// The months' variance over the variance luck alone gives (about 1 without a swing).
    pub index: f64,
    /// The p-value of the index under luck alone.
    pub p_value: f64,
    /// The swing's sd on the log scale, by the method of moments (0 when luck explains the
    /// months).
    pub swing_sd: f64,
    /// The market shock sd that swing implies through the scenario's default loading on the
    /// driver (win rate 0.5, deal size 0.25).
    pub implied_shock_sd: f64,
}

/// The default loadings of the market on win rates and deal sizes (docs/scenario-reference.md).
const WIN_RATE_LOADING: f64 = 0.5;
const DEAL_SIZE_LOADING: f64 = 0.25;

/// Win shares by the month deals were created, (won, closed) per month: Pearson's chi-square
/// of the won counts around the pooled share over its M - 1 degrees of freedom, and the
/// between-month variance of the true share by the method of moments,
/// (sum (w_m - c_m p)^2 - sum c_m p (1 - p)) / sum c_m^2, as a relative sd tau / p on the log
/// scale. `None` with fewer than [`MIN_MONTHS`] months of closed deals, or no spread to see.
pub fn win_share_excess(months: &[(u64, u64)]) -> Option<Excess> {
    let months: Vec<(f64, f64)> = months
        .iter()
        .filter(|m| m.1 > 0)
        .map(|&(w, c)| (w as f64, c as f64))
        .collect();
    if months.len() < MIN_MONTHS {
        return None;
    }
    let (won, closed) = months
        .iter()
        .fold((0.0, 0.0), |(a, b), (w, c)| (a + w, b + c));
    let p = won / closed;
    if p <= 0.0 || p >= 1.0 {
        return None;
    }
    let squares: f64 = months.iter().map(|(w, c)| (w - c * p).powi(2)).sum();
    let luck: f64 = months.iter().map(|(_, c)| c * p * (1.0 - p)).sum();
    let chi2: f64 = months
        .iter()
        .map(|(w, c)| (w - c * p).powi(2) / (c * p * (1.0 - p)))
        .sum();
    let df = (months.len() - 1) as f64;
    let c2: f64 = months.iter().map(|(_, c)| c * c).sum();
    let swing = ((squares - luck) / c2).max(0.0).sqrt() / p;
    Some(Excess {
        months: months.len(),
        deals: closed as usize,
        index: chi2 / df,
        p_value: checked_gamma_ur(df / 2.0, chi2 / 2.0).unwrap_or(1.0),
        swing_sd: swing,
        implied_shock_sd: swing / WIN_RATE_LOADING,
    })
}

/// Deal sizes by the month deals were created, the log amounts of each month: the one-way
/// analysis of variance, F = (between-month mean square) / (within-month mean square) with its
/// p-value, and the between-month sd of the log level by the method of moments,
/// (MS_between - MS_within) / n0 with n0 = (N - sum n_m^2 / N) / (M - 1). `None` with fewer
/// than [`MIN_MONTHS`] months with deals or no spread within months.
pub fn size_excess(months: &[Vec<f64>]) -> Option<Excess> {
    let months: Vec<&Vec<f64>> = months.iter().filter(|m| !m.is_empty()).collect();
    let m = months.len();
    let n: usize = months.iter().map(|v| v.len()).sum();
    if m < MIN_MONTHS || n <= m {
        return None;
    }
    let logs: Vec<Vec<f64>> = months
        .iter()
        .map(|v| v.iter().map(|x| x.ln()).collect())
        .collect();
    let grand = logs.iter().flatten().sum::<f64>() / n as f64;
    let (mut between, mut within) = (0.0, 0.0);
    for v in &logs {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        between += v.len() as f64 * (mean - grand).powi(2);
        within += v.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
    }
    let (d1, d2) = ((m - 1) as f64, (n - m) as f64);
    let (ms_b, ms_w) = (between / d1, within / d2);
    if ms_w.is_nan() || ms_w <= 0.0 {
        return None;
    }
    let f = ms_b / ms_w;
    let n0 =
        (n as f64 - logs.iter().map(|v| (v.len() as f64).powi(2)).sum::<f64>() / n as f64) / d1;
    let swing = ((ms_b - ms_w) / n0).max(0.0).sqrt();
    Some(Excess {
        months: m,
        deals: n,
        index: f,
        p_value: checked_beta_reg(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f)).unwrap_or(1.0),
        swing_sd: swing,
        implied_shock_sd: swing / DEAL_SIZE_LOADING,
    })
}

/// Ordinary least squares of `z` on (1, `x`) with `x` centred: (intercept, slope).
fn least_squares(z: &[f64], x: &[f64]) -> (f64, f64) {
    let n = z.len() as f64;
    let a = z.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|x| x * x).sum();
    let b = if sxx > 0.0 {
        z.iter().zip(x).map(|(z, x)| z * x).sum::<f64>() / sxx
    } else {
        0.0
    };
    (a, b)
}

/// The log rate ratios, the centred months and the Poisson variances of a series.
struct Data<'a> {
    z: &'a [f64],
    x: &'a [f64],
    v: &'a [f64],
}

/// One point of the grid: the restricted log-likelihood of (sd, rho), and the generalised
/// least-squares (a, b) with their covariance (a alone without a trend).
struct Cell {
    loglik: f64,
    beta: [f64; 2],
    /// Covariance of (a, b): [var a, cov, var b].
    cov: [f64; 3],
    /// The filter's prediction for the month after the history: of the data and of each
    /// regressor (1 and the month), and the shock's variance given (a, b).
    next: [f64; 3],
    next_var: f64,
}

/// The restricted log-likelihood at (`sd`, `rho`), up to a constant, by the Kalman filter of
/// the AR(1) shock observed with noise: the filter turns the data and each regressor into
/// standardised innovations (the data premultiplied by the inverse Cholesky factor of their
/// covariance), whose cross products give the generalised least-squares fit, the log
/// determinant and the residual sum of squares.
fn reml(d: &Data<'_>, trend: bool, sd: f64, rho: f64) -> Cell {
    let k = if trend { 3 } else { 2 };
    let s2 = sd * sd;
    let q = s2 * (1.0 - rho * rho);
    let (mut a, mut p, mut log_det) = ([0.0f64; 3], s2, 0.0);
    let mut cp = [[0.0f64; 3]; 3];
    for t in 0..d.z.len() {
        let f = p + d.v[t];
        log_det += f.ln();
        let y = [d.z[t], 1.0, d.x[t]];
        let mut e = [0.0f64; 3];
        for j in 0..k {
            e[j] = y[j] - a[j];
        }
        for j in 0..k {
            for l in j..k {
                cp[j][l] += e[j] * e[l] / f;
            }
        }
        let g = p / f;
        for j in 0..k {
            a[j] = rho * (a[j] + g * e[j]);
        }
        p = rho * rho * p * (1.0 - g) + q;
    }
    if trend {
        let (a11, a12, a22) = (cp[1][1], cp[1][2], cp[2][2]);
        let det = a11 * a22 - a12 * a12;
        let inv = [a22 / det, -a12 / det, a11 / det];
        let (b1, b2) = (cp[0][1], cp[0][2]);
        let beta = [inv[0] * b1 + inv[1] * b2, inv[1] * b1 + inv[2] * b2];
        let ssr = cp[0][0] - beta[0] * b1 - beta[1] * b2;
        Cell {
            loglik: -0.5 * (log_det + det.ln() + ssr),
            beta,
            cov: inv,
            next: a,
            next_var: p,
        }
    } else {
        let beta = [cp[0][1] / cp[1][1], 0.0];
        let ssr = cp[0][0] - beta[0] * cp[0][1];
        Cell {
            loglik: -0.5 * (log_det + cp[1][1].ln() + ssr),
            beta,
            cov: [1.0 / cp[1][1], 0.0, 0.0],
            next: a,
            next_var: p,
        }
    }
}

/// The log rate ratio of the month after the history (centred month `end`) predicted by the
/// filter of `cell`: the level a + b end at their estimates plus the shock's prediction given
/// them, x = next_z - a next_1 - b next_x; and the shock's standard deviation given the level.
/// The level's own uncertainty is left to the rate's belief, which a trial draws (counting it
/// here too would count it twice).
fn log_level_next(cell: &Cell, end: f64) -> (f64, f64) {
    let [z, one, x] = cell.next;
    let [a, b] = cell.beta;
    let mean = z + a * (1.0 - one) + b * (end - x);
    (mean, cell.next_var.max(0.0).sqrt())
}

/// A model's posterior, summarised.
struct Posterior {
    sd: Interval,
    rho: Interval,
    /// E[sd^2] and E[sd^2 rho].
    mean_var: f64,
    mean_cov: f64,
    /// The trend (with a trend only).
    trend: Option<Interval>,
    /// The log level: the mean level without a trend; the level at `end` (centred months)
    /// with one.
    level: Interval,
    /// The largest sd of the grid.
    top: f64,
}

/// The posterior on the grid (see the module docs), its sd range widened until the likelihood
/// at its top is negligible (e^-12 of the peak) or the top reaches [`MAX_SD`].
fn posterior(d: &Data<'_>, trend: bool, spread: f64, end: f64) -> Posterior {
    let rhos: Vec<f64> = (0..RHO_POINTS)
        .map(|j| MAX_AUTOCORRELATION * j as f64 / (RHO_POINTS - 1) as f64)
        .collect();
    let mut top = (2.5 * spread).clamp(0.05, MAX_SD);
    loop {
        let sds: Vec<f64> = (0..SD_POINTS)
            .map(|i| top * i as f64 / (SD_POINTS - 1) as f64)
            .collect();
        let cells: Vec<Cell> = sds
            .iter()
            .flat_map(|&s| rhos.iter().map(move |&r| (s, r)))
            .map(|(s, r)| reml(d, trend, s, r))
            .collect();
        let max = cells
            .iter()
            .map(|c| c.loglik)
            .fold(f64::NEG_INFINITY, f64::max);
        let edge = cells[(SD_POINTS - 1) * RHO_POINTS..]
            .iter()
            .map(|c| c.loglik)
            .fold(f64::NEG_INFINITY, f64::max);
        if edge > max - 12.0 && top < MAX_SD {
            top = (top * 2.0).min(MAX_SD);
            continue;
        }
        return summarise(&sds, &rhos, &cells, max, trend, end, top);
    }
}

/// The marginal posteriors of sd and rho, the posterior means, and the mixtures for the trend
/// and the level (trapezoid weights over the grid).
fn summarise(
    sds: &[f64],
    rhos: &[f64],
    cells: &[Cell],
    max: f64,
    trend: bool,
    end: f64,
    top: f64,
) -> Posterior {
    let edge = |i: usize, n: usize| if i == 0 || i == n - 1 { 0.5 } else { 1.0 };
    let (ns, nr) = (sds.len(), rhos.len());
    let mut by_sd = vec![0.0; ns];
    let mut by_rho = vec![0.0; nr];
    let mut weights = Vec::with_capacity(cells.len());
    let (mut total, mut var, mut cov) = (0.0, 0.0, 0.0);
    for i in 0..ns {
        for j in 0..nr {
            let w = (cells[i * nr + j].loglik - max).exp();
            by_sd[i] += w * edge(j, nr);
            by_rho[j] += w * edge(i, ns);
            let c = w * edge(i, ns) * edge(j, nr);
            weights.push(c);
            total += c;
            var += c * sds[i] * sds[i];
            cov += c * sds[i] * sds[i] * rhos[j];
        }
    }
    let normal = |mean: &dyn Fn(&Cell) -> f64, variance: &dyn Fn(&Cell) -> f64| {
        let means: Vec<f64> = cells.iter().map(mean).collect();
        let variances: Vec<f64> = cells.iter().map(variance).collect();
        posterior::normal_mixture(&weights, &means, &variances).expect("the peak has weight 1")
    };
    let (trend_interval, level) = if trend {
        (
            Some(normal(&|c| c.beta[1], &|c| c.cov[2])),
            normal(&|c| c.beta[0] + c.beta[1] * end, &|c| {
                c.cov[0] + 2.0 * end * c.cov[1] + end * end * c.cov[2]
            }),
        )
    } else {
        (None, normal(&|c| c.beta[0], &|c| c.cov[0]))
    };
    Posterior {
        sd: posterior::grid(sds, &by_sd).expect("the peak has weight 1"),
        rho: posterior::grid(rhos, &by_rho).expect("the peak has weight 1"),
        mean_var: var / total,
        mean_cov: cov / total,
        trend: trend_interval,
        level,
        top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data<'a>(z: &'a [f64], x: &'a [f64], v: &'a [f64]) -> Data<'a> {
        Data { z, x, v }
    }

    /// The restricted log-likelihood by the definition, with dense matrices: -1/2 (ln |S| +
    /// ln |X' S^-1 X| + r' S^-1 r), r the generalised least-squares residual.
    #[allow(clippy::needless_range_loop)] // the matrix algebra reads as written
    fn dense(z: &[f64], x: &[f64], v: &[f64], sd: f64, rho: f64) -> (f64, [f64; 2]) {
        let n = z.len();
        let mut s = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..n {
                s[i][j] = sd * sd * rho.powi((i as i32 - j as i32).abs());
            }
            s[i][i] += v[i];
        }
        // Cholesky S = L L'.
        let mut l = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in 0..=i {
                let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
                l[i][j] = if i == j {
                    (s[i][i] - sum).sqrt()
                } else {
                    (s[i][j] - sum) / l[j][j]
                };
            }
        }
        let solve = |b: &[f64]| {
            let mut y = vec![0.0; n];
            for i in 0..n {
                let sum: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
                y[i] = (b[i] - sum) / l[i][i];
            }
            y
        };
        let (wz, w1, wx) = (solve(z), solve(&vec![1.0; n]), solve(x));
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        let (a11, a12, a22) = (dot(&w1, &w1), dot(&w1, &wx), dot(&wx, &wx));
        let det = a11 * a22 - a12 * a12;
        let (b1, b2) = (dot(&w1, &wz), dot(&wx, &wz));
        let beta = [(a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det];
        let r: Vec<f64> = (0..n)
            .map(|i| wz[i] - beta[0] * w1[i] - beta[1] * wx[i])
            .collect();
        let log_det: f64 = (0..n).map(|i| 2.0 * l[i][i].ln()).sum();
        (-0.5 * (log_det + det.ln() + dot(&r, &r)), beta)
    }

    #[test]
    fn the_kalman_filter_gives_the_dense_restricted_likelihood() {
        let z = [0.1, -0.05, 0.2, 0.15, -0.1, 0.0, 0.3, 0.25];
        let x: Vec<f64> = (0..8).map(|m| m as f64 - 3.5).collect();
        let v = [0.02, 0.03, 0.02, 0.025, 0.02, 0.03, 0.02, 0.02];
        for (sd, rho) in [(0.0, 0.0), (0.1, 0.0), (0.2, 0.7), (0.05, 0.95)] {
            let cell = reml(&data(&z, &x, &v), true, sd, rho);
            let (ll, beta) = dense(&z, &x, &v, sd, rho);
            assert!(
                (cell.loglik - ll).abs() < 1e-10,
                "{sd} {rho}: {} vs {ll}",
                cell.loglik
            );
            assert!(
                (cell.beta[0] - beta[0]).abs() < 1e-10 && (cell.beta[1] - beta[1]).abs() < 1e-10
            );
        }
    }

    #[test]
    fn a_series_counts_active_reps_and_the_days_covered() {
        use crate::crm::dates::{DateOrder, parse_date};
        use crate::crm::outcomes::Outcome;
        let opp = |owner: &str, created: &str| Opportunity {
            row: 2,
            id: None,
            owner: owner.into(),
            created: parse_date(created, DateOrder::Mdy).unwrap(),
            closed: None,
            amount_usd: None,
            outcome: Outcome::Open,
            segment: None,
            stage: None,
        };
        // Created on Jan 1, Feb 1 and Mar 31 (90 days, mean gap 45): the span runs from 45
        // days before Jan 1 to 45 days after Mar 31, covering the three months whole.
        let rows = [
            opp("a", "2024-01-01"),
            opp("b", "2024-02-01"),
            opp("a", "2024-03-31"),
        ];
        let refs: Vec<&Opportunity> = rows.iter().collect();
        let s = monthly_series(&refs).unwrap();
        assert_eq!(s.counts, vec![1, 1, 1]);
        assert_eq!(s.exposure, vec![1.0, 2.0, 1.0]);
        // Ten a day from Jan 1 to Jan 31 and then Feb 1 to Feb 10: February is a third covered
        // (10 days and the mean gap of a tenth of a day, of 29).
        let mut rows = Vec::new();
        for day in 1..=31 {
            for _ in 0..10 {
                rows.push(opp("a", &format!("2024-01-{day:02}")));
            }
        }
        for day in 1..=10 {
            for _ in 0..10 {
                rows.push(opp("a", &format!("2024-02-{day:02}")));
            }
        }
        let refs: Vec<&Opportunity> = rows.iter().collect();
        let s = monthly_series(&refs).unwrap();
        let gap = 40.0 / 409.0;
        assert!((s.exposure[0] - 1.0).abs() < 1e-12);
        assert!((s.exposure[1] - (10.0 + gap) / 29.0).abs() < 1e-12, "{s:?}");
    }
}
