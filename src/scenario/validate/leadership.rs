//! `[leadership]`: the VP of Sales model.

use super::Validator;
use crate::diagnostic::InputError;
use crate::scenario::dist::Domain;
use crate::scenario::raw::{self, RawScenario};
use crate::scenario::{LeadershipParams, MAX_HORIZON_MONTHS, PhaseParams, ReviewParams};

impl Validator<'_> {
    pub(super) fn leadership(
        &self,
        raw: &RawScenario,
        has_plan: bool,
    ) -> Result<Option<LeadershipParams>, InputError> {
        let Some(l) = raw.leadership.as_ref().filter(|l| l.enabled) else {
            return Ok(None);
        };
        let review = match &l.board_review {
            None => None,
            Some(r) => {
                if !has_plan {
                    return Err(self
                        .err(r.span(), "a board review compares bookings with the plan, but the scenario has no [plan]")
                        .help("add [plan] with fiscal_year_bookings_usd, or remove [leadership.board_review]"));
                }
                let b = r.get_ref();
                if b.every_months == 0 || b.trailing_months == 0 {
                    return Err(self
                        .err(r.span(), "every_months and trailing_months must be at least 1")
                        .help("quarterly reviews of the last two quarters: every_months = 3, trailing_months = 6"));
                }
                Some(ReviewParams {
                    grace_months: b.grace_months,
                    every_months: b.every_months,
                    trailing_months: b.trailing_months,
                    min_share_of_plan: b.min_share_of_plan.0,
                    replacement_probability: b.replacement_probability.0,
                })
            }
        };
        let t = &l.transition;
        let phase = |p: &raw::Phase, key: &str| -> Result<PhaseParams, InputError> {
            Ok(PhaseParams {
                months: self.dist(&p.months, Domain::NON_NEGATIVE, key)?,
                effort: p.effort_multiplier.0,
                win_rate: p.win_rate_multiplier.0,
                attrition: p.attrition_multiplier.0,
            })
        };
        Ok(Some(LeadershipParams {
            starting_vp_tenure_months: l.starting_vp_tenure_months.min(MAX_HORIZON_MONTHS),
            tenure_months: match &l.tenure_months {
                Some(d) => Some(self.dist(d, Domain::NON_NEGATIVE, "leadership.tenure_months")?),
                None => None,
            },
            review,
            phases: [
                phase(&t.search, "leadership.transition.search.months")?,
                phase(&t.diagnosis, "leadership.transition.diagnosis.months")?,
                phase(&t.rollout, "leadership.transition.rollout.months")?,
                phase(&t.reonboarding, "leadership.transition.reonboarding.months")?,
            ],
            purge_share: t.purge_share_of_reps.0,
            lift: self.dist(
                &l.initiative.win_rate_lift,
                Domain::NON_NEGATIVE,
                "leadership.initiative.win_rate_lift",
            )?,
            phase_in_months: l.initiative.phase_in_months.min(MAX_HORIZON_MONTHS),
        }))
    }
}
