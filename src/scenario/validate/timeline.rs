//! `[[events]]`: dated changes checked against the parameter table and built into the
//! per-month timeline.

use std::ops::Range;

use toml::Spanned;

use super::Validator;
use crate::diagnostic::InputError;
use crate::scenario::dist::Domain;
use crate::scenario::events::{Change, Param};
use crate::scenario::raw::Event;
use crate::scenario::raw::{self, RawScenario};
use crate::scenario::{
    Clock, CustomerParams, MAX_DEAL_TAIL, MAX_DEAL_USD, MAX_HORIZON_MONTHS, MAX_SEATS,
    PipelineParams, Staffing, events, params,
};
use crate::words::fmt_num;

impl Validator<'_> {
    /// The per-month value of every series events can set: the file's values, then each event.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn timeline(
        &self,
        raw: &RawScenario,
        clock: &Clock,
        staffing: &Staffing,
        pipeline: &PipelineParams,
        customers: &CustomerParams,
        quota: Option<(f64, bool)>,
        has_leadership: bool,
    ) -> Result<events::Timeline, InputError> {
        let skill_is_fixed = raw.reps.skill_top_20pct_share.is_none()
            && raw
                .reps
                .skill
                .get_ref()
                .build(Domain::NON_NEGATIVE)
                .is_ok_and(|d| d.sampler.fixed().is_some());
        let h = clock.horizon;
        let constant = |v: f64| vec![v; h];
        let base = |p: Param| match p {
            Param::Opportunities => constant(pipeline.opportunities_per_rep_month),
            Param::Inbound => constant(pipeline.inbound_opportunities_per_month),
            Param::WinRateMultiplier | Param::DealSizeMultiplier | Param::BottomProductivity => {
                constant(1.0)
            }
            Param::AnnualAttrition => constant(raw.attrition.annual_rate.map_or(0.0, |p| p.0)),
            Param::Seats => staffing.seats_by_month.iter().map(|s| *s as f64).collect(),
            Param::RecruitingCapacity => constant(
                staffing
                    .recruiting_capacity_per_month
                    .map_or(f64::INFINITY, f64::from),
            ),
            Param::LogoChurn => constant(customers.monthly_logo_churn_rate),
            Param::Expansion => constant(customers.monthly_expansion_rate),
            Param::AnnualQuota => constant(quota.map_or(0.0, |q| q.0)),
            Param::CoverageTarget => constant(
                raw.coverage
                    .as_ref()
                    .and_then(|c| c.get_ref().target_multiple)
                    .map_or(0.0, |v| v.0),
            ),
        };
        let context = EventContext {
            raw,
            pipeline,
            quota,
            has_leadership,
            skill_is_fixed,
        };
        let mut changes = Vec::new();
        for ev in &raw.events {
            changes.push(self.event_change(ev, clock, &context)?);
        }
        Ok(events::build(h, base, changes))
    }

    /// One `[[events]]` entry as a change of the timeline: its month inside the horizon, each
    /// setting a parameter the table lets events set, within its range.
    fn event_change(
        &self,
        ev: &Spanned<Event>,
        clock: &Clock,
        c: &EventContext<'_>,
    ) -> Result<Change, InputError> {
        let e = ev.get_ref();
        let h = clock.horizon;
        let last = clock.start.plus(h as i32 - 1);
        let t = e.month.get_ref().months_since(clock.start);
        if t < 0 || t >= h as i32 {
            // At the month's line, not the `[[events]]` header.
            return Err(self
                .err(
                    e.month.span(),
                    format!(
                        "event month {} is outside the horizon {} to {}",
                        e.month.get_ref(),
                        clock.start,
                        last
                    ),
                )
                .help("use a month inside the horizon, or lengthen simulation.horizon_months"));
        }
        let mut set = Vec::new();
        if let Some(table) = &e.set {
            for (path, value) in table.get_ref() {
                set.push(self.event_setting(path, value, c)?);
            }
        }
        if *e.force_vp_change.get_ref() && !c.has_leadership {
            // At the `force_vp_change = true` value, not the `[[events]]` header.
            return Err(self
                .err(e.force_vp_change.span(), "force_vp_change needs the VP model, but [leadership] is absent or switched off")
                .help("add a [leadership] section, or remove force_vp_change from this event"));
        }
        Ok(Change {
            month: t as usize,
            set,
            ramp_months: e.ramp_months.min(MAX_HORIZON_MONTHS) as usize,
            force_vp_change: *e.force_vp_change.get_ref(),
            hiring_freeze_months: e.hiring_freeze_months.unwrap_or(0).min(MAX_HORIZON_MONTHS)
                as usize,
            layoff: e.layoff.as_ref().map(|l| (l.reps.min(MAX_SEATS), l.who)),
        })
    }

    /// One `path = value` of an event's `set`: a series events can set, a value in its range,
    /// and the section the series needs. An error points at the key (a path events cannot
    /// set, a section missing) or at the value (out of range).
    fn event_setting(
        &self,
        key: &Spanned<String>,
        value: &Spanned<f64>,
        c: &EventContext<'_>,
    ) -> Result<(Param, f64), InputError> {
        let (path, span): (&str, Range<usize>) = (key.get_ref(), key.span());
        let (value, value_span) = (*value.get_ref(), value.span());
        let (raw, pipeline, quota, skill_is_fixed) = (c.raw, c.pipeline, c.quota, c.skill_is_fixed);
        let Some(p) = events::param(path) else {
            let options: Vec<&str> = params::event_paths().collect();
            let err = self.err(
                span.clone(),
                format!("`{path}` is not a parameter an event can set"),
            );
            return Err(match crate::diagnostic::did_you_mean(path, &options) {
                Some(best) => err.help(format!("did you mean `{best}`?")),
                None => err.help(format!("events can set: {}", options.join(", "))),
            });
        };
        let spec = p.info();
        if !(value.is_finite() && value >= spec.min && value <= spec.max) {
            return Err(self
                .err(
                    value_span.clone(),
                    format!(
                        "`{path}` = {} is outside the allowed range {} to {}",
                        fmt_num(value),
                        fmt_num(spec.min),
                        fmt_num(spec.max)
                    ),
                )
                .help(format!("{path} is the {}", spec.meaning)));
        }
        let global_coverage = raw
            .coverage
            .as_ref()
            .is_some_and(|c| c.get_ref().policy == raw::CoveragePolicy::Global);
        if matches!(p, Param::DealSizeMultiplier)
            && 1.0 - pipeline.deal_size_usd.cdf(MAX_DEAL_USD / value.max(1e-300)) > MAX_DEAL_TAIL
        {
            return Err(self
                .err(
                    value_span,
                    format!(
                        "`{path}` = {} makes deals larger than {}, the largest deal revsim represents",
                        fmt_num(value),
                        fmt_num(MAX_DEAL_USD)
                    ),
                )
                .help("a price change is a multiplier on deal sizes: 1.1 for +10%"));
        }
        if matches!(p, Param::CoverageTarget) && !global_coverage {
            return Err(self
                .err(span.clone(), "an event sets the coverage target, but the scenario has no global [coverage] policy")
                .help("add [coverage] with policy = \"global\" and target_multiple"));
        }
        if matches!(p, Param::BottomProductivity) && skill_is_fixed {
            return Err(self
                .err(span.clone(), "enablement lifts the reps below the 80th percentile of skill, but every rep has the same skill")
                .help("give reps a skill spread: reps.skill as a distribution, or reps.skill_top_20pct_share"));
        }
        if matches!(p, Param::AnnualQuota) && quota.is_none() {
            return Err(self
                .err(
                    span.clone(),
                    "an event sets the quota, but the scenario has no [quota]",
                )
                .help("add [quota] with annual_quota_usd"));
        }
        Ok((p, value))
    }
}

/// What the checks of an event's settings need to know of the rest of the scenario.
struct EventContext<'a> {
    raw: &'a RawScenario,
    pipeline: &'a PipelineParams,
    quota: Option<(f64, bool)>,
    has_leadership: bool,
    skill_is_fixed: bool,
}
