//! `revsim compare` as a user runs it, and the statistics behind its table.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn read_csv(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect()
}

/// (value, ci95_low, ci95_high) of `metric` for `period` in differences.csv.
fn figure(rows: &[csv::StringRecord], period: &str, metric: &str) -> (f64, String, String) {
    let r = rows
        .iter()
        .find(|r| &r[2] == period && &r[3] == metric)
        .unwrap_or_else(|| panic!("no {period} {metric}"));
    (r[4].parse().unwrap(), r[5].to_string(), r[6].to_string())
}

#[test]
fn the_vp_bet_compared_on_common_random_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let run = revsim()
        .args(["compare", "--trials", "400", "--seed", "5", "--out"])
        .arg(&out)
        .arg(shipped("vp-stable.toml"))
        .arg(shipped("vp-churn.toml"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(stdout.contains("vp-churn:"), "{stdout}");
    assert!(
        stdout.contains("leadership.board_review.grace_months: 21 | 15"),
        "{stdout}"
    );

    let charts = common::assert_charts(&out);
    assert_eq!(
        charts,
        [
            "compare-bookings-distribution",
            "compare-bookings-cdf",
            "compare-difference",
            "compare-cumulative-bookings",
            "compare-arr",
            "compare-headcount"
        ]
    );
    let rows = read_csv(&out.join("differences.csv"));
    let (diff, lo, hi) = figure(&rows, "horizon", "p50_difference_usd");
    let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
    assert!(lo <= diff && diff <= hi, "{lo} <= {diff} <= {hi}");
    let (beats, _, _) = figure(&rows, "horizon", "p_beats_reference");
    let (tied, _, _) = figure(&rows, "horizon", "share_tied");
    assert!((0.0..=1.0).contains(&(beats + tied)));
    assert!(rows.iter().any(|r| &r[2] == "FY2028"), "fiscal years too");
    // Per fiscal year, the paired difference of P(hit plan) is exactly the difference of the
    // two rates (the same trials, counted two ways), inside its own interval; the headline
    // names the fiscal year where it is largest.
    let mut largest = ("", 0.0f64);
    for fy in ["FY2027", "FY2028", "FY2029"] {
        let (d, lo, hi) = figure(&rows, fy, "p_hit_plan_difference");
        let (a, _, _) = figure(&rows, fy, "p_hit_plan_reference");
        let (b, _, _) = figure(&rows, fy, "p_hit_plan");
        assert!((d - (b - a)).abs() < 1e-9, "{fy}: {d} vs {b} - {a}");
        let (lo, hi): (f64, f64) = (lo.parse().unwrap(), hi.parse().unwrap());
        assert!(lo <= d && d <= hi, "{fy}: {lo} <= {d} <= {hi}");
        if d.abs() > largest.1 {
            largest = (fy, d.abs());
        }
    }

    let inputs = read_csv(&out.join("input-differences.csv"));
    let grace = inputs
        .iter()
        .find(|r| &r[0] == "leadership.board_review.grace_months")
        .expect("the changed setting is listed");
    assert_eq!((&grace[1], &grace[2]), ("21", "15"));
    assert!(
        !inputs.iter().any(|r| &r[0] == "org.seats"),
        "settings that agree are not listed"
    );

    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("leadership.board_review.grace_months"));
    let headline = html
        .split("<p class=\"answer\">")
        .nth(1)
        .expect("a headline")
        .to_string();
    assert!(
        headline.starts_with(&format!("{} is where vp-churn differs most", largest.0)),
        "{headline}"
    );
    // The mechanism that differs: VP turnover, side by side, in the headline's fiscal year
    // beside the horizon.
    assert!(html.contains("What differs in the mechanism"));
    assert!(html.contains("VP of Sales changes per trial (mean)"));
    let table = html
        .split("What differs in the mechanism")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the mechanism table");
    assert!(
        table.contains(&format!("{} (where they differ most)", largest.0)),
        "{table}"
    );
    assert!(table.contains("Horizon (FY2027–FY2029)"), "{table}");
    assert!(html.contains("Behind it, vp-stable vs vp-churn: in "));
    // One colour per scenario, the same in the report's swatches as in the charts.
    for hex in ["#0072b2", "#e69f00"] {
        assert!(html.contains(hex), "swatch {hex}");
    }
    let svg = fs::read_to_string(out.join("charts/compare-bookings-cdf.svg")).unwrap();
    assert!(svg.contains("#0072B2") && svg.contains("#E69F00"));

    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("comparison.json")).unwrap()).unwrap();
    assert_eq!(json["reference"], "vp-stable");
    assert_eq!(json["scenarios"].as_array().unwrap().len(), 2);
    // The mechanism per period: the VP changes of the fiscal years add up to the horizon's,
    // scenario by scenario; the completed tenure exists for the horizon only; and the horizon's
    // VP changes are the summary's.
    let mechanism = json["mechanism"].as_array().expect("mechanism");
    let fig = |name: &str| {
        mechanism
            .iter()
            .find(|m| m["figure"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let periods = fig("vp_changes")["periods"].as_array().unwrap();
    let labels: Vec<&str> = periods
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["horizon", "FY2027", "FY2028", "FY2029"]);
    for k in 0..2 {
        let v = |p: &serde_json::Value| p["values"][k].as_f64().unwrap();
        let years: f64 = periods[1..].iter().map(v).sum();
        assert!(
            (years - v(&periods[0])).abs() < 1e-9,
            "{years} vs {}",
            v(&periods[0])
        );
        let summary = json["scenarios"][k]["vp_of_sales"]["changes"]["mean"]
            .as_f64()
            .unwrap();
        assert!((v(&periods[0]) - summary).abs() < 1e-6, "{summary}");
    }
    let tenure = fig("completed_vp_tenure_months");
    assert_eq!(tenure["horizon_only"], true);
    assert_eq!(tenure["periods"].as_array().unwrap().len(), 1);
    assert_eq!(fig("realised_win_rate")["unit"], "share");
}

#[test]
fn a_scenario_against_itself_differs_in_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("same");
    let baseline = shipped("baseline.toml");
    revsim()
        .args(["compare", "-q", "--trials", "200", "--out"])
        .arg(&out)
        .arg(&baseline)
        .arg(&baseline)
        .assert()
        .success();
    let rows = read_csv(&out.join("differences.csv"));
    assert!(rows.iter().all(|r| &r[0] == "baseline (2)"));
    for period in ["horizon", "FY2027", "FY2029"] {
        assert_eq!(figure(&rows, period, "p50_difference_usd").0, 0.0);
        assert_eq!(figure(&rows, period, "mean_difference_usd").0, 0.0);
        assert_eq!(figure(&rows, period, "p_beats_reference").0, 0.0);
        assert_eq!(figure(&rows, period, "share_tied").0, 1.0);
    }
    assert_eq!(read_csv(&out.join("input-differences.csv")).len(), 0);
}

/// Common random numbers: a scenario that differs only in its plan books exactly the same in
/// every trial; only the chance of hitting plan moves.
#[test]
fn a_plan_change_leaves_every_trial_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let base = fs::read_to_string(shipped("baseline.toml")).unwrap();
    let stretch = common::edit(
        &common::edit(
            &base,
            "fiscal_year_bookings_usd = [27_000_000, 30_000_000, 33_000_000]",
            "fiscal_year_bookings_usd = [30_000_000, 33_000_000, 36_000_000]",
        ),
        "name = \"baseline\"",
        "name = \"stretch\"",
    );
    let b = tmp.path().join("stretch.toml");
    fs::write(&b, stretch).unwrap();
    let out = tmp.path().join("plan");
    revsim()
        .args(["compare", "-q", "--trials", "300", "--out"])
        .arg(&out)
        .arg(shipped("baseline.toml"))
        .arg(&b)
        .assert()
        .success();
    let rows = read_csv(&out.join("differences.csv"));
    assert_eq!(figure(&rows, "horizon", "share_tied").0, 1.0);
    let (a, _, _) = figure(&rows, "horizon", "p_hit_plan_reference");
    let (s, _, _) = figure(&rows, "horizon", "p_hit_plan");
    assert!(s < a, "a higher plan is hit less often: {s} vs {a}");
    let inputs = read_csv(&out.join("input-differences.csv"));
    let keys: Vec<&str> = inputs.iter().map(|r| &r[0]).collect();
    assert_eq!(keys, ["name", "plan.fiscal_year_bookings_usd"]);
    // Text as a spreadsheet shows it, without the TOML quotes.
    assert_eq!((&inputs[0][1], &inputs[0][2]), ("baseline", "stretch"));
}

#[test]
fn scenarios_on_different_calendars_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("year.toml");
    fs::write(&a, common::small_org(12)).unwrap();
    let b = tmp.path().join("later.toml");
    fs::write(&b, common::small_org(18)).unwrap();
    let run = revsim()
        .args(["compare", "--trials", "10", "--out"])
        .arg(tmp.path().join("x"))
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        err.contains("later.toml") && err.contains("one calendar"),
        "{err}"
    );
    assert!(err.contains("horizon_months"), "{err}");
    assert!(!tmp.path().join("x").join("report.html").exists());
}

#[test]
fn comparisons_are_identical_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    for threads in ["1", "2"] {
        revsim()
            .args([
                "compare",
                "-q",
                "--trials",
                "150",
                "--threads",
                threads,
                "--out",
            ])
            .arg(tmp.path().join(threads))
            .arg(shipped("cycle-4-vs-6-months.toml"))
            .arg(shipped("baseline.toml"))
            .assert()
            .success();
    }
    for f in [
        "comparison.json",
        "differences.csv",
        "report.html",
        "charts/compare-difference.png",
    ] {
        let a = fs::read(tmp.path().join("1").join(f)).unwrap();
        let b = fs::read(tmp.path().join("2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

/// The bootstrap interval of a difference of medians covers the true difference at least 95% of
/// the time. 400 independent replications: the count of intervals that cover it is
/// Binomial(400, 0.95) or better, so fewer than the binomial critical count (the largest count
/// whose chance is at most 1e-6, the suite's false-alarm rate) would show it covers less.
#[test]
fn median_difference_interval_has_its_coverage() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Normal};
    let reps = 400;
    let n = 301;
    let normal = Normal::new(0.0, 1.0).unwrap();
    let mut covered = 0;
    for k in 0..reps {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1000 + k);
        // Paired like common random numbers: b shares a's draw plus its own noise, shifted by 0.5.
        let a: Vec<f64> = (0..n).map(|_| normal.sample(&mut rng)).collect();
        let b: Vec<f64> = a
            .iter()
            .map(|x| 0.8 * x + 0.6 * normal.sample(&mut rng) + 0.5)
            .collect();
        // Both are standard normal in distribution, so the true difference of medians is 0.5.
        let d = revsim::compare::median_difference(&a, &b, k);
        if d.ci95_low <= 0.5 && 0.5 <= d.ci95_high {
            covered += 1;
        }
    }
    let floor = common::binomial_lower_critical(reps, 0.95).expect("400 draws are enough");
    assert!(
        covered > floor,
        "{covered} of {reps} intervals cover the difference, not more than {floor}"
    );
}
