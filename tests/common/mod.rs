//! Helpers shared by the integration tests.
#![allow(dead_code)]

use revsim::Scenario;
use revsim::engine::Results;
use revsim::model::Metric;

/// Loads scenario text, panicking with the rendered error if it does not load.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// Mean of `metric` over the given months and every trial.
pub fn mean_over(r: &Results, metric: Metric, months: std::ops::Range<usize>) -> f64 {
    let n = (r.trials * months.len()) as f64;
    (0..r.trials)
        .flat_map(|t| {
            months
                .clone()
                .map(move |m| r.monthly_value(t, metric, m) as f64)
        })
        .sum::<f64>()
        / n
}

/// A small org whose figures can be worked out by hand: 20 reps, no ramp or attrition,
/// 2 opportunities a month each, win rate 0.3, deals of exactly $10,000 decided in their
/// creation month, so E[bookings per month] = $120,000.
pub fn small_org(horizon_months: u32) -> String {
    format!(
        r#"
[simulation]
start_month = "2027-01"
horizon_months = {horizon_months}
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = 10000
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
"#
    )
}
