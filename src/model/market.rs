//! Market demand shared by every rep, and the market's pull on the other drivers
//! (docs/model.md, "Market and season").
//!
//! Each trial has one demand factor D (a good or bad year for the whole market: drawn with the
//! trial's uncertain parameters, so it can be correlated with them) and a monthly AR(1) shock
//! on the log scale, x(t) = rho x(t-1) + sd sqrt(1 - rho^2) e(t), started from its stationary
//! distribution, or from where a history left it (`market.current_shock`, moved to the start
//! month by the validation: `MarketParams::start_shock`). A driver with loading b is multiplied by the market level raised to b:
//!
//! ```text
//! m_b(t) = D^b exp(b x(t) - b^2 sd^2 / 2) exp(b g t)
//! ```
//!
//! so the shock's part averages 1 for any loading; g is `market.monthly_trend`, a drift of the
//! market level per month on the log scale (t = 0 the start month; 0 by default, when the factor
//! is left out and results are those without it). A trial's view of the scenario holds the
//! trial's own trend when the trend is uncertain. Opportunity creation (own and inbound) takes
//! m_b(t) x seasonality[calendar month] with b = `loadings.opportunities` (1 by default: the
//! market is demand); win rates, deal sizes, cycle lengths and the attrition hazard take their
//! own loadings (docs/scenario-reference.md, `[market.loadings]`). Without a common factor, sums
//! over many independent reps make forecasts falsely narrow.

use rand_distr::{Distribution, StandardNormal};

use crate::random::streams::{ORG, Purpose, stream};
use crate::scenario::Scenario;

/// One trial's market: the demand factor and the monthly shock path.
#[derive(Debug, Clone, Default)]
pub struct MarketPath {
    /// The trial's demand factor D.
    pub factor: f64,
    /// The log shock x(t) of each month (0 without a shock).
    pub shock: Vec<f64>,
}

impl MarketPath {
    /// The multiplier on a driver with loading `b` in month `t`, with the scenario's trend.
    #[inline]
    pub fn multiplier(&self, s: &Scenario, b: f64, t: usize) -> f64 {
        self.multiplier_with_trend(s, b, t, s.market.trend)
    }

    /// The multiplier on a driver with loading `b` in month `t` of a trial whose market drifts
    /// by `trend` a month (the trial's draw of an uncertain trend).
    #[inline]
    pub fn multiplier_with_trend(&self, s: &Scenario, b: f64, t: usize, trend: f64) -> f64 {
        let level = self.level(s, b, t);
        if trend == 0.0 || b == 0.0 {
            level
        } else {
            level * (b * trend * t as f64).exp()
        }
    }

    /// The factor and the shock's part of the multiplier.
    #[inline]
    fn level(&self, s: &Scenario, b: f64, t: usize) -> f64 {
        let sd = s.market.shock_sd;
        if b == 0.0 {
            return 1.0;
        }
        if b == 1.0 {
            let shock = if sd > 0.0 {
                (self.shock[t] - sd * sd / 2.0).exp()
            } else {
                1.0
            };
            return self.factor * shock;
        }
        let shock = if sd > 0.0 {
            (b * self.shock[t] - b * b * sd * sd / 2.0).exp()
        } else {
            1.0
        };
        self.factor.powf(b) * shock
    }

    /// The geometric mean over the horizon of the shock's multiplier on demand, exp(mean x -
    /// sd^2 / 2): the trial's shock in one number, for `trials.csv`.
    pub fn mean_shock(&self, s: &Scenario) -> f64 {
        let sd = s.market.shock_sd;
        if self.shock.is_empty() || sd == 0.0 {
            return 1.0;
        }
        (self.shock.iter().sum::<f64>() / self.shock.len() as f64 - sd * sd / 2.0).exp()
    }
}

/// Draws the monthly shock of trial `trial` into `path` (its demand factor is set by the
/// caller: the trial's draw, or the fixed value). `held`: no shock (the layer held at its
/// centre).
pub fn shock_path(s: &Scenario, seed: u64, trial: u64, held: bool, path: &mut MarketPath) {
    let h = s.horizon();
    path.shock.clear();
    path.shock.resize(h, 0.0);
    let m = &s.market;
    let (sd, rho) = (m.shock_sd, m.shock_autocorrelation);
    let (mean, start_sd) = m.start_shock;
    if sd == 0.0 {
        return;
    }
    if held {
        // The layer at its centre: the start month's mean, fading at the autocorrelation.
        let mut x = mean;
        for slot in path.shock.iter_mut() {
            *slot = x;
            x *= rho;
        }
        return;
    }
    let mut rng = stream(seed, trial, ORG, Purpose::Market);
    let innovation = sd * (1.0 - rho * rho).sqrt();
    let z: f64 = StandardNormal.sample(&mut rng);
    let mut x = mean + start_sd * z;
    for slot in path.shock.iter_mut() {
        *slot = x;
        let e: f64 = StandardNormal.sample(&mut rng);
        x = rho * x + innovation * e;
    }
}

/// Fills `demand[t]` with the demand multiplier of each month: the market's multiplier on
/// opportunities times the season.
pub fn demand_path(s: &Scenario, path: &MarketPath, demand: &mut [f64]) {
    let m = &s.market;
    let start_month = s.clock.start.month() as usize - 1;
    if !m.active() {
        demand.fill(1.0);
        return;
    }
    let b = m.loadings.opportunities;
    for (t, d) in demand.iter_mut().enumerate() {
        *d = path.multiplier(s, b, t) * m.seasonality[(start_month + t) % 12];
    }
}
