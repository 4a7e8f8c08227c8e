//! What the command line guarantees around its inputs and outputs: plausibility warnings (and
//! `--strict`), names from scenario files that cannot leave the output directory, and writes
//! that fail cleanly on an unwritable or full directory.
//!
//! The write-failure tests need to make a directory unwritable or full. As root, permissions do
//! not stop writes, so the unwritable case runs revsim as `nobody` through `setpriv`; the full
//! disk is a tiny tmpfs mounted in a private user and mount namespace (`unshare -rm`). Where
//! those tools are missing the two tests say so and pass, unless `REVSIM_REQUIRE_FS_TESTS=1`
//! (set in CI), when they fail.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{SMALL, scratch, stderr};
use assert_cmd::Command;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn in_dir(dir: &Path, args: &[&str]) -> Output {
    revsim().current_dir(dir).args(args).output().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Plausibility warnings

#[test]
fn no_shipped_scenario_or_template_raises_a_warning() {
    // The ten bundled scenarios (the list is checked in tests/common/mod.rs).
    let mut files = crate::common::bundled_scenarios();
    let dir = tempfile::tempdir().unwrap();
    let starter = dir.path().join("starter.toml");
    revsim().arg("init").arg(&starter).assert().success();
    files.push(starter);
    let o = revsim()
        .arg("check")
        .arg("--strict")
        .args(&files)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "no warning expected");
}

const IMPLAUSIBLE: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 24
trials = 20
[org]
seats = 6
[ramp]
curve = { step = { months_to_full = 0.5 } }
[attrition]
annual_rate = 0.85
[pipeline]
opportunities_per_rep_month = 3
deal_size_usd = 20000
cycle_months = 0.5
[pipeline.outcomes]
won = 0.75
lost = 0.05
no_decision = 0.2
[quota]
annual_quota_usd = 400000
[plan]
fiscal_year_bookings_usd = [5000000]
[leadership]
tenure_months = { lognormal = { median = 6, p90 = 10 } }
[coverage]
policy = "global"
target_multiple = 10
[[events]]
month = "2027-07"
set = { "attrition.annual_rate" = 0.9, "coverage.target_multiple" = 1.5 }
"#;

#[test]
fn warnings_name_the_value_the_benchmark_and_its_origin() {
    let dir = scratch(&[("odd.toml", IMPLAUSIBLE)]);
    let o = in_dir(dir.path(), &["check", "odd.toml"]);
    assert!(o.status.success(), "warnings never fail: {}", stderr(&o));
    let text = stderr(&o);
    for origin in [
        "Bridge Group",
        "Alexander Group",
        "CSO Insights 2018-19",
        "Gong (Chris Orlob), 2018",
        "vendor survey",
        "Bridge Group 2017",
    ] {
        assert!(text.contains(origin), "no {origin}");
    }
    assert_eq!(text.matches("warning: ").count(), 8, "{text}");
    insta::assert_snapshot!("plausibility_warnings", text);
}

#[test]
fn no_decision_above_sixty_percent_warns() {
    let dir = scratch(&[("nd.toml", SMALL)]);
    let o = in_dir(
        dir.path(),
        &[
            "check",
            "nd.toml",
            "--set",
            "pipeline.outcomes.lost=0.1",
            "--set",
            "pipeline.outcomes.no_decision=0.65",
        ],
    );
    assert!(o.status.success());
    insta::assert_snapshot!("plausibility_no_decision_from_set", stderr(&o));
}

#[test]
fn strict_turns_warnings_into_errors() {
    let dir = scratch(&[("odd.toml", IMPLAUSIBLE)]);
    let o = in_dir(dir.path(), &["check", "--strict", "odd.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let text = stderr(&o);
    assert_eq!(text.matches("error: ").count(), 8, "{text}");
    assert!(!text.contains("warning: "));
    let o = in_dir(dir.path(), &["run", "--strict", "odd.toml", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        !dir.path().join("out").exists(),
        "nothing runs under --strict"
    );
    let last = stderr(&o)
        .lines()
        .rev()
        .take(12)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(last.contains("--strict makes this an error"), "{last}");
    // Every command that reads a scenario takes --strict.
    for cmd in [
        vec!["compare", "odd.toml", "odd.toml"],
        vec!["sweep", "odd.toml", "--vary", "org.seats=5,6"],
        vec!["sensitivity", "odd.toml", "--param", "org.seats"],
        vec![
            "solve",
            "odd.toml",
            "--target",
            "p_hit_plan >= 0.5",
            "--vary",
            "org.seats=5..8",
        ],
    ] {
        let mut args = cmd.clone();
        args.extend(["--strict", "--out", "batch-out"]);
        let o = in_dir(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", stderr(&o));
        assert!(!dir.path().join("batch-out").exists(), "{cmd:?}");
    }
}

#[test]
fn run_warns_and_still_runs_and_quiet_keeps_quiet() {
    let dir = scratch(&[("odd.toml", IMPLAUSIBLE)]);
    let o = in_dir(dir.path(), &["run", "odd.toml", "--out", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: odd.toml: `attrition.annual_rate`"));
    assert!(dir.path().join("out/run.json").is_file());
    let o = in_dir(dir.path(), &["run", "odd.toml", "--out", "out2", "--quiet"]);
    assert!(o.status.success());
    assert_eq!(stderr(&o), "");
}

#[test]
fn a_warning_points_into_the_file_that_holds_the_value() {
    let base = crate::common::edit(SMALL, "annual_rate = 0.3", "annual_rate = 0.95");
    let child = "extends = \"base.toml\"\nname = \"child\"\n[org]\nseats = 8\n";
    let dir = scratch(&[("base.toml", &base), ("child.toml", child)]);
    let o = in_dir(dir.path(), &["check", "child.toml"]);
    assert!(o.status.success());
    insta::assert_snapshot!("plausibility_in_parent_file", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// Containment: names from scenario files never leave the output directory

/// Every path under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn scenario_names_cannot_escape_the_output_directory() {
    let hostile = [
        "../../escaped",
        "..",
        ".",
        "/tmp/absolute",
        "C:\\\\Windows\\\\escaped",
        "..\\\\..\\\\escaped",
        "CON",
        "nul.txt",
        "~/home",
        "a/../../b",
        "",
        "   ",
    ];
    let long = "x".repeat(400);
    let work = tempfile::tempdir().unwrap();
    // The scenarios live one level down, so an escape from out/ would land beside them.
    let sandbox = work.path().join("cwd");
    fs::create_dir(&sandbox).unwrap();
    let mut made = Vec::new();
    for (i, name) in hostile.iter().copied().chain([long.as_str()]).enumerate() {
        let file = format!("s{i}.toml");
        let text = format!("name = \"{name}\"\n{SMALL}");
        fs::write(sandbox.join(&file), text).unwrap();
        // Several names clean to the same folder ("." and ".."): --force lets them share it.
        let o = in_dir(
            &sandbox,
            &["run", &file, "--trials", "2", "--quiet", "--force"],
        );
        assert!(o.status.success(), "{name:?}: {}", stderr(&o));
        made.push(file);
    }
    // compare: the default directory joins every name.
    let o = in_dir(
        &sandbox,
        &[
            "compare", "s0.toml", "s3.toml", "s12.toml", "--trials", "2", "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // sweep: the default directory is named from the scenario.
    let o = in_dir(
        &sandbox,
        &[
            "sweep",
            "s0.toml",
            "--vary",
            "org.seats=5,6",
            "--trials",
            "2",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // Only the scenario files and out/ are in the working directory; nothing beside it.
    let mut top: Vec<String> = fs::read_dir(&sandbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    made.push("out".into());
    made.sort();
    assert_eq!(top, made);
    assert_eq!(
        tree(work.path())
            .iter()
            .filter(|p| !p.starts_with("cwd"))
            .count(),
        0
    );
    // Every run directory is a direct child of out/, with a short portable name.
    let runs: Vec<_> = fs::read_dir(sandbox.join("out")).unwrap().collect();
    // At least a run's, the comparison's and the sweep's (some names clean to the same folder).
    assert!(runs.len() >= 3, "{} folders in out/", runs.len());
    for e in runs {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name.len() <= 64, "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{name}"
        );
        assert!(!name.starts_with('.'), "{name}");
        let stem = name.split('.').next().unwrap().to_ascii_uppercase();
        assert!(
            !["CON", "NUL", "PRN", "AUX"].contains(&stem.as_str()),
            "{name}"
        );
    }
}

#[test]
fn variant_names_cannot_escape_the_output_directory() {
    let batch = "[[variant]]\nname = \"../../escaped\"\nset = { \"org.seats\" = 5 }\n[[variant]]\nname = \"/tmp/x\"\nset = { \"org.seats\" = 7 }\n";
    let dir = scratch(&[("s.toml", SMALL), ("batch.toml", batch)]);
    let o = in_dir(
        dir.path(),
        &[
            "sweep",
            "s.toml",
            "--variants",
            "batch.toml",
            "--trials",
            "2",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut top: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["batch.toml", "out", "s.toml"]);
    for p in tree(&dir.path().join("out")) {
        assert!(!p.contains(".."), "{p}");
    }
}

// ---------------------------------------------------------------------------------------------
// Writes that fail

fn require_fs_tests() -> bool {
    std::env::var("REVSIM_REQUIRE_FS_TESTS").is_ok_and(|v| v == "1")
}

fn skip(why: &str) {
    assert!(!require_fs_tests(), "REVSIM_REQUIRE_FS_TESTS=1 but {why}");
    eprintln!("skipped: {why}");
}

#[test]
fn an_output_path_that_is_a_file_or_under_a_file_is_a_clear_error() {
    let dir = scratch(&[("s.toml", SMALL), ("taken", "a file")]);
    let o = in_dir(dir.path(), &["run", "s.toml", "--out", "taken"]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("out_is_a_file", stderr(&o));
    let o = in_dir(dir.path(), &["run", "s.toml", "--out", "taken/sub"]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("out_under_a_file", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.path().join("taken")).unwrap(),
        "a file"
    );
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs revsim in `dir` as an unprivileged user (through setpriv when we are root), so that
/// directory permissions apply. The binary is copied into `dir` first, since the build
/// directory may not be open to that user.
#[cfg(unix)]
fn unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("revsim-copy");
    if !bin.exists() {
        fs::copy(assert_cmd::cargo::cargo_bin("revsim"), &bin).unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    }
    if !is_root() {
        return Some(
            std::process::Command::new(&bin)
                .current_dir(dir)
                .args(args)
                .output()
                .unwrap(),
        );
    }
    let drop = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let probe = std::process::Command::new("setpriv")
        .args(drop)
        .arg(&bin)
        .arg("--version")
        .current_dir(dir)
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        return None;
    }
    Some(
        std::process::Command::new("setpriv")
            .args(drop)
            .arg(&bin)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap(),
    )
}

#[cfg(unix)]
#[test]
fn an_unwritable_output_directory_is_a_clear_error_with_nothing_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch(&[("s.toml", SMALL)]);
    // The unprivileged user must reach the scenario.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(dir.path().join("s.toml"), fs::Permissions::from_mode(0o644)).unwrap();
    let locked = dir.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let Some(o) = unprivileged(dir.path(), &["run", "s.toml", "--out", "locked/out"]) else {
        return skip("setpriv cannot drop root privileges here");
    };
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    insta::assert_snapshot!("out_unwritable", stderr(&o));
    // An existing output directory that cannot be written: its lock cannot be taken, before
    // anything runs, and nothing (not even a temporary file) is left.
    let o = unprivileged(dir.path(), &["run", "s.toml", "--out", "locked"]).unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stderr(&o);
    assert!(
        text.contains("locked: cannot lock the output directory")
            && text.contains("Permission denied"),
        "{text}"
    );
    assert!(text.contains("nothing was written"), "{text}");
    assert_eq!(fs::read_dir(&locked).unwrap().count(), 0);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs revsim with `out/` on a tmpfs of `size` bytes, mounted in a private user and mount
/// namespace, with a previous run's `run.json` in it; copies what the tmpfs holds afterwards to
/// `seen/` (the mount ends with the namespace).
fn on_tiny_disk(dir: &Path, size: usize, args: &[&str]) -> Option<Output> {
    let probe = std::process::Command::new("unshare")
        .args([
            "-rm",
            "sh",
            "-c",
            "mkdir -p probe && mount -t tmpfs -o size=4k tmpfs probe",
        ])
        .current_dir(dir)
        .output();
    let _ = fs::remove_dir(dir.join("probe"));
    if !probe.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let _ = fs::remove_dir_all(dir.join("out"));
    let _ = fs::remove_dir_all(dir.join("seen"));
    fs::create_dir(dir.join("out")).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let script = format!(
        "mount -t tmpfs -o size={size} tmpfs out || exit 99; echo '{{}}' > out/run.json; \"$0\" \"$@\"; code=$?; mkdir seen && cp -a out/. seen/; exit $code"
    );
    Some(
        std::process::Command::new("unshare")
            .args(["-rm", "sh", "-c", &script])
            .arg(bin)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap(),
    )
}

#[test]
fn a_full_disk_leaves_only_complete_files_and_no_manifest() {
    let dir = scratch(&[("s.toml", SMALL)]);
    // The files a complete run writes, to compare with.
    let o = in_dir(
        dir.path(),
        &[
            "run",
            "s.toml",
            "--out",
            "reference",
            "--threads",
            "1",
            "--quiet",
        ],
    );
    assert!(o.status.success());
    let reference = dir.path().join("reference");
    // Two sizes: one fills up after summary.json, one among the charts (tmpfs counts pages).
    let bytes = |f: &str| fs::metadata(reference.join(f)).unwrap().len() as usize;
    let page = |n: usize| n.div_ceil(4096) * 4096;
    let data = ["summary.json", "monthly.csv", "trials.csv"];
    let charts: usize = tree(&reference.join("charts"))
        .iter()
        .map(|f| page(bytes(&format!("charts/{f}"))))
        .sum();
    let small = page(bytes("summary.json")) + 8192;
    let large = data.iter().map(|f| page(bytes(f))).sum::<usize>() + 8192 + charts / 2;
    for size in [small, large] {
        // --force replaces a previous run: its run.json must go before any file is replaced,
        // so that a failed run never looks complete.
        let Some(o) = on_tiny_disk(
            dir.path(),
            size,
            &[
                "run",
                "s.toml",
                "--out",
                "out",
                "--force",
                "--threads",
                "1",
                "--quiet",
            ],
        ) else {
            return skip("unshare -rm cannot mount a tmpfs here");
        };
        let text = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{size}: {text}");
        assert!(text.contains("No space left on device"), "{text}");
        assert!(text.contains("run.json was not written"), "{text}");
        assert!(text.contains("no temporary file is left"), "{text}");
        let seen = dir.path().join("seen");
        let kept = tree(&seen);
        assert!(
            !kept.iter().any(|f| f == "run.json"),
            "{size}: a stale manifest: {kept:?}"
        );
        let mut compared = 0;
        for f in kept.iter().filter(|f| !f.starts_with(".revsim")) {
            let name = f.rsplit('/').next().unwrap();
            assert!(!name.starts_with('.'), "{size}: temporary file {f} left");
            let path = seen.join(f);
            if path.is_dir() || f == "report.html" {
                continue;
            }
            assert_eq!(
                fs::read(&path).unwrap(),
                fs::read(reference.join(f)).unwrap(),
                "{size}: {f} is not the complete file"
            );
            compared += 1;
        }
        // The error names the files it kept, and they are the ones on disk.
        for f in ["summary.json", "monthly.csv", "trials.csv"] {
            assert_eq!(
                kept.iter().any(|k| k == f),
                text.split("kept, complete:")
                    .nth(1)
                    .is_some_and(|t| t.contains(f)),
                "{size}: {f}: {text}"
            );
        }
        if size == large {
            assert!(
                compared >= 3,
                "{size}: the large disk holds the data files: {kept:?}"
            );
        }
    }
}
