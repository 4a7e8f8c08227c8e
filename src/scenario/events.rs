//! The events timeline: dated changes turned into one value per month for every parameter an
//! event can change (MODEL.md, "Events").
//!
//! An event sets parameters from its month on, at once or in a straight line over
//! `ramp_months` from the value in force before it. Later events build on earlier ones (events
//! apply in month order, and in file order within a month). The model reads these per-month
//! values; a scenario without events has constant timelines equal to its base values.

use std::ops::Range;

use super::raw::LayoffWho;

/// A parameter that events can change: its key path, the allowed range, and how it reads.
pub struct Parameter {
    /// Key path as written in `set`.
    pub path: &'static str,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// What it is.
    pub meaning: &'static str,
}

/// Every parameter an event can set, in the order of [`Timeline::series`].
pub const PARAMETERS: [Parameter; 12] = [
    Parameter {
        path: "pipeline.opportunities_per_rep_month",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "own opportunities per ramped rep-month",
    },
    Parameter {
        path: "pipeline.inbound_opportunities_per_month",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "shared inbound opportunities per month",
    },
    Parameter {
        path: "pipeline.win_rate_multiplier",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "multiplier on every rep's win rate (1 = as drawn)",
    },
    Parameter {
        path: "pipeline.deal_size_multiplier",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "multiplier on deal sizes (a price change)",
    },
    Parameter {
        path: "attrition.annual_rate",
        min: 0.0,
        max: 1.0,
        meaning: "share of reps leaving per year",
    },
    Parameter {
        path: "hiring.seats",
        min: 0.0,
        max: super::MAX_SEATS as f64,
        meaning: "target seats (replaces the headcount plan from then on)",
    },
    Parameter {
        path: "hiring.recruiting_capacity_per_month",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "most starts per month",
    },
    Parameter {
        path: "customers.monthly_logo_churn_rate",
        min: 0.0,
        max: 1.0,
        meaning: "monthly logo churn",
    },
    Parameter {
        path: "customers.monthly_expansion_rate",
        min: 0.0,
        max: super::raw::MAX_MONTHLY_GROWTH,
        meaning: "monthly expansion of ARR",
    },
    Parameter {
        path: "quota.annual_quota_usd",
        min: 0.0,
        max: super::raw::MAX_MONEY_USD,
        meaning: "annual quota of a ramped rep",
    },
    Parameter {
        path: "coverage.target_multiple",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "global pipeline-coverage target (pipeline / next quarter's quota)",
    },
    Parameter {
        path: "reps.bottom_80pct_productivity_multiplier",
        min: 0.0,
        max: f64::INFINITY,
        meaning: "multiplier on own opportunities of reps below the 80th percentile of skill (enablement)",
    },
];

/// Index of each parameter in [`PARAMETERS`] and [`Timeline::series`].
#[derive(Debug, Clone, Copy)]
#[repr(usize)]
#[allow(missing_docs)]
pub enum Param {
    Opportunities = 0,
    Inbound,
    WinRateMultiplier,
    DealSizeMultiplier,
    AnnualAttrition,
    Seats,
    RecruitingCapacity,
    LogoChurn,
    Expansion,
    AnnualQuota,
    CoverageTarget,
    BottomProductivity,
}

/// Per-month values of every event-able parameter, and the one-off actions.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// `series[param][month]`.
    pub series: Vec<Vec<f64>>,
    /// Months with a hiring freeze.
    pub hiring_freeze: Vec<bool>,
    /// Months at whose end the VP is forced out.
    pub force_vp_change: Vec<bool>,
    /// Layoffs at the end of a month: (month, reps, who).
    pub layoffs: Vec<(usize, u32, LayoffWho)>,
}

impl Timeline {
    /// The value of `p` in month `t`.
    #[inline]
    pub fn get(&self, p: Param, t: usize) -> f64 {
        self.series[p as usize][t]
    }
}

/// A validated event, ready to apply.
pub struct Change {
    /// Month index.
    pub month: usize,
    /// (parameter, target value).
    pub set: Vec<(Param, f64)>,
    /// Ramp length in months.
    pub ramp_months: usize,
    /// Forced VP change.
    pub force_vp_change: bool,
    /// Freeze length.
    pub hiring_freeze_months: usize,
    /// Layoff.
    pub layoff: Option<(u32, LayoffWho)>,
}

/// Looks up a parameter path.
pub fn param(path: &str) -> Option<Param> {
    let i = PARAMETERS.iter().position(|p| p.path == path)?;
    Some(match i {
        0 => Param::Opportunities,
        1 => Param::Inbound,
        2 => Param::WinRateMultiplier,
        3 => Param::DealSizeMultiplier,
        4 => Param::AnnualAttrition,
        5 => Param::Seats,
        6 => Param::RecruitingCapacity,
        7 => Param::LogoChurn,
        8 => Param::Expansion,
        9 => Param::AnnualQuota,
        10 => Param::CoverageTarget,
        _ => Param::BottomProductivity,
    })
}

/// Builds the timeline from base values (one per parameter, or a per-month base series for
/// seats) and the changes, sorted by month (stable).
pub fn build(horizon: usize, base: Vec<Vec<f64>>, mut changes: Vec<Change>) -> Timeline {
    changes.sort_by_key(|c| c.month);
    let mut series = base;
    let mut t = Timeline {
        series: Vec::new(),
        hiring_freeze: vec![false; horizon],
        force_vp_change: vec![false; horizon],
        layoffs: Vec::new(),
    };
    for c in &changes {
        for &(p, target) in &c.set {
            let v = &mut series[p as usize];
            let before = if c.month > 0 { v[c.month - 1] } else { v[0] };
            // A ramp needs a finite starting point (a capacity of "no limit" cannot ramp down).
            let ramp_months = if before.is_finite() { c.ramp_months } else { 0 };
            for (i, slot) in v.iter_mut().enumerate().skip(c.month) {
                let k = i - c.month + 1;
                *slot = if k >= ramp_months || ramp_months == 0 {
                    target
                } else {
                    before + (target - before) * k as f64 / ramp_months as f64
                };
            }
        }
        let freeze: Range<usize> = c.month..(c.month + c.hiring_freeze_months).min(horizon);
        t.hiring_freeze[freeze].iter_mut().for_each(|f| *f = true);
        t.force_vp_change[c.month] |= c.force_vp_change;
        if let Some((reps, who)) = c.layoff {
            t.layoffs.push((c.month, reps, who));
            // The laid-off seats leave the plan from the next month on.
            for slot in series[Param::Seats as usize].iter_mut().skip(c.month + 1) {
                *slot = (*slot - reps as f64).max(0.0);
            }
        }
    }
    t.series = series;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(month: usize, p: Param, v: f64, ramp: usize) -> Change {
        Change {
            month,
            set: vec![(p, v)],
            ramp_months: ramp,
            force_vp_change: false,
            hiring_freeze_months: 0,
            layoff: None,
        }
    }

    #[test]
    fn set_and_ramp_from_the_value_in_force() {
        let base = (0..PARAMETERS.len()).map(|_| vec![3.0; 8]).collect();
        let t = build(
            8,
            base,
            vec![
                change(2, Param::Opportunities, 5.0, 0),
                change(4, Param::Opportunities, 1.0, 4),
            ],
        );
        assert_eq!(t.series[0], [3.0, 3.0, 5.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
    }

    #[test]
    fn layoffs_cut_later_seat_targets() {
        let base = (0..PARAMETERS.len()).map(|_| vec![10.0; 4]).collect();
        let mut c = change(1, Param::Opportunities, 3.0, 0);
        c.layoff = Some((3, LayoffWho::Random));
        let t = build(4, base, vec![c]);
        assert_eq!(t.series[Param::Seats as usize], [10.0, 10.0, 7.0, 7.0]);
        assert_eq!(t.layoffs, [(1, 3, LayoffWho::Random)]);
    }

    #[test]
    fn every_parameter_path_resolves() {
        for (i, p) in PARAMETERS.iter().enumerate() {
            assert_eq!(param(p.path).map(|p| p as usize), Some(i));
        }
        assert!(param("pipeline.nope").is_none());
    }
}
