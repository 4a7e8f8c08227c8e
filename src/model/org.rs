//! Seats and reps: who is in which territory, hiring into open seats, and departures.
//!
//! Reps are held as a structure of arrays indexed by seat. A seat is closed (not in the plan),
//! vacant (an open requisition with the month its rep will start) or filled. Each seat owns its
//! random streams (see [`super::streams`]), so what happens in one territory does not move the
//! random numbers of another.

use rand::RngExt;

use super::streams::{Purpose, StreamRng, stream};
use crate::scenario::Scenario;

/// A seat's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatState {
    /// Not part of the plan this month.
    Closed,
    /// Open, with a requisition whose rep starts in `Seats::ready[seat]`.
    Vacant,
    /// A rep is in seat.
    Filled,
}

/// Never: a requisition that will not be filled.
pub const NEVER: i32 = i32::MAX;

/// The seats of one trial (structure of arrays, reused across trials).
#[derive(Debug)]
pub struct Seats {
    /// State of each seat.
    pub state: Vec<SeatState>,
    /// For a vacant seat, the month its next rep starts (or [`NEVER`]).
    pub ready: Vec<i32>,
    /// Month the current rep started (negative for starting reps with tenure).
    pub hire_month: Vec<i32>,
    /// Skill multiplier of the current rep.
    pub skill: Vec<f64>,
    /// Win rate of the current rep.
    pub win_rate: Vec<f64>,
    /// Productivity of the current rep this month (0 if vacant).
    pub ramp: Vec<f64>,
    /// Bookings credited to the current rep in the current fiscal year, USD.
    pub fy_bookings: Vec<i64>,
    /// Quota of the current rep in the current fiscal year so far, USD.
    pub fy_quota: Vec<f64>,
    rep_rng: Vec<StreamRng>,
    attrition_rng: Vec<StreamRng>,
    hiring_rng: Vec<StreamRng>,
}

impl Seats {
    /// Buffers for up to `n` seats.
    pub fn new(n: usize) -> Self {
        let rng = || vec![stream(0, 0, 0, Purpose::RepDraws); n];
        Seats {
            state: vec![SeatState::Closed; n],
            ready: vec![NEVER; n],
            hire_month: vec![0; n],
            skill: vec![0.0; n],
            win_rate: vec![0.0; n],
            ramp: vec![0.0; n],
            fy_bookings: vec![0; n],
            fy_quota: vec![0.0; n],
            rep_rng: rng(),
            attrition_rng: rng(),
            hiring_rng: rng(),
        }
    }

    /// Resets for a new trial and fills the starting org.
    pub fn start_trial(&mut self, s: &Scenario, seed: u64, trial: u64) {
        let st = &s.staffing;
        for seat in 0..self.state.len() {
            let id = seat as u32;
            self.rep_rng[seat] = stream(seed, trial, id, Purpose::RepDraws);
            self.attrition_rng[seat] = stream(seed, trial, id, Purpose::Attrition);
            self.hiring_rng[seat] = stream(seed, trial, id, Purpose::Hiring);
            self.state[seat] = SeatState::Closed;
            self.ready[seat] = NEVER;
            self.ramp[seat] = 0.0;
            self.fy_bookings[seat] = 0;
            self.fy_quota[seat] = 0.0;
        }
        for seat in 0..st.starting_seats as usize {
            if seat < st.starting_filled as usize {
                let tenure = st
                    .starting_tenure_months
                    .sample(&mut self.rep_rng[seat])
                    .round();
                self.start_rep(s, seat, -(tenure.min(1e6) as i32));
            } else {
                self.state[seat] = SeatState::Vacant;
                self.ready[seat] = self.time_to_fill(s, seat, 0);
            }
        }
    }

    /// Puts a new rep in `seat`, starting in month `month`.
    pub fn start_rep(&mut self, s: &Scenario, seat: usize, month: i32) {
        let rng = &mut self.rep_rng[seat];
        self.state[seat] = SeatState::Filled;
        self.ready[seat] = NEVER;
        self.hire_month[seat] = month;
        self.skill[seat] = s.reps.skill.sample(rng);
        self.win_rate[seat] = s.reps.win_rate.sample(rng);
        self.fy_bookings[seat] = 0;
        self.fy_quota[seat] = 0.0;
    }

    /// The month a requisition opened in `month` for `seat` is filled.
    pub fn time_to_fill(&mut self, s: &Scenario, seat: usize, month: i32) -> i32 {
        let ttf = s
            .staffing
            .time_to_fill_months
            .sample(&mut self.hiring_rng[seat]);
        month.saturating_add((ttf + 0.5).floor().min(1e6) as i32)
    }

    /// Whether the rep in `seat` (tenure month `k`) leaves at the end of this month.
    ///
    #[inline]
    /// The hazard is multiplied by `multiplier` (leadership transitions), capped at 1; one
    /// uniform is drawn per rep-month whatever the multiplier, so scenarios that differ only in
    /// multipliers share their draws.
    pub fn departs(
        &mut self,
        s: &Scenario,
        seat: usize,
        k: usize,
        t: usize,
        multiplier: f64,
    ) -> bool {
        let h = s.tenure.hazard(k, s.monthly_hazard[t]);
        h > 0.0 && self.attrition_rng[seat].random::<f64>() < (h * multiplier).min(1.0)
    }

    /// Empties `seat` after a departure at the end of month `t`, opening a backfill if the plan
    /// still has the seat.
    pub fn vacate(&mut self, s: &Scenario, seat: usize, t: usize, seat_in_plan: bool) {
        self.ramp[seat] = 0.0;
        if !seat_in_plan {
            self.state[seat] = SeatState::Closed;
            self.ready[seat] = NEVER;
        } else if s.staffing.backfill {
            self.state[seat] = SeatState::Vacant;
            let opens = t as i32 + 1 + s.staffing.backfill_delay_months as i32;
            self.ready[seat] = self.time_to_fill(s, seat, opens);
        } else {
            // No backfill: the territory stays vacant, with no requisition, for good.
            self.state[seat] = SeatState::Vacant;
            self.ready[seat] = NEVER;
        }
    }
}
