//! Reports that decide: the headline leads with the first fiscal year, P10–P90 is explained,
//! assumptions read as words with units, and charts say what they show.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use revsim::assumptions::{human_name, key_assumptions};
use revsim::scenario::Scenario;

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// The words of the assumption labelled `label`.
fn words(s: &Scenario, label: &str) -> String {
    key_assumptions(s)
        .into_iter()
        .find(|a| a.label == label)
        .unwrap_or_else(|| panic!("no assumption {label}"))
        .words
}

#[test]
fn the_baseline_assumptions_read_as_words_with_units() {
    let s = Scenario::load(&shipped("baseline.toml")).unwrap();
    assert_eq!(words(&s, "Ramp"), "linear to full in 5 months");
    // 28% a year is 1 - 0.72^(1/12) = 2.70% a month.
    assert_eq!(
        words(&s, "Attrition"),
        "28% a year (monthly 2.7%); 10% of hires leave within their first 6 months"
    );
    // 0.8% a month is 1 - 0.992^12 = 9.2% a year; 0.9% a month compounds to 11.4% a year.
    assert_eq!(
        words(&s, "Customer base"),
        "churn 0.8% of customers a month (9.2% a year); expansion 0.9% a month (11% a year)"
    );
    assert_eq!(
        words(&s, "Hiring"),
        "seats go to 55 in Apr 2027, then 60 in Jan 2028; time to fill a seat 1 to 4 months, most often 2; at most 4 hires a month; leavers backfilled after 1 month"
    );
    assert_eq!(
        words(&s, "Deal size"),
        "median $30.0K, 1 in 10 above $80.0K"
    );
    assert_eq!(words(&s, "Sales cycle"), "3 months on average (sd 1.5)");
    assert_eq!(
        words(&s, "Deal outcomes"),
        "25% won, 35% lost, 40% no decision"
    );
    assert_eq!(
        words(&s, "Bookings plan"),
        "FY2027 $27.0M, FY2028 $30.0M, FY2029 $33.0M"
    );
    assert_eq!(words(&s, "VP of Sales"), "not modelled");
    for a in key_assumptions(&s) {
        assert!(
            !a.words.contains('{'),
            "{}: raw TOML in {}",
            a.label,
            a.words
        );
    }
    let vp = Scenario::load(&shipped("vp-churn.toml")).unwrap();
    assert!(
        words(&vp, "VP of Sales").starts_with("modelled: after 15 months in seat"),
        "{}",
        words(&vp, "VP of Sales")
    );
}

#[test]
fn charts_name_parameters_as_readers_know_them() {
    assert_eq!(
        human_name("hiring.time_to_fill_months"),
        "Months to fill a requisition"
    );
    assert_eq!(human_name("org.seats"), "Seats at start");
    assert_eq!(human_name("no.such.key"), "no.such.key");
}

#[test]
fn the_run_report_leads_with_the_first_fiscal_year() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    Command::cargo_bin("revsim")
        .unwrap()
        .args(["run", "-q", "--trials", "300", "--out"])
        .arg(&out)
        .arg(shipped("baseline.toml"))
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let fy = &summary["fiscal_years"][0];
    let hit = revsim::words::pct(fy["p_hit_plan"]["p"].as_f64().unwrap());
    let horizon = revsim::words::pct(summary["horizon"]["p_hit_plan"]["p"].as_f64().unwrap());
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    let answers: Vec<&str> = html
        .split("<p class=\"answer")
        .skip(1)
        .map(|a| a.split_once('>').unwrap().1.split("</p>").next().unwrap())
        .collect();
    assert!(
        answers[0].starts_with(&format!(
            "FY2027: {hit} chance of hitting the $27.0M bookings plan; P50 "
        )),
        "{answers:?}"
    );
    assert!(answers[0].contains("of plan; P10–P90"), "{answers:?}");
    assert!(
        answers[1].starts_with(&format!("Over the horizon: {horizon} chance")),
        "{answers:?}"
    );
    assert!(html.contains("8 in 10 simulated outcomes fall in this range"));
    // The key assumptions in words; the raw TOML only in the folded list of every setting.
    let key = html
        .split("<h2>Key assumptions</h2>")
        .nth(1)
        .unwrap()
        .split("<details>")
        .next()
        .unwrap();
    assert!(key.contains("linear to full in 5 months"), "{key}");
    assert!(key.contains("28% a year (monthly 2.7%)"), "{key}");
    assert!(!key.contains("{ linear"), "{key}");
    let charts = crate::common::assert_charts(&out);
    assert!(charts.contains(&"headcount-fan".to_string()));
}
