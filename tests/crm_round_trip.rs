//! The round trip synth-crm -> calibrate -> simulate (tier 3): a CRM export that revsim writes
//! from a scenario with known parameters (`tests/fixtures/crm/synthetic/known.toml`, its trial
//! 0 shipped as `history.csv`) is calibrated like a user's file, every fitted parameter must fall
//! within its interval around the known value (at the suite's false-alarm rate of 1e-6 a check,
//! tests/common/mod.rs), and the calibrated fragment, laid over the
//! known scenario, must simulate the known scenario's mean bookings within a bound made of both
//! runs' sampling error and the estimation error of the fit.
//!
//! The intervals come from the design (sample sizes, true parameters) and from standard
//! asymptotics, never from the estimator under test or from tolerances tuned until green. What
//! the export could bias, and how each effect is handled:
//!
//! - **Ramp, attrition, hiring, seasonality: absent.** known.toml has no ramp, no attrition and no
//!   hiring (the same 40 reps for 36 months, all fully productive from month one, no orphaned
//!   deal), no market or inbound: every rep creates Poisson(3) opportunities every month.
//! - **The starting pipeline: left out.** Deals created before the start month are only those
//!   still open at the start (long cycles, over-represented): the fit starts at the start month
//!   (`--created-from`).
//! - **Censoring: absent up to a stated tail.** Deals still open at the export date (the end of
//!   the horizon) are recent cohorts' slow deals. The fit ends `w` months before the export
//!   date, `w` the scenario's warm-up (a deal is still open `w` months after its creation with
//!   probability at most 1e-4, exact from the cycle CDFs), so a deal of the window is missing
//!   only if its cycle exceeds `w`: each share is then off by at most that tail probability, and
//!   each cycle mean by at most E[C; C > w] / (1 - P(C > w)), and both are added to the bounds
//!   (on the shipped export no deal of the window is open, which the test checks, so there the
//!   effect is exactly nil).
//! - **Whole months: accounted for by construction.** The engine decides a deal in month
//!   created + ceil(cycle); synth-crm draws each deal's continuous cycle from the scenario's
//!   cycle distribution conditioned on that whole-month lag and places the dates around it (see
//!   `revsim::synth`), so the exported cycles have the scenario's own distribution and the truth
//!   is the scenario's gamma, not its rounding up (`src/scenario/lags.rs` has the lag pmf, which
//!   the export reproduces month for month: tested in the module).
//! - **Whole days and unequal calendar months: measured.** Dates are cut to whole days and months
//!   have 28 to 31 days, so an observed cycle differs from its drawn one by a day or two. The
//!   test fits the drawn cycles themselves (the synthetic export knows them) against the truth,
//!   and adds to the bound on the exported cycles' fit its measured difference from that fit.
//! - **The active window of a rep: accounted for.** Calibrate counts a rep's months from their
//!   first to their last opportunity; with 3 a month an empty first or last month has chance
//!   e^-3, so the expected window is M - 2 e^-3 / (1 - e^-3) months of M, and the truth for the
//!   rate is 3 M / (M - 2 e^-3 / (1 - e^-3)) (0.5% above 3 for M = 20).
//! - **Reps' own win rates.** Each rep's rate is a Beta draw, so the pooled shares carry the
//!   spread of the 40 draws besides binomial noise: the share variances are beta-binomial.

use std::fs;
use std::path::{Path, PathBuf};

use revsim::Scenario;
use revsim::calendar::YearMonth;
use revsim::calibrate::estimate::{GammaFit, gamma_mle, trigamma};
use revsim::calibrate::fit::Fit;
use revsim::calibrate::fragment::{FragmentOptions, org_fragment};
use revsim::calibrate::{Calibration, FitOptions, calibrate};
use revsim::crm::{Date, History, Outcome, ReadOptions, parse_history};
use revsim::synth::{Status, SynthDeal, SynthExport, SynthOptions, synthesize};
use statrs::function::gamma::gamma_ur;

use crate::common::{FALSE_ALARM, Z};

// The known parameters, as known.toml writes them (checked against the loaded scenario).
const REPS: usize = 40;
const LAMBDA: f64 = 3.0;
const SHARES: [f64; 3] = [0.25, 0.35, 0.40];
const WIN_SD: f64 = 0.08;
const SIZE_MEDIAN: f64 = 30_000.0;
const SIZE_P90: f64 = 84_000.0;
/// The 90th percentile of the standard normal.
const Z90: f64 = 1.281_551_565_544_600_4;
/// Cycle time in months, (mean, sd): won, lost, no decision.
const CYCLES: [(f64, f64); 3] = [(2.5, 1.25), (1.5, 0.9), (4.0, 2.0)];

/// The most the calibrated fragment's rounding moves the expected bookings, relative: the rate to four
/// significant digits, at most 5e-4; the won share to four decimals, 5e-5 / 0.25 = 2e-4; the
/// sizes' median and P90 to the dollar, about 2e-5 each on the lognormal mean; below 1e-3.
const ROUNDING: f64 = 1e-3;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crm/synthetic")
}

fn size_sigma() -> f64 {
    (SIZE_P90 / SIZE_MEDIAN).ln() / Z90
}

/// Gamma (shape, scale) of a (mean, sd).
fn shape_scale((mean, sd): (f64, f64)) -> (f64, f64) {
    let k = (mean / sd).powi(2);
    (k, mean / k)
}

/// known.toml, checked to say what the constants above say.
fn known() -> Scenario {
    let s = Scenario::load(&fixtures().join("known.toml")).unwrap_or_else(|e| panic!("{e}"));
    let p = &s.pipeline;
    assert_eq!(s.staffing.starting_seats as usize, REPS);
    assert_eq!(s.staffing.starting_filled as usize, REPS);
    assert_eq!(p.opportunities_per_rep_month, LAMBDA);
    assert_eq!(p.inbound_opportunities_per_month, 0.0);
    for (got, want) in p.outcomes.iter().zip(SHARES) {
        assert!((got - want).abs() < 1e-12, "{:?}", p.outcomes);
    }
    assert!((s.reps.win_rate.mean() - SHARES[0]).abs() < 1e-12);
    let rel = |a: f64, b: f64| (a / b - 1.0).abs();
    assert!(rel(p.deal_size_usd.quantile(0.5), SIZE_MEDIAN) < 1e-9);
    assert!(rel(p.deal_size_usd.quantile(0.9), SIZE_P90) < 1e-9);
    for (d, c) in p.cycle_months.iter().zip(CYCLES) {
        let (k, theta) = shape_scale(c);
        for x in [0.5, 2.0, 6.0] {
            let want = 1.0 - gamma_ur(k, x / theta);
            assert!((d.cdf(x) - want).abs() < 1e-9, "cycle {c:?} at {x}");
        }
    }
    assert_eq!(s.tenure.ramp(0), 1.0);
    assert!(s.monthly_hazard.iter().all(|h| *h == 0.0));
    s
}

/// The months fitted: from the start month to `w` months before the end of the horizon.
struct Window {
    from: Date,
    until: Date,
    /// Months in the window.
    months: usize,
    /// The warm-up w.
    w: usize,
}

fn first_day(m: YearMonth) -> Date {
    Date::new(m.year(), m.month(), 1).unwrap()
}

fn window(s: &Scenario) -> Window {
    let w = s.pipeline.warm_up_months;
    let months = s.horizon() - w;
    let until = first_day(s.clock.start.plus(months as i32))
        .add_days(-1)
        .unwrap();
    Window {
        from: first_day(s.clock.start),
        until,
        months,
        w,
    }
}

impl Window {
    fn holds(&self, d: &SynthDeal) -> bool {
        d.created >= self.from && d.created <= self.until
    }
}

fn fit(csv: &[u8], win: &Window) -> (History, Calibration) {
    let read = ReadOptions {
        created_from: Some(win.from),
        created_until: Some(win.until),
        ..ReadOptions::default()
    };
    let history = parse_history(csv, "history.csv", &read).unwrap_or_else(|e| panic!("{e}"));
    let cal = calibrate(&history, &FitOptions::default());
    (history, cal)
}

/// The export of trial `trial` of `s`, and its bytes.
fn export(s: &Scenario, trial: u64) -> (SynthExport, Vec<u8>) {
    let x = synthesize(
        s,
        &SynthOptions {
            seed: s.seed,
            trial,
            as_of: None,
            created_from: None,
        },
    )
    .unwrap();
    let mut bytes = Vec::new();
    x.write_history(&mut bytes, true).unwrap();
    (x, bytes)
}

/// P(C > w) for each outcome's cycle C, from the scenario's own CDFs.
fn tails(s: &Scenario, w: usize) -> [f64; 3] {
    [0, 1, 2].map(|o| 1.0 - s.pipeline.cycle_months[o].cdf(w as f64))
}

/// E[C; C > w] / (1 - P(C > w)) for a gamma cycle: kθ Q(k + 1, w / θ) / (1 - Q(k, w / θ)),
/// the most that leaving out the deals longer than w can lower the mean of the others.
fn mean_tail(c: (f64, f64), w: usize) -> f64 {
    let (k, theta) = shape_scale(c);
    k * theta * gamma_ur(k + 1.0, w as f64 / theta) / (1.0 - gamma_ur(k, w as f64 / theta))
}

/// The variance of the pooled share of outcome o when each rep's chance of it is a + b p_i,
/// p_i their Beta win rate with sd `WIN_SD`: given rep i's n_i closed deals, their count of it
/// has variance n_i q (1 - q) + n_i (n_i - 1) b^2 tau^2.
fn share_variance(closed: &[f64], o: usize) -> f64 {
    let l = SHARES[1] / (SHARES[1] + SHARES[2]);
    let b = [1.0, -l, -(1.0 - l)][o];
    let q = SHARES[o];
    let total: f64 = closed.iter().sum();
    closed
        .iter()
        .map(|n| n * q * (1.0 - q) + n * (n - 1.0) * b * b * WIN_SD * WIN_SD)
        .sum::<f64>()
        / (total * total)
}

/// The truth for opportunities per active rep-month over a window of `months` (see the module
/// docs).
fn rate_truth(months: usize) -> f64 {
    let empty = (-LAMBDA).exp() / (1.0 - (-LAMBDA).exp());
    LAMBDA * months as f64 / (months as f64 - 2.0 * empty)
}

/// Standard error of a gamma MLE's shape and mean at the true values.
fn gamma_se(c: (f64, f64), n: usize) -> (f64, f64) {
    let (k, _) = shape_scale(c);
    let n = n as f64;
    ((k / (n * (k * trigamma(k) - 1.0))).sqrt(), c.1 / n.sqrt())
}

fn within(what: &str, estimate: f64, truth: f64, bound: f64, lines: &mut Vec<String>) {
    lines.push(format!(
        "{what}: {estimate:.4} against {truth:.4} (bound ±{bound:.4})"
    ));
    assert!(
        (estimate - truth).abs() <= bound,
        "{what}: estimate {estimate}, true {truth}, outside ±{bound}"
    );
}

#[test]
fn the_shipped_export_is_trial_0_of_the_known_scenario() {
    let s = known();
    let (_, bytes) = export(&s, 0);
    let shipped = fs::read(fixtures().join("history.csv")).unwrap();
    assert!(
        bytes == shipped,
        "tests/fixtures/crm/synthetic/history.csv is not what revsim writes from known.toml: if the \
         change is intended (a new results version), regenerate it with `revsim synth-crm \
         tests/fixtures/crm/synthetic/known.toml --out tests/fixtures/crm/synthetic/history.csv --force`"
    );
}

#[test]
fn calibrating_the_shipped_export_recovers_the_known_parameters() {
    let s = known();
    let win = window(&s);
    assert_eq!((win.w, win.months), (16, 20), "the window the docs quote");
    let (history, cal) = fit(&fs::read(fixtures().join("history.csv")).unwrap(), &win);
    let (x, _) = export(&s, 0);
    // The window is the one synth-crm suggests.
    assert_eq!(x.settled_until, Some(win.until));
    assert_eq!(x.settle_months, win.w);
    let in_window: Vec<&SynthDeal> = x.deals.iter().filter(|d| win.holds(d)).collect();
    let f = &cal.org;
    let c = f.counts;
    let mut lines = Vec::new();

    // What was read: every deal created in the window, none still open, 40 owners.
    assert_eq!(c.created, in_window.len());
    assert_eq!(
        c.open, 0,
        "no deal of the window is open: censoring is absent"
    );
    assert_eq!(f.reps.len(), REPS);
    assert!(history.outside_window > 0);

    let closed: Vec<f64> = f.reps.iter().map(|r| r.closed as f64).collect();
    check_outcome_shares(f, &closed, &mut lines);

    // Deal size: lognormal MLE on won amounts; se(mu) = sigma / sqrt(n), se(sigma) = sigma /
    // sqrt(2n). Amounts are whole dollars: at $30,000 a cut of at most 50 cents, 2e-5 on the log.
    let size = f.deal_size.as_ref().unwrap().lognormal.unwrap();
    let n = size.n as f64;
    let sigma = size_sigma();
    within(
        "deal size mu",
        size.mu,
        SIZE_MEDIAN.ln(),
        Z * sigma / n.sqrt() + 2e-5,
        &mut lines,
    );
    within(
        "deal size sigma",
        size.sigma,
        sigma,
        Z * sigma / (2.0 * n).sqrt() + 2e-5,
        &mut lines,
    );
    // Lost and no-decision deals have the won deals' size distribution: the two-sample test's
    // p-value, uniform under that null, is not below the false-alarm rate.
    assert_eq!(f.size_by_outcome.len(), 2, "lost and no-decision deals");
    for other in &f.size_by_outcome {
        assert!(other.ks.p_value > FALSE_ALARM, "{other:?}");
    }

    check_cycle_times(f, &in_window, &mut lines);

    // The spread of reps' true win rates: the design-based standard error of
    // tests/calibrate_recovery.rs (method of moments, which maximum likelihood can only
    // improve on): V = tau^2 + (mu (1 - mu) - tau^2) / n has se V sqrt(2 / (R - 1)).
    let bb = f.rep_win_rates.unwrap();
    let r = REPS as f64;
    let nbar = closed.iter().sum::<f64>() / r;
    let mu = SHARES[0];
    let tau2 = WIN_SD * WIN_SD;
    let v = tau2 + (mu * (1.0 - mu) - tau2) / nbar;
    let se_tau = v * (2.0 / (r - 1.0)).sqrt() * nbar / (nbar - 1.0) / (2.0 * WIN_SD);
    within(
        "sd of reps' true win rates",
        bb.sd,
        WIN_SD,
        Z * se_tau,
        &mut lines,
    );
    within(
        "mean of reps' true win rates",
        bb.mean,
        mu,
        Z * (v / r).sqrt(),
        &mut lines,
    );
    // (That the estimate corrects the raw spread for binomial noise is shown over many exports
    // in tests/calibrate_recovery.rs: one export cannot show it at the suite's rate.)

    // Opportunities per rep-month: Poisson, se sqrt(rate / rep-months).
    let cr = f.creation.unwrap();
    let truth = rate_truth(win.months);
    within(
        "opportunities per rep-month",
        cr.rate,
        truth,
        Z * (truth / cr.rep_months as f64).sqrt(),
        &mut lines,
    );
    // Poisson counts: the dispersion test's p-value, uniform under that null, is not below the
    // false-alarm rate.
    assert!(cr.dispersion_p.unwrap() > FALSE_ALARM, "{cr:?}");

    // For `cargo test -- --nocapture` (docs/synthetic-crm.md quotes them).
    eprintln!(
        "round trip, {} closed deals of the window ({} won):\n  {}",
        c.closed,
        c.won,
        lines.join("\n  ")
    );
}

/// Outcome shares (beta-binomial variance over reps, with `closed` deals each), and lost among
/// non-won deals (plain binomial).
fn check_outcome_shares(f: &Fit, closed: &[f64], lines: &mut Vec<String>) {
    let shares = f.outcomes.unwrap();
    for (o, (name, got)) in [
        ("won share", shares.won),
        ("lost share", shares.lost),
        ("no-decision share", shares.no_decision),
    ]
    .into_iter()
    .enumerate()
    {
        let se = share_variance(closed, o).sqrt();
        within(name, got, SHARES[o], Z * se, lines);
    }
    // Lost among non-won deals is plain binomial.
    let non_won = (f.counts.lost + f.counts.no_decision) as f64;
    let l = SHARES[1] / (SHARES[1] + SHARES[2]);
    within(
        "lost share of non-won",
        f.counts.lost as f64 / non_won,
        l,
        Z * (l * (1.0 - l) / non_won).sqrt(),
        lines,
    );
}

/// Cycle times by outcome: the drawn cycles themselves against the truth, then calibrate's
/// fit of the dates against the truth with the calendar's measured effect added.
fn check_cycle_times(f: &Fit, in_window: &[&SynthDeal], lines: &mut Vec<String>) {
    for (o, outcome) in Outcome::CLOSED.into_iter().enumerate() {
        let fitted = f.cycle(outcome).unwrap().gamma.unwrap();
        let status = [Status::Won, Status::Lost, Status::NoDecision][o];
        let drawn: Vec<f64> = in_window
            .iter()
            .filter(|d| d.status == status)
            .map(|d| d.cycle_months.unwrap())
            .collect();
        assert_eq!(drawn.len(), fitted.n);
        let exact: GammaFit = gamma_mle(&drawn).unwrap();
        let (se_k, se_mean) = gamma_se(CYCLES[o], fitted.n);
        let (k, _) = shape_scale(CYCLES[o]);
        let name = format!("{outcome:?}");
        within(
            &format!("{name} cycle shape (drawn)"),
            exact.shape,
            k,
            Z * se_k,
            lines,
        );
        within(
            &format!("{name} cycle mean (drawn)"),
            exact.mean,
            CYCLES[o].0,
            Z * se_mean,
            lines,
        );
        let calendar_k = (fitted.shape - exact.shape).abs();
        let calendar_mean = (fitted.mean - exact.mean).abs();
        // The mean of the day-cut cycles moves by at most the largest single difference.
        let largest = in_window
            .iter()
            .filter(|d| d.status == status)
            .map(|d| {
                (d.close.unwrap().days_since(d.created) as f64 / 30.4375 - d.cycle_months.unwrap())
                    .abs()
            })
            .fold(0.0, f64::max);
        assert!(calendar_mean <= largest, "{calendar_mean} > {largest}");
        within(
            &format!("{name} cycle shape (export)"),
            fitted.shape,
            k,
            Z * se_k + calendar_k,
            lines,
        );
        within(
            &format!("{name} cycle mean (export)"),
            fitted.mean,
            CYCLES[o].0,
            Z * se_mean + calendar_mean,
            lines,
        );
        lines.push(format!(
            "  calendar effect on {name}: shape {calendar_k:.4}, mean {calendar_mean:.4} months; largest single cycle moved {:.1} days",
            largest * 30.4375
        ));
    }
}

#[test]
fn exports_of_many_trials_are_unbiased() {
    // Thirty other trials of the same scenario, each exported, read and fitted as above: the
    // mean of each estimate over the trials must be within Z standard errors of the truth, the
    // standard error of a mean of independent fits (sqrt(sum se_k^2) / K), plus the censoring
    // allowance. Thirty times the data of one export: a bias of Z / sqrt(30) = 0.9 of one
    // export's standard error (the calendar's, say) would show here.
    let s = known();
    let win = window(&s);
    let tail = tails(&s, win.w);
    let share_tail = tail.iter().copied().fold(0.0, f64::max);
    const K: u64 = 30;
    // (estimate, se^2) sums: won, lost, no-decision shares; mu, sigma; cycle means x 3; rate.
    let mut sums = [(0.0, 0.0); 9];
    for trial in 1..=K {
        let (_, bytes) = export(&s, trial);
        let (_, cal) = fit(&bytes, &win);
        let f = &cal.org;
        let closed: Vec<f64> = f.reps.iter().map(|r| r.closed as f64).collect();
        let shares = f.outcomes.unwrap();
        let got = [shares.won, shares.lost, shares.no_decision];
        for o in 0..3 {
            sums[o].0 += got[o];
            sums[o].1 += share_variance(&closed, o);
        }
        let size = f.deal_size.as_ref().unwrap().lognormal.unwrap();
        let sigma = size_sigma();
        let n = size.n as f64;
        sums[3].0 += size.mu;
        sums[3].1 += sigma * sigma / n;
        // The divisor-n sigma is low by about 3 sigma / (4n) (JKB ch. 14): added back.
        sums[4].0 += size.sigma + 0.75 * sigma / n;
        sums[4].1 += sigma * sigma / (2.0 * n);
        for (o, outcome) in Outcome::CLOSED.into_iter().enumerate() {
            let g = f.cycle(outcome).unwrap().gamma.unwrap();
            sums[5 + o].0 += g.mean;
            sums[5 + o].1 += gamma_se(CYCLES[o], g.n).1.powi(2);
        }
        let cr = f.creation.unwrap();
        sums[8].0 += cr.rate;
        sums[8].1 += rate_truth(win.months) / cr.rep_months as f64;
    }
    let k = K as f64;
    let truths = [
        (SHARES[0], share_tail),
        (SHARES[1], share_tail),
        (SHARES[2], share_tail),
        (SIZE_MEDIAN.ln(), 2e-5),
        (size_sigma(), 2e-5),
        (CYCLES[0].0, mean_tail(CYCLES[0], win.w)),
        (CYCLES[1].0, mean_tail(CYCLES[1], win.w)),
        (CYCLES[2].0, mean_tail(CYCLES[2], win.w)),
        (rate_truth(win.months), 0.0),
    ];
    let names = [
        "won share",
        "lost share",
        "no-decision share",
        "deal size mu",
        "deal size sigma",
        "won cycle mean",
        "lost cycle mean",
        "no-decision cycle mean",
        "opportunities per rep-month",
    ];
    let mut lines = Vec::new();
    for ((name, (sum, var)), (truth, allowance)) in names.iter().zip(sums).zip(truths) {
        within(
            &format!("mean {name} over {K} exports"),
            sum / k,
            truth,
            Z * var.sqrt() / k + allowance,
            &mut lines,
        );
    }
    eprintln!("{}", lines.join("\n"));
}

#[test]
fn the_calibrated_fragment_simulates_the_known_bookings() {
    let s = known();
    let win = window(&s);
    let (history, cal) = fit(&fs::read(fixtures().join("history.csv")).unwrap(), &win);
    let tmp = tempfile::tempdir().unwrap();
    let base = fixtures().join("known.toml");
    let fragment = org_fragment(
        &history,
        &cal,
        &FragmentOptions {
            extends: Some(base.display().to_string().replace('\\', "/")),
            name: Some("calibrated".into()),
        },
    );
    let path = tmp.path().join("calibrated.toml");
    fs::write(&path, &fragment).unwrap();
    let c = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}\n{fragment}"));
    // It carries the fit (to the fragment's rounding, see ROUNDING) over the known org.
    let f = &cal.org;
    let rate = f.creation.unwrap().rate;
    assert!((c.pipeline.opportunities_per_rep_month / rate - 1.0).abs() <= 5e-4);
    assert!((c.pipeline.outcomes[0] - f.outcomes.unwrap().won).abs() <= 5e-5 + 1e-12);
    assert_eq!(c.staffing.starting_seats as usize, REPS);
    assert_eq!(c.pipeline.inbound_opportunities_per_month, 0.0);

    // Expected bookings over the horizon of a scenario like these (constant reps, no ramp,
    // steady-state starting pipeline): a month's won deals are created at the rate
    // R lambda won, each books its expected size, and those created in month t are decided in
    // month t + L, so the deals of months -w.. that book within the horizon give
    // E = R lambda won E[size] sum_m P(L <= m + w), exactly.
    let expected = |s: &Scenario| {
        let p = &s.pipeline;
        let w = p.warm_up_months;
        let pmf = &p.lags[0].pmf;
        let months: f64 = (0..s.horizon())
            .map(|m| pmf[..=m + w].iter().sum::<f64>())
            .sum();
        REPS as f64
            * p.opportunities_per_rep_month
            * p.outcomes[0]
            * p.deal_size_usd.mean()
            * months
    };
    let trials = s.trials as usize;
    let seed = s.seed;
    let bookings = |s: &Scenario| -> Vec<f64> {
        revsim::simulate(s, trials, seed, &|_| ())
            .totals
            .iter()
            .map(|t| t.bookings_usd)
            .collect()
    };
    let (bk, bc) = (bookings(&s), bookings(&c));
    let n = trials as f64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let se = |v: &[f64]| {
        let m = mean(v);
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
    };
    let mut lines = Vec::new();
    // Each simulator run agrees with its own scenario's expectation (sampling error only).
    let (ek, ec) = (expected(&s), expected(&c));
    within(
        "known: mean bookings",
        mean(&bk),
        ek,
        Z * se(&bk),
        &mut lines,
    );
    within(
        "calibrated: mean bookings",
        mean(&bc),
        ec,
        Z * se(&bc),
        &mut lines,
    );

    // The calibrated expectation against the known one: it moves with the estimates of
    // lambda won (together the won deals per rep-month, W / rep-months: relative variance
    // 1 / W from Poisson counts plus tau^2 / (R won^2) from the 40 reps' own rates) and of the
    // lognormal mean exp(mu + sigma^2 / 2) (relative variance sigma^2 / n + sigma^4 / (2n)).
    // The rate estimate is also high by the active-window factor (module docs), so the
    // calibrated expectation is centred on the known one times that factor. Cycle times do
    // not enter (with a steady-state start, bookings do not depend on them, up to the 1e-4
    // tail) nor does the spread of rates (a mean of Beta draws is the won share whatever
    // their spread); the fragment's rounding is below ROUNDING of it.
    let w_deals = f.counts.won as f64;
    let sigma = size_sigma();
    let r = REPS as f64;
    let rel_var = 1.0 / w_deals
        + WIN_SD * WIN_SD / (r * SHARES[0] * SHARES[0])
        + sigma * sigma / w_deals
        + sigma.powi(4) / (2.0 * w_deals);
    let centre = ek * rate_truth(win.months) / LAMBDA;
    within(
        "calibrated against known expectation",
        ec,
        centre,
        Z * centre * rel_var.sqrt() + ROUNDING * centre,
        &mut lines,
    );
    // And the two simulations trial by trial (common random numbers: the paired differences'
    // standard error), with the estimation error of the fit.
    let diffs: Vec<f64> = bc.iter().zip(&bk).map(|(c, k)| c - k).collect();
    within(
        "simulated bookings, calibrated minus known",
        mean(&diffs),
        centre - ek,
        Z * (se(&diffs).powi(2) + (centre * rel_var.sqrt()).powi(2)).sqrt() + ROUNDING * centre,
        &mut lines,
    );
    lines.push(format!(
        "known mean ${:.3}M, calibrated ${:.3}M ({:+.2}%); estimation se {:.2}%",
        mean(&bk) / 1e6,
        mean(&bc) / 1e6,
        (mean(&bc) / mean(&bk) - 1.0) * 100.0,
        rel_var.sqrt() * 100.0
    ));
    eprintln!("{}", lines.join("\n"));
}

/// docs/synthetic-crm.md quotes the commands' real output on the fixture; it must stay true.
#[test]
fn the_docs_quote_real_output() {
    use assert_cmd::Command;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = fs::read_to_string(root.join("docs/synthetic-crm.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let a = Command::cargo_bin("revsim")
        .unwrap()
        .current_dir(tmp.path())
        .arg("synth-crm")
        .arg(fixtures().join("known.toml"))
        .args(["--out", "history.csv"])
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    assert!(docs.contains(&printed), "the docs should quote:\n{printed}");
    let a = Command::cargo_bin("revsim")
        .unwrap()
        .current_dir(root)
        .args([
            "calibrate",
            "tests/fixtures/crm/synthetic/history.csv",
            "--created-from",
            "2024-01-01",
            "--created-until",
            "2025-08-31",
            "--extends",
            "tests/fixtures/crm/synthetic/known.toml",
            "--out",
        ])
        .arg(tmp.path().join("fit"))
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    let summary = printed.split("\nWrote ").next().unwrap();
    assert!(docs.contains(summary), "the docs should quote:\n{summary}");
    // The table's figures are the fit's.
    let (_, cal) = fit(
        &fs::read(fixtures().join("history.csv")).unwrap(),
        &window(&known()),
    );
    let f = &cal.org;
    let shares = f.outcomes.unwrap();
    let size = f.deal_size.as_ref().unwrap().lognormal.unwrap();
    for row in [
        format!("| won share | {:.4} |", shares.won),
        format!(
            "| deal size mu (ln median) | {:.3} (${}) |",
            size.mu,
            fmt_usd(size.median)
        ),
        format!(
            "| opportunities per rep-month | {:.3} |",
            f.creation.unwrap().rate
        ),
    ] {
        assert!(docs.contains(&row), "the docs should show {row}");
    }
}

fn fmt_usd(v: f64) -> String {
    let s = format!("{}", v.round() as i64);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
