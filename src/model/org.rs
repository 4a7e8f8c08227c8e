//! Seats and reps: who is in which territory, hiring into open seats, and departures.
//!
//! Reps are held as a structure of arrays indexed by seat. A seat is closed (not in the plan),
//! vacant (an open requisition with the month its rep will start) or filled. Each seat owns its
//! random streams (see [`crate::random::streams`]), so what happens in one territory does not move the
//! random numbers of another. Work is proportional to what happens, not to seats x months:
//! vacant seats are kept in a list, and each rep's departure month is known from the day they
//! start ([`super::hazard`]), filed under that month.

use rand_distr::{Distribution, Exp1};

use super::hazard::{Hazards, NEVER};
use crate::random::streams::{Purpose, StreamRng, keyed, stream, trial_key};
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
    /// Month at whose end the current rep leaves through attrition ([`NEVER`]: not in the run).
    pub leaves: Vec<i32>,
    /// Unspent departure budget of the current rep at the start of month `budget_from`.
    budget: Vec<f64>,
    budget_from: Vec<i32>,
    /// Counts the reps who have held each seat, so that stale entries in `due` are skipped.
    serial: Vec<u32>,
    /// `serial` at the start of the trial.
    serial_at_start: Vec<u32>,
    /// Departures filed by month: (seat, serial of the rep).
    due: Vec<Vec<(u32, u32)>>,
    /// The vacant seats, in no particular order.
    vacant: Vec<u32>,
    /// Months at whose end each seat's rep left, this trial (for the leaver policy).
    pub left_at: Vec<Vec<i32>>,
    /// Seats in the plan (vacant or filled).
    pub open: usize,
    /// Filled seats.
    pub filled: usize,
    rep_rng: Vec<StreamRng>,
    attrition_rng: Vec<StreamRng>,
    /// Keyed on first use: most seats of most scenarios never draw a time to fill.
    hiring_rng: Vec<Option<StreamRng>>,
    /// The trial's stream key.
    key: u64,
}

impl Seats {
    /// Buffers for up to `n` seats over `horizon` months.
    pub fn new(n: usize, horizon: usize) -> Self {
        let rng = || vec![stream(0, 0, 0, Purpose::RepDraws); n];
        Seats {
            state: vec![SeatState::Closed; n],
            ready: vec![NEVER; n],
            hire_month: vec![0; n],
            skill: vec![0.0; n],
            win_rate: vec![0.0; n],
            leaves: vec![NEVER; n],
            budget: vec![0.0; n],
            budget_from: vec![0; n],
            serial: vec![0; n],
            serial_at_start: vec![0; n],
            due: vec![Vec::new(); horizon],
            vacant: Vec::with_capacity(n),
            left_at: vec![Vec::new(); n],
            open: 0,
            filled: 0,
            rep_rng: rng(),
            attrition_rng: rng(),
            hiring_rng: vec![None; n],
            key: 0,
        }
    }

    /// Resets for a new trial and fills the starting org.
    pub fn start_trial(&mut self, s: &Scenario, hazards: &Hazards, seed: u64, trial: u64) {
        let st = &s.staffing;
        self.due.iter_mut().for_each(Vec::clear);
        self.vacant.clear();
        self.open = 0;
        self.filled = 0;
        self.key = trial_key(seed, trial);
        for seat in 0..self.state.len() {
            let id = seat as u32;
            self.rep_rng[seat] = keyed(self.key, id, Purpose::RepDraws as u8);
            self.attrition_rng[seat] = keyed(self.key, id, Purpose::Attrition as u8);
            self.hiring_rng[seat] = None;
            self.serial_at_start[seat] = self.serial[seat];
            self.state[seat] = SeatState::Closed;
            self.ready[seat] = NEVER;
            self.leaves[seat] = NEVER;
            self.left_at[seat].clear();
        }
        for seat in 0..st.starting_seats as usize {
            self.open += 1;
            if seat < st.starting_filled as usize {
                let tenure = st
                    .starting_tenure_months
                    .sample(&mut self.rep_rng[seat])
                    .round();
                self.start_rep(s, hazards, seat, -(tenure.min(1e6) as i32));
            } else {
                let ready = self.time_to_fill(s, seat, 0);
                self.make_vacant(seat, ready);
            }
        }
    }

    /// Puts a new rep in `seat`, starting in month `month` (negative: a starting rep with
    /// tenure), and files their departure.
    pub fn start_rep(&mut self, s: &Scenario, hazards: &Hazards, seat: usize, month: i32) {
        if self.state[seat] == SeatState::Vacant {
            self.vacant.retain(|&v| v as usize != seat);
        }
        // A local copy of the seat's generator can stay in registers through the draws.
        let mut rng = self.rep_rng[seat].clone();
        self.state[seat] = SeatState::Filled;
        self.filled += 1;
        self.ready[seat] = NEVER;
        self.hire_month[seat] = month;
        self.skill[seat] = s.reps.skill.sample(&mut rng);
        self.win_rate[seat] = s.reps.win_rate.sample(&mut rng);
        self.rep_rng[seat] = rng;
        self.serial[seat] = self.serial[seat].wrapping_add(1);
        let budget: f64 = Exp1.sample(&mut self.attrition_rng[seat]);
        self.budget[seat] = budget;
        self.budget_from[seat] = month.max(0);
        self.schedule(hazards, seat);
    }

    /// Files the departure of the rep in `seat` from their unspent budget.
    fn schedule(&mut self, hazards: &Hazards, seat: usize) {
        let from = self.budget_from[seat];
        let leaves = hazards.departure(self.hire_month[seat], from as usize, self.budget[seat]);
        self.leaves[seat] = leaves;
        if let Some(list) = self.due.get_mut(leaves as usize) {
            list.push((seat as u32, self.serial[seat]));
        }
    }

    /// Re-files every rep's departure after the schedule changes from month `from` on (a VP
    /// change): each keeps the budget they had not spent by then. `old` is the schedule before.
    pub fn reschedule(&mut self, old: &Hazards, new: &Hazards, from: usize) {
        for seat in 0..self.state.len() {
            if self.state[seat] != SeatState::Filled || self.leaves[seat] < from as i32 {
                continue;
            }
            let since = self.budget_from[seat] as usize;
            if since < from {
                let spent = old.spent(self.hire_month[seat], since, from);
                self.budget[seat] -= spent;
                self.budget_from[seat] = from as i32;
            }
            self.schedule(new, seat);
        }
    }

    /// Seats whose rep leaves through attrition at the end of month `t`, appended to `out`.
    pub fn departing(&self, t: usize, out: &mut Vec<u32>) {
        for &(seat, serial) in &self.due[t] {
            let i = seat as usize;
            if self.state[i] == SeatState::Filled
                && self.serial[i] == serial
                && self.leaves[i] == t as i32
            {
                out.push(seat);
            }
        }
    }

    /// The month a requisition opened in `month` for `seat` is filled.
    pub fn time_to_fill(&mut self, s: &Scenario, seat: usize, month: i32) -> i32 {
        let d = &s.staffing.time_to_fill_months;
        let ttf = match d.sampler.fixed() {
            Some(v) => v,
            None => {
                let key = self.key;
                let rng = self.hiring_rng[seat]
                    .get_or_insert_with(|| keyed(key, seat as u32, Purpose::Hiring as u8));
                d.sample(rng)
            }
        };
        month.saturating_add((ttf + 0.5).floor().min(1e6) as i32)
    }

    fn make_vacant(&mut self, seat: usize, ready: i32) {
        self.state[seat] = SeatState::Vacant;
        self.ready[seat] = ready;
        self.vacant.push(seat as u32);
    }

    /// Moves the seats in the plan toward `target` in month `t`: closed seats open from the
    /// lowest index (with a requisition), surplus vacant seats close from the highest.
    pub fn follow_plan(&mut self, s: &Scenario, target: usize, t: usize) {
        if self.open < target {
            for seat in 0..self.state.len() {
                if self.open == target {
                    break;
                }
                if self.state[seat] == SeatState::Closed {
                    let ready = self.time_to_fill(s, seat, t as i32);
                    self.make_vacant(seat, ready);
                    self.open += 1;
                }
            }
        } else if self.open > target {
            for seat in (0..self.state.len()).rev() {
                if self.open == target {
                    break;
                }
                if self.state[seat] == SeatState::Vacant {
                    self.state[seat] = SeatState::Closed;
                    self.ready[seat] = NEVER;
                    self.open -= 1;
                }
            }
            let state = &self.state;
            self.vacant
                .retain(|&v| state[v as usize] == SeatState::Vacant);
        }
    }

    /// Requisitions due by month `t` (earliest first, then by seat), at most `cap` of them, into
    /// `queue` as (ready month, seat).
    pub fn due_requisitions(&self, t: usize, cap: f64, queue: &mut Vec<(i32, u32)>) {
        queue.clear();
        queue.extend(
            self.vacant
                .iter()
                .filter(|&&seat| self.ready[seat as usize] <= t as i32)
                .map(|&seat| (self.ready[seat as usize], seat)),
        );
        queue.sort_unstable();
        if cap.is_finite() && queue.len() > cap as usize {
            queue.truncate(cap as usize);
        }
    }

    /// Which of `seat`'s reps holds it now: 1 for its first rep of the trial, 2 for the next.
    pub fn rep(&self, seat: usize) -> u32 {
        self.serial[seat].wrapping_sub(self.serial_at_start[seat])
    }

    /// Vacant seats.
    pub fn vacant_count(&self) -> usize {
        self.vacant.len()
    }

    /// Empties `seat` after a departure at the end of month `t`: a backfill if the plan still
    /// has the seat (`in_plan`), otherwise the seat closes.
    pub fn vacate(&mut self, s: &Scenario, seat: usize, t: usize, in_plan: bool) {
        self.filled -= 1;
        self.leaves[seat] = NEVER;
        self.left_at[seat].push(t as i32);
        if !in_plan {
            self.state[seat] = SeatState::Closed;
            self.ready[seat] = NEVER;
            self.open -= 1;
        } else if s.staffing.backfill {
            let opens = t as i32 + 1 + s.staffing.backfill_delay_months as i32;
            let ready = self.time_to_fill(s, seat, opens);
            self.make_vacant(seat, ready);
        } else {
            // No backfill: the territory stays vacant, with no requisition, for good.
            self.make_vacant(seat, NEVER);
        }
    }

    /// Whether the rep who held `seat` in month `created` left at the end of a month in
    /// `created..decided`: the first such month.
    pub fn left_between(&self, seat: usize, created: i64, decided: i64) -> Option<i32> {
        self.left_at[seat]
            .iter()
            .copied()
            .find(|&m| (m as i64) >= created && (m as i64) < decided)
    }
}
