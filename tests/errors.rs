//! One snapshot per class of bad input: the message a planner sees must name the file, line and
//! column, the key path, the bad value and the fix. Each case edits `tests/fixtures/my-org.toml`,
//! the starter scenario as `revsim init` wrote it before it held every optional table (kept
//! as it was so that the snapshots' line numbers, quoted in the docs, stay put).

use revsim::Scenario;

use crate::common::edit;

const STARTER: &str = include_str!("fixtures/my-org.toml");

fn error_for(name: &str, from: &str, to: &str) -> String {
    let text = edit(STARTER, from, to);
    match Scenario::from_toml(&text, "my-org.toml", "my-org") {
        Ok(_) => panic!("{name}: expected an error"),
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

// ---------------------------------------------------------------------------------------------
// The rest of the catalogue (docs/errors.md): every class of bad input with its message.

/// The starter scenario with `extra` appended: for sections the starter does not have.
fn error_with(name: &str, extra: &str) -> String {
    let text = format!("{STARTER}\n{extra}\n");
    match Scenario::from_toml(&text, "my-org.toml", "my-org") {
        Ok(_) => panic!("{name}: expected an error"),
        Err(e) => e.to_string(),
    }
}

macro_rules! bad_addition {
    ($name:ident, $extra:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(error_with(stringify!($name), $extra));
        }
    };
}

bad_input!(duplicate_key, "seats = 20 ", "seats = 20\nseats = 21 ");
bad_input!(duplicate_table, "[quota]", "[org]\nseats = 3\n[quota]");
bad_input!(
    invalid_month,
    "start_month = \"2027-01\"",
    "start_month = \"2027-13\""
);
bad_input!(
    fiscal_year_start_out_of_range,
    "fiscal_year_start_month = 1 ",
    "fiscal_year_start_month = 13 "
);
bad_input!(negative_count, "seats = 20 ", "seats = -2 ");
bad_input!(
    count_too_large_for_its_type,
    "seats = 20 ",
    "seats = 4294967296 "
);
bad_input!(too_many_seats, "seats = 20 ", "seats = 100001 ");
bad_input!(not_a_number, "annual_rate = 0.30", "annual_rate = nan");
bad_input!(
    infinite_value,
    "opportunities_per_rep_month = 4.0",
    "opportunities_per_rep_month = inf"
);
bad_input!(
    headcount_plan_out_of_order,
    "[{ month = \"2027-07\", seats = 24 }]",
    "[{ month = \"2027-07\", seats = 24 }, { month = \"2027-03\", seats = 30 }]"
);
bad_input!(
    empty_discrete_table,
    "starting_tenure_months = { uniform = { min = 0, max = 36 } }",
    "starting_tenure_months = { discrete = { values = [], probabilities = [] } }"
);
bad_input!(
    both_skill_keys,
    "win_rate_sd = 0.07",
    "win_rate_sd = 0.07\nskill_top_20pct_share = 0.5"
);
bad_input!(
    ramp_table_value_out_of_range,
    "{ linear = { months_to_full = 5 } }",
    "{ table = [0.2, 0.6, 1.4] }"
);
bad_input!(
    control_character_in_name,
    "name = \"my-org\"",
    "name = \"my\\u0007org\""
);
bad_addition!(
    event_outside_horizon,
    "[[events]]\nmonth = \"2031-01\"\nset = { \"attrition.annual_rate\" = 0.4 }"
);
bad_addition!(
    event_unknown_parameter,
    "[[events]]\nmonth = \"2028-01\"\nset = { \"attrition.anual_rate\" = 0.4 }"
);
bad_addition!(
    event_value_out_of_range,
    "[[events]]\nmonth = \"2028-01\"\nset = { \"attrition.annual_rate\" = 1.5 }"
);
bad_addition!(
    event_needs_a_mechanism,
    "[[events]]\nmonth = \"2028-01\"\nforce_vp_change = true"
);
bad_input!(
    seasonality_wrong_length,
    "monthly_shock_sd = 0.08 ",
    "seasonality = []\nmonthly_shock_sd = 0.08 "
);
bad_input!(
    seasonality_does_not_average_one,
    "monthly_shock_sd = 0.08 ",
    "seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]\nmonthly_shock_sd = 0.08 "
);
bad_input!(
    current_shock_without_a_shock,
    "monthly_shock_sd = 0.08 ",
    "monthly_shock_sd = 0\ncurrent_shock = { month = \"2026-12\", mean = -0.1, sd = 0.05 } "
);
bad_input!(
    autocorrelation_of_one,
    "monthly_shock_autocorrelation = 0.5 ",
    "monthly_shock_autocorrelation = 1.0 "
);
bad_addition!(
    global_coverage_without_target,
    "[coverage]\npolicy = \"global\""
);
bad_addition!(
    board_review_every_zero_months,
    "[leadership.board_review]\nevery_months = 0"
);
bad_addition!(zero_span_of_control, "[managers]\nspan_of_control = 0");
bad_addition!(unknown_enum_value, "[coverage]\npolicy = \"globl\"");

#[test]
fn impossible_combination_coverage_in_bookings_detail() {
    let text = format!(
        "{}\n[coverage]\npolicy = \"per_rep\"\n",
        edit(STARTER, "seed = 1 ", "detail = \"bookings\"\nseed = 1 ")
    );
    insta::assert_snapshot!(
        Scenario::from_toml(&text, "my-org.toml", "my-org")
            .unwrap_err()
            .to_string()
    );
}

#[test]
fn impossible_combination_board_review_without_plan() {
    let without_plan = &STARTER[..STARTER.find("[plan]").unwrap()];
    let text = format!("{without_plan}\n[leadership.board_review]\n");
    insta::assert_snapshot!(
        Scenario::from_toml(&text, "my-org.toml", "my-org")
            .unwrap_err()
            .to_string()
    );
}

// Files: what a path on the command line can be instead of a scenario.

/// `e` with the temporary directory replaced by `<tmp>`, so the snapshot does not depend on it.
fn shown(e: impl std::fmt::Display, dir: &std::path::Path) -> String {
    e.to_string().replace(&dir.display().to_string(), "<tmp>")
}

#[test]
fn a_directory_given_as_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    insta::assert_snapshot!(shown(Scenario::load(dir.path()).unwrap_err(), dir.path()));
}

#[test]
fn a_file_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"name = \"caf\xe9\"\n").unwrap();
    insta::assert_snapshot!(shown(Scenario::load(&path).unwrap_err(), dir.path()));
}

#[test]
fn an_unreadable_file() {
    // A FIFO with no writer would block; a path through a regular file cannot be read on any
    // platform and for any user (root reads files whatever their permissions).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plain"), "x").unwrap();
    let path = dir.path().join("plain").join("my-org.toml");
    insta::assert_snapshot!(shown(Scenario::load(&path).unwrap_err(), dir.path()));
}

#[test]
fn an_extends_loop() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "extends = \"./a.toml\"\n").unwrap();
    let e = Scenario::load(&dir.path().join("a.toml")).unwrap_err();
    insta::assert_snapshot!(shown(e, dir.path()));
}

#[test]
fn an_extends_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = \"a.toml\"\n").unwrap();
    let e = Scenario::load(&dir.path().join("a.toml")).unwrap_err();
    insta::assert_snapshot!(shown(e, dir.path()));
}

#[test]
fn an_extends_to_a_missing_parent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = \"gone.toml\"\n").unwrap();
    let e = Scenario::load(&dir.path().join("a.toml")).unwrap_err();
    insta::assert_snapshot!(shown(e, dir.path()));
}

#[test]
fn an_extends_that_is_not_a_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = 3\n").unwrap();
    let e = Scenario::load(&dir.path().join("a.toml")).unwrap_err();
    insta::assert_snapshot!(shown(e, dir.path()));
}

#[test]
fn set_without_equals_sign_bad_key_and_collision() {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let load = |sets: &[&str]| {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        Scenario::load_with(&base, &sets).unwrap_err().to_string()
    };
    insta::assert_snapshot!("set_without_equals_sign", load(&["org.seats"]));
    insta::assert_snapshot!("set_bad_key", load(&["org..seats=3"]));
    insta::assert_snapshot!("set_collision", load(&["org.seats=3", "org.seats=4"]));
    insta::assert_snapshot!("set_wrong_type", load(&["org.seats=lots"]));
}

/// docs/errors.md names every error snapshot, and every snapshot it names exists.
#[test]
fn the_catalogue_lists_every_snapshot() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let mut on_disk = Vec::new();
    for e in std::fs::read_dir(root.join("tests/snapshots")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        // One test binary (tests/tests.rs): insta names a snapshot `tests__<module>__<name>`;
        // the catalogue names it `<module>__<name>`.
        if let Some(stem) = name
            .strip_suffix(".snap")
            .and_then(|s| s.strip_prefix("tests__"))
            && !stem.starts_with("charts__")
        {
            on_disk.push(stem.to_string());
        }
    }
    // At least the snapshots there are as this is written: a moved folder or a renamed prefix
    // cannot make the loops below pass by running over nothing.
    assert!(on_disk.len() >= 96, "{} snapshots found", on_disk.len());
    for stem in &on_disk {
        assert!(
            doc.contains(&format!("`{stem}`")),
            "docs/errors.md lacks {stem}"
        );
    }
    let mut named = 0;
    for (i, _) in doc.match_indices("`errors__") {
        let name: String = doc[i + 1..].chars().take_while(|c| *c != '`').collect();
        assert!(
            on_disk.contains(&name),
            "docs/errors.md names {name}, which has no snapshot"
        );
        named += 1;
    }
    assert!(
        named >= 59,
        "docs/errors.md names {named} errors__ snapshots"
    );
}
