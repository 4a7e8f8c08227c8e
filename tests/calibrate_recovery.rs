//! Statistical tests of `revsim calibrate`'s estimators (tier 3): an export generated in the
//! test from known distributions (seeded Xoshiro256++) is read and fitted like a user's file,
//! and every estimate must fall within its confidence interval around the true value, at the
//! suite's false-alarm rate of 1e-6 a check (tests/common/mod.rs). The intervals come from the
//! design (sample sizes and true parameters), not from the estimator under test, and not from
//! tolerances tuned until green. What one export cannot show at that rate (that the spread of
//! win rates corrects the raw spread, that shrinkage helps, that the estimator's own standard
//! error is right, that the posterior of the spread holds it) is shown over many independent
//! exports.

use std::fmt::Write;

use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use revsim::calibrate::estimate::trigamma;
use revsim::calibrate::{Calibration, FitOptions, calibrate};
use revsim::crm::{Outcome, ReadOptions, parse_history};
use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF};

use crate::common::{FALSE_ALARM, Z, Z_ONE_SIDED, binomial_upper_critical, mean_se};

const REPS: usize = 60;
const MONTHS: usize = 24;
/// Opportunities per rep-month (Poisson).
const LAMBDA: f64 = 4.0;
const WIN_MEAN: f64 = 0.25;
const WIN_SD: f64 = 0.08;
/// Share of non-won deals that are lost (the rest end in no decision).
const LOST_SHARE: f64 = 0.45;
const SIZE_MEDIAN: f64 = 30_000.0;
const SIZE_SIGMA: f64 = 0.8;
/// Cycle times in months: (shape, scale) for won, lost, no decision.
const CYCLES: [(f64, f64); 3] = [(4.0, 0.75), (3.0, 0.7), (4.0, 1.25)];

struct Truth {
    /// Each rep's true win rate.
    rates: Vec<f64>,
    csv: String,
}

fn date(days: i64) -> String {
    // Days since 2024-01-01 (19,723 days after 1970-01-01) -> YYYY-MM-DD, by Hinnant's
    // civil_from_days, written out here so the test does not lean on the crate's date code.
    let z = days + 19_723 + 719_468;
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

/// Days from 2024-01-01 to the first of month `m` (0 = January 2024).
fn month_start(m: usize) -> i64 {
    const LENGTHS: [i64; 24] = [
        31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
        31,
    ];
    LENGTHS[..m].iter().sum()
}

/// An export of closed opportunities: REPS reps, MONTHS months each, Poisson(LAMBDA)
/// opportunities a month, each won with the rep's Beta-drawn rate, lognormal sizes and gamma
/// cycles by outcome. `sizes` draws a deal's size.
fn export(seed: u64, sizes: &dyn Fn(&mut Xoshiro256PlusPlus) -> f64) -> Truth {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let nu = WIN_MEAN * (1.0 - WIN_MEAN) / (WIN_SD * WIN_SD) - 1.0;
    let beta = Beta::new(WIN_MEAN * nu, (1.0 - WIN_MEAN) * nu).unwrap();
    let poisson = Poisson::new(LAMBDA).unwrap();
    let cycles: Vec<Gamma<f64>> = CYCLES
        .iter()
        .map(|(k, th)| Gamma::new(*k, *th).unwrap())
        .collect();
    let mut csv = String::from("id,owner,created_date,close_date,amount_usd,outcome\n");
    let mut rates = Vec::new();
    let mut id = 0;
    for rep in 0..REPS {
        let p: f64 = beta.sample(&mut rng);
        rates.push(p);
        for month in 0..MONTHS {
            let n = poisson.sample(&mut rng) as usize;
            for _ in 0..n {
                let day = month_start(month) + (rng.random::<f64>() * 28.0).floor() as i64;
                let (outcome, which) = if rng.random::<f64>() < p {
                    ("won", 0)
                } else if rng.random::<f64>() < LOST_SHARE {
                    ("lost", 1)
                } else {
                    ("no decision", 2)
                };
                let cycle_days = (cycles[which].sample(&mut rng) * 30.4375).round() as i64;
                let amount = sizes(&mut rng).round();
                id += 1;
                let _ = writeln!(
                    csv,
                    "D{id},Rep {rep:02},{},{},{amount},{outcome}",
                    date(day),
                    date(day + cycle_days)
                );
            }
        }
    }
    Truth { rates, csv }
}

fn lognormal_sizes(rng: &mut Xoshiro256PlusPlus) -> f64 {
    LogNormal::new(SIZE_MEDIAN.ln(), SIZE_SIGMA)
        .unwrap()
        .sample(rng)
}

/// The export `seed` with lognormal sizes, read and fitted with the default options.
fn fitted(seed: u64) -> (Truth, Calibration) {
    let truth = export(seed, &lognormal_sizes);
    let history = parse_history(
        truth.csv.as_bytes(),
        "generated.csv",
        &ReadOptions::default(),
    )
    .expect("the generated export reads");
    let cal = calibrate(&history, &FitOptions::default());
    (truth, cal)
}

fn within(what: &str, estimate: f64, truth: f64, se: f64) {
    assert!(
        (estimate - truth).abs() <= Z * se,
        "{what}: estimate {estimate}, true {truth}, outside Z = {Z} standard errors (se {se})"
    );
}

/// The largest Kolmogorov-Smirnov distance D that n draws from a continuous distribution give,
/// except with chance FALSE_ALARM: sqrt(ln(2 / FALSE_ALARM) / (2n)), by the
/// Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant, which holds at every n for
/// a distribution fixed in advance. With its parameters fitted to the same data, D is smaller
/// (Lilliefors), so the bound is conservative. `rounding` is added for data cut to a grid: a
/// value moved by at most h moves the empirical CDF by at most the fitted CDF's rise over 2h,
/// at most 2h times its largest density.
fn ks_bound(n: usize, rounding: f64) -> f64 {
    ((2.0 / FALSE_ALARM).ln() / (2.0 * n as f64)).sqrt() + rounding
}

/// 2h times the largest density of a lognormal(mu, sigma) (at its mode e^(mu - sigma^2)), for
/// values cut to a grid of step 2h.
fn lognormal_rounding(mu: f64, sigma: f64, h: f64) -> f64 {
    let peak = (-mu + sigma * sigma / 2.0).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt());
    2.0 * h * peak
}

/// 2h times the largest density of a gamma of shape k >= 1 and mean m (at its mode).
fn gamma_rounding(k: f64, m: f64, h: f64) -> f64 {
    let theta = m / k;
    let g = statrs::distribution::Gamma::new(k, 1.0 / theta).unwrap();
    2.0 * h * g.pdf((k - 1.0).max(0.0) * theta)
}

#[test]
fn dates_in_this_test_are_right() {
    assert_eq!(date(0), "2024-01-01");
    assert_eq!(date(59), "2024-02-29");
    assert_eq!(date(366), "2025-01-01");
    assert_eq!(date(month_start(13)), "2025-02-01");
}

#[test]
fn fitting_data_from_known_distributions_recovers_their_parameters() {
    let (truth, cal) = fitted(2027);
    let fit = &cal.org;
    let c = fit.counts;
    assert_eq!(c.open, 0);
    // Every opportunity is closed by the export: REPS x MONTHS Poisson(LAMBDA) counts, in all
    // Poisson(5,760), within Z of its standard deviation.
    let expected = (REPS * MONTHS) as f64 * LAMBDA;
    assert!(
        (c.closed as f64 - expected).abs() <= Z * expected.sqrt(),
        "{c:?}"
    );

    check_deal_size(fit);
    check_cycle_times(fit);

    // Outcome shares. A rep's wins are beta-binomial, so the pooled won share has variance
    // sum_i n_i mu (1 - mu) (1 + (n_i - 1) rho) / N^2 with rho = 1 / (alpha + beta + 1).
    let rho = WIN_SD * WIN_SD / (WIN_MEAN * (1.0 - WIN_MEAN));
    let closed: Vec<f64> = fit.reps.iter().map(|r| r.closed as f64).collect();
    let total: f64 = closed.iter().sum();
    let var_won = closed
        .iter()
        .map(|n| n * WIN_MEAN * (1.0 - WIN_MEAN) * (1.0 + (n - 1.0) * rho))
        .sum::<f64>()
        / (total * total);
    let shares = fit.outcomes.unwrap();
    within("won share", shares.won, WIN_MEAN, var_won.sqrt());
    // Three quotients of the same total and two additions: 1 up to three f64 epsilons.
    assert!((shares.won + shares.lost + shares.no_decision - 1.0).abs() <= 3.0 * f64::EPSILON);
    // Lost among non-won deals is plain binomial.
    let non_won = (c.lost + c.no_decision) as f64;
    within(
        "lost share of non-won",
        c.lost as f64 / non_won,
        LOST_SHARE,
        (LOST_SHARE * (1.0 - LOST_SHARE) / non_won).sqrt(),
    );

    // The spread of true win rates, and their mean.
    let bb = fit.rep_win_rates.unwrap();
    let (se_tau, se_mean) = spread_se(total / REPS as f64);
    within("sd of true win rates", bb.sd, WIN_SD, se_tau);
    within("mean of true win rates", bb.mean, WIN_MEAN, se_mean);

    // Shrinkage, for the figures printed below (its benefit is shown over many exports).
    let (raw, shrunk) = mse(&cal, &truth.rates);

    // Opportunities per rep-month: Poisson, se sqrt(lambda / rep-months). Every owner is in
    // seat the whole period and with lambda = 4 an empty first or last month has chance
    // e^-4 = 1.8%, so the active window is the full 24 months nearly always.
    let cr = fit.creation.unwrap();
    within(
        "opportunities per rep-month",
        cr.rate,
        LAMBDA,
        (LAMBDA / cr.rep_months as f64).sqrt(),
    );
    // Counts are Poisson month to month: the dispersion test's p-value, uniform under that
    // null, is not below the false-alarm rate.
    assert!(cr.dispersion_p.unwrap() > FALSE_ALARM, "{cr:?}");

    // The figures, for `cargo test -- --nocapture` (docs/calibrate.md quotes them).
    let l = fit.deal_size.as_ref().unwrap().lognormal.unwrap();
    let won = fit.cycle(Outcome::Won).unwrap().gamma.unwrap();
    eprintln!(
        "recovery: {} closed deals, {} won; lognormal mu {:.4} (true {:.4}), sigma {:.4} (0.8); won cycle shape {:.3} (4), mean {:.3} (3); win-rate sd {:.4} (0.08, raw {:.4}), mean {:.4} (0.25); shrunk MSE {:.5} vs raw {:.5}; opportunities per rep-month {:.3} (4)",
        c.closed,
        c.won,
        l.mu,
        SIZE_MEDIAN.ln(),
        l.sigma,
        won.shape,
        won.mean,
        bb.sd,
        bb.raw_sd,
        bb.mean,
        shrunk,
        raw,
        cr.rate
    );
}

/// Deal size: lognormal MLE, se(mu) = sigma / sqrt(n), se(sigma) = sigma / sqrt(2n); the KS
/// distance of the fit; lost and no-decision deals' sizes against the won deals'.
fn check_deal_size(fit: &revsim::calibrate::fit::Fit) {
    let size = fit.deal_size.as_ref().unwrap();
    let l = size.lognormal.unwrap();
    let n = l.n as f64;
    within(
        "lognormal mu",
        l.mu,
        SIZE_MEDIAN.ln(),
        SIZE_SIGMA / n.sqrt(),
    );
    within(
        "lognormal sigma",
        l.sigma,
        SIZE_SIGMA,
        SIZE_SIGMA / (2.0 * n).sqrt(),
    );
    // The fit's KS distance: within the DKW bound, amounts being whole dollars (h = $0.50).
    let bound = ks_bound(l.n, lognormal_rounding(l.mu, l.sigma, 0.5));
    assert!(size.ks.unwrap().d < bound, "{:?} vs {bound}", size.ks);
    // Lost deals have the same size distribution: the two-sample test's p-value, uniform
    // under that null, is not below the false-alarm rate.
    assert_eq!(fit.size_by_outcome.len(), 2, "lost and no-decision deals");
    for other in &fit.size_by_outcome {
        assert!(other.ks.p_value > FALSE_ALARM, "{other:?}");
    }
}

/// Cycle times: gamma MLE; se(shape) = sqrt(k / (n (k psi'(k) - 1))), se(mean) = sd / sqrt(n);
/// the KS distance of each fit, and the estimator's own standard error of the shape.
fn check_cycle_times(fit: &revsim::calibrate::fit::Fit) {
    for (outcome, (k, theta)) in Outcome::CLOSED.into_iter().zip(CYCLES) {
        let cy = fit.cycle(outcome).unwrap();
        let g = cy.gamma.unwrap();
        let n = g.n as f64;
        let se_at = |k: f64| (k / (n * (k * trigamma(k) - 1.0))).sqrt();
        let se_k = se_at(k);
        within(&format!("{outcome:?} cycle shape"), g.shape, k, se_k);
        let sd = k.sqrt() * theta;
        within(
            &format!("{outcome:?} cycle mean"),
            g.mean,
            k * theta,
            sd / n.sqrt(),
        );
        // Cycles are whole days of 30.4375 to the month: h is half a day.
        let bound = ks_bound(g.n, gamma_rounding(g.shape, g.mean, 0.5 / 30.4375));
        assert!(
            cy.ks.unwrap().d < bound,
            "{outcome:?}: {:?} vs {bound}",
            cy.ks
        );
        // The estimator's own standard error is the analytic one at its estimate of the shape.
        // se(k) increases with k, and the estimate is within Z se_k of k (checked above), so
        // its standard error lies between se(k - Z se_k) and se(k + Z se_k).
        let (low, high) = (se_at(k - Z * se_k), se_at(k + Z * se_k));
        assert!(
            low <= g.se_shape && g.se_shape <= high,
            "{g:?}: se {} outside {low}..{high}",
            g.se_shape
        );
    }
}

/// The design-based standard errors of the spread (sd) and the mean of the reps' true win
/// rates, with `nbar` closed deals per rep: method of moments, which maximum likelihood can
/// only improve on. The observed rates' variance V = tau^2 + (mu (1 - mu) - tau^2) / n has
/// standard error about V sqrt(2 / (R - 1)), so tau^2 has se(V) n / (n - 1) and tau
/// se(tau^2) / (2 tau); the mean has sqrt(V / R).
fn spread_se(nbar: f64) -> (f64, f64) {
    let r = REPS as f64;
    let tau2 = WIN_SD * WIN_SD;
    let v = tau2 + (WIN_MEAN * (1.0 - WIN_MEAN) - tau2) / nbar;
    let se_tau = v * (2.0 / (r - 1.0)).sqrt() * nbar / (nbar - 1.0) / (2.0 * WIN_SD);
    (se_tau, (v / r).sqrt())
}

/// Mean squared error of the reps' raw and shrunk win rates against their true rates.
fn mse(cal: &Calibration, rates: &[f64]) -> (f64, f64) {
    let reps = &cal.org.reps;
    assert_eq!(reps.len(), rates.len());
    let of = |f: &dyn Fn(&revsim::calibrate::fit::Rep) -> f64| {
        reps.iter()
            .zip(rates)
            .map(|(rep, p)| (f(rep) - p).powi(2))
            .sum::<f64>()
            / rates.len() as f64
    };
    (
        of(&|rep| rep.raw_win_rate.unwrap()),
        of(&|rep| rep.shrunk_win_rate.unwrap()),
    )
}

/// Over EXPORTS independent exports (each 60 reps' own Beta-drawn rates and their deals), what
/// one export cannot show at the suite's false-alarm rate. (The estimate of the spread of win
/// rates has a standard error of about 0.009 on one export, near the 0.011 by which binomial
/// noise widens the raw spread: one export's estimate is closer to the truth than its raw sd
/// only about two times in three.)
///
/// - **The spread corrects for binomial noise.** Over the exports, the raw rates' sd is wider
///   than the true one on average (its mean error exceeds Z_ONE_SIDED standard errors), it is
///   wider than the estimate in more exports than a sign test allows by chance, and the
///   estimate is closer to the truth on average: the raw sd's mean error, less Z_ONE_SIDED of
///   its standard errors, exceeds the estimate's absolute mean error plus Z of its standard
///   errors (each bound holds except with chance 1e-6). The estimate is not claimed unbiased:
///   maximum likelihood of a spread from 60 groups runs a little low.
/// - **Shrinkage helps.** The posterior-mean rates have a smaller mean squared error than the
///   raw ones on average (a one-sided paired t-test on the per-export difference).
/// - **The posterior of the spread holds the truth.** The P10-P90 interval of the posterior
///   the fragment writes `reps.win_rate_sd` from contains the true spread in a count of exports
///   inside the Binomial(300, 0.8) band at the false-alarm rate.
/// - **The estimator's own standard error is right.** The mean of its standard error of the sd
///   over the exports is inside the interval for the true standard deviation of the estimate
///   that the exports' sample sd s gives: (K - 1) s^2 / sigma^2 is chi-square with K - 1
///   degrees of freedom for estimates close to normal (an sd from 60 reps is), so sigma is in
///   [s sqrt((K - 1) / q_high), s sqrt((K - 1) / q_low)], q the chi-square quantiles at
///   FALSE_ALARM / 2 and 1 - FALSE_ALARM / 2; the mean's own sampling error is allowed for.
///
/// 300 exports: the raw sd's mean error (about 0.011) then clears the estimate's (about 0.002)
/// by about six standard deviations of the difference of the two bounds' sides.
#[test]
fn over_many_exports_the_spread_shrinkage_and_standard_error_are_right() {
    use rayon::prelude::*;
    const EXPORTS: usize = 300;
    // (raw sd, estimated sd, its own standard error, raw MSE - shrunk MSE, the posterior's
    // P10 and P90) of each export.
    let fits: Vec<[f64; 6]> = (0..EXPORTS)
        .into_par_iter()
        .map(|k| {
            let (truth, cal) = fitted(10_000 + k as u64);
            let bb = cal.org.rep_win_rates.unwrap();
            let (raw, shrunk) = mse(&cal, &truth.rates);
            let own = bb.se_sd.expect("a spread with its standard error");
            let post = cal
                .org
                .win_rate_spread
                .expect("a posterior of the spread")
                .sd;
            [bb.raw_sd, bb.sd, own, raw - shrunk, post.p10, post.p90]
        })
        .collect();
    let column = |f: &dyn Fn(&[f64; 6]) -> f64| fits.iter().map(f).collect::<Vec<f64>>();

    let (raw_error, se_raw) = mean_se(&column(&|f| f[0] - WIN_SD));
    let (error, se) = mean_se(&column(&|f| f[1] - WIN_SD));
    assert!(
        raw_error > Z_ONE_SIDED * se_raw,
        "the raw sd is not wider than the truth: mean error {raw_error} (se {se_raw})"
    );
    assert!(
        raw_error - Z_ONE_SIDED * se_raw > error.abs() + Z * se,
        "the estimate is not closer to the truth than the raw sd: mean errors {error} (se \
         {se}) and {raw_error} (se {se_raw})"
    );
    let raw_wider = fits.iter().filter(|f| f[0] > f[1]).count();
    let sign = binomial_upper_critical(EXPORTS as u64, 0.5) as usize;
    assert!(
        raw_wider >= sign,
        "the raw sd exceeds the estimate in {raw_wider} of {EXPORTS} exports, fewer than {sign}"
    );

    let (gain, se) = mean_se(&column(&|f| f[3]));
    assert!(
        gain > Z_ONE_SIDED * se,
        "shrinkage lowers the mean squared error by {gain} (se {se})"
    );

    let sds = column(&|f| f[1]);
    let df = (EXPORTS - 1) as f64;
    let s = mean_se(&sds).1 * (EXPORTS as f64).sqrt();
    let chi = ChiSquared::new(df).unwrap();
    let (q_low, q_high) = (
        chi.inverse_cdf(FALSE_ALARM / 2.0),
        chi.inverse_cdf(1.0 - FALSE_ALARM / 2.0),
    );
    let (low, high) = (s * (df / q_high).sqrt(), s * (df / q_low).sqrt());
    let (own, se) = mean_se(&column(&|f| f[2]));
    assert!(
        own + Z * se >= low && own - Z * se <= high,
        "own standard error {own} (se {se}); the estimates' sd is in {low}..{high}"
    );
    // The posterior the fragment writes holds the true spread between its P10 and P90 in a
    // Binomial(EXPORTS, 0.8) count of exports when it is calibrated.
    let inside = fits
        .iter()
        .filter(|f| f[4] <= WIN_SD && WIN_SD <= f[5])
        .count() as u64;
    let (band_lo, band_hi) = band(EXPORTS as u64, 0.8);
    assert!(
        (band_lo..=band_hi).contains(&inside),
        "the spread's posterior P10-P90 holds the true {WIN_SD} in {inside} of {EXPORTS} exports, outside the binomial band {band_lo}..={band_hi}"
    );
    eprintln!(
        "over {EXPORTS} exports: raw sd off by {raw_error:.4}, the estimate by {error:.4}; \
         shrinkage lowers the MSE by {gain:.5}; own se {own:.4} against the estimates' sd \
         {s:.4} ({low:.4}..{high:.4}); the posterior's P10-P90 holds the truth in {inside}"
    );
}

/// The acceptance band [lo, hi] of a count X ~ Binomial(n, p) at the suite's false-alarm rate,
/// split between the two tails: P(X < lo) <= FALSE_ALARM / 2 and P(X > hi) <= FALSE_ALARM / 2.
fn band(n: u64, p: f64) -> (u64, u64) {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let b = Binomial::new(p, n).expect("a valid binomial");
    let half = FALSE_ALARM / 2.0;
    let lo = (0..=n).find(|&k| b.cdf(k) > half).unwrap_or(0);
    let hi = (0..=n).find(|&k| b.sf(k) <= half).unwrap_or(n);
    (lo, hi)
}

#[test]
fn a_misfit_is_flagged() {
    // Sizes from two well-separated lognormals: no single lognormal fits them, and with
    // thousands of deals the KS statistic says so.
    let bimodal = |rng: &mut Xoshiro256PlusPlus| {
        let median = if rng.random::<f64>() < 0.5 {
            8_000.0
        } else {
            150_000.0
        };
        LogNormal::new(f64::ln(median), 0.2).unwrap().sample(rng)
    };
    let truth = export(7, &bimodal);
    let history = parse_history(
        truth.csv.as_bytes(),
        "generated.csv",
        &ReadOptions::default(),
    )
    .unwrap();
    let cal = calibrate(&history, &FitOptions::default());
    let size = cal.org.deal_size.unwrap();
    // Flagged at the suite's false-alarm rate: D beyond what a lognormal sample gives (the
    // DKW bound of `ks_bound`), and a p-value below the rate.
    let ks = size.ks.unwrap();
    let l = size.lognormal.unwrap();
    let bound = ks_bound(ks.n, lognormal_rounding(l.mu, l.sigma, 0.5));
    assert!(
        ks.p_value < FALSE_ALARM && ks.d > bound,
        "{ks:?} vs {bound}"
    );
    // The empirical table follows the data instead: its D is at most the table's step.
    let empirical = calibrate(
        &history,
        &FitOptions {
            size: revsim::calibrate::SizeModel::Empirical,
            ..FitOptions::default()
        },
    );
    let d = empirical.org.deal_size.unwrap();
    let t = d.table.unwrap();
    assert!(t.capped && t.values.len() == 50);
    // (Up to the rounding of the CDF's f64 arithmetic, a few epsilons.)
    assert!(
        d.ks.unwrap().d <= 1.0 / 50.0 + 4.0 * f64::EPSILON,
        "{:?}",
        d.ks
    );
}
