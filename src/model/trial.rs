//! One trial: a pure function of the scenario, the seed and the trial index.
//!
//! Each month, in order: the headcount plan opens or closes seats; requisitions that are due
//! start their reps (up to the recruiting capacity, earliest first); every rep in seat creates
//! opportunities (own rate x ramp x skill, plus a ramp-weighted share of the inbound pool) and
//! accrues quota; bookings decided this month are credited to the rep in seat; fiscal-year
//! statistics close on the last month of a fiscal year; then reps leave (monthly hazard by
//! tenure) and their open deals follow the leaver policy; finally the customer base rolls
//! forward with churn, expansion and the month's new customers.

use serde::{Deserialize, Serialize};

use super::customers::CustomerBase;
use super::hazard::Hazards;
use super::leadership::{Effects, Vp};
use super::managers::Bench;
use super::market::{self, MarketPath};
use super::metrics::{Layout, Metric};
use super::org::{SeatState, Seats};
use super::overlay;
use super::pipeline::{COVERAGE_MONTHS, Ledger, MonthTable, Outcome};
use super::production::{Month, Production};
use crate::random::streams::{ORG, Purpose, StreamRng, stream};
use crate::scenario::Scenario;
use crate::scenario::events::Param;
use crate::scenario::raw::{Detail, LayoffWho};
use crate::scenario::uncertainty::Target;
use rand::RngExt;

/// Headline figures of one fiscal year (or its part inside the horizon) in one trial.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct FiscalYearOutcome {
    /// New bookings in the fiscal year, USD.
    pub bookings_usd: f64,
    /// ARR at the end of the fiscal year, USD.
    pub ending_arr_usd: f64,
    /// Reps in seat at the end of the fiscal year.
    pub ending_headcount: u32,
    /// Reps hired in the fiscal year.
    pub hires: u32,
    /// Reps who left in the fiscal year.
    pub departures: u32,
    /// Reps in seat at fiscal-year end who carried quota in the year.
    pub reps_with_quota: u32,
    /// Share of those reps at or above 100% of their (ramped, pro-rated) quota; NaN if none.
    pub share_of_reps_at_quota: f64,
    /// Share of the bookings of reps in seat at year end produced by the top 20% of them; NaN
    /// if they booked nothing.
    pub top_20pct_share_of_bookings: f64,
}

/// Headline totals of one trial over the whole horizon.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TrialTotals {
    /// New bookings over the horizon, USD.
    pub bookings_usd: f64,
    /// ARR at the end of the horizon, USD.
    pub ending_arr_usd: f64,
    /// Reps in seat at the end of the horizon.
    pub ending_headcount: u32,
    /// Reps hired over the horizon.
    pub hires: u32,
    /// Reps who left over the horizon.
    pub departures: u32,
    /// Opportunities created.
    pub opportunities_created: u64,
    /// Deals won (decided inside the horizon).
    pub deals_won: u64,
    /// Deals lost (decided inside the horizon).
    pub deals_lost: u64,
    /// Deals ending in no decision (inside the horizon).
    pub deals_no_decision: u64,
    /// Open deals lost because their rep left.
    pub deals_orphaned: u64,
    /// Deals open at the start (the starting pipeline).
    pub deals_open_at_start: u64,
    /// Changes of VP of Sales over the horizon.
    pub vp_changes: u32,
    /// Months spent in a VP transition (search to re-onboarding).
    pub vp_transition_months: u32,
    /// Deals still open at the end of the horizon.
    pub deals_open_at_end: u64,
}

/// Where one trial writes its results.
pub struct TrialOut<'a> {
    /// Monthly metrics as [`Layout::of`] the scenario places them: `slot * horizon + month`.
    pub monthly: &'a mut [f32],
    /// One record per fiscal year of the clock.
    pub fiscal_years: &'a mut [FiscalYearOutcome],
    /// Horizon totals.
    pub totals: &'a mut TrialTotals,
    /// The trial's draw of each uncertain parameter and shock, as [`draw_columns`] names them.
    pub draws: &'a mut [f64],
}

/// The names of the per-trial draws a run records: each uncertain parameter by its key path,
/// then `market.monthly_shock` (the geometric mean over the horizon of the shock's multiplier
/// on demand) when the scenario has a monthly shock.
pub fn draw_columns(s: &Scenario) -> Vec<String> {
    let mut out: Vec<String> = s
        .uncertainty
        .params
        .iter()
        .map(|p| p.path.clone())
        .collect();
    if s.market.shock_sd > 0.0 {
        out.push("market.monthly_shock".into());
    }
    out
}

/// Buffers reused from trial to trial on one thread (no allocation in the monthly loop).
pub struct Workspace {
    seats: Seats,
    ledger: Ledger,
    hazards: Hazards,
    hazards_before: Hazards,
    table: MonthTable,
    production: Production,
    queue: Vec<(i32, u32)>,
    scratch: Vec<i64>,
    demand: Vec<f64>,
    market: MarketPath,
    /// The trial's view of a scenario that varies (see [`super::overlay`]).
    view: Option<Box<Scenario>>,
    /// The trial's draws of the uncertain parameters.
    values: Vec<f64>,
    vp_completed: Vec<u32>,
    manager_buffer: Vec<i64>,
    ranked: Vec<(i64, u32)>,
    exits: Vec<(u32, bool)>,
    leaving: Vec<u32>,
    /// Where the scenario's monthly metrics go in a trial's record.
    layout: Layout,
    /// Completed VP tenures (months) of the trials run with this workspace: a histogram.
    pub vp_hist_completed: Vec<u64>,
    /// Tenures of the VPs in seat at the end of the horizon: a histogram.
    pub vp_hist_running: Vec<u64>,
    /// Quota attainment of reps at fiscal-year end, whole percent (capped), per fiscal year:
    /// `fy * ATTAINMENT_BINS + percent`.
    pub attainment_hist: Vec<u64>,
}

/// Bins of the attainment histogram: 0% to 299% by whole percent, then 300% or more.
pub const ATTAINMENT_BINS: usize = 301;

/// Bins of the VP tenure histograms: every tenure up to the longest possible.
pub fn vp_hist_len(s: &Scenario) -> usize {
    s.horizon()
        + s.leadership
            .as_ref()
            .map_or(0, |l| l.starting_vp_tenure_months as usize)
        + 1
}

impl Workspace {
    /// Keeps a log of every deal from the next trial on (full detail), for
    /// [`Workspace::take_deals`].
    pub fn keep_deal_log(&mut self) {
        self.ledger.keep_log();
    }

    /// The deals of the last trial run with this workspace, if it keeps a deal log.
    pub fn take_deals(&mut self) -> Vec<super::pipeline::DealRecord> {
        self.ledger.take_log()
    }

    /// Takes the histograms accumulated so far (completed VP tenures, running VP tenures,
    /// attainment), leaving zeroed ones.
    pub fn take_histograms(&mut self) -> [Vec<u64>; 3] {
        let take = |v: &mut Vec<u64>| {
            let n = v.len();
            std::mem::replace(v, vec![0; n])
        };
        [
            take(&mut self.vp_hist_completed),
            take(&mut self.vp_hist_running),
            take(&mut self.attainment_hist),
        ]
    }

    /// Buffers sized for the scenario.
    pub fn new(s: &Scenario) -> Self {
        let n = s.staffing.max_seats as usize;
        let hazards = Hazards::new(s);
        Workspace {
            seats: Seats::new(n, s.horizon()),
            ledger: Ledger::new(s, n),
            hazards_before: hazards.clone(),
            hazards,
            table: MonthTable::default(),
            production: Production::new(n),
            queue: Vec::with_capacity(n),
            scratch: Vec::with_capacity(n),
            demand: vec![1.0; s.horizon()],
            market: MarketPath::default(),
            view: None,
            values: Vec::new(),
            vp_completed: Vec::new(),
            manager_buffer: Vec::new(),
            ranked: Vec::new(),
            exits: Vec::new(),
            leaving: Vec::new(),
            layout: Layout::of(s),
            vp_hist_completed: vec![0; vp_hist_len(s)],
            vp_hist_running: vec![0; vp_hist_len(s)],
            attainment_hist: vec![0; s.clock.fiscal_years.len() * ATTAINMENT_BINS],
        }
    }
}

/// Simulates trial number `trial` of scenario `s` with `seed`, writing into `out`.
///
/// A month is a sequence of named steps (docs/model.md): the plan and the VP's effects of the
/// month, hiring, production (the month's deals), the fiscal-year close, departures (forced
/// exits, then attrition), the customer base, the month's record, and the VP's end of month.
pub fn run_trial(s: &Scenario, seed: u64, trial: u64, ws: &mut Workspace, out: TrialOut<'_>) {
    let TrialOut {
        monthly,
        fiscal_years,
        totals,
        draws,
    } = out;
    if !s.varies() {
        ws.market.factor = s.market.demand_factor.sampler.fixed().unwrap_or(1.0);
        market::shock_path(
            s,
            s.pick.shock_seed(seed),
            trial,
            s.hold.shocks,
            &mut ws.market,
        );
        *totals = run_months(s, seed, trial, ws, monthly, fiscal_years);
        if let Some(d) = draws.first_mut() {
            *d = ws.market.mean_shock(s);
        }
        return;
    }
    // The first layer's draws and the market, written over the trial's view of the scenario.
    overlay::draws(s, seed, trial, &mut ws.values);
    ws.market.factor = match s.uncertainty.find(Target::DemandFactor) {
        Some(i) => ws.values[i],
        None => s.market.demand_factor.sampler.fixed().unwrap_or(1.0),
    };
    market::shock_path(
        s,
        s.pick.shock_seed(seed),
        trial,
        s.hold.shocks,
        &mut ws.market,
    );
    let mut view = ws.view.take().unwrap_or_else(|| Box::new(s.clone()));
    overlay::apply(s, &ws.values, &ws.market, &mut view);
    ws.hazards.load(&view);
    *totals = run_months(&view, seed, trial, ws, monthly, fiscal_years);
    let n = ws.values.len();
    draws[..n].copy_from_slice(&ws.values);
    if let Some(d) = draws.get_mut(n) {
        *d = ws.market.mean_shock(s);
    }
    ws.view = Some(view);
}

/// The months of one trial of `s` (the scenario, or a trial's view of it).
fn run_months(
    s: &Scenario,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    monthly: &mut [f32],
    fiscal_years: &mut [FiscalYearOutcome],
) -> TrialTotals {
    let mut tr = Trial::start(s, seed, trial, ws, monthly, fiscal_years);
    for t in 0..s.horizon() {
        let mut m = tr.open_month(t);
        tr.hire(&mut m);
        tr.produce(&mut m);
        tr.close_fiscal_year(&m);
        tr.depart(&mut m);
        tr.roll_customers(&m);
        tr.record_month(&m);
        tr.review_vp(&m);
        tr.add_up(&m);
    }
    tr.finish()
}

/// One trial as its months run: the scenario, the reused buffers, and what accumulates.
struct Trial<'a> {
    s: &'a Scenario,
    ws: &'a mut Workspace,
    monthly: &'a mut [f32],
    /// Where each metric goes in `monthly`.
    layout: Layout,
    fiscal_years: &'a mut [FiscalYearOutcome],
    vp: Vp,
    bench: Bench,
    customers: CustomerBase,
    customer_rng: StreamRng,
    layoff_rng: StreamRng,
    /// The fiscal year the month belongs to, and its figures so far.
    fy: usize,
    fy_stats: FiscalYearOutcome,
    totals: TrialTotals,
    /// Each won deal is credited to its rep (attainment, concentration, forced exits).
    per_rep: bool,
    /// Running sums of production serve when no deal needs a seat and no coverage policy acts.
    running_sums: bool,
}

/// What one month's steps hand on to the next ones.
struct MonthFacts {
    t: usize,
    /// Seats in the plan this month.
    target: usize,
    /// The VP transition's multipliers.
    fx: Effects,
    hires: u32,
    reps_at_work: u32,
    /// Ramp-weighted reps at work.
    ramp_sum: f64,
    /// Sum of the coverage push over reps.
    push_sum: f64,
    quota_capacity: f64,
    demand: f64,
    /// Whether a fiscal year ends with this month.
    fy_ends: bool,
    performance_exits: u32,
    departures: u32,
}

impl<'a> Trial<'a> {
    /// Resets the buffers and sets up trial `trial`: the starting org, its pipeline, the
    /// market's path, the VP and the managers.
    fn start(
        s: &'a Scenario,
        seed: u64,
        trial: u64,
        ws: &'a mut Workspace,
        monthly: &'a mut [f32],
        fiscal_years: &'a mut [FiscalYearOutcome],
    ) -> Trial<'a> {
        let layoff_rng = stream(seed, trial, ORG, Purpose::Layoff);
        let vp = Vp::start(s, seed, trial, std::mem::take(&mut ws.vp_completed));
        let bench = Bench::start(s, seed, trial, std::mem::take(&mut ws.manager_buffer));
        if !s.varies() {
            ws.hazards.reset();
        }
        ws.seats.start_trial(s, &ws.hazards, seed, trial);
        ws.production.start_trial(&ws.seats);
        ws.ledger.start_trial(seed, trial);
        starting_pipeline(s, &ws.seats, &mut ws.ledger, &mut ws.table);
        ws.ledger.open_deals(s);
        market::demand_path(s, &ws.market, &mut ws.demand);
        let per_rep = ws.ledger.attribute_won;
        let running_sums = !ws.ledger.needs_table() && s.coverage.is_none();
        let layout = ws.layout;
        assert_eq!(
            monthly.len(),
            layout.stride(s.horizon()),
            "a trial's record holds the metrics its scenario records"
        );
        Trial {
            s,
            ws,
            monthly,
            layout,
            fiscal_years,
            vp,
            bench,
            customers: CustomerBase::new(&s.customers),
            customer_rng: stream(seed, trial, ORG, Purpose::Customers),
            layoff_rng,
            fy: 0,
            fy_stats: FiscalYearOutcome::default(),
            totals: TrialTotals::default(),
            per_rep,
            running_sums,
        }
    }

    /// Records `v` as `m` in month `t`. A metric the scenario does not record is undefined:
    /// `v` must be NaN.
    #[inline]
    fn put(&mut self, m: Metric, t: usize, v: f64) {
        match self.layout.slot(m) {
            Some(k) => self.monthly[k * self.s.horizon() + t] = v as f32,
            None => assert!(v.is_nan(), "{} is defined in this scenario", m.name()),
        }
    }

    fn quota_ramped(&self) -> bool {
        self.s.quota.is_some_and(|(_, r)| r)
    }

    /// The plan's seats for month `t`, the VP's effects, and managers arriving.
    fn open_month(&mut self, t: usize) -> MonthFacts {
        let s = self.s;
        let target = s.staffing.seats_by_month[t] as usize;
        let fx = s
            .leadership
            .as_ref()
            .map_or(Effects::NEUTRAL, |l| self.vp.effects(l, t as i64));
        self.bench.arrive(t as i64);
        self.ws.seats.follow_plan(s, target, t);
        MonthFacts {
            t,
            target,
            fx,
            hires: 0,
            reps_at_work: 0,
            ramp_sum: 0.0,
            push_sum: 0.0,
            quota_capacity: 0.0,
            demand: 1.0,
            fy_ends: s.clock.fiscal_years[self.fy].range().end == t + 1,
            performance_exits: 0,
            departures: 0,
        }
    }

    /// Requisitions due this month start, earliest first, up to the recruiting capacity; none
    /// during a hiring freeze (requisitions wait).
    fn hire(&mut self, m: &mut MonthFacts) {
        let (s, t) = (self.s, m.t);
        let tl = &s.timeline;
        if tl.hiring_freeze[t] {
            return;
        }
        let ws = &mut *self.ws;
        ws.seats
            .due_requisitions(t, tl.get(Param::RecruitingCapacity, t), &mut ws.queue);
        for &(_, seat) in ws.queue.iter() {
            ws.seats.start_rep(s, &ws.hazards, seat as usize, t as i32);
            ws.production.changed(seat as usize);
            m.hires += 1;
        }
    }

    /// The month's expected won and other deals, seat by seat or from running sums, and the
    /// deals themselves; the month's quota capacity.
    fn produce(&mut self, m: &mut MonthFacts) {
        let (s, t) = (self.s, m.t);
        let ws = &mut *self.ws;
        m.reps_at_work = ws.seats.filled as u32;
        let managed = s
            .managers
            .as_ref()
            .map_or(1.0, |mp| self.bench.productivity(mp, m.reps_at_work));
        m.demand = ws.demand[t];
        let month = Month::of(s, t, m.fx, managed, m.demand);
        ws.production.advance(s, &ws.seats, t, self.running_sums);
        let keep_table = ws.ledger.needs_table();
        let expected = if self.running_sums && Production::sums_apply(s, &month) {
            ws.production.totals(&month)
        } else {
            let ledger = &ws.ledger;
            let e =
                ws.production
                    .by_seat(s, &ws.seats, t, &month, keep_table, &mut ws.table, |seat| {
                        ledger.seat_pipeline(seat, t, COVERAGE_MONTHS)
                    });
            if keep_table {
                ws.table.finish(ws.ledger.attributes_all());
            }
            e
        };
        m.ramp_sum = expected.ramp_sum;
        m.push_sum = expected.push_sum;
        let tl = &s.timeline;
        ws.ledger.month(
            s,
            t as i64,
            &mut ws.table,
            expected.won,
            expected.other,
            tl.get(Param::DealSizeMultiplier, t),
            &ws.seats.left_at,
        );
        let monthly_quota = tl.get(Param::AnnualQuota, t) / 12.0;
        m.quota_capacity = monthly_quota
            * if self.quota_ramped() {
                m.ramp_sum
            } else {
                m.reps_at_work as f64
            };
    }

    /// The quota a rep hired in `hired` accrues over `months` (ramped if the quota ramps).
    fn quota_over(&self, hired: i32, months: std::ops::Range<usize>) -> f64 {
        let (s, ramped) = (self.s, self.quota_ramped());
        months
            .map(|m| {
                let r = if ramped {
                    s.tenure.ramp((m as i32 - hired) as usize)
                } else {
                    1.0
                };
                s.timeline.get(Param::AnnualQuota, m) / 12.0 * r
            })
            .sum()
    }

    /// At the end of a fiscal year: the share of reps in seat at quota, the attainment
    /// histogram, and the share of bookings of the top 20% of them.
    fn close_fiscal_year(&mut self, m: &MonthFacts) {
        if !m.fy_ends {
            return;
        }
        if !self.per_rep {
            self.fy_stats.share_of_reps_at_quota = f64::NAN;
            self.fy_stats.top_20pct_share_of_bookings = f64::NAN;
            return;
        }
        let (s, t, fy) = (self.s, m.t, self.fy);
        let first = s.clock.fiscal_years[fy].range().start;
        let (mut with_quota, mut at_quota) = (0u32, 0u32);
        let mut scratch = std::mem::take(&mut self.ws.scratch);
        scratch.clear();
        for seat in 0..s.staffing.max_seats as usize {
            if self.ws.seats.state[seat] != SeatState::Filled {
                continue;
            }
            let hired = self.ws.seats.hire_month[seat];
            let from = (first as i32).max(hired).max(0) as usize;
            let booked = self.ws.ledger.seat_bookings_between(seat, from, t);
            scratch.push(booked);
            if s.quota.is_some() {
                let quota = self.quota_over(hired, from..t + 1);
                if quota > 0.0 {
                    with_quota += 1;
                    let ratio = booked as f64 / quota;
                    at_quota += u32::from(ratio >= 1.0);
                    let pct = ((ratio * 100.0).floor() as usize).min(ATTAINMENT_BINS - 1);
                    self.ws.attainment_hist[fy * ATTAINMENT_BINS + pct] += 1;
                }
            }
        }
        self.fy_stats.reps_with_quota = with_quota;
        self.fy_stats.share_of_reps_at_quota = if with_quota > 0 {
            at_quota as f64 / with_quota as f64
        } else {
            f64::NAN
        };
        self.fy_stats.top_20pct_share_of_bookings = top_share(&mut scratch, 0.2);
        self.ws.scratch = scratch;
    }

    /// The current rep's own bookings in `seat` over (up to) the last six months to `t`.
    fn trailing(&self, seat: usize, t: usize) -> i64 {
        let seats = &self.ws.seats;
        let from = (t as i32 - 5).max(seats.hire_month[seat]).max(0) as usize;
        self.ws.ledger.seat_bookings_between(seat, from, t)
    }

    /// Month-end departures: forced exits, then attrition, in seat order. A seat above the
    /// plan's target closes; others are backfilled.
    fn depart(&mut self, m: &mut MonthFacts) {
        let t = m.t;
        self.ws.exits.clear();
        self.purge(t);
        self.lay_off(t);
        m.performance_exits = self.performance_review(t);
        self.promote(t, m.reps_at_work);
        self.ws.exits.sort_unstable();
        let (s, ws) = (self.s, &mut *self.ws);
        ws.leaving.clear();
        ws.seats.departing(t, &mut ws.leaving);
        ws.leaving.extend(ws.exits.iter().map(|e| e.0));
        ws.leaving.sort_unstable();
        ws.leaving.dedup();
        for &seat in ws.leaving.iter() {
            let seat = seat as usize;
            let close = ws
                .exits
                .binary_search_by(|e| e.0.cmp(&(seat as u32)))
                .is_ok_and(|i| ws.exits[i].1);
            if s.detail == Detail::Full {
                ws.ledger.rep_left(s, seat, t);
            }
            let keep = !close && ws.seats.open <= m.target;
            ws.seats.vacate(s, seat, t, keep);
            ws.production.changed(seat);
            m.departures += 1;
        }
    }

    /// Ranks the filled seats that pass `eligible` by `key` (lowest first) into `ranked`, and
    /// files the first `n` as exits (`close`: their seats leave the plan).
    fn exit_lowest(
        &mut self,
        n: impl FnOnce(usize) -> usize,
        close: bool,
        eligible: impl Fn(&Self, usize) -> bool,
        mut key: impl FnMut(&mut Self, usize) -> i64,
    ) -> usize {
        let mut ranked = std::mem::take(&mut self.ws.ranked);
        ranked.clear();
        for seat in 0..self.s.staffing.max_seats as usize {
            if self.ws.seats.state[seat] == SeatState::Filled && eligible(self, seat) {
                let k = key(self, seat);
                ranked.push((k, seat as u32));
            }
        }
        ranked.sort_unstable();
        let n = n(ranked.len()).min(ranked.len());
        let exits = &mut self.ws.exits;
        exits.extend(ranked[..n].iter().map(|&(_, seat)| (seat, close)));
        self.ws.ranked = ranked;
        n
    }

    /// Whether `seat` is already among this month's exits.
    fn exiting(&self, seat: usize) -> bool {
        self.ws.exits.iter().any(|e| e.0 == seat as u32)
    }

    /// A new VP's purge at the end of rollout: the lowest trailing bookings among fully ramped
    /// reps (their seats are backfilled).
    fn purge(&mut self, t: usize) {
        let Some(l) = self.s.leadership.as_ref() else {
            return;
        };
        if !self.vp.purges_in(l, t as i64) {
            return;
        }
        let share = l.purge_share;
        self.exit_lowest(
            |ranked| (share * ranked as f64).floor() as usize,
            false,
            |tr, seat| tr.ws.production.ramp[seat] >= 1.0,
            |tr, seat| tr.trailing(seat, t),
        );
    }

    /// Layoffs of this month: the lowest performers or reps at random (their seats are cut).
    fn lay_off(&mut self, t: usize) {
        let s = self.s;
        for &(_, reps, who) in s.timeline.layoffs.iter().filter(|l| l.0 == t) {
            self.exit_lowest(
                |_| reps as usize,
                true,
                |tr, seat| !tr.exiting(seat),
                |tr, seat| match who {
                    LayoffWho::LowestPerformers => tr.trailing(seat, t),
                    LayoffWho::Random => tr.layoff_rng.random::<u32>() as i64,
                },
            );
        }
    }

    /// Performance management at a review month: reps in seat for a whole window who booked
    /// under the required share of their quota over it are exited. Returns how many.
    fn performance_review(&mut self, t: usize) -> u32 {
        let Some(pm) = self.s.performance else {
            return 0;
        };
        if !(t + 1).is_multiple_of(pm.every_months as usize) {
            return 0;
        }
        let w = pm.window_months as usize;
        let mut exited = 0;
        for seat in 0..self.s.staffing.max_seats as usize {
            let hired = self.ws.seats.hire_month[seat];
            if self.ws.seats.state[seat] != SeatState::Filled
                || (t as i32 - hired + 1) < w as i32
                || t + 1 < w
                || self.exiting(seat)
            {
                continue;
            }
            let window = t + 1 - w..t + 1;
            let booked = self.ws.ledger.seat_bookings_between(seat, window.start, t);
            if (booked as f64) < pm.min_share_of_quota * self.quota_over(hired, window) {
                self.ws.exits.push((seat as u32, false));
                exited += 1;
            }
        }
        exited
    }

    /// Manager openings filled from the team: the top reps by their own trailing bookings are
    /// promoted (their territories are backfilled).
    fn promote(&mut self, t: usize, reps: u32) {
        let Some(mp) = self.s.managers.as_ref() else {
            return;
        };
        let n = self.bench.openings(mp, reps, t as i64);
        if n == 0 {
            return;
        }
        let promoted = self.exit_lowest(
            |_| n as usize,
            false,
            |tr, seat| !tr.exiting(seat),
            |tr, seat| -tr.trailing(seat, t),
        );
        self.bench.promoted(promoted as u32, t as i64);
    }

    /// The customer base rolls forward: churn (faster where territories are vacant),
    /// expansion, and the month's new customers.
    fn roll_customers(&mut self, m: &MonthFacts) {
        let (s, t) = (self.s, m.t);
        let tl = &s.timeline;
        let ledger = &self.ws.ledger;
        let new_customers = ledger.decided[Outcome::Won as usize][t] as u64;
        let booked = ledger.bookings[t] as f64;
        let filled = self.ws.seats.filled as u32;
        let vacant = self.ws.seats.vacant_count() as u32;
        let vacant_share = if filled + vacant > 0 {
            vacant as f64 / (filled + vacant) as f64
        } else {
            0.0
        };
        let churn_multiplier =
            1.0 + (s.customers.vacant_territory_churn_multiplier - 1.0) * vacant_share;
        let churn = (tl.get(Param::LogoChurn, t) * churn_multiplier).min(1.0);
        let moved = self.customers.month(
            (churn, tl.get(Param::Expansion, t)),
            &mut self.customer_rng,
            new_customers,
            booked,
        );
        let arr = self.customers.arr_usd;
        self.put(Metric::ArrUsd, t, arr);
        self.put(Metric::ChurnedArrUsd, t, moved.churned_usd);
        self.put(Metric::ExpansionArrUsd, t, moved.expansion_usd);
        let net_new = booked + moved.expansion_usd - moved.churned_usd;
        self.put(Metric::NetNewArrUsd, t, net_new);
        self.put(Metric::Headcount, t, filled as f64);
        self.put(Metric::VacantSeats, t, vacant as f64);
    }

    /// The month's headcount, capacity, demand, managers and coverage figures.
    fn record_month(&mut self, m: &MonthFacts) {
        let (s, t) = (self.s, m.t);
        self.put(Metric::RampedEquivalentReps, t, m.ramp_sum);
        self.put(Metric::Hires, t, m.hires as f64);
        self.put(Metric::Departures, t, m.departures as f64);
        self.put(Metric::QuotaCapacityUsd, t, m.quota_capacity);
        let plan_t = s.plan_by_month.as_ref().map_or(0.0, |p| p[t]);
        let capacity_coverage = if s.quota.is_some() && plan_t > 0.0 {
            m.quota_capacity / plan_t
        } else {
            f64::NAN
        };
        self.put(Metric::CapacityCoverage, t, capacity_coverage);
        self.put(Metric::DemandIndex, t, m.demand);
        self.put(Metric::PerformanceExits, t, m.performance_exits as f64);
        let managers = s.managers.is_some();
        self.put(
            Metric::Managers,
            t,
            defined(managers, self.bench.managers as f64),
        );
        let promotions = defined(managers, self.bench.promotions as f64);
        self.put(Metric::Promotions, t, promotions);
        // Quarter pipeline coverage at month end: open deals to be decided in the next three
        // months over the next three months' quota capacity.
        let quarter_pipeline = self.ws.ledger.pipeline(t + 1, COVERAGE_MONTHS) as f64;
        let full = s.detail == Detail::Full;
        let coverage = if full && m.quota_capacity > 0.0 {
            quarter_pipeline / (3.0 * m.quota_capacity)
        } else {
            f64::NAN
        };
        self.put(Metric::PipelineCoverage, t, coverage);
        let effort = if s.coverage.is_some() && m.reps_at_work > 0 {
            m.push_sum / m.reps_at_work as f64
        } else {
            f64::NAN
        };
        self.put(Metric::CoverageEffort, t, effort);
    }

    /// The VP's end of month: board review, tenure, forced change. A VP who leaves starts a
    /// transition whose attrition multipliers apply from next month: every rep's departure is
    /// re-filed from the budget they have left.
    fn review_vp(&mut self, m: &MonthFacts) {
        let (s, t) = (self.s, m.t);
        let leadership = s.leadership.as_ref();
        let in_transition = self.vp.in_transition(t as i64);
        let vp_left = leadership.is_some_and(|l| {
            self.vp.end_of_month(
                l,
                t as i64,
                s.timeline.force_vp_change[t],
                &self.ws.ledger.bookings,
                s.plan_by_month.as_deref(),
            )
        });
        if let (true, Some(l)) = (vp_left, leadership) {
            let ws = &mut *self.ws;
            ws.hazards_before.clone_from(&ws.hazards);
            let vp = &self.vp;
            ws.hazards
                .set_multipliers(t + 1, |j| vp.effects(l, j as i64).attrition);
            ws.seats.reschedule(&ws.hazards_before, &ws.hazards, t + 1);
        }
        let flag = |b: bool| defined(leadership.is_some(), f64::from(u8::from(b)));
        self.put(Metric::VpChanges, t, flag(vp_left));
        self.put(Metric::VpInTransition, t, flag(in_transition));
        self.totals.vp_transition_months += u32::from(in_transition);
    }

    /// Adds the month to the fiscal year's and the horizon's figures; closes a fiscal year.
    fn add_up(&mut self, m: &MonthFacts) {
        let t = m.t;
        let booked = self.ws.ledger.bookings[t] as f64;
        let filled = self.ws.seats.filled as u32;
        self.totals.hires += m.hires;
        self.totals.departures += m.departures;
        self.fy_stats.hires += m.hires;
        self.fy_stats.departures += m.departures;
        self.fy_stats.bookings_usd += booked;
        if m.fy_ends {
            self.fy_stats.ending_arr_usd = self.customers.arr_usd;
            self.fy_stats.ending_headcount = filled;
            self.fiscal_years[self.fy] = std::mem::take(&mut self.fy_stats);
            self.fy += 1;
        }
        if t + 1 == self.s.horizon() {
            self.totals.ending_arr_usd = self.customers.arr_usd;
            self.totals.ending_headcount = filled;
        }
    }

    /// The ledger's monthly figures (final once every departure has been applied), the
    /// horizon totals, and the VP tenure histograms; gives the buffers back.
    fn finish(mut self) -> TrialTotals {
        self.record_ledger();
        let (s, h) = (self.s, self.s.horizon());
        self.totals.deals_open_at_start = self.ws.ledger.open_at_start;
        self.totals.vp_changes = self.vp.changes;
        if s.leadership.is_some() {
            let ws = &mut *self.ws;
            let last = ws.vp_hist_completed.len() - 1;
            for &tenure in &self.vp.completed {
                ws.vp_hist_completed[(tenure as usize).min(last)] += 1;
            }
            if let Some(tenure) = self.vp.running_tenure(h as i64) {
                ws.vp_hist_running[(tenure as usize).min(last)] += 1;
            }
        }
        self.ws.vp_completed = self.vp.completed;
        self.ws.manager_buffer = self.bench.into_buffer();
        self.totals
    }

    /// Bookings, deals and the open pipeline by month, from the ledger.
    fn record_ledger(&mut self) {
        let (s, h) = (self.s, self.s.horizon());
        let full = s.detail == Detail::Full;
        // i128: 50 years of the largest deals pass i64's $9.2e18.
        let mut cumulative = 0i128;
        for t in 0..h {
            let ledger = &self.ws.ledger;
            let booked = ledger.bookings[t];
            let decided = [0, 1, 2].map(|o| ledger.decided[o][t]);
            let (created, orphaned) = (ledger.created[t], ledger.orphaned[t]);
            cumulative += i128::from(booked);
            self.put(Metric::NewBookingsUsd, t, booked as f64);
            self.put(Metric::CumulativeBookingsUsd, t, cumulative as f64);
            self.put(Metric::DealsWon, t, decided[0] as f64);
            self.totals.deals_won += decided[0] as u64;
            if full {
                self.put(Metric::OpportunitiesCreated, t, created as f64);
                self.put(Metric::DealsLost, t, decided[1] as f64);
                self.put(Metric::DealsNoDecision, t, decided[2] as f64);
                self.put(Metric::DealsOrphaned, t, orphaned as f64);
                let all = (decided[0] + decided[1] + decided[2]) as f64;
                let realised = if all > 0.0 {
                    decided[0] as f64 / all
                } else {
                    f64::NAN
                };
                self.put(Metric::RealisedWinRate, t, realised);
                self.totals.opportunities_created += created as u64;
                self.totals.deals_lost += decided[1] as u64;
                self.totals.deals_no_decision += decided[2] as u64;
                self.totals.deals_orphaned += orphaned as u64;
            }
        }
        if full {
            let slot = |m| {
                self.layout
                    .slot(m)
                    .expect("full detail records the open pipeline")
            };
            let (deals, value_at) = (slot(Metric::OpenDeals), slot(Metric::OpenPipelineUsd));
            let (monthly, totals) = (&mut *self.monthly, &mut self.totals);
            self.ws.ledger.open_by_month(|t, count, value| {
                monthly[deals * h + t] = count as f32;
                monthly[value_at * h + t] = value as f32;
                if t + 1 == h {
                    totals.deals_open_at_end = count as u64;
                }
            });
        }
        self.totals.bookings_usd = cumulative as f64;
    }
}

/// Gives the starting reps the pipeline they would have built before the start: for each of
/// the `warm_up_months` before the start, the deals each starting rep then in seat created (at
/// their ramp then, with a ramp-weighted share of the inbound pool, as inside the horizon), of
/// which those still open at the start month stay in the books.
fn starting_pipeline(s: &Scenario, seats: &Seats, ledger: &mut Ledger, scratch: &mut MonthTable) {
    let p = &s.pipeline;
    let starting = 0..s.staffing.starting_filled as usize;
    let keep_table = ledger.needs_table();
    for m in -(p.warm_up_months as i64)..0 {
        let ramp = |seat: usize| {
            let hired = seats.hire_month[seat] as i64;
            if m >= hired {
                s.tenure.ramp((m - hired) as usize)
            } else {
                0.0
            }
        };
        let ramp_sum: f64 = starting.clone().map(ramp).sum();
        let inbound_per_ramp = if ramp_sum > 0.0 {
            p.inbound_opportunities_per_month / ramp_sum
        } else {
            0.0
        };
        let table = &mut *scratch;
        table.clear();
        let (mut won_total, mut other_total) = (0.0, 0.0);
        for seat in starting.clone() {
            if m < seats.hire_month[seat] as i64 {
                continue;
            }
            let r = ramp(seat);
            let rate = (p.opportunities_per_rep_month * seats.skill[seat] + inbound_per_ramp) * r;
            let ramp_win = if s.tenure.ramp_applies_to_win_rate {
                r
            } else {
                1.0
            };
            let win = seats.win_rate[seat] * ramp_win;
            won_total += rate * win;
            other_total += rate * (1.0 - win);
            if keep_table {
                table.push(seat as u32, seats.rep(seat), rate * win, rate * (1.0 - win));
            }
        }
        if keep_table {
            table.finish(ledger.attributes_all());
        }
        ledger.month(s, m, table, won_total, other_total, 1.0, &seats.left_at);
    }
}

/// `v` where the scenario has the mechanism behind a metric; otherwise undefined (NaN, left out
/// of monthly.csv), not zero.
fn defined(on: bool, v: f64) -> f64 {
    if on { v } else { f64::NAN }
}

/// Share of the total held by the top `fraction` of values (at least one value); NaN if the
/// total is zero.
fn top_share(values: &mut [i64], fraction: f64) -> f64 {
    let total: i64 = values.iter().sum();
    if values.is_empty() || total <= 0 {
        return f64::NAN;
    }
    let k = ((values.len() as f64 * fraction).ceil() as usize).clamp(1, values.len());
    values.sort_unstable_by(|a, b| b.cmp(a));
    values[..k].iter().sum::<i64>() as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::top_share;

    #[test]
    fn top_share_takes_the_top_fifth() {
        let mut v = vec![10, 0, 0, 0, 0, 0, 0, 0, 0, 10];
        assert_eq!(top_share(&mut v, 0.2), 1.0);
        let mut v = vec![1; 10];
        assert!((top_share(&mut v, 0.2) - 0.2).abs() < 1e-12);
        assert!(top_share(&mut [0, 0], 0.2).is_nan());
    }
}
