//! The scenario file exactly as written: serde structs that mirror the TOML.
//!
//! Every table denies unknown keys (a typo is an error with a did-you-mean, never a silent
//! default). Units are in the key names (`_usd`, `_months`, `_per_month`). Single-value range
//! checks happen here through small newtypes, so `toml` reports them at the value's line and
//! column; checks that involve several keys happen when the [`super::Scenario`] is built, which
//! reports at the span of the table or value concerned. The doc comments are the descriptions
//! in the JSON Schema that editors show, so write them for planners.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use super::belief::{Correlation, Uncertainty};
use super::dist::DistSpec;
pub use super::values::{Money, MonthlyGrowth, MonthlyTrend, NonNegative, PlainText, Probability};
use crate::calendar::YearMonth;
use crate::crm::{DateOrder, Layout};

/// A revsim scenario: one sales organisation and the assumptions to simulate it under.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// A scenario file to inherit from, relative to this file: its settings apply unless this
    /// file sets them (sections merge key by key; arrays and `{ ... }` values replace whole;
    /// `name` and `description` are not inherited).
    #[serde(default, skip_serializing)]
    pub extends: Option<String>,
    /// Short name used in reports and as the default output folder (default: the file name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PlainText>,
    /// One or two sentences on what this scenario represents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<PlainText>,
    /// The clock, the trial count and the seed.
    pub simulation: Simulation,
    /// The starting organisation: seats (territories) and the reps in them.
    pub org: Org,
    /// How a new rep's productivity grows with tenure.
    #[serde(default)]
    pub ramp: Ramp,
    /// How reps leave.
    #[serde(default)]
    pub attrition: Attrition,
    /// How seats are opened and filled.
    #[serde(default)]
    pub hiring: Hiring,
    /// How reps differ from one another.
    #[serde(default)]
    pub reps: Reps,
    /// How opportunities are created and decided.
    pub pipeline: Pipeline,
    /// The existing customer base and its annual recurring revenue (ARR).
    #[serde(default)]
    pub customers: Customers,
    /// Demand shared by every rep: a market factor per trial, a monthly shock, seasonality.
    #[serde(default)]
    pub market: Market,
    /// What the org does not know about itself: parameters drawn once per trial from a belief
    /// (P10 / P50 / P90 or a distribution), and their rank correlations.
    #[serde(default, skip_serializing_if = "Uncertainty::is_empty")]
    pub uncertainty: Uncertainty,
    /// The VP of Sales: tenure, board reviews, transitions and initiatives. Absent: no VP model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leadership: Option<Leadership>,
    /// First-line managers: span of control, hiring lag, promotions from the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managers: Option<Managers>,
    /// Performance management ("fire fast"): exit reps far below quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<PerformanceManagement>")]
    pub performance_management: Option<Spanned<PerformanceManagement>>,
    /// A pipeline-coverage policy: reps below target prospect harder, at lower quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Coverage>")]
    pub coverage: Option<Spanned<Coverage>>,
    /// Dated changes: parameters set or ramped from a month on, forced VP changes, hiring
    /// freezes, layoffs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<Event>")]
    pub events: Vec<Spanned<Event>>,
    /// Individual quotas (for attainment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// The company plan (for the probability of hitting it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// The deals open at the start, from a CRM export, in place of the synthetic starting
    /// pipeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<OpenPipeline>")]
    pub open_pipeline: Option<Spanned<OpenPipeline>>,
}

/// `[open_pipeline]`: the deals open at the start month, read from a CSV export of open
/// opportunities (owner, amount, stage, created date, expected close date; the column layouts
/// `revsim calibrate` reads). Each is simulated forward: won with its stage's chance (or the
/// org's, given how long it has been open), decided in its expected close month (or when its
/// stage or its cycle time says).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenPipeline {
    /// The CSV file, relative to the scenario file that names it.
    #[schemars(with = "String")]
    pub csv: Spanned<String>,
    /// Column layout: "revsim", "salesforce" or "hubspot" (default: detected from the header row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Layout>,
    /// Order of day and month in dates such as 3/4/2026: "mdy" (default, US) or "dmy".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// Leave out rows that cannot be used (a bad date, no amount, created after the start) and
    /// count them, instead of stopping at the first (default false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_bad_rows: bool,
    /// "use" (default): a deal is decided in the month of its expected close date, plus
    /// `slip_months`; "ignore": when its cycle time says, given how long it has been open.
    #[serde(default, skip_serializing_if = "ExpectedClose::is_use")]
    pub expected_close: ExpectedClose,
    /// Months by which expected close dates slip (rounded; default 0). CRM close dates are
    /// often optimistic: reps say 4 months where the data show 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<DistSpec>")]
    pub slip_months: Option<Spanned<DistSpec>>,
    /// Per stage name (as in the export, any case): the chance that a deal at that stage is
    /// won, and optionally of no decision and the months left to its decision.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, Stage>")]
    pub stages: std::collections::BTreeMap<String, Spanned<Stage>>,
}

/// What is known of open deals at one stage.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Chance that a deal at this stage is won.
    pub won: Probability,
    /// Chance that it ends in no decision (default: the org's share of non-wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_decision: Option<Probability>,
    /// Months from the start to its decision (default: its expected close date, or its cycle
    /// time given its age).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<DistSpec>")]
    pub months_to_decision: Option<Spanned<DistSpec>>,
}

/// How open deals' expected close dates are used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedClose {
    /// Decided in the expected close month, plus the slip.
    #[default]
    Use,
    /// Decided when the cycle time says, given the deal's age.
    Ignore,
}

impl ExpectedClose {
    /// The default, left out of the canonical text (so that writing it changes nothing).
    fn is_use(&self) -> bool {
        *self == ExpectedClose::Use
    }
}

/// `[simulation]`: the clock, the trial count and the seed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// First simulated month, "YYYY-MM".
    pub start_month: YearMonth,
    /// Number of months simulated (1 to 600).
    #[schemars(range(min = 1, max = 600))]
    #[schemars(with = "u32")]
    pub horizon_months: Spanned<u32>,
    /// Month (1-12) in which the fiscal year starts; 1 means the calendar year.
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 12))]
    #[schemars(with = "u32")]
    pub fiscal_year_start_month: Spanned<u32>,
    /// Number of Monte Carlo trials (default 10,000); `--trials` overrides it.
    #[serde(default = "default_trials")]
    #[schemars(range(min = 1))]
    #[schemars(with = "u64")]
    pub trials: Spanned<u64>,
    /// Random seed (default 1); `--seed` overrides it. Same scenario + seed + trials = same results.
    #[serde(default = "one_u64")]
    pub seed: u64,
    /// What each trial tracks: "full" (default: every deal, so the open pipeline, pipeline
    /// coverage, deals lost and in no decision, and per-rep figures) or "bookings" (only the
    /// deals that book, by the month they book: bookings, wins, headcount and ARR, several
    /// times faster, for large batches; the pipeline figures are left out).
    #[serde(default, skip_serializing_if = "Detail::is_full")]
    pub detail: Detail,
    /// When a deal is decided: "continuous" (default: created at a uniform point of its month
    /// and decided a cycle time later, in whichever month that falls) or "month_end" (the
    /// engine before results version 4: created at the end of its month and decided in month
    /// created + ceil(cycle), half a month late on average; kept for the peer reference model).
    #[serde(default, skip_serializing_if = "DecisionTiming::is_continuous")]
    pub decision_timing: DecisionTiming,
    /// How the across-trial draws (the uncertain parameters) are sampled: "random" (plain
    /// Monte Carlo; the default of a fixed run) or "sobol" (randomised quasi-Monte Carlo:
    /// scrambled Sobol' points in 16 independent replicates, so fewer trials for the same
    /// precision; the default of `--precision`). The trials' own luck is random either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<Sampling>,
}

/// How the across-trial draws are sampled (`simulation.sampling`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Independent pseudo-random draws: plain Monte Carlo.
    #[default]
    Random,
    /// Owen-scrambled Sobol' points in independent replicates (randomised quasi-Monte Carlo);
    /// intervals come from the spread between replicates.
    Sobol,
}

impl Sampling {
    /// The name as written in a scenario.
    pub fn name(&self) -> &'static str {
        match self {
            Sampling::Random => "random",
            Sampling::Sobol => "sobol",
        }
    }
}

/// When a deal is decided (`simulation.decision_timing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionTiming {
    /// Created at a uniform point of its creation month, decided a cycle time later: the lag
    /// in whole months is floor(U + cycle), U uniform on [0, 1).
    #[default]
    Continuous,
    /// Decided in the creation month + ceil(cycle), as if created at the month's end.
    MonthEnd,
}

impl DecisionTiming {
    /// Whether this is the default, continuous timing.
    pub fn is_continuous(&self) -> bool {
        *self == DecisionTiming::Continuous
    }
}

/// What a trial tracks (`simulation.detail`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    /// Every opportunity from its creation: the open pipeline, its value and coverage, deals
    /// lost and in no decision, and each rep's deals.
    #[default]
    Full,
    /// Only won deals, drawn in the month they book: bookings, wins, headcount, ARR, quota
    /// attainment; no open-pipeline figures, and no coverage policy (it reacts to them).
    Bookings,
}

impl Detail {
    /// Whether this is the default, full detail.
    pub fn is_full(&self) -> bool {
        *self == Detail::Full
    }
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}
fn one_u64() -> u64 {
    1
}
fn default_trials() -> Spanned<u64> {
    Spanned::new(0..0, 10_000)
}

/// `[org]`: the organisation at the start month.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Org {
    /// Quota-carrying seats (territories) at the start.
    #[schemars(with = "u32")]
    pub seats: Spanned<u32>,
    /// Seats that have a rep at the start (default: all). The rest are open requisitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u32>")]
    pub filled_seats: Option<Spanned<u32>>,
    /// Tenure in months of the starting reps (default 24: all fully ramped).
    #[serde(default = "default_tenure")]
    #[schemars(with = "DistSpec")]
    pub starting_tenure_months: Spanned<DistSpec>,
}

fn default_tenure() -> Spanned<DistSpec> {
    Spanned::new(0..0, DistSpec::Value(24.0))
}

/// `[ramp]`: productivity by tenure month, from 0 (new hire) to 1 (fully ramped).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ramp {
    /// The ramp curve. Default `{ none = {} }`: productive from the first month.
    #[serde(default = "no_ramp")]
    #[schemars(with = "RampCurve")]
    pub curve: Spanned<RampCurve>,
    /// Whether the ramp also scales the rep's win rate (default false: only opportunity creation).
    #[serde(default)]
    pub applies_to_win_rate: bool,
}

fn no_ramp() -> Spanned<RampCurve> {
    Spanned::new(0..0, RampCurve::None {})
}

impl Default for Ramp {
    fn default() -> Self {
        Ramp {
            curve: Spanned::new(0..0, RampCurve::None {}),
            applies_to_win_rate: false,
        }
    }
}

/// A ramp curve. Tenure month 1 is a rep's first month in seat.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RampCurve {
    /// Fully productive from the first month.
    None {},
    /// Straight line: 1/M in month 1, 2/M in month 2, ..., full from month M.
    Linear {
        /// Month of tenure from which the rep is fully productive.
        months_to_full: f64,
    },
    /// Logistic S-curve: slow start, fast middle, slow finish; full from month M.
    SCurve {
        /// Month of tenure from which the rep is fully productive.
        months_to_full: f64,
    },
    /// Nothing until month M, then full productivity.
    Step {
        /// Month of tenure from which the rep is fully productive.
        months_to_full: f64,
    },
    /// Explicit productivity for tenure months 1, 2, ...; full (1.0) after the table ends.
    Table(Vec<f64>),
}

impl Default for RampCurve {
    fn default() -> Self {
        RampCurve::None {}
    }
}

/// `[attrition]`: reps leaving.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attrition {
    /// Share of reps who leave in a year (0.33 = one in three). Becomes the monthly hazard
    /// h = 1 - (1 - rate)^(1/12). Default 0.
    #[serde(default)]
    pub annual_rate: Option<Probability>,
    /// Extra early-tenure departures ("washout"): this share of new hires leaves within the
    /// first `months`, on top of the annual rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_washout: Option<Washout>,
}

/// Early-tenure washout.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Washout {
    /// Length of the washout window in months of tenure.
    pub months: u32,
    /// Share of hires who wash out within that window (0 to 1).
    pub share_of_hires: Probability,
}

/// `[hiring]`: headcount plan, recruiting and backfills.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hiring {
    /// Target number of seats from given months on. A new seat opens a requisition in its month;
    /// the rep starts after the time to fill. Seats above the target close when they fall vacant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<PlanPoint>")]
    pub headcount_plan: Vec<Spanned<PlanPoint>>,
    /// Between two plan points: "step" (jump at each point) or "linear" (open seats evenly).
    #[serde(default)]
    pub plan_interpolation: Interpolation,
    /// Months from opening a requisition to the rep's first month (rounded to whole months).
    #[serde(default = "zero_dist")]
    #[schemars(with = "DistSpec")]
    pub time_to_fill_months: Spanned<DistSpec>,
    /// Most new reps that can start in one month (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recruiting_capacity_per_month: Option<u32>,
    /// Whether a departure opens a backfill requisition (default true).
    #[serde(default = "yes")]
    pub backfill: bool,
    /// Months after a departure before the backfill requisition opens (default 0).
    #[serde(default)]
    pub backfill_delay_months: u32,
}

impl Default for Hiring {
    fn default() -> Self {
        Hiring {
            headcount_plan: Vec::new(),
            plan_interpolation: Interpolation::Step,
            time_to_fill_months: zero_dist(),
            recruiting_capacity_per_month: None,
            backfill: true,
            backfill_delay_months: 0,
        }
    }
}

fn zero_dist() -> Spanned<DistSpec> {
    Spanned::new(0..0, DistSpec::Value(0.0))
}
fn yes() -> bool {
    true
}

/// One point of the headcount plan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPoint {
    /// The month, "YYYY-MM".
    pub month: YearMonth,
    /// Target seats from that month on.
    pub seats: u32,
}

/// How the headcount plan moves between its points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// Jump to each point's target in its month.
    #[default]
    Step,
    /// Move evenly from one point's target to the next.
    Linear,
}

/// `[reps]`: heterogeneity between reps, drawn for each rep when hired.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reps {
    /// Skill multiplier on opportunity creation (mean about 1). Default 1: all reps alike.
    /// Give either this or `skill_top_20pct_share`.
    #[serde(default = "one_dist")]
    #[schemars(with = "DistSpec")]
    pub skill: Spanned<DistSpec>,
    /// The Pareto way to set skill: the share of total skill held by the top 20% of reps (0.2 =
    /// all alike; 0.8 = the "80/20 rule"). Skill is then lognormal with mean 1 and the sigma
    /// that gives this share. Realised bookings are more concentrated still, since luck adds to
    /// skill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Probability>")]
    pub skill_top_20pct_share: Option<Spanned<Probability>>,
    /// Spread (standard deviation) of individual win rates around `pipeline.outcomes.won`;
    /// individual win rates are Beta-distributed. Default 0: every rep has the org win rate.
    #[serde(default)]
    #[schemars(with = "Option<f64>")]
    pub win_rate_sd: Option<Spanned<f64>>,
}

impl Default for Reps {
    fn default() -> Self {
        Reps {
            skill: one_dist(),
            skill_top_20pct_share: None,
            win_rate_sd: None,
        }
    }
}

fn one_dist() -> Spanned<DistSpec> {
    Spanned::new(0..0, DistSpec::Value(1.0))
}

/// `[pipeline]`: opportunity creation, outcomes, sizes and cycle times.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// Qualified opportunities a fully ramped rep of skill 1 creates per month (Poisson mean).
    pub opportunities_per_rep_month: NonNegative,
    /// Marketing-sourced opportunities per month, shared among reps in seat (weighted by ramp).
    #[serde(default)]
    pub inbound_opportunities_per_month: Option<NonNegative>,
    /// How opportunities end: won, lost or no decision. Must sum to 1.
    #[schemars(with = "Outcomes")]
    pub outcomes: Spanned<Outcomes>,
    /// Deal size (first-year contract value) in USD.
    #[schemars(with = "DistSpec")]
    pub deal_size_usd: Spanned<DistSpec>,
    /// Months from creation to decision, for every outcome unless overridden below. A deal is
    /// decided in month created + ceil(cycle).
    #[schemars(with = "DistSpec")]
    pub cycle_months: Spanned<DistSpec>,
    /// Cycle time of lost deals, if different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<DistSpec>")]
    pub cycle_months_lost: Option<Spanned<DistSpec>>,
    /// Cycle time of no-decision deals, if different (they usually stall longest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<DistSpec>")]
    pub cycle_months_no_decision: Option<Spanned<DistSpec>>,
    /// The pipeline at the start: "steady_state" (default: the deals the starting reps opened
    /// before the start month and that are still open) or "empty". With `[open_pipeline]`, the
    /// deals of a CRM export take its place, and this key is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_pipeline: Option<StartingPipeline>,
    /// What happens to a leaving rep's open deals.
    #[serde(default)]
    pub leaver_deals: LeaverDeals,
}

/// The pipeline at the start month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StartingPipeline {
    /// The starting reps have been selling: their deals still open at the start are carried in.
    #[default]
    SteadyState,
    /// No open deals at the start (a new team, or a model that starts from scratch).
    Empty,
}

/// Outcome probabilities of an opportunity.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// Share of opportunities won (the org win rate).
    pub won: Probability,
    /// Share lost to a competitor or rejected.
    pub lost: Probability,
    /// Share ending in no decision (the buyer does nothing).
    pub no_decision: Probability,
}

/// A leaving rep's open deals.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaverDeals {
    /// Chance that each open deal is lost outright when its rep leaves ("orphaned").
    #[serde(default = "zero_p")]
    pub lost_probability: Probability,
    /// Multiplier on the win chance of the deals that are reassigned (1 = no penalty).
    #[serde(default = "one_p")]
    pub reassigned_win_rate_multiplier: Probability,
}

impl Default for LeaverDeals {
    fn default() -> Self {
        LeaverDeals {
            lost_probability: zero_p(),
            reassigned_win_rate_multiplier: one_p(),
        }
    }
}

fn zero_p() -> Probability {
    Probability(0.0)
}
fn one_p() -> Probability {
    Probability(1.0)
}

/// `[customers]`: the existing base. New won deals add customers and ARR.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customers {
    /// ARR of the customer base at the start, USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Money>")]
    pub starting_arr_usd: Option<Spanned<Money>>,
    /// Number of customers at the start (needed when `starting_arr_usd` > 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_customers: Option<u32>,
    /// Chance that a customer leaves in a given month (logo churn); its ARR goes with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_logo_churn_rate: Option<Probability>,
    /// Growth of the remaining customers' ARR per month (upsell), as a fraction of ARR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_expansion_rate: Option<MonthlyGrowth>,
    /// Churn multiplier for customers in vacant territories: logo churn is multiplied by
    /// 1 + (this - 1) x the share of open seats that are vacant (default 1: no effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vacant_territory_churn_multiplier: Option<NonNegative>,
}

/// `[quota]`: individual quotas.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Annual quota of a fully ramped rep, USD (pro-rated for partial years).
    #[schemars(with = "Money")]
    pub annual_quota_usd: Spanned<Money>,
    /// Whether quota follows the ramp curve during ramp (default true).
    #[serde(default = "yes")]
    pub ramped: bool,
}

/// `[plan]`: the company bookings plan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// New-bookings plan per fiscal year in USD, from the first fiscal year in the horizon;
    /// the last value repeats. A fiscal year cut by the horizon gets the pro-rated share.
    #[schemars(with = "Vec<NonNegative>")]
    pub fiscal_year_bookings_usd: Spanned<Vec<NonNegative>>,
}

/// `[market]`: demand that moves every rep at once. Without a common factor, sums over many
/// independent reps make forecasts falsely narrow.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Market {
    /// Demand multiplier drawn once per trial (a good or bad year for the whole market), mean
    /// about 1. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<DistSpec>")]
    pub demand_factor: Option<Spanned<DistSpec>>,
    /// Standard deviation of the monthly demand shock (on the log scale; 0.1 = about +-10%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_shock_sd: Option<NonNegative>,
    /// Month-to-month autocorrelation of the shock (AR(1)), from 0 (independent) to just under 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Probability>")]
    pub monthly_shock_autocorrelation: Option<Spanned<Probability>>,
    /// Drift of demand per month on the log scale: month t of the horizon (0 the start month)
    /// has demand multiplied by exp(trend x t); 0.01 grows it about 1% a month. From -0.1 to
    /// 0.1; default 0 (no drift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_trend: Option<MonthlyTrend>,
    /// The shock as a history left it: normal with this mean and sd in `month` (the month
    /// after the history); the start month's shock moves from it toward 0 by the
    /// autocorrelation for each month between. Default: the long-run distribution (mean 0,
    /// sd `monthly_shock_sd`). Written by `revsim calibrate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<CurrentShock>")]
    pub current_shock: Option<Spanned<CurrentShock>>,
    /// Twelve multipliers on opportunity creation, January to December; they must average 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Vec<f64>>")]
    pub seasonality: Option<Spanned<Vec<f64>>>,
    /// How the market (the per-trial factor and the monthly shock) moves each driver: the
    /// driver is multiplied by the market level raised to its loading. Default: opportunities
    /// 1, win rate 0.5, deal size 0.25, cycle length -0.5, attrition 0 (assumptions; see the
    /// scenario reference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loadings: Option<Loadings>,
}

/// `market.current_shock`: the log shock in a month, as a history left it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentShock {
    /// The month the shock is known for (the month after the history), `YYYY-MM`.
    pub month: YearMonth,
    /// Its mean on the log scale (-0.1: demand about 10% below its level).
    pub mean: f64,
    /// Its standard deviation (0: known exactly).
    pub sd: NonNegative,
}

/// `[market.loadings]`: the exponent of the market level on each driver. 1 moves the driver
/// one for one with demand, 0 leaves it alone, a negative loading moves it the other way (a
/// weak market lengthens cycles).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Loadings {
    /// On opportunity creation, own and inbound (default 1: the market is demand).
    #[serde(default = "one_f")]
    pub opportunities: f64,
    /// On every rep's win rate (default 0.5; an assumption: no published estimate).
    #[serde(default = "half_f")]
    pub win_rate: f64,
    /// On deal sizes (default 0.25; an assumption: no published estimate).
    #[serde(default = "quarter_f")]
    pub deal_size: f64,
    /// On cycle length (default -0.5: a weak market lengthens cycles; an assumption).
    #[serde(default = "minus_half_f")]
    pub cycle: f64,
    /// On the attrition hazard (default 0: the sign is unclear, a weak market both cuts outside
    /// offers and makes quota harder).
    #[serde(default)]
    pub attrition: f64,
}

impl Default for Loadings {
    fn default() -> Self {
        Loadings {
            opportunities: 1.0,
            win_rate: 0.5,
            deal_size: 0.25,
            cycle: -0.5,
            attrition: 0.0,
        }
    }
}

fn one_f() -> f64 {
    1.0
}
fn half_f() -> f64 {
    0.5
}
fn quarter_f() -> f64 {
    0.25
}
fn minus_half_f() -> f64 {
    -0.5
}

/// `[leadership]`: the VP of Sales (MODEL.md, "Leadership (VP of Sales) turnover").
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Leadership {
    /// Switch the VP model off without deleting the section (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Months the current VP has been in seat at the start (default 12).
    #[serde(default = "twelve")]
    pub starting_vp_tenure_months: u32,
    /// How long a VP stays when the board never replaces them (exogenous departures), months.
    /// Absent: VPs leave only through board reviews and forced changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<DistSpec>")]
    pub tenure_months: Option<Spanned<DistSpec>>,
    /// The board's periodic review of the VP against plan. Needs `[plan]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BoardReview>")]
    pub board_review: Option<Spanned<BoardReview>>,
    /// What a change of VP costs: the phases after a VP leaves.
    #[serde(default)]
    pub transition: Transition,
    /// What a new VP's changes bring once they land.
    #[serde(default)]
    pub initiative: Initiative,
}

fn twelve() -> u32 {
    12
}

/// The board review (the endogenous trigger of VP turnover).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoardReview {
    /// No review in a VP's first months (default 9).
    #[serde(default = "nine")]
    pub grace_months: u32,
    /// Months between reviews (default 3: quarterly).
    #[serde(default = "three")]
    pub every_months: u32,
    /// Months of bookings the board looks back over (default 6).
    #[serde(default = "six")]
    pub trailing_months: u32,
    /// A review fails when trailing bookings fall below this share of trailing plan (default 0.9).
    #[serde(default = "point_nine")]
    pub min_share_of_plan: NonNegative,
    /// Chance that a failed review ends in the VP's replacement (default 0.5).
    #[serde(default = "half")]
    pub replacement_probability: Probability,
}

fn nine() -> u32 {
    9
}
fn three() -> u32 {
    3
}
fn six() -> u32 {
    6
}
fn point_nine() -> NonNegative {
    NonNegative(0.9)
}
fn half() -> Probability {
    Probability(0.5)
}

/// The phases that follow a VP's departure, each with multipliers on rep effort (own
/// opportunity creation), win rate and attrition hazard. Defaults follow the articles' account:
/// a search, 60-90 days of diagnosis, about 3 months of rollout, about 3 months of re-onboarding.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Vacancy while the board searches (no VP).
    #[serde(default = "search")]
    pub search: Phase,
    /// The new VP diagnoses the org (60-90 days).
    #[serde(default = "diagnosis")]
    pub diagnosis: Phase,
    /// The new VP decides and rolls out changes (about 3 months).
    #[serde(default = "rollout")]
    pub rollout: Phase,
    /// Reps learn the new systems (about 3 months).
    #[serde(default = "reonboarding")]
    pub reonboarding: Phase,
    /// Share of fully ramped reps the new VP exits at the end of rollout, lowest trailing
    /// bookings first (default 0: no purge).
    #[serde(default = "zero_p")]
    pub purge_share_of_reps: Probability,
}

impl Default for Transition {
    fn default() -> Self {
        Transition {
            search: search(),
            diagnosis: diagnosis(),
            rollout: rollout(),
            reonboarding: reonboarding(),
            purge_share_of_reps: zero_p(),
        }
    }
}

fn phase(months: DistSpec, effort: f64, win: f64, attrition: f64) -> Phase {
    Phase {
        months: Spanned::new(0..0, months),
        effort_multiplier: NonNegative(effort),
        win_rate_multiplier: NonNegative(win),
        attrition_multiplier: NonNegative(attrition),
    }
}
fn three_point(min: f64, mode: f64, max: f64) -> DistSpec {
    DistSpec::Family(super::dist::Family::Triangular { min, mode, max })
}
fn search() -> Phase {
    phase(three_point(1.0, 3.0, 6.0), 0.9, 1.0, 1.3)
}
fn diagnosis() -> Phase {
    phase(three_point(2.0, 2.5, 3.0), 0.95, 1.0, 1.3)
}
fn rollout() -> Phase {
    phase(three_point(2.0, 3.0, 4.0), 0.85, 0.95, 1.5)
}
fn reonboarding() -> Phase {
    phase(three_point(2.0, 3.0, 4.0), 0.9, 0.95, 1.2)
}

/// One transition phase.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Length of the phase in months (rounded to whole months).
    #[schemars(with = "DistSpec")]
    pub months: Spanned<DistSpec>,
    /// Multiplier on reps' own opportunity creation ("hunkering down" is below 1).
    #[serde(default = "one_nn")]
    pub effort_multiplier: NonNegative,
    /// Multiplier on win rates.
    #[serde(default = "one_nn")]
    pub win_rate_multiplier: NonNegative,
    /// Multiplier on the monthly attrition hazard (voluntary attrition rises in transitions).
    #[serde(default = "one_nn")]
    pub attrition_multiplier: NonNegative,
}

fn one_nn() -> NonNegative {
    NonNegative(1.0)
}

/// `[leadership.initiative]`: the new VP's changes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Initiative {
    /// Multiplier on win rates once the new VP's changes have landed, drawn per VP; may be below
    /// 1 (a change for the worse). Default { normal = { mean = 1.05, sd = 0.05 } }.
    #[serde(default = "default_lift")]
    #[schemars(with = "DistSpec")]
    pub win_rate_lift: Spanned<DistSpec>,
    /// Months over which the lift phases in after re-onboarding (about two sales cycles; default 6).
    #[serde(default = "six")]
    pub phase_in_months: u32,
}

impl Default for Initiative {
    fn default() -> Self {
        Initiative {
            win_rate_lift: default_lift(),
            phase_in_months: 6,
        }
    }
}

fn default_lift() -> Spanned<DistSpec> {
    Spanned::new(
        0..0,
        DistSpec::Family(super::dist::Family::Normal {
            mean: 1.05,
            sd: 0.05,
        }),
    )
}

/// One `[[events]]` entry: what changes, from which month.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The month the change takes effect, "YYYY-MM" (inside the horizon).
    #[schemars(with = "YearMonth")]
    pub month: Spanned<YearMonth>,
    /// What the event is, for people reading the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Parameters set from this month on, by key path, e.g.
    /// `set = { "pipeline.opportunities_per_rep_month" = 5 }`. See the scenario reference for
    /// the paths that can change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // Each key and value keeps its place in the file, so that an error points at it.
    #[schemars(with = "Option<std::collections::BTreeMap<String, f64>>")]
    pub set: Option<Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<f64>>>>,
    /// Move to the `set` values in a straight line over this many months instead of at once
    /// (default 0: at once).
    #[serde(default)]
    pub ramp_months: u32,
    /// The VP of Sales leaves at the end of this month (needs `[leadership]`).
    #[serde(default = "no_vp_change")]
    #[schemars(with = "bool")]
    pub force_vp_change: Spanned<bool>,
    /// No new rep starts for this many months from the event month; requisitions wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hiring_freeze_months: Option<u32>,
    /// Lay off reps at the end of this month; their seats are cut from the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layoff: Option<Layoff>,
}

fn no_vp_change() -> Spanned<bool> {
    Spanned::new(0..0, false)
}

/// A layoff.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Layoff {
    /// Number of reps laid off (and seats cut).
    pub reps: u32,
    /// Who goes: "lowest_performers" (by bookings over the last 6 months) or "random".
    #[serde(default)]
    pub who: LayoffWho,
}

/// How laid-off reps are chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LayoffWho {
    /// The reps with the lowest bookings over the last 6 months.
    #[default]
    LowestPerformers,
    /// Reps chosen at random.
    Random,
}

/// `[coverage]`: the pipeline-coverage policy (MODEL.md, "Coverage"). A rep's coverage is the
/// value of their open deals over their next quarter's quota (3 months of their ramped quota).
/// A rep below target raises own prospecting in proportion to the shortfall, up to a cap; the
/// extra deals are of lower quality (they win less often): the "gamed coverage" trade-off.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// "global": one target multiple for everyone; "per_rep": each rep's target is 1 / their own
    /// win rate (a 50% closer needs 2X, a 20% closer 5X).
    pub policy: CoveragePolicy,
    /// The global target, pipeline / next quarter's quota (3.0 = "3X"); needed for "global".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_multiple: Option<NonNegative>,
    /// Most a rep below target multiplies own prospecting by (default 1.5).
    #[serde(default = "one_and_a_half")]
    pub max_effort_multiplier: NonNegative,
    /// Win-rate multiplier of the extra deals a rep creates to reach target (default 0.5).
    #[serde(default = "half")]
    pub extra_deal_win_rate_multiplier: Probability,
    /// Selling time lost to the extra prospecting: a rep's regular win rate is multiplied by
    /// 1 - cost x (effort multiplier - 1); default 0 (no cost).
    #[serde(default = "zero_nn")]
    pub win_rate_cost_of_extra_effort: NonNegative,
}

fn zero_nn() -> NonNegative {
    NonNegative(0.0)
}

fn one_and_a_half() -> NonNegative {
    NonNegative(1.5)
}

/// Which coverage target applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoveragePolicy {
    /// One target multiple for every rep.
    Global,
    /// Each rep's target is 1 / their own win rate.
    PerRep,
}

/// `[performance_management]`: "hire slow, fire fast". At each review, reps who have been in
/// seat for the whole window and booked less than the given share of their (ramped) quota over
/// it are exited; their seats are backfilled.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerformanceManagement {
    /// Months between reviews (default 6); reviews fall at the end of every such month.
    #[serde(default = "six")]
    pub every_months: u32,
    /// Months of bookings reviewed (default 6).
    #[serde(default = "six")]
    pub window_months: u32,
    /// Reps below this share of their quota over the window are exited (e.g. 0.5 for 50%).
    pub min_share_of_quota: NonNegative,
}

/// `[managers]`: first-line sales managers. Every `span_of_control` reps need a manager; when
/// more are needed, each opening is filled by promoting the team's top rep (at once; the rep's
/// territory falls vacant and is backfilled) with probability `promote_from_within_share`, or
/// by an outside hire after the time to fill. Reps beyond the managers' span work at
/// `unmanaged_productivity_multiplier`. Managers do not leave in this version.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Managers {
    /// Reps per first-line manager.
    #[schemars(with = "u32")]
    pub span_of_control: Spanned<u32>,
    /// Managers at the start (default: enough for the starting reps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_managers: Option<u32>,
    /// Months to hire a manager from outside (rounded to whole months; default 3).
    #[serde(default = "three_months")]
    #[schemars(with = "DistSpec")]
    pub time_to_fill_months: Spanned<DistSpec>,
    /// Share of openings filled by promoting the top rep (by bookings over the last 6 months).
    #[serde(default = "half")]
    pub promote_from_within_share: Probability,
    /// Opportunity creation of reps without a manager, relative to managed reps (default 0.85).
    #[serde(default = "point_eight_five")]
    pub unmanaged_productivity_multiplier: NonNegative,
}

fn three_months() -> Spanned<DistSpec> {
    Spanned::new(0..0, DistSpec::Value(3.0))
}
fn point_eight_five() -> NonNegative {
    NonNegative(0.85)
}
