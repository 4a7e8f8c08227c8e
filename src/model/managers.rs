//! First-line managers: span of control, hiring lag, and promotions from the team
//! (docs/model.md, "Managers": a new manager per N reps; "promoting a star rep to manager loses
//! the star's territory").
//!
//! Each month-end the org needs ceil(reps / span) managers. Every opening beyond the managers
//! in seat and on their way is filled either by promoting the team's top rep (with the
//! scenario's probability: the rep leaves the territory at once and manages from next month)
//! or by an outside hire who starts after the time to fill. Reps beyond the managers' span work
//! at a lower productivity, spread evenly over the team. Managers do not leave in this version.

use rand::RngExt;

use crate::random::streams::{ORG, Purpose, StreamRng, stream};
use crate::scenario::{ManagerParams, Scenario};

/// The managers of one trial.
#[derive(Debug)]
pub struct Bench {
    rng: StreamRng,
    /// Managers in seat.
    pub managers: u32,
    /// Start months of outside hires on their way.
    pending: Vec<i64>,
    /// Promotions so far this month (reset by [`Bench::openings`]).
    pub promotions: u32,
}

impl Bench {
    /// The managers at the start of trial `trial`.
    pub fn start(s: &Scenario, seed: u64, trial: u64, pending: Vec<i64>) -> Bench {
        let mut b = Bench {
            rng: stream(seed, trial, ORG, Purpose::Managers),
            managers: s.managers.as_ref().map_or(0, |m| m.starting),
            pending,
            promotions: 0,
        };
        b.pending.clear();
        b
    }

    /// Outside hires due in month `t` start.
    pub fn arrive(&mut self, t: i64) {
        let before = self.pending.len();
        self.pending.retain(|&m| m > t);
        self.managers += (before - self.pending.len()) as u32;
    }

    /// Productivity multiplier of the month for `reps` reps at work.
    pub fn productivity(&self, m: &ManagerParams, reps: u32) -> f64 {
        if reps == 0 {
            return 1.0;
        }
        let managed = (self.managers as u64 * m.span as u64).min(reps as u64) as f64;
        (managed + (reps as f64 - managed) * m.unmanaged_productivity) / reps as f64
    }

    /// Opens the month-end manager openings for `reps` reps; returns how many are to be filled
    /// by promoting a rep now (the caller picks who and reports back with [`Bench::promoted`]).
    pub fn openings(&mut self, m: &ManagerParams, reps: u32, t: i64) -> u32 {
        self.promotions = 0;
        let needed = reps.div_ceil(m.span);
        let have = self.managers + self.pending.len() as u32;
        let mut by_promotion = 0;
        for _ in have..needed {
            if self.rng.random::<f64>() < m.promote_share {
                by_promotion += 1;
            } else {
                let ttf = (m.time_to_fill_months.sample(&mut self.rng) + 0.5)
                    .floor()
                    .min(1e6) as i64;
                self.pending.push(t + 1 + ttf);
            }
        }
        by_promotion
    }

    /// Records the `n` reps promoted at the end of month `t`: managers from next month.
    pub fn promoted(&mut self, n: u32, t: i64) {
        self.promotions = n;
        for _ in 0..n {
            self.pending.push(t + 1);
        }
    }

    /// Gives back the reusable buffer.
    pub fn into_buffer(self) -> Vec<i64> {
        self.pending
    }
}
