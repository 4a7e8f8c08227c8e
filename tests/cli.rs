//! The command line as a user runs it: every shipped scenario checks and runs; outputs are
//! complete, byte-identical across thread counts, and never clobber a directory by accident.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::common;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

/// The bundled scenarios, checked to be the ten expected (tests/common/mod.rs).
fn shipped_scenarios() -> Vec<PathBuf> {
    common::bundled_scenarios()
}

#[test]
fn every_shipped_scenario_checks_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    for path in shipped_scenarios() {
        revsim().arg("check").arg(&path).assert().success();
        let out = tmp.path().join(path.file_stem().unwrap());
        let run = revsim()
            .args(["run", "--trials", "200", "--out"])
            .arg(&out)
            .arg(&path)
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
        assert!(
            stdout.contains("New bookings") && stdout.contains("P10"),
            "{}: {stdout}",
            path.display()
        );
        for f in ["run.json", "summary.json", "monthly.csv", "trials.csv"] {
            assert!(out.join(f).is_file(), "{}: missing {f}", path.display());
        }
        let summary: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["trials"], 200);
        assert!(summary["horizon"]["bookings_usd"]["p50"].as_f64().unwrap() > 0.0);
        let trials = fs::read_to_string(out.join("trials.csv")).unwrap();
        assert_eq!(trials.lines().count(), 201, "header + one row per trial");
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("run.json")).unwrap()).unwrap();
        assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
        let charts = common::assert_charts(&out);
        for c in [
            "bookings-distribution",
            "plan-exceedance",
            "cumulative-bookings-fan",
            "arr-fan",
            "headcount-fan",
        ] {
            assert!(charts.iter().any(|n| n == c), "{}: no {c}", path.display());
        }
        // No temporary files left behind.
        for e in fs::read_dir(&out)
            .unwrap()
            .chain(fs::read_dir(out.join("charts")).unwrap())
        {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            assert!(
                !name.starts_with('.') || name == ".revsim",
                "leftover {name}"
            );
        }
    }
}

#[test]
fn outputs_are_identical_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    for threads in ["1", "2"] {
        revsim()
            .args([
                "run",
                "--quiet",
                "--trials",
                "300",
                "--seed",
                "77",
                "--threads",
                threads,
                "--out",
            ])
            .arg(tmp.path().join(threads))
            .arg(&baseline)
            .assert()
            .success();
    }
    for f in [
        "summary.json",
        "monthly.csv",
        "trials.csv",
        "monthly.parquet",
        "trials.parquet",
        "summary.xlsx",
        "report.html",
        "charts/bookings-distribution.svg",
        "charts/bookings-distribution.png",
        "charts/headcount-fan.png",
    ] {
        let a = fs::read(tmp.path().join("1").join(f)).unwrap();
        let b = fs::read(tmp.path().join("2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn refuses_a_non_empty_output_directory_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let keep = tmp.path().join("notes.txt");
    fs::write(&keep, "mine").unwrap();
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let out = revsim()
        .args(["run", "--trials", "10", "--out"])
        .arg(tmp.path())
        .arg(&baseline)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--force"), "{err}");
    assert!(!tmp.path().join("summary.json").exists());
    revsim()
        .args(["run", "--quiet", "--force", "--trials", "10", "--out"])
        .arg(tmp.path())
        .arg(&baseline)
        .assert()
        .success();
    assert!(tmp.path().join("summary.json").exists());
    assert_eq!(
        fs::read_to_string(&keep).unwrap(),
        "mine",
        "unrelated files are left alone"
    );
}

#[test]
fn bad_input_exits_2_and_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    fs::write(
        &bad,
        "[simulation]\nstart_month = \"2027-01\"\nhorizon_months = 12\n[org]\nseets = 3\n",
    )
    .unwrap();
    let out = revsim().arg("check").arg(&bad).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("bad.toml:5:1") && err.contains("did you mean `seats`?"),
        "{err}"
    );
    revsim().args(["run", "no-such-file.toml"]).assert().code(2);
    revsim()
        .args(["run", "--trials", "0"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"))
        .assert()
        .code(2);
    revsim().args(["run"]).assert().code(2);
}

#[test]
fn init_writes_a_starter_that_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("mine.toml");
    revsim().arg("init").arg(&file).assert().success();
    let text = fs::read_to_string(&file).unwrap();
    // The `#:schema` line names a file that is there: the schema `revsim schema` prints.
    let named = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#:schema "))
        .unwrap();
    let beside = fs::read_to_string(tmp.path().join(named)).unwrap();
    let printed = revsim().arg("schema").assert().success();
    assert_eq!(beside.as_bytes(), &printed.get_output().stdout[..]);
    revsim().arg("check").arg(&file).assert().success();
    // A schema file already there is the user's: left alone.
    fs::write(tmp.path().join(named), "{}").unwrap();
    revsim()
        .arg("init")
        .arg(tmp.path().join("other.toml"))
        .assert()
        .success();
    assert_eq!(fs::read_to_string(tmp.path().join(named)).unwrap(), "{}");
    // `-` prints the template, and writes nothing.
    let out = revsim()
        .current_dir(tmp.path())
        .args(["init", "-"])
        .assert()
        .success();
    assert_eq!(out.get_output().stdout, text.as_bytes());
    assert!(!tmp.path().join("-").exists());
    revsim().arg("init").arg(&file).assert().code(2);
    revsim()
        .args(["init", "--force"])
        .arg(&file)
        .assert()
        .success();
}

#[test]
fn shipped_schema_is_current() {
    let out = revsim().arg("schema").assert().success();
    let printed = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert!(schema["properties"]["pipeline"].is_object());
    let shipped =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/revsim.schema.json"))
            .unwrap();
    assert!(
        shipped == printed,
        "schema/revsim.schema.json is stale: run `cargo run -- schema > schema/revsim.schema.json`"
    );
}

#[test]
fn synth_crm_writes_the_fixture_refuses_to_overwrite_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let known = root.join("tests/fixtures/crm/synthetic/known.toml");
    let shipped = fs::read(root.join("tests/fixtures/crm/synthetic/history.csv")).unwrap();
    // The command writes the shipped export, on one thread or two.
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("history-{threads}.csv"));
        let run = revsim()
            .env("RAYON_NUM_THREADS", threads)
            .arg("synth-crm")
            .arg(&known)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        // Wrapped at 80 columns: its words, whatever the line breaks.
        let stdout = String::from_utf8_lossy(&run.get_output().stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            stdout.contains("4,626 opportunities of 40 reps")
                && stdout.contains("--created-from 2024-01-01"),
            "{stdout}"
        );
        assert!(fs::read(&out).unwrap() == shipped, "{threads} thread(s)");
    }
    // An existing file is refused, and left as it was, without --force.
    let out = tmp.path().join("history-1.csv");
    fs::write(&out, "mine").unwrap();
    let refused = revsim()
        .args(["synth-crm", "--seed", "9"])
        .arg(&known)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "mine");
    // --force replaces it; another seed or trial is another export; the same is the same.
    let write = |args: &[&str], out: &Path| {
        revsim()
            .args(["synth-crm", "--quiet", "--force"])
            .args(args)
            .arg(&known)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
        fs::read(out).unwrap()
    };
    let a = write(&["--seed", "9", "--trial", "2"], &out);
    let b = write(
        &["--seed", "9", "--trial", "2"],
        &tmp.path().join("again.csv"),
    );
    assert!(a == b);
    assert!(a != shipped && a != write(&["--seed", "9", "--trial", "3"], &out));
    // No temporary files left behind.
    for e in fs::read_dir(tmp.path()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with('.'), "leftover {name}");
    }
}

#[test]
fn synth_crm_splits_open_deals_and_checks_the_export_date() {
    let tmp = tempfile::tempdir().unwrap();
    let known =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crm/synthetic/known.toml");
    let history = tmp.path().join("sub/history.csv");
    let open = tmp.path().join("sub/open.csv");
    revsim()
        .args(["synth-crm", "--quiet", "--as-of", "2025-06-15"])
        .arg(&known)
        .arg("--out")
        .arg(&history)
        .arg("--open-out")
        .arg(&open)
        .assert()
        .success();
    let h = fs::read_to_string(&history).unwrap();
    let o = fs::read_to_string(&open).unwrap();
    assert!(h.starts_with("id,owner,created_date,close_date,amount_usd,outcome\n"));
    assert!(o.starts_with("id,owner,created_date,close_date,amount_usd,outcome\n"));
    assert!(!h.contains(",open\n") && o.lines().skip(1).all(|l| l.ends_with(",open")));
    assert!(o.lines().count() > 100, "{}", o.lines().count());
    // Nothing created or closed after the export date.
    for line in h.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(
            cells[2] <= "2025-06-15" && cells[3] <= "2025-06-15",
            "{line}"
        );
    }
    for line in o.lines().skip(1) {
        assert!(line.split(',').nth(2).unwrap() <= "2025-06-15", "{line}");
    }
    // The history reads as a calibrate export.
    revsim()
        .args(["calibrate", "--quiet", "--out"])
        .arg(tmp.path().join("fit"))
        .arg(&history)
        .assert()
        .success();
    // An export date outside the horizon, and one file named twice, are bad input.
    let late = revsim()
        .args(["synth-crm", "--as-of", "2027-01-01", "--out"])
        .arg(tmp.path().join("late.csv"))
        .arg(&known)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&late.get_output().stderr).to_string();
    assert!(
        err.contains("--as-of") && err.contains("2024-01-01 to 2026-12-31"),
        "{err}"
    );
    revsim()
        .args(["synth-crm", "--as-of", "15/06/2025", "--out"])
        .arg(tmp.path().join("bad.csv"))
        .arg(&known)
        .assert()
        .code(2);
    revsim()
        .args(["synth-crm", "--force", "--out"])
        .arg(&history)
        .arg("--open-out")
        .arg(&history)
        .arg(&known)
        .assert()
        .code(2);
    assert!(!tmp.path().join("late.csv").exists());
}

#[test]
fn completions_and_man_pages_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = revsim().args(["completions", shell]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        // Every command completes, with its flags.
        assert!(
            text.contains("revsim") && text.contains("sensitivity") && text.contains("--trials"),
            "{shell}"
        );
    }
    revsim().args(["completions", "tcsh"]).assert().code(2);
    let out = revsim().arg("man").assert().success();
    let page = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH revsim"),
        "{page}"
    );
    assert!(page.contains("calibrate"), "{page}");
    let out = revsim().args(["man", "run"]).assert().success();
    let page = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        page.contains(".TH revsim-run") && page.contains("\\-\\-trials"),
        "{page}"
    );
    let out = revsim().args(["man", "runn"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("not a revsim command"), "{err}");
}

#[test]
fn errors_are_plain_in_a_pipe_even_without_no_color() {
    let out = revsim()
        .env_remove("NO_COLOR")
        .args(["run", "no-such-file.toml"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.starts_with("error: ") && !err.contains('\x1b'),
        "{err:?}"
    );
}

#[test]
fn run_reads_a_scenario_from_standard_input() {
    let tmp = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference-r1.toml"),
    )
    .unwrap();
    revsim()
        .current_dir(tmp.path())
        .args(["run", "-", "--trials", "20", "--quiet", "--out", "o"])
        .write_stdin(text)
        .assert()
        .success();
    assert!(tmp.path().join("o/run.json").is_file());
}

/// The summary and the report show "% of plan" (P50 bookings / plan) beside P(hit plan): the
/// figure that still says something where P(hit plan) is 0% or 100%.
#[test]
fn the_summary_shows_p50_bookings_as_a_share_of_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    // A plan 100 times the baseline's: P(hit plan) is 0% in every period, yet % of plan says
    // how far off the likely outcome is.
    let run = revsim()
        .args(["run", "--trials", "200", "--set"])
        .arg("plan.fiscal_year_bookings_usd=[2.7e9, 3.0e9, 3.3e9]")
        .arg("--out")
        .arg(&out)
        .arg(&baseline)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let header = stdout
        .lines()
        .find(|l| l.starts_with("New bookings"))
        .unwrap();
    assert!(header.ends_with("plan  % of plan  P(hit plan)"), "{stdout}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<th>% of plan (P50)</th>"));
    for fy in summary["fiscal_years"].as_array().unwrap() {
        let label = fy["label"].as_str().unwrap();
        let share =
            fy["bookings_usd"]["p50"].as_f64().unwrap() / fy["plan_bookings_usd"].as_f64().unwrap();
        let shown = revsim::words::pct(share);
        let row = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap();
        let cells: Vec<&str> = row.split_whitespace().collect();
        // FY, mean, P10, P50, P90, plan, % of plan, P(hit plan).
        assert_eq!(cells[6], shown, "{row}");
        assert_eq!(cells[7], "0%", "{row}");
        assert!(
            html.contains(&format!("<td>{shown}</td>")),
            "{label} {shown}"
        );
    }
}

/// Every command's standard output, and every `--help`, fits a terminal of 80 columns
/// (counted in characters, not bytes), with or without a terminal width in `COLUMNS`.
#[test]
fn every_command_prints_within_80_columns() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    // Short relative paths, as a user in their project folder types them.
    for (from, to) in [
        ("scenarios/baseline.toml", "baseline.toml"),
        ("scenarios/vp-churn.toml", "vp-churn.toml"),
        ("scenarios/coverage-3x-vs-5x.toml", "coverage.toml"),
        ("tests/fixtures/crm/example.csv", "example.csv"),
    ] {
        fs::copy(root.join(from), tmp.path().join(to)).unwrap();
    }
    let commands: &[&[&str]] = &[
        &["run", "vp-churn.toml", "--trials", "100", "--out", "run"],
        &[
            "run",
            "baseline.toml",
            "--precision",
            "25%",
            "--out",
            "precise",
        ],
        &[
            "run",
            "baseline.toml",
            "--trials",
            "100",
            "--shard",
            "1/2",
            "--out",
            "parts",
        ],
        &[
            "run",
            "baseline.toml",
            "--trials",
            "100",
            "--shard",
            "2/2",
            "--out",
            "parts",
        ],
        &["merge", "parts"],
        &[
            "compare",
            "baseline.toml",
            "vp-churn.toml",
            "coverage.toml",
            "--trials",
            "100",
        ],
        &[
            "sweep",
            "baseline.toml",
            "--vary",
            "pipeline.opportunities_per_rep_month=3.5,4.5",
            "--vary",
            "attrition.annual_rate=0.2,0.35",
            "--trials",
            "50",
        ],
        &[
            "sensitivity",
            "baseline.toml",
            "--trials",
            "50",
            "--shares-trials",
            "50",
        ],
        &[
            "solve",
            "baseline.toml",
            "--target",
            "fy2028.p_hit_plan >= 50%",
            "--vary",
            "hiring.headcount_plan=0..20",
            "--trials",
            "50",
        ],
        &["check", "baseline.toml", "vp-churn.toml", "coverage.toml"],
        &["calibrate", "example.csv"],
        &[
            "backtest",
            "example.csv",
            "--as-of",
            "2024-05..2024-06",
            "--months",
            "2",
            "--trials",
            "100",
        ],
        &["synth-crm", "baseline.toml", "--out", "history.csv"],
        &["init", "new.toml"],
    ];
    let help: Vec<Vec<&str>> = [
        "",
        "run",
        "compare",
        "sweep",
        "sensitivity",
        "solve",
        "merge",
        "check",
        "init",
        "schema",
        "calibrate",
        "synth-crm",
        "backtest",
        "completions",
        "man",
    ]
    .iter()
    .map(|c| {
        [*c, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect()
    })
    .collect();
    let mut too_wide = Vec::new();
    let mut check = |args: &[&str], columns: Option<&str>| {
        let mut cmd = revsim();
        cmd.current_dir(tmp.path()).args(args).env_remove("COLUMNS");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        let out = cmd.assert().success();
        let stdout = common::stdout(out.get_output());
        assert!(!stdout.trim().is_empty(), "{args:?} printed nothing");
        for line in stdout.lines().filter(|l| l.chars().count() > 80) {
            too_wide.push(format!("{args:?} (COLUMNS={columns:?}): {line}"));
        }
    };
    for args in commands {
        check(args, None);
    }
    for args in &help {
        for columns in [None, Some("80"), Some("200")] {
            check(args, columns);
        }
    }
    assert!(
        too_wide.is_empty(),
        "lines over 80 columns:\n{}",
        too_wide.join("\n")
    );
}
