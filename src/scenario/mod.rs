//! The validated scenario: a value that cannot be invalid.
//!
//! Loading goes file text -> [`raw::RawScenario`] (serde; single-value checks reported by `toml`
//! at the value's line and column) -> [`Scenario`] (cross-key checks, distributions built into
//! samplers, curves tabulated by tenure month). Nothing downstream re-checks: the engine trusts a
//! `Scenario`.

pub mod belief;
pub mod dist;
pub mod events;
pub mod flat;
pub mod lags;
pub mod open_deals;
pub mod params;
pub mod plausibility;
pub mod raw;
pub mod resolve;
pub mod schema;
pub mod template;
pub mod uncertainty;
mod validate;
pub mod values;

use std::path::Path;
use std::sync::Arc;

use crate::calendar::{FiscalYear, YearMonth};
pub use crate::diagnostic::InputError;
use dist::Dist;
use raw::RawScenario;

/// Most seats a scenario may have (a guard against typos such as `seats = 5000000`).
pub const MAX_SEATS: u32 = 100_000;
/// Longest horizon, in months (50 years).
pub const MAX_HORIZON_MONTHS: u32 = 600;
/// Largest deal the engine represents, USD (it holds whole dollars and caps each deal here); a
/// deal-size distribution, times any price change, that would reach it is refused rather than
/// silently capped.
pub const MAX_DEAL_USD: f64 = 1e15;
/// A deal-size distribution whose chance of exceeding [`MAX_DEAL_USD`] is above this is refused.
pub(crate) const MAX_DEAL_TAIL: f64 = 1e-9;
/// Most opportunities a scenario may create in one trial, by a generous estimate (every seat
/// filled, the largest multipliers at once): a run's time grows with them, and a typo such as
/// `opportunities_per_rep_month = 4e9` would otherwise never finish.
pub const MAX_OPPORTUNITIES_PER_TRIAL: f64 = 1e9;
/// Most trials one run (or one variant of a batch) may have. A run keeps a few hundred bytes
/// of headline figures a trial (its monthly figures become sketches past a fixed size), so
/// this bounds its memory; ten million trials put the sampling error of a quantile far below
/// the uncertainty of any input.
pub const MAX_TRIALS: u64 = 10_000_000;
/// The help line of an error about a trial count above [`MAX_TRIALS`].
pub const MAX_TRIALS_HELP: &str = "use at most 10000000 trials: a run keeps a few hundred bytes a trial, and 10 million already put the sampling error far below the inputs' uncertainty (docs/guarantees.md, \"Limits\")";

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

/// The ramp of `curve` (linear, S-curve or step) reaching full productivity in `months`,
/// tabulated by tenure month (0 = the first month in seat); 1 beyond the table.
pub fn ramp_table(curve: &raw::RampCurve, m: f64) -> Vec<f64> {
    let months = (1..).map(|x| x as f64).take_while(|x| *x < m);
    match curve {
        raw::RampCurve::Linear { .. } => months.map(|x| x / m).collect(),
        raw::RampCurve::SCurve { .. } => {
            let k = 8.0 / m.max(1e-9);
            let sig = |x: f64| 1.0 / (1.0 + (-k * (x - m / 2.0)).exp());
            let (lo, hi) = (sig(0.0), sig(m));
            months
                .map(|x| ((sig(x) - lo) / (hi - lo)).clamp(0.0, 1.0))
                .collect()
        }
        raw::RampCurve::Step { .. } => months.map(|_| 0.0).collect(),
        raw::RampCurve::None {} | raw::RampCurve::Table(_) => Vec::new(),
    }
}

/// The extra monthly washout hazard of tenure months 1 to `months` through which a share
/// `share` of hires leaves: e = 1 - (1 - share)^(1/months).
pub fn washout_table(months: u32, share: f64) -> Vec<f64> {
    if months == 0 || share <= 0.0 {
        return Vec::new();
    }
    let extra = 1.0 - (1.0 - share).powf(1.0 / months as f64);
    vec![extra; months.min(MAX_HORIZON_MONTHS) as usize]
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
    /// When deals are decided (`simulation.decision_timing`).
    pub timing: raw::DecisionTiming,
    /// Decision lags (whole months from creation to decision) by outcome, tabulated from
    /// `cycle_months` for this horizon and warm-up.
    pub lags: [lags::Lags; 3],
    /// Which cycle key each outcome's cycle comes from (0 `cycle_months`, 1 `_lost`, 2
    /// `_no_decision`): lost and no-decision deals take `cycle_months` unless given their own.
    pub cycle_source: [usize; 3],
    /// Lags at a grid of cycle factors, when cycles vary across trials or months.
    pub lag_grid: Option<Arc<lags::LagGrid>>,
    /// For one trial: the grid table of each outcome in each month, from the first warm-up
    /// month (empty: the unscaled `lags`).
    pub lag_choice: Vec<[u16; 3]>,
}

impl PipelineParams {
    /// The decision lags of outcome `o` for deals created in month index `i` (counted from the
    /// first warm-up month).
    #[inline]
    pub fn lags_at(&self, o: usize, i: usize) -> &lags::Lags {
        match (&self.lag_grid, self.lag_choice.get(i)) {
            (Some(g), Some(choice)) => &g.table(choice[o])[o],
            _ => &self.lags[o],
        }
    }
}

impl Staffing {
    /// The seats of each month as the timeline's events leave them (a `hiring.seats` event or a
    /// layoff changes the plan), and the most seats at any time.
    fn follow_timeline(&mut self, timeline: &events::Timeline) {
        self.seats_by_month = timeline
            .series(events::Param::Seats)
            .iter()
            .map(|v| v.round() as u32)
            .collect();
        self.max_seats = self
            .seats_by_month
            .iter()
            .copied()
            .chain([self.starting_seats])
            .max()
            .unwrap_or(0);
    }
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
    /// Mean and standard deviation of the log shock in the start month: (0, `shock_sd`), its
    /// long-run distribution, unless `market.current_shock` says where a history left it.
    pub start_shock: (f64, f64),
    /// Drift of the market level per month on the log scale (0: none); a trial's view holds
    /// its own draw when the trend is uncertain.
    pub trend: f64,
    /// Demand multiplier by calendar month (index 0 = January).
    pub seasonality: [f64; 12],
    /// How the market level moves each driver (exponents).
    pub loadings: raw::Loadings,
}

impl MarketParams {
    /// Whether the market level differs between trials or months (a demand factor that is
    /// drawn or other than 1, a monthly shock or a trend): what its loadings then move.
    pub fn moves(&self) -> bool {
        self.shock_sd > 0.0 || self.trend != 0.0 || self.demand_factor.sampler.fixed() != Some(1.0)
    }

    /// Whether any market mechanism is on (if not, demand is 1 and no random number is drawn).
    pub fn active(&self) -> bool {
        self.moves() || self.seasonality != [1.0; 12]
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
    /// How the across-trial draws are sampled (`simulation.sampling`, random when unset).
    pub sampling: raw::Sampling,
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
    /// What varies across trials: the uncertain parameters and their correlations.
    pub uncertainty: uncertainty::Uncertainty,
    /// Layers held at their centres (the layer attribution reruns the scenario so).
    pub hold: Hold,
    /// Across-trial draws taken from another seed's streams (the variance-based sensitivity
    /// reruns the scenario so); empty: every draw from the run's own seed.
    pub pick: Pick,
}

/// Across-trial draws a run takes from another seed's streams, the rest from its own: the
/// "pick-freeze" runs of a variance-based sensitivity study. Trial `t` of such a run has the
/// per-rep and per-deal luck and the unpicked parameters of trial `t` with the run's seed, and
/// the picked parameters (and, if asked, the monthly shock path) of trial `t` with `seed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pick {
    /// The seed whose streams give the picked draws.
    pub seed: u64,
    /// For each uncertain parameter (in the order of `uncertainty.params`): picked. Missing
    /// entries are not picked.
    pub params: Vec<bool>,
    /// The monthly market shock path is picked.
    pub shocks: bool,
}

impl Pick {
    /// The seed of uncertain parameter `i`'s draw in a run with `seed`.
    #[inline]
    pub fn param_seed(&self, i: usize, seed: u64) -> u64 {
        if self.params.get(i).copied().unwrap_or(false) {
            self.seed
        } else {
            seed
        }
    }

    /// The seed of the monthly shock path in a run with `seed`.
    #[inline]
    pub fn shock_seed(&self, seed: u64) -> u64 {
        if self.shocks { self.seed } else { seed }
    }
}

/// Layers of uncertainty held at their centres: the spread each layer makes is measured by
/// rerunning without it, on the same random numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hold {
    /// The first layer: every uncertain parameter at the value in the file.
    pub parameters: bool,
    /// The second layer: the demand factor at its median, no monthly shock.
    pub shocks: bool,
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

    /// As [`Scenario::load_layers`], but the layers after the first `fixing` move the centre
    /// of an uncertain value rather than fix it (a sweep's variants, a goal seek's values).
    pub fn load_layers_centred(
        path: &Path,
        layers: &[Vec<String>],
        fixing: usize,
    ) -> Result<Scenario, InputError> {
        resolve::load_layers_centred(path, layers, fixing)
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
        validate::Validator {
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

    /// Whether trials see the scenario through an overlay of their own draws: an uncertain
    /// parameter, or a market that moves more than opportunity creation one for one.
    pub fn varies(&self) -> bool {
        let m = &self.market;
        let l = m.loadings;
        !self.uncertainty.is_empty()
            || (m.moves()
                && (l.opportunities != 1.0
                    || l.win_rate != 0.0
                    || l.deal_size != 0.0
                    || l.cycle != 0.0
                    || l.attrition != 0.0))
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
