//! `[pipeline]`, `[customers]`, `[market]` and `[coverage]`.

use super::Validator;
use crate::calendar::YearMonth;
use crate::diagnostic::InputError;
use crate::scenario::dist::{Dist, Domain};
use crate::scenario::raw::{self, RawScenario};
use crate::scenario::{
    CoverageParams, CustomerParams, MAX_DEAL_TAIL, MAX_DEAL_USD, MarketParams, PipelineParams, lags,
};
use crate::words::fmt_num;

/// The largest loading of the market on a driver, either sign.
const MAX_LOADING: f64 = 5.0;

/// The largest mean or sd of `market.current_shock` (log scale).
const MAX_CURRENT_SHOCK: f64 = 2.0;

impl Validator<'_> {
    pub(super) fn pipeline(&self, raw: &RawScenario) -> Result<PipelineParams, InputError> {
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
        let timing = raw.simulation.decision_timing;
        let lags =
            [0, 1, 2].map(|o| lags::Lags::new(&cycle_months[o], timing, horizon, warm_up_months));
        Ok(PipelineParams {
            warm_up_months,
            timing,
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
            cycle_source: [
                0,
                if p.cycle_months_lost.is_some() { 1 } else { 0 },
                if p.cycle_months_no_decision.is_some() {
                    2
                } else {
                    0
                },
            ],
            lag_grid: None,
            lag_choice: Vec::new(),
            leaver_lost_probability: p.leaver_deals.lost_probability.0,
            leaver_win_rate_multiplier: p.leaver_deals.reassigned_win_rate_multiplier.0,
        })
    }

    pub(super) fn customers(&self, raw: &RawScenario) -> Result<CustomerParams, InputError> {
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

    pub(super) fn market(&self, raw: &RawScenario) -> Result<MarketParams, InputError> {
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
        let loadings = m.loadings.unwrap_or_default();
        for (name, v) in [
            ("opportunities", loadings.opportunities),
            ("win_rate", loadings.win_rate),
            ("deal_size", loadings.deal_size),
            ("cycle", loadings.cycle),
            ("attrition", loadings.attrition),
        ] {
            if !(v.is_finite() && v.abs() <= MAX_LOADING) {
                return Err(InputError::file(
                    self.file,
                    format!("market.loadings.{name} = {} is outside -{MAX_LOADING} to {MAX_LOADING}", fmt_num(v)),
                )
                .key(format!("market.loadings.{name}"))
                .help("a loading is the exponent of the market level on the driver: 1 moves it one for one, 0 not at all; 0.5 halves the market's swing"));
            }
        }
        let shock_sd = m.monthly_shock_sd.map_or(0.0, |v| v.0);
        let start_shock = match &m.current_shock {
            None => (0.0, shock_sd),
            Some(c) => self.start_shock(c, shock_sd, rho, raw.simulation.start_month)?,
        };
        Ok(MarketParams {
            demand_factor,
            shock_sd,
            shock_autocorrelation: rho,
            start_shock,
            trend: m.monthly_trend.map_or(0.0, |v| v.0),
            seasonality,
            loadings,
        })
    }

    /// The start month's shock from `market.current_shock`: its mean moved toward 0 by rho for
    /// each month from the shock's month to `start`, its variance toward the long-run one; the
    /// long-run distribution itself for a start before that month.
    fn start_shock(
        &self,
        c: &toml::Spanned<raw::CurrentShock>,
        sd: f64,
        rho: f64,
        start: YearMonth,
    ) -> Result<(f64, f64), InputError> {
        let v = c.get_ref();
        if sd == 0.0 {
            return Err(self
                .err(c.span(), "it is the state of the monthly shock, and there is none (monthly_shock_sd is 0)")
                .help("set market.monthly_shock_sd, or remove current_shock"));
        }
        if !(v.mean.is_finite() && v.mean.abs() <= MAX_CURRENT_SHOCK) {
            return Err(self
                .err(c.span(), format!("its mean {} is outside -{MAX_CURRENT_SHOCK} to {MAX_CURRENT_SHOCK} (a shock on the log scale: 1 is demand 2.7 times its level)", fmt_num(v.mean)))
                .help("write the shock on the log scale, e.g. -0.1 for demand about 10% below its level"));
        }
        if v.sd.0 > MAX_CURRENT_SHOCK {
            return Err(self
                .err(
                    c.span(),
                    format!("its sd {} is above {MAX_CURRENT_SHOCK}", fmt_num(v.sd.0)),
                )
                .help("write the shock's standard deviation on the log scale, e.g. 0.05"));
        }
        let gap = start.months_since(v.month);
        if gap < 0 {
            // A start before the month the state is known for: the history cannot inform it,
            // and the shock starts from its long-run distribution (docs/scenario-reference.md).
            return Ok((0.0, sd));
        }
        let decay = rho.powi(gap);
        let var = decay * decay * v.sd.0 * v.sd.0 + sd * sd * (1.0 - decay * decay);
        Ok((decay * v.mean, var.sqrt()))
    }

    pub(super) fn coverage(
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
}
