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
