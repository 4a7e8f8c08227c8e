//! A synthetic CRM export: one trial of a scenario written as the opportunities a CRM would
//! hold, in the layout `revsim calibrate` reads (docs/synthetic-crm.md).
//!
//! The engine's deal log ([`crate::engine::trial_deals`]) knows each deal's seat and rep, its
//! creation month, its decision lag in whole months, its outcome and its value. An export needs
//! dates, so each deal is placed inside its months, from its own seeded stream:
//!
//! - A decided deal's lag L depends on the scenario's `simulation.decision_timing`. Under
//!   **continuous** timing (the default) it is floor(a + C) for a position `a` uniform in the
//!   creation month and a continuous cycle C drawn from the scenario's cycle time of the deal's
//!   outcome; the export draws (a, C) **given the lag** (by rejection: C from the distribution
//!   cut to (L - 1, L + 1), `a` uniform, kept when a + C falls in [L, L + 1)), so created dates
//!   are uniform in their months and cycles (close date - created date) have exactly the
//!   scenario's `cycle_months` distribution over deals. Under **month_end** timing L is
//!   ceil(C): C is drawn given the lag (C in (L - 1, L], by inversion of the CDF), then `a`
//!   uniformly on [L - C, 1), so the cycles are again exact but created dates lean toward the
//!   end of their month (an early position leaves room only for cycles just short of a whole
//!   month). Either way the deal is created at month t + a and decided at t + a + C, which
//!   falls in month t + L, exactly the simulated decision month.
//! - Positions become dates linearly within each calendar month (28 to 31 days) and are cut to
//!   whole days, so an observed cycle differs from its C by a day or two; [`SynthDeal`] keeps C.
//! - A deal orphaned by its rep's departure (lost then) closes on the last day of the month its
//!   rep left; a deal decided after the horizon has no close date.
//!
//! The export date (`as_of`, by default the last day of the horizon) splits the deals: closed on
//! or before it (won, lost, no decision), open at it (created on or before it, decided after it,
//! or after the horizon), or not yet created (left out). Deals the starting reps opened before
//! the start month and still open at the start are in the export, with their earlier created
//! dates; the deals those reps closed before the start are not (the simulation never draws
//! them), so a fit should start at the start month (`--created-from`), or the export can leave
//! them out (`created_from`).
//!
//! The deal log credits every deal to its seat (lost and no-decision deals from seat streams of
//! their own, so no other draw changes); the export checks its deals against the trial as the
//! scenario runs it (counts by outcome, bookings, orphaned deals, opportunities created), and
//! refuses to write if they differ.

use std::io::Write;

use rand::RngExt;

use crate::calendar::YearMonth;
use crate::crm::dates::Date;
use crate::diagnostic::InputError;
use crate::model::pipeline::{DealRecord, Outcome};
use crate::random::streams::{ORG, StreamRng, keyed, trial_key};
use crate::scenario::Scenario;
use crate::scenario::dist::Dist;
use crate::scenario::raw::{DecisionTiming, Detail};

/// The stream purpose of the placement of deals in their months: not one the engine uses (its
/// purposes are below 32), so the placement never shares a stream with a trial's draws.
const PLACEMENT: u8 = 200;

/// How a deal stands at the export date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Closed won.
    Won,
    /// Closed lost (including deals orphaned by their rep's departure).
    Lost,
    /// Closed with no decision.
    NoDecision,
    /// Still open at the export date.
    Open,
}

impl Status {
    /// The outcome as revsim's export layout writes it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Won => "won",
            Status::Lost => "lost",
            Status::NoDecision => "no decision",
            Status::Open => "open",
        }
    }
}

/// One opportunity of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthDeal {
    /// Its id, `OPP-00001`, ... in the order of the export (by created date, then owner).
    pub id: String,
    /// Seat of the rep who opened it.
    pub seat: u32,
    /// Which of the seat's reps opened it (1 for the seat's first rep of the trial).
    pub rep: u32,
    /// The owner's name, from (seat, rep): `Seat 012 / rep 1`.
    pub owner: String,
    /// Month it was created, counted from the start month (negative: before the start).
    pub created_month: i64,
    /// Date it was created.
    pub created: Date,
    /// For a closed deal, its close date; for an open one, the date the simulation decides it
    /// (its expected close), or `None` if that is after the horizon.
    pub close: Option<Date>,
    /// How it stands at the export date.
    pub status: Status,
    /// How the simulation decides it, whether or not that is before the export date.
    pub outcome: Outcome,
    /// Whether its rep's departure orphaned it (closed lost on the last day of that month).
    pub orphaned: bool,
    /// The continuous cycle drawn for it, in months (close - created in months of the calendar,
    /// before the cut to whole days); `None` when it is orphaned or decided after the horizon.
    pub cycle_months: Option<f64>,
    /// Its value in whole US dollars (the amount of every outcome: what the rep entered).
    pub amount_usd: i64,
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynthOptions {
    /// The seed.
    pub seed: u64,
    /// The trial (its numbers are those of trial `trial` of a run with this seed).
    pub trial: u64,
    /// The export date; `None` for the last day of the horizon.
    pub as_of: Option<Date>,
    /// Leave out the deals created before this date (`None`: keep every deal, including
    /// those open at the start that were created before it).
    pub created_from: Option<Date>,
}

/// A synthetic export: the deals of one trial, dated, as they stand at the export date.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthExport {
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// The trial.
    pub trial: u64,
    /// First day of the start month.
    pub first_day: Date,
    /// Last day of the horizon.
    pub last_day: Date,
    /// The export date.
    pub as_of: Date,
    /// The deals created on or before the export date, in export order.
    pub deals: Vec<SynthDeal>,
    /// Deals of the trial created after the export date (left out).
    pub not_yet_created: usize,
    /// Deals created before `created_from` (left out).
    pub created_before: usize,
    /// Months after which a deal of any outcome is still open with probability at most 1e-4
    /// (from the cycle CDFs, as the warm-up of a steady-state starting pipeline).
    pub settle_months: usize,
    /// The last creation date of the cohorts that have had `settle_months` to close by the
    /// export date: fitting up to it (`--created-until`) leaves out the deals still open, at
    /// the cost of the 1e-4 tail. `None` if no month since the start is that old.
    pub settled_until: Option<Date>,
}

impl SynthExport {
    /// The deals with a status.
    pub fn count(&self, status: Status) -> usize {
        self.deals.iter().filter(|d| d.status == status).count()
    }

    /// Owners (reps) with at least one deal in the export.
    pub fn owners(&self) -> usize {
        let mut owners: Vec<(u32, u32)> = self.deals.iter().map(|d| (d.seat, d.rep)).collect();
        owners.sort_unstable();
        owners.dedup();
        owners.len()
    }

    /// Writes the export in revsim's layout (`id,owner,created_date,close_date,amount_usd,
    /// outcome`); open deals as outcome `open` with their expected close date (empty if after
    /// the horizon) when `with_open`, else left out.
    pub fn write_history(&self, w: &mut dyn Write, with_open: bool) -> std::io::Result<()> {
        writeln!(w, "id,owner,created_date,close_date,amount_usd,outcome")?;
        for d in &self.deals {
            if d.status == Status::Open && !with_open {
                continue;
            }
            let close = d.close.map(|c| c.to_string()).unwrap_or_default();
            writeln!(
                w,
                "{},{},{},{close},{},{}",
                d.id,
                d.owner,
                d.created,
                d.amount_usd,
                d.status.label()
            )?;
        }
        Ok(())
    }

    /// Writes the open deals as an open pipeline that `[open_pipeline]` reads as it is
    /// (`id,owner,created_date,close_date,amount_usd,outcome`, outcome `open`, the close date
    /// being the expected one).
    pub fn write_open(&self, w: &mut dyn Write) -> std::io::Result<()> {
        writeln!(w, "id,owner,created_date,close_date,amount_usd,outcome")?;
        for d in self.deals.iter().filter(|d| d.status == Status::Open) {
            let close = d.close.map(|c| c.to_string()).unwrap_or_default();
            writeln!(
                w,
                "{},{},{},{close},{},open",
                d.id, d.owner, d.created, d.amount_usd
            )?;
        }
        Ok(())
    }
}

/// The owner's name of the `rep`-th rep of `seat`, with the seat number zero-padded to `width`
/// digits (so names sort by seat): `Seat 012 / rep 1`.
pub fn owner_name(seat: u32, rep: u32, width: usize) -> String {
    format!("Seat {seat:0width$} / rep {rep}")
}

/// The first day of `m`.
fn first_day(m: YearMonth) -> Date {
    Date::new(m.year(), m.month(), 1).expect("a scenario's months are in 1900 to 2200")
}

/// The calendar of the export: month `t` (from the start month) as its first day and length.
struct Calendar {
    start: YearMonth,
}

impl Calendar {
    fn month(&self, t: i64) -> (Date, i32) {
        let m = self.start.plus(t as i32);
        let first = first_day(m);
        (first, first_day(m.plus(1)).days_since(first))
    }

    /// The date at position `f` in [0, 1) of month `t`: linear in the month, cut to whole days.
    fn date(&self, t: i64, f: f64) -> Date {
        let (first, days) = self.month(t);
        let day = ((f * days as f64).floor() as i32).clamp(0, days - 1);
        first.add_days(day).expect("inside the scenario's calendar")
    }

    fn last_day(&self, t: i64) -> Date {
        let (first, days) = self.month(t);
        first
            .add_days(days - 1)
            .expect("inside the scenario's calendar")
    }
}

/// The deals of trial `opts.trial` of `s`, dated and split at the export date.
pub fn synthesize(s: &Scenario, opts: &SynthOptions) -> Result<SynthExport, InputError> {
    let cal = Calendar {
        start: s.clock.start,
    };
    let first = first_day(s.clock.start);
    let last = cal.last_day(s.horizon() as i64 - 1);
    let as_of = export_date(s, opts.as_of, first, last)?;
    let (settle_months, settled_until) = settled(s, &cal, as_of);

    let deals = logged_deals(s, opts.seed, opts.trial).map_err(|m| {
        InputError::file(&s.source, m).help("this is a bug in revsim; please report it")
    })?;

    let width = s
        .staffing
        .max_seats
        .saturating_sub(1)
        .to_string()
        .len()
        .max(3);
    let mut rng: StreamRng = keyed(trial_key(opts.seed, opts.trial), ORG, PLACEMENT);
    let mut out = Vec::with_capacity(deals.len());
    let mut not_yet_created = 0;
    let mut created_before = 0;
    for (i, d) in deals.iter().enumerate() {
        // Two uniforms per deal, whatever its fate, so one deal's placement never moves another's.
        let (u1, u2): (f64, f64) = (rng.random(), rng.random());
        let cycle = &s.pipeline.cycle_months[d.outcome as usize];
        let placed = match s.pipeline.timing {
            DecisionTiming::MonthEnd => place(&cal, cycle, d, u1, u2),
            DecisionTiming::Continuous => place_continuous(&cal, cycle, d, u1, u2),
        };
        if placed.created > as_of {
            not_yet_created += 1;
            continue;
        }
        if opts.created_from.is_some_and(|from| placed.created < from) {
            created_before += 1;
            continue;
        }
        out.push((i, as_exported(&cal, d, &placed, as_of, width)));
    }
    Ok(SynthExport {
        scenario: s.name.clone(),
        seed: opts.seed,
        trial: opts.trial,
        first_day: first,
        last_day: last,
        as_of,
        deals: in_export_order(out),
        not_yet_created,
        created_before,
        settle_months,
        settled_until,
    })
}

/// The export date: `as_of`, or the last day of the horizon; an error outside the simulated
/// months (`first` to `last`).
fn export_date(
    s: &Scenario,
    as_of: Option<Date>,
    first: Date,
    last: Date,
) -> Result<Date, InputError> {
    let as_of = as_of.unwrap_or(last);
    if as_of < first || as_of > last {
        return Err(InputError::file(
            "--as-of",
            format!(
                "{as_of} is outside the simulated months of {} ({first} to {last})",
                s.source
            ),
        )
        .help(format!(
            "give a date from {first} to {last}, or leave out --as-of to export at the end of the horizon"
        )));
    }
    Ok(as_of)
}

/// [`SynthExport::settle_months`] and [`SynthExport::settled_until`].
fn settled(s: &Scenario, cal: &Calendar, as_of: Date) -> (usize, Option<Date>) {
    // A deal created in month t <= A - w (A the export month, w the settling months) has had
    // w whole months to be decided; if the export date is not its month's last day, month A
    // is not over, so one month less.
    let settle_months = crate::scenario::lags::warm_up_months(&s.pipeline.cycle_months);
    let export_month = as_of.month().months_since(s.clock.start) as i64;
    let over = as_of == cal.last_day(export_month);
    let settled = export_month - settle_months as i64 - i64::from(!over);
    (settle_months, (settled >= 0).then(|| cal.last_day(settled)))
}

/// A deal placed in its months.
struct Placed {
    created: Date,
    /// When the simulation decides it, if within the horizon.
    decided: Option<Date>,
    /// The continuous cycle drawn, in months.
    cycle_months: Option<f64>,
}

impl Placed {
    /// A deal decided after the horizon, created at position `a` of its month.
    fn undecided(cal: &Calendar, d: &DealRecord, a: f64) -> Placed {
        Placed {
            created: cal.date(d.created, a),
            decided: None,
            cycle_months: None,
        }
    }

    /// Created at position `a` of its month t, decided a cycle `c` later, in month t + `lag`.
    fn at(cal: &Calendar, d: &DealRecord, lag: u32, a: f64, c: f64) -> Placed {
        let decided_at = (a + c - f64::from(lag)).clamp(0.0, 1.0 - f64::EPSILON);
        Placed {
            created: cal.date(d.created, a),
            decided: Some(cal.date(d.created + i64::from(lag), decided_at)),
            cycle_months: Some(c),
        }
    }
}

/// Places deal `d` from two uniforms: its continuous cycle given its whole-month lag (from
/// `u1`), then its position in its creation month (from `u2`).
fn place(cal: &Calendar, cycle: &Dist, d: &DealRecord, u1: f64, u2: f64) -> Placed {
    let Some(lag) = d.lag else {
        return Placed::undecided(cal, d, u2);
    };
    let l = f64::from(lag);
    let c = if lag == 0 {
        0.0
    } else {
        let lo = cycle.cdf(l - 1.0);
        let hi = cycle.cdf(l);
        cycle.quantile(lo + u1 * (hi - lo)).clamp(l - 1.0, l)
    };
    // Created at t + a, decided at t + a + c, inside month t + lag.
    let a0 = l - c;
    let a = (a0 + u2 * (1.0 - a0)).min(1.0 - f64::EPSILON);
    Placed::at(cal, d, lag, a, c)
}

/// Most tries of [`place_continuous`]'s rejection before it takes the last one (reached only
/// for a lag the cycle distribution almost never gives).
const MAX_TRIES: u32 = 10_000;

/// Places deal `d` under continuous timing: a position `a` uniform in its creation month and a
/// cycle C from its distribution, given that a + C falls in its lag's month (by rejection, on a
/// stream of its own seeded from `u1` and `u2`).
fn place_continuous(cal: &Calendar, cycle: &Dist, d: &DealRecord, u1: f64, u2: f64) -> Placed {
    let Some(lag) = d.lag else {
        return Placed::undecided(cal, d, u2);
    };
    let l = f64::from(lag);
    let mut r = keyed(u1.to_bits() ^ u2.to_bits().rotate_left(32), ORG, PLACEMENT);
    let (lo, hi) = (cycle.cdf(l - 1.0), cycle.cdf(l + 1.0));
    let (mut a, mut c) = (0.0, l);
    for _ in 0..MAX_TRIES {
        let (v, w): (f64, f64) = (r.random(), r.random());
        c = cycle
            .quantile(lo + v * (hi - lo))
            .clamp((l - 1.0).max(0.0), l + 1.0);
        a = w;
        if a + c >= l && a + c < l + 1.0 {
            break;
        }
    }
    // After the last try (never in practice), the nearest placement inside the month.
    let a = a.clamp((l - c).max(0.0), (l + 1.0 - c).min(1.0 - f64::EPSILON));
    Placed::at(cal, d, lag, a, c)
}

/// Deal `d`, placed, as it stands at the export date (its id not yet given).
fn as_exported(
    cal: &Calendar,
    d: &DealRecord,
    placed: &Placed,
    as_of: Date,
    width: usize,
) -> SynthDeal {
    let created = placed.created;
    let decided = placed.decided;
    let (close, cycle_months) = match d.orphaned {
        Some(month) => (Some(cal.last_day(month).max(created)), None),
        None => (decided, placed.cycle_months),
    };
    let closed = close.is_some_and(|c| c <= as_of);
    let status = match (closed, d.outcome) {
        (false, _) => Status::Open,
        (true, Outcome::Won) => Status::Won,
        (true, Outcome::Lost) => Status::Lost,
        (true, Outcome::NoDecision) => Status::NoDecision,
    };
    // An open deal's expected close is its simulated decision, not the orphaning.
    let close = if status == Status::Open {
        decided
    } else {
        close
    };
    SynthDeal {
        id: String::new(),
        seat: d.seat,
        rep: d.rep,
        owner: owner_name(d.seat, d.rep, width),
        created_month: d.created,
        created,
        close,
        status,
        outcome: d.outcome,
        orphaned: d.orphaned.is_some(),
        cycle_months,
        amount_usd: d.value_usd,
    }
}

/// The deals sorted by created date, then owner, then place in the deal log (`i` of each), and
/// numbered `OPP-00001`, ... in that order.
fn in_export_order(mut deals: Vec<(usize, SynthDeal)>) -> Vec<SynthDeal> {
    deals.sort_by_key(|(i, d)| (d.created, d.seat, d.rep, *i));
    let id_width = deals.len().to_string().len().max(5);
    deals
        .into_iter()
        .enumerate()
        .map(|(n, (_, mut d))| {
            d.id = format!("OPP-{:0id_width$}", n + 1);
            d
        })
        .collect()
}

/// The deal log of the trial in full detail, every deal credited to a seat, checked against
/// the trial's totals; an error message if they disagree.
fn logged_deals(s: &Scenario, seed: u64, trial: u64) -> Result<Vec<DealRecord>, String> {
    let mut full = s.clone();
    full.detail = Detail::Full;
    let deals = crate::engine::trial_deals(&full, seed, trial);
    if let Some(d) = deals.iter().find(|d| d.seat == u32::MAX) {
        return Err(format!("the deal log has a deal without a seat: {d:?}"));
    }
    let t = trial as usize;
    let r = crate::engine::simulate_range(&full, t..t + 1, seed, &|_| ());
    let totals = &r.totals[0];
    let h = s.horizon() as i64;
    let decided = |o: Outcome| {
        deals
            .iter()
            .filter(|d| {
                d.outcome == o
                    && d.orphaned.is_none()
                    && d.lag.is_some_and(|l| d.created + i64::from(l) < h)
            })
            .count() as u64
    };
    let booked: i64 = deals
        .iter()
        .filter(|d| d.outcome == Outcome::Won && d.orphaned.is_none() && d.lag.is_some())
        .map(|d| d.value_usd)
        .sum();
    let orphaned = deals.iter().filter(|d| d.orphaned.is_some()).count() as u64;
    let created = deals.iter().filter(|d| d.created >= 0).count() as u64;
    let got = (
        decided(Outcome::Won),
        decided(Outcome::Lost),
        decided(Outcome::NoDecision),
        booked as f64,
        orphaned,
        created,
    );
    let want = (
        totals.deals_won,
        totals.deals_lost,
        totals.deals_no_decision,
        totals.bookings_usd,
        totals.deals_orphaned,
        totals.opportunities_created,
    );
    if got != want {
        return Err(format!(
            "the deal log of trial {trial} (won, lost, no decision, bookings, orphaned, created {got:?}) does not add up to the trial ({want:?})"
        ));
    }
    Ok(deals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            r#"
[simulation]
start_month = "2024-01"
horizon_months = 24
[org]
seats = 12
[pipeline]
opportunities_per_rep_month = 3
deal_size_usd = {{ lognormal = {{ median = 20_000, p90 = 60_000 }} }}
cycle_months = {{ gamma = {{ mean = 2.5, sd = 1.25 }} }}
cycle_months_no_decision = {{ gamma = {{ mean = 4, sd = 2 }} }}
[pipeline.outcomes]
won = 0.25
lost = 0.35
no_decision = 0.40
{extra}
"#
        );
        Scenario::from_toml(&text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
    }

    fn opts(as_of: Option<Date>) -> SynthOptions {
        SynthOptions {
            created_from: None,
            seed: 5,
            trial: 3,
            as_of,
        }
    }

    #[test]
    fn continuous_timing_spreads_created_dates_over_their_months() {
        // Under continuous timing a deal's position in its creation month is uniform whatever
        // its cycle: the mean position of n deals is 1/2 within 5 standard errors
        // (1 / sqrt(12 n)), plus the cut to whole days (at most one day in 28).
        let s = scenario("");
        let x = synthesize(&s, &opts(None)).unwrap();
        let position = |d: &SynthDeal| {
            let m = d.created.month();
            let days = first_day(m.plus(1)).days_since(first_day(m)) as f64;
            (d.created.days_since(first_day(m)) as f64 + 0.5) / days
        };
        let closed: Vec<f64> = x
            .deals
            .iter()
            .filter(|d| d.close.is_some() && d.created_month >= 0)
            .map(position)
            .collect();
        let n = closed.len() as f64;
        let mean = closed.iter().sum::<f64>() / n;
        let bound = 5.0 / (12.0 * n).sqrt() + 1.0 / 28.0;
        assert!(
            (mean - 0.5).abs() < bound,
            "{mean} over {n} deals, bound {bound}"
        );
    }

    #[test]
    fn created_from_leaves_out_the_starting_pipeline() {
        let s = scenario("");
        let all = synthesize(&s, &opts(None)).unwrap();
        let first = first_day(s.clock.start);
        let before = all.deals.iter().filter(|d| d.created < first).count();
        assert!(
            before > 0,
            "the steady-state start has open deals from before it"
        );
        let cut = SynthOptions {
            created_from: Some(first),
            ..opts(None)
        };
        let x = synthesize(&s, &cut).unwrap();
        assert_eq!(x.created_before, before);
        assert_eq!(x.deals.len() + before, all.deals.len());
        assert!(x.deals.iter().all(|d| d.created >= first));
    }

    #[test]
    fn dates_fall_in_the_simulated_months() {
        let s = scenario("");
        let x = synthesize(&s, &opts(None)).unwrap();
        assert!(x.deals.len() > 500, "{}", x.deals.len());
        let start = s.clock.start;
        for d in &x.deals {
            assert_eq!(
                d.created.month().months_since(start) as i64,
                d.created_month,
                "{d:?}"
            );
            if let (Some(c), Some(cycle)) = (d.close, d.cycle_months) {
                // The close month is the simulated decision month, floor(a + cycle) after
                // creation for a position a in [0, 1) of the creation month.
                let lag = c.month().months_since(d.created.month()) as f64;
                assert!(lag == cycle.floor() || lag == cycle.floor() + 1.0, "{d:?}");
                assert!(c >= d.created);
                // Whole days and unequal months move the observed cycle by a few days at most.
                let days = c.days_since(d.created) as f64;
                assert!((days / 30.4375 - cycle).abs() < 4.0 / 30.4375, "{d:?}");
            }
            assert_eq!(
                d.status == Status::Open,
                d.close.is_none_or(|c| c > x.as_of)
            );
        }
        assert!(x.count(Status::Won) > 0 && x.count(Status::NoDecision) > 0);
        // No leaver policy in the scenario, yet every deal has its owner.
        assert!(x.deals.iter().all(|d| d.seat < 12 && d.rep == 1));
        assert_eq!(x.owners(), 12);
        assert_eq!(x.deals[0].id, "OPP-00001");
        // Cohorts 16 months old by the end of December 2025: created up to August 2024.
        assert_eq!(x.settle_months, 16);
        assert_eq!(x.settled_until, Date::new(2024, 8, 31));
        assert!(x.deals.windows(2).all(|w| w[0].created <= w[1].created));
    }

    #[test]
    fn an_earlier_export_date_leaves_later_deals_open_or_out() {
        let s = scenario("");
        let all = synthesize(&s, &opts(None)).unwrap();
        let as_of = Date::new(2024, 12, 15).unwrap();
        let x = synthesize(&s, &opts(Some(as_of))).unwrap();
        assert_eq!(
            x.deals.len() + x.not_yet_created,
            all.deals.len() + all.not_yet_created
        );
        assert!(x.deals.iter().all(|d| d.created <= as_of));
        assert_eq!(x.settled_until, None, "no cohort is 16 months old");
        assert!(
            x.deals
                .iter()
                .filter(|d| d.status != Status::Open)
                .all(|d| d.close.unwrap() <= as_of)
        );
        // The same deals, as they stood then: closed by then as in the full export, the rest
        // open (many of them closed later).
        let key = |d: &SynthDeal| (d.seat, d.rep, d.created, d.amount_usd);
        let later: std::collections::HashMap<_, &SynthDeal> =
            all.deals.iter().map(|d| (key(d), d)).collect();
        let mut closed_later = 0;
        for d in &x.deals {
            let full = later[&key(d)];
            if d.status == Status::Open {
                closed_later += usize::from(full.status != Status::Open);
            } else {
                assert_eq!((d.status, d.close), (full.status, full.close));
            }
        }
        assert!(closed_later > 50, "{closed_later}");
        let err = synthesize(&s, &opts(Some(Date::new(2026, 1, 1).unwrap()))).unwrap_err();
        assert!(err.message.contains("2025-12-31"), "{}", err.message);
    }

    #[test]
    fn orphaned_deals_close_when_their_rep_leaves() {
        let s = scenario(
            "[attrition]\nannual_rate = 0.5\n[pipeline.leaver_deals]\nlost_probability = 0.6",
        );
        let x = synthesize(&s, &opts(None)).unwrap();
        let orphaned: Vec<&SynthDeal> = x.deals.iter().filter(|d| d.orphaned).collect();
        assert!(!orphaned.is_empty());
        for d in orphaned {
            assert_eq!(d.status, Status::Lost);
            let c = d.close.unwrap();
            assert_eq!(
                c.add_days(1).unwrap().ymd().2,
                1,
                "last day of a month: {d:?}"
            );
        }
        assert!(x.deals.iter().any(|d| d.rep > 1));
    }

    #[test]
    fn the_same_inputs_give_the_same_bytes() {
        // Bookings detail logs no deals: the export runs the trial in full detail.
        let mut s = scenario("");
        s.detail = Detail::Bookings;
        let write = || {
            let x = synthesize(&s, &opts(None)).unwrap();
            let mut v = Vec::new();
            x.write_history(&mut v, true).unwrap();
            x.write_open(&mut v).unwrap();
            v
        };
        assert_eq!(write(), write());
        let other = synthesize(
            &s,
            &SynthOptions {
                trial: 4,
                ..opts(None)
            },
        )
        .unwrap();
        assert_ne!(other.deals, synthesize(&s, &opts(None)).unwrap().deals);
    }
}
