//! Market demand shared by every rep (docs/model.md, "Market and season").
//!
//! Each trial draws one demand factor (a good or bad year for the whole market) and a monthly
//! AR(1) shock on the log scale, x(t) = rho x(t-1) + sd sqrt(1 - rho^2) e(t), started from its
//! stationary distribution; the month's multiplier is factor x exp(x - sd^2 / 2) x
//! seasonality[calendar month], so the shock averages 1. All of it scales opportunity creation
//! (own and inbound) for every rep at once: the common factor that keeps sums over many reps
//! from being falsely narrow.

use rand_distr::{Distribution, StandardNormal};

use crate::random::streams::{ORG, Purpose, stream};
use crate::scenario::Scenario;

/// Fills `demand[t]` with the demand multiplier of each month of trial `trial`.
pub fn demand_path(s: &Scenario, seed: u64, trial: u64, demand: &mut [f64]) {
    let m = &s.market;
    let start_month = s.clock.start.month() as usize - 1;
    if !m.active() {
        demand.fill(1.0);
        return;
    }
    let mut rng = stream(seed, trial, ORG, Purpose::Market);
    let factor = m.demand_factor.sample(&mut rng);
    let (sd, rho) = (m.shock_sd, m.shock_autocorrelation);
    let innovation = sd * (1.0 - rho * rho).sqrt();
    let mut x = if sd > 0.0 {
        let z: f64 = StandardNormal.sample(&mut rng);
        sd * z
    } else {
        0.0
    };
    for (t, d) in demand.iter_mut().enumerate() {
        let shock = if sd > 0.0 {
            (x - sd * sd / 2.0).exp()
        } else {
            1.0
        };
        *d = factor * shock * m.seasonality[(start_month + t) % 12];
        if sd > 0.0 {
            let e: f64 = StandardNormal.sample(&mut rng);
            x = rho * x + innovation * e;
        }
    }
}
