//! `simulation.detail`: the bookings level draws only the deals that book, in the month they
//! book, from the same model. Its results must have the same distribution as full detail's:
//! checked on every shipped scenario it can run, within confidence bounds from the trial count
//! at the suite's false-alarm rate of 1e-6 a check (tests/common/mod.rs).

use crate::common;

use std::path::Path;

use common::{Z, mean_over, scenario};
use revsim::engine::Results;
use revsim::model::Metric;
use revsim::{Scenario, simulate};

fn load(name: &str, sets: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load_with(&path, &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    (
        m,
        (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)).sqrt(),
    )
}

/// The two means agree within Z standard errors of their difference. The runs share their
/// seed, and so the reps' draws, which makes them positively correlated: the independent-
/// samples standard error used here is conservative.
fn agree(what: &str, a: &[f64], b: &[f64]) {
    let ((ma, sa), (mb, sb)) = (mean_sd(a), mean_sd(b));
    let se = (sa * sa / a.len() as f64 + sb * sb / b.len() as f64).sqrt();
    assert!(
        (ma - mb).abs() <= Z * se,
        "{what}: full {ma} against bookings {mb} (Z SE = {})",
        Z * se
    );
}

fn totals(r: &Results, f: impl Fn(&revsim::model::TrialTotals) -> f64) -> Vec<f64> {
    r.totals.iter().map(f).collect()
}

#[test]
fn both_levels_give_the_same_distribution_on_the_shipped_scenarios() {
    let trials = 1500;
    for name in [
        "baseline.toml",
        "reference-r1.toml",
        "vp-churn.toml",
        "scale-100-to-200.toml",
        "pareto-enablement.toml",
        "cycle-4-vs-6-months.toml",
    ] {
        let full = load(name, &["simulation.detail=\"full\""]);
        let lean = load(name, &["simulation.detail=\"bookings\""]);
        let (a, b) = (
            simulate(&full, trials, 21, &|_| ()),
            simulate(&lean, trials, 21, &|_| ()),
        );
        agree(
            &format!("{name} bookings"),
            &totals(&a, |t| t.bookings_usd),
            &totals(&b, |t| t.bookings_usd),
        );
        agree(
            &format!("{name} won deals"),
            &totals(&a, |t| t.deals_won as f64),
            &totals(&b, |t| t.deals_won as f64),
        );
        agree(
            &format!("{name} ending ARR"),
            &totals(&a, |t| t.ending_arr_usd),
            &totals(&b, |t| t.ending_arr_usd),
        );
        for fy in 0..full.clock.fiscal_years.len() {
            let col = |r: &Results| -> Vec<f64> {
                (0..r.trials)
                    .map(|t| r.trial_fiscal_years(t)[fy].bookings_usd)
                    .collect()
            };
            agree(&format!("{name} FY {fy} bookings"), &col(&a), &col(&b));
        }
        // Pipeline figures are left out (undefined), not zero.
        assert!(b.monthly_value(0, Metric::OpenPipelineUsd, 0).is_nan());
        assert!(b.monthly_value(0, Metric::DealsLost, 0).is_nan());
        assert!(!b.monthly_value(0, Metric::NewBookingsUsd, 0).is_nan());
    }
}

#[test]
fn quota_attainment_agrees_across_levels() {
    // With [quota], bookings detail credits each booked deal to a seat (its creation month, then
    // the seat, in proportion to the intensities then): attainment must match full detail.
    let trials = 1500;
    let full = load("baseline.toml", &[]);
    let lean = load("baseline.toml", &["simulation.detail=\"bookings\""]);
    let (a, b) = (
        simulate(&full, trials, 22, &|_| ()),
        simulate(&lean, trials, 22, &|_| ()),
    );
    for fy in 0..full.clock.fiscal_years.len() {
        let col = |r: &Results, f: &dyn Fn(&revsim::model::FiscalYearOutcome) -> f64| -> Vec<f64> {
            (0..r.trials)
                .map(|t| f(&r.trial_fiscal_years(t)[fy]))
                .collect()
        };
        agree(
            &format!("FY {fy} share at quota"),
            &col(&a, &|o| o.share_of_reps_at_quota),
            &col(&b, &|o| o.share_of_reps_at_quota),
        );
        agree(
            &format!("FY {fy} top-20% share"),
            &col(&a, &|o| o.top_20pct_share_of_bookings),
            &col(&b, &|o| o.top_20pct_share_of_bookings),
        );
    }
}

#[test]
fn simple_expectation_in_bookings_detail() {
    // MODEL.md's simple expectation, E[bookings per month] = N lambda p S, with a cycle of 2
    // months and an empty starting pipeline: months 2 onward.
    let s = scenario(
        r#"
[simulation]
start_month = "2027-01"
horizon_months = 14
detail = "bookings"
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = { lognormal = { mean = 10000, sd = 5000 } }
cycle_months = 2
starting_pipeline = "empty"
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
"#,
    );
    let trials = 4000;
    let r = simulate(&s, trials, 23, &|_| ());
    let (n, lambda, p, mean, sd): (f64, f64, f64, f64, f64) = (20.0, 2.0, 0.3, 10_000.0, 5_000.0);
    let got = mean_over(&r, Metric::NewBookingsUsd, 2..14);
    let want = n * lambda * p * mean;
    // Twelve months of compound Poisson bookings per trial: variance wins x E[size^2].
    let months = 12.0;
    let se = (n * lambda * p * months * (sd * sd + mean * mean)).sqrt()
        / months
        / (trials as f64).sqrt();
    assert!((got - want).abs() < Z * se, "{got} vs {want} +- {}", Z * se);
    assert_eq!(
        mean_over(&r, Metric::NewBookingsUsd, 0..2),
        0.0,
        "nothing books before month 2"
    );
}

#[test]
fn coverage_needs_full_detail() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/coverage-3x-vs-5x.toml");
    let err = Scenario::load_with(&path, &["simulation.detail=\"bookings\"".to_string()])
        .expect_err("a coverage policy cannot run without the open pipeline");
    let text = format!("{err}");
    assert!(text.contains("coverage policy"), "{text}");
    assert!(text.contains("detail"), "{text}");
}
