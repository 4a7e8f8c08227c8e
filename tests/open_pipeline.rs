//! `[open_pipeline]`: the deals open at the start, read from a CRM export and simulated
//! forward (issue: start from the real pipeline). Deterministic checks where the rules leave
//! one answer, and statistical ones with a binomial or normal bound otherwise, at the suite's
//! false-alarm rate of 1e-6 a check (tests/common/mod.rs).

use std::path::Path;

use revsim::Scenario;
use revsim::engine::{Results, simulate};
use revsim::model::Metric;

use crate::common::{Z, Z_ONE_SIDED, edit};

/// A 3-rep org that opens no new deals, so that every booking comes from the export.
fn org(detail: &str, extra: &str) -> String {
    format!(
        r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
detail = "{detail}"
[org]
seats = 3
[attrition]
annual_rate = 0
[pipeline]
opportunities_per_rep_month = 0
inbound_opportunities_per_month = 0
deal_size_usd = 10000
cycle_months = 2
cycle_months_lost = 2
cycle_months_no_decision = 10
[pipeline.outcomes]
won = 0.25
lost = 0.45
no_decision = 0.30
{extra}
"#
    )
}

const HEADER: &str = "id,owner,created_date,close_date,amount_usd,outcome,stage\n";

/// Writes `csv` and the scenario naming it into `dir`, and loads the scenario.
fn load(dir: &Path, scenario: &str, csv: &str) -> Result<Scenario, String> {
    std::fs::write(dir.join("open.csv"), format!("{HEADER}{csv}")).unwrap();
    let file = dir.join("scenario.toml");
    std::fs::write(&file, scenario).unwrap();
    Scenario::load(&file).map_err(|e| e.to_string())
}

fn monthly(r: &Results, trial: usize, m: usize) -> f64 {
    r.monthly_value(trial, Metric::NewBookingsUsd, m) as f64
}

const STAGES: &str = r#"
[open_pipeline]
csv = "open.csv"
[open_pipeline.stages]
proposal = { won = 1, months_to_decision = 2.5 }
negotiation = { won = 0.5, no_decision = 0, months_to_decision = 0.5 }
discovery = { won = 0 }
"#;

const STAGE_DEALS: &str = "\
A,Ann,2026-10-03,2027-06-01,50000,open,Proposal
B,Bob,2026-12-03,,20000,open,NEGOTIATION
C,Cy,2026-06-03,2027-02-01,70000,open,Discovery
D,Dee,2026-06-03,2026-09-01,90000,won,Closed Won
";

#[test]
fn stage_chances_and_months_to_decision() {
    let dir = tempfile::tempdir().unwrap();
    for detail in ["full", "bookings"] {
        let s = load(dir.path(), &org(detail, STAGES), STAGE_DEALS).unwrap();
        let od = s.open_deals.as_ref().expect("open deals loaded");
        assert_eq!(od.deals.len(), 3, "the won row is left out");
        assert_eq!(od.owners, ["Ann", "Bob", "Cy"]);
        assert_eq!(
            od.deals.iter().map(|d| d.age_months).collect::<Vec<_>>(),
            [3, 1, 7]
        );
        assert_eq!(
            od.left_out,
            [("closed (won, lost or no decision)".into(), 1)]
        );
        let trials = 4000;
        let r = simulate(&s, trials, 11, &|_| {});
        let mut b_won = 0;
        for t in 0..trials {
            // A: certain, decided when 2.5 months run out, in month 2; C: never won.
            assert_eq!(monthly(&r, t, 2), 50_000.0, "{detail} trial {t}");
            // B: won or lost in the first month.
            let first = monthly(&r, t, 0);
            assert!(
                first == 0.0 || first == 20_000.0,
                "{detail} trial {t}: {first}"
            );
            b_won += usize::from(first > 0.0);
            for m in (1..12).filter(|&m| m != 2) {
                assert_eq!(monthly(&r, t, m), 0.0, "{detail} trial {t} month {m}");
            }
        }
        let n = trials as f64;
        let bound = Z * (0.25 / n).sqrt();
        let share = b_won as f64 / n;
        assert!(
            (share - 0.5).abs() < bound,
            "{detail}: B won in {share} of trials, expected 0.5 +- {bound}"
        );
    }
}

#[test]
fn both_details_give_each_deal_the_same_fate() {
    // With no new deals and no leavers, an open deal's fate comes from its own stream in
    // either detail: the two agree trial by trial.
    let dir = tempfile::tempdir().unwrap();
    let full = load(dir.path(), &org("full", STAGES), STAGE_DEALS).unwrap();
    let bookings = load(dir.path(), &org("bookings", STAGES), STAGE_DEALS).unwrap();
    let (a, b) = (
        simulate(&full, 500, 3, &|_| {}),
        simulate(&bookings, 500, 3, &|_| {}),
    );
    for t in 0..500 {
        for m in 0..12 {
            assert_eq!(monthly(&a, t, m), monthly(&b, t, m), "trial {t} month {m}");
        }
    }
}

#[test]
fn expected_close_dates_and_their_slip() {
    let dir = tempfile::tempdir().unwrap();
    let deals = "A,Ann,2026-10-03,2027-04-20,50000,open,Proposal\n\
                 B,Bob,2026-10-03,2026-11-20,20000,open,Proposal\n";
    let at = |extra: &str| {
        let s = load(
            dir.path(),
            &org(
                "full",
                &format!(
                    "[open_pipeline]\ncsv = \"open.csv\"\n{extra}\n[open_pipeline.stages]\nproposal = {{ won = 1 }}\n"
                ),
            ),
            deals,
        )
        .unwrap();
        let r = simulate(&s, 20, 5, &|_| {});
        (0..20)
            .map(|t| (0..12).map(|m| monthly(&r, t, m)).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    // A closes in April (month 3); B's date has passed, so it is decided in the first month.
    for months in at("") {
        assert_eq!(months[3], 50_000.0);
        assert_eq!(months[0], 20_000.0);
        assert_eq!(months.iter().sum::<f64>(), 70_000.0);
    }
    // Two months late: June (month 5); B's November date plus two is January, month 0.
    for months in at("slip_months = 2") {
        assert_eq!(months[5], 50_000.0);
        assert_eq!(months[0], 20_000.0);
    }
    // Ignoring the dates: by the won cycle time (2 months), given 3 months' age: overdue, so
    // decided in the first month.
    for months in at("expected_close = \"ignore\"") {
        assert_eq!(months[0], 70_000.0);
    }
}

#[test]
fn without_a_stage_the_org_shares_given_the_deals_age() {
    // Cycles: won and lost 2 months, no decision 10. A deal opened 4 months ago can only end
    // in no decision; one opened a month ago ends with the org's shares, won in month 1 (its
    // lag of 2 from creation in month -1).
    let dir = tempfile::tempdir().unwrap();
    let deals = "OLD,Ann,2026-09-10,,40000,open,\nNEW,Bob,2026-12-10,,10000,open,\n";
    let s = load(
        dir.path(),
        &org("full", "[open_pipeline]\ncsv = \"open.csv\"\n"),
        deals,
    )
    .unwrap();
    let trials = 8000;
    let r = simulate(&s, trials, 9, &|_| {});
    let mut won = 0;
    for t in 0..trials {
        let months: Vec<f64> = (0..12).map(|m| monthly(&r, t, m)).collect();
        assert!(
            months.iter().all(|&v| v == 0.0 || v == 10_000.0),
            "{months:?}"
        );
        assert!(months.iter().enumerate().all(|(m, &v)| m == 1 || v == 0.0));
        won += usize::from(months[1] > 0.0);
        // The old deal is decided (no decision) in month 6: lag 10 from month -4.
        assert!(
            r.monthly_value(t, Metric::DealsNoDecision, 6) >= 1.0,
            "trial {t}"
        );
    }
    let (n, p) = (trials as f64, 0.25);
    let share = won as f64 / n;
    let bound = Z * (p * (1.0 - p) / n).sqrt();
    assert!(
        (share - p).abs() < bound,
        "won {share}, expected {p} +- {bound}"
    );
}

#[test]
fn leavers_deals_follow_the_leaver_policy_in_both_details() {
    // Every rep leaves often; a leaver's open deal is lost with chance 0.5 and otherwise won at
    // half the rate. Full and bookings detail must agree in distribution.
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "{STAGES}\n[pipeline.leaver_deals]\nlost_probability = 0.5\nreassigned_win_rate_multiplier = 0.5\n"
    );
    let leave = |d: &str| edit(&org(d, &extra), "annual_rate = 0\n", "annual_rate = 0.9\n");
    let trials = 6000;
    let mean_sd = |s: &Scenario| {
        let r = simulate(s, trials, 21, &|_| {});
        let v: Vec<f64> = r.totals.iter().map(|t| t.bookings_usd).collect();
        let m = v.iter().sum::<f64>() / trials as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (trials - 1) as f64;
        (m, (var / trials as f64).sqrt())
    };
    let (a, se_a) = mean_sd(&load(dir.path(), &leave("full"), STAGE_DEALS).unwrap());
    let (b, se_b) = mean_sd(&load(dir.path(), &leave("bookings"), STAGE_DEALS).unwrap());
    let bound = Z * (se_a * se_a + se_b * se_b).sqrt();
    assert!(
        (a - b).abs() < bound,
        "full {a}, bookings {b}, bound {bound}"
    );
    // And the policy bites: without leavers the mean is 50,000 + 0.5 x 20,000 (one-sided).
    assert!(a < 60_000.0 - Z_ONE_SIDED * se_a, "{a}");
}

#[test]
fn the_export_is_part_of_the_scenario_identity() {
    let dir = tempfile::tempdir().unwrap();
    let a = load(dir.path(), &org("full", STAGES), STAGE_DEALS).unwrap();
    let b = load(
        dir.path(),
        &org("full", STAGES),
        &edit(STAGE_DEALS, "50000", "50001"),
    )
    .unwrap();
    assert_ne!(a.sha256, b.sha256);
}

#[test]
fn the_csv_is_found_beside_the_file_that_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base");
    std::fs::create_dir(&base).unwrap();
    std::fs::write(base.join("open.csv"), format!("{HEADER}{STAGE_DEALS}")).unwrap();
    std::fs::write(base.join("base.toml"), org("full", STAGES)).unwrap();
    let whatif = dir.path().join("what-if.toml");
    std::fs::write(&whatif, "extends = \"base/base.toml\"\n[org]\nseats = 5\n").unwrap();
    let s = Scenario::load(&whatif).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.open_deals.unwrap().deals.len(), 3);
}

#[test]
fn bad_exports_and_settings_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, String, &str, &[&str]); 6] = [
        (
            "created after the start",
            org("full", STAGES),
            "A,Ann,2027-01-03,,5000,open,Proposal\n",
            &["row 2", "not before the start month 2027-01", "start_month"],
        ),
        (
            "no amount",
            org("full", STAGES),
            "A,Ann,2026-11-03,,,open,Proposal\n",
            &["row 2", "needs an amount"],
        ),
        (
            "impossible stage",
            org(
                "full",
                &edit(
                    STAGES,
                    "won = 0.5, no_decision = 0",
                    "won = 0.6, no_decision = 0.5",
                ),
            ),
            STAGE_DEALS,
            &["negotiation", "more than 1"],
        ),
        (
            "both starting pipelines",
            edit(
                &org("full", STAGES),
                "[pipeline]\n",
                "[pipeline]\nstarting_pipeline = \"empty\"\n",
            ),
            STAGE_DEALS,
            &["starting_pipeline", "remove"],
        ),
        (
            "nobody to hold them",
            edit(
                &org("full", STAGES),
                "seats = 3\n",
                "seats = 3\nfilled_seats = 0\n",
            ),
            STAGE_DEALS,
            &["no seat is filled", "filled_seats"],
        ),
        (
            "missing file",
            org("full", &edit(STAGES, "open.csv", "nowhere.csv")),
            STAGE_DEALS,
            &[
                "cannot read the open-pipeline file",
                "nowhere.csv",
                "relative to the scenario",
            ],
        ),
    ];
    for (what, scenario, csv, needles) in cases {
        let e = load(dir.path(), &scenario, csv).expect_err(what);
        for n in needles {
            assert!(e.contains(n), "{what}: {n:?} not in\n{e}");
        }
    }
}

#[test]
fn bad_rows_can_be_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "A,Ann,2027-01-03,,5000,open,Proposal\nB,Bob,2026-11-03,,,open,Proposal\n\
               C,Cy,2026-02-30,,5000,open,Proposal\nD,Dee,2026-11-03,,8000,open,Proposal\n";
    let skip = edit(
        STAGES,
        "csv = \"open.csv\"",
        "csv = \"open.csv\"\nskip_bad_rows = true",
    );
    let s = load(dir.path(), &org("full", &skip), csv).unwrap();
    let od = s.open_deals.unwrap();
    assert_eq!(od.deals.len(), 1);
    let line = od.describe();
    for part in [
        "1 open deals worth $8,000",
        "1 bad",
        "1 created in or after the start month",
        "1 without an amount",
    ] {
        assert!(line.contains(part), "{part:?} not in {line}");
    }
}

#[test]
fn check_and_run_say_what_was_read() {
    let dir = tempfile::tempdir().unwrap();
    load(dir.path(), &org("full", STAGES), STAGE_DEALS).unwrap();
    let file = dir.path().join("scenario.toml");
    let out = assert_cmd::Command::cargo_bin("revsim")
        .unwrap()
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("3 open deals worth $140,000"), "{stdout}");
    let out = assert_cmd::Command::cargo_bin("revsim")
        .unwrap()
        .args(["run", "--trials", "50", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Starting pipeline: 3 open deals"),
        "{stderr}"
    );
}

#[test]
fn a_synth_crm_open_pipeline_loads_as_it_is() {
    // `revsim synth-crm --open-out` writes the deals open at the export date in the layout
    // `[open_pipeline]` reads; simulated forward from the next month, they are all there.
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let known = root.join("tests/fixtures/crm/synthetic/known.toml");
    let out = assert_cmd::Command::cargo_bin("revsim")
        .unwrap()
        .arg("synth-crm")
        .arg(&known)
        .args(["--as-of", "2025-06-30", "--quiet", "--out"])
        .arg(dir.path().join("history.csv"))
        .arg("--open-out")
        .arg(dir.path().join("open.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let open = std::fs::read_to_string(dir.path().join("open.csv")).unwrap();
    let rows = open.lines().count() - 1;
    assert!(rows > 100, "{rows} open deals");
    let file = dir.path().join("forward.toml");
    std::fs::write(
        &file,
        format!(
            "extends = {:?}\n[simulation]\nstart_month = \"2025-07\"\nhorizon_months = 12\n\
             [open_pipeline]\ncsv = \"open.csv\"\nexpected_close = \"ignore\"\n",
            known.display().to_string()
        ),
    )
    .unwrap();
    let s = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let od = s.open_deals.as_ref().unwrap();
    assert_eq!(od.deals.len(), rows);
    assert_eq!(od.owners.len(), 40);
    let r = simulate(&s, 200, 1, &|_| {});
    assert!(r.totals.iter().all(|t| t.bookings_usd > 0.0));
}
