//! `revsim backtest` (docs/backtest.md): what was known at an origin, the actuals, the scores, a
//! statistical check of the coverage on histories drawn from known parameters, and the command
//! as a user runs it (errors, the output directory, byte-identical files on 1 and 2 threads,
//! the docs quoting real output).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use rand::{RngExt, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;
use revsim::backtest::{
    self, Base, DataSpan, Measure, Options, Position, Snapshot, build, won_by_month,
};
use revsim::calendar::YearMonth;
use revsim::crm::{Date, History, Outcome, ReadOptions, parse_history};
use revsim::model::Metric;
use revsim::output_dir::OutputDir;

use crate::common::{Z, edit};

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn month(s: &str) -> YearMonth {
    s.parse().unwrap()
}

fn date(s: &str) -> Date {
    revsim::crm::dates::parse_date(s, revsim::crm::DateOrder::Mdy).unwrap()
}

/// A hand-made export: three owners, the origin 2024-04 (first day 2024-04-01).
///
/// - Closed before the origin: R1-R8 and R12 (closed 2024-03-31, the day it was created).
/// - Open at the origin: R9 (won 2024-04-15), R10 (lost in May), R11 (open in the export, no
///   amount), R16 (won on the origin's first day: not closed *before* it).
/// - Created after the origin: R13 (won in April), R14 (won in June), R15, R17.
///
/// Cycles of the deals closed before the origin, in days: won 20, 30, 30, 0; lost 10, 20, 20;
/// no decision 30, 40. The 90th percentiles (type 7) are 30, 20 and 39 days, so the cohorts
/// old enough to have closed are those created up to 2024-04-01 - 39 days = 2024-02-22: R1-R9,
/// of which R1-R8 closed (3 won). The latest date, 2024-06-30, ends its month: the last full
/// month is 2024-06.
const HAND: &str = "id,owner,created_date,close_date,amount_usd,outcome
R1,Ann,2024-01-05,2024-01-25,10000,won
R2,Bo,2024-01-10,2024-02-09,20000,won
R3,Cy,2024-01-15,2024-01-25,5000,lost
R4,Ann,2024-01-20,2024-02-09,8000,lost
R5,Bo,2024-01-25,2024-02-24,7000,no decision
R6,Cy,2024-01-30,2024-03-10,9000,no decision
R7,Ann,2024-02-05,2024-03-06,15000,won
R8,Bo,2024-02-10,2024-03-01,6000,lost
R9,Cy,2024-02-20,2024-04-15,30000,won
R10,Ann,2024-03-10,2024-05-20,12000,lost
R11,Bo,2024-03-25,,,open
R12,Cy,2024-03-31,2024-03-31,4000,won
R13,Ann,2024-04-02,2024-04-28,25000,won
R14,Bo,2024-05-03,2024-06-10,40000,won
R15,Cy,2024-04-10,2024-05-05,3000,lost
R16,Ann,2024-03-15,2024-04-01,11000,won
R17,Bo,2024-06-30,,5000,open
";

fn hand() -> History {
    parse_history(HAND.as_bytes(), "hand.csv", &ReadOptions::default()).unwrap()
}

#[test]
fn what_was_known_at_the_origin_and_what_happened() {
    let h = hand();
    let span = DataSpan::of(&h).unwrap();
    assert_eq!(span.first_month, month("2024-01"));
    assert_eq!(span.latest, date("2024-06-30"));
    assert_eq!(span.last_full_month, month("2024-06"));

    let s = Snapshot::at(&h, month("2024-04"));
    let ids = |it: &mut dyn Iterator<Item = &revsim::crm::Opportunity>| {
        it.map(|o| o.id.clone().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&mut s.closed_deals()),
        ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R12"]
    );
    assert_eq!(ids(&mut s.open_deals()), ["R9", "R10", "R11", "R16"]);
    assert_eq!((s.open, s.created_later, s.known.len()), (4, 4, 13));
    // Open deals keep nothing of their future: no close date, no outcome.
    assert!(
        s.open_deals()
            .all(|o| o.closed.is_none() && o.outcome == Outcome::Open && o.stage.is_none())
    );
    assert_eq!(s.active_owners, ["Ann", "Bo", "Cy"]);

    assert_eq!(build::cohort_cutoff(&s), (date("2024-02-22"), 39));
    // April: R9 + R13 + R16; May: nothing won; June: R14.
    assert_eq!(
        won_by_month(&h, month("2024-04"), 3),
        [66_000.0, 0.0, 40_000.0]
    );

    let (csv, open) = build::open_pipeline_csv(&s);
    // R11 has no amount: the mean of the deals won before the origin, (10 + 20 + 15 + 4)K / 4.
    assert_eq!(
        csv,
        "id,owner,created_date,close_date,amount_usd,outcome\n\
         R9,Cy,2024-02-20,,30000,open\n\
         R10,Ann,2024-03-10,,12000,open\n\
         R11,Bo,2024-03-25,,12250,open\n\
         R16,Ann,2024-03-15,,11000,open\n"
    );
    assert_eq!((open.deals, open.imputed, open.value_usd), (4, 1, 65_250.0));

    let f = build::fit_at(&h, &s, &revsim::calibrate::FitOptions::default(), 8).unwrap();
    assert_eq!(f.created_until, date("2024-02-22"));
    let c = f.fit.counts;
    assert_eq!((c.closed, c.won, c.lost, c.no_decision), (8, 3, 3, 2));
    // Creation counts every opportunity created before the origin: 13 over Jan-Mar of 3 owners.
    let cr = f.fit.creation.unwrap();
    assert_eq!((cr.opportunities, cr.rep_months), (13, 9));
    assert!(build::fit_at(&h, &s, &revsim::calibrate::FitOptions::default(), 9).is_err());

    // The plan: default months up to the last full month; --months never goes past it.
    let o = backtest::plan(&h, &[month("2024-04")], None, 8).unwrap();
    assert_eq!((o[0].as_of, o[0].months), (month("2024-04"), 3));
    let o = backtest::plan(&h, &[month("2024-04")], Some(12), 8).unwrap();
    assert_eq!(o[0].months, 3);
    let o = backtest::plan(&h, &[month("2024-04")], Some(2), 8).unwrap();
    assert_eq!(o[0].months, 2);
}

/// Type-7 quantile, written out here so the check does not lean on the crate's.
fn q7(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[test]
fn each_month_is_scored_exactly_against_the_trials() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("hand.csv");
    fs::write(&csv, HAND).unwrap();
    let out = tmp.path().join("bt");
    revsim()
        .arg("backtest")
        .arg(&csv)
        .args(["--as-of", "2024-04", "--min-closed", "8", "--trials", "400"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let origin = out.join("origins/2024-04");
    let open = fs::read_to_string(origin.join("open-pipeline.csv")).unwrap();
    assert_eq!(open.lines().count(), 5, "{open}");

    // The scenario written for the origin, simulated again here, gives the trials scored.
    let s = revsim::Scenario::load(&origin.join("scenario.toml")).unwrap();
    assert_eq!(s.clock.start, month("2024-04"));
    assert_eq!((s.horizon(), s.staffing.starting_filled), (3, 3));
    assert_eq!(s.open_deals.as_ref().unwrap().deals.len(), 4);
    let r = revsim::simulate(&s, 400, 1, &|_| {});
    let actual = [66_000.0, 0.0, 40_000.0];
    let mut rows = csv::Reader::from_path(out.join("backtest.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let mut cumulative = vec![0.0; 400];
    let mut ties_seen = false;
    for m in 0..3 {
        let new: Vec<f64> = (0..400)
            .map(|t| f64::from(r.monthly_value(t, Metric::NewBookingsUsd, m)))
            .collect();
        for (c, v) in cumulative.iter_mut().zip(&new) {
            *c += v;
        }
        let cum_actual: f64 = actual[..=m].iter().sum();
        for (metric, values, a) in [
            ("new_bookings_usd", new.clone(), actual[m]),
            ("cumulative_bookings_usd", cumulative.clone(), cum_actual),
        ] {
            let mut v = values;
            v.sort_by(f64::total_cmp);
            let below = v.iter().filter(|x| **x < a).count();
            let equal = v.iter().filter(|x| **x == a).count();
            ties_seen |= equal > 0;
            let pct = 100.0 * (below as f64 + 0.5 * equal as f64) / 400.0;
            let (p10, p90) = (q7(&v, 0.1), q7(&v, 0.9));
            let position = if a < p10 {
                "below_p10"
            } else if a > p90 {
                "above_p90"
            } else {
                "inside"
            };
            let row = rows
                .iter()
                .find(|r| &r[3] == metric && r[2] == (m + 1).to_string())
                .unwrap();
            assert_eq!(&row[0], "2024-04");
            assert_eq!(&row[1], month("2024-04").plus(m as i32).to_string());
            let f = |i: usize| row[i].parse::<f64>().unwrap();
            assert_eq!(f(4), a, "{metric} month {m}: actual");
            assert_eq!(f(6), (p10 * 100.0).round() / 100.0, "{metric} {m}: p10");
            assert_eq!(f(8), (q7(&v, 0.5) * 100.0).round() / 100.0);
            assert_eq!(f(10), (p90 * 100.0).round() / 100.0, "{metric} {m}: p90");
            assert_eq!(f(11), (pct * 1000.0).round() / 1000.0, "{metric} {m}: pct");
            assert_eq!(&row[12], (position == "inside").to_string());
            assert_eq!(&row[13], position, "{metric} {m}");
            // The 50% interval, the CRPS from its definition (every pair of trials), and the
            // pinball losses at P10, P50, P90, to the cent.
            let inside_50 = q7(&v, 0.25) <= a && a <= q7(&v, 0.75);
            assert_eq!(&row[14], inside_50.to_string(), "{metric} {m}");
            let n = v.len() as f64;
            let pairs: f64 = v
                .iter()
                .flat_map(|x| v.iter().map(move |y| (x - y).abs()))
                .sum();
            let crps = v.iter().map(|x| (x - a).abs()).sum::<f64>() / n - pairs / (2.0 * n * n);
            let cents = |x: f64| (x * 100.0).round() / 100.0;
            assert!(
                (f(15) - cents(crps)).abs() <= 0.011,
                "{metric} {m}: crps {}",
                f(15)
            );
            for (k, tau) in [(16, 0.1), (17, 0.5), (18, 0.9)] {
                let q = q7(&v, tau);
                let loss = (a - q) * (tau - if a < q { 1.0 } else { 0.0 });
                assert!(
                    (f(k) - cents(loss)).abs() <= 0.011,
                    "{metric} {m}: pinball {tau}"
                );
            }
        }
    }
    // Three reps with a handful of deals: months in which trials book nothing, and May's actual
    // of $0 among them, so the mid-rank's handling of ties was exercised.
    assert!(ties_seen);

    // coverage.csv counts the rows: the new-bookings months and the cumulative ones.
    let cov = fs::read_to_string(out.join("coverage.csv")).unwrap();
    let inside = rows
        .iter()
        .filter(|r| &r[3] == "new_bookings_usd" && &r[12] == "true")
        .count();
    let all = cov
        .lines()
        .find(|l| l.starts_with("new_bookings_usd,all,"))
        .unwrap();
    assert!(
        all.starts_with(&format!("new_bookings_usd,all,3,{inside},")),
        "{all}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("backtest.json")).unwrap()).unwrap();
    assert_eq!(json["origins"][0]["reps"], 3);
    assert_eq!(json["origins"][0]["open_pipeline"]["imputed"], 1);
    assert_eq!(json["origins"][0]["fit"]["created_until"], "2024-02-22");
    let listed = json["files"].as_array().unwrap();
    // At least the three tables and the report (the loop cannot pass over an empty list).
    assert!(listed.len() >= 4, "{listed:?}");
    for f in listed {
        assert!(out.join(f.as_str().unwrap()).is_file(), "{f}");
    }
}

// ---------------------------------------------------------------------------------------------
// Statistical check: histories drawn from known parameters, in the model's own terms.

const REPS: usize = 10;
const LAMBDA: f64 = 4.0;
const WIN_MEAN: f64 = 0.25;
const WIN_SD: f64 = 0.05;
const LOST_SHARE: f64 = 0.45;
const SIZE_MEDIAN: f64 = 30_000.0;
const SIZE_SIGMA: f64 = 0.8;
/// (shape, scale) in months for won (mean 3), lost (2.1) and no decision (5).
const CYCLES: [(f64, f64); 3] = [(4.0, 0.75), (3.0, 0.7), (4.0, 1.25)];
/// Independent histories.
const HISTORIES: usize = 200;
const MONTHS_SCORED: usize = 6;

/// On which day of its month an opportunity is created.
#[derive(Clone, Copy)]
enum Days {
    /// A uniform day of the month: real data, and the engine's calendar under continuous
    /// timing (a deal created at a uniform point of month m with a cycle of L months is decided
    /// in month m + floor(U + L)).
    Uniform,
    /// The month's last day: the calendar of `decision_timing = "month_end"`, in which a deal
    /// created in month m with a cycle of L months is decided in month m + ceil(L), as a deal
    /// created at the end of month m is.
    LastOfMonth,
}

/// 24 months of opportunities from 2023-01 (REPS reps, Poisson(LAMBDA) a month each, created
/// on a day of the month by `days`, won with the rep's Beta-drawn rate, else lost with
/// LOST_SHARE, gamma cycles by outcome in days of 30.4375 to a month, lognormal sizes), exported
/// on 2024-12-31: deals that would close later are open, without a close date.
fn history(seed: u64, on: Days) -> String {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let nu = WIN_MEAN * (1.0 - WIN_MEAN) / (WIN_SD * WIN_SD) - 1.0;
    let beta = Beta::new(WIN_MEAN * nu, (1.0 - WIN_MEAN) * nu).unwrap();
    let poisson = Poisson::new(LAMBDA).unwrap();
    let cycles: Vec<Gamma<f64>> = CYCLES
        .iter()
        .map(|(k, th)| Gamma::new(*k, *th).unwrap())
        .collect();
    let size = LogNormal::new(SIZE_MEDIAN.ln(), SIZE_SIGMA).unwrap();
    let export = date("2024-12-31");
    let mut csv = String::from("id,owner,created_date,close_date,amount_usd,outcome\n");
    let mut id = 0;
    for rep in 0..REPS {
        let p: f64 = beta.sample(&mut rng);
        for m in 0..24 {
            let first = Date::new(2023 + m / 12, (m % 12) as u32 + 1, 1).unwrap();
            let next = YearMonth::new(2023 + m / 12, (m % 12) as u32 + 1)
                .unwrap()
                .plus(1);
            let days = Date::new(next.year(), next.month(), 1)
                .unwrap()
                .days_since(first);
            for _ in 0..poisson.sample(&mut rng) as usize {
                let u: f64 = rng.random();
                let day = match on {
                    Days::Uniform => (u * f64::from(days)).floor() as i32,
                    Days::LastOfMonth => days - 1,
                };
                let created = first.add_days(day).unwrap();
                let (outcome, which) = if rng.random::<f64>() < p {
                    ("won", 0)
                } else if rng.random::<f64>() < LOST_SHARE {
                    ("lost", 1)
                } else {
                    ("no decision", 2)
                };
                let cycle = (cycles[which].sample(&mut rng) * 30.4375).round() as i32;
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

/// The base: the generator's org, nothing the history could not show (no ramp, attrition,
/// hiring or skill spread; every rep in seat from before the export).
const FLAT_BASE: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
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

/// Coverage figures over [`HISTORIES`] independent histories, each forecast from 2024-06 for
/// six months: the mean share of months with new bookings inside P10-P90 and the mean
/// percentile of those actuals; the share of histories whose six-month cumulative bookings fell
/// inside P10-P90 and their mean percentile.
struct Measured {
    new_share: f64,
    new_pct: f64,
    cum_share: f64,
    cum_pct: f64,
}

fn measure(on: Days, seed: u64) -> Measured {
    let tmp = tempfile::tempdir().unwrap();
    let base_path = tmp.path().join("base.toml");
    let base = match on {
        Days::Uniform => FLAT_BASE.to_string(),
        Days::LastOfMonth => FLAT_BASE.replace(
            "horizon_months = 12\n",
            "horizon_months = 12\ndecision_timing = \"month_end\"\n",
        ),
    };
    fs::write(&base_path, base).unwrap();
    let base = Base::load(&base_path).unwrap();
    let opts = Options {
        trials: 1_000,
        ..Options::default()
    };
    let (mut new_share, mut new_pct, mut cum_inside, mut cum_pct) = (0.0, 0.0, 0usize, 0.0);
    for h in 0..HISTORIES {
        let text = history(seed + h as u64, on);
        let hist = parse_history(text.as_bytes(), "generated.csv", &ReadOptions::default())
            .expect("the generated export reads");
        let origins = backtest::plan(
            &hist,
            &[month("2024-06")],
            Some(MONTHS_SCORED),
            backtest::DEFAULT_MIN_CLOSED,
        )
        .unwrap();
        assert_eq!(origins[0].months, MONTHS_SCORED);
        let dir = OutputDir::prepare(&tmp.path().join(format!("h{h}")), false).unwrap();
        let r = backtest::run_origin(&hist, &base, &origins[0], &opts, &dir).unwrap();
        assert_eq!(r.reps, REPS);
        new_share += r.inside(Measure::NewBookings) as f64 / MONTHS_SCORED as f64;
        new_pct += r
            .rows(Measure::NewBookings)
            .map(|s| s.outcome.percentile_of_actual)
            .sum::<f64>()
            / MONTHS_SCORED as f64;
        let end = r.rows(Measure::CumulativeBookings).last().unwrap();
        cum_inside += usize::from(end.outcome.position == Position::Inside);
        cum_pct += end.outcome.percentile_of_actual;
    }
    let n = HISTORIES as f64;
    let m = Measured {
        new_share: new_share / n,
        new_pct: new_pct / n,
        cum_share: cum_inside as f64 / n,
        cum_pct: cum_pct / n,
    };
    eprintln!(
        "coverage of P10-P90 over {HISTORIES} histories: new bookings {:.3} (mean percentile {:.1}), cumulative after {MONTHS_SCORED} months {:.3} (mean percentile {:.1})",
        m.new_share, m.new_pct, m.cum_share, m.cum_pct
    );
    m
}

/// Z sqrt(0.16 / H): the bound on a mean of H independent shares of Bernoulli(0.8) indicators.
fn share_bound() -> f64 {
    Z * (0.16 / HISTORIES as f64).sqrt()
}

/// The least coverage of the cumulative bookings' P10-P90 that parameter error explains (see
/// [`coverage_is_right_on_histories_with_dates_through_the_month`]).
const CUM_COVERAGE_FLOOR: f64 = 0.69;

/// Z 28.9 / sqrt(H): the bound on a mean of H independent means of uniform percentiles.
fn percentile_bound() -> f64 {
    Z * 100.0 / 12f64.sqrt() / (HISTORIES as f64).sqrt()
}

fn check_coverage(m: &Measured) {
    let b = share_bound();
    assert!(
        (0.78 - b..=0.8 + b).contains(&m.new_share),
        "new bookings: {:.3} inside, outside {:.3}..{:.3}",
        m.new_share,
        0.78 - b,
        0.8 + b
    );
    let c = CUM_COVERAGE_FLOOR;
    let floor = c - Z * (c * (1.0 - c) / HISTORIES as f64).sqrt();
    assert!(
        (floor..=0.8 + b).contains(&m.cum_share),
        "cumulative: {:.3} inside, outside {floor:.3}..{:.3}",
        m.cum_share,
        0.8 + b
    );
}

/// Histories drawn from known parameters with deals created on any day of the month, as real
/// ones are, forecast with the default continuous decision timing (see [`Days::Uniform`]): the
/// coverage of P10-P90 and the position of the actuals are what a right forecast gives, within
/// bounds derived here (not tuned):
///
/// - **Monthly new bookings.** Let C_h be the share of history h's six months inside P10-P90.
///   The histories are independent, so the C_h are i.i.d.; each month's indicator is Bernoulli
///   with mean c (0.8 for a right forecast), and the mean of six correlated indicators has a
///   standard deviation at most that of one, sqrt(c (1 - c)) = 0.4 (Cauchy-Schwarz: months of
///   one origin share its fitted parameters and its open deals, so they are not independent,
///   and this takes the worst case). The mean over histories is then within
///   Z sqrt(0.16 / H) = 0.138 of c except with chance 1e-6, the suite's false-alarm rate
///   (normal approximation, H = 200, Z = 4.89).
///   c itself is a little under 0.8: the forecast does not carry the error of its own fitted
///   parameters. From the design (about 720 opportunities for the creation rate, 380 closed
///   deals and 95 won ones for the shares and sizes), the relative standard error of the
///   expected monthly bookings is about sqrt(0.037^2 + 0.089^2 + 0.082^2 + 0.046^2) = 0.135
///   (rate; won share; lognormal mu; sigma through exp(sigma^2 / 2)), against a month's own
///   coefficient of variation of sqrt((1 + e^(0.64) - 1) / 10) = 0.435 (compound Poisson, 10
///   won deals a month): the true spread is sqrt(1 + (0.135 / 0.435)^2) = 1.047 times the
///   forecast's, and a normal P10-P90 band then covers P(|Z| < 1.2816 / 1.047) = 0.78. So the
///   check is 0.78 - 0.138 <= coverage <= 0.8 + 0.138.
/// - **Mean percentile of the actuals** (new bookings): each is uniform on 0-100 (sd 28.9) for
///   a right forecast, and again the mean of one history's six has sd at most 28.9; the mean
///   over histories is within Z 28.9 / sqrt(H) = 10.0 of 50. Parameter error widens the
///   spread of percentiles but, to first order, does not move their mean.
/// - **Cumulative bookings after six months**: one outcome per history, so the count inside is
///   binomial. Parameter error weighs more here: six months' own coefficient of variation is
///   about 0.435 / sqrt(6) = 0.18 against the same 0.135, so the band may cover as little as
///   P(|Z| < 1.2816 / 1.25) = 0.69 (less where the open deals, which are data, carry part of the
///   six months). Only conservative properties are checked: the coverage is at most
///   0.8 + Z sqrt(0.16 / H) (the forecast is not too wide), at least
///   0.69 - Z sqrt(0.69 x 0.31 / H) = 0.53 (the binomial bound below the least coverage
///   parameter error explains), and the mean percentile within 10.0 of 50.
#[test]
fn coverage_is_right_on_histories_with_dates_through_the_month() {
    let m = measure(Days::Uniform, 9_000);
    check_coverage(&m);
    let b = percentile_bound();
    assert!(
        (m.new_pct - 50.0).abs() <= b,
        "new bookings: mean percentile {:.1}, not within {b:.1} of 50",
        m.new_pct
    );
    assert!(
        (m.cum_pct - 50.0).abs() <= b,
        "cumulative: mean percentile {:.1}, not within {b:.1} of 50",
        m.cum_pct
    );
}

/// Histories with every deal created on the last day of its month, forecast with
/// `decision_timing = "month_end"` (the engine before results version 4, and the peer
/// reference model's rule): the same bounds hold, so the old timing stays right where its
/// calendar is the data's. (Before continuous timing, histories dated through the month put the
/// actuals at the 55th percentile of monthly bookings and the 62nd of six-month totals: the old
/// rule decides deals half a month late, E[ceil(L)] - E[floor(U + L)] = E[ceil(L) - L], about
/// 0.5.)
#[test]
fn coverage_is_right_on_month_end_histories_with_month_end_timing() {
    let m = measure(Days::LastOfMonth, 7_000);
    check_coverage(&m);
    let b = percentile_bound();
    for (what, pct) in [("new bookings", m.new_pct), ("cumulative", m.cum_pct)] {
        assert!(
            (pct - 50.0).abs() <= b,
            "{what}: mean percentile {pct:.1}, not within {b:.1} of 50"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The command.

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crm/example.csv")
}

/// Runs `revsim backtest` in the fixtures' folder (messages name the file as given).
fn run_in_fixtures(args: &[&str]) -> assert_cmd::assert::Assert {
    revsim()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crm"))
        .arg("backtest")
        .args(args)
        .assert()
}

macro_rules! input_error {
    ($name:ident, $($arg:expr),+) => {
        #[test]
        fn $name() {
            let tmp = tempfile::tempdir().unwrap();
            let out = tmp.path().join("out");
            let mut args: Vec<&str> = vec![$($arg),+];
            args.extend(["--out", out.to_str().unwrap()]);
            let a = run_in_fixtures(&args).code(2);
            assert!(!out.exists() || fs::read_dir(&out).unwrap().next().is_none());
            insta::assert_snapshot!(stringify!($name), stderr(&a));
        }
    };
}

input_error!(as_of_not_a_month, "example.csv", "--as-of", "2024-13");
input_error!(
    as_of_range_backwards,
    "example.csv",
    "--as-of",
    "2024-06..2024-01"
);
input_error!(as_of_before_the_data, "example.csv", "--as-of", "2022-06");
input_error!(as_of_after_the_data, "example.csv", "--as-of", "2025-01");
input_error!(too_little_history, "example.csv", "--as-of", "2023-04");
input_error!(
    base_missing,
    "example.csv",
    "--as-of",
    "2024-06",
    "--extends",
    "no-such-base.toml"
);
input_error!(
    zero_months,
    "example.csv",
    "--as-of",
    "2024-06",
    "--months",
    "0"
);

#[test]
fn a_base_with_a_mistake_is_reported_at_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base.toml");
    fs::write(&base, edit(FLAT_BASE, "seats = 10", "seets = 10")).unwrap();
    let a = revsim()
        .current_dir(tmp.path())
        .arg("backtest")
        .arg(example())
        .args([
            "--as-of",
            "2024-06",
            "--extends",
            "base.toml",
            "--out",
            "out",
        ])
        .assert()
        .code(2);
    let e = stderr(&a);
    assert!(e.contains("base.toml:6:1"), "{e}");
    assert!(e.contains("did you mean `seats`?"), "{e}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn the_output_directory_is_not_clobbered() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bt");
    let args = |force: bool| {
        let mut c = revsim();
        c.arg("backtest")
            .arg(example())
            .args(["--as-of", "2024-09", "--trials", "300", "--quiet", "--out"])
            .arg(&out);
        if force {
            c.arg("--force");
        }
        c
    };
    args(false).assert().success().stdout("");
    let a = args(false).assert().code(2);
    assert!(
        stderr(&a).contains("refusing to overwrite them"),
        "{}",
        stderr(&a)
    );
    fs::write(out.join("notes.txt"), "mine").unwrap();
    args(true).assert().success();
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
}

/// Every file, read in name order, with its path relative to `dir`.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn files_are_identical_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let out = tmp.path().join(format!("t{threads}"));
        revsim()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "backtest",
                "tests/fixtures/crm/example.csv",
                "--as-of",
                "2024-08..2024-09",
                "--months",
                "3",
                "--trials",
                "500",
                "--quiet",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        files(&out)
    };
    let (one, two) = (run("1"), run("2"));
    let names: Vec<&str> = one.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "backtest.csv",
        "backtest.json",
        "coverage.csv",
        "report.html",
        "charts/coverage.svg",
        "charts/fan-2024-08.png",
        "origins/2024-09/scenario.toml",
        "origins/2024-09/open-pipeline.csv",
        "origins/2024-09/calibrated.toml",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert_eq!(one.len(), two.len());
    for ((n1, b1), (n2, b2)) in one.iter().zip(&two) {
        assert_eq!(n1, n2);
        assert!(b1 == b2, "{n1} differs between 1 and 2 threads");
    }
    // No machine path in what is written: the export is named as given.
    let json = String::from_utf8_lossy(&one.iter().find(|(n, _)| n == "backtest.json").unwrap().1)
        .into_owned();
    assert!(!json.contains(env!("CARGO_MANIFEST_DIR")), "{json}");
}

#[test]
fn created_from_leaves_out_the_older_opportunities() {
    let tmp = tempfile::tempdir().unwrap();
    let created = |extra: &[&str], name: &str| {
        let out = tmp.path().join(name);
        revsim()
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crm"))
            .args([
                "backtest",
                "example.csv",
                "--as-of",
                "2024-06",
                "--months",
                "3",
                "-q",
            ])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("backtest.json")).unwrap()).unwrap();
        let fit = &json["origins"][0]["fit"]["fit"];
        (
            fit["counts"]["created"].as_u64().unwrap(),
            fit["first_created"].as_str().unwrap().to_string(),
        )
    };
    let (all, first) = created(&[], "all");
    let (later, first_later) = created(&["--created-from", "2023-07-01"], "later");
    assert_eq!(first, "2023-01-01");
    assert!(first_later.as_str() >= "2023-07-01", "{first_later}");
    assert!(later < all, "{later} of {all}");
}

/// docs/backtest.md shows the command's real output on example.csv; it must stay true.
#[test]
fn the_docs_show_real_output() {
    let docs =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/backtest.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let a = revsim()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "backtest",
            "tests/fixtures/crm/example.csv",
            "--as-of",
            "2023-07..2024-10",
            "--months",
            "3",
            "--out",
        ])
        .arg(tmp.path().join("bt"))
        .assert()
        .success();
    let printed = stdout(&a);
    let summary = printed.split("\nWrote ").next().unwrap();
    assert!(
        docs.contains(summary),
        "docs/backtest.md should quote the summary:\n{summary}"
    );
    let too_early =
        run_in_fixtures(&["example.csv", "--as-of", "2023-04", "--out", "unused"]).code(2);
    assert!(docs.contains(&stderr(&too_early)), "{}", stderr(&too_early));
}

/// `--cycle empirical` reaches the fit at every origin, as in `revsim calibrate`: each origin's
/// pipeline has cycle-time tables where the default has gammas, and the run's command says so.
#[test]
fn cycle_empirical_reaches_each_origin() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], name: &str| {
        let out = tmp.path().join(name);
        run_in_fixtures(
            &[
                &[
                    "example.csv",
                    "--as-of",
                    "2024-05..2024-06",
                    "--months",
                    "2",
                ],
                extra,
                &["--trials", "200", "-q", "--out", out.to_str().unwrap()],
            ]
            .concat(),
        )
        .success();
        out
    };
    let gamma = run(&[], "gamma");
    let empirical = run(&["--cycle", "empirical"], "empirical");
    for origin in ["2024-05", "2024-06"] {
        let fit = |dir: &Path| {
            fs::read_to_string(dir.join("origins").join(origin).join("calibrated.toml")).unwrap()
        };
        let (g, e) = (fit(&gamma), fit(&empirical));
        for key in [
            "cycle_months =",
            "cycle_months_lost =",
            "cycle_months_no_decision =",
        ] {
            let line = |text: &str| {
                text.lines()
                    .find(|l| l.starts_with(key))
                    .unwrap()
                    .to_string()
            };
            assert!(line(&g).contains("gamma"), "{origin} {key}: {}", line(&g));
            assert!(
                line(&e).contains("discrete"),
                "{origin} {key}: {}",
                line(&e)
            );
        }
        // The sizes are fitted as before: only the cycle model differs.
        let size = |text: &str| {
            text.lines()
                .find(|l| l.starts_with("deal_size_usd ="))
                .unwrap()
                .to_string()
        };
        assert_eq!(size(&g), size(&e), "{origin}");
    }
    let command = |dir: &Path| {
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("backtest.json")).unwrap()).unwrap();
        json["run"]["command"].as_str().unwrap().to_string()
    };
    assert!(command(&empirical).contains("--cycle empirical"));
    assert!(!command(&gamma).contains("--cycle"));
}
