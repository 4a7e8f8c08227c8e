//! Statistical tests of `revsim calibrate`'s estimators (tier 3): an export generated in the
//! test from known distributions (seeded Xoshiro256++) is read and fitted like a user's file,
//! and every estimate must fall within its 99.9% confidence interval around the true value.
//! The intervals come from the design (sample sizes and true parameters), not from the
//! estimator under test, and not from tolerances tuned until green.

use std::fmt::Write;

use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use revsim::calibrate::estimate::trigamma;
use revsim::calibrate::{FitOptions, calibrate};
use revsim::crm::{Outcome, ReadOptions, parse_history};

/// Two-sided 99.9% normal quantile: each check fails by chance one time in a thousand.
const Z: f64 = 3.29;

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

fn within(what: &str, estimate: f64, truth: f64, se: f64) {
    assert!(
        (estimate - truth).abs() <= Z * se,
        "{what}: estimate {estimate}, true {truth}, outside the 99.9% interval (se {se})"
    );
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
    let truth = export(2027, &lognormal_sizes);
    let history = parse_history(
        truth.csv.as_bytes(),
        "generated.csv",
        &ReadOptions::default(),
    )
    .expect("the generated export reads");
    let cal = calibrate(&history, &FitOptions::default());
    let fit = &cal.org;
    let c = fit.counts;
    assert_eq!(c.open, 0);
    assert!(c.closed > 5000, "{c:?}");

    // Deal size: lognormal MLE, se(mu) = sigma / sqrt(n), se(sigma) = sigma / sqrt(2n).
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
    // With parameters fitted to the same data, D stays below the 1% critical value of the
    // known-parameter test (1.63 / sqrt(n)) far more often than 99% of the time.
    assert!(size.ks.unwrap().d < 1.63 / n.sqrt(), "{:?}", size.ks);
    // Lost deals have the same size distribution: the two-sample test does not reject at 0.1%.
    for other in &fit.size_by_outcome {
        assert!(other.ks.p_value > 0.001, "{other:?}");
    }

    // Cycle times: gamma MLE; se(shape) = sqrt(k / (n (k psi'(k) - 1))), se(mean) = sd / sqrt(n).
    for (outcome, (k, theta)) in Outcome::CLOSED.into_iter().zip(CYCLES) {
        let cy = fit.cycle(outcome).unwrap();
        let g = cy.gamma.unwrap();
        let n = g.n as f64;
        let se_k = (k / (n * (k * trigamma(k) - 1.0))).sqrt();
        within(&format!("{outcome:?} cycle shape"), g.shape, k, se_k);
        let sd = k.sqrt() * theta;
        within(
            &format!("{outcome:?} cycle mean"),
            g.mean,
            k * theta,
            sd / n.sqrt(),
        );
        assert!(
            cy.ks.unwrap().d < 1.63 / n.sqrt(),
            "{outcome:?}: {:?}",
            cy.ks
        );
        // The estimator's own standard error agrees with the analytic one at the true values.
        assert!((g.se_shape / se_k - 1.0).abs() < 0.25, "{g:?} vs {se_k}");
    }

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
    assert!((shares.won + shares.lost + shares.no_decision - 1.0).abs() < 1e-12);
    // Lost among non-won deals is plain binomial.
    let non_won = (c.lost + c.no_decision) as f64;
    within(
        "lost share of non-won",
        c.lost as f64 / non_won,
        LOST_SHARE,
        (LOST_SHARE * (1.0 - LOST_SHARE) / non_won).sqrt(),
    );

    // The spread of true win rates. A design-based standard error (method of moments, which
    // maximum likelihood can only improve on): the observed rates' variance
    // V = tau^2 + (mu (1 - mu) - tau^2) / n (n the mean deals per rep) has standard error
    // about V sqrt(2 / (R - 1)), so tau^2 has se(V) n / (n - 1) and tau se(tau^2) / (2 tau).
    let bb = fit.rep_win_rates.unwrap();
    let r = REPS as f64;
    let nbar = total / r;
    let tau2 = WIN_SD * WIN_SD;
    let v = tau2 + (WIN_MEAN * (1.0 - WIN_MEAN) - tau2) / nbar;
    let se_tau = v * (2.0 / (r - 1.0)).sqrt() * nbar / (nbar - 1.0) / (2.0 * WIN_SD);
    within("sd of true win rates", bb.sd, WIN_SD, se_tau);
    within("mean of true win rates", bb.mean, WIN_MEAN, (v / r).sqrt());
    // The raw spread is wider than the true one by the binomial noise, and the estimate
    // corrects for it: it is closer to the truth than the raw sd is.
    assert!(bb.raw_sd > bb.sd, "{bb:?}");
    assert!(
        (bb.sd - WIN_SD).abs() < (bb.raw_sd - WIN_SD).abs(),
        "{bb:?}"
    );
    // Its own standard error is of the size the design says.
    let own = bb.se_sd.unwrap();
    assert!(
        own > se_tau / 2.0 && own < se_tau * 2.0,
        "{own} vs {se_tau}"
    );

    // Shrinkage: the posterior means are closer to the true rates than the raw rates are.
    let mse = |f: &dyn Fn(&revsim::calibrate::fit::Rep) -> f64| {
        fit.reps
            .iter()
            .zip(&truth.rates)
            .map(|(rep, p)| (f(rep) - p).powi(2))
            .sum::<f64>()
            / r
    };
    let raw = mse(&|rep| rep.raw_win_rate.unwrap());
    let shrunk = mse(&|rep| rep.shrunk_win_rate.unwrap());
    assert!(shrunk < raw, "shrunk MSE {shrunk} should beat raw {raw}");

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
    // Counts are Poisson month to month: the dispersion test does not reject at 0.1%.
    assert!(cr.dispersion_p.unwrap() > 0.001, "{cr:?}");

    // The figures, for `cargo test -- --nocapture` (docs/calibrate.md quotes them).
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
    let ks = size.ks.unwrap();
    assert!(
        ks.p_value < 0.001 && ks.d > 1.95 / (ks.n as f64).sqrt(),
        "{ks:?}"
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
    assert!(d.ks.unwrap().d <= 1.0 / 50.0 + 1e-9, "{:?}", d.ks);
}
