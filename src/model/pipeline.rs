//! Opportunities and deals: creation, outcome, size and cycle time, and the monthly ledgers.
//!
//! Each opportunity draws its outcome (won with the rep's win rate; otherwise lost or no
//! decision in the scenario's proportions), its size and its cycle time; it is decided in month
//! `created + ceil(cycle)`. Everything a deal contributes is known when it is created, so the
//! ledgers are filled at creation: bookings and decided counts by decision month, and the open
//! pipeline as a difference array (open from its creation month up to its decision month).
//! Deals that starting reps opened before the start month (see `create_before_start`) give each
//! trial a steady-state pipeline at the start instead of an empty one.
//! Amounts are whole dollars in integers, so sums are exact and independent of order, and a
//! leaver's deals can be taken back out exactly.

use rand::RngExt;
use rand_distr::{Distribution, Poisson};

use super::streams::{Purpose, StreamRng, stream};
use crate::scenario::Scenario;

/// How an opportunity ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Won: books its value.
    Won = 0,
    /// Lost.
    Lost = 1,
    /// No decision.
    NoDecision = 2,
}

/// Which of a seat's streams a draw comes from.
#[derive(Debug, Clone, Copy)]
enum Draw {
    /// Counts and outcomes.
    Opportunity,
    /// Sizes and cycle times.
    Deal,
}

/// A deal still open, kept per seat only when a leaver policy is active.
#[derive(Debug, Clone, Copy)]
struct OpenDeal {
    decided: u32,
    value: i64,
    outcome: Outcome,
}

/// The deal ledgers of one trial (reused across trials).
#[derive(Debug)]
pub struct Ledger {
    horizon: usize,
    /// Bookings by decision month, USD.
    pub bookings: Vec<i64>,
    /// Deals decided by month, by outcome (won, lost, no decision).
    pub decided: [Vec<u32>; 3],
    /// Opportunities created by month.
    pub created: Vec<u32>,
    /// Open deals orphaned (lost because their rep left) by month.
    pub orphaned: Vec<u32>,
    /// Bookings by seat and decision month (`seat * horizon + month`), for quota attainment.
    pub seat_bookings: Vec<i64>,
    value_diff: Vec<i64>,
    count_diff: Vec<i64>,
    open: Vec<Vec<OpenDeal>>,
    track_open: bool,
    /// Deals created before the start and still open at the start.
    pub open_at_start: u64,
    /// Value of open deals by the month they will be decided in, USD.
    pub closing: Vec<i64>,
    /// The same by seat (`seat * horizon + month`), kept only under a coverage policy.
    seat_closing: Vec<i64>,
    start_rng: Vec<StreamRng>,
    opp_rng: Vec<StreamRng>,
    deal_rng: Vec<StreamRng>,
    leaver_rng: Vec<StreamRng>,
}

impl Ledger {
    /// Buffers for `seats` seats over the scenario's horizon.
    pub fn new(s: &Scenario, seats: usize) -> Self {
        let h = s.horizon();
        let track_open = s.pipeline.leaver_policy_active();
        let rng = || vec![stream(0, 0, 0, Purpose::Opportunities); seats];
        Ledger {
            horizon: h,
            bookings: vec![0; h],
            decided: [vec![0; h], vec![0; h], vec![0; h]],
            created: vec![0; h],
            orphaned: vec![0; h],
            seat_bookings: vec![0; seats * h],
            value_diff: vec![0; h + 1],
            count_diff: vec![0; h + 1],
            open: if track_open {
                vec![Vec::new(); seats]
            } else {
                Vec::new()
            },
            track_open,
            open_at_start: 0,
            closing: vec![0; h],
            seat_closing: if s.coverage.is_some() {
                vec![0; seats * h]
            } else {
                Vec::new()
            },
            start_rng: if s.pipeline.warm_up_months > 0 {
                rng()
            } else {
                Vec::new()
            },
            opp_rng: rng(),
            deal_rng: rng(),
            leaver_rng: if track_open { rng() } else { Vec::new() },
        }
    }

    /// Clears the ledgers and keys the seats' streams for a new trial.
    pub fn start_trial(&mut self, seed: u64, trial: u64) {
        self.bookings.fill(0);
        self.decided.iter_mut().for_each(|v| v.fill(0));
        self.created.fill(0);
        self.orphaned.fill(0);
        self.seat_bookings.fill(0);
        self.value_diff.fill(0);
        self.count_diff.fill(0);
        self.open.iter_mut().for_each(Vec::clear);
        for seat in 0..self.opp_rng.len() {
            let id = seat as u32;
            self.opp_rng[seat] = stream(seed, trial, id, Purpose::Opportunities);
            self.deal_rng[seat] = stream(seed, trial, id, Purpose::Deals);
        }
        self.open_at_start = 0;
        self.closing.fill(0);
        self.seat_closing.fill(0);
        for (seat, r) in self.start_rng.iter_mut().enumerate() {
            *r = stream(seed, trial, seat as u32, Purpose::StartingPipeline);
        }
        for (seat, r) in self.leaver_rng.iter_mut().enumerate() {
            *r = stream(seed, trial, seat as u32, Purpose::Leaver);
        }
    }

    /// Creates the opportunities of `seat` in month `t`: a Poisson number with mean `rate`, each
    /// won with probability `win_rate`.
    /// Deal sizes are multiplied by `size_multiplier` (price changes from events).
    pub fn create(
        &mut self,
        s: &Scenario,
        seat: usize,
        t: usize,
        rate: f64,
        win_rate: f64,
        size_multiplier: f64,
    ) {
        self.created[t] += self.deals(s, seat, t as i64, rate, win_rate, size_multiplier, false);
    }

    /// Creates the deals the rep in `seat` opened in month `t` < 0, before the start, on the
    /// seat's starting-pipeline stream; those still open at the start form its pipeline.
    pub fn create_before_start(
        &mut self,
        s: &Scenario,
        seat: usize,
        t: i64,
        rate: f64,
        win_rate: f64,
    ) {
        debug_assert!(t < 0);
        self.deals(s, seat, t, rate, win_rate, 1.0, true);
    }

    #[allow(clippy::too_many_arguments)]
    fn deals(
        &mut self,
        s: &Scenario,
        seat: usize,
        t: i64,
        rate: f64,
        win_rate: f64,
        size_multiplier: f64,
        before_start: bool,
    ) -> u32 {
        if rate <= 0.0 {
            return 0;
        }
        let p = &s.pipeline;
        let rng = self.rng(seat, before_start, Draw::Opportunity);
        let n = Poisson::new(rate).map_or(0.0, |d| d.sample(rng)) as u32;
        let lost_cut = win_rate + (1.0 - win_rate) * p.lost_share_of_non_wins;
        for _ in 0..n {
            let rng = self.rng(seat, before_start, Draw::Opportunity);
            let u: f64 = rng.random();
            let outcome = if u < win_rate {
                Outcome::Won
            } else if u < lost_cut {
                Outcome::Lost
            } else {
                Outcome::NoDecision
            };
            let rng = self.rng(seat, before_start, Draw::Deal);
            let value = (p.deal_size_usd.sample(rng) * size_multiplier)
                .round()
                .min(1e15) as i64;
            let cycle = p.cycle_months[outcome as usize].sample(rng).ceil().min(1e6) as i64;
            self.record(seat, t, t + cycle, value, outcome);
        }
        n
    }

    /// The stream for a seat's draws: its opportunity or deal stream, or, for deals opened
    /// before the start, its starting-pipeline stream for both.
    fn rng(&mut self, seat: usize, before_start: bool, draw: Draw) -> &mut StreamRng {
        match (before_start, draw) {
            (true, _) => &mut self.start_rng[seat],
            (false, Draw::Opportunity) => &mut self.opp_rng[seat],
            (false, Draw::Deal) => &mut self.deal_rng[seat],
        }
    }

    /// Books one deal created in month `t` and decided in month `d` into the ledgers.
    fn record(&mut self, seat: usize, t: i64, d: i64, value: i64, outcome: Outcome) {
        if d < 0 {
            return; // created and decided before the start: not in these books
        }
        let h = self.horizon as i64;
        let open_from = t.max(0) as usize;
        if t < 0 {
            self.open_at_start += 1;
        }
        self.value_diff[open_from] += value;
        self.count_diff[open_from] += 1;
        if d < h {
            let d = d as usize;
            self.value_diff[d] -= value;
            self.count_diff[d] -= 1;
            self.decided[outcome as usize][d] += 1;
            if outcome == Outcome::Won {
                self.bookings[d] += value;
                self.seat_bookings[seat * self.horizon + d] += value;
            }
        }
        if d > open_from as i64 && d < h {
            self.closing[d as usize] += value;
            if !self.seat_closing.is_empty() {
                self.seat_closing[seat * self.horizon + d as usize] += value;
            }
        }
        if self.track_open && d > open_from as i64 {
            let open = &mut self.open[seat];
            // Prune decided deals when the list doubles past 256: amortised O(1) per deal.
            if open.len() >= 256 && open.len().is_power_of_two() {
                open.retain(|o| o.decided as usize > open_from);
            }
            open.push(OpenDeal {
                decided: d.min(u32::MAX as i64) as u32,
                value,
                outcome,
            });
        }
    }

    /// Applies the leaver policy to the open deals of `seat`, whose rep leaves at the end of `t`:
    /// each is orphaned (lost now) with the policy's probability; a reassigned winning deal
    /// stays won with the policy's win-rate multiplier and is otherwise lost at its decision.
    pub fn rep_left(&mut self, s: &Scenario, seat: usize, t: usize) {
        if !self.track_open {
            return;
        }
        let p = &s.pipeline;
        let h = self.horizon;
        let rng = &mut self.leaver_rng[seat];
        for deal in self.open[seat].drain(..) {
            let d = deal.decided as usize;
            if d <= t {
                continue;
            }
            let decided_in_horizon = d < h;
            if rng.random::<f64>() < p.leaver_lost_probability {
                self.orphaned[t] += 1;
                // Not open at the end of month t; undo its decision.
                self.value_diff[t] -= deal.value;
                self.count_diff[t] -= 1;
                if decided_in_horizon {
                    self.closing[d] -= deal.value;
                    if !self.seat_closing.is_empty() {
                        self.seat_closing[seat * h + d] -= deal.value;
                    }
                }
                if decided_in_horizon {
                    self.value_diff[d] += deal.value;
                    self.count_diff[d] += 1;
                    self.decided[deal.outcome as usize][d] -= 1;
                    if deal.outcome == Outcome::Won {
                        self.bookings[d] -= deal.value;
                        self.seat_bookings[seat * h + d] -= deal.value;
                    }
                }
            } else if deal.outcome == Outcome::Won
                && rng.random::<f64>() >= p.leaver_win_rate_multiplier
                && decided_in_horizon
            {
                self.decided[Outcome::Won as usize][d] -= 1;
                self.decided[Outcome::Lost as usize][d] += 1;
                self.bookings[d] -= deal.value;
                self.seat_bookings[seat * h + d] -= deal.value;
            }
        }
    }

    /// Value of the open deals of `seat` to be decided in months `from..from + months`.
    pub fn seat_pipeline(&self, seat: usize, from: usize, months: usize) -> i64 {
        let h = self.horizon;
        let row = &self.seat_closing[seat * h..(seat + 1) * h];
        row[from.min(h)..(from + months).min(h)].iter().sum()
    }

    /// Value of all open deals to be decided in months `from..from + months`.
    pub fn pipeline(&self, from: usize, months: usize) -> i64 {
        let h = self.horizon;
        self.closing[from.min(h)..(from + months).min(h)]
            .iter()
            .sum()
    }

    /// Open deals and their value at the end of each month (prefix sums of the differences).
    pub fn open_by_month(&self, mut f: impl FnMut(usize, i64, i64)) {
        let (mut count, mut value) = (0i64, 0i64);
        for t in 0..self.horizon {
            count += self.count_diff[t];
            value += self.value_diff[t];
            f(t, count, value);
        }
    }
}
