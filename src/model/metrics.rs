//! The monthly metrics a trial records, with their export names and units.

use serde::Serialize;

/// A monthly metric. Per trial, each is one number per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// New bookings (value of deals won) in the month, USD.
    NewBookingsUsd,
    /// Bookings from the start month to the end of this month, USD.
    CumulativeBookingsUsd,
    /// Annual recurring revenue at month end, USD.
    ArrUsd,
    /// ARR lost to customer churn in the month, USD.
    ChurnedArrUsd,
    /// ARR added by expansion of existing customers in the month, USD.
    ExpansionArrUsd,
    /// New bookings + expansion - churn, USD.
    NetNewArrUsd,
    /// Reps in seat at month end.
    Headcount,
    /// Ramp-weighted reps in the month (a rep at 40% of ramp counts 0.4).
    RampedEquivalentReps,
    /// Open seats without a rep at month end.
    VacantSeats,
    /// Reps who started in the month.
    Hires,
    /// Reps who left at the end of the month.
    Departures,
    /// Qualified opportunities created in the month.
    OpportunitiesCreated,
    /// Deals decided won in the month.
    DealsWon,
    /// Deals decided lost in the month.
    DealsLost,
    /// Deals that ended in no decision in the month.
    DealsNoDecision,
    /// Open deals lost because their rep left, in the month.
    DealsOrphaned,
    /// Open deals at month end.
    OpenDeals,
    /// Value of open deals at month end, USD.
    OpenPipelineUsd,
    /// Sum of the month's (ramped) quota over reps in seat, USD.
    QuotaCapacityUsd,
    /// Demand multiplier of the month: market factor x monthly shock x seasonality (1 = normal).
    DemandIndex,
    /// 1 if the VP of Sales left at the end of the month.
    VpChanges,
    /// 1 if the month lies in a VP transition (search to re-onboarding).
    VpInTransition,
    /// Capacity coverage: the month's ramped quota capacity / the month's plan (needs `[plan]`
    /// and `[quota]`).
    CapacityCoverage,
    /// Pipeline coverage: value of open deals to be decided in the next three months / the
    /// next quarter's quota capacity (three times this month's); needs `[quota]`.
    PipelineCoverage,
    /// Realised win rate: deals won / deals decided in the month.
    RealisedWinRate,
    /// Average prospecting multiplier reps apply to reach the coverage target (1 = no push);
    /// needs `[coverage]`.
    CoverageEffort,
    /// Reps exited by performance management at the end of the month.
    PerformanceExits,
    /// First-line managers in seat at month end (needs `[managers]`).
    Managers,
    /// Reps promoted to manager at the end of the month (their territories fall vacant).
    Promotions,
}

impl Metric {
    /// Every metric, in export order.
    pub const ALL: [Metric; 29] = [
        Metric::NewBookingsUsd,
        Metric::CumulativeBookingsUsd,
        Metric::ArrUsd,
        Metric::ChurnedArrUsd,
        Metric::ExpansionArrUsd,
        Metric::NetNewArrUsd,
        Metric::Headcount,
        Metric::RampedEquivalentReps,
        Metric::VacantSeats,
        Metric::Hires,
        Metric::Departures,
        Metric::OpportunitiesCreated,
        Metric::DealsWon,
        Metric::DealsLost,
        Metric::DealsNoDecision,
        Metric::DealsOrphaned,
        Metric::OpenDeals,
        Metric::OpenPipelineUsd,
        Metric::QuotaCapacityUsd,
        Metric::DemandIndex,
        Metric::VpChanges,
        Metric::VpInTransition,
        Metric::CapacityCoverage,
        Metric::PipelineCoverage,
        Metric::RealisedWinRate,
        Metric::CoverageEffort,
        Metric::PerformanceExits,
        Metric::Managers,
        Metric::Promotions,
    ];

    /// Number of metrics.
    pub const COUNT: usize = Self::ALL.len();

    /// Export name (snake case, unit in the name).
    pub fn name(self) -> &'static str {
        match self {
            Metric::NewBookingsUsd => "new_bookings_usd",
            Metric::CumulativeBookingsUsd => "cumulative_bookings_usd",
            Metric::ArrUsd => "arr_usd",
            Metric::ChurnedArrUsd => "churned_arr_usd",
            Metric::ExpansionArrUsd => "expansion_arr_usd",
            Metric::NetNewArrUsd => "net_new_arr_usd",
            Metric::Headcount => "headcount",
            Metric::RampedEquivalentReps => "ramped_equivalent_reps",
            Metric::VacantSeats => "vacant_seats",
            Metric::Hires => "hires",
            Metric::Departures => "departures",
            Metric::OpportunitiesCreated => "opportunities_created",
            Metric::DealsWon => "deals_won",
            Metric::DealsLost => "deals_lost",
            Metric::DealsNoDecision => "deals_no_decision",
            Metric::DealsOrphaned => "deals_orphaned",
            Metric::OpenDeals => "open_deals",
            Metric::OpenPipelineUsd => "open_pipeline_usd",
            Metric::QuotaCapacityUsd => "quota_capacity_usd",
            Metric::DemandIndex => "demand_index",
            Metric::VpChanges => "vp_changes",
            Metric::VpInTransition => "vp_in_transition",
            Metric::CapacityCoverage => "capacity_coverage",
            Metric::PipelineCoverage => "pipeline_coverage",
            Metric::RealisedWinRate => "realised_win_rate",
            Metric::CoverageEffort => "coverage_effort",
            Metric::PerformanceExits => "performance_exits",
            Metric::Managers => "managers",
            Metric::Promotions => "promotions",
        }
    }

    /// Position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which metrics a scenario's trials record, and where in each trial's record.
///
/// A metric the scenario leaves undefined in every trial and month takes no room: the coverage
/// ratios without `[quota]`, `[plan]` or `[coverage]`, the managers without `[managers]`, the VP
/// flags without a VP model, the deal counts and the open pipeline in bookings detail. Reading
/// one gives NaN, as recording it would have (a trial asserts that it is NaN). The others are
/// recorded in [`Metric::ALL`] order, `slot * horizon + month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    /// The slot of each metric in [`Metric::ALL`] order; [`Layout::NONE`] if not recorded.
    slots: [u8; Metric::COUNT],
    /// Number of metrics recorded.
    recorded: u8,
}

impl Layout {
    const NONE: u8 = u8::MAX;

    /// The metrics `s` can define.
    pub fn of(s: &crate::scenario::Scenario) -> Layout {
        let full = s.detail == crate::scenario::raw::Detail::Full;
        Layout::with(|m| match m {
            Metric::OpportunitiesCreated
            | Metric::DealsLost
            | Metric::DealsNoDecision
            | Metric::DealsOrphaned
            | Metric::OpenDeals
            | Metric::OpenPipelineUsd
            | Metric::RealisedWinRate
            | Metric::PipelineCoverage => full,
            Metric::CapacityCoverage => s.quota.is_some() && s.plan_by_month.is_some(),
            Metric::CoverageEffort => s.coverage.is_some(),
            Metric::Managers | Metric::Promotions => s.managers.is_some(),
            Metric::VpChanges | Metric::VpInTransition => s.leadership.is_some(),
            _ => true,
        })
    }

    fn with(recorded: impl Fn(Metric) -> bool) -> Layout {
        let mut slots = [Layout::NONE; Metric::COUNT];
        let mut n = 0u8;
        for m in Metric::ALL {
            if recorded(m) {
                slots[m.index()] = n;
                n += 1;
            }
        }
        Layout { slots, recorded: n }
    }

    /// The slot of `m` in a record, if it is recorded.
    #[inline]
    pub fn slot(&self, m: Metric) -> Option<usize> {
        let k = self.slots[m.index()];
        (k != Layout::NONE).then_some(k as usize)
    }

    /// Number of metrics recorded.
    pub fn recorded(&self) -> usize {
        self.recorded as usize
    }

    /// Floats in one trial's record of `horizon` months.
    pub fn stride(&self, horizon: usize) -> usize {
        self.recorded() * horizon
    }
}
