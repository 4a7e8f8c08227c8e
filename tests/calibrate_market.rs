//! The scenario keys `revsim calibrate` writes the shared layer and the deal size's spread with:
//! `market.monthly_trend` (a drift of demand, exact and, when uncertain, drawn per trial) and
//! `pipeline.deal_size_usd.sigma` as an uncertain parameter. Statistical checks follow
//! tests/common/mod.rs: each bound is derived from the counts at the suite's false-alarm rate.

use revsim::engine::simulate;
use revsim::model::Metric;
use revsim::model::trial::draw_columns;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use crate::common::{FALSE_ALARM, scenario, small_org};

/// The acceptance band [lo, hi] of a count X ~ Binomial(n, p) at the suite's false-alarm rate,
/// split between the two tails: P(X < lo) <= FALSE_ALARM / 2 and P(X > hi) <= FALSE_ALARM / 2.
fn binomial_band(n: u64, p: f64) -> (u64, u64) {
    let b = Binomial::new(p, n).expect("a valid binomial");
    let half = FALSE_ALARM / 2.0;
    let lo = (0..=n).find(|&k| b.cdf(k) > half).unwrap_or(0);
    let hi = (0..=n).find(|&k| b.sf(k) <= half).unwrap_or(n);
    (lo, hi)
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
