//! MODEL.md's sanity identities, checked on simulated trials.
//!
//! Statistical checks compare a sample mean with its analytic value within `Z` standard errors,
//! where the standard error comes from the trial count and an analytic (or conservative)
//! variance, never from a tolerance tuned until green. A correct model fails a given check with
//! probability 1e-6 (tests/common/mod.rs); the seeds are fixed, so each check is deterministic.
//! Conservation laws are checked exactly, and ARR's roll-forward to the rounding of the figures.

use crate::common;

use common::{Z, edit, mean_over, scenario};
use revsim::engine::Results;
use revsim::model::Metric;
use revsim::{Scenario, simulate};

fn run(s: &Scenario, trials: usize, seed: u64) -> Results {
    simulate(s, trials, seed, &|_| ())
}

const FIXED_ORG: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = { lognormal = { mean = 10000, sd = 5000 } }
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.3
no_decision = 0.4
"#;

#[test]
fn simple_expectation_bookings_per_month() {
    // Fixed headcount N, no ramp or attrition, Poisson rate lambda, win probability p, mean
    // size S, cycle 0: E[bookings per month] = N lambda p S.
    let (n, lambda, p, mean, sd, months) = (20.0, 2.0, 0.3, 10_000.0, 5_000.0, 12.0);
    let s = scenario(FIXED_ORG);
    let trials = 4_000;
    let r = run(&s, trials, 11);
    let expected_month = n * lambda * p * mean;
    let got = r.totals.iter().map(|t| t.bookings_usd).sum::<f64>() / trials as f64 / months;
    // Total bookings is compound Poisson: variance = E[wins] * E[size^2].
    let wins = n * lambda * p * months;
    let sd_total = (wins * (sd * sd + mean * mean)).sqrt();
    let se_month = sd_total / (trials as f64).sqrt() / months;
    assert!(
        (got - expected_month).abs() < Z * se_month,
        "bookings per month {got:.0}, expected {expected_month:.0} +- {:.0}",
        Z * se_month
    );
    // Deal sizes are whole dollars, so the won count matters too: E[wins per month] = N lambda p.
    let won = mean_over(&r, Metric::DealsWon, 0..12);
    let se = (n * lambda * p / (trials as f64 * months)).sqrt();
    assert!(
        (won - n * lambda * p).abs() < Z * se,
        "wins per month {won}"
    );
}

#[test]
fn littles_law_open_deals() {
    // A deal decided L whole months after its creation month is open at the ends of months
    // t .. t + L - 1, so at steady state E[open deals] = creation rate x E[L]. With
    // cycle ~ U(0, 4): under continuous timing L = floor(U + cycle), whose mean is the mean
    // cycle, 2; under month_end timing L = ceil(cycle), E[ceil] = (1 + 2 + 3 + 4) / 4 = 2.5.
    for (timing, mean_lag) in [("continuous", 2.0), ("month_end", 2.5)] {
        let body = edit(
            &edit(
                FIXED_ORG,
                "horizon_months = 12",
                &format!("horizon_months = 24\ndecision_timing = \"{timing}\""),
            ),
            "cycle_months = 0",
            "cycle_months = { uniform = { min = 0, max = 4 } }",
        );
        let s = scenario(&body);
        let trials = 2_000;
        let r = run(&s, trials, 12);
        let rate = 20.0 * 2.0;
        let expected = rate * mean_lag;
        let got = mean_over(&r, Metric::OpenDeals, 6..24);
        // Open deals in a month are Poisson(expected); a per-trial average over months has at
        // most that variance, whatever the correlation between months.
        let se = (expected / trials as f64).sqrt();
        assert!(
            (got - expected).abs() < Z * se,
            "{timing}: open deals {got:.2}, expected {expected} +- {:.2}",
            Z * se
        );
        let created = mean_over(&r, Metric::OpportunitiesCreated, 0..24);
        assert!(
            (created - rate).abs() < Z * (rate / (trials as f64 * 24.0)).sqrt(),
            "{timing}: creation rate {created}"
        );
    }
}

const CHURNING_ORG: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 60
[org]
seats = 400
[attrition]
annual_rate = 0.4
[hiring]
backfill_delay_months = 2
[pipeline]
opportunities_per_rep_month = 0
deal_size_usd = 1
cycle_months = 0
[pipeline.outcomes]
won = 0.5
lost = 0.5
no_decision = 0
"#;

#[test]
fn steady_state_filled_share() {
    // Hazard h per month, backfill after d months: the share of seats with a rep working in the
    // month is 1 / (1 + h d) (MODEL.md). Month-end headcount also counts the seat of a rep who
    // leaves at that month end as vacant, so it is (1 - h) / (1 + h d).
    let s = scenario(CHURNING_ORG);
    let h = 1.0 - (1.0f64 - 0.4).powf(1.0 / 12.0);
    let d = 2.0;
    let seats = 400.0;
    let trials = 1_000;
    let r = run(&s, trials, 13);
    // Seats are independent; a count of N independent indicators has variance at most N / 4.
    let se = (seats / 4.0 / trials as f64).sqrt();
    let working = mean_over(&r, Metric::RampedEquivalentReps, 24..60);
    let expected = seats / (1.0 + h * d);
    assert!(
        (working - expected).abs() < Z * se,
        "working reps {working:.2}, expected {expected:.2}"
    );
    let month_end = mean_over(&r, Metric::Headcount, 24..60);
    let expected = seats * (1.0 - h) / (1.0 + h * d);
    assert!(
        (month_end - expected).abs() < Z * se,
        "month-end reps {month_end:.2}, expected {expected:.2}"
    );
}

fn baseline() -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn headcount_is_conserved_every_trial_and_month() {
    let s = baseline();
    let r = run(&s, 200, 14);
    for t in 0..r.trials {
        let mut prev = s.staffing.starting_filled as f32;
        for m in 0..r.horizon {
            let v = |k| r.monthly_value(t, k, m);
            let end = v(Metric::Headcount);
            assert_eq!(
                prev + v(Metric::Hires) - v(Metric::Departures),
                end,
                "trial {t} month {m}"
            );
            assert!(end + v(Metric::VacantSeats) <= s.staffing.max_seats as f32);
            prev = end;
        }
        assert_eq!(r.totals[t].ending_headcount as f32, prev);
    }
}

#[test]
fn pipeline_is_conserved_every_trial_and_month() {
    // open at start + created = won + lost + no decision + orphaned + still open, with the
    // leaver policy on and a steady-state starting pipeline.
    let s = baseline();
    assert!(s.pipeline.leaver_policy_active());
    let r = run(&s, 200, 15);
    for (t, tot) in r.totals.iter().enumerate() {
        let decided = tot.deals_won + tot.deals_lost + tot.deals_no_decision;
        assert_eq!(
            tot.deals_open_at_start + tot.opportunities_created,
            decided + tot.deals_orphaned + tot.deals_open_at_end,
            "trial {t}"
        );
        assert!(
            tot.deals_open_at_start > 0,
            "the baseline starts with a pipeline"
        );
        assert!(
            tot.deals_orphaned > 0,
            "the leaver policy should orphan some deals"
        );
        let mut open = tot.deals_open_at_start as f32;
        for m in 0..r.horizon {
            let v = |k| r.monthly_value(t, k, m);
            open += v(Metric::OpportunitiesCreated)
                - v(Metric::DealsWon)
                - v(Metric::DealsLost)
                - v(Metric::DealsNoDecision)
                - v(Metric::DealsOrphaned);
            assert_eq!(open, v(Metric::OpenDeals), "trial {t} month {m}");
        }
    }
}

#[test]
fn arr_rolls_forward() {
    // ARR(t) = ARR(t-1) + new bookings + expansion - churn, every trial and month. The engine
    // adds in f64 and records each monthly figure as an f32, which is off by at most half an f32
    // ulp, 2^-24 of its size: the identity holds for the recorded figures to within 2^-24 of the
    // sum of the five magnitudes (ARR now and before, bookings, expansion, churn), and the f64
    // sums add about 1e-16 of it. The bound allows twice that, f32::EPSILON (2^-23) of it.
    let s = baseline();
    let r = run(&s, 50, 16);
    for t in 0..r.trials {
        let mut arr = s.customers.starting_arr_usd;
        for m in 0..r.horizon {
            let v = |k| r.monthly_value(t, k, m) as f64;
            let (booked, expanded, churned) = (
                v(Metric::NewBookingsUsd),
                v(Metric::ExpansionArrUsd),
                v(Metric::ChurnedArrUsd),
            );
            let got = v(Metric::ArrUsd);
            let rounding = f64::from(f32::EPSILON)
                * (got.abs() + arr.abs() + booked.abs() + expanded.abs() + churned.abs());
            arr += booked + expanded - churned;
            assert!(
                (got - arr).abs() <= rounding,
                "trial {t} month {m}: {got} vs {arr}"
            );
            arr = got;
        }
    }
}
