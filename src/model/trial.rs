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
use super::metrics::Metric;
use super::org::{SeatState, Seats};
use super::pipeline::{Ledger, MonthTable, Outcome};
use super::production::{Month, Production};
use crate::random::streams::{ORG, Purpose, stream};
use crate::scenario::Scenario;
use crate::scenario::events::Param;
use crate::scenario::raw::{Detail, LayoffWho};
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
    /// Monthly metrics, `metric.index() * horizon + month`.
    pub monthly: &'a mut [f32],
    /// One record per fiscal year of the clock.
    pub fiscal_years: &'a mut [FiscalYearOutcome],
    /// Horizon totals.
    pub totals: &'a mut TrialTotals,
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
    vp_completed: Vec<u32>,
    manager_buffer: Vec<i64>,
    ranked: Vec<(i64, u32)>,
    exits: Vec<(u32, bool)>,
    leaving: Vec<u32>,
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
            vp_completed: Vec::new(),
            manager_buffer: Vec::new(),
            ranked: Vec::new(),
            exits: Vec::new(),
            leaving: Vec::new(),
            vp_hist_completed: vec![0; vp_hist_len(s)],
            vp_hist_running: vec![0; vp_hist_len(s)],
            attainment_hist: vec![0; s.clock.fiscal_years.len() * ATTAINMENT_BINS],
        }
    }
}

/// Simulates trial number `trial` of scenario `s` with `seed`, writing into `out`.
#[allow(clippy::needless_range_loop)] // the month loop indexes several per-month tables
pub fn run_trial(s: &Scenario, seed: u64, trial: u64, ws: &mut Workspace, out: TrialOut<'_>) {
    let h = s.horizon();
    let max_seats = s.staffing.max_seats as usize;
    let Workspace {
        seats,
        ledger,
        hazards,
        hazards_before,
        table: scratch_table,
        production,
        queue,
        scratch,
        demand,
        vp_completed,
        vp_hist_completed,
        vp_hist_running,
        attainment_hist,
        manager_buffer,
        ranked,
        exits,
        leaving,
    } = ws;
    let full = s.detail == Detail::Full;
    let mut layoff_rng = stream(seed, trial, ORG, Purpose::Layoff);
    let mut vp = Vp::start(s, seed, trial, std::mem::take(vp_completed));
    let mut bench = Bench::start(s, seed, trial, std::mem::take(manager_buffer));
    let leadership = s.leadership.as_ref();
    hazards.reset();
    seats.start_trial(s, hazards, seed, trial);
    production.start_trial(seats);
    ledger.start_trial(seed, trial);
    starting_pipeline(s, seats, ledger, scratch_table);
    ledger.open_deals(s);
    super::market::demand_path(s, seed, trial, demand);
    let mut customers = CustomerBase::new(&s.customers);
    let mut customer_rng = stream(seed, trial, ORG, Purpose::Customers);
    let monthly = out.monthly;
    let mut put = |m: Metric, t: usize, v: f64| monthly[m.index() * h + t] = v as f32;
    let quota_ramped = s.quota.is_some_and(|(_, r)| r);
    let per_rep = ledger.attribute_won;
    // Running sums of production serve when no deal needs a seat and no coverage policy acts.
    let running_sums = !ledger.needs_table() && s.coverage.is_none();
    let fiscal_years = &s.clock.fiscal_years;
    let mut fy = 0usize;
    let mut fy_stats = FiscalYearOutcome::default();
    let mut totals = TrialTotals::default();

    for t in 0..h {
        let target = s.staffing.seats_by_month[t] as usize;
        let fx = leadership.map_or(Effects::NEUTRAL, |l| vp.effects(l, t as i64));
        bench.arrive(t as i64);
        let tl = &s.timeline;
        seats.follow_plan(s, target, t);

        // Hiring: requisitions due this month start, earliest first, up to the capacity; none
        // during a hiring freeze (requisitions wait).
        let mut hires = 0u32;
        if !tl.hiring_freeze[t] {
            seats.due_requisitions(t, tl.get(Param::RecruitingCapacity, t), queue);
            for &(_, seat) in queue.iter() {
                seats.start_rep(s, hazards, seat as usize, t as i32);
                production.changed(seat as usize);
                hires += 1;
            }
        }

        // Production: the month's expected won and other opportunities, and their deals.
        let reps_at_work = seats.filled as u32;
        let managed = s
            .managers
            .as_ref()
            .map_or(1.0, |m| bench.productivity(m, reps_at_work));
        let demand_t = demand[t];
        let month = Month::of(s, t, fx, managed, demand_t);
        production.advance(s, seats, t, running_sums);
        let keep_table = ledger.needs_table();
        let expected = if running_sums && Production::sums_apply(s, &month) {
            production.totals(&month)
        } else {
            let e = production.by_seat(s, seats, t, &month, keep_table, scratch_table, |seat| {
                ledger.seat_pipeline(seat, t, 3)
            });
            if keep_table {
                scratch_table.finish(ledger.attributes_all());
            }
            e
        };
        let ramp_sum = expected.ramp_sum;
        let push_sum = expected.push_sum;
        let size_multiplier = tl.get(Param::DealSizeMultiplier, t);
        ledger.month(
            s,
            t as i64,
            scratch_table,
            expected.won,
            expected.other,
            size_multiplier,
            &seats.left_at,
        );
        let monthly_quota = tl.get(Param::AnnualQuota, t) / 12.0;
        let quota_capacity = monthly_quota
            * if quota_ramped {
                ramp_sum
            } else {
                reps_at_work as f64
            };

        // Fiscal-year close: attainment and concentration among reps in seat at year end.
        let fy_ends = fiscal_years[fy].range().end == t + 1;
        if fy_ends && per_rep {
            let first = fiscal_years[fy].range().start;
            let (mut with_quota, mut at_quota) = (0u32, 0u32);
            scratch.clear();
            for seat in 0..max_seats {
                if seats.state[seat] != SeatState::Filled {
                    continue;
                }
                let hired = seats.hire_month[seat];
                let from = (first as i32).max(hired).max(0) as usize;
                let booked = ledger.seat_bookings_between(seat, from, t);
                scratch.push(booked);
                if s.quota.is_some() {
                    let quota: f64 = (from..=t)
                        .map(|m| {
                            let r = if quota_ramped {
                                s.tenure.ramp((m as i32 - hired) as usize)
                            } else {
                                1.0
                            };
                            tl.get(Param::AnnualQuota, m) / 12.0 * r
                        })
                        .sum();
                    if quota > 0.0 {
                        with_quota += 1;
                        let ratio = booked as f64 / quota;
                        at_quota += u32::from(ratio >= 1.0);
                        let pct = ((ratio * 100.0).floor() as usize).min(ATTAINMENT_BINS - 1);
                        attainment_hist[fy * ATTAINMENT_BINS + pct] += 1;
                    }
                }
            }
            fy_stats.reps_with_quota = with_quota;
            fy_stats.share_of_reps_at_quota = if with_quota > 0 {
                at_quota as f64 / with_quota as f64
            } else {
                f64::NAN
            };
            fy_stats.top_20pct_share_of_bookings = top_share(scratch, 0.2);
        } else if fy_ends {
            fy_stats.share_of_reps_at_quota = f64::NAN;
            fy_stats.top_20pct_share_of_bookings = f64::NAN;
        }

        let mut performance_exits = 0u32;
        // Forced exits at month end, by seat: a new VP's purge at the end of rollout (the lowest
        // trailing bookings among fully ramped reps; the seats are backfilled) and layoffs
        // (their seats are cut).
        exits.clear();
        // The current rep's own bookings over (up to) the last six months.
        let trailing = |seat: usize| -> i64 {
            let from = (t as i32 - 5).max(seats.hire_month[seat]).max(0) as usize;
            ledger.seat_bookings_between(seat, from, t)
        };
        if let Some(l) = leadership.filter(|l| vp.purges_in(l, t as i64)) {
            ranked.clear();
            for seat in 0..max_seats {
                if seats.state[seat] == SeatState::Filled && production.ramp[seat] >= 1.0 {
                    ranked.push((trailing(seat), seat as u32));
                }
            }
            ranked.sort_unstable();
            let n = (l.purge_share * ranked.len() as f64).floor() as usize;
            exits.extend(ranked[..n].iter().map(|&(_, seat)| (seat, false)));
        }
        for &(_, reps, who) in tl.layoffs.iter().filter(|l| l.0 == t) {
            ranked.clear();
            for seat in 0..max_seats {
                if seats.state[seat] == SeatState::Filled
                    && !exits.iter().any(|e| e.0 == seat as u32)
                {
                    let key = match who {
                        LayoffWho::LowestPerformers => trailing(seat),
                        LayoffWho::Random => layoff_rng.random::<u32>() as i64,
                    };
                    ranked.push((key, seat as u32));
                }
            }
            ranked.sort_unstable();
            let n = (reps as usize).min(ranked.len());
            exits.extend(ranked[..n].iter().map(|&(_, seat)| (seat, true)));
        }
        if let Some(pm) = &s.performance
            && (t + 1) % pm.every_months as usize == 0
        {
            let w = pm.window_months as usize;
            for seat in 0..max_seats {
                let hired = seats.hire_month[seat];
                if seats.state[seat] != SeatState::Filled
                    || (t as i32 - hired + 1) < w as i32
                    || t + 1 < w
                    || exits.iter().any(|e| e.0 == seat as u32)
                {
                    continue;
                }
                let window = t + 1 - w..t + 1;
                let booked = ledger.seat_bookings_between(seat, window.start, t);
                let quota: f64 = window
                    .map(|m| {
                        let r = if quota_ramped {
                            s.tenure.ramp((m as i32 - hired) as usize)
                        } else {
                            1.0
                        };
                        tl.get(Param::AnnualQuota, m) / 12.0 * r
                    })
                    .sum();
                if (booked as f64) < pm.min_share_of_quota * quota {
                    exits.push((seat as u32, false));
                    performance_exits += 1;
                }
            }
        }
        if let Some(m) = &s.managers {
            let n = bench.openings(m, reps_at_work, t as i64);
            if n > 0 {
                // The top reps by their own trailing bookings take the openings.
                ranked.clear();
                for seat in 0..max_seats {
                    if seats.state[seat] == SeatState::Filled
                        && !exits.iter().any(|e| e.0 == seat as u32)
                    {
                        ranked.push((-trailing(seat), seat as u32));
                    }
                }
                ranked.sort_unstable();
                let n = (n as usize).min(ranked.len());
                exits.extend(ranked[..n].iter().map(|&(_, seat)| (seat, false)));
                bench.promoted(n as u32, t as i64);
            }
        }
        exits.sort_unstable();

        // Departures at month end, in seat order: attrition (each rep's departure month is
        // filed at hire) and forced exits. A seat above the plan's target closes; others
        // backfill.
        leaving.clear();
        seats.departing(t, leaving);
        leaving.extend(exits.iter().map(|e| e.0));
        leaving.sort_unstable();
        leaving.dedup();
        let mut departures = 0u32;
        for &seat in leaving.iter() {
            let seat = seat as usize;
            let close = exits
                .binary_search_by(|e| e.0.cmp(&(seat as u32)))
                .is_ok_and(|i| exits[i].1);
            if full {
                ledger.rep_left(s, seat, t);
            }
            let keep = !close && seats.open <= target;
            seats.vacate(s, seat, t, keep);
            production.changed(seat);
            departures += 1;
        }

        // Customers.
        let new_customers = ledger.decided[Outcome::Won as usize][t] as u64;
        let booked = ledger.bookings[t] as f64;
        let filled = seats.filled as u32;
        let vacant = seats.vacant_count() as u32;
        // Customers in vacant territories churn faster (scaled by the vacant share).
        let vacant_share = if filled + vacant > 0 {
            vacant as f64 / (filled + vacant) as f64
        } else {
            0.0
        };
        let churn_multiplier =
            1.0 + (s.customers.vacant_territory_churn_multiplier - 1.0) * vacant_share;
        let churn = (tl.get(Param::LogoChurn, t) * churn_multiplier).min(1.0);
        let moved = customers.month(
            (churn, tl.get(Param::Expansion, t)),
            &mut customer_rng,
            new_customers,
            booked,
        );
        put(Metric::ArrUsd, t, customers.arr_usd);
        put(Metric::ChurnedArrUsd, t, moved.churned_usd);
        put(Metric::ExpansionArrUsd, t, moved.expansion_usd);
        put(
            Metric::NetNewArrUsd,
            t,
            booked + moved.expansion_usd - moved.churned_usd,
        );
        put(Metric::Headcount, t, filled as f64);
        put(Metric::RampedEquivalentReps, t, ramp_sum);
        put(Metric::VacantSeats, t, vacant as f64);
        put(Metric::Hires, t, hires as f64);
        put(Metric::Departures, t, departures as f64);
        put(Metric::QuotaCapacityUsd, t, quota_capacity);
        let plan_t = s.plan_by_month.as_ref().map_or(0.0, |p| p[t]);
        put(
            Metric::CapacityCoverage,
            t,
            if s.quota.is_some() && plan_t > 0.0 {
                quota_capacity / plan_t
            } else {
                f64::NAN
            },
        );
        put(Metric::DemandIndex, t, demand_t);
        put(Metric::PerformanceExits, t, performance_exits as f64);
        put(
            Metric::Managers,
            t,
            defined(s.managers.is_some(), bench.managers as f64),
        );
        put(
            Metric::Promotions,
            t,
            defined(s.managers.is_some(), bench.promotions as f64),
        );
        // Quarter pipeline coverage at month end: open deals to be decided in the next three
        // months over the next three months' quota capacity.
        let quarter_pipeline = ledger.pipeline(t + 1, 3) as f64;
        put(
            Metric::PipelineCoverage,
            t,
            if full && quota_capacity > 0.0 {
                quarter_pipeline / (3.0 * quota_capacity)
            } else {
                f64::NAN
            },
        );
        put(
            Metric::CoverageEffort,
            t,
            if s.coverage.is_some() && reps_at_work > 0 {
                push_sum / reps_at_work as f64
            } else {
                f64::NAN
            },
        );
        let in_transition = vp.in_transition(t as i64);
        let vp_left = leadership.is_some_and(|l| {
            vp.end_of_month(
                l,
                t as i64,
                s.timeline.force_vp_change[t],
                &ledger.bookings,
                s.plan_by_month.as_deref(),
            )
        });
        if let (true, Some(l)) = (vp_left, leadership) {
            // The new transition's attrition multipliers apply from next month: every rep's
            // departure is re-filed from the budget they have left.
            hazards_before.clone_from(hazards);
            hazards.set_multipliers(t + 1, |j| vp.effects(l, j as i64).attrition);
            seats.reschedule(hazards_before, hazards, t + 1);
        }
        let vp_flag = |b: bool| defined(leadership.is_some(), f64::from(u8::from(b)));
        put(Metric::VpChanges, t, vp_flag(vp_left));
        put(Metric::VpInTransition, t, vp_flag(in_transition));
        totals.vp_transition_months += u32::from(in_transition);

        totals.hires += hires;
        totals.departures += departures;
        fy_stats.hires += hires;
        fy_stats.departures += departures;
        fy_stats.bookings_usd += booked;
        if fy_ends {
            fy_stats.ending_arr_usd = customers.arr_usd;
            fy_stats.ending_headcount = filled;
            out.fiscal_years[fy] = fy_stats;
            fy_stats = FiscalYearOutcome::default();
            fy += 1;
        }
        if t + 1 == h {
            totals.ending_arr_usd = customers.arr_usd;
            totals.ending_headcount = filled;
        }
    }

    // Ledger metrics: final once every departure has been applied.
    // i128: 50 years of the largest deals pass i64's $9.2e18.
    let mut cumulative = 0i128;
    for t in 0..h {
        cumulative += i128::from(ledger.bookings[t]);
        put(Metric::NewBookingsUsd, t, ledger.bookings[t] as f64);
        put(Metric::CumulativeBookingsUsd, t, cumulative as f64);
        put(Metric::DealsWon, t, ledger.decided[0][t] as f64);
        totals.deals_won += ledger.decided[0][t] as u64;
        if full {
            put(Metric::OpportunitiesCreated, t, ledger.created[t] as f64);
            put(Metric::DealsLost, t, ledger.decided[1][t] as f64);
            put(Metric::DealsNoDecision, t, ledger.decided[2][t] as f64);
            put(Metric::DealsOrphaned, t, ledger.orphaned[t] as f64);
            let decided =
                (ledger.decided[0][t] + ledger.decided[1][t] + ledger.decided[2][t]) as f64;
            let realised = if decided > 0.0 {
                ledger.decided[0][t] as f64 / decided
            } else {
                f64::NAN
            };
            put(Metric::RealisedWinRate, t, realised);
            totals.opportunities_created += ledger.created[t] as u64;
            totals.deals_lost += ledger.decided[1][t] as u64;
            totals.deals_no_decision += ledger.decided[2][t] as u64;
            totals.deals_orphaned += ledger.orphaned[t] as u64;
        } else {
            for m in [
                Metric::OpportunitiesCreated,
                Metric::DealsLost,
                Metric::DealsNoDecision,
                Metric::DealsOrphaned,
                Metric::RealisedWinRate,
                Metric::OpenDeals,
                Metric::OpenPipelineUsd,
            ] {
                put(m, t, f64::NAN);
            }
        }
    }
    if full {
        ledger.open_by_month(|t, count, value| {
            let mut set = |m: Metric, v: f64| monthly[m.index() * h + t] = v as f32;
            set(Metric::OpenDeals, count as f64);
            set(Metric::OpenPipelineUsd, value as f64);
            if t + 1 == h {
                totals.deals_open_at_end = count as u64;
            }
        });
    }
    totals.bookings_usd = cumulative as f64;
    totals.deals_open_at_start = ledger.open_at_start;
    totals.vp_changes = vp.changes;
    if leadership.is_some() {
        let last = vp_hist_completed.len() - 1;
        for &tenure in &vp.completed {
            vp_hist_completed[(tenure as usize).min(last)] += 1;
        }
        if let Some(tenure) = vp.running_tenure(h as i64) {
            vp_hist_running[(tenure as usize).min(last)] += 1;
        }
    }
    *vp_completed = vp.completed;
    *manager_buffer = bench.into_buffer();
    *out.totals = totals;
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
