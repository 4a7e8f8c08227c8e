//! The calibration proof (tier 3; issue 18, item 5): forecasts made by the backtest machinery
//! from histories whose truth is known hold their 80% intervals 80% of the time and put the
//! actuals at the 50th percentile on average, each figure within a bound derived from the
//! number of histories at the suite's false-alarm rate (tests/common/mod.rs), never tuned.
//!
//! **One history.** 24 months of a small org's opportunities and the 6 months after them,
//! dated, as a CRM export. The forecast is the backtest's (`revsim::backtest::run_origin`) from
//! the origin after month 24: it fits the pipeline from what was known on the origin's first
//! day (`revsim calibrate`'s fit, which writes each estimate's error as a belief), starts from
//! the deals open then, takes the rest of the org from a base and simulates [`TRIALS`] trials of
//! the next 6 months; each month's new bookings and the 6-month total are scored against the
//! export's actual bookings: whether they fell inside P10-P90, and their percentile (the PIT,
//! here from 0 to 1). The base states exactly the org facts an export cannot show, as the
//! truths have them: no ramp, attrition, hiring or skill spread. Whatever is miscalibrated is
//! then the fit's or the engine's. Each history has seeds of its own (its truth, its export,
//! its forecast), so histories are independent.
//!
//! **(a) Over a prior of orgs** ([`forecasts_are_calibrated_over_a_prior_of_orgs`]). Each
//! history has its own truth, drawn from the prior of [`Truth::draw`]: reps, opportunity rate,
//! outcome shares, spread of reps' win rates, deal size, cycle times by outcome, a monthly
//! market shock (sd and AR(1) autocorrelation) and a linear drift of demand (an `[[events]]`
//! ramp of the opportunity rate over the 30 months). The history is one trial of that truth as
//! `revsim synth-crm` writes it (`revsim::synth::synthesize`): the model's own data. A forecast
//! that learns from the history what it shows and is as uncertain about the rest as the
//! history leaves it is calibrated over the prior, whatever each truth. (Calibrate's beliefs
//! are large-sample posteriors from flat priors, not this prior's exact posterior: with two
//! years of a dozen reps the data outweigh the prior. A forecast that leaves out information,
//! such as the shock's level at the origin, is still calibrated, only wider.)
//!
//! **(b) Calendar time, nothing uncertain**
//! ([`no_timing_bias_on_calendar_dated_histories`]). One fixed truth, no shock, no drift;
//! histories written by this file's own generator, not by the engine: each opportunity created
//! on a uniform day of its month and closed its gamma cycle later (in days, 30.4375 to a month),
//! as real CRM dates are. A forecast without timing bias puts the actuals at the 50th
//! percentile on average, month by month and over six months.
//!
//! **The bounds**, each two-sided at the false-alarm rate 1e-6:
//!
//! - *Monthly new bookings*: the six months of one history share its fit, its open deals and its
//!   market, so they are not independent: the history is the cluster. Each history gives one
//!   value, the share of its six months inside P10-P90 (and one, the mean of its six PITs);
//!   these are independent across histories, so their mean is within t standard errors of its
//!   expectation, the standard error from the values' own spread and t the Student-t quantile
//!   with H - 1 degrees of freedom ([`t_two_sided`]; 4.922 for H = 1,000).
//! - *Six-month totals*: one outcome per history, so the count inside P10-P90 is binomial: the
//!   bounds are its critical counts at 5e-7 each side ([`binomial_lower_critical_at`],
//!   [`binomial_upper_critical_at`]). Their mean PIT is a mean of one value per history, bounded
//!   as above.
//! - *What 80% means with finite trials*: with N trials the band's ends are type-7
//!   interpolations between order statistics, and an actual exchangeable with the trials falls
//!   inside with a probability from (floor(h90) - ceil(h10)) / (N + 1) to
//!   (ceil(h90) - floor(h10)) / (N + 1), h_p = (N - 1) p ([`band_coverage`]): 0.7955 to 0.8005
//!   for N = 400. The coverage checks are centred on that range. The mid-rank PIT has mean
//!   exactly 1/2 for an exchangeable actual, ties or not.
//! - *Ties*: an actual of $0 in a month when more than 10% of the trials book nothing counts as
//!   inside (P10 = 0), which would lift coverage. The prior keeps at least about 4.4 won deals
//!   a month expected (10 reps x 3.5 opportunities x 0.625, the lowest level the drift reaches,
//!   x a 20% win share), so a month without a won deal is rare (e^-4.4 = 1.2%) and P10 positive.
//! - *How many histories*: [`HISTORIES`] = 1,000 a test. The bounds then resolve about 0.03 of
//!   monthly coverage, 0.065 of six-month coverage, 0.02 of the monthly mean PIT and 0.045 of
//!   the six-month one. With 200 histories the six-month coverage could be anything from 0.645
//!   to 0.925 and the six-month mean PIT anything within 0.10 of 1/2: too coarse to see the
//!   shortfalls issue 18 reports (coverage in the low 70s, actuals near the 60th percentile).
//!
//! **Both pass** since results version 4 and calibrate's estimate of the shared layer. (a):
//! coverage 0.809 of months and 0.833 of six-month totals, mean PIT 0.486 and 0.475, within
//! their bounds; before, 0.763 and 0.727 (below 0.768 and 0.731): the forecast was too narrow,
//! as neither the market's shocks nor the drift were estimated from the history. (b): mean PIT
//! 0.494 of months and 0.487 of six-month totals; under the month-end rule before, 0.540 and
//! 0.590, above their bounds (decisions half a month late against dates).
//! `cargo test --profile test-fast calibration_proof -- --nocapture` prints every figure.
//!
//! **(c), month-end timing with nothing new reproduces results version 3**, is checked exactly
//! (trial for trial, not in distribution) by `month_end_timing_reproduces_results_version_3`
//! and the reference-r1 goldens in `tests/determinism.rs`.

use std::fmt::Write as _;
use std::path::Path;

use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use revsim::backtest::{self, Base, Measure, Options, Origin, OriginResult, Position};
use revsim::calendar::YearMonth;
use revsim::calibrate::estimate::Z90;
use revsim::crm::{Date, ReadOptions, parse_history};
use revsim::output_dir::OutputDir;
use revsim::synth::{SynthOptions, synthesize};

use crate::common::{
    FALSE_ALARM, binomial_lower_critical_at, binomial_upper_critical_at, mean_se, scenario,
    t_two_sided,
};

/// Months of history before the origin.
const HISTORY_MONTHS: i32 = 24;
/// Months forecast and scored from the origin.
const MONTHS_SCORED: usize = 6;
/// Independent histories per test.
const HISTORIES: usize = 1_000;
/// Trials per forecast.
const TRIALS: usize = 400;
/// Days in an average month: CRM cycles are dates, the model's are months.
const DAYS_PER_MONTH: f64 = 30.4375;

/// The first month of every history.
fn start() -> YearMonth {
    YearMonth::new(2023, 1).unwrap()
}

/// The forecast's origin: the month after the history.
fn origin() -> YearMonth {
    start().plus(HISTORY_MONTHS)
}

fn first_day(m: YearMonth) -> Date {
    Date::new(m.year(), m.month(), 1).unwrap()
}

/// The export date: the last day of the last month scored.
fn export_date() -> Date {
    first_day(origin().plus(MONTHS_SCORED as i32))
        .add_days(-1)
        .unwrap()
}

/// The base the backtest takes the org from: only what the fit replaces (the pipeline) and
/// what an export cannot show, as the truths have it: no ramp, attrition, hiring, skill spread
/// or market.
const BASE: &str = r#"
[simulation]
start_month = "2025-01"
horizon_months = 6
[org]
seats = 10
[pipeline]
opportunities_per_rep_month = 1
deal_size_usd = 1
cycle_months = 1
[pipeline.outcomes]
won = 0.5
lost = 0.5
no_decision = 0
"#;

// ---------------------------------------------------------------------------------------------
// Truths.

/// The parameters of one org.
#[derive(Debug, Clone)]
struct Truth {
    reps: usize,
    /// Opportunities per rep-month in the first month.
    opportunities: f64,
    /// Annual growth of the opportunity rate, linear: month t (from 0) creates at
    /// opportunities x (1 + growth (t + 1) / 12).
    growth: f64,
    /// Outcome shares: won, lost, no decision.
    shares: [f64; 3],
    /// Standard deviation of reps' true win rates (Beta around the won share).
    win_rate_sd: f64,
    size_median: f64,
    /// Lognormal sigma of deal sizes.
    size_sigma: f64,
    /// Cycle times in months, (mean, sd) of a gamma: won, lost, no decision.
    cycles: [(f64, f64); 3],
    /// The market's monthly shock: sd on the log scale, and its AR(1) coefficient.
    shock_sd: f64,
    shock_autocorrelation: f64,
}

/// Rounded to `d` decimals, as the scenario file writes it (so the truth is what the file says).
fn round(x: f64, d: i32) -> f64 {
    let f = 10f64.powi(d);
    (x * f).round() / f
}

impl Truth {
    /// The prior of (a), every parameter independent and uniform on its range:
    ///
    /// | parameter | range |
    /// | --- | --- |
    /// | reps | 10 to 14 |
    /// | opportunities per rep-month | 3.5 to 5.5 |
    /// | growth of the opportunity rate | -15% to +15% a year |
    /// | won share | 0.20 to 0.35 |
    /// | lost share of the rest | 0.3 to 0.6 |
    /// | sd of reps' win rates | 0 to 0.06 |
    /// | deal size: median, sigma | $30,000 x e^(-0.4 to 0.4); 0.6 to 1.0 |
    /// | mean cycle: won, lost, no decision | 2 to 4, 1 to 3, 3 to 6 months |
    /// | cycle sd / mean | 0.35 to 0.6, each outcome |
    /// | monthly shock sd, autocorrelation | 0 to 0.2; 0 to 0.8 |
    fn draw(rng: &mut Xoshiro256PlusPlus) -> Truth {
        let mut u = |a: f64, b: f64| a + (b - a) * rng.random::<f64>();
        let reps = u(10.0, 15.0).floor() as usize;
        let opportunities = round(u(3.5, 5.5), 4);
        let growth = u(-0.15, 0.15);
        let won = round(u(0.20, 0.35), 6);
        let lost = round((1.0 - won) * u(0.3, 0.6), 6);
        let win_rate_sd = round(u(0.0, 0.06), 4);
        let size_median = (30_000.0 * u(-0.4, 0.4).exp()).round();
        let size_sigma = u(0.6, 1.0);
        let mut cycle = |a: f64, b: f64| {
            let mean = round(u(a, b), 4);
            (mean, round(mean * u(0.35, 0.6), 4))
        };
        let cycles = [cycle(2.0, 4.0), cycle(1.0, 3.0), cycle(3.0, 6.0)];
        Truth {
            reps,
            opportunities,
            growth,
            shares: [won, lost, round(1.0 - won - lost, 6)],
            win_rate_sd,
            size_median,
            size_sigma,
            cycles,
            shock_sd: round(u(0.0, 0.2), 4),
            shock_autocorrelation: round(u(0.0, 0.8), 4),
        }
    }

    /// The truth as a scenario of the history's 30 months, starting with no open deals (a
    /// steady-state start would put in the export only the earlier deals still open at the
    /// start, the slow ones, and bias the fit).
    fn scenario_toml(&self) -> String {
        let months = HISTORY_MONTHS as usize + MONTHS_SCORED;
        let end_rate = self.opportunities * (1.0 + self.growth * months as f64 / 12.0);
        let p90 = (self.size_median * (Z90 * self.size_sigma).exp()).round();
        let gamma =
            |(mean, sd): (f64, f64)| format!("{{ gamma = {{ mean = {mean}, sd = {sd} }} }}");
        let [won, lost, no_decision] = self.shares;
        format!(
            r#"
[simulation]
start_month = "{start}"
horizon_months = {months}
[org]
seats = {reps}
[reps]
win_rate_sd = {sd}
[pipeline]
opportunities_per_rep_month = {rate}
deal_size_usd = {{ lognormal = {{ median = {median}, p90 = {p90} }} }}
cycle_months = {c0}
cycle_months_lost = {c1}
cycle_months_no_decision = {c2}
starting_pipeline = "empty"
[pipeline.outcomes]
won = {won}
lost = {lost}
no_decision = {no_decision}
[market]
monthly_shock_sd = {shock}
monthly_shock_autocorrelation = {rho}
[[events]]
month = "{start}"
description = "demand drifts"
set = {{ "pipeline.opportunities_per_rep_month" = {end_rate:.4} }}
ramp_months = {months}
"#,
            start = start(),
            reps = self.reps,
            sd = self.win_rate_sd,
            rate = self.opportunities,
            median = self.size_median,
            c0 = gamma(self.cycles[0]),
            c1 = gamma(self.cycles[1]),
            c2 = gamma(self.cycles[2]),
            shock = self.shock_sd,
            rho = self.shock_autocorrelation,
        )
    }
}

/// One trial of `truth` as a CRM export (`revsim synth-crm`), as of the last day scored.
fn synthetic_history(truth: &Truth, seed: u64) -> String {
    let s = scenario(&truth.scenario_toml());
    let x = synthesize(
        &s,
        &SynthOptions {
            seed,
            trial: 0,
            as_of: None,
            created_from: None,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(x.as_of, export_date());
    let mut csv = Vec::new();
    x.write_history(&mut csv, true).unwrap();
    String::from_utf8(csv).unwrap()
}

/// The fixed truth of (b): 10 reps creating 4 opportunities a month each, won 25% (reps' rates
/// Beta with sd 0.05), 45% of the rest lost, lognormal sizes (median $30,000, sigma 0.8), gamma
/// cycles of (shape, scale) (4, 0.75), (3, 0.7) and (4, 1.25) months: means 3, 2.1 and 5 for
/// won, lost and no decision.
const FIXED_REPS: usize = 10;
const FIXED_RATE: f64 = 4.0;
const FIXED_WON: f64 = 0.25;
const FIXED_WIN_SD: f64 = 0.05;
const FIXED_LOST_SHARE: f64 = 0.45;
const FIXED_SIZE: (f64, f64) = (30_000.0, 0.8);
const FIXED_CYCLES: [(f64, f64); 3] = [(4.0, 0.75), (3.0, 0.7), (4.0, 1.25)];

/// A history of the fixed truth in calendar time, written here without the engine: each
/// opportunity created on a uniform day of its month, closed its cycle (rounded to whole days)
/// later; those that close after the export date are open, without a close date.
fn calendar_history(seed: u64) -> String {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let nu = FIXED_WON * (1.0 - FIXED_WON) / (FIXED_WIN_SD * FIXED_WIN_SD) - 1.0;
    let beta = Beta::new(FIXED_WON * nu, (1.0 - FIXED_WON) * nu).unwrap();
    let poisson = Poisson::new(FIXED_RATE).unwrap();
    let cycles = FIXED_CYCLES.map(|(k, theta)| Gamma::new(k, theta).unwrap());
    let size = LogNormal::new(FIXED_SIZE.0.ln(), FIXED_SIZE.1).unwrap();
    let export = export_date();
    let mut csv = String::from("id,owner,created_date,close_date,amount_usd,outcome\n");
    let mut id = 0;
    for rep in 0..FIXED_REPS {
        let p: f64 = beta.sample(&mut rng);
        for m in 0..HISTORY_MONTHS + MONTHS_SCORED as i32 {
            let first = first_day(start().plus(m));
            let days = first_day(start().plus(m + 1)).days_since(first);
            for _ in 0..poisson.sample(&mut rng) as usize {
                let day = (rng.random::<f64>() * f64::from(days)).floor() as i32;
                let created = first.add_days(day).unwrap();
                let (outcome, which) = if rng.random::<f64>() < p {
                    ("won", 0)
                } else if rng.random::<f64>() < FIXED_LOST_SHARE {
                    ("lost", 1)
                } else {
                    ("no decision", 2)
                };
                let cycle = (cycles[which].sample(&mut rng) * DAYS_PER_MONTH).round() as i32;
                let amount = size.sample(&mut rng).round();
                let closed = created.add_days(cycle).unwrap();
                id += 1;
                if closed > export {
                    let _ = writeln!(csv, "D{id},Rep {rep:02},{created},,{amount},open");
                } else {
                    let _ = writeln!(
                        csv,
                        "D{id},Rep {rep:02},{created},{closed},{amount},{outcome}"
                    );
                }
            }
        }
    }
    csv
}

// ---------------------------------------------------------------------------------------------
// Forecasts and their scores.

/// What one history's forecast scored.
#[derive(Debug, Clone, Copy)]
struct HistoryScore {
    /// Share of the six months whose new bookings fell inside P10-P90.
    monthly_inside: f64,
    /// Mean PIT (0 to 1) of the six months' new bookings.
    monthly_pit: f64,
    /// Whether the six-month total fell inside P10-P90.
    total_inside: bool,
    /// PIT (0 to 1) of the six-month total.
    total_pit: f64,
}

/// The backtest's forecast of a history from the origin, scored.
fn forecast(csv: &str, base: &Base, dir: &Path, seed: u64) -> HistoryScore {
    let history = parse_history(csv.as_bytes(), "history.csv", &ReadOptions::default())
        .expect("the generated export reads");
    // The export's last full month is known (the export date ends it), so the origin is given
    // as it is rather than planned from the export's latest date.
    let origin = Origin {
        as_of: origin(),
        months: MONTHS_SCORED,
    };
    let opts = Options {
        trials: TRIALS,
        seed,
        ..Options::default()
    };
    let out = OutputDir::prepare(dir, true).unwrap();
    let r = backtest::run_origin(&history, base, &origin, &opts, &out)
        .unwrap_or_else(|e| panic!("{e}"));
    score(&r)
}

fn score(r: &OriginResult) -> HistoryScore {
    let months: Vec<f64> = r
        .rows(Measure::NewBookings)
        .map(|s| s.outcome.percentile_of_actual / 100.0)
        .collect();
    assert_eq!(months.len(), MONTHS_SCORED);
    let total = r.rows(Measure::CumulativeBookings).last().unwrap();
    HistoryScore {
        monthly_inside: r.inside(Measure::NewBookings) as f64 / MONTHS_SCORED as f64,
        monthly_pit: months.iter().sum::<f64>() / MONTHS_SCORED as f64,
        total_inside: total.outcome.position == Position::Inside,
        total_pit: total.outcome.percentile_of_actual / 100.0,
    }
}

/// Forecasts and scores [`HISTORIES`] histories, `history(h)` giving the h-th export; the
/// forecast of history h has seed h + 1 (the generators' seeds are elsewhere). Histories run in
/// parallel; each result depends only on its history, so the order of the threads does not
/// matter.
fn scores(history: &(dyn Fn(u64) -> String + Sync)) -> Vec<HistoryScore> {
    use rayon::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let base_path = tmp.path().join("base.toml");
    std::fs::write(&base_path, BASE).unwrap();
    let base = Base::load(&base_path).unwrap();
    (0..HISTORIES as u64)
        .into_par_iter()
        .map(|h| {
            let dir = tmp.path().join(format!("h{h}"));
            forecast(&history(h), &base, &dir, h + 1)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Bounds.

/// The probability that an actual exchangeable with `trials` continuous trials falls inside
/// their type-7 P10-P90, both ends included: a range, as each end interpolates between two
/// order statistics (see the module docs).
fn band_coverage(trials: usize) -> (f64, f64) {
    let n = trials as f64;
    let (h10, h90) = ((n - 1.0) * 0.1, (n - 1.0) * 0.9);
    (
        (h90.floor() - h10.ceil()) / (n + 1.0),
        (h90.ceil() - h10.floor()) / (n + 1.0),
    )
}

/// A measured figure and the range a calibrated forecast keeps it in, except with chance
/// [`FALSE_ALARM`].
struct Figure {
    name: &'static str,
    value: f64,
    low: f64,
    high: f64,
    how: String,
}

impl Figure {
    fn holds(&self) -> bool {
        (self.low..=self.high).contains(&self.value)
    }

    /// The mean of independent per-history values, against `centre` widened by t standard
    /// errors from the values' spread.
    fn clustered(name: &'static str, values: &[f64], centre: (f64, f64)) -> Figure {
        let (mean, se) = mean_se(values);
        let t = t_two_sided((values.len() - 1) as f64);
        Figure {
            name,
            value: mean,
            low: centre.0 - t * se,
            high: centre.1 + t * se,
            how: format!(
                "mean of {} histories, se {se:.4} from their spread, t = {t:.3}",
                values.len()
            ),
        }
    }

    /// The share of `n` independent outcomes that hit, against the binomial's critical counts
    /// at [`FALSE_ALARM`] / 2 each side for a chance in `p`.
    fn binomial(name: &'static str, hits: usize, n: usize, p: (f64, f64)) -> Figure {
        let (n64, tail) = (n as u64, FALSE_ALARM / 2.0);
        let low = binomial_lower_critical_at(n64, p.0, tail).map_or(0, |k| k + 1);
        let high = binomial_upper_critical_at(n64, p.1, tail) - 1;
        Figure {
            name,
            value: hits as f64 / n as f64,
            low: low as f64 / n as f64,
            high: high as f64 / n as f64,
            how: format!("{hits} of {n}; binomial, {low} to {high} allowed"),
        }
    }
}

/// The four figures: monthly coverage and mean PIT, six-month coverage and mean PIT.
fn figures(s: &[HistoryScore]) -> [Figure; 4] {
    let inside = band_coverage(TRIALS);
    let values = |f: fn(&HistoryScore) -> f64| s.iter().map(f).collect::<Vec<f64>>();
    [
        Figure::clustered(
            "monthly new bookings inside P10-P90",
            &values(|h| h.monthly_inside),
            inside,
        ),
        Figure::clustered(
            "monthly new bookings, mean PIT",
            &values(|h| h.monthly_pit),
            (0.5, 0.5),
        ),
        Figure::binomial(
            "six-month totals inside P10-P90",
            s.iter().filter(|h| h.total_inside).count(),
            s.len(),
            inside,
        ),
        Figure::clustered(
            "six-month totals, mean PIT",
            &values(|h| h.total_pit),
            (0.5, 0.5),
        ),
    ]
}

/// Prints every figure, or fails with them all if one of `checked` (indices into `figures`) is
/// outside its bounds.
fn check(label: &str, figures: &[Figure], checked: &[usize]) {
    let mut text = format!("{label} ({HISTORIES} histories, {TRIALS} trials each):\n");
    for (i, f) in figures.iter().enumerate() {
        let _ = writeln!(
            text,
            "  {:<38} {:.4}  bounds {:.4} to {:.4}{}  ({})",
            f.name,
            f.value,
            f.low,
            f.high,
            if !checked.contains(&i) {
                ", not checked"
            } else if f.holds() {
                ""
            } else {
                ", OUTSIDE"
            },
            f.how
        );
    }
    assert!(checked.iter().all(|&i| figures[i].holds()), "{text}");
    eprint!("{text}");
}

#[test]
fn the_band_of_finite_trials_covers_close_to_80_percent() {
    // Uniform trials: E[type-7 quantile at p] = (1 + (N - 1) p) / (N + 1), so an independent
    // uniform actual falls inside with probability 0.8 (N - 1) / (N + 1), inside the range.
    for n in [9, 400, 1_000, 1_001] {
        let (lo, hi) = band_coverage(n);
        let uniform = 0.8 * (n as f64 - 1.0) / (n as f64 + 1.0);
        assert!(lo <= uniform && uniform <= hi, "{n}: {lo} {uniform} {hi}");
        assert!(hi - lo <= 2.0 / (n as f64 + 1.0) + 1e-12, "{n}");
    }
    // The figures the module docs quote.
    let (lo, hi) = band_coverage(400);
    assert_eq!((round(lo, 4), round(hi, 4)), (0.7955, 0.8005));
    let (lo, hi) = band_coverage(1_000);
    assert_eq!((round(lo, 4), round(hi, 4)), (0.7982, 0.8002));
}

#[test]
fn the_prior_gives_scenarios_the_engine_loads() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for _ in 0..50 {
        let t = Truth::draw(&mut rng);
        let s = scenario(&t.scenario_toml());
        assert_eq!(s.horizon(), 30);
        assert_eq!(s.staffing.starting_filled as usize, t.reps);
        assert!((s.pipeline.outcomes.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}

/// (a): see the module docs. 1,000 truths from the prior, one synthetic history each, the
/// backtest's forecast from the origin after month 24, scored over the six months after it.
#[test]
fn forecasts_are_calibrated_over_a_prior_of_orgs() {
    let s = scores(&|h| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1_000_000 + h);
        let truth = Truth::draw(&mut rng);
        synthetic_history(&truth, 1_000_000 + h)
    });
    check(
        "calibration proof (a), truths from the prior",
        &figures(&s),
        &[0, 1, 2, 3],
    );
}

/// (b): see the module docs. The fixed truth, histories in calendar time, no timing bias: the
/// mean PITs of monthly new bookings and of six-month totals are 1/2 within their bounds. The
/// coverages are printed, not checked: they are (a)'s business.
#[test]
fn no_timing_bias_on_calendar_dated_histories() {
    let s = scores(&|h| calendar_history(2_000_000 + h));
    check(
        "calibration proof (b), calendar time, fixed truth",
        &figures(&s),
        &[1, 3],
    );
}
