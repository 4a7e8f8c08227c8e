//! The numeric parameters of a scenario, each described once: its key path, what it is, its
//! unit and allowed range, the published band outside which it is implausible, the per-month
//! series an event can set, whether it may be uncertain across trials, and its sensitivity
//! group.
//!
//! Everything that names a parameter reads this table: events (which keys `set` takes and
//! their ranges), plausibility warnings (the bands and their sources), the reports (the
//! labels of key assumptions), the scenario reference (a test checks that it documents every
//! path) and the JSON Schema (a test checks that every path is a key of the format).
//! docs/model.md says what each mechanism does with them.

/// What a parameter's number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A probability or share, 0 to 1.
    Share,
    /// A count (seats, reps, managers).
    Count,
    /// Opportunities or starts per month.
    PerMonth,
    /// US dollars.
    Usd,
    /// Months.
    Months,
    /// A multiplier (1 = unchanged).
    Multiplier,
    /// A pipeline-coverage multiple ("3X").
    Multiple,
    /// A share per month (churn, expansion).
    MonthlyRate,
    /// A share per year (attrition).
    AnnualRate,
    /// Not a single number: a curve, a plan, a table or a section (the reports still name it).
    Setting,
}

/// Which group of drivers a parameter belongs to, for sensitivity analysis by group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Seats, reps in seat, ramp.
    Org,
    /// Requisitions, time to fill, recruiting capacity.
    Hiring,
    /// Reps leaving.
    Attrition,
    /// How reps differ.
    Reps,
    /// Opportunities, outcomes, sizes and cycles.
    Pipeline,
    /// The existing customer base.
    Customers,
    /// Demand shared by every rep.
    Market,
    /// The VP of Sales.
    Leadership,
    /// First-line managers.
    Managers,
    /// Performance management, coverage policy, quota and plan.
    Policy,
}

/// The published range a valid value is compared with (plausibility warnings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Lowest plausible value.
    pub lo: f64,
    /// Highest plausible value.
    pub hi: f64,
    /// The published figure.
    pub benchmark: &'static str,
    /// Who published it, and when.
    pub origin: &'static str,
}

/// One numeric parameter.
#[derive(Debug, Clone, Copy)]
pub struct Parameter {
    /// Key path as written in the file, in `--set` and in an event's `set`.
    pub path: &'static str,
    /// Name in reports and charts.
    pub label: &'static str,
    /// What it is, in a phrase (error messages say "`path` is the ...").
    pub meaning: &'static str,
    /// What the number counts.
    pub unit: Unit,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Published band, if one exists.
    pub plausible: Option<Band>,
    /// The per-month series events write, if events can set it.
    pub event: Option<Param>,
    /// Whether a scenario may declare it uncertain across trials (one draw per trial).
    pub uncertain: bool,
    /// Sensitivity group.
    pub group: Group,
    /// Whether the path is a key of the scenario file (else only an event's `set` names it).
    pub in_file: bool,
    /// Whether the key takes a distribution (per rep, per deal, per requisition): its level,
    /// `<path>.median` or `<path>.mean`, is what may be uncertain across trials.
    pub distribution: bool,
}

const INF: f64 = f64::INFINITY;

/// Ramp benchmark (Bridge Group).
pub const RAMP_BAND: Band = Band {
    lo: 1.0,
    hi: INF,
    benchmark: "account-executive ramp median ~5 months (SDR ~3)",
    origin: "Bridge Group",
};

const fn row(path: &'static str, label: &'static str, unit: Unit, group: Group) -> Parameter {
    let (min, max) = match unit {
        Unit::Share => (0.0, 1.0),
        _ => (0.0, INF),
    };
    Parameter {
        path,
        label,
        meaning: label,
        unit,
        min,
        max,
        plausible: None,
        event: None,
        uncertain: false,
        group,
        in_file: true,
        distribution: false,
    }
}

impl Parameter {
    const fn meaning(mut self, meaning: &'static str) -> Self {
        self.meaning = meaning;
        self
    }
    const fn range(mut self, min: f64, max: f64) -> Self {
        self.min = min;
        self.max = max;
        self
    }
    const fn band(mut self, band: Band) -> Self {
        self.plausible = Some(band);
        self
    }
    const fn event(mut self, p: Param) -> Self {
        self.event = Some(p);
        self
    }
    /// Only an event can set it (a multiplier or target with no key of its own in the file).
    const fn event_only(mut self, p: Param) -> Self {
        self.event = Some(p);
        self.in_file = false;
        self
    }
    const fn uncertain(mut self) -> Self {
        self.uncertain = true;
        self
    }
    /// The key takes a distribution; its level may be uncertain (`.median`, `.mean`).
    const fn distribution(mut self) -> Self {
        self.distribution = true;
        self
    }

    /// Whether a belief about this quantity lives on the log-odds scale (a share bounded by
    /// 1), else on the log scale (a positive amount, rate, count or duration).
    pub fn is_share(&self) -> bool {
        self.max == 1.0
    }
}

use Group as G;
use Unit as U;

/// Every numeric parameter of the format, in the order of the file's sections.
pub const PARAMETERS: &[Parameter] = &[
    // [org]
    row("org.seats", "Seats at start", U::Count, G::Org).range(0.0, super::MAX_SEATS as f64),
    row(
        "org.filled_seats",
        "Reps in seat at start",
        U::Count,
        G::Org,
    ),
    row(
        "org.starting_tenure_months",
        "Tenure of starting reps",
        U::Months,
        G::Org,
    )
    .distribution(),
    // [ramp]
    row("ramp.curve", "Ramp", U::Setting, G::Org),
    row(
        "ramp.curve.months_to_full",
        "Months to full productivity",
        U::Months,
        G::Org,
    )
    .range(0.0, 120.0)
    .band(RAMP_BAND)
    .uncertain(),
    // [attrition]
    row(
        "attrition.annual_rate",
        "Annual attrition",
        U::AnnualRate,
        G::Attrition,
    )
    .meaning("share of reps leaving per year")
    .range(0.0, 1.0)
    .band(Band {
        lo: 0.0,
        hi: 0.8,
        benchmark: "rep attrition ~1 in 3 per year (review if > 20% voluntary)",
        origin: "Bridge Group; Alexander Group",
    })
    .event(Param::AnnualAttrition)
    .uncertain(),
    row(
        "attrition.early_washout.months",
        "Months of early washout",
        U::Months,
        G::Attrition,
    ),
    row(
        "attrition.early_washout.share_of_hires",
        "Share of hires washing out",
        U::Share,
        G::Attrition,
    )
    .uncertain(),
    // [hiring]
    row(
        "hiring.headcount_plan",
        "Headcount plan",
        U::Setting,
        G::Hiring,
    ),
    row("hiring.seats", "Target seats", U::Count, G::Hiring)
        .meaning("target seats (replaces the headcount plan from then on)")
        .range(0.0, super::MAX_SEATS as f64)
        .event_only(Param::Seats),
    row(
        "hiring.time_to_fill_months",
        "Months to fill a requisition",
        U::Months,
        G::Hiring,
    )
    .distribution()
    .uncertain(),
    row(
        "hiring.recruiting_capacity_per_month",
        "Recruiting capacity per month",
        U::PerMonth,
        G::Hiring,
    )
    .meaning("most starts per month")
    .event(Param::RecruitingCapacity)
    .uncertain(),
    row(
        "hiring.backfill_delay_months",
        "Months before a backfill opens",
        U::Months,
        G::Hiring,
    ),
    // [reps]
    row("reps.skill", "Skill spread", U::Multiplier, G::Reps).distribution(),
    row(
        "reps.skill_top_20pct_share",
        "Top-20% share of skill",
        U::Share,
        G::Reps,
    )
    .range(0.2, 1.0),
    row(
        "reps.win_rate_sd",
        "Spread of reps' win rates",
        U::Share,
        G::Reps,
    )
    .uncertain(),
    row(
        "reps.bottom_80pct_productivity_multiplier",
        "Enablement of the bottom 80%",
        U::Multiplier,
        G::Reps,
    )
    .meaning(
        "multiplier on own opportunities of reps below the 80th percentile of skill (enablement)",
    )
    .event_only(Param::BottomProductivity),
    // [pipeline]
    row(
        "pipeline.opportunities_per_rep_month",
        "Own opportunities per rep-month",
        U::PerMonth,
        G::Pipeline,
    )
    .meaning("own opportunities per ramped rep-month")
    .event(Param::Opportunities)
    .uncertain(),
    row(
        "pipeline.inbound_opportunities_per_month",
        "Inbound opportunities per month",
        U::PerMonth,
        G::Pipeline,
    )
    .meaning("shared inbound opportunities per month")
    .event(Param::Inbound)
    .uncertain(),
    row(
        "pipeline.win_rate_multiplier",
        "Win-rate multiplier",
        U::Multiplier,
        G::Pipeline,
    )
    .meaning("multiplier on every rep's win rate (1 = as drawn)")
    .event_only(Param::WinRateMultiplier),
    row(
        "pipeline.deal_size_multiplier",
        "Price multiplier",
        U::Multiplier,
        G::Pipeline,
    )
    .meaning("multiplier on deal sizes (a price change)")
    .event_only(Param::DealSizeMultiplier),
    row("pipeline.outcomes.won", "Win rate", U::Share, G::Pipeline)
        .band(Band {
            lo: 0.0,
            hi: 0.7,
            benchmark: "forecast-deal outcomes won 47%, lost 32%, no decision 21%",
            origin: "CSO Insights 2018-19",
        })
        .uncertain(),
    row("pipeline.outcomes.lost", "Loss rate", U::Share, G::Pipeline).uncertain(),
    row(
        "pipeline.outcomes.no_decision",
        "No-decision rate",
        U::Share,
        G::Pipeline,
    )
    .band(Band {
        lo: 0.0,
        hi: 0.6,
        benchmark: "qualified deals lost to indecision 40-60%",
        origin: "Dixon & McKenna, HBR 2022",
    })
    .uncertain(),
    row(
        "pipeline.deal_size_usd",
        "Deal size (USD)",
        U::Usd,
        G::Pipeline,
    )
    .distribution()
    .uncertain(),
    row(
        "pipeline.cycle_months",
        "Sales cycle, won and lost (months)",
        U::Months,
        G::Pipeline,
    )
    .distribution()
    .band(Band {
        lo: 1.0,
        hi: 24.0,
        benchmark: "sales cycle median 60-72 days for SaaS at ~$25-35K ACV",
        origin: "Bridge Group 2017",
    })
    .uncertain(),
    row(
        "pipeline.cycle_months_lost",
        "Sales cycle of lost deals",
        U::Months,
        G::Pipeline,
    )
    .distribution()
    .uncertain(),
    row(
        "pipeline.cycle_months_no_decision",
        "Sales cycle of no-decision deals",
        U::Months,
        G::Pipeline,
    )
    .distribution()
    .uncertain(),
    row(
        "pipeline.leaver_deals.lost_probability",
        "Leaver's deals lost",
        U::Share,
        G::Pipeline,
    ),
    row(
        "pipeline.leaver_deals.reassigned_win_rate_multiplier",
        "Win rate of reassigned deals",
        U::Share,
        G::Pipeline,
    ),
    // [customers]
    row(
        "customers.starting_arr_usd",
        "Starting ARR",
        U::Usd,
        G::Customers,
    )
    .range(0.0, super::values::MAX_MONEY_USD),
    row(
        "customers.starting_customers",
        "Starting customers",
        U::Count,
        G::Customers,
    ),
    row(
        "customers.monthly_logo_churn_rate",
        "Monthly logo churn",
        U::MonthlyRate,
        G::Customers,
    )
    .meaning("monthly logo churn")
    .range(0.0, 1.0)
    .event(Param::LogoChurn)
    .uncertain(),
    row(
        "customers.monthly_expansion_rate",
        "Monthly expansion",
        U::MonthlyRate,
        G::Customers,
    )
    .meaning("monthly expansion of ARR")
    .range(0.0, super::values::MAX_MONTHLY_GROWTH)
    .event(Param::Expansion)
    .uncertain(),
    row(
        "customers.vacant_territory_churn_multiplier",
        "Churn of vacant territories",
        U::Multiplier,
        G::Customers,
    ),
    // [market]
    row(
        "market.demand_factor",
        "Market demand factor",
        U::Multiplier,
        G::Market,
    )
    .distribution(),
    row(
        "market.monthly_shock_sd",
        "Monthly demand shock (sd)",
        U::Multiplier,
        G::Market,
    ),
    row(
        "market.monthly_shock_autocorrelation",
        "Autocorrelation of the shock",
        U::Share,
        G::Market,
    ),
    row(
        "market.monthly_trend",
        "Monthly demand trend",
        U::MonthlyRate,
        G::Market,
    )
    .meaning("drift of demand per month on the log scale")
    .range(
        -super::values::MAX_MONTHLY_TREND,
        super::values::MAX_MONTHLY_TREND,
    )
    .uncertain(),
    row(
        "market.current_shock",
        "Shock where a history left it",
        U::Setting,
        G::Market,
    ),
    row("market.seasonality", "Seasonality", U::Setting, G::Market),
    // [leadership]
    row("leadership", "VP of Sales model", U::Setting, G::Leadership),
    row(
        "leadership.starting_vp_tenure_months",
        "Tenure of the VP at start",
        U::Months,
        G::Leadership,
    ),
    row(
        "leadership.tenure_months",
        "VP tenure",
        U::Months,
        G::Leadership,
    )
    .distribution()
    .band(Band {
        lo: 9.5,
        hi: 52.0,
        benchmark: "VP of Sales tenure 26 -> 19 months",
        origin: "Gong (Chris Orlob), 2018",
    })
    .uncertain(),
    row(
        "leadership.board_review.grace_months",
        "Board patience (months)",
        U::Months,
        G::Leadership,
    ),
    row(
        "leadership.board_review.every_months",
        "Months between board reviews",
        U::Months,
        G::Leadership,
    ),
    row(
        "leadership.board_review.trailing_months",
        "Months a board review looks back",
        U::Months,
        G::Leadership,
    ),
    row(
        "leadership.board_review.min_share_of_plan",
        "Share of plan a VP must reach",
        U::Multiplier,
        G::Leadership,
    ),
    row(
        "leadership.board_review.replacement_probability",
        "Chance a failed review replaces the VP",
        U::Share,
        G::Leadership,
    ),
    row(
        "leadership.transition.search.months",
        "Months of the search phase",
        U::Months,
        G::Leadership,
    )
    .distribution(),
    row(
        "leadership.transition.search.effort_multiplier",
        "Effort multiplier in the search phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.search.win_rate_multiplier",
        "Win rate multiplier in the search phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.search.attrition_multiplier",
        "Attrition multiplier in the search phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.diagnosis.months",
        "Months of the diagnosis phase",
        U::Months,
        G::Leadership,
    )
    .distribution(),
    row(
        "leadership.transition.diagnosis.effort_multiplier",
        "Effort multiplier in the diagnosis phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.diagnosis.win_rate_multiplier",
        "Win rate multiplier in the diagnosis phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.diagnosis.attrition_multiplier",
        "Attrition multiplier in the diagnosis phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.rollout.months",
        "Months of the rollout phase",
        U::Months,
        G::Leadership,
    )
    .distribution(),
    row(
        "leadership.transition.rollout.effort_multiplier",
        "Effort multiplier in the rollout phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.rollout.win_rate_multiplier",
        "Win rate multiplier in the rollout phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.rollout.attrition_multiplier",
        "Attrition multiplier in the rollout phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.reonboarding.months",
        "Months of the reonboarding phase",
        U::Months,
        G::Leadership,
    )
    .distribution(),
    row(
        "leadership.transition.reonboarding.effort_multiplier",
        "Effort multiplier in the reonboarding phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.reonboarding.win_rate_multiplier",
        "Win rate multiplier in the reonboarding phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.reonboarding.attrition_multiplier",
        "Attrition multiplier in the reonboarding phase",
        U::Multiplier,
        G::Leadership,
    )
    .uncertain(),
    row(
        "leadership.transition.purge_share_of_reps",
        "Share of reps a new VP replaces",
        U::Share,
        G::Leadership,
    ),
    row(
        "leadership.initiative.win_rate_lift",
        "A new VP's win-rate lift",
        U::Multiplier,
        G::Leadership,
    )
    .distribution()
    .uncertain(),
    row(
        "leadership.initiative.phase_in_months",
        "Months a new VP's lift takes",
        U::Months,
        G::Leadership,
    ),
    // [managers]
    row(
        "managers.span_of_control",
        "Reps per manager",
        U::Count,
        G::Managers,
    ),
    row(
        "managers.starting_managers",
        "Managers at start",
        U::Count,
        G::Managers,
    ),
    row(
        "managers.time_to_fill_months",
        "Months to hire a manager",
        U::Months,
        G::Managers,
    )
    .distribution(),
    row(
        "managers.promote_from_within_share",
        "Openings filled by promotion",
        U::Share,
        G::Managers,
    ),
    row(
        "managers.unmanaged_productivity_multiplier",
        "Productivity without a manager",
        U::Multiplier,
        G::Managers,
    ),
    // [performance_management]
    row(
        "performance_management.every_months",
        "Months between performance reviews",
        U::Months,
        G::Policy,
    ),
    row(
        "performance_management.window_months",
        "Months a performance review looks back",
        U::Months,
        G::Policy,
    ),
    row(
        "performance_management.min_share_of_quota",
        "Share of quota to stay",
        U::Multiplier,
        G::Policy,
    ),
    // [coverage]
    row(
        "coverage.target_multiple",
        "Coverage target",
        U::Multiple,
        G::Policy,
    )
    .meaning("global pipeline-coverage target (pipeline / next quarter's quota)")
    .band(Band {
        lo: 2.0,
        hi: 7.5,
        benchmark: "pipeline coverage norms SMB 2.5-3x, mid-market 3-4x, enterprise 4-5x",
        origin: "vendor survey",
    })
    .event(Param::CoverageTarget),
    row(
        "coverage.max_effort_multiplier",
        "Most extra prospecting",
        U::Multiplier,
        G::Policy,
    )
    .uncertain(),
    row(
        "coverage.extra_deal_win_rate_multiplier",
        "Win rate of stuffed deals",
        U::Share,
        G::Policy,
    )
    .uncertain(),
    row(
        "coverage.win_rate_cost_of_extra_effort",
        "Win rate lost to extra prospecting",
        U::Multiplier,
        G::Policy,
    )
    .uncertain(),
    // [quota] and [plan]
    row(
        "quota.annual_quota_usd",
        "Annual quota per ramped rep",
        U::Usd,
        G::Policy,
    )
    .meaning("annual quota of a ramped rep")
    .range(0.0, super::values::MAX_MONEY_USD)
    .event(Param::AnnualQuota),
    row(
        "plan.fiscal_year_bookings_usd",
        "Bookings plan per fiscal year",
        U::Setting,
        G::Policy,
    ),
];

/// A per-month series that events can set ([`super::events`]); the row whose `event` names it
/// describes it (its key path, range and meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Param {
    /// Every series, in the order of [`super::events::Timeline`]'s storage.
    pub const ALL: [Param; 12] = [
        Param::Opportunities,
        Param::Inbound,
        Param::WinRateMultiplier,
        Param::DealSizeMultiplier,
        Param::AnnualAttrition,
        Param::Seats,
        Param::RecruitingCapacity,
        Param::LogoChurn,
        Param::Expansion,
        Param::AnnualQuota,
        Param::CoverageTarget,
        Param::BottomProductivity,
    ];

    /// Where the series is stored: its place in [`Param::ALL`] (a test checks they agree).
    #[inline]
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The parameter's row: key path, range, meaning.
    pub fn info(self) -> &'static Parameter {
        of_event(self)
    }
}

/// The parameter at `path`, if the format has one.
pub fn get(path: &str) -> Option<&'static Parameter> {
    PARAMETERS.iter().find(|p| p.path == path)
}

/// The name of a parameter for reports: its label, with the statistic of a distribution's level
/// (`pipeline.deal_size_usd.median` is "Deal size (USD), median"); the path itself if unknown.
pub fn label_of(path: &str) -> String {
    if let Some(row) = get(path) {
        return row.label.to_string();
    }
    if let Some((key, stat)) = path.rsplit_once('.')
        && let Some(row) = get(key)
    {
        return format!("{}, {stat}", row.label);
    }
    match path {
        "pipeline.outcomes.won" | "pipeline.outcomes.lost" | "pipeline.outcomes.no_decision" => {
            known(path).label.to_string()
        }
        "market.monthly_shock" => "Monthly demand shock (mean over the horizon)".into(),
        _ => path.to_string(),
    }
}

/// The row of a parameter that is sure to exist (a path written in the code).
pub fn known(path: &str) -> &'static Parameter {
    get(path).unwrap_or_else(|| panic!("{path} is in the parameter table"))
}

/// The parameter an event's series belongs to.
pub fn of_event(p: Param) -> &'static Parameter {
    PARAMETERS
        .iter()
        .find(|row| row.event == Some(p))
        .expect("every event series has a row")
}

/// The paths an event can set, in the order of [`Param::ALL`].
pub fn event_paths() -> impl Iterator<Item = &'static str> {
    Param::ALL.into_iter().map(|p| of_event(p).path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_series_has_exactly_one_row() {
        for p in Param::ALL {
            let rows = PARAMETERS.iter().filter(|r| r.event == Some(p)).count();
            assert_eq!(rows, 1, "{p:?}");
        }
        assert_eq!(event_paths().count(), Param::ALL.len());
    }

    #[test]
    fn paths_are_unique_and_ranges_ordered() {
        for (i, a) in PARAMETERS.iter().enumerate() {
            assert!(a.min <= a.max, "{}", a.path);
            for b in &PARAMETERS[i + 1..] {
                assert_ne!(a.path, b.path);
            }
            if let Some(band) = a.plausible {
                assert!(band.lo <= band.hi, "{}", a.path);
            }
        }
    }
}
