//! The first layer of uncertainty, validated: what the org does not know about itself
//! (docs/model.md, "Uncertainty: three layers").
//!
//! Each uncertain parameter is drawn once per trial from its belief and held for the whole
//! trial. The value in the file is the *centre*: the median of the draws. A belief's own median
//! is moved to the centre (by a factor for positive quantities, on the log-odds scale for
//! shares), so that a sweep or `solve` that moves the value moves the whole belief with it,
//! and a dated event that sets the value from a month on keeps the trial's offset from it.
//!
//! Draws are made by inversion: a trial's parameter i takes the value of its belief at
//! Φ(z_i), with z_i a standard normal from the parameter's own stream (keyed by its key path)
//! and, for correlated parameters, the copula's correlated normals. A parameter added to a
//! scenario leaves every other parameter's draws as they were (common random numbers), and a
//! trial's draws depend on nothing but (seed, trial).

use crate::random::copula::Copula;
use crate::random::dist::Dist;
use crate::random::metalog::Metalog;

use super::events::Param;

/// The model quantity a belief drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// An event series (opportunities, inbound, attrition, recruiting capacity, churn,
    /// expansion): every month's value carries the trial's offset from the centre.
    Series(Param),
    /// `pipeline.outcomes.won` alone: lost and no decision keep their proportions of the rest.
    Won,
    /// One share of a Dirichlet over the outcomes (0 won, 1 lost, 2 no decision).
    Outcome(usize),
    /// The level of the deal-size distribution: a factor on every deal's size.
    DealSize,
    /// The log-scale spread (sigma) of a lognormal deal-size distribution, its median kept.
    DealSizeSigma,
    /// The level of a cycle-time distribution (0 `cycle_months`, 1 `_lost`, 2 `_no_decision`):
    /// a factor on the cycles that distribution draws.
    Cycle(usize),
    /// Months for a rep to reach full productivity (`ramp.curve.months_to_full`).
    RampMonths,
    /// The share of hires washing out early.
    Washout,
    /// The level of the time to fill a requisition.
    TimeToFill,
    /// The spread of reps' individual win rates.
    WinRateSd,
    /// The level of the VP's exogenous tenure.
    VpTenure,
    /// The level of a new VP's win-rate lift.
    Lift,
    /// A VP transition phase's effect (phase 0-3: search, diagnosis, rollout, re-onboarding;
    /// effect 0-2: effort, win rate, attrition).
    Phase(usize, usize),
    /// The coverage policy's cap on effort.
    CoverageMaxEffort,
    /// The coverage policy's win-rate multiplier of stuffed deals.
    CoverageExtraWin,
    /// The coverage policy's win-rate cost of extra effort.
    CoverageCost,
    /// The market's per-trial demand factor (declared in `[market]`).
    DemandFactor,
    /// The market's drift per month (`market.monthly_trend`).
    Trend,
}

/// How a draw is moved to the centre and carried onto events' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// A positive quantity: a factor.
    Log,
    /// A share: an offset on the log-odds.
    Logit,
    /// A quantity that may be negative (a drift): an offset.
    Shift,
    /// Drawn as declared (the demand factor, the Dirichlet's gamma components).
    AsDrawn,
}

impl Scale {
    /// The middle of `a` and `b` on this scale: their geometric mean for a positive quantity,
    /// the middle on the log-odds for a share (the plain middle where those are undefined).
    pub fn middle(self, a: f64, b: f64) -> f64 {
        let plain = (a + b) / 2.0;
        match self {
            Scale::Log if a > 0.0 && b > 0.0 => (a * b).sqrt(),
            Scale::Logit if a > 0.0 && b < 1.0 && b > 0.0 && a < 1.0 => {
                expit((logit(a) + logit(b)) / 2.0)
            }
            _ => plain,
        }
    }
}

/// A belief, ready to invert.
#[derive(Debug, Clone)]
pub enum Belief {
    /// P10 / P50 / P90.
    Metalog(Metalog),
    /// A distribution family, truncated to `(F(lo), F(hi))` in probability if asked.
    Dist {
        /// The distribution.
        dist: Dist,
        /// The probabilities of the quantity's range, when the draws are cut to it.
        truncated: Option<(f64, f64)>,
    },
}

impl Belief {
    /// The belief's value at cumulative probability `u`.
    pub fn at(&self, u: f64) -> f64 {
        match self {
            Belief::Metalog(m) => m.quantile(u),
            Belief::Dist { dist, truncated } => match truncated {
                Some((lo, hi)) => dist.inverse_cdf(lo + (hi - lo) * u),
                None => dist.inverse_cdf(u),
            },
        }
    }
}

/// One uncertain parameter.
#[derive(Debug, Clone)]
pub struct UncertainParam {
    /// Key path as the file names it (and `trials.csv` heads its column).
    pub path: String,
    /// What it drives.
    pub target: Target,
    /// The belief.
    pub belief: Belief,
    /// The value in the file: the median of the draws.
    pub centre: f64,
    /// The belief's own median, moved to the centre.
    pub belief_median: f64,
    /// How the move is made.
    pub scale: Scale,
    /// The entity key of the parameter's stream (a hash of its path).
    pub stream: u32,
    /// The value every trial takes instead of a draw, when the run fixes the belief
    /// (`[uncertainty.fixed]`, as `--set` of a level inside a distribution writes it).
    pub pinned: Option<f64>,
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

fn expit(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

impl UncertainParam {
    /// The trial's value for the uniform `u`: the belief's value moved to the centre.
    pub fn value(&self, u: f64) -> f64 {
        let x = self.belief.at(u);
        self.moved(x, self.centre)
    }

    /// The `q` quantile of the trial's draws: the value at `q` for most beliefs; for a share of a
    /// Dirichlet, the quantile of its Beta marginal, moved by the tilt to the file's share.
    pub fn quantile(&self, q: f64) -> f64 {
        let Target::Outcome(_) = self.target else {
            return self.value(q);
        };
        use crate::random::dist::{BetaGammas, Dist, Domain, Moments, Sampler};
        let Belief::Dist { dist, .. } = &self.belief else {
            return self.centre;
        };
        let Sampler::Gamma { shape, .. } = dist.sampler else {
            return self.centre;
        };
        // belief_median holds the Dirichlet mean a / A of the share.
        let total = shape / self.belief_median;
        match BetaGammas::new(shape, total - shape) {
            Ok(beta) => {
                let marginal = Dist {
                    sampler: Sampler::Beta(beta),
                    moments: Moments {
                        mean: self.belief_median,
                        lo: 0.0,
                        hi: 1.0,
                    },
                    domain: Domain::UNIT,
                };
                (marginal.inverse_cdf(q) * self.centre / self.belief_median).min(1.0)
            }
            Err(_) => self.centre,
        }
    }

    /// `x`, a value of the belief, moved as the belief's median moves to `centre`.
    pub fn moved(&self, x: f64, centre: f64) -> f64 {
        let m = self.belief_median;
        match self.scale {
            Scale::AsDrawn => x,
            Scale::Shift => x + (centre - m),
            Scale::Log => {
                if m > 0.0 {
                    x * (centre / m)
                } else {
                    x
                }
            }
            Scale::Logit => {
                if x <= 0.0 || x >= 1.0 || centre <= 0.0 || centre >= 1.0 {
                    // The ends stay where they are: a share of 0 or 1 has no log-odds.
                    x
                } else {
                    expit(logit(x) + logit(centre) - logit(m))
                }
            }
        }
    }

    /// The value a quantity whose centre is `base` takes in a trial whose draw is `value` (an
    /// event's value, or the file's, carrying the trial's offset from the centre).
    pub fn carried(&self, value: f64, base: f64) -> f64 {
        match self.scale {
            Scale::AsDrawn => base,
            Scale::Shift => base + (value - self.centre),
            Scale::Log => {
                if self.centre > 0.0 {
                    base * (value / self.centre)
                } else {
                    base
                }
            }
            Scale::Logit => {
                if base <= 0.0 || base >= 1.0 || value <= 0.0 || value >= 1.0 {
                    base
                } else {
                    expit(logit(base) + logit(value) - logit(self.centre))
                }
            }
        }
    }
}

/// The first layer: every uncertain parameter and their correlations.
#[derive(Debug, Clone, Default)]
pub struct Uncertainty {
    /// The uncertain parameters, in key-path order (the order of `trials.csv`'s columns).
    pub params: Vec<UncertainParam>,
    /// The correlated parameters (indices into `params`, in the copula's order) and the copula.
    pub correlated: Option<(Vec<usize>, Copula)>,
}

impl Uncertainty {
    /// Whether nothing varies across trials.
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// The parameter that drives `target`, if one does.
    pub fn find(&self, target: Target) -> Option<usize> {
        self.params.iter().position(|p| p.target == target)
    }
}

/// The entity key of a parameter's stream: FNV-1a of its key path, so that the stream does not
/// depend on which other parameters are uncertain.
pub fn stream_key(path: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in path.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::metalog::Bounds;

    fn param(scale: Scale, centre: f64, q: [f64; 3]) -> UncertainParam {
        let bounds = match scale {
            Scale::Logit => Bounds::Both(0.0, 1.0),
            _ => Bounds::Lower(0.0),
        };
        UncertainParam {
            path: "x".into(),
            target: Target::RampMonths,
            belief: Belief::Metalog(Metalog::new(q[0], q[1], q[2], bounds).unwrap()),
            centre,
            belief_median: q[1],
            scale,
            stream: stream_key("x"),
            pinned: None,
        }
    }

    #[test]
    fn the_median_of_the_draws_is_the_centre() {
        let p = param(Scale::Log, 6.0, [4.0, 5.0, 9.0]);
        assert!((p.value(0.5) - 6.0).abs() < 1e-12);
        // A factor: P10 and P90 move with it.
        assert!((p.value(0.1) - 4.8).abs() < 1e-12);
        let s = param(Scale::Logit, 0.3, [0.2, 0.28, 0.36]);
        assert!((s.value(0.5) - 0.3).abs() < 1e-12);
        assert!(s.value(0.999_999) < 1.0 && s.value(1e-9) > 0.0);
    }

    #[test]
    fn events_carry_the_trials_offset() {
        let p = param(Scale::Log, 4.0, [3.0, 4.0, 5.0]);
        // A trial drawing 5 against a centre of 4: an event setting 6 gives 7.5.
        assert!((p.carried(5.0, 6.0) - 7.5).abs() < 1e-12);
        assert_eq!(p.carried(4.0, 6.0), 6.0);
        let s = param(Scale::Logit, 0.25, [0.2, 0.25, 0.3]);
        assert!((s.carried(0.25, 0.4) - 0.4).abs() < 1e-15);
        assert!(s.carried(0.3, 0.4) > 0.4);
    }

    #[test]
    fn stream_keys_differ_by_path() {
        assert_ne!(
            stream_key("pipeline.outcomes.won"),
            stream_key("pipeline.outcomes.lost")
        );
        assert_eq!(stream_key("a"), stream_key("a"));
    }
}
