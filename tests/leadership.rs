//! The VP-of-Sales model: tenure bookkeeping, board reviews, and the cost of a transition,
//! against values that can be worked out by hand.

use crate::common;

use common::{Z, Z_ONE_SIDED, edit, mean_se, scenario, small_org};
use revsim::engine::{Results, without_leadership};
use revsim::model::Metric;
use revsim::{Scenario, simulate};

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
    let text = edit(
        &org(),
        "[plan]\nfiscal_year_bookings_usd = [1_440_000]\n",
        "",
    ) + "[leadership]\n[leadership.board_review]\ngrace_months = 3\n";
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
        &edit(
            &toml::to_string(&s.raw).unwrap(),
            "horizon_months = 36",
            "horizon_months = 12",
        ),
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
    // The count of trials with a change is Binomial(4000, 1/2): within Z of its standard
    // deviation sqrt(4000 / 4) of 2000.
    let half = trials as f64 / 2.0;
    assert!(
        (n as f64 - half).abs() < Z * (trials as f64 / 4.0).sqrt(),
        "about half the trials have a change: {n}"
    );
    let (mean, se) = mean_se(&lost);
    let expected = 20.0 * 2.0 * 0.3 * 10_000.0 * 3.0 * 0.5;
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
    // Paired on common random numbers (the two scenarios share the seed): the per-trial
    // differences are independent across trials, and each claim is a one-sided paired test.
    let paired = |f: &dyn Fn(&revsim::model::TrialTotals) -> f64| {
        let d: Vec<f64> = rs
            .totals
            .iter()
            .zip(&rc.totals)
            .map(|(stable, churn)| f(churn) - f(stable))
            .collect();
        mean_se(&d)
    };
    let (more_changes, se) = paired(&|t| t.vp_changes as f64);
    assert!(
        more_changes > Z_ONE_SIDED * se,
        "the impatient board changes VPs more often: {more_changes} more (se {se})"
    );
    // The churning board books less, beyond sampling noise.
    let (m, se) = paired(&|t| -t.bookings_usd);
    assert!(
        m > Z_ONE_SIDED * se,
        "churn should cost bookings: {m:.0} (se {se:.0})"
    );
    // Completed VP tenures, in whole months, pooled over the trials: the share p(x) of them at
    // most x months estimates the pooled distribution F(x). Tenures of one trial share its org
    // and may be correlated, those of different trials are independent: with a_t of trial t's
    // n_t tenures at most x, p(x) = sum a_t / N is a ratio of sums over independent trials, with
    // the standard error sqrt(sum (a_t - p n_t)^2) / N (linearisation). Each trial's tenures come
    // from running that trial alone (a trial does not depend on the others).
    let tenures = |s: &Scenario, r: &Results| {
        let per_trial: Vec<Vec<u64>> = (0..trials)
            .map(|t| revsim::engine::simulate_range(s, t..t + 1, 5, &|_| ()).vp_tenure_completed)
            .collect();
        let mut pooled = vec![0; r.vp_tenure_completed.len()];
        for h in &per_trial {
            for (p, c) in pooled.iter_mut().zip(h) {
                *p += c;
            }
        }
        assert_eq!(
            pooled, r.vp_tenure_completed,
            "the trials run alone hold the run's tenures"
        );
        per_trial
    };
    let share = |per_trial: &[Vec<u64>], x: usize| {
        let counts: Vec<(f64, f64)> = per_trial
            .iter()
            .map(|h| {
                let at_most: u64 = h.iter().take(x + 1).sum();
                (at_most as f64, h.iter().sum::<u64>() as f64)
            })
            .collect();
        let n: f64 = counts.iter().map(|(_, n)| n).sum();
        let p = counts.iter().map(|(a, _)| a).sum::<f64>() / n;
        let var: f64 = counts.iter().map(|(a, m)| (a - p * m).powi(2)).sum();
        (p, var.sqrt() / n)
    };
    let (churn_tenures, stable_tenures) = (tenures(&churn, &rc), tenures(&stable, &rs));
    // The scenario is set up to reproduce Gong's (2018) fall of the median tenure to 19 months
    // (vp-churn.toml). The board acts at quarterly reviews, so "near 19" is within one review
    // period: the median is in 16..=22, that is F(15) < 1/2 <= F(22), each side a one-sided
    // bound at the suite's false-alarm rate.
    let (below, se) = share(&churn_tenures, 15);
    assert!(
        below + Z_ONE_SIDED * se < 0.5,
        "{below} of completed tenures are at most 15 months (se {se}): the median is not above 15"
    );
    let (within, se) = share(&churn_tenures, 22);
    assert!(
        within - Z_ONE_SIDED * se >= 0.5,
        "{within} of completed tenures are at most 22 months (se {se}): the median is above 22"
    );
    // A patient board keeps its VPs longer: fewer of its completed tenures are at most 19
    // months. The runs share their random numbers, so their estimates may be correlated: the
    // difference's standard error is at most the sum of theirs.
    let (churn_share, se_churn) = share(&churn_tenures, 19);
    let (stable_share, se_stable) = share(&stable_tenures, 19);
    assert!(
        churn_share - stable_share > Z_ONE_SIDED * (se_churn + se_stable),
        "tenures of at most 19 months: {churn_share} under the impatient board, \
         {stable_share} under the patient one"
    );
}
