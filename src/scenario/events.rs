//! The events timeline: dated changes turned into one value per month for every parameter an
//! event can change (docs/model.md, "Events").
//!
//! An event sets parameters from its month on, at once or in a straight line over
//! `ramp_months` from the value in force before it. Later events build on earlier ones (events
//! apply in month order, and in file order within a month). The model reads these per-month
//! values; a scenario without events has constant timelines equal to its base values.

use std::ops::Range;

pub use super::params::Param;
use super::raw::LayoffWho;

/// Per-month values of every event-able parameter, and the one-off actions.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The value of each series in each month, stored in the order of [`Param::ALL`].
    series: Vec<Vec<f64>>,
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
        self.series[p.index()][t]
    }

    /// The values of `p`, month by month.
    pub fn series(&self, p: Param) -> &[f64] {
        &self.series[p.index()]
    }

    /// The values of `p`, to write one trial's view over (see `crate::model::overlay`).
    pub fn series_mut(&mut self, p: Param) -> &mut [f64] {
        &mut self.series[p.index()]
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

/// The series an event's `set` key names, if it names one.
pub fn param(path: &str) -> Option<Param> {
    super::params::get(path)?.event
}

/// Builds the timeline from each series' base values (`base(p)`: one per month) and the
/// changes, sorted by month (stable).
pub fn build(
    horizon: usize,
    base: impl Fn(Param) -> Vec<f64>,
    mut changes: Vec<Change>,
) -> Timeline {
    changes.sort_by_key(|c| c.month);
    let mut series: Vec<Vec<f64>> = Param::ALL.iter().map(|&p| base(p)).collect();
    let mut t = Timeline {
        series: Vec::new(),
        hiring_freeze: vec![false; horizon],
        force_vp_change: vec![false; horizon],
        layoffs: Vec::new(),
    };
    for c in &changes {
        for &(p, target) in &c.set {
            let v = &mut series[p.index()];
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
            for slot in series[Param::Seats.index()].iter_mut().skip(c.month + 1) {
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
        let t = build(
            8,
            |_| vec![3.0; 8],
            vec![
                change(2, Param::Opportunities, 5.0, 0),
                change(4, Param::Opportunities, 1.0, 4),
            ],
        );
        assert_eq!(
            t.series(Param::Opportunities),
            [3.0, 3.0, 5.0, 5.0, 4.0, 3.0, 2.0, 1.0]
        );
    }

    #[test]
    fn layoffs_cut_later_seat_targets() {
        let mut c = change(1, Param::Opportunities, 3.0, 0);
        c.layoff = Some((3, LayoffWho::Random));
        let t = build(4, |_| vec![10.0; 4], vec![c]);
        assert_eq!(t.series(Param::Seats), [10.0, 10.0, 7.0, 7.0]);
        assert_eq!(t.layoffs, [(1, 3, LayoffWho::Random)]);
    }

    #[test]
    fn every_series_is_stored_at_its_place_in_all() {
        for (i, p) in Param::ALL.iter().enumerate() {
            assert_eq!(p.index(), i, "{p:?}");
        }
    }

    #[test]
    fn every_parameter_path_resolves() {
        for p in Param::ALL {
            assert_eq!(param(p.info().path), Some(p));
        }
        assert!(param("pipeline.nope").is_none());
        assert!(param("org.seats").is_none(), "a parameter no event sets");
    }
}
