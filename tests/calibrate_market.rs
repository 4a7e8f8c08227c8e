//! The shared layer `revsim calibrate` writes (`[market]`: the monthly shock's sd and
//! autocorrelation, a trend where the history shows one) and the keys it writes it with
//! (`market.monthly_trend`, and `pipeline.deal_size_usd.sigma` as an uncertain parameter).
//!
//! Statistical checks (tier 3) follow tests/common/mod.rs: histories are generated here from
//! known parameters with a seeded Xoshiro256++, read and fitted like a user's export, and each
//! bound is derived from the design and the counts at the suite's false-alarm rate, never tuned:
//!
//! - one long history (100 reps over 120 months) recovers the shock's sd and autocorrelation,
//!   the trend and the level it leads to within Z of their standard errors, which come from the
//!   design's Fisher information (the normal model of the log counts the estimator assumes,
//!   evaluated at the true parameters), not from the estimator;
//! - over many independent two- and three-year histories, what one cannot show: that the
//!   posteriors' P10-P90 intervals hold the truth about 80% of the time (a binomial count),
//!   that a trend is written for a market without one no more often than its |z| > 2 rule
//!   allows, and that the trend's estimate is unbiased.

use std::fmt::Write;

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Poisson, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use revsim::calibrate::market::MarketFit;
use revsim::calibrate::{FitOptions, calibrate};
use revsim::crm::{ReadOptions, parse_history};
use revsim::engine::simulate;
use revsim::model::Metric;
use revsim::model::trial::draw_columns;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use crate::common::{FALSE_ALARM, Z, mean_se, scenario, small_org};

/// A market to generate: `reps` reps in seat for `months` months, each creating
/// Poisson(lambda x exp(trend (m - centre) + x_m - sd^2 / 2)) opportunities in month m, x the
/// stationary AR(1) shock with sd `sd` and autocorrelation `rho`, centre the middle month.
#[derive(Debug, Clone, Copy)]
struct Design {
    reps: usize,
    months: usize,
    lambda: f64,
    sd: f64,
    rho: f64,
    trend: f64,
}

impl Design {
    fn centre(&self) -> f64 {
        (self.months as f64 - 1.0) / 2.0
    }

    /// The expected count of month m without the shock (it averages 1).
    fn expected(&self, m: usize) -> f64 {
        self.reps as f64 * self.lambda * (self.trend * (m as f64 - self.centre())).exp()
    }
}

/// Days since 1970-01-01 of year-month-day (Hinnant's days_from_civil), written out here so the
/// test does not lean on the crate's date code.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// YYYY-MM-DD of days since 1970-01-01 (Hinnant's civil_from_days).
fn date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The first day of month m of the history (0 = January 2015), in days since 1970.
fn month_start(m: usize) -> i64 {
    let (y, mo) = (2015 + (m / 12) as i64, (m % 12) as i64 + 1);
    days_from_civil(y, mo, 1)
}

/// An export of the design's opportunities, every one still open (creation is all the shared
/// layer reads): each created on a day drawn uniformly from its month's days.
fn history(d: &Design, seed: u64) -> String {
    history_and_next(d, seed).0
}

/// [`history`], and the true shock x of the month after it.
fn history_and_next(d: &Design, seed: u64) -> (String, f64) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut csv = String::from("id,owner,created_date,close_date,amount_usd,outcome\n");
    let normal = |rng: &mut Xoshiro256PlusPlus| -> f64 { StandardNormal.sample(rng) };
    let mut x = d.sd * normal(&mut rng);
    let mut id = 0;
    for m in 0..d.months {
        let mean = d.expected(m) / d.reps as f64 * (x - d.sd * d.sd / 2.0).exp();
        let poisson = Poisson::new(mean).unwrap();
        let (start, length) = (month_start(m), month_start(m + 1) - month_start(m));
        for rep in 0..d.reps {
            let n = poisson.sample(&mut rng) as usize;
            for _ in 0..n {
                let day = start + (rng.random::<f64>() * length as f64).floor() as i64;
                id += 1;
                let _ = writeln!(csv, "D{id},Rep {rep:03},{},,,open", date(day));
            }
        }
        x = d.rho * x + d.sd * (1.0 - d.rho * d.rho).sqrt() * normal(&mut rng);
    }
    (csv, x)
}

/// The shared layer fitted from history `seed` of design `d`.
fn fitted(d: &Design, seed: u64) -> MarketFit {
    let csv = history(d, seed);
    let h = parse_history(csv.as_bytes(), "generated.csv", &ReadOptions::default())
        .expect("the generated export reads");
    let cal = calibrate(&h, &FitOptions::default());
    cal.org
        .market
        .unwrap_or_else(|| panic!("no market fit: {:?}", cal.org.market_note))
}

#[test]
fn dates_in_this_test_are_right() {
    assert_eq!(date(month_start(0)), "2015-01-01");
    assert_eq!(date(month_start(14)), "2016-03-01");
    assert_eq!(month_start(2) - month_start(1), 28);
    assert_eq!(month_start(14) - month_start(13), 29);
}

/// Inverse of a symmetric positive-definite matrix (Gauss-Jordan with partial pivoting).
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| f64::from(u8::from(i == j))));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|x, y| m[*x][c].abs().total_cmp(&m[*y][c].abs()))
            .unwrap();
        m.swap(c, p);
        let pivot = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= pivot);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let row = m[c].clone();
                m[r].iter_mut().zip(&row).for_each(|(v, w)| *v -= f * w);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

/// Standard errors from the design (the estimator is not consulted): the log rate ratios of
/// the months are normal with covariance S = sd^2 R(rho) + diag(1 / mu_m), mu_m the expected
/// count (the Poisson luck of a count, on the log scale, by the delta method). The Fisher
/// information of (sd, rho) is I_ij = tr(S^-1 dS_i S^-1 dS_j) / 2; the trend and the level in
/// the month after the history are generalised least squares, with covariance (X' S^-1 X)^-1
/// for X = (1, m - centre). Returns the standard errors of sd, rho, the trend and the log level
/// in month T.
fn design_se(d: &Design) -> [f64; 4] {
    let t = d.months;
    let r = |i: usize, j: usize| d.rho.powi((i as i32 - j as i32).abs());
    let s: Vec<Vec<f64>> = (0..t)
        .map(|i| {
            (0..t)
                .map(|j| d.sd * d.sd * r(i, j) + if i == j { 1.0 / d.expected(i) } else { 0.0 })
                .collect()
        })
        .collect();
    let inv = inverse(&s);
    let d_sd: Vec<Vec<f64>> = (0..t)
        .map(|i| (0..t).map(|j| 2.0 * d.sd * r(i, j)).collect())
        .collect();
    let d_rho: Vec<Vec<f64>> = (0..t)
        .map(|i| {
            (0..t)
                .map(|j| {
                    let k = (i as i32 - j as i32).abs();
                    if k == 0 {
                        0.0
                    } else {
                        d.sd * d.sd * f64::from(k) * d.rho.powi(k - 1)
                    }
                })
                .collect()
        })
        .collect();
    let product = |a: &[Vec<f64>], b: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..t)
            .map(|i| {
                (0..t)
                    .map(|j| (0..t).map(|k| a[i][k] * b[k][j]).sum())
                    .collect()
            })
            .collect()
    };
    let (a, b) = (product(&inv, &d_sd), product(&inv, &d_rho));
    let trace = |x: &[Vec<f64>], y: &[Vec<f64>]| -> f64 {
        (0..t)
            .map(|i| (0..t).map(|k| x[i][k] * y[k][i]).sum::<f64>())
            .sum()
    };
    let info = [
        [trace(&a, &a) / 2.0, trace(&a, &b) / 2.0],
        [trace(&b, &a) / 2.0, trace(&b, &b) / 2.0],
    ];
    let det = info[0][0] * info[1][1] - info[0][1] * info[1][0];
    let (se_sd, se_rho) = ((info[1][1] / det).sqrt(), (info[0][0] / det).sqrt());
    let x: Vec<f64> = (0..t).map(|m| m as f64 - d.centre()).collect();
    let quad = |u: &dyn Fn(usize) -> f64, v: &dyn Fn(usize) -> f64| -> f64 {
        (0..t)
            .map(|i| (0..t).map(|j| u(i) * inv[i][j] * v(j)).sum::<f64>())
            .sum()
    };
    let xtx = [
        [quad(&|_| 1.0, &|_| 1.0), quad(&|_| 1.0, &|j| x[j])],
        [quad(&|i| x[i], &|_| 1.0), quad(&|i| x[i], &|j| x[j])],
    ];
    let c = inverse(&[xtx[0].to_vec(), xtx[1].to_vec()]);
    let end = t as f64 - d.centre();
    let level = c[0][0] + 2.0 * end * c[0][1] + end * end * c[1][1];
    [se_sd, se_rho, c[1][1].sqrt(), level.sqrt()]
}

fn within(what: &str, estimate: f64, truth: f64, se: f64) {
    assert!(
        (estimate - truth).abs() <= Z * se,
        "{what}: estimate {estimate}, true {truth}, outside Z = {Z} standard errors (se {se})"
    );
}

/// 100 reps over ten years, 400 opportunities a month: the written shock sd and
/// autocorrelation, the trend's posterior median and the rate written for the month after the
/// history are each within Z of their design standard errors of the truth. (The written values
/// are posterior means of sd^2 and of the lag-one covariance, which differ from the maximum
/// likelihood by much less than a standard error at this size; the small-sample bias of the
/// autocorrelation, about (1 + 3 rho) / T = 0.023, is a quarter of its standard error.)
#[test]
fn one_long_history_recovers_the_shock_and_the_trend() {
    let d = Design {
        reps: 100,
        months: 120,
        lambda: 4.0,
        sd: 0.15,
        rho: 0.6,
        trend: 0.004,
    };
    let m = fitted(&d, 2031);
    let [se_sd, se_rho, se_trend, se_level] = design_se(&d);
    assert_eq!(m.months, d.months);
    within("shock sd", m.written_shock_sd, d.sd, se_sd);
    within("autocorrelation", m.written_autocorrelation, d.rho, se_rho);
    within("trend", m.trend.p50, d.trend, se_trend);
    // The trend is 5 standard errors from 0 by design: it is written, and the rate with it.
    assert!(d.trend / se_trend > 4.0 && m.trend_written, "{m:?}");
    let truth = d.expected(d.months) / d.reps as f64;
    let rate = m.rate_at_end.expect("a rate at the end with a trend");
    within(
        "log rate after the history",
        (rate / truth).ln(),
        0.0,
        se_level,
    );
    // The posterior's own spread agrees with the design's to first order: each posterior sd
    // is within a factor of 1.5 of the design standard error (the Fisher information at the
    // truth against the curvature at the estimate, plus the grid).
    for (what, own, design) in [
        ("sd", m.shock_sd.sd, se_sd),
        ("autocorrelation", m.autocorrelation.sd, se_rho),
        ("trend", m.trend.sd, se_trend),
    ] {
        assert!(
            own / design > 1.0 / 1.5 && own / design < 1.5,
            "{what}: posterior sd {own} against the design's {design}"
        );
    }
    eprintln!(
        "long history: sd {:.4} (0.15, se {se_sd:.4}), rho {:.3} (0.6, se {se_rho:.3}), trend {:.5} (0.004, se {se_trend:.5}, z {:.1}), rate after {:.3} ({truth:.3})",
        m.written_shock_sd, m.written_autocorrelation, m.trend.p50, m.trend_z, rate
    );
}

/// The acceptance band [lo, hi] of a count X ~ Binomial(n, p) at the suite's false-alarm rate,
/// split between the two tails: P(X < lo) <= FALSE_ALARM / 2 and P(X > hi) <= FALSE_ALARM / 2.
fn binomial_band(n: u64, p: f64) -> (u64, u64) {
    let b = Binomial::new(p, n).expect("a valid binomial");
    let half = FALSE_ALARM / 2.0;
    let lo = (0..=n).find(|&k| b.cdf(k) > half).unwrap_or(0);
    let hi = (0..=n).find(|&k| b.sf(k) <= half).unwrap_or(n);
    (lo, hi)
}

/// Fits of `count` independent histories of `d` (seeds from `seed`), in parallel.
fn many(d: &Design, seed: u64, count: usize) -> Vec<MarketFit> {
    use rayon::prelude::*;
    (0..count)
        .into_par_iter()
        .map(|k| fitted(d, seed + k as u64))
        .collect()
}

/// How many of the fits' P10-P90 intervals of `of` hold `truth`.
fn inside(fits: &[MarketFit], of: &dyn Fn(&MarketFit) -> [f64; 2], truth: f64) -> u64 {
    fits.iter()
        .filter(|f| {
            let [lo, hi] = of(f);
            lo <= truth && truth <= hi
        })
        .count() as u64
}

/// A realistic org, 30 reps over three years (120 opportunities a month, 36 months), with a
/// shock of sd 0.12 and autocorrelation 0.5, 200 histories with no trend and 200 with a trend
/// of 0.015 a month (about four design standard errors):
///
/// - **The intervals hold.** In each set, the count of histories whose posterior P10-P90 holds
///   the true sd, autocorrelation and trend is Binomial(200, 0.8) for a calibrated posterior: it
///   must lie in the binomial band at the false-alarm rate (about 131 to 185). A posterior that
///   ignored the months' Poisson luck, or the autocorrelation in the trend's error, would hold
///   the truth far less often.
/// - **A trend is written only when the history shows one.** Without a trend, |z| > 2 has
///   chance 2 (1 - Phi(2)) = 0.0455 for a calibrated posterior: the count written must not
///   exceed the binomial critical count. Least squares that ignores the shock's autocorrelation
///   would write one about a third of the time.
/// - **The trend is unbiased.** With a trend, the mean of the posterior medians is within Z of
///   their standard error of 0.015 (generalised least squares is unbiased whatever the shock's
///   parameters, and the posterior is nearly symmetric).
#[test]
fn over_many_histories_the_market_intervals_hold() {
    const K: usize = 200;
    let base = Design {
        reps: 30,
        months: 36,
        lambda: 4.0,
        sd: 0.12,
        rho: 0.5,
        trend: 0.0,
    };
    let drift = Design {
        trend: 0.015,
        ..base
    };
    let (lo, hi) = binomial_band(K as u64, 0.8);
    for (d, seed) in [(base, 50_000), (drift, 60_000)] {
        let fits = many(&d, seed, K);
        for (what, of, truth) in [
            (
                "shock sd",
                &(|f: &MarketFit| [f.shock_sd.p10, f.shock_sd.p90])
                    as &dyn Fn(&MarketFit) -> [f64; 2],
                d.sd,
            ),
            (
                "autocorrelation",
                &|f: &MarketFit| [f.autocorrelation.p10, f.autocorrelation.p90],
                d.rho,
            ),
            (
                "trend",
                &|f: &MarketFit| [f.trend.p10, f.trend.p90],
                d.trend,
            ),
        ] {
            let n = inside(&fits, of, truth);
            eprintln!("trend {}: {what} inside P10-P90 in {n} of {K}", d.trend);
            assert!(
                (lo..=hi).contains(&n),
                "trend {}: the {what}'s P10-P90 holds the truth {truth} in {n} of {K} histories, outside the binomial band {lo}..={hi}",
                d.trend
            );
        }
        let written = fits.iter().filter(|f| f.trend_written).count() as u64;
        let medians: Vec<f64> = fits.iter().map(|f| f.trend.p50).collect();
        let (mean, se) = mean_se(&medians);
        eprintln!(
            "trend {}: written in {written} of {K}; mean estimate {mean:.5} (se {se:.5})",
            d.trend
        );
        within("mean trend", mean, d.trend, se);
        if d.trend == 0.0 {
            let p = 2.0 * (1.0 - revsim::stats::normal_cdf(2.0));
            let limit = crate::common::binomial_upper_critical(K as u64, p);
            assert!(
                written < limit,
                "a trend is written for {written} of {K} histories without one (at most {} expected, critical count {limit})",
                p * K as f64
            );
        }
    }
}

/// Where the history leaves the shock (`market.current_shock`), over 200 three-year histories
/// of a persistent shock (30 reps, sd 0.15, autocorrelation 0.8, no trend). The forecast's log
/// rate in the month after the history is ln(rate written) + mean - sd^2 / 2 (the engine's
/// start), against the truth ln(lambda) + x - sd_true^2 / 2 of that month:
///
/// - **unbiased**: the mean error is within Z of its standard error of 0;
/// - **better than the long-run start** (mean 0), which ignores the last months: the mean of
///   the paired difference of squared errors exceeds Z_ONE_SIDED of its standard error (the
///   filter should leave about 0.36 of the shock's variance, against all of it);
/// - **not too narrow**: with the sd written and the rate's own uncertainty (the level's
///   posterior sd, which a trial draws from the rate's belief), the 80% interval holds the
///   truth at least as often as the lower end of the Binomial(200, 0.8) band. (Kept apart the
///   two overstate the spread a little, by design: the upper end is not tested.)
#[test]
fn the_shock_where_the_history_leaves_it_predicts_the_next_month() {
    use rayon::prelude::*;
    const K: usize = 200;
    let d = Design {
        reps: 30,
        months: 36,
        lambda: 4.0,
        sd: 0.15,
        rho: 0.8,
        trend: 0.0,
    };
    let z80 = revsim::stats::normal_quantile(0.9);
    let rows: Vec<(f64, f64, bool)> = (0..K)
        .into_par_iter()
        .map(|k| {
            let (csv, x) = history_and_next(&d, 90_000 + k as u64);
            let h = parse_history(csv.as_bytes(), "shock.csv", &ReadOptions::default()).unwrap();
            let cal = calibrate(&h, &FitOptions::default());
            let m = cal.org.market.as_ref().expect("a market fit");
            let rate = m
                .rate_at_end
                .unwrap_or(cal.org.creation.as_ref().unwrap().rate);
            let (mean, sd) = m.current_shock.expect("a shock is written");
            let var = m.written_shock_sd * m.written_shock_sd;
            let truth = d.lambda.ln() + x - d.sd * d.sd / 2.0;
            let current = rate.ln() + mean - var / 2.0 - truth;
            let long_run = rate.ln() - var / 2.0 - truth;
            let spread = (sd * sd + m.level_sd * m.level_sd).sqrt();
            (current, long_run, current.abs() <= z80 * spread)
        })
        .collect();
    let errors: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let (bias, se) = mean_se(&errors);
    within("mean error of the start", bias, 0.0, se);
    let gains: Vec<f64> = rows.iter().map(|r| r.1 * r.1 - r.0 * r.0).collect();
    let (gain, gain_se) = mean_se(&gains);
    let held = rows.iter().filter(|r| r.2).count() as u64;
    let (lo, _) = binomial_band(K as u64, 0.8);
    eprintln!(
        "current shock: mean error {bias:.4} (se {se:.4}); squared error {:.4} against {:.4} from the long-run start (gain {gain:.4}, se {gain_se:.4}); 80% interval held {held} of {K}",
        errors.iter().map(|e| e * e).sum::<f64>() / K as f64,
        rows.iter().map(|r| r.1 * r.1).sum::<f64>() / K as f64,
    );
    assert!(
        gain > crate::common::Z_ONE_SIDED * gain_se,
        "the start from the history is no better than the long-run start: gain {gain} (se {gain_se})"
    );
    assert!(
        held >= lo,
        "the 80% interval of the start held the truth in {held} of {K} histories, below the binomial band's {lo}"
    );
}

/// A history with a clear trend writes it: `market.monthly_trend` its posterior median, the
/// belief its P10 / P50 / P90, the opportunity rate the level in the month after the history,
/// and the fragment loads (over a minimal scenario, as the command checks every fragment).
#[test]
fn a_clear_trend_is_written_and_loads() {
    use revsim::calibrate::fragment::{FragmentOptions, check, org_fragment};
    let d = Design {
        reps: 30,
        months: 36,
        lambda: 4.0,
        sd: 0.05,
        rho: 0.5,
        trend: 0.03,
    };
    let csv = history(&d, 77);
    let h = parse_history(csv.as_bytes(), "trend.csv", &ReadOptions::default()).unwrap();
    let cal = calibrate(&h, &FitOptions::default());
    let m = cal.org.market.as_ref().unwrap();
    assert!(m.trend_written, "{m:?}");
    let text = org_fragment(&h, &cal, &FragmentOptions::default());
    check(&text, "calibrated.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let t: toml::Table = toml::from_str(&text).unwrap();
    let written = t["market"]["monthly_trend"].as_float().unwrap();
    let belief = &t["uncertainty"]["parameters"]["market.monthly_trend"];
    assert_eq!(belief["p50"].as_float(), Some(written));
    assert!(belief["p10"].as_float().unwrap() < written);
    assert!(written < belief["p90"].as_float().unwrap());
    let rate = t["pipeline"]["opportunities_per_rep_month"]
        .as_float()
        .unwrap();
    let end = m.rate_at_end.unwrap();
    assert!((rate / end - 1.0).abs() < 1e-3, "{rate} against {end}");
    assert!(
        text.contains(&format!("level in {}", m.rate_month)),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// The keys calibrate writes with.

/// `market.monthly_trend` multiplies demand by exp(trend x t) in month t (t = 0 the start
/// month), exactly; a trend of 0 written out gives the results of a scenario without the key.
#[test]
fn a_trend_drifts_demand_exactly() {
    let base = small_org(24);
    let s = scenario(&format!("{base}[market]\nmonthly_trend = 0.02\n"));
    let r = simulate(&s, 20, 7, &|_| {});
    for trial in 0..20 {
        for t in 0..24 {
            let got = f64::from(r.monthly_value(trial, Metric::DemandIndex, t));
            let want = (0.02 * t as f64).exp();
            assert!(
                (got / want - 1.0).abs() < 1e-6,
                "trial {trial} month {t}: {got} vs {want}"
            );
        }
    }
    let plain = simulate(&scenario(&base), 20, 7, &|_| {});
    let zero = simulate(
        &scenario(&format!("{base}[market]\nmonthly_trend = 0\n")),
        20,
        7,
        &|_| {},
    );
    for metric in [
        Metric::NewBookingsUsd,
        Metric::OpportunitiesCreated,
        Metric::DemandIndex,
    ] {
        for trial in 0..20 {
            for t in 0..24 {
                assert_eq!(
                    plain.monthly_value(trial, metric, t).to_bits(),
                    zero.monthly_value(trial, metric, t).to_bits()
                );
            }
        }
    }
    // Outside -0.1 to 0.1: refused where it is written.
    let e = revsim::Scenario::from_toml(
        &format!("{base}[market]\nmonthly_trend = 0.5\n"),
        "t.toml",
        "t",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("monthly_trend") && e.contains("-0.1 to 0.1"),
        "{e}"
    );
}

/// An uncertain trend: each trial draws its own, reported under its key path in the trial's
/// draws, and that trial's demand drifts by it; the draws follow the belief (the count below
/// its P10 and P90 are binomial).
#[test]
fn an_uncertain_trend_is_drawn_per_trial() {
    let s = scenario(&format!(
        "{}[market]\nmonthly_trend = 0.0\n[uncertainty.parameters]\n\"market.monthly_trend\" = {{ p10 = -0.01, p50 = 0.0, p90 = 0.01 }}\n",
        small_org(12)
    ));
    const TRIALS: usize = 2000;
    let r = simulate(&s, TRIALS, 11, &|_| {});
    let cols = draw_columns(&s);
    let k = cols
        .iter()
        .position(|c| c == "market.monthly_trend")
        .expect("a draw column");
    let draws: Vec<f64> = (0..TRIALS).map(|t| r.draws[t * cols.len() + k]).collect();
    for (trial, g) in draws.iter().enumerate().take(50) {
        let got = f64::from(r.monthly_value(trial, Metric::DemandIndex, 11));
        assert!((got / (g * 11.0).exp() - 1.0).abs() < 1e-6, "trial {trial}");
    }
    let (lo, hi) = binomial_band(TRIALS as u64, 0.1);
    for (q, below) in [(-0.01, true), (0.01, false)] {
        let n = draws.iter().filter(|g| (**g < q) == below).count() as u64;
        assert!(
            (lo..=hi).contains(&n),
            "{n} draws beyond {q}, outside {lo}..={hi}"
        );
    }
}

/// An uncertain deal-size sigma: each trial's won deals have the mean size of a lognormal with
/// the file's median and the trial's sigma. Per trial, (mean size - median e^(sigma^2 / 2)) over
/// its standard error sqrt(var / wins) is about standard normal (hundreds of wins a trial), so
/// the sum of squares over the trials is chi-square with one degree of freedom each, within its
/// quantiles at the false-alarm rate. Drawn sizes that ignored the trial's sigma would be off
/// by several standard errors in the trials that draw far from the centre.
#[test]
fn an_uncertain_size_spread_is_drawn_per_trial() {
    let text = common_edit_sizes(&small_org(36));
    let s = scenario(&text);
    const TRIALS: usize = 400;
    let r = simulate(&s, TRIALS, 5, &|_| {});
    let cols = draw_columns(&s);
    let k = cols
        .iter()
        .position(|c| c == "pipeline.deal_size_usd.sigma")
        .expect("a draw column");
    let median = 10_000.0f64;
    let mut chi2 = 0.0;
    for trial in 0..TRIALS {
        let sigma = r.draws[trial * cols.len() + k];
        let (mut booked, mut wins) = (0.0, 0.0);
        for t in 0..36 {
            booked += f64::from(r.monthly_value(trial, Metric::NewBookingsUsd, t));
            wins += f64::from(r.monthly_value(trial, Metric::DealsWon, t));
        }
        let s2 = sigma * sigma;
        let mean = median * (s2 / 2.0).exp();
        let var = median * median * s2.exp() * (s2.exp() - 1.0);
        chi2 += (booked / wins - mean).powi(2) / (var / wins);
    }
    let c = ChiSquared::new(TRIALS as f64).unwrap();
    let (lo, hi) = (
        c.inverse_cdf(FALSE_ALARM / 2.0),
        c.inverse_cdf(1.0 - FALSE_ALARM / 2.0),
    );
    assert!(
        (lo..=hi).contains(&chi2),
        "chi-square {chi2} outside {lo}..{hi}"
    );
    // A spread for a deal size that is not a lognormal is refused, naming the key.
    let e = revsim::Scenario::from_toml(
        &format!(
            "{}[uncertainty.parameters]\n\"pipeline.deal_size_usd.sigma\" = {{ p10 = 0.5, p90 = 1.0 }}\n",
            small_org(12)
        ),
        "t.toml",
        "t",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a lognormal"), "{e}");
}

/// The small org with lognormal deal sizes of median $10,000 and sigma 0.4, whose sigma is
/// uncertain (P10 0.3, P90 0.5: a sigma where the mean of a few hundred sizes is close to normal,
/// its excess kurtosis 6 / 432 deals).
fn common_edit_sizes(base: &str) -> String {
    let text = crate::common::edit(
        base,
        "deal_size_usd = 10000",
        "deal_size_usd = { lognormal = { median = 10000, p90 = 16697 } }",
    );
    format!(
        "{text}[uncertainty.parameters]\n\"pipeline.deal_size_usd.sigma\" = {{ p10 = 0.3, p50 = 0.4, p90 = 0.5 }}\n"
    )
}
