//! Validation: the parsed file ([`RawScenario`]) becomes a [`Scenario`]. Checks that involve
//! several keys happen here and are reported at the span of the value or table concerned;
//! distributions are built into samplers and curves tabulated by tenure month. One file per
//! part of the format: the org and hiring, the pipeline and market, the VP, the events'
//! timeline, the open pipeline.

mod leadership;
mod open_pipeline;
mod org;
mod pipeline;
mod timeline;
mod uncertainty;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use toml::Spanned;

use super::dist::{self, Dist, DistSpec, Domain};
use super::events::{self, Param};
use super::open_deals::OpenDeals;
use super::raw::RawScenario;
use super::{
    Clock, InputError, MAX_HORIZON_MONTHS, MAX_OPPORTUNITIES_PER_TRIAL, ManagerParams,
    MarketParams, PerformanceParams, PipelineParams, RepDraws, Scenario, Staffing, monthly_hazard,
};
use crate::calendar::fiscal_years;
use crate::words::fmt_num;

/// Lognormal skill with mean 1 whose top 20% hold `share` of the total. For X = exp(sigma Z),
/// the top 20% (Z > z80) hold P(Z > z80 - sigma) of E[X], so sigma = z80 - z(1 - share).
fn skill_for_top_share(share: f64) -> Dist {
    use crate::stats::normal_quantile;
    let sigma = (normal_quantile(0.8) - normal_quantile(1.0 - share)).max(0.0);
    if sigma == 0.0 {
        return Dist::fixed(1.0, Domain::NON_NEGATIVE);
    }
    let spec = DistSpec::Family(dist::Family::Lognormal(dist::TwoWay {
        mean: Some(1.0),
        sd: Some((sigma * sigma).exp_m1().sqrt()),
        median: None,
        p90: None,
    }));
    spec.build(Domain::NON_NEGATIVE).expect("a valid lognormal")
}

/// A generous estimate of the opportunities one trial creates: every seat filled in every
/// month (and every starting rep through the warm-up), at the month's rates, times a high
/// skill and demand factor (the larger of the mean and the one-in-a-million value), the mean
/// monthly shock, the largest seasonal multiplier, the market's drift (`trend`, its lowest and
/// highest per month) and the largest of each effort multiplier (`multipliers`). NaN or
/// infinite when a factor is.
fn opportunity_bound(
    staffing: &Staffing,
    pipeline: &PipelineParams,
    reps: &RepDraws,
    (market, trend): (&MarketParams, (f64, f64)),
    timeline: &events::Timeline,
    multipliers: [f64; 3],
) -> f64 {
    use events::Param;
    let series = |p: Param| timeline.series(p);
    // Means alone would pass a distribution that is tame on average but draws huge values
    // (a normal with a vast sd): take the larger of the mean and the one-in-a-million value.
    let high = |d: &Dist| d.mean().max(d.quantile(1.0 - 1e-6)).max(0.0);
    // The market's pull on opportunity creation: the demand factor to the power of its
    // loading, at whichever tail makes it largest.
    let b = market.loadings.opportunities;
    let tail = |q: f64| market.demand_factor.quantile(q).max(1e-3).powf(b);
    let demand = high(&market.demand_factor)
        .powf(b)
        .max(tail(1e-6))
        .max(tail(1.0 - 1e-6))
        * (market.shock_sd * market.shock_sd / 2.0).exp()
        * market.seasonality.iter().copied().fold(1.0, f64::max);
    let effort = multipliers.iter().fold(1.0, |a, m| a * m.max(1.0));
    // The reps' skills sum to about their count times the mean; allow one rep at the
    // one-in-a-million value besides (every rep there would refuse a skewed team that is
    // perfectly tame: a top-20% share of 0.88 puts that value near 17,000).
    let skills = |n: f64| {
        let d = &reps.skill;
        (n * d.mean().max(0.0) + high(d)).min(n * high(d))
    };
    let seats = staffing.max_seats as f64;
    let mut total = 0.0;
    for t in 0..series(Param::Opportunities).len() {
        let own = series(Param::Opportunities)[t] * series(Param::BottomProductivity)[t].max(1.0);
        // The trend's drift by month t, at whichever end of its range raises demand most.
        let drift = (b * trend.0 * t as f64).max(b * trend.1 * t as f64).exp();
        total += (own * skills(seats) * effort + series(Param::Inbound)[t]) * demand * drift;
    }
    let warm_up = pipeline.warm_up_months as f64
        * (pipeline.opportunities_per_rep_month * skills(staffing.starting_filled as f64)
            + pipeline.inbound_opportunities_per_month);
    total + warm_up
}

pub(super) struct Validator<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a Arc<str>,
    /// Where each file of an `extends` chain starts in `text`: (offset, file as named), in
    /// order; a file named in the scenario (a CSV) is relative to the file whose value names it.
    pub(super) origins: &'a [(usize, String)],
}

impl Validator<'_> {
    /// The path of `relative`, named by the value at `span`, relative to the file that holds
    /// it (the working directory for a `--set` value).
    fn path_named_at(&self, span: &Range<usize>, relative: &str) -> std::path::PathBuf {
        let path = Path::new(relative);
        if path.is_absolute() {
            return path.to_path_buf();
        }
        let file = self
            .origins
            .iter()
            .rev()
            .find(|(offset, _)| *offset <= span.start)
            .map_or(self.file, |(_, f)| f.as_str());
        if file == crate::diagnostic::SET_LABEL {
            return path.to_path_buf();
        }
        Path::new(file)
            .parent()
            .map_or_else(|| path.to_path_buf(), |dir| dir.join(path))
    }

    fn err(&self, span: Range<usize>, msg: impl Into<String>) -> InputError {
        InputError::at(self.file, self.text, Some(span), msg)
    }

    fn dist(&self, d: &Spanned<DistSpec>, domain: Domain, key: &str) -> Result<Dist, InputError> {
        d.get_ref().build(domain).map_err(|m| self.err(d.span(), m).key(key).help(
            "distributions: a number, or { uniform | triangular | pert | normal | lognormal | gamma | beta | poisson | discrete = { ... } }; see docs/scenario-reference.md",
        ))
    }

    /// Builds the scenario from its parsed file, checking what involves several keys; the
    /// steps follow the file's sections, so the first error reported is the first in the file.
    pub(super) fn scenario(
        &self,
        raw: RawScenario,
        default_name: &str,
    ) -> Result<Scenario, InputError> {
        let clock = self.clock(&raw)?;
        let tenure = self.tenure_curves(&raw)?;
        let mut staffing = self.staffing(&raw, &clock)?;
        let mut pipeline = self.pipeline(&raw)?;
        let reps = self.reps(&raw, &pipeline)?;
        let customers = self.customers(&raw)?;
        let market = self.market(&raw)?;
        let quota = raw
            .quota
            .as_ref()
            .map(|q| (q.annual_quota_usd.get_ref().0, q.ramped));
        let plan_by_fiscal_year = self.plan(&raw, &clock)?;
        let plan_by_month = plan_by_fiscal_year
            .as_ref()
            .map(|p| spread_over_months(&clock, p));
        let leadership = self.leadership(&raw, plan_by_month.is_some())?;
        let coverage = self.coverage(&raw, quota.is_some())?;
        let managers = self.managers(&raw, &staffing)?;
        let performance = self.performance(&raw, quota.is_some())?;
        let timeline = self.timeline(
            &raw,
            &clock,
            &staffing,
            &pipeline,
            &customers,
            quota,
            leadership.is_some(),
        )?;
        staffing.follow_timeline(&timeline);
        let uncertainty = self.uncertainty(&uncertainty::Centres {
            raw: &raw,
            staffing: &staffing,
            pipeline: &pipeline,
            market: &market,
            leadership: leadership.as_ref(),
            coverage: coverage.as_ref(),
        })?;
        if let Some(range) = uncertainty::cycle_factor_range(&uncertainty, &market, clock.horizon) {
            vary_cycles(&mut pipeline, &raw, range, clock.horizon);
        }
        let multipliers = [
            coverage.map_or(1.0, |c| c.max_effort),
            managers.as_ref().map_or(1.0, |m| m.unmanaged_productivity),
            leadership.as_ref().map_or(1.0, |l| {
                l.phases.iter().map(|p| p.effort).fold(1.0, f64::max)
            }),
        ];
        let multipliers = multipliers.map(|m| m * uncertainty::volume_factor(&uncertainty));
        let trend = uncertainty::trend_range(&uncertainty, &market);
        self.check_size(
            &staffing,
            &pipeline,
            &reps,
            (&market, trend),
            &timeline,
            multipliers,
        )?;
        let monthly_hazard = timeline
            .series(Param::AnnualAttrition)
            .iter()
            .map(|a| monthly_hazard(*a))
            .collect();
        let name = raw
            .name
            .clone()
            .map_or_else(|| default_name.to_string(), String::from);
        let description = raw
            .description
            .clone()
            .map(String::from)
            .unwrap_or_default();
        let open_deals = self.open_deals(&raw, &clock, &staffing, &mut pipeline)?;
        let sha256 = identity(&raw, open_deals.as_ref());
        Ok(Scenario {
            name,
            description,
            source: self.file.to_string(),
            inherits: Vec::new(),
            trials: *raw.simulation.trials.get_ref(),
            seed: raw.simulation.seed,
            detail: raw.simulation.detail,
            sampling: raw.simulation.sampling.unwrap_or_default(),
            sha256,
            raw,
            clock,
            tenure,
            staffing,
            reps,
            pipeline,
            customers,
            market,
            leadership,
            coverage,
            performance,
            managers,
            quota,
            plan_by_fiscal_year,
            plan_by_month,
            timeline,
            monthly_hazard,
            open_deals,
            uncertainty,
            hold: super::Hold::default(),
            pick: super::Pick::default(),
        })
    }

    /// `[simulation]`: the horizon, the fiscal year, the trial count.
    fn clock(&self, raw: &RawScenario) -> Result<Clock, InputError> {
        let sim = &raw.simulation;
        let horizon = *sim.horizon_months.get_ref();
        if !(1..=MAX_HORIZON_MONTHS).contains(&horizon) {
            return Err(self
                .err(
                    sim.horizon_months.span(),
                    format!("{horizon} is outside the allowed range 1 to {MAX_HORIZON_MONTHS}"),
                )
                .help("set the number of months to simulate, e.g. 36 for three years"));
        }
        let horizon = horizon as usize;
        let fy_start = *sim.fiscal_year_start_month.get_ref();
        if !(1..=12).contains(&fy_start) {
            return Err(self
                .err(
                    sim.fiscal_year_start_month.span(),
                    format!("{fy_start} is not a month number"),
                )
                .help("use 1 for January (calendar fiscal year) up to 12 for December"));
        }
        if *sim.trials.get_ref() == 0 {
            return Err(self
                .err(sim.trials.span(), "0 trials cannot give a distribution")
                .help("use at least 1; 10000 is typical"));
        }
        let trials = *sim.trials.get_ref();
        if trials > super::MAX_TRIALS {
            return Err(self
                .err(
                    sim.trials.span(),
                    format!(
                        "{trials} trials is more than the {} revsim runs",
                        super::MAX_TRIALS
                    ),
                )
                .help(super::MAX_TRIALS_HELP));
        }
        Ok(Clock {
            start: sim.start_month,
            horizon,
            fiscal_year_start_month: fy_start,
            fiscal_years: fiscal_years(sim.start_month, horizon, fy_start),
        })
    }

    /// `[reps]`: the skill spread (by distribution or by the top 20%'s share) and the spread of
    /// individual win rates around the org's.
    fn reps(&self, raw: &RawScenario, pipeline: &PipelineParams) -> Result<RepDraws, InputError> {
        let skill = match &raw.reps.skill_top_20pct_share {
            None => self.dist(&raw.reps.skill, Domain::NON_NEGATIVE, "reps.skill")?,
            Some(share) => {
                if raw.reps.skill.span() != (0..0) {
                    return Err(self
                        .err(
                            share.span(),
                            "give either `skill` or `skill_top_20pct_share`, not both",
                        )
                        .help("remove one of the two keys"));
                }
                let x = share.get_ref().0;
                if !(0.2..1.0).contains(&x) {
                    return Err(self
                        .err(share.span(), format!("{} is outside the allowed range 0.2 (all reps alike) to just under 1", fmt_num(x)))
                        .help("the top 20% of reps hold at least 20% of skill; 0.35-0.6 is common, 0.8 is the 80/20 rule"));
                }
                skill_for_top_share(x)
            }
        };
        let won = pipeline.outcomes[0];
        let win_rate = match &raw.reps.win_rate_sd {
            None => Dist::fixed(won, Domain::UNIT),
            Some(sd) if *sd.get_ref() == 0.0 => Dist::fixed(won, Domain::UNIT),
            Some(sd) => {
                let (a, b) = dist::beta_from_mean_sd(won, *sd.get_ref()).map_err(|m| {
                    self.err(sd.span(), m).help(
                        "win_rate_sd is the spread of individual win rates around pipeline.outcomes.won; 0.05-0.10 is typical",
                    )
                })?;
                let spec = DistSpec::Family(dist::Family::Beta(dist::BetaSpec {
                    alpha: Some(a),
                    beta: Some(b),
                    mean: None,
                    sd: None,
                }));
                spec.build(Domain::UNIT)
                    .map_err(|m| self.err(sd.span(), m))?
            }
        };
        Ok(RepDraws {
            skill_p80: skill.quantile(0.8),
            skill,
            win_rate,
        })
    }

    /// `[plan]`: the bookings plan per fiscal year, pro-rated for partial years; the last value
    /// repeats.
    fn plan(&self, raw: &RawScenario, clock: &Clock) -> Result<Option<Vec<f64>>, InputError> {
        let Some(p) = &raw.plan else {
            return Ok(None);
        };
        let v = p.fiscal_year_bookings_usd.get_ref();
        if v.is_empty() {
            return Err(self
                .err(p.fiscal_year_bookings_usd.span(), "the plan has no values")
                .help("give one bookings target per fiscal year, e.g. [12_000_000, 15_000_000]; the last repeats"));
        }
        if v.len() > clock.fiscal_years.len() {
            return Err(self
                .err(
                    p.fiscal_year_bookings_usd.span(),
                    format!(
                        "{} plan values, but the horizon covers only {} fiscal years ({})",
                        v.len(),
                        clock.fiscal_years.len(),
                        clock
                            .fiscal_years
                            .iter()
                            .map(|f| f.label.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .help("remove the extra values or lengthen simulation.horizon_months"));
        }
        Ok(Some(
            clock
                .fiscal_years
                .iter()
                .enumerate()
                .map(|(i, fy)| v[i.min(v.len() - 1)].0 * fy.months as f64 / 12.0)
                .collect(),
        ))
    }

    /// `[managers]`: span of control, hiring lag, promotions.
    fn managers(
        &self,
        raw: &RawScenario,
        staffing: &Staffing,
    ) -> Result<Option<ManagerParams>, InputError> {
        let Some(m) = &raw.managers else {
            return Ok(None);
        };
        let span = *m.span_of_control.get_ref();
        if span == 0 {
            return Err(self
                .err(
                    m.span_of_control.span(),
                    "span_of_control must be at least 1",
                )
                .help("first-line managers typically lead 6-10 reps"));
        }
        Ok(Some(ManagerParams {
            span,
            starting: m
                .starting_managers
                .unwrap_or(staffing.starting_filled.div_ceil(span)),
            time_to_fill_months: self.dist(
                &m.time_to_fill_months,
                Domain::NON_NEGATIVE,
                "managers.time_to_fill_months",
            )?,
            promote_share: m.promote_from_within_share.0,
            unmanaged_productivity: m.unmanaged_productivity_multiplier.0,
        }))
    }

    /// `[performance_management]`: needs a quota to compare bookings with.
    fn performance(
        &self,
        raw: &RawScenario,
        has_quota: bool,
    ) -> Result<Option<PerformanceParams>, InputError> {
        let Some(pm) = &raw.performance_management else {
            return Ok(None);
        };
        let v = pm.get_ref();
        if !has_quota {
            return Err(self
                .err(pm.span(), "performance management compares bookings with quota, but the scenario has no [quota]")
                .help("add [quota] with annual_quota_usd"));
        }
        if v.every_months == 0 || v.window_months == 0 {
            return Err(self
                .err(
                    pm.span(),
                    "every_months and window_months must be at least 1",
                )
                .help("e.g. review every 6 months on the last 6 months"));
        }
        Ok(Some(PerformanceParams {
            every_months: v.every_months,
            window_months: v.window_months.min(MAX_HORIZON_MONTHS),
            min_share_of_quota: v.min_share_of_quota.0,
        }))
    }

    /// Refuses a scenario that would create more opportunities in one trial than revsim
    /// simulates (a typo such as `opportunities_per_rep_month = 4e9` would never finish).
    fn check_size(
        &self,
        staffing: &Staffing,
        pipeline: &PipelineParams,
        reps: &RepDraws,
        market: (&MarketParams, (f64, f64)),
        timeline: &events::Timeline,
        multipliers: [f64; 3],
    ) -> Result<(), InputError> {
        let expected = opportunity_bound(staffing, pipeline, reps, market, timeline, multipliers);
        if expected.is_nan() || expected > MAX_OPPORTUNITIES_PER_TRIAL {
            return Err(InputError::file(
                self.file,
                format!(
                    "this scenario creates up to about {} opportunities in one trial, more than the {} revsim simulates",
                    fmt_num(expected.round()),
                    fmt_num(MAX_OPPORTUNITIES_PER_TRIAL)
                ),
            )
            .key("pipeline")
            .help("check org.seats, pipeline.opportunities_per_rep_month, pipeline.inbound_opportunities_per_month, reps.skill and the effort multipliers for a typo: the estimate is opportunities per rep-month x the reps' skills (seats x the mean, plus one rep at a one-in-a-million skill) x the largest multipliers, plus inbound, over every month"));
        }
        Ok(())
    }
}

/// Cycles that vary by `range` (factors): a warm-up long enough for the longest, the unscaled
/// lags for it, and the grid of scaled lags the trials choose from.
fn vary_cycles(
    pipeline: &mut PipelineParams,
    raw: &RawScenario,
    range: (f64, f64),
    horizon: usize,
) {
    let synthetic = raw.open_pipeline.is_none()
        && raw.pipeline.starting_pipeline != Some(super::raw::StartingPipeline::Empty);
    if synthetic {
        let longest = pipeline
            .cycle_months
            .clone()
            .map(|d| d.scaled(range.1.max(1.0)));
        pipeline.warm_up_months = super::lags::warm_up_months(&longest);
    }
    let w = pipeline.warm_up_months;
    let timing = pipeline.timing;
    pipeline.lags =
        [0, 1, 2].map(|o| super::lags::Lags::new(&pipeline.cycle_months[o], timing, horizon, w));
    pipeline.lag_grid = Some(super::lags::LagGrid::shared(
        &pipeline.cycle_months,
        timing,
        range,
        horizon,
        w,
    ));
}

/// The plan spread evenly over each fiscal year's months (for board reviews).
fn spread_over_months(clock: &Clock, plan: &[f64]) -> Vec<f64> {
    let mut v = vec![0.0; clock.horizon];
    for (fy, plan) in clock.fiscal_years.iter().zip(plan) {
        for t in fy.range() {
            v[t] = plan / fy.months as f64;
        }
    }
    v
}

/// The scenario's identity: the SHA-256 of its canonical TOML, and of the open-pipeline export
/// it reads (a changed file is another scenario).
fn identity(raw: &RawScenario, open_deals: Option<&OpenDeals>) -> String {
    let mut canonical = toml::to_string(raw).expect("a parsed scenario serializes");
    if let Some(o) = open_deals {
        canonical.push_str(&format!("\n# open_pipeline.csv sha256 {}\n", o.sha256));
    }
    format!("{:x}", Sha256::digest(canonical.as_bytes()))
}
