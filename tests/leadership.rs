//! The VP-of-Sales model: tenure bookkeeping, board reviews, and the cost of a transition,
//! against values that can be worked out by hand.

use crate::common;

use common::{scenario, small_org};
use revsim::engine::{Results, without_leadership};
use revsim::model::Metric;
use revsim::{Scenario, simulate};

const Z: f64 = 4.0;

/// The small org over 36 months with a plan of its expected bookings, $1.44M a year.
fn org() -> String {
    small_org(36) + "[plan]\nfiscal_year_bookings_usd = [1_440_000]\n"
}

fn with(extra: &str) -> Scenario {
    scenario(&format!("{}{extra}", org()))
}

fn zero_phases(search_months: f64, effort: f64) -> String {
    format!(
        r#"
[leadership.transition.search]
months = {search_months}
effort_multiplier = {effort}
[leadership.transition.diagnosis]
months = 0
[leadership.transition.rollout]
months = 0
[leadership.transition.reonboarding]
months = 0
[leadership.initiative]
win_rate_lift = 1
"#
    )
}

fn run(s: &Scenario, trials: usize) -> Results {
    simulate(s, trials, 21, &|_| ())
}

#[test]
fn fixed_tenures_give_a_change_every_tenure() {
    // A VP lasts exactly 6 months and is replaced at once: changes at the ends of months
    // 5, 11, ..., 35: six per trial, each completed tenure 6 months, no VP left running... except
    // the one who arrives in month 36, which is past the horizon.
    let s = with(&format!(
        "[leadership]\nstarting_vp_tenure_months = 0\ntenure_months = 6\n{}",
        zero_phases(0.0, 1.0)
    ));
    let r = run(&s, 50);
    for t in &r.totals {
        assert_eq!(t.vp_changes, 6);
        assert_eq!(t.vp_transition_months, 0);
    }
    assert_eq!(
        r.vp_tenure_completed[6], 300,
        "every completed tenure is 6 months"
    );
    assert_eq!(r.vp_tenure_completed.iter().sum::<u64>(), 300);
    for trial in 0..50 {
        for m in 0..36 {
            let changed = r.monthly_value(trial, Metric::VpChanges, m);
            assert_eq!(
                changed,
                if m % 6 == 5 { 1.0 } else { 0.0 },
                "trial {trial} month {m}"
            );
        }
    }
}

#[test]
fn a_board_that_always_fails_the_vp_replaces_them_at_every_review() {
    // Plan far above reach, replacement certain, first review at 3 months: the VP in seat at
    // the start (2 months in) goes at the end of month 0; each successor after 3 months.
    let s = with(&format!(
        "[leadership]\nstarting_vp_tenure_months = 2\n[leadership.board_review]\ngrace_months = 3\nevery_months = 3\ntrailing_months = 3\nmin_share_of_plan = 100\nreplacement_probability = 1\n{}",
        zero_phases(0.0, 1.0)
    ));
    let r = run(&s, 20);
    for t in &r.totals {
        // Ends of months 0, 3, 6, ..., 33: 12 changes.
        assert_eq!(t.vp_changes, 12);
    }
    assert_eq!(r.vp_tenure_completed[3], 20 * 12);
    assert_eq!(
        r.vp_tenure_running[2], 20,
        "each trial ends with a VP 2 months in (months 34-35)"
    );
}

#[test]
fn a_board_review_without_a_plan_is_an_error() {
    let text = org().replace("[plan]\nfiscal_year_bookings_usd = [1_440_000]\n", "")
        + "[leadership]\n[leadership.board_review]\ngrace_months = 3\n";
    let e = Scenario::from_toml(&text, "test.toml", "test")
        .unwrap_err()
        .to_string();
    assert!(e.contains("no [plan]") && e.contains("test.toml:"), "{e}");
}

#[test]
fn a_transition_costs_the_expected_bookings() {
    // One change at the end of month 5; a 3-month search with effort m = 0.5 (own opportunities
    // halved), no other phase, no initiative: expected loss = N lambda p S k (1 - m)
    // = 20 x 2 x 0.3 x 10,000 x 3 x 0.5 = $180,000. Over 12 months a new VP (arriving in month
    // 9) cannot leave again.
    let s = with(&format!(
        "[leadership]\nstarting_vp_tenure_months = 0\ntenure_months = {{ discrete = {{ values = [6, 100], probabilities = [0.5, 0.5] }} }}\n{}",
        zero_phases(3.0, 0.5)
    ));
    let s = Scenario::from_toml(
        &toml::to_string(&s.raw)
            .unwrap()
            .replace("horizon_months = 36", "horizon_months = 12"),
        "test.toml",
        "test",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.horizon(), 12);
    let trials = 4000;
    let r = simulate(&s, trials, 22, &|_| ());
    let calm = without_leadership(&s, trials, 22, &|_| ()).expect("has a VP model");
    // The starting VP's tenure is 6 or 100 months; only trials where it is 6 have a change.
    let (mut lost, mut n) = (Vec::new(), 0);
    for (t, c) in r.totals.iter().zip(&calm.totals) {
        if t.vp_changes == 1 {
            lost.push(c.bookings_usd - t.bookings_usd);
            n += 1;
        } else {
            assert_eq!(t.vp_changes, 0);
            assert_eq!(
                t.bookings_usd, c.bookings_usd,
                "no change, no difference: same random numbers"
            );
        }
    }
    assert!(n > trials / 3, "about half the trials have a change");
    let mean = lost.iter().sum::<f64>() / n as f64;
    let sd = (lost.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt();
    let expected = 20.0 * 2.0 * 0.3 * 10_000.0 * 3.0 * 0.5;
    let se = sd / (n as f64).sqrt();
    assert!(
        (mean - expected).abs() < Z * se,
        "lost {mean:.0}, expected {expected} +- {:.0}",
        Z * se
    );
    let in_transition: f64 = r
        .totals
        .iter()
        .map(|t| t.vp_transition_months as f64)
        .sum::<f64>()
        / n as f64;
    assert_eq!(in_transition, 3.0, "three months of search per change");
}

#[test]
fn the_death_spiral_costs_bookings_and_shortens_tenures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let load = |n: &str| Scenario::load(&dir.join(n)).unwrap_or_else(|e| panic!("{e}"));
    let (churn, stable) = (load("vp-churn.toml"), load("vp-stable.toml"));
    let trials = 1000;
    let (rc, rs) = (
        simulate(&churn, trials, 5, &|_| ()),
        simulate(&stable, trials, 5, &|_| ()),
    );
    let mean = |r: &Results, f: &dyn Fn(&revsim::model::TrialTotals) -> f64| {
        r.totals.iter().map(f).sum::<f64>() / trials as f64
    };
    assert!(mean(&rc, &|t| t.vp_changes as f64) > mean(&rs, &|t| t.vp_changes as f64));
    // Paired on common random numbers: the churning board books less, beyond sampling noise.
    let diffs: Vec<f64> = rs
        .totals
        .iter()
        .zip(&rc.totals)
        .map(|(a, b)| a.bookings_usd - b.bookings_usd)
        .collect();
    let m = diffs.iter().sum::<f64>() / trials as f64;
    let sd = (diffs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (trials - 1) as f64).sqrt();
    assert!(
        m > Z * sd / (trials as f64).sqrt(),
        "churn should cost bookings: {m:.0} +- {sd:.0}"
    );
    let median = |h: &[u64]| revsim::stats::HistogramSummary::of(h).unwrap().p50;
    let churn_median = median(&rc.vp_tenure_completed);
    assert!(
        (15.0..=23.0).contains(&churn_median),
        "completed VP tenure median {churn_median}, ~19 expected"
    );
    assert!(median(&rs.vp_tenure_completed) > churn_median);
}
