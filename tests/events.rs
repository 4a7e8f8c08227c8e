//! The events timeline: parameters set or ramped from a month on, hiring freezes, layoffs and
//! forced VP changes, each checked where its effect can be worked out exactly.

use crate::common;

use common::{Z, Z_ONE_SIDED, mean_se, scenario, small_org};
use revsim::engine::Results;
use revsim::model::Metric;
use revsim::{Scenario, simulate};

fn with(extra: &str) -> Scenario {
    scenario(&format!("{}{extra}", small_org(12)))
}

fn run(s: &Scenario) -> Results {
    simulate(s, 300, 31, &|_| ())
}

#[test]
fn a_price_change_moves_every_deal_from_its_month() {
    let r = run(&with(
        "[[events]]\nmonth = \"2027-07\"\nset = { \"pipeline.deal_size_multiplier\" = 1.1 }\n",
    ));
    for t in 0..r.trials {
        for m in 0..12 {
            let (booked, won) = (
                r.monthly_value(t, Metric::NewBookingsUsd, m),
                r.monthly_value(t, Metric::DealsWon, m),
            );
            let price = if m >= 6 { 11_000.0 } else { 10_000.0 };
            assert_eq!(booked, won * price, "trial {t} month {m}");
        }
    }
}

#[test]
fn more_opportunities_from_a_month_on() {
    // Opportunities per rep-month 2 -> 4 from July: E[wins] 12 -> 24 a month.
    let r = run(&with(
        "[[events]]\nmonth = \"2027-07\"\nset = { \"pipeline.opportunities_per_rep_month\" = 4 }\n",
    ));
    let mean = |months: std::ops::Range<usize>| {
        let n = (r.trials * months.len()) as f64;
        (0..r.trials)
            .flat_map(|t| months.clone().map(move |m| (t, m)))
            .map(|(t, m)| r.monthly_value(t, Metric::DealsWon, m) as f64)
            .sum::<f64>()
            / n
    };
    // Poisson counts, independent across trials and months (cycle 0: every deal is decided in
    // its creation month): the mean over n trial-months has standard error sqrt(mean / n).
    let (before, after) = (mean(0..6), mean(6..12));
    let n = (r.trials * 6) as f64;
    assert!(
        (before - 12.0).abs() < Z * (12.0 / n).sqrt(),
        "before {before}"
    );
    assert!(
        (after - 24.0).abs() < Z * (24.0 / n).sqrt(),
        "after {after}"
    );
}

#[test]
fn a_hiring_freeze_stops_starts_and_requisitions_wait() {
    let s = with(
        "[attrition]\nannual_rate = 0.5\n[[events]]\nmonth = \"2027-05\"\nhiring_freeze_months = 3\n",
    );
    let r = run(&s);
    for t in 0..r.trials {
        for m in 4..7 {
            assert_eq!(
                r.monthly_value(t, Metric::Hires, m),
                0.0,
                "trial {t} month {m}"
            );
        }
    }
    // The backlog starts when the freeze ends: month 7 hires more than the same org without a
    // freeze does (same seed, so trial t of one run is paired with trial t of the other; a
    // one-sided paired test at the suite's false-alarm rate).
    let calm = run(&with("[attrition]\nannual_rate = 0.5\n"));
    let d: Vec<f64> = (0..r.trials)
        .map(|t| {
            f64::from(r.monthly_value(t, Metric::Hires, 7))
                - f64::from(calm.monthly_value(t, Metric::Hires, 7))
        })
        .collect();
    let (more, se) = mean_se(&d);
    assert!(
        more > Z_ONE_SIDED * se,
        "the backlog starts when the freeze ends: {more} more hires (se {se})"
    );
}

#[test]
fn a_layoff_cuts_reps_and_seats() {
    let s = with("[[events]]\nmonth = \"2027-03\"\nlayoff = { reps = 5, who = \"random\" }\n");
    let r = run(&s);
    for t in 0..r.trials {
        for m in 0..12 {
            let expected = if m >= 2 { 15.0 } else { 20.0 };
            assert_eq!(
                r.monthly_value(t, Metric::Headcount, m),
                expected,
                "trial {t} month {m}"
            );
            assert_eq!(
                r.monthly_value(t, Metric::VacantSeats, m),
                0.0,
                "cut seats are not vacant seats"
            );
        }
        assert_eq!(r.monthly_value(t, Metric::Departures, 2), 5.0);
    }
}

#[test]
fn lowest_performers_go_first() {
    // Skill 0 for some reps: with 20 reps and a strongly skewed skill, the laid-off reps are the
    // ones with the lowest trailing bookings, so bookings per remaining rep rise.
    let s = with(
        "[reps]\nskill_top_20pct_share = 0.7\n[[events]]\nmonth = \"2027-06\"\nlayoff = { reps = 10 }\n",
    );
    let r = run(&s);
    let per_rep = |t: usize, m: usize| {
        r.monthly_value(t, Metric::OpportunitiesCreated, m) as f64
            / r.monthly_value(t, Metric::Headcount, m - 1) as f64
    };
    // Within each trial, month 8 (after the layoff) against month 3 (before): the differences
    // are independent across trials; their mean must exceed Z_ONE_SIDED standard errors.
    let d: Vec<f64> = (0..r.trials)
        .map(|t| per_rep(t, 8) - per_rep(t, 3))
        .collect();
    let (rise, se) = mean_se(&d);
    assert!(
        rise > Z_ONE_SIDED * se,
        "opportunities per rep should rise after cutting the weakest half: {rise} (se {se})"
    );
}

#[test]
fn a_forced_vp_change_happens_in_its_month() {
    let s = with("[leadership]\n[[events]]\nmonth = \"2027-04\"\nforce_vp_change = true\n");
    let r = run(&s);
    for t in 0..r.trials {
        assert_eq!(r.monthly_value(t, Metric::VpChanges, 3), 1.0);
        assert_eq!(r.totals[t].vp_changes, 1);
    }
}

#[test]
fn events_are_checked_at_their_line() {
    let bad = |extra: &str| {
        Scenario::from_toml(
            &format!("{}{extra}", small_org(12)),
            "events.toml",
            "events",
        )
        .unwrap_err()
        .to_string()
    };
    let e = bad(
        "[[events]]\nmonth = \"2027-07\"\nset = { \"pipeline.oportunities_per_rep_month\" = 4 }\n",
    );
    assert!(
        e.contains("events.toml:")
            && e.contains("did you mean `pipeline.opportunities_per_rep_month`?"),
        "{e}"
    );
    let e = bad("[[events]]\nmonth = \"2029-07\"\nhiring_freeze_months = 2\n");
    assert!(e.contains("outside the horizon"), "{e}");
    // At the month's line, not the `[[events]]` header.
    assert!(
        e.contains("month = \"2029-07\"\n") || e.contains("| month = "),
        "{e}"
    );
    assert!(!e.contains("| [[events]]"), "{e}");
    // A key path left unquoted is a nested table: the help says to quote it.
    let e = bad(
        "[[events]]\nmonth = \"2027-07\"\nset = { pipeline.opportunities_per_rep_month = 4 }\n",
    );
    assert!(
        e.contains("expected a number")
            && e.contains("set = { \"pipeline.opportunities_per_rep_month\" = 4 }"),
        "{e}"
    );
    let e = bad("[[events]]\nmonth = \"2027-07\"\nset = { \"attrition.annual_rate\" = 3 }\n");
    assert!(e.contains("outside the allowed range 0 to 1"), "{e}");
    let e = bad("[[events]]\nmonth = \"2027-07\"\nforce_vp_change = true\n");
    assert!(e.contains("needs the VP model"), "{e}");
}
