//! One snapshot per class of bad input: the message a planner sees must name the file, line and
//! column, the key path, the bad value and the fix. Each case edits the starter scenario.

use revsim::Scenario;

const STARTER: &str = include_str!("../src/scenario/starter.toml");

fn error_for(edit: &str, from: &str, to: &str) -> String {
    let text = STARTER.replacen(from, to, 1);
    assert_ne!(text, STARTER, "{edit}: the edit must change the starter");
    match Scenario::from_toml(&text, "my-org.toml", "my-org") {
        Ok(_) => panic!("{edit}: expected an error"),
        Err(e) => e.to_string(),
    }
}

macro_rules! bad_input {
    ($name:ident, $from:expr, $to:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(error_for(stringify!($name), $from, $to));
        }
    };
}

bad_input!(malformed_toml, "[simulation]", "[simulation");
bad_input!(unknown_key_with_suggestion, "seats = 20 ", "seets = 20 ");
bad_input!(unknown_table, "[customers]", "[customer]");
bad_input!(
    unknown_distribution_family,
    "{ lognormal = { median = 25_000",
    "{ lognormale = { median = 25_000"
);
bad_input!(wrong_type, "horizon_months = 36", "horizon_months = \"36\"");
bad_input!(missing_required_key, "start_month = \"2027-01\" ", "");
bad_input!(
    probability_out_of_range,
    "annual_rate = 0.30",
    "annual_rate = 30"
);
bad_input!(
    negative_money,
    "annual_quota_usd = 500_000",
    "annual_quota_usd = -500_000"
);
bad_input!(outcomes_do_not_sum_to_one, "won = 0.25", "won = 0.35");
bad_input!(
    more_reps_than_seats,
    "filled_seats = 18",
    "filled_seats = 25"
);
bad_input!(
    plan_month_outside_horizon,
    "month = \"2027-07\"",
    "month = \"2031-07\""
);
bad_input!(
    bad_month_format,
    "start_month = \"2027-01\"",
    "start_month = \"Jan 2027\""
);
bad_input!(
    horizon_out_of_range,
    "horizon_months = 36",
    "horizon_months = 0"
);
bad_input!(
    distribution_both_parameterisations,
    "median = 25_000, p90 = 70_000",
    "median = 25_000, p90 = 70_000, mean = 30_000, sd = 5"
);
bad_input!(
    distribution_outside_allowed_range,
    "time_to_fill_months = { triangular = { min = 1,",
    "time_to_fill_months = { triangular = { min = -1,"
);
bad_input!(
    win_rate_spread_impossible,
    "win_rate_sd = 0.07",
    "win_rate_sd = 0.6"
);
bad_input!(
    arr_without_customers,
    "starting_customers = 300",
    "starting_customers = 0"
);
bad_input!(
    too_many_plan_values,
    "[7_000_000, 8_500_000, 10_000_000]",
    "[7_000_000, 8_500_000, 10_000_000, 11_000_000, 12_000_000]"
);
bad_input!(
    discrete_probabilities_do_not_sum,
    "starting_tenure_months = { uniform = { min = 0, max = 36 } }",
    "starting_tenure_months = { discrete = { values = [6, 24], probabilities = [0.5, 0.4] } }"
);
bad_input!(
    ramp_out_of_range,
    "{ linear = { months_to_full = 5 } }",
    "{ linear = { months_to_full = 500 } }"
);

#[test]
fn missing_file() {
    let e = Scenario::load(std::path::Path::new("no-such-dir/missing.toml"))
        .unwrap_err()
        .to_string();
    insta::assert_snapshot!(e);
}
