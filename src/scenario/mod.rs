//! The validated scenario: a value that cannot be invalid.
//!
//! Loading goes file text -> [`raw::RawScenario`] (serde; single-value checks reported by `toml`
//! at the value's line and column) -> [`Scenario`] (cross-key checks, distributions built into
//! samplers, curves tabulated by tenure month). Nothing downstream re-checks: the engine trusts a
//! `Scenario`.

pub mod dist;
pub mod events;
pub mod flat;
pub mod lags;
pub mod open_deals;
pub mod params;
pub mod plausibility;
pub mod raw;
pub mod resolve;
pub mod template;

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::calendar::{FiscalYear, YearMonth, fiscal_years};
pub use crate::diagnostic::InputError;
use crate::words::fmt_num;
use dist::{Dist, DistSpec, Domain};
use raw::{Interpolation, RampCurve, RawScenario};

/// Most seats a scenario may have (a guard against typos such as `seats = 5000000`).
pub const MAX_SEATS: u32 = 100_000;
/// Longest horizon, in months (50 years).
pub const MAX_HORIZON_MONTHS: u32 = 600;
/// Largest deal the engine represents, USD (it holds whole dollars and caps each deal here); a
/// deal-size distribution, times any price change, that would reach it is refused rather than
/// silently capped.
pub const MAX_DEAL_USD: f64 = 1e15;
/// A deal-size distribution whose chance of exceeding [`MAX_DEAL_USD`] is above this is refused.
const MAX_DEAL_TAIL: f64 = 1e-9;
/// Most opportunities a scenario may create in one trial, by a generous estimate (every seat
/// filled, the largest multipliers at once): a run's time grows with them, and a typo such as
/// `opportunities_per_rep_month = 4e9` would otherwise never finish.
pub const MAX_OPPORTUNITIES_PER_TRIAL: f64 = 1e9;

/// The simulation clock.
#[derive(Debug, Clone)]
pub struct Clock {
    /// First simulated month.
    pub start: YearMonth,
    /// Number of simulated months.
    pub horizon: usize,
    /// Month (1-12) in which the fiscal year starts.
    pub fiscal_year_start_month: u32,
    /// The fiscal years (first and last may be partial).
    pub fiscal_years: Vec<FiscalYear>,
}

/// Ramp and early washout, tabulated by tenure month (0 = first month in seat).
#[derive(Debug, Clone)]
pub struct TenureCurves {
    /// Productivity by tenure month; 1.0 beyond the end of the table.
    pub ramp: Vec<f64>,
    /// Whether the ramp also scales the win rate.
    pub ramp_applies_to_win_rate: bool,
    /// Extra monthly washout hazard by tenure month; none beyond the table.
    pub washout: Vec<f64>,
}

impl TenureCurves {
    /// Productivity in tenure month `k`.
    #[inline]
    pub fn ramp(&self, k: usize) -> f64 {
        self.ramp.get(k).copied().unwrap_or(1.0)
    }

    /// Monthly departure probability in tenure month `k` when the month's base hazard is `base`.
    #[inline]
    pub fn hazard(&self, k: usize, base: f64) -> f64 {
        match self.washout.get(k) {
            Some(w) => 1.0 - (1.0 - base) * (1.0 - w),
            None => base,
        }
    }
}

/// Monthly hazard from an annual rate: h = 1 - (1 - a)^(1/12).
pub fn monthly_hazard(annual: f64) -> f64 {
    1.0 - (1.0 - annual).powf(1.0 / 12.0)
}

/// Seats and hiring.
#[derive(Debug, Clone)]
pub struct Staffing {
    /// Seats at the start.
    pub starting_seats: u32,
    /// Reps in seat at the start.
    pub starting_filled: u32,
    /// Tenure of starting reps, months.
    pub starting_tenure_months: Dist,
    /// Target seats in each month of the horizon.
    pub seats_by_month: Vec<u32>,
    /// Largest number of seats at any time.
    pub max_seats: u32,
    /// Months to fill a requisition.
    pub time_to_fill_months: Dist,
    /// Most starts per month.
    pub recruiting_capacity_per_month: Option<u32>,
    /// Whether departures are backfilled.
    pub backfill: bool,
    /// Delay before a backfill requisition opens.
    pub backfill_delay_months: u32,
}

/// Rep heterogeneity.
#[derive(Debug, Clone)]
pub struct RepDraws {
    /// Skill multiplier on opportunity creation.
    pub skill: Dist,
    /// Individual win rate (Beta around the org win rate, or fixed).
    pub win_rate: Dist,
    /// 80th percentile of skill: reps below it are the "bottom 80%" that enablement lifts.
    pub skill_p80: f64,
}

/// Opportunity creation and outcomes.
#[derive(Debug, Clone)]
pub struct PipelineParams {
    /// Opportunities per fully ramped, skill-1 rep per month.
    pub opportunities_per_rep_month: f64,
    /// Shared inbound opportunities per month.
    pub inbound_opportunities_per_month: f64,
    /// Org-level outcome probabilities (won, lost, no decision).
    pub outcomes: [f64; 3],
    /// P(lost | not won) = lost / (lost + no decision).
    pub lost_share_of_non_wins: f64,
    /// Deal size, USD.
    pub deal_size_usd: Dist,
    /// Cycle time by outcome (won, lost, no decision), months.
    pub cycle_months: [Dist; 3],
    /// Chance each open deal of a leaver is lost.
    pub leaver_lost_probability: f64,
    /// Win-chance multiplier on reassigned deals.
    pub leaver_win_rate_multiplier: f64,
    /// Months before the start whose deals form the starting pipeline (0: empty).
    pub warm_up_months: usize,
    /// Decision lags (whole months from creation to decision) by outcome, tabulated from
    /// `cycle_months` for this horizon and warm-up.
    pub lags: [lags::Lags; 3],
}

impl PipelineParams {
    /// Whether a leaver's open deals are affected at all (if not, they need not be tracked).
    pub fn leaver_policy_active(&self) -> bool {
        self.leaver_lost_probability > 0.0 || self.leaver_win_rate_multiplier < 1.0
    }
}

/// The customer base.
#[derive(Debug, Clone)]
pub struct CustomerParams {
    /// Starting ARR, USD.
    pub starting_arr_usd: f64,
    /// Starting customer count.
    pub starting_customers: u32,
    /// Monthly logo churn probability.
    pub monthly_logo_churn_rate: f64,
    /// Monthly expansion as a fraction of ARR.
    pub monthly_expansion_rate: f64,
    /// Churn multiplier when every territory is vacant (scaled by the vacant share).
    pub vacant_territory_churn_multiplier: f64,
}

/// Demand shared by every rep.
#[derive(Debug, Clone)]
pub struct MarketParams {
    /// Per-trial demand multiplier.
    pub demand_factor: Dist,
    /// Stationary standard deviation of the log monthly shock.
    pub shock_sd: f64,
    /// AR(1) coefficient of the log monthly shock.
    pub shock_autocorrelation: f64,
    /// Demand multiplier by calendar month (index 0 = January).
    pub seasonality: [f64; 12],
}

impl MarketParams {
    /// Whether any market mechanism is on (if not, demand is 1 and no random number is drawn).
    pub fn active(&self) -> bool {
        self.demand_factor.sampler.fixed() != Some(1.0)
            || self.shock_sd > 0.0
            || self.seasonality != [1.0; 12]
    }
}

/// One phase of a VP transition.
#[derive(Debug, Clone)]
pub struct PhaseParams {
    /// Length in months (rounded).
    pub months: Dist,
    /// Multiplier on own opportunity creation.
    pub effort: f64,
    /// Multiplier on win rates.
    pub win_rate: f64,
    /// Multiplier on the attrition hazard.
    pub attrition: f64,
}

/// The board review.
#[derive(Debug, Clone, Copy)]
pub struct ReviewParams {
    /// First review at this tenure (months).
    pub grace_months: u32,
    /// Months between reviews.
    pub every_months: u32,
    /// Months of bookings reviewed.
    pub trailing_months: u32,
    /// Fail below this share of trailing plan.
    pub min_share_of_plan: f64,
    /// Chance a failed review replaces the VP.
    pub replacement_probability: f64,
}

/// The VP of Sales model.
#[derive(Debug, Clone)]
pub struct LeadershipParams {
    /// Tenure of the VP in seat at the start, months.
    pub starting_vp_tenure_months: u32,
    /// Exogenous tenure, if any.
    pub tenure_months: Option<Dist>,
    /// Board review, if any.
    pub review: Option<ReviewParams>,
    /// Search, diagnosis, rollout, re-onboarding.
    pub phases: [PhaseParams; 4],
    /// Share of ramped reps purged at the end of rollout.
    pub purge_share: f64,
    /// Win-rate multiplier of a new VP's changes.
    pub lift: Dist,
    /// Months over which the lift phases in.
    pub phase_in_months: u32,
}

/// First-line managers.
#[derive(Debug, Clone)]
pub struct ManagerParams {
    /// Reps per manager.
    pub span: u32,
    /// Managers at the start.
    pub starting: u32,
    /// Months to hire from outside.
    pub time_to_fill_months: Dist,
    /// Share of openings filled by promotion.
    pub promote_share: f64,
    /// Productivity of unmanaged reps.
    pub unmanaged_productivity: f64,
}

/// Performance management.
#[derive(Debug, Clone, Copy)]
pub struct PerformanceParams {
    /// Months between reviews.
    pub every_months: u32,
    /// Months reviewed.
    pub window_months: u32,
    /// Exit below this share of quota over the window.
    pub min_share_of_quota: f64,
}

/// The pipeline-coverage policy.
#[derive(Debug, Clone, Copy)]
pub struct CoverageParams {
    /// Per-rep targets (1 / own win rate) rather than the global multiple.
    pub per_rep: bool,
    /// Cap on the effort multiplier.
    pub max_effort: f64,
    /// Win-rate multiplier of extra deals.
    pub extra_win_rate: f64,
    /// Loss of regular win rate per unit of extra effort.
    pub effort_cost: f64,
}

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Scenario name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The file it came from, as the user named it.
    pub source: String,
    /// The files it inherits from through `extends`, nearest first (empty without `extends`).
    pub inherits: Vec<String>,
    /// The resolved scenario, as parsed (before validation).
    pub raw: RawScenario,
    /// SHA-256 of the canonical TOML of the resolved scenario.
    pub sha256: String,
    /// Trials (from the file; the CLI may override).
    pub trials: u64,
    /// Seed (from the file; the CLI may override).
    pub seed: u64,
    /// What each trial tracks (`simulation.detail`).
    pub detail: raw::Detail,
    /// Clock.
    pub clock: Clock,
    /// Ramp and attrition by tenure.
    pub tenure: TenureCurves,
    /// Seats and hiring.
    pub staffing: Staffing,
    /// Rep heterogeneity.
    pub reps: RepDraws,
    /// Pipeline.
    pub pipeline: PipelineParams,
    /// Customers.
    pub customers: CustomerParams,
    /// Market demand.
    pub market: MarketParams,
    /// The VP of Sales model; `None` when absent or switched off.
    pub leadership: Option<LeadershipParams>,
    /// The coverage policy, if any (its global target is in the timeline).
    pub coverage: Option<CoverageParams>,
    /// Performance management, if any.
    pub performance: Option<PerformanceParams>,
    /// First-line managers, if modelled.
    pub managers: Option<ManagerParams>,
    /// Annual quota of a ramped rep (USD) and whether it ramps; `None` without `[quota]`.
    pub quota: Option<(f64, bool)>,
    /// Bookings plan per fiscal year (aligned with `clock.fiscal_years`, pro-rated); `None`
    /// without `[plan]`.
    pub plan_by_fiscal_year: Option<Vec<f64>>,
    /// The same plan spread evenly over each fiscal year's months (for board reviews).
    pub plan_by_month: Option<Vec<f64>>,
    /// Every event-able parameter, month by month, and the dated actions.
    pub timeline: events::Timeline,
    /// Monthly attrition hazard (before washout and leadership effects), by month.
    pub monthly_hazard: Vec<f64>,
    /// The deals open at the start, from `[open_pipeline]` (they replace the synthetic
    /// starting pipeline).
    pub open_deals: Option<open_deals::OpenDeals>,
}

impl Scenario {
    /// Reads and validates a scenario file, with its `extends` chain.
    pub fn load(path: &Path) -> Result<Scenario, InputError> {
        resolve::load(path, &[])
    }

    /// Reads and validates a scenario file, with its `extends` chain and `key=value` overrides
    /// (the command line's `--set`), applied last.
    pub fn load_with(path: &Path, sets: &[String]) -> Result<Scenario, InputError> {
        resolve::load(path, sets)
    }

    /// Reads and validates a scenario file with its `extends` chain and several layers of
    /// `key=value` overrides, each applied over the ones before (a batch's `--set`, then a
    /// variant's settings).
    pub fn load_layers(path: &Path, layers: &[Vec<String>]) -> Result<Scenario, InputError> {
        resolve::load_layers(path, layers)
    }

    /// Parses and validates scenario text. `file` labels errors; `default_name` names a scenario
    /// that has no `name` key.
    pub fn from_toml(text: &str, file: &str, default_name: &str) -> Result<Scenario, InputError> {
        let text: Arc<str> = Arc::from(text);
        let raw: RawScenario =
            toml::from_str(&text).map_err(|e| InputError::from_toml(file, &text, &e))?;
        if raw.extends.is_some() {
            return Err(InputError::file(
                file,
                "`extends` names a parent file, which only a scenario read from a file can follow",
            )
            .key("extends")
            .help("load the scenario with Scenario::load (as the command line does)"));
        }
        let origins = [(0, file.to_string())];
        Validator {
            file,
            text: &text,
            origins: &origins,
        }
        .scenario(raw, default_name)
    }

    /// Canonical TOML of the resolved scenario (the settings the SHA-256 covers): a complete
    /// scenario that loads on its own.
    pub fn resolved_toml(&self) -> String {
        let raw = &self.raw;
        if raw.reps.skill_top_20pct_share.is_some() {
            // The two skill keys exclude each other: written with the share, the defaulted
            // `skill` would make the text fail to load.
            let mut table: toml::Table =
                toml::Table::try_from(raw).expect("a parsed scenario serializes");
            if let Some(toml::Value::Table(reps)) = table.get_mut("reps") {
                reps.remove("skill");
            }
            return toml::to_string(&table).expect("a table serializes");
        }
        toml::to_string(raw).expect("a parsed scenario serializes")
    }

    /// Number of simulated months.
    pub fn horizon(&self) -> usize {
        self.clock.horizon
    }

    /// Whether each won deal must be credited to the rep who won it: always in full detail
    /// (attainment and the top-20% share are reported), and in bookings detail when a
    /// mechanism reads a rep's bookings (quota, performance management, a VP's purge,
    /// promotions, layoffs of the lowest performers, the leaver policy).
    pub fn per_rep_bookings(&self) -> bool {
        self.detail == raw::Detail::Full
            || self.quota.is_some()
            || self.performance.is_some()
            || self
                .leadership
                .as_ref()
                .is_some_and(|l| l.purge_share > 0.0)
            || self.managers.is_some()
            || self.pipeline.leaver_policy_active()
            || self
                .timeline
                .layoffs
                .iter()
                .any(|l| l.2 == raw::LayoffWho::LowestPerformers)
    }
}

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
/// monthly shock, the largest seasonal multiplier and the largest of each effort multiplier
/// (`multipliers`). NaN or infinite when a factor is.
fn opportunity_bound(
    staffing: &Staffing,
    pipeline: &PipelineParams,
    reps: &RepDraws,
    market: &MarketParams,
    timeline: &events::Timeline,
    multipliers: [f64; 3],
) -> f64 {
    use events::Param;
    let series = |p: Param| timeline.series(p);
    // Means alone would pass a distribution that is tame on average but draws huge values
    // (a normal with a vast sd): take the larger of the mean and the one-in-a-million value.
    let high = |d: &Dist| d.mean().max(d.quantile(1.0 - 1e-6)).max(0.0);
    let demand = high(&market.demand_factor)
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
        total += (own * skills(seats) * effort + series(Param::Inbound)[t]) * demand;
    }
    let warm_up = pipeline.warm_up_months as f64
        * (pipeline.opportunities_per_rep_month * skills(staffing.starting_filled as f64)
            + pipeline.inbound_opportunities_per_month);
    total + warm_up
}

struct Validator<'a> {
    file: &'a str,
    text: &'a Arc<str>,
    /// Where each file of an `extends` chain starts in `text`: (offset, file as named), in
    /// order; a file named in the scenario (a CSV) is relative to the file whose value names it.
    origins: &'a [(usize, String)],
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
        if file == resolve::SET_LABEL {
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

    fn scenario(&self, raw: RawScenario, default_name: &str) -> Result<Scenario, InputError> {
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
        let clock = Clock {
            start: sim.start_month,
            horizon,
            fiscal_year_start_month: fy_start,
            fiscal_years: fiscal_years(sim.start_month, horizon, fy_start),
        };

        let tenure = self.tenure_curves(&raw)?;
        let staffing = self.staffing(&raw, &clock)?;
        let mut pipeline = self.pipeline(&raw)?;
        let reps = RepDraws {
            skill: match &raw.reps.skill_top_20pct_share {
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
            },
            win_rate: match &raw.reps.win_rate_sd {
                None => Dist::fixed(pipeline.outcomes[0], Domain::UNIT),
                Some(sd) if *sd.get_ref() == 0.0 => Dist::fixed(pipeline.outcomes[0], Domain::UNIT),
                Some(sd) => {
                    let won = pipeline.outcomes[0];
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
            },
            skill_p80: 0.0,
        };
        let reps = RepDraws {
            skill_p80: reps.skill.quantile(0.8),
            ..reps
        };
        let customers = self.customers(&raw)?;
        let market = self.market(&raw)?;
        let quota = raw
            .quota
            .as_ref()
            .map(|q| (q.annual_quota_usd.get_ref().0, q.ramped));
        let plan_by_fiscal_year = match &raw.plan {
            None => None,
            Some(p) => {
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
                Some(
                    clock
                        .fiscal_years
                        .iter()
                        .enumerate()
                        .map(|(i, fy)| v[i.min(v.len() - 1)].0 * fy.months as f64 / 12.0)
                        .collect(),
                )
            }
        };

        let plan_by_month = plan_by_fiscal_year.as_ref().map(|p: &Vec<f64>| {
            let mut v = vec![0.0; clock.horizon];
            for (fy, plan) in clock.fiscal_years.iter().zip(p) {
                for t in fy.range() {
                    v[t] = plan / fy.months as f64;
                }
            }
            v
        });
        let leadership = self.leadership(&raw, plan_by_month.is_some())?;
        let coverage = self.coverage(&raw, quota.is_some())?;
        let managers = match &raw.managers {
            None => None,
            Some(m) => {
                let span = *m.span_of_control.get_ref();
                if span == 0 {
                    return Err(self
                        .err(
                            m.span_of_control.span(),
                            "span_of_control must be at least 1",
                        )
                        .help("first-line managers typically lead 6-10 reps"));
                }
                Some(ManagerParams {
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
                })
            }
        };
        let performance = match &raw.performance_management {
            None => None,
            Some(pm) => {
                let v = pm.get_ref();
                if quota.is_none() {
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
                Some(PerformanceParams {
                    every_months: v.every_months,
                    window_months: v.window_months.min(MAX_HORIZON_MONTHS),
                    min_share_of_quota: v.min_share_of_quota.0,
                })
            }
        };
        let mut staffing = staffing;
        let timeline = self.timeline(
            &raw,
            &clock,
            &staffing,
            &pipeline,
            &customers,
            quota,
            leadership.is_some(),
        )?;
        staffing.seats_by_month = timeline
            .series(events::Param::Seats)
            .iter()
            .map(|v| v.round() as u32)
            .collect();
        staffing.max_seats = staffing
            .seats_by_month
            .iter()
            .copied()
            .chain([staffing.starting_seats])
            .max()
            .unwrap_or(0);
        let expected = opportunity_bound(
            &staffing,
            &pipeline,
            &reps,
            &market,
            &timeline,
            [
                coverage.map_or(1.0, |c| c.max_effort),
                managers.as_ref().map_or(1.0, |m| m.unmanaged_productivity),
                leadership.as_ref().map_or(1.0, |l| {
                    l.phases.iter().map(|p| p.effort).fold(1.0, f64::max)
                }),
            ],
        );
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
        let monthly_hazard = timeline
            .series(events::Param::AnnualAttrition)
            .iter()
            .map(|a| monthly_hazard(*a))
            .collect();
        for (key, value) in [("name", &raw.name), ("description", &raw.description)] {
            if let Some(v) = value
                && let Some(c) = v.chars().find(|c| c.is_control())
            {
                return Err(InputError::file(
                    self.file,
                    format!(
                        "`{key}` holds the control character {:?}; it would garble reports and the terminal",
                        c
                    ),
                )
                .key(key)
                .help("use plain text on one line"));
            }
        }
        let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
        let description = raw.description.clone().unwrap_or_default();
        let open_deals = self.open_deals(&raw, &clock, &staffing, &mut pipeline)?;
        let mut canonical = toml::to_string(&raw).expect("a parsed scenario serializes");
        if let Some(o) = &open_deals {
            // The export is part of what the scenario is: a changed file is another scenario.
            canonical.push_str(&format!("\n# open_pipeline.csv sha256 {}\n", o.sha256));
        }
        let sha256 = format!("{:x}", Sha256::digest(canonical.as_bytes()));
        Ok(Scenario {
            name,
            description,
            source: self.file.to_string(),
            inherits: Vec::new(),
            trials: *raw.simulation.trials.get_ref(),
            seed: raw.simulation.seed,
            detail: raw.simulation.detail,
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
        })
    }

    fn tenure_curves(&self, raw: &RawScenario) -> Result<TenureCurves, InputError> {
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
            RampCurve::None {} => Vec::new(),
            RampCurve::Linear { months_to_full } => {
                let m = months(*months_to_full)?;
                (1..)
                    .map(|x| x as f64)
                    .take_while(|x| *x < m)
                    .map(|x| x / m)
                    .collect()
            }
            RampCurve::SCurve { months_to_full } => {
                let m = months(*months_to_full)?;
                let k = 8.0 / m.max(1e-9);
                let sig = |x: f64| 1.0 / (1.0 + (-k * (x - m / 2.0)).exp());
                let (lo, hi) = (sig(0.0), sig(m));
                (1..)
                    .map(|x| x as f64)
                    .take_while(|x| *x < m)
                    .map(|x| ((sig(x) - lo) / (hi - lo)).clamp(0.0, 1.0))
                    .collect()
            }
            RampCurve::Step { months_to_full } => {
                let m = months(*months_to_full)?;
                (1..)
                    .map(|x| x as f64)
                    .take_while(|x| *x < m)
                    .map(|_| 0.0)
                    .collect()
            }
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
        };
        let washout = match &raw.attrition.early_washout {
            Some(w) if w.months > 0 && w.share_of_hires.0 > 0.0 => {
                let extra = 1.0 - (1.0 - w.share_of_hires.0).powf(1.0 / w.months as f64);
                vec![extra; w.months.min(MAX_HORIZON_MONTHS) as usize]
            }
            _ => Vec::new(),
        };
        Ok(TenureCurves {
            ramp,
            ramp_applies_to_win_rate: raw.ramp.applies_to_win_rate,
            washout,
        })
    }

    fn staffing(&self, raw: &RawScenario, clock: &Clock) -> Result<Staffing, InputError> {
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
        let mut seats_by_month = vec![seats; clock.horizon];
        let mut prev: Option<(i32, u32)> = None;
        let last_month = clock.start.plus(clock.horizon as i32 - 1);
        let mut points = Vec::new();
        for p in &h.headcount_plan {
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
        match h.plan_interpolation {
            Interpolation::Step => {
                for &(t0, seats) in &points {
                    seats_by_month[t0..].iter_mut().for_each(|s| *s = seats);
                }
            }
            Interpolation::Linear => {
                let mut from = (0usize, seats);
                for &(t1, seats) in &points {
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

    fn pipeline(&self, raw: &RawScenario) -> Result<PipelineParams, InputError> {
        let p = &raw.pipeline;
        let o = p.outcomes.get_ref();
        let sum = o.won.0 + o.lost.0 + o.no_decision.0;
        if (sum - 1.0).abs() > 1e-9 {
            return Err(self
                .err(p.outcomes.span(), format!("won + lost + no_decision = {}, but they must sum to 1", fmt_num(sum)))
                .help(format!(
                    "every opportunity ends one of the three ways; e.g. keep won = {} and lost = {} and set no_decision = {}",
                    fmt_num(o.won.0),
                    fmt_num(o.lost.0),
                    fmt_num((1.0 - o.won.0 - o.lost.0).max(0.0))
                )));
        }
        let non_wins = o.lost.0 + o.no_decision.0;
        let cycle = self.dist(
            &p.cycle_months,
            Domain::NON_NEGATIVE,
            "pipeline.cycle_months",
        )?;
        let lost = match &p.cycle_months_lost {
            Some(d) => self.dist(d, Domain::NON_NEGATIVE, "pipeline.cycle_months_lost")?,
            None => cycle.clone(),
        };
        let nd = match &p.cycle_months_no_decision {
            Some(d) => self.dist(d, Domain::NON_NEGATIVE, "pipeline.cycle_months_no_decision")?,
            None => cycle.clone(),
        };
        let cycle_months = [cycle, lost, nd];
        let warm_up_months = match (&raw.open_pipeline, p.starting_pipeline) {
            // Deals from a CRM export replace the synthetic starting pipeline.
            (Some(_), _) | (None, Some(raw::StartingPipeline::Empty)) => 0,
            (None, _) => lags::warm_up_months(&cycle_months),
        };
        let horizon = *raw.simulation.horizon_months.get_ref() as usize;
        let lags = [0, 1, 2].map(|o| lags::Lags::new(&cycle_months[o], horizon, warm_up_months));
        Ok(PipelineParams {
            warm_up_months,
            opportunities_per_rep_month: p.opportunities_per_rep_month.0,
            inbound_opportunities_per_month: p.inbound_opportunities_per_month.map_or(0.0, |v| v.0),
            outcomes: [o.won.0, o.lost.0, o.no_decision.0],
            lost_share_of_non_wins: if non_wins > 0.0 {
                o.lost.0 / non_wins
            } else {
                0.0
            },
            deal_size_usd: {
                let d = self.dist(
                    &p.deal_size_usd,
                    Domain::NON_NEGATIVE,
                    "pipeline.deal_size_usd",
                )?;
                if 1.0 - d.cdf(MAX_DEAL_USD) > MAX_DEAL_TAIL {
                    return Err(self
                        .err(
                            p.deal_size_usd.span(),
                            format!(
                                "deal sizes can exceed {} (mean {}), the largest deal revsim represents",
                                fmt_num(MAX_DEAL_USD),
                                fmt_num(d.mean())
                            ),
                        )
                        .key("pipeline.deal_size_usd")
                        .help("deal sizes are in US dollars: check for extra zeros, or a p90 or sd far above the median"));
                }
                d
            },
            cycle_months,
            lags,
            leaver_lost_probability: p.leaver_deals.lost_probability.0,
            leaver_win_rate_multiplier: p.leaver_deals.reassigned_win_rate_multiplier.0,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn timeline(
        &self,
        raw: &RawScenario,
        clock: &Clock,
        staffing: &Staffing,
        pipeline: &PipelineParams,
        customers: &CustomerParams,
        quota: Option<(f64, bool)>,
        has_leadership: bool,
    ) -> Result<events::Timeline, InputError> {
        use events::{Change, Param};
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
        let last = clock.start.plus(h as i32 - 1);
        let mut changes = Vec::new();
        for ev in &raw.events {
            let e = ev.get_ref();
            let t = e.month.months_since(clock.start);
            if t < 0 || t >= h as i32 {
                return Err(self
                    .err(
                        ev.span(),
                        format!(
                            "event month {} is outside the horizon {} to {}",
                            e.month, clock.start, last
                        ),
                    )
                    .help(
                        "use a month inside the horizon, or lengthen simulation.horizon_months",
                    ));
            }
            let mut set = Vec::new();
            if let Some(table) = &e.set {
                for (path, value) in table.get_ref() {
                    let Some(p) = events::param(path) else {
                        let options: Vec<&str> = params::event_paths().collect();
                        let err = self.err(
                            table.span(),
                            format!("`{path}` is not a parameter an event can set"),
                        );
                        return Err(match crate::diagnostic::did_you_mean(path, &options) {
                            Some(best) => err.help(format!("did you mean `{best}`?")),
                            None => err.help(format!("events can set: {}", options.join(", "))),
                        });
                    };
                    let spec = p.info();
                    if !(value.is_finite() && *value >= spec.min && *value <= spec.max) {
                        return Err(self
                            .err(
                                table.span(),
                                format!(
                                    "`{path}` = {} is outside the allowed range {} to {}",
                                    fmt_num(*value),
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
                        && 1.0 - pipeline.deal_size_usd.cdf(MAX_DEAL_USD / value.max(1e-300))
                            > MAX_DEAL_TAIL
                    {
                        return Err(self
                            .err(
                                table.span(),
                                format!(
                                    "`{path}` = {} makes deals larger than {}, the largest deal revsim represents",
                                    fmt_num(*value),
                                    fmt_num(MAX_DEAL_USD)
                                ),
                            )
                            .help("a price change is a multiplier on deal sizes: 1.1 for +10%"));
                    }
                    if matches!(p, Param::CoverageTarget) && !global_coverage {
                        return Err(self
                            .err(table.span(), "an event sets the coverage target, but the scenario has no global [coverage] policy")
                            .help("add [coverage] with policy = \"global\" and target_multiple"));
                    }
                    if matches!(p, Param::BottomProductivity) && skill_is_fixed {
                        return Err(self
                            .err(table.span(), "enablement lifts the reps below the 80th percentile of skill, but every rep has the same skill")
                            .help("give reps a skill spread: reps.skill as a distribution, or reps.skill_top_20pct_share"));
                    }
                    if matches!(p, Param::AnnualQuota) && quota.is_none() {
                        return Err(self
                            .err(
                                table.span(),
                                "an event sets the quota, but the scenario has no [quota]",
                            )
                            .help("add [quota] with annual_quota_usd"));
                    }
                    set.push((p, *value));
                }
            }
            if e.force_vp_change && !has_leadership {
                return Err(self
                    .err(ev.span(), "force_vp_change needs the VP model, but [leadership] is absent or switched off")
                    .help("add a [leadership] section"));
            }
            changes.push(Change {
                month: t as usize,
                set,
                ramp_months: e.ramp_months.min(MAX_HORIZON_MONTHS) as usize,
                force_vp_change: e.force_vp_change,
                hiring_freeze_months: e.hiring_freeze_months.unwrap_or(0).min(MAX_HORIZON_MONTHS)
                    as usize,
                layoff: e.layoff.as_ref().map(|l| (l.reps.min(MAX_SEATS), l.who)),
            });
        }
        Ok(events::build(h, base, changes))
    }

    /// `[open_pipeline]`: the deals of the CRM export, mapped onto the starting reps.
    fn open_deals(
        &self,
        raw: &RawScenario,
        clock: &Clock,
        staffing: &Staffing,
        pipeline: &mut PipelineParams,
    ) -> Result<Option<open_deals::OpenDeals>, InputError> {
        use crate::crm::{Outcome, ReadOptions, StageMeaning};
        use open_deals::{MAX_AGE_MONTHS, OpenDeal, OpenDeals, OpenDecision, OpenOutcome};
        let Some(spanned) = &raw.open_pipeline else {
            return Ok(None);
        };
        let op = spanned.get_ref();
        if raw.pipeline.starting_pipeline.is_some() {
            return Err(self
                .err(
                    spanned.span(),
                    "[open_pipeline] gives the deals open at the start, so pipeline.starting_pipeline has nothing to set",
                )
                .help("remove starting_pipeline from [pipeline], or remove [open_pipeline]"));
        }
        if staffing.starting_filled == 0 {
            return Err(self
                .err(
                    spanned.span(),
                    "the open deals need reps to hold them, but no seat is filled at the start",
                )
                .help("set org.filled_seats to the number of reps today"));
        }
        let path = self.path_named_at(&op.csv.span(), op.csv.get_ref());
        let shown = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| {
            self.err(
                op.csv.span(),
                format!("cannot read the open-pipeline file {shown}: {e}"),
            )
            .key("open_pipeline.csv")
            .help("the path is relative to the scenario file that names it")
        })?;
        let sha256 = format!("{:x}", Sha256::digest(&bytes));
        let mut read = ReadOptions {
            layout: op.columns,
            date_order: op.date_order.unwrap_or_default(),
            skip_bad_rows: op.skip_bad_rows,
            ..ReadOptions::default()
        };
        for name in op.stages.keys() {
            read.outcomes
                .set_stage(name, StageMeaning::Outcome(Outcome::Open));
        }
        let history = crate::crm::parse_history(&bytes[..], &shown, &read)?;
        let stage_of = |name: &str| {
            let key = crate::crm::outcomes::normalise(name);
            op.stages
                .iter()
                .find(|(k, _)| crate::crm::outcomes::normalise(k) == key)
                .map(|(_, v)| v)
        };
        let mut owners: Vec<String> = Vec::new();
        let mut deals = Vec::new();
        let mut closed = 0usize;
        let (mut created_late, mut no_amount) = (0usize, 0usize);
        for o in &history.opportunities {
            if o.outcome != Outcome::Open {
                closed += 1;
                continue;
            }
            let age = clock.start.months_since(o.created.month());
            let row_err = |msg: String, help: &str| {
                InputError::file(&shown, msg)
                    .key(format!("row {}", o.row))
                    .help(help.to_string())
            };
            if age <= 0 && op.skip_bad_rows {
                created_late += 1;
                continue;
            }
            if age <= 0 {
                return Err(row_err(
                    format!(
                        "row {}: the deal was created in {}, not before the start month {}",
                        o.row,
                        o.created.month(),
                        clock.start
                    ),
                    "an export of the deals open at the start holds deals created before it: set simulation.start_month to the month after the export, or remove the row",
                ));
            }
            if o.amount_usd.is_some_and(|a| a > MAX_DEAL_USD) {
                return Err(row_err(
                    format!(
                        "row {}: an amount of ${:.0} is more than the largest revsim represents ($1e15)",
                        o.row,
                        o.amount_usd.unwrap_or_default()
                    ),
                    "check the amount column: it may hold another currency's minor units or a typo",
                ));
            }
            let Some(amount) = o.amount_usd.filter(|a| a.is_finite() && *a >= 0.0) else {
                if op.skip_bad_rows {
                    no_amount += 1;
                    continue;
                }
                return Err(row_err(
                    format!("row {}: an open deal needs an amount", o.row),
                    "fill in the deal's amount in the export",
                ));
            };
            let owner = match owners.iter().position(|x| x == &o.owner) {
                Some(i) => i,
                None => {
                    owners.push(o.owner.clone());
                    owners.len() - 1
                }
            };
            let stage = o.stage.as_deref().and_then(stage_of);
            let outcome = match stage {
                Some(st) => {
                    let st = st.get_ref();
                    let non_wins = 1.0 - st.won.0;
                    let no_decision = st
                        .no_decision
                        .map_or(non_wins * (1.0 - pipeline.lost_share_of_non_wins), |p| p.0);
                    OpenOutcome::Stage {
                        won: st.won.0,
                        no_decision,
                    }
                }
                None => OpenOutcome::Org,
            };
            let decision = match stage.and_then(|st| st.get_ref().months_to_decision.as_ref()) {
                Some(d) => OpenDecision::Stage(self.dist(
                    d,
                    Domain::NON_NEGATIVE,
                    "open_pipeline.stages.months_to_decision",
                )?),
                None => match (op.expected_close, o.closed) {
                    (raw::ExpectedClose::Use, Some(close)) => {
                        OpenDecision::Expected(close.month().months_since(clock.start) as i64)
                    }
                    _ => OpenDecision::ByAge,
                },
            };
            deals.push(OpenDeal {
                row: o.row,
                seat: owner as u32 % staffing.starting_filled,
                age_months: (age as u32).min(MAX_AGE_MONTHS),
                value_usd: (amount + 0.5) as i64,
                outcome,
                decision,
            });
        }
        for (name, st) in &op.stages {
            let v = st.get_ref();
            if v.won.0 + v.no_decision.map_or(0.0, |p| p.0) > 1.0 + 1e-9 {
                return Err(self
                    .err(
                        st.span(),
                        format!("stage {name:?}: won + no_decision is more than 1"),
                    )
                    .help(
                        "the rest of a stage's deals are lost: keep won + no_decision at most 1",
                    ));
            }
        }
        let max_age = deals.iter().map(|d| d.age_months).max().unwrap_or(0) as usize;
        let lags =
            [0, 1, 2].map(|o| lags::Lags::new(&pipeline.cycle_months[o], clock.horizon, max_age));
        let slip_months = match &op.slip_months {
            Some(d) => Some(self.dist(d, Domain::NON_NEGATIVE, "open_pipeline.slip_months")?),
            None => None,
        };
        pipeline.warm_up_months = 0;
        Ok(Some(OpenDeals {
            file: shown,
            sha256,
            deals,
            owners,
            left_out: [
                ("closed (won, lost or no decision)", closed),
                ("bad", history.bad_rows.len()),
                ("created in or after the start month", created_late),
                ("without an amount", no_amount),
                ("of an ignored stage", history.ignored_rows),
            ]
            .into_iter()
            .filter(|&(_, n)| n > 0)
            .map(|(why, n)| (why.to_string(), n))
            .collect(),
            lags,
            slip_months,
        }))
    }

    fn coverage(
        &self,
        raw: &RawScenario,
        has_quota: bool,
    ) -> Result<Option<CoverageParams>, InputError> {
        let Some(c) = &raw.coverage else {
            return Ok(None);
        };
        let v = c.get_ref();
        if raw.simulation.detail == raw::Detail::Bookings {
            return Err(self
                .err(
                    c.span(),
                    "the coverage policy reacts to each rep's open pipeline, which simulation.detail = \"bookings\" does not track",
                )
                .help("remove `detail = \"bookings\"` from [simulation] (the default, \"full\", tracks every deal), or remove [coverage]"));
        }
        if !has_quota {
            return Err(self
                .err(
                    c.span(),
                    "coverage is pipeline over quota, but the scenario has no [quota]",
                )
                .help("add [quota] with annual_quota_usd"));
        }
        if v.policy == raw::CoveragePolicy::Global && v.target_multiple.is_none() {
            return Err(self
                .err(c.span(), "policy = \"global\" needs target_multiple")
                .help("e.g. target_multiple = 3.0 for 3X coverage"));
        }
        if v.max_effort_multiplier.0 < 1.0 {
            return Err(self
                .err(
                    c.span(),
                    format!(
                        "max_effort_multiplier = {} is below 1",
                        fmt_num(v.max_effort_multiplier.0)
                    ),
                )
                .help("reps below target raise effort: use 1 (no push) or more, e.g. 1.5"));
        }
        Ok(Some(CoverageParams {
            per_rep: v.policy == raw::CoveragePolicy::PerRep,
            max_effort: v.max_effort_multiplier.0,
            extra_win_rate: v.extra_deal_win_rate_multiplier.0,
            effort_cost: v.win_rate_cost_of_extra_effort.0,
        }))
    }

    fn leadership(
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

    fn market(&self, raw: &RawScenario) -> Result<MarketParams, InputError> {
        let m = &raw.market;
        let demand_factor = match &m.demand_factor {
            Some(d) => self.dist(d, Domain::NON_NEGATIVE, "market.demand_factor")?,
            None => Dist::fixed(1.0, Domain::NON_NEGATIVE),
        };
        let rho = m
            .monthly_shock_autocorrelation
            .as_ref()
            .map_or(0.0, |p| p.get_ref().0);
        if let Some(p) = m
            .monthly_shock_autocorrelation
            .as_ref()
            .filter(|_| rho >= 1.0)
        {
            return Err(self
                .err(
                    p.span(),
                    "an autocorrelation of 1 never reverts to normal demand",
                )
                .help("use a value below 1; 0.5-0.8 is typical for monthly demand"));
        }
        let mut seasonality = [1.0; 12];
        if let Some(sv) = &m.seasonality {
            let v = sv.get_ref();
            if v.len() != 12 || v.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                return Err(self
                    .err(sv.span(), format!("seasonality needs 12 multipliers of 0 or more (January to December), got {} values", v.len()))
                    .help("e.g. [0.8, 0.9, 1.2, 0.9, 0.9, 1.2, 0.8, 0.9, 1.2, 1.0, 1.0, 1.2]"));
            }
            let mean = v.iter().sum::<f64>() / 12.0;
            if (mean - 1.0).abs() > 0.005 {
                return Err(self
                    .err(sv.span(), format!("seasonality multipliers average {}, but must average 1 so that they shape the year without changing its total", fmt_num(mean)))
                    .help(format!("divide each value by {}", fmt_num(mean))));
            }
            seasonality.copy_from_slice(v);
        }
        Ok(MarketParams {
            demand_factor,
            shock_sd: m.monthly_shock_sd.map_or(0.0, |v| v.0),
            shock_autocorrelation: rho,
            seasonality,
        })
    }

    fn customers(&self, raw: &RawScenario) -> Result<CustomerParams, InputError> {
        let c = &raw.customers;
        let arr = c.starting_arr_usd.as_ref().map_or(0.0, |a| a.get_ref().0);
        let n = c.starting_customers.unwrap_or(0);
        if arr > 0.0 && n == 0 {
            let span = c
                .starting_arr_usd
                .as_ref()
                .map(|a| a.span())
                .unwrap_or(0..0);
            return Err(self
                .err(
                    span,
                    format!(
                        "starting ARR of {} needs customers to hold it",
                        fmt_num(arr)
                    ),
                )
                .help("add customers.starting_customers (the number of customer accounts)"));
        }
        Ok(CustomerParams {
            starting_arr_usd: arr,
            starting_customers: n,
            monthly_logo_churn_rate: c.monthly_logo_churn_rate.map_or(0.0, |p| p.0),
            monthly_expansion_rate: c.monthly_expansion_rate.map_or(0.0, |p| p.0),
            vacant_territory_churn_multiplier: c
                .vacant_territory_churn_multiplier
                .map_or(1.0, |p| p.0),
        })
    }
}
