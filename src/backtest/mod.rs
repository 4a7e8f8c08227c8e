//! Backtesting: forecasts made at past origins from what was known then, scored against what
//! happened (docs/backtest.md).
//!
//! The data flow, one module per step:
//!
//! ```text
//! export.csv --calibrate::read_history--> History
//!   for each origin:
//!     --snapshot::Snapshot::at--> closed / open / not yet created at the origin
//!     --build::fit_at, open_pipeline_csv, scenario_toml--> scenario.toml + open-pipeline.csv
//!     --engine::simulate--> trials --score--> each month's band and where the actual fell
//!   --coverage--> how often actuals landed inside P10-P90, by months ahead
//!   --outputs--> backtest.csv, coverage.csv, backtest.json, charts, report.html
//! ```
//!
//! ```no_run
//! use revsim::backtest::{Base, Options, plan, run_origin};
//! use revsim::crm::{ReadOptions, read_history};
//! use revsim::output_dir::OutputDir;
//! let history = read_history("history.csv".as_ref(), &ReadOptions::default())?;
//! let origins = plan(&history, &["2024-07".parse().unwrap()], None, 30)?;
//! let dir = OutputDir::prepare("out/bt".as_ref(), true)?;
//! let base = Base::starter();
//! let r = run_origin(&history, &base, &origins[0], &Options::default(), &dir)?;
//! println!("{} of {} months inside P10-P90", r.inside(revsim::backtest::Measure::NewBookings), r.months);
//! # Ok::<(), revsim::InputError>(())
//! ```

pub mod build;
pub mod outputs;
pub mod score;
pub mod snapshot;

use serde::Serialize;

pub use build::{Base, OpenPipeline, OriginFit};
pub use score::{Band, Estimate, Outcome, Position, Scores, Tally, crps, percentile_of};
pub use snapshot::{DataSpan, Snapshot, won_by_month};

use crate::calendar::YearMonth;
use crate::calibrate::FitOptions;
use crate::crm::History;
use crate::diagnostic::InputError;
use crate::model::Metric;
use crate::output_dir::OutputDir;
use crate::scenario::Scenario;

/// The default number of trials per origin.
pub const DEFAULT_TRIALS: usize = 2_000;
/// The default seed.
pub const DEFAULT_SEED: u64 = 1;
/// The default fewest closed deals to fit from at an origin.
pub const DEFAULT_MIN_CLOSED: usize = 30;

/// How each origin is forecast.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Trials per origin.
    pub trials: usize,
    /// Seed (the same for every origin).
    pub seed: u64,
    /// How the pipeline is fitted.
    pub fit: FitOptions,
    /// The fewest closed deals to fit from.
    pub min_closed: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            trials: DEFAULT_TRIALS,
            seed: DEFAULT_SEED,
            fit: FitOptions::default(),
            min_closed: DEFAULT_MIN_CLOSED,
        }
    }
}

/// One origin to forecast from, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The month whose first day the forecast is made on.
    pub as_of: YearMonth,
    /// Months forecast and scored.
    pub months: usize,
}

/// The figures scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Measure {
    /// Bookings in the month.
    #[serde(rename = "new_bookings_usd")]
    NewBookings,
    /// Bookings from the origin to the end of the month.
    #[serde(rename = "cumulative_bookings_usd")]
    CumulativeBookings,
}

impl Measure {
    /// Both, in report order.
    pub const ALL: [Measure; 2] = [Measure::NewBookings, Measure::CumulativeBookings];

    /// As written in the CSV files (the metric names of `monthly.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Measure::NewBookings => "new_bookings_usd",
            Measure::CumulativeBookings => "cumulative_bookings_usd",
        }
    }

    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Measure::NewBookings => "new bookings",
            Measure::CumulativeBookings => "cumulative bookings",
        }
    }
}

/// One month of one origin: the forecast and where the actual fell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scored {
    /// The month.
    pub month: YearMonth,
    /// 1 for the origin month.
    pub months_ahead: usize,
    /// What is scored.
    pub metric: Measure,
    /// What happened, USD.
    pub actual: f64,
    /// The forecast.
    pub band: Band,
    /// How the actual scored: where it fell, its percentile, CRPS and pinball losses.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The backtest of one origin.
#[derive(Debug, Clone, Serialize)]
pub struct OriginResult {
    /// The origin.
    pub as_of: YearMonth,
    /// Months scored.
    pub months: usize,
    /// Reps in seat at the origin (owners active in the three months before it).
    pub reps: usize,
    /// Their names, sorted.
    pub active_owners: Vec<String>,
    /// Opportunities created before the origin.
    pub known: usize,
    /// Of which closed before it.
    pub closed: usize,
    /// Opportunities created from the origin on (unknown to the forecast).
    pub created_later: usize,
    /// The fit.
    pub fit: OriginFit,
    /// The deals open at the origin.
    pub open_pipeline: OpenPipeline,
    /// SHA-256 of the resolved scenario.
    pub scenario_sha256: String,
    /// Each month, new bookings then cumulative bookings.
    pub scored: Vec<Scored>,
}

impl OriginResult {
    /// The rows of one measure, month by month.
    pub fn rows(&self, m: Measure) -> impl Iterator<Item = &Scored> {
        self.scored.iter().filter(move |s| s.metric == m)
    }

    /// Months in which the actual of `m` fell inside P10-P90.
    pub fn inside(&self, m: Measure) -> usize {
        self.rows(m)
            .filter(|s| s.outcome.position == Position::Inside)
            .count()
    }
}

/// Coverage over origins: one row per measure and months ahead (`None`: every month).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coverage {
    /// What is scored.
    pub metric: Measure,
    /// Months ahead (1 = the origin month); `None` for all months together.
    pub months_ahead: Option<usize>,
    /// The counts.
    pub tally: Tally,
    /// The scores, with ranges from the spread between origins.
    pub scores: Scores,
}

/// Coverage by months ahead, then over all months, for each measure.
pub fn coverage(results: &[OriginResult]) -> Vec<Coverage> {
    let longest = results.iter().map(|r| r.months).max().unwrap_or(0);
    let mut out = Vec::new();
    for m in Measure::ALL {
        // Per origin: every month, and each months-ahead.
        let mut all = vec![Tally::default(); results.len()];
        for ahead in 1..=longest {
            let by_origin: Vec<Tally> = results
                .iter()
                .map(|r| {
                    let mut t = Tally::default();
                    r.rows(m)
                        .filter(|s| s.months_ahead == ahead)
                        .for_each(|s| t.add(&s.outcome));
                    t
                })
                .collect();
            for (a, t) in all.iter_mut().zip(&by_origin) {
                a.merge(t);
            }
            out.push(Coverage {
                metric: m,
                months_ahead: Some(ahead),
                tally: total(&by_origin),
                scores: Scores::of(&by_origin),
            });
        }
        out.push(Coverage {
            metric: m,
            months_ahead: None,
            tally: total(&all),
            scores: Scores::of(&all),
        });
    }
    out
}

fn total(by_origin: &[Tally]) -> Tally {
    let mut t = Tally::default();
    by_origin.iter().for_each(|o| t.merge(o));
    t
}

/// Parses `--as-of` values: months `YYYY-MM` and ranges `YYYY-MM..YYYY-MM` (every month from
/// the first to the last), sorted, without repeats.
pub fn parse_origins(values: &[String]) -> Result<Vec<YearMonth>, InputError> {
    let bad = |why: String| {
        InputError::file("--as-of", why).help(
            "write a month as YYYY-MM (--as-of 2024-07) or a range of origins as YYYY-MM..YYYY-MM (--as-of 2024-01..2024-06)",
        )
    };
    let mut out = Vec::new();
    for v in values {
        let v = v.trim();
        match v.split_once("..") {
            Some((a, b)) => {
                let in_range = |e: String| bad(format!("in `{v}`: {e}"));
                let a: YearMonth = a.trim().parse().map_err(in_range)?;
                let b: YearMonth = b.trim().parse().map_err(in_range)?;
                if b < a {
                    return Err(bad(format!(
                        "`{v}`: the range ends ({b}) before it starts ({a})"
                    )));
                }
                for i in 0..=b.months_since(a) {
                    out.push(a.plus(i));
                }
            }
            None => out.push(v.parse().map_err(bad)?),
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The origins to forecast from, each with its months: `months` (or up to the export's last
/// full month, and never past it). Errors for an origin outside the export's months or with too
/// little closed history (fewer than `min_closed` closed deals, or [`build::MIN_WON`] won, in
/// the cohorts old enough to have closed).
pub fn plan(
    history: &History,
    as_of: &[YearMonth],
    months: Option<usize>,
    min_closed: usize,
) -> Result<Vec<Origin>, InputError> {
    let span = backtestable_span(history)?;
    let mut out = Vec::new();
    for &o in as_of {
        check_origin(history, &span, o, min_closed)?;
        let to_end = (span.last_full_month.months_since(o) + 1) as usize;
        out.push(Origin {
            as_of: o,
            months: months.map_or(to_end, |m| m.min(to_end)),
        });
    }
    Ok(out)
}

/// The export's span; an error unless it covers a full month after its first.
fn backtestable_span(history: &History) -> Result<DataSpan, InputError> {
    let Some(span) = DataSpan::of(history) else {
        return Err(
            InputError::file(&history.file, "the export holds no opportunities")
                .help("export the opportunities with their created and close dates"),
        );
    };
    if span.last_full_month <= span.first_month {
        return Err(InputError::file(
            &history.file,
            format!(
                "the export covers {} to {}, not a full month after its first: nothing to backtest",
                span.first_created, span.latest
            ),
        )
        .help("export at least several months of opportunities"));
    }
    Ok(span)
}

/// Whether origin `o` can be backtested: inside the export's months, with enough closed history
/// and a rep in seat.
fn check_origin(
    history: &History,
    span: &DataSpan,
    o: YearMonth,
    min_closed: usize,
) -> Result<(), InputError> {
    let range = format!(
        "choose an origin from {} to {} (the export runs from {} to {}; its last full month is {})",
        span.first_month.plus(1),
        span.last_full_month,
        span.first_created,
        span.latest,
        span.last_full_month
    );
    if o <= span.first_month {
        return Err(InputError::file(
            &history.file,
            format!(
                "{o} is not after the export's first month ({}): nothing was known at that origin",
                span.first_month
            ),
        )
        .key("--as-of")
        .help(range));
    }
    if o > span.last_full_month {
        return Err(InputError::file(
            &history.file,
            format!(
                "{o} is after the export's last full month ({}; latest date {}): no month after the origin can be scored",
                span.last_full_month, span.latest
            ),
        )
        .key("--as-of")
        .help(range));
    }
    let snap = Snapshot::at(history, o);
    let (cutoff, _) = build::cohort_cutoff(&snap);
    let cohorts = snap.known.iter().filter(|x| x.created <= cutoff);
    let (closed, won) = cohorts.fold((0, 0), |(c, w), x| {
        (
            c + usize::from(x.outcome != crate::crm::Outcome::Open),
            w + usize::from(x.outcome == crate::crm::Outcome::Won && x.amount_usd.is_some()),
        )
    });
    if closed < min_closed.max(1) || won < build::MIN_WON {
        return Err(shortfall_error(
            history,
            span,
            o,
            build::Shortfall {
                closed,
                won,
                created_until: cutoff,
            },
            min_closed,
        ));
    }
    if snap.active_owners.is_empty() {
        return Err(InputError::file(
            &history.file,
            format!(
                "{o}: no owner created an opportunity in the {} months before the origin, so no rep was in seat",
                snapshot::ACTIVE_WINDOW_MONTHS
            ),
        )
        .key("--as-of")
        .help("choose an origin at which the team was selling"));
    }
    Ok(())
}

fn shortfall_error(
    history: &History,
    span: &DataSpan,
    origin: YearMonth,
    s: build::Shortfall,
    min_closed: usize,
) -> InputError {
    let first_ok = (1..=span.last_full_month.months_since(span.first_month))
        .map(|i| span.first_month.plus(i))
        .find(|&o| {
            let snap = Snapshot::at(history, o);
            let (cutoff, _) = build::cohort_cutoff(&snap);
            let c = snap
                .closed_deals()
                .filter(|x| x.created <= cutoff)
                .collect::<Vec<_>>();
            c.len() >= min_closed.max(1)
                && c.iter()
                    .filter(|x| x.outcome == crate::crm::Outcome::Won && x.amount_usd.is_some())
                    .count()
                    >= build::MIN_WON
        });
    let hint = match first_ok {
        Some(o) => format!("choose an origin from {o} on (the first with enough closed history)"),
        None => "no origin in this export has enough closed history; export a longer history"
            .to_string(),
    };
    InputError::file(
        &history.file,
        format!(
            "{origin}: {} closed deals ({} won) among the opportunities created up to {} (the cohorts old enough to have closed by the origin); a backtest fits from at least {} closed deals, {} of them won",
            s.closed,
            s.won,
            s.created_until,
            min_closed.max(1),
            build::MIN_WON
        ),
    )
    .key("--as-of")
    .help(hint)
    .help("or lower the minimum with --min-closed N (the fit gets noisier)")
}

/// Forecasts from `origin` and scores it: writes `scenario.toml`, `open-pipeline.csv` and
/// `calibrated.toml` into `dir`, loads the scenario from there and simulates it (on the current
/// rayon pool).
pub fn run_origin(
    history: &History,
    base: &Base,
    origin: &Origin,
    opts: &Options,
    dir: &OutputDir,
) -> Result<OriginResult, InputError> {
    let snap = Snapshot::at(history, origin.as_of);
    let fit = build::fit_at(history, &snap, &opts.fit, opts.min_closed).map_err(|s| {
        let span = DataSpan::of(history).expect("planned origins have data");
        shortfall_error(history, &span, origin.as_of, s, opts.min_closed)
    })?;
    let (csv, open) = build::open_pipeline_csv(&snap);
    let stem = std::path::Path::new(&history.file)
        .file_stem()
        .map_or("history".into(), |s| s.to_string_lossy().into_owned());
    let settings = build::Settings {
        name: format!("backtest-{stem}-{}", origin.as_of),
        origin: origin.as_of,
        horizon: origin.months,
        reps: snap.active_owners.len(),
        trials: opts.trials,
        seed: opts.seed,
        export: history.file.clone(),
        base: base.label.clone(),
    };
    let text = build::scenario_toml(base, &fit.fragment, &settings)?;
    dir.write(build::OPEN_PIPELINE_CSV, |w| w.write_all(csv.as_bytes()))?;
    dir.write("calibrated.toml", |w| w.write_all(fit.fragment.as_bytes()))?;
    let path = dir.write("scenario.toml", |w| w.write_all(text.as_bytes()))?;
    let s = Scenario::load(&path)?;
    if !crate::engine::keeps_every_trial(opts.trials, s.horizon()) {
        return Err(InputError::file(
            "--trials",
            format!(
                "{} trials of {} months are more than a backtest keeps in memory",
                opts.trials,
                s.horizon()
            ),
        )
        .help("use fewer trials (a few thousand place P10 and P90 to within a point)"));
    }
    let r = crate::engine::simulate(&s, opts.trials, opts.seed, &|_| {});
    let actual = won_by_month(history, origin.as_of, origin.months);
    let scored = score(&r, &actual, origin);
    let closed = snap.closed_deals().count();
    Ok(OriginResult {
        as_of: origin.as_of,
        months: origin.months,
        reps: snap.active_owners.len(),
        active_owners: snap.active_owners.clone(),
        known: snap.known.len(),
        closed,
        created_later: snap.created_later,
        fit,
        open_pipeline: open,
        scenario_sha256: s.sha256.clone(),
        scored,
    })
}

/// Each month's new and cumulative bookings: the trials' band, and where the actual fell.
fn score(r: &crate::engine::Results, actual: &[f64], origin: &Origin) -> Vec<Scored> {
    let mut scored = Vec::with_capacity(2 * origin.months);
    let mut cumulative = vec![0.0f64; r.trials];
    let mut actual_cum = 0.0;
    for (m, &a) in actual.iter().enumerate() {
        let mut new: Vec<f64> = (0..r.trials)
            .map(|t| f64::from(r.monthly_value(t, Metric::NewBookingsUsd, m)))
            .collect();
        for (c, v) in cumulative.iter_mut().zip(&new) {
            *c += v;
        }
        actual_cum += a;
        let mut cum = cumulative.clone();
        for (metric, values, actual) in [
            (Measure::NewBookings, &mut new, a),
            (Measure::CumulativeBookings, &mut cum, actual_cum),
        ] {
            values.sort_by(f64::total_cmp);
            let band = Band::of_sorted(values);
            scored.push(Scored {
                month: origin.as_of.plus(m as i32),
                months_ahead: m + 1,
                metric,
                actual,
                band,
                outcome: Outcome::of(values, &band, actual),
            });
        }
    }
    scored
}
