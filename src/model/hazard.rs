//! Departure clocks: when a rep leaves, without a draw per rep-month.
//!
//! The model's attrition (docs/model.md, "Attrition") is a monthly hazard h (from the annual rate, h = 1 - (1 - a)^(1/12)),
//! raised in the first tenure months by the early washout and multiplied during VP transitions
//! (capped at 1). A rep survives month j with probability 1 - h_j, so the rep leaves at the end
//! of the first month t at which the cumulative log-survival sum_{j <= t} -ln(1 - h_j) reaches
//! an Exp(1) budget drawn once at hire: the same distribution as a Bernoulli draw every month,
//! with one draw per rep instead of one per rep-month. The crossing month is found by binary
//! search on prefix sums of the schedule (walking month by month only through the washout
//! months), and is recomputed from the unspent budget when a VP change alters the schedule.
//! A higher hazard can only bring a departure forward: scenarios that differ in attrition share
//! their budgets (common random numbers).

use crate::scenario::Scenario;

/// Never inside the horizon.
pub const NEVER: i32 = i32::MAX;

/// The attrition schedule of one trial: per-month log-survival for reps past the washout, and
/// the multipliers in force.
#[derive(Debug, Clone)]
pub struct Hazards {
    /// Base monthly hazard by month (before washout and multipliers).
    base: Vec<f64>,
    /// Extra washout hazard by tenure month.
    washout: Vec<f64>,
    /// Hazard multiplier by month (VP transitions; 1 otherwise).
    multiplier: Vec<f64>,
    /// prefix[j] = sum over months before j of -ln(1 - min(1, base x multiplier)).
    prefix: Vec<f64>,
    /// From this month on, every month past the washout costs the same, `constant_cost`:
    /// departures have a closed form (the common case of one attrition rate for the run).
    constant_from: usize,
    constant_cost: f64,
}

impl Hazards {
    /// The schedule of `s` with every multiplier at 1.
    pub fn new(s: &Scenario) -> Hazards {
        let h = s.horizon();
        let mut z = Hazards {
            base: s.monthly_hazard.clone(),
            washout: s.tenure.washout.clone(),
            multiplier: vec![1.0; h],
            prefix: vec![0.0; h + 1],
            constant_from: 0,
            constant_cost: 0.0,
        };
        z.rebuild(0);
        z
    }

    /// Loads the schedule of `s` (a trial's view: its own attrition and washout), with every
    /// multiplier at 1, into these buffers.
    pub fn load(&mut self, s: &Scenario) {
        self.base.clone_from(&s.monthly_hazard);
        self.washout.clone_from(&s.tenure.washout);
        self.multiplier.fill(1.0);
        self.rebuild(0);
    }

    /// Resets the multipliers to 1 (a new trial).
    pub fn reset(&mut self) {
        if self.multiplier.iter().any(|m| *m != 1.0) {
            self.multiplier.fill(1.0);
            self.rebuild(0);
        }
    }

    /// Sets the multiplier of months `from..` to `m(month)` and rebuilds the prefix sums.
    pub fn set_multipliers(&mut self, from: usize, m: impl Fn(usize) -> f64) {
        for j in from..self.multiplier.len() {
            self.multiplier[j] = m(j);
        }
        self.rebuild(from);
    }

    fn rebuild(&mut self, from: usize) {
        let h = self.base.len();
        for j in from..h {
            let c = log_survival(self.base[j] * self.multiplier[j]);
            self.prefix[j + 1] = self.prefix[j] + c;
        }
        let cost = |j: usize| self.base[j] * self.multiplier[j];
        self.constant_from = h;
        while self.constant_from > 0
            && (self.constant_from == h || cost(self.constant_from - 1) == cost(h - 1))
        {
            self.constant_from -= 1;
        }
        self.constant_cost = if h > 0 {
            log_survival(cost(h - 1))
        } else {
            0.0
        };
    }

    /// -ln(1 - hazard) of a rep hired in `hire` during month `j`.
    #[inline]
    fn cost(&self, hire: i32, j: usize) -> f64 {
        let k = j as i64 - hire as i64;
        let base = self.base[j];
        let h = match self.washout.get(k as usize) {
            Some(w) if k >= 0 => 1.0 - (1.0 - base) * (1.0 - w),
            _ => base,
        };
        log_survival(h * self.multiplier[j])
    }

    /// First month in which tenure has passed the washout.
    #[inline]
    fn washout_end(&self, hire: i32) -> i64 {
        hire as i64 + self.washout.len() as i64
    }

    /// The month at whose end a rep hired in `hire`, with `budget` left at the start of month
    /// `from`, leaves ([`NEVER`] if not inside the horizon).
    pub fn departure(&self, hire: i32, from: usize, mut budget: f64) -> i32 {
        let h = self.base.len();
        let mut j = from;
        while j < h && (j as i64) < self.washout_end(hire) {
            budget -= self.cost(hire, j);
            if budget.is_nan() || budget <= 0.0 {
                return j as i32;
            }
            j += 1;
        }
        if j >= h {
            return NEVER;
        }
        if j >= self.constant_from {
            // The same cost c every month: the budget runs out in month j + ceil(budget / c) - 1.
            let c = self.constant_cost;
            if c == f64::INFINITY {
                return j as i32;
            }
            if c.is_nan() || c <= 0.0 {
                return NEVER;
            }
            let q = budget / c;
            if q.is_nan() || q >= h as f64 {
                return NEVER;
            }
            // ceil(q), at least 1, without a library call.
            let whole = q as i64;
            let months = (whole + i64::from((whole as f64) < q)).max(1);
            let t = j as i64 + months - 1;
            return if t < h as i64 { t as i32 } else { NEVER };
        }
        // The first t >= j with prefix[t + 1] >= prefix[j] + budget.
        let target = self.prefix[j] + budget;
        let after = &self.prefix[j + 1..];
        let i = after.partition_point(|p| *p < target);
        if i < after.len() {
            (j + i) as i32
        } else {
            NEVER
        }
    }

    /// The budget a rep hired in `hire` spends in months `from..to`.
    pub fn spent(&self, hire: i32, from: usize, to: usize) -> f64 {
        let mut spent = 0.0;
        let mut j = from;
        while j < to && (j as i64) < self.washout_end(hire) {
            spent += self.cost(hire, j);
            j += 1;
        }
        if j < to {
            let d = self.prefix[to] - self.prefix[j];
            spent += if d.is_nan() { f64::INFINITY } else { d };
        }
        spent
    }
}

/// -ln(1 - min(1, h)): infinite for a certain departure, 0 for none.
#[inline]
fn log_survival(h: f64) -> f64 {
    if h >= 1.0 {
        f64::INFINITY
    } else if h > 0.0 {
        -(-h).ln_1p()
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hazards(base: Vec<f64>, washout: Vec<f64>) -> Hazards {
        let h = base.len();
        let mut z = Hazards {
            base,
            washout,
            multiplier: vec![1.0; h],
            prefix: vec![0.0; h + 1],
            constant_from: 0,
            constant_cost: 0.0,
        };
        z.rebuild(0);
        z
    }

    #[test]
    fn departure_matches_a_monthly_walk() {
        // Against the direct definition: leave at the first month whose cumulative cost
        // reaches the budget.
        let z = hazards(
            (0..40).map(|j| 0.01 + 0.002 * (j % 7) as f64).collect(),
            vec![0.05, 0.05, 0.03],
        );
        for hire in [-30, -2, 0, 5, 17] {
            for i in 0..200 {
                let budget = 0.01 + i as f64 * 0.013;
                let from = hire.max(0) as usize;
                let mut left = budget;
                let mut want = NEVER;
                for j in from..40 {
                    left -= z.cost(hire, j);
                    if left <= 0.0 {
                        want = j as i32;
                        break;
                    }
                }
                let got = z.departure(hire, from, budget);
                // Sums in a different order can straddle the budget by a rounding error.
                if got != want {
                    let spent = z.spent(hire, from, (got.min(want) as usize) + 1);
                    assert!(
                        (spent - budget).abs() < 1e-12,
                        "hire {hire} budget {budget}"
                    );
                }
            }
        }
    }

    #[test]
    fn constant_hazard_has_the_closed_form() {
        // One rate for the whole run: the closed form against the prefix-sum search.
        let z = hazards(vec![0.015; 36], vec![0.04, 0.04]);
        assert_eq!(z.constant_from, 0);
        let mut search = z.clone();
        search.constant_from = 36;
        for hire in [-24, 0, 3, 30] {
            for i in 0..400 {
                let budget = 0.001 + i as f64 * 0.002;
                let from = hire.max(0) as usize;
                let (a, b) = (
                    z.departure(hire, from, budget),
                    search.departure(hire, from, budget),
                );
                if a != b {
                    let spent = z.spent(hire, from, (a.min(b) as usize) + 1);
                    assert!(
                        (spent - budget).abs() < 1e-12,
                        "hire {hire} budget {budget}: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn certain_and_impossible_departures() {
        let z = hazards(vec![0.0, 0.0, 1.0, 0.0], vec![]);
        assert_eq!(z.departure(0, 0, 5.0), 2, "a hazard of 1 ends every tenure");
        let z = hazards(vec![0.0; 4], vec![]);
        assert_eq!(z.departure(0, 0, 1e-9), NEVER);
    }

    #[test]
    fn multipliers_bring_departures_forward() {
        let mut z = hazards(vec![0.02; 36], vec![]);
        let before = z.departure(0, 0, 0.3);
        z.set_multipliers(5, |j| if j < 20 { 3.0 } else { 1.0 });
        let after = z.departure(0, 0, 0.3);
        assert!(after < before, "{after} vs {before}");
        // The budget spent up to a change plus what is left equals the whole budget.
        let spent = z.spent(0, 0, 5);
        assert_eq!(z.departure(0, 5, 0.3 - spent), after);
    }
}
