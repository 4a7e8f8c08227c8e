//! Production: how many won and other (lost or no-decision) opportunities the org can expect
//! this month, in total and seat by seat.
//!
//! A rep in seat i creates opportunities at the rate
//! `(own x skill x effort x enablement x managed + inbound share) x ramp x demand`
//! (docs/model.md, "Opportunities") and wins each with
//! `min(1, win rate x ramp factor x leadership x events)`. The month's expected won deals are
//! the sum of rate x win over reps, and the expected others the sum of rate x (1 - win).
//!
//! Two ways to get them:
//!
//! - **Seat by seat** ([`Production::by_seat`]), filling the [`MonthTable`] that says which
//!   seat a deal belongs to, and applying the coverage policy (which depends on each rep's own
//!   pipeline).
//! - **Running sums** ([`Production::totals`]), when no deal needs a seat: the common factors
//!   (demand, effort, managers, enablement, the inbound share, win multipliers) multiply sums
//!   of per-rep terms that change only when a rep starts, leaves or moves along the ramp, so a
//!   month costs the reps who changed, not every rep. Without a cap on win rates (the common
//!   factor at most 1) the two ways agree to rounding; a month where the cap could bind falls
//!   back to seat by seat.

use super::leadership::Effects;
use super::org::{SeatState, Seats};
use super::pipeline::MonthTable;
use crate::scenario::Scenario;
use crate::scenario::events::Param;

/// The per-rep terms the running sums add up: skill x ramp x win (top and bottom enablement
/// groups), skill x ramp (the same groups), ramp x win (the inbound share's wins), ramp; "win"
/// is the win rate times the ramp factor (the ramp, or 1).
type Terms = [f64; 6];

const SKILL_WON: usize = 0; // + group
const SKILL: usize = 2; // + group
const WON: usize = 4;
const RAMP: usize = 5;
const BOTTOM: usize = 1;

fn terms_of(s: &Scenario, seats: &Seats, seat: usize, ramp: f64) -> Terms {
    let rw = if s.tenure.ramp_applies_to_win_rate {
        ramp
    } else {
        1.0
    };
    let skill = seats.skill[seat];
    let w = seats.win_rate[seat] * rw;
    let g = usize::from(skill < s.reps.skill_p80);
    let mut t = [0.0; 6];
    t[SKILL_WON + g] = skill * ramp * w;
    t[SKILL + g] = skill * ramp;
    t[WON] = ramp * w;
    t[RAMP] = ramp;
    t
}

/// The month's common factors.
#[derive(Debug, Clone, Copy)]
pub struct Month {
    /// Own opportunities per rep-month (events).
    pub own_rate: f64,
    /// Shared inbound opportunities.
    pub inbound: f64,
    /// Win-rate multiplier (events).
    pub win_multiplier: f64,
    /// Multiplier on the bottom 80% by skill (enablement).
    pub bottom_multiplier: f64,
    /// Manager coverage.
    pub managed: f64,
    /// Market demand.
    pub demand: f64,
    /// Leadership effects.
    pub fx: Effects,
}

impl Month {
    /// The factors of month `t`.
    pub fn of(s: &Scenario, t: usize, fx: Effects, managed: f64, demand: f64) -> Month {
        let tl = &s.timeline;
        Month {
            own_rate: tl.get(Param::Opportunities, t),
            inbound: tl.get(Param::Inbound, t),
            win_multiplier: tl.get(Param::WinRateMultiplier, t),
            bottom_multiplier: tl.get(Param::BottomProductivity, t),
            managed,
            demand,
            fx,
        }
    }
}

/// The month's expected deals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Expected {
    /// Expected won deals.
    pub won: f64,
    /// Expected lost and no-decision deals.
    pub other: f64,
    /// Ramp-weighted reps at work.
    pub ramp_sum: f64,
    /// Sum of the coverage push over reps (1 = no push).
    pub push_sum: f64,
}

/// Production state of one trial: each seat's ramp this month, and the running sums.
#[derive(Debug)]
pub struct Production {
    /// Ramp of each seat's rep this month (0 if vacant).
    pub ramp: Vec<f64>,
    terms: Vec<Terms>,
    sums: Terms,
    /// Seats whose rep is still ramping (their terms change every month).
    ramping: Vec<u32>,
    /// Seats that started or left since the last month (their terms change).
    changed: Vec<u32>,
}

impl Production {
    /// Buffers for `seats` seats.
    pub fn new(seats: usize) -> Production {
        Production {
            ramp: vec![0.0; seats],
            terms: vec![[0.0; 6]; seats],
            sums: [0.0; 6],
            ramping: Vec::new(),
            changed: Vec::new(),
        }
    }

    /// A new trial: nothing counted yet; every starting rep counts as changed.
    pub fn start_trial(&mut self, seats: &Seats) {
        self.ramp.fill(0.0);
        self.terms.fill([0.0; 6]);
        self.sums = [0.0; 6];
        self.ramping.clear();
        self.changed.clear();
        self.changed.extend(
            (0..seats.state.len() as u32).filter(|&i| seats.state[i as usize] == SeatState::Filled),
        );
    }

    /// Notes that `seat`'s rep started or left.
    pub fn changed(&mut self, seat: usize) {
        self.changed.push(seat as u32);
    }

    /// Brings each seat's ramp (and, with `sums`, the running sums) to month `t`.
    pub fn advance(&mut self, s: &Scenario, seats: &Seats, t: usize, sums: bool) {
        let ramp_len = s.tenure.ramp.len() as i32;
        let update = |p: &mut Production, seat: usize| {
            let filled = seats.state[seat] == SeatState::Filled;
            let r = if filled {
                s.tenure.ramp((t as i32 - seats.hire_month[seat]) as usize)
            } else {
                0.0
            };
            p.ramp[seat] = r;
            if sums {
                let new = if filled {
                    terms_of(s, seats, seat, r)
                } else {
                    [0.0; 6]
                };
                let old = std::mem::replace(&mut p.terms[seat], new);
                for ((sum, o), n) in p.sums.iter_mut().zip(old).zip(new) {
                    *sum += n - o;
                }
            }
        };
        // Reps still on the ramp move along it; reps who started or left change.
        let mut i = 0;
        while i < self.ramping.len() {
            let seat = self.ramping[i] as usize;
            update(self, seat);
            let tenure = t as i32 - seats.hire_month[seat];
            // Past the table the ramp is 1 for good: the value just stored is final.
            if seats.state[seat] != SeatState::Filled || tenure >= ramp_len {
                self.ramping.swap_remove(i);
            } else {
                i += 1;
            }
        }
        let changed = std::mem::take(&mut self.changed);
        for &seat in &changed {
            let seat = seat as usize;
            update(self, seat);
            if seats.state[seat] == SeatState::Filled
                && t as i32 - seats.hire_month[seat] < ramp_len
                && !self.ramping.contains(&(seat as u32))
            {
                self.ramping.push(seat as u32);
            }
        }
        self.changed = changed;
        self.changed.clear();
    }

    /// Whether the running sums can give this month's totals: no coverage policy, and win rates
    /// that no multiplier can push above 1.
    pub fn sums_apply(s: &Scenario, m: &Month) -> bool {
        s.coverage.is_none() && m.fx.win_rate * m.win_multiplier <= 1.0
    }

    /// The month's totals from the running sums (see [`Production::sums_apply`]).
    pub fn totals(&self, m: &Month) -> Expected {
        let z = &self.sums;
        let ramp_sum = z[RAMP].max(0.0);
        let inbound_per_ramp = if ramp_sum > 0.0 {
            m.inbound / ramp_sum
        } else {
            0.0
        };
        let own = m.own_rate * m.fx.effort * m.managed;
        let c = m.fx.win_rate * m.win_multiplier;
        let won = m.demand
            * c
            * (own * (z[SKILL_WON] + m.bottom_multiplier * z[SKILL_WON + BOTTOM])
                + inbound_per_ramp * z[WON]);
        let rate = m.demand
            * (own * (z[SKILL] + m.bottom_multiplier * z[SKILL + BOTTOM])
                + inbound_per_ramp * ramp_sum);
        Expected {
            won: won.max(0.0),
            other: (rate - won).max(0.0),
            ramp_sum,
            push_sum: 0.0,
        }
    }

    /// The month's totals seat by seat, filling `table` when `keep` (the coverage policy reads
    /// each rep's pipeline through `seat_pipeline(seat)`, the value of its open deals closing in
    /// the next three months).
    #[allow(clippy::too_many_arguments)]
    pub fn by_seat(
        &self,
        s: &Scenario,
        seats: &Seats,
        t: usize,
        m: &Month,
        keep: bool,
        table: &mut MonthTable,
        seat_pipeline: impl Fn(usize) -> i64,
    ) -> Expected {
        let tl = &s.timeline;
        let ramp_sum: f64 = (0..seats.state.len())
            .filter(|&i| seats.state[i] == SeatState::Filled)
            .map(|i| self.ramp[i])
            .sum();
        let inbound_per_ramp = if ramp_sum > 0.0 {
            m.inbound / ramp_sum
        } else {
            0.0
        };
        let quota_ramped = s.quota.is_some_and(|(_, r)| r);
        let monthly_quota = tl.get(Param::AnnualQuota, t) / 12.0;
        table.clear();
        let mut e = Expected {
            ramp_sum,
            ..Expected::default()
        };
        for seat in 0..seats.state.len() {
            if seats.state[seat] != SeatState::Filled {
                continue;
            }
            let r = self.ramp[seat];
            let enablement = if seats.skill[seat] < s.reps.skill_p80 {
                m.bottom_multiplier
            } else {
                1.0
            };
            let own = m.own_rate * seats.skill[seat] * m.fx.effort * enablement * m.managed;
            let rate = (own + inbound_per_ramp) * r * m.demand;
            let ramp_win = if s.tenure.ramp_applies_to_win_rate {
                r
            } else {
                1.0
            };
            let win = (seats.win_rate[seat] * ramp_win * m.fx.win_rate * m.win_multiplier).min(1.0);
            // Coverage policy: a rep below target prospects harder (up to the cap); the extra,
            // lower-quality deals win less often, and the selling time they take lowers the
            // win rate of the rep's regular deals.
            let (won, other) = match &s.coverage {
                Some(c) => {
                    let quarter_quota = 3.0 * monthly_quota * if quota_ramped { r } else { 1.0 };
                    let target = if c.per_rep {
                        1.0 / seats.win_rate[seat].max(1e-9)
                    } else {
                        tl.get(Param::CoverageTarget, t)
                    };
                    let coverage = seat_pipeline(seat) as f64 / quarter_quota;
                    let push = if quarter_quota > 0.0 && coverage < target {
                        (target / coverage.max(1e-9)).min(c.max_effort)
                    } else {
                        1.0
                    };
                    e.push_sum += push;
                    if push > 1.0 {
                        let regular = win * (1.0 - c.effort_cost * (push - 1.0)).max(0.0);
                        let extra = own * (push - 1.0) * r * m.demand;
                        let extra_win = win * c.extra_win_rate;
                        (
                            rate * regular + extra * extra_win,
                            rate * (1.0 - regular) + extra * (1.0 - extra_win),
                        )
                    } else {
                        (rate * win, rate * (1.0 - win))
                    }
                }
                None => (rate * win, rate * (1.0 - win)),
            };
            e.won += won;
            e.other += other;
            if keep {
                table.push(seat as u32, seats.rep(seat), won, other);
            }
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hazard::Hazards;

    /// The running sums give the seat-by-seat totals, month after month, through hires,
    /// departures, the ramp, enablement, the inbound share and win multipliers up to 1.
    #[test]
    fn running_sums_match_the_seat_by_seat_totals() {
        let text = r#"
[simulation]
start_month = "2027-01"
horizon_months = 24
[org]
seats = 40
filled_seats = 30
starting_tenure_months = { uniform = { min = 0, max = 10 } }
[ramp]
curve = { s_curve = { months_to_full = 6 } }
applies_to_win_rate = true
[attrition]
annual_rate = 0.4
[hiring]
time_to_fill_months = 1
[reps]
skill = { lognormal = { median = 1.0, p90 = 1.8 } }
win_rate_sd = 0.08
[pipeline]
opportunities_per_rep_month = 3.5
inbound_opportunities_per_month = 40
deal_size_usd = 1000
cycle_months = 2
[pipeline.outcomes]
won = 0.3
lost = 0.4
no_decision = 0.3
[[events]]
month = "2027-06"
set = { "reps.bottom_80pct_productivity_multiplier" = 1.3, "pipeline.win_rate_multiplier" = 0.9 }
"#;
        let s = Scenario::from_toml(text, "t.toml", "t").unwrap_or_else(|e| panic!("{e}"));
        let hazards = Hazards::new(&s);
        let mut seats = Seats::new(40, 24);
        let mut sums = Production::new(40);
        let mut table = MonthTable::default();
        for trial in 0..20 {
            seats.start_trial(&s, &hazards, 9, trial);
            sums.start_trial(&seats);
            for t in 0..24 {
                // Hire into due seats and let scheduled leavers go, as the month loop does.
                let mut queue = Vec::new();
                seats.due_requisitions(t, f64::INFINITY, &mut queue);
                for &(_, seat) in &queue {
                    seats.start_rep(&s, &hazards, seat as usize, t as i32);
                    sums.changed(seat as usize);
                }
                sums.advance(&s, &seats, t, true);
                let fx = Effects {
                    effort: 0.9,
                    win_rate: 1.0,
                    attrition: 1.0,
                };
                let m = Month::of(&s, t, fx, 0.95, 1.1);
                assert!(Production::sums_apply(&s, &m));
                let a = sums.totals(&m);
                let b = sums.by_seat(&s, &seats, t, &m, true, &mut table, |_| 0);
                for (x, y) in [(a.won, b.won), (a.other, b.other), (a.ramp_sum, b.ramp_sum)] {
                    assert!(
                        (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                        "trial {trial} month {t}: {a:?} vs {b:?}"
                    );
                }
                let mut leaving = Vec::new();
                seats.departing(t, &mut leaving);
                for seat in leaving {
                    seats.vacate(&s, seat as usize, t, true);
                    sums.changed(seat as usize);
                }
            }
        }
    }
}
