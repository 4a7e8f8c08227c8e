//! Extremes of the input space: each case gives a correct result (stated in the test) or a
//! clear error (exit 2, snapshot in tests/snapshots/). The 1,000,000-trial case is left to the
//! engine's memory work (see docs/errors.md).

use std::path::Path;

use assert_cmd::Command;
use revsim::engine::Results;
use revsim::model::Metric;
use revsim::{Scenario, simulate, summarize};

use crate::common;
use common::{edit, scenario};

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

/// A small org with every optional money figure present, so each can be checked.
fn org(horizon: u32, seats: u32, outcomes: (&str, &str, &str), extra: &str) -> String {
    format!(
        r#"
[simulation]
start_month = "2027-01"
horizon_months = {horizon}
[org]
seats = {seats}
[attrition]
annual_rate = 0.3
[pipeline]
opportunities_per_rep_month = 3
inbound_opportunities_per_month = 20
deal_size_usd = {{ lognormal = {{ median = 20000, p90 = 60000 }} }}
cycle_months = {{ gamma = {{ mean = 2, sd = 1 }} }}
[pipeline.outcomes]
won = {}
lost = {}
no_decision = {}
[customers]
starting_arr_usd = 1_000_000
starting_customers = 10
monthly_logo_churn_rate = 0.01
[quota]
annual_quota_usd = 400_000
[plan]
fiscal_year_bookings_usd = [5_000_000]
{extra}
"#,
        outcomes.0, outcomes.1, outcomes.2
    )
}

fn run(s: &Scenario, trials: usize) -> Results {
    simulate(s, trials, 7, &|_| ())
}

fn total(r: &Results, t: usize, m: Metric) -> f64 {
    (0..r.horizon)
        .map(|k| r.monthly_value(t, m, k) as f64)
        .sum()
}

/// Runs `text` through the command line in a fresh directory; returns the directory and the
/// command's output.
fn cli(text: &str, args: &[&str]) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("extreme.toml"), text).unwrap();
    let out = revsim()
        .current_dir(dir.path())
        .args(["run", "extreme.toml", "--out", "out"])
        .args(args)
        .output()
        .unwrap();
    (dir, out)
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every output of a run through the command line is present, parses, and holds no NaN or
/// infinity where JSON has none (undefined figures are `null`).
fn complete_run(dir: &Path, o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    let out = dir.join("out");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    // At least summary.json, monthly.csv, trials.csv and the report.
    assert!(listed.len() >= 4, "{listed:?}");
    for f in listed {
        let f = f.as_str().unwrap();
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    for bad in ["NaN", "inf"] {
        assert!(!text.contains(bad), "summary.json holds {bad}");
    }
    for f in ["monthly.csv", "trials.csv"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(
            !text.contains("NaN") && !text.contains("inf"),
            "{f} holds NaN or inf"
        );
    }
    serde_json::from_str(&text).unwrap()
}

#[test]
fn zero_reps_book_nothing() {
    // Correct: no rep, so no opportunity (inbound included), no booking and no hire; the
    // customer base still churns; P(hit plan) is 0; attainment is undefined (no rep holds quota).
    let s = scenario(&org(12, 0, ("0.25", "0.35", "0.40"), ""));
    let r = run(&s, 20);
    for t in 0..r.trials {
        assert_eq!(r.totals[t].bookings_usd, 0.0);
        assert_eq!(r.totals[t].opportunities_created, 0);
        assert_eq!(r.totals[t].hires + r.totals[t].departures, 0);
        for m in 0..r.horizon {
            assert_eq!(r.monthly_value(t, Metric::Headcount, m), 0.0);
            assert_eq!(r.monthly_value(t, Metric::QuotaCapacityUsd, m), 0.0);
            assert!(r.monthly_value(t, Metric::ArrUsd, m).is_finite());
        }
        assert!(r.trial_fiscal_years(t)[0].share_of_reps_at_quota.is_nan());
    }
    let sum = summarize(&s, &r, None);
    assert_eq!(sum.horizon.bookings_usd.p50, 0.0);
    assert_eq!(sum.horizon.p_hit_plan.unwrap().p, 0.0);
    assert!(sum.fiscal_years[0].share_of_reps_at_quota.is_none());
    let (dir, o) = cli(
        &org(12, 0, ("0.25", "0.35", "0.40"), ""),
        &["--trials", "50"],
    );
    let summary = complete_run(dir.path(), &o);
    assert_eq!(summary["horizon"]["bookings_usd"]["max"], 0.0);
}

#[test]
fn one_trial_has_no_spread() {
    // Correct: every quantile of one value is that value; intervals collapse or are null.
    let (dir, o) = cli(
        &org(12, 5, ("0.25", "0.35", "0.40"), ""),
        &["--trials", "1"],
    );
    let summary = complete_run(dir.path(), &o);
    let b = &summary["horizon"]["bookings_usd"];
    assert_eq!(b["n"], 1);
    for q in ["min", "p5", "p10", "p90", "p95", "max", "mean"] {
        assert_eq!(b[q], b["p50"], "{q}");
    }
}

#[test]
fn zero_trials_is_a_clear_error() {
    let (_dir, o) = cli(
        &org(12, 5, ("0.25", "0.35", "0.40"), ""),
        &["--trials", "0"],
    );
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("zero_trials_flag", stderr(&o));
    let text = edit(
        &org(12, 5, ("0.25", "0.35", "0.40"), ""),
        "horizon_months = 12",
        "horizon_months = 12\ntrials = 0",
    );
    let (_dir, o) = cli(&text, &[]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("zero_trials_in_file", stderr(&o));
}

#[test]
fn a_one_month_horizon_runs() {
    // Correct: one month, one (partial) fiscal year, and every file written.
    let (dir, o) = cli(
        &org(1, 5, ("0.25", "0.35", "0.40"), ""),
        &["--trials", "30"],
    );
    let summary = complete_run(dir.path(), &o);
    assert_eq!(summary["horizon_months"], 1);
    assert_eq!(summary["fiscal_years"].as_array().unwrap().len(), 1);
    assert_eq!(summary["fiscal_years"][0]["months"], 1);
}

#[test]
fn a_600_month_horizon_runs_and_conserves() {
    // Correct: 50 fiscal years, and headcount conserved in every month of every trial.
    let text = org(600, 8, ("0.25", "0.35", "0.40"), "");
    let s = scenario(&text);
    let r = run(&s, 4);
    for t in 0..r.trials {
        let hires = total(&r, t, Metric::Hires);
        let departures = total(&r, t, Metric::Departures);
        let end = r.monthly_value(t, Metric::Headcount, 599) as f64;
        assert_eq!(8.0 + hires - departures, end);
        assert!(r.totals[t].bookings_usd > 0.0);
    }
    assert_eq!(s.clock.fiscal_years.len(), 50);
    let (dir, o) = cli(&text, &["--trials", "8"]);
    let summary = complete_run(dir.path(), &o);
    assert_eq!(summary["fiscal_years"].as_array().unwrap().len(), 50);
    let (_dir, o) = cli(
        &edit(&text, "horizon_months = 600", "horizon_months = 601"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("horizon_601_months", stderr(&o));
}

#[test]
fn a_certain_win_wins_every_decided_deal() {
    // Correct: with won = 1, nothing is lost or ends in no decision; every decided deal books.
    let s = scenario(&org(24, 10, ("1", "0", "0"), ""));
    let r = run(&s, 20);
    for t in 0..r.trials {
        assert_eq!(r.totals[t].deals_lost + r.totals[t].deals_no_decision, 0);
        assert!(r.totals[t].deals_won > 0);
        for m in 0..r.horizon {
            let won = r.monthly_value(t, Metric::DealsWon, m);
            let rate = r.monthly_value(t, Metric::RealisedWinRate, m);
            assert!(
                won == 0.0 || rate == 1.0,
                "month {m}: {won} won, rate {rate}"
            );
        }
    }
}

#[test]
fn a_certain_loss_books_nothing() {
    // Correct: with won = 0 no deal books and ARR only churns and expands.
    for outcomes in [("0", "1", "0"), ("0", "0", "1")] {
        let s = scenario(&org(24, 10, outcomes, ""));
        let r = run(&s, 20);
        for t in 0..r.trials {
            assert_eq!(r.totals[t].bookings_usd, 0.0);
            assert_eq!(r.totals[t].deals_won, 0);
            assert!(r.totals[t].deals_lost + r.totals[t].deals_no_decision > 0);
        }
        let sum = summarize(&s, &r, None);
        assert_eq!(sum.horizon.p_hit_plan.unwrap().p, 0.0);
    }
}

#[test]
fn attrition_of_one_empties_every_seat_each_month() {
    // Correct: an annual rate of 1 is a monthly hazard of 1: every rep in seat leaves at the
    // end of each month, so month-end headcount is 0 and departures equal the reps who worked.
    let text = edit(
        &org(12, 10, ("0.25", "0.35", "0.40"), ""),
        "annual_rate = 0.3",
        "annual_rate = 1.0",
    );
    let s = scenario(&text);
    let r = run(&s, 10);
    for t in 0..r.trials {
        let mut working = 10.0;
        for m in 0..r.horizon {
            let v = |k| r.monthly_value(t, k, m) as f64;
            assert_eq!(v(Metric::Headcount), 0.0, "trial {t} month {m}");
            working += v(Metric::Hires);
            assert_eq!(v(Metric::Departures), working, "trial {t} month {m}");
            working = 0.0;
        }
    }
}

/// The largest deal revsim represents, one per rep-month with certainty, over a few years:
/// sums stay exact integers in dollars, with no infinity anywhere.
#[test]
fn the_largest_deals_sum_exactly() {
    let text = r#"
[simulation]
start_month = "2027-01"
horizon_months = 36
[org]
seats = 3
[pipeline]
opportunities_per_rep_month = 2
deal_size_usd = 1e15
cycle_months = 0
[pipeline.outcomes]
won = 1
lost = 0
no_decision = 0
[customers]
monthly_expansion_rate = 0.05
"#;
    let s = scenario(text);
    let r = run(&s, 5);
    for t in 0..r.trials {
        let won = r.totals[t].deals_won as f64;
        assert_eq!(r.totals[t].bookings_usd, won * 1e15, "trial {t}");
        assert!(r.totals[t].ending_arr_usd.is_finite());
        for m in 0..r.horizon {
            for metric in [Metric::NewBookingsUsd, Metric::ArrUsd, Metric::NetNewArrUsd] {
                assert!(r.monthly_value(t, metric, m).is_finite());
            }
        }
    }
}

/// 60 reps winning a $1e15 deal a month each pass i64's $9.2e18 in about 13 years: horizon
/// bookings (and the board's trailing-window sums) are summed in i128, so 50 years do not wrap.
#[test]
fn the_largest_deals_over_50_years_do_not_wrap() {
    let text = r#"
[simulation]
start_month = "2027-01"
horizon_months = 600
[org]
seats = 60
[pipeline]
opportunities_per_rep_month = 4
deal_size_usd = 1e15
cycle_months = 1
[pipeline.outcomes]
won = 0.25
lost = 0.35
no_decision = 0.40
"#;
    let s = scenario(text);
    let r = run(&s, 1);
    let monthly = total(&r, 0, Metric::NewBookingsUsd);
    let horizon = r.totals[0].bookings_usd;
    assert!(horizon > 0.0, "horizon bookings {horizon}");
    // The horizon's exact i128 sum against the recorded months: each month is recorded as an
    // f32, off by at most 2^-24 of itself (all are positive, so their sum by at most 2^-24 of
    // it), and the f64 sums add at most 601 f64 epsilons of it.
    let rounding = (2f64.powi(-24) + 601.0 * f64::EPSILON) * monthly;
    assert!(
        (horizon - monthly).abs() <= rounding,
        "{horizon} vs {monthly}"
    );
}

#[test]
fn deal_sizes_beyond_the_largest_are_refused() {
    // Correct: a clear error, never a silently capped deal.
    for (name, size) in [
        ("deal_size_too_large", "1e16"),
        (
            "deal_size_tail_too_large",
            "{ lognormal = { median = 1e12, p90 = 1e14 } }",
        ),
    ] {
        let text = edit(
            &org(12, 5, ("0.25", "0.35", "0.40"), ""),
            "{ lognormal = { median = 20000, p90 = 60000 } }",
            size,
        );
        let e = Scenario::from_toml(&text, "my-org.toml", "my-org")
            .unwrap_err()
            .to_string();
        insta::assert_snapshot!(name, e);
    }
    let text = org(
        12,
        5,
        ("0.25", "0.35", "0.40"),
        "[[events]]\nmonth = \"2027-06\"\nset = { \"pipeline.deal_size_multiplier\" = 1e300 }",
    );
    let e = Scenario::from_toml(&text, "my-org.toml", "my-org")
        .unwrap_err()
        .to_string();
    insta::assert_snapshot!("price_change_too_large", e);
}

#[test]
fn an_empty_plan_is_a_clear_error_and_an_empty_headcount_plan_keeps_the_seats() {
    let text = edit(
        &org(12, 5, ("0.25", "0.35", "0.40"), ""),
        "[5_000_000]",
        "[]",
    );
    let e = Scenario::from_toml(&text, "my-org.toml", "my-org")
        .unwrap_err()
        .to_string();
    insta::assert_snapshot!("empty_plan", e);
    let s = scenario(&org(
        12,
        5,
        ("0.25", "0.35", "0.40"),
        "[hiring]\nheadcount_plan = []",
    ));
    assert!(s.staffing.seats_by_month.iter().all(|&n| n == 5));
}

#[test]
fn typos_that_would_never_finish_or_overflow_are_refused() {
    // Correct: a clear error at load, never a run that does not end or reports infinity.
    let base = org(12, 5, ("0.25", "0.35", "0.40"), "");
    for (name, from, to) in [
        (
            "opportunities_beyond_a_trial",
            "opportunities_per_rep_month = 3",
            "opportunities_per_rep_month = 4e9",
        ),
        (
            "skill_with_a_vast_spread",
            "[pipeline]",
            "[reps]\nskill = { normal = { mean = 1, sd = 1e300 } }\n[pipeline]",
        ),
        (
            "expansion_beyond_five_percent_a_month",
            "monthly_logo_churn_rate = 0.01",
            "monthly_logo_churn_rate = 0.01\nmonthly_expansion_rate = 1e308",
        ),
        (
            "quota_beyond_the_largest_amount",
            "annual_quota_usd = 400_000",
            "annual_quota_usd = 1e308",
        ),
    ] {
        let text = edit(&base, from, to);
        let e = Scenario::from_toml(&text, "my-org.toml", "my-org")
            .unwrap_err()
            .to_string();
        insta::assert_snapshot!(name, e);
    }
}
