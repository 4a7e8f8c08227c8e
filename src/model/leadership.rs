//! The VP of Sales: tenure, board reviews, transitions and initiatives (docs/model.md,
//! "Leadership (VP of Sales) turnover").
//!
//! A VP leaves at the end of a month when their exogenous tenure runs out, when a board review
//! fails and the board acts (probability per failed review), or when an event forces a change.
//! The departure starts a transition: a search (no VP), then the new VP's diagnosis, rollout and
//! re-onboarding, each of sampled length and each with multipliers on rep effort, win rate and
//! attrition. At the end of rollout the new VP may purge the lowest performers. After
//! re-onboarding the new VP's initiative (a win-rate multiplier drawn per VP, possibly below 1)
//! phases in linearly. A VP replaced before that lands leaves only the transition costs behind:
//! the death spiral. The starting VP's changes have already landed (multiplier 1). A forced
//! change that falls while the seat is empty (during a search) has no VP to remove and is
//! ignored.

use rand::RngExt;

use crate::random::streams::{ORG, Purpose, StreamRng, stream};
use crate::scenario::{LeadershipParams, Scenario};

const NONE: i64 = i64::MIN / 4;

/// The VP of one trial.
#[derive(Debug)]
pub struct Vp {
    rng: StreamRng,
    present: bool,
    arrived: i64,
    /// Last month of the exogenous tenure (inclusive).
    exogenous_last: i64,
    /// Phase boundaries of the latest transition: phase i covers months bounds[i]..bounds[i+1].
    bounds: [i64; 5],
    lift: f64,
    /// VP changes so far in this trial.
    pub changes: u32,
    /// Completed tenures (months) in this trial.
    pub completed: Vec<u32>,
}

/// Multipliers of one month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effects {
    /// On own opportunity creation.
    pub effort: f64,
    /// On win rates.
    pub win_rate: f64,
    /// On the attrition hazard.
    pub attrition: f64,
}

impl Effects {
    /// No effect.
    pub const NEUTRAL: Effects = Effects {
        effort: 1.0,
        win_rate: 1.0,
        attrition: 1.0,
    };
}

fn months(l: &LeadershipParams, i: usize, rng: &mut StreamRng) -> i64 {
    (l.phases[i].months.sample(rng) + 0.5).floor().min(1e6) as i64
}

impl Vp {
    /// The VP in seat at the start of trial `trial`.
    pub fn start(s: &Scenario, seed: u64, trial: u64, completed: Vec<u32>) -> Vp {
        let mut vp = Vp {
            rng: stream(seed, trial, ORG, Purpose::Leadership),
            present: true,
            arrived: 0,
            exogenous_last: i64::MAX,
            bounds: [NONE; 5],
            lift: 1.0,
            changes: 0,
            completed,
        };
        vp.completed.clear();
        if let Some(l) = &s.leadership {
            let already = l.starting_vp_tenure_months as i64;
            vp.arrived = -already;
            if let Some(tenure) = &l.tenure_months {
                // The remaining tenure of a VP already `already` months in: the tenure
                // distribution conditional on exceeding that (by rejection; if no draw exceeds it,
                // the VP is at the end of the road and leaves at the end of the first month).
                vp.exogenous_last = 0;
                for _ in 0..1000 {
                    let total = (tenure.sample(&mut vp.rng) + 0.5).floor() as i64;
                    if total > already {
                        vp.exogenous_last = vp.arrived + total - 1;
                        break;
                    }
                }
            }
        }
        vp
    }

    /// The multipliers in month `t`.
    pub fn effects(&self, l: &LeadershipParams, t: i64) -> Effects {
        let b = &self.bounds;
        for i in 0..4 {
            if b[i] <= t && t < b[i + 1] {
                let p = &l.phases[i];
                return Effects {
                    effort: p.effort,
                    win_rate: p.win_rate,
                    attrition: p.attrition,
                };
            }
        }
        let mut e = Effects::NEUTRAL;
        if self.present && b[4] != NONE && t >= b[4] {
            let f = if l.phase_in_months == 0 {
                1.0
            } else {
                ((t - b[4] + 1) as f64 / l.phase_in_months as f64).min(1.0)
            };
            e.win_rate = 1.0 + (self.lift - 1.0) * f;
        }
        e
    }

    /// Whether month `t` lies inside a transition (search to re-onboarding).
    pub fn in_transition(&self, t: i64) -> bool {
        self.bounds[0] <= t && t < self.bounds[4]
    }

    /// Whether the new VP purges low performers at the end of month `t` (the end of rollout).
    pub fn purges_in(&self, l: &LeadershipParams, t: i64) -> bool {
        l.purge_share > 0.0
            && self.present
            && self.bounds[3] != NONE
            && t == self.bounds[3] - 1
            && self.bounds[2] < self.bounds[3]
    }

    /// Closes month `t`: the board reviews, exogenous tenures end, forced changes happen, and a
    /// search ends with the new VP's arrival. `bookings` and `plan` are by month (plan may be
    /// absent). Returns whether the VP left at the end of this month.
    pub fn end_of_month(
        &mut self,
        l: &LeadershipParams,
        t: i64,
        forced: bool,
        bookings: &[i64],
        plan: Option<&[f64]>,
    ) -> bool {
        if !self.present {
            if t + 1 == self.bounds[1] {
                self.arrive(l, t + 1);
            }
            return false;
        }
        let tenure = t - self.arrived + 1;
        let mut leaves = forced || t >= self.exogenous_last;
        if !leaves && let (Some(r), Some(plan)) = (&l.review, plan) {
            let grace = r.grace_months as i64;
            if tenure >= grace && (tenure - grace) % r.every_months as i64 == 0 {
                let lo = (t + 1 - r.trailing_months as i64).max(0) as usize;
                let hi = t as usize + 1;
                // i128: a long window of the largest deals passes i64's range.
                let booked: i128 = bookings[lo..hi].iter().map(|&b| i128::from(b)).sum();
                let target: f64 = plan[lo..hi].iter().sum();
                if (booked as f64) < r.min_share_of_plan * target {
                    leaves = self.rng.random::<f64>() < r.replacement_probability;
                }
            }
        }
        if leaves {
            self.changes += 1;
            self.completed.push(tenure.max(0) as u32);
            self.present = false;
            self.lift = 1.0;
            let mut b = [t + 1; 5];
            for i in 0..4 {
                b[i + 1] = b[i] + months(l, i, &mut self.rng);
            }
            self.bounds = b;
            self.exogenous_last = i64::MAX;
            if b[1] == t + 1 {
                self.arrive(l, t + 1);
            }
        }
        leaves
    }

    fn arrive(&mut self, l: &LeadershipParams, month: i64) {
        self.present = true;
        self.arrived = month;
        self.lift = l.lift.sample(&mut self.rng);
        self.exogenous_last = match &l.tenure_months {
            Some(d) => month + ((d.sample(&mut self.rng) + 0.5).floor() as i64).max(1) - 1,
            None => i64::MAX,
        };
    }

    /// Tenure of the VP in seat at the end of a horizon of `h` months, if there is one.
    pub fn running_tenure(&self, h: i64) -> Option<u32> {
        (self.present && self.arrived < h).then(|| (h - self.arrived) as u32)
    }
}
