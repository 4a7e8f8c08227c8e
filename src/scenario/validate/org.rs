//! `[ramp]`, `[attrition]`'s washout, `[org]` and `[hiring]`: the tenure curves and the seats.

use super::Validator;
use crate::diagnostic::InputError;
use crate::scenario::dist::Domain;
use crate::scenario::raw::{Interpolation, RampCurve, RawScenario};
use crate::scenario::{Clock, MAX_HORIZON_MONTHS, MAX_SEATS, Staffing, TenureCurves};
use crate::scenario::{ramp_table, washout_table};
use crate::words::fmt_num;

impl Validator<'_> {
    pub(super) fn tenure_curves(&self, raw: &RawScenario) -> Result<TenureCurves, InputError> {
        let curve = &raw.ramp.curve;
        let months = |m: f64| -> Result<f64, InputError> {
            if (0.0..=120.0).contains(&m) {
                Ok(m)
            } else {
                Err(self
                    .err(
                        curve.span(),
                        format!(
                            "months_to_full = {} is outside the allowed range 0 to 120",
                            fmt_num(m)
                        ),
                    )
                    .help(
                        "account executives typically ramp in 3-9 months (Bridge Group median ~5)",
                    ))
            }
        };
        let ramp: Vec<f64> = match curve.get_ref() {
            RampCurve::Table(v) => {
                if let Some(bad) = v.iter().find(|x| !(0.0..=1.0).contains(*x)) {
                    return Err(self
                        .err(curve.span(), format!("ramp table value {} is outside 0 to 1", fmt_num(*bad)))
                        .help("each entry is the productivity of that tenure month as a fraction of a ramped rep"));
                }
                if v.len() > 120 {
                    return Err(self.err(
                        curve.span(),
                        format!("ramp table has {} months; at most 120 are allowed", v.len()),
                    ));
                }
                v.clone()
            }
            RampCurve::Linear { months_to_full }
            | RampCurve::SCurve { months_to_full }
            | RampCurve::Step { months_to_full } => {
                ramp_table(curve.get_ref(), months(*months_to_full)?)
            }
            RampCurve::None {} => Vec::new(),
        };
        let washout = match &raw.attrition.early_washout {
            Some(w) => washout_table(w.months, w.share_of_hires.0),
            None => Vec::new(),
        };
        Ok(TenureCurves {
            ramp,
            ramp_applies_to_win_rate: raw.ramp.applies_to_win_rate,
            washout,
        })
    }

    pub(super) fn staffing(
        &self,
        raw: &RawScenario,
        clock: &Clock,
    ) -> Result<Staffing, InputError> {
        let org = &raw.org;
        let seats = *org.seats.get_ref();
        if seats > MAX_SEATS {
            return Err(self
                .err(
                    org.seats.span(),
                    format!("{seats} seats is more than the {MAX_SEATS} allowed"),
                )
                .help("check for a typo; model very large orgs as several scenarios"));
        }
        let filled = match &org.filled_seats {
            None => seats,
            Some(f) if *f.get_ref() > seats => {
                return Err(self
                    .err(
                        f.span(),
                        format!("{} reps cannot fill {} seats", f.get_ref(), seats),
                    )
                    .help(
                        "filled_seats must be at most org.seats; the difference is open requisitions",
                    ));
            }
            Some(f) => *f.get_ref(),
        };
        let h = &raw.hiring;
        let seats_by_month = self.headcount_plan(raw, clock, seats)?;
        let max_seats = seats_by_month
            .iter()
            .copied()
            .chain([seats])
            .max()
            .unwrap_or(0);
        Ok(Staffing {
            starting_seats: seats,
            starting_filled: filled,
            starting_tenure_months: self.dist(
                &org.starting_tenure_months,
                Domain::NON_NEGATIVE,
                "org.starting_tenure_months",
            )?,
            seats_by_month,
            max_seats,
            time_to_fill_months: self.dist(
                &h.time_to_fill_months,
                Domain::NON_NEGATIVE,
                "hiring.time_to_fill_months",
            )?,
            recruiting_capacity_per_month: h.recruiting_capacity_per_month,
            backfill: h.backfill,
            backfill_delay_months: h.backfill_delay_months.min(MAX_HORIZON_MONTHS),
        })
    }

    /// `hiring.headcount_plan`: dated seat targets inside the horizon, in date order, reached
    /// at once or in a straight line; the seats of every month.
    fn headcount_plan(
        &self,
        raw: &RawScenario,
        clock: &Clock,
        seats: u32,
    ) -> Result<Vec<u32>, InputError> {
        let mut prev: Option<(i32, u32)> = None;
        let last_month = clock.start.plus(clock.horizon as i32 - 1);
        let mut points = Vec::new();
        for p in &raw.hiring.headcount_plan {
            let pt = p.get_ref();
            let t = pt.month.months_since(clock.start);
            if t < 0 || t >= clock.horizon as i32 {
                return Err(self
                    .err(
                        p.span(),
                        format!(
                            "plan month {} is outside the horizon {} to {}",
                            pt.month, clock.start, last_month
                        ),
                    )
                    .help(
                        "use a month inside the horizon; the starting seats come from org.seats",
                    ));
            }
            if pt.seats > MAX_SEATS {
                return Err(self.err(
                    p.span(),
                    format!("{} seats is more than the {MAX_SEATS} allowed", pt.seats),
                ));
            }
            if let Some((pt_prev, _)) = prev
                && t <= pt_prev
            {
                return Err(self
                    .err(
                        p.span(),
                        format!(
                            "plan month {} does not come after the previous point",
                            pt.month
                        ),
                    )
                    .help("list headcount_plan points in date order, one per month"));
            }
            prev = Some((t, pt.seats));
            points.push((t as usize, pt.seats));
        }
        Ok(interpolate(
            raw.hiring.plan_interpolation,
            seats,
            &points,
            clock.horizon,
        ))
    }
}

/// The seats of every month from the starting seats and the plan's points (month, seats):
/// each point's seats from its month on, reached at once or in a straight line from the
/// point before.
fn interpolate(
    how: Interpolation,
    seats: u32,
    points: &[(usize, u32)],
    horizon: usize,
) -> Vec<u32> {
    let mut seats_by_month = vec![seats; horizon];
    match how {
        Interpolation::Step => {
            for &(t0, seats) in points {
                seats_by_month[t0..].iter_mut().for_each(|s| *s = seats);
            }
        }
        Interpolation::Linear => {
            let mut from = (0usize, seats);
            for &(t1, seats) in points {
                let (t0, s0) = from;
                for (t, slot) in seats_by_month.iter_mut().enumerate().take(t1 + 1).skip(t0) {
                    let f = if t1 == t0 {
                        1.0
                    } else {
                        (t - t0) as f64 / (t1 - t0) as f64
                    };
                    *slot = (s0 as f64 + f * (seats as f64 - s0 as f64)).round() as u32;
                }
                seats_by_month[t1..].iter_mut().for_each(|s| *s = seats);
                from = (t1, seats);
            }
        }
    }
    seats_by_month
}
