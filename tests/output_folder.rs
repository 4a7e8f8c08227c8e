//! The output folder as the commands leave it: one writer at a time (a lock, `--wait`), no
//! write through a link revsim did not make, no stale file after `--force`, no temporary file
//! left by a killed process, and a manifest written last by every command that writes one.
//!
//! Commands run as processes (Unix: a killed holder is killed with SIGKILL). Writes are slowed
//! by the test hook `REVSIM_TEST_WRITE_DELAY_MS` so that a second command can meet the first
//! while it writes.

use crate::common::{SMALL, stderr};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn revsim(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_revsim"));
    c.current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// A scratch directory holding `s.toml`, as the commands' current directory.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.toml"), SMALL).unwrap();
    dir
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn crm(name: &str) -> PathBuf {
    repo().join("tests/fixtures/crm").join(name)
}

/// Waits (up to 60 s) until `ready` holds.
fn wait_until(what: &str, ready: &dyn Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `run s.toml` into `out` with every write slowed by `delay_ms`, started in the background.
fn slow_run(dir: &Path, delay_ms: u32, args: &[&str]) -> Child {
    revsim(dir)
        .env("REVSIM_TEST_WRITE_DELAY_MS", delay_ms.to_string())
        .args(["run", "s.toml", "--quiet"])
        .args(args)
        .spawn()
        .unwrap()
}

/// Every file under `dir`, relative, sorted; revsim's own `.revsim/` left out.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue; // not made yet, or removed meanwhile
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if rel == ".revsim" {
                continue;
            }
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn temporary(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|f| f.contains(".tmp-"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// One writer at a time

#[test]
fn a_second_writer_is_refused_naming_the_holder() {
    let dir = scratch();
    let out = dir.path().join("out");
    let holder = slow_run(
        dir.path(),
        200,
        &["--out", "out", "--seed", "11", "--trials", "300"],
    );
    wait_until("the first run to write", &|| {
        out.join("summary.json").exists()
    });
    let second = revsim(dir.path())
        .args(["run", "s.toml", "--quiet", "--out", "out", "--force"])
        .args(["--seed", "22", "--trials", "50"])
        .output()
        .unwrap();
    let text = stderr(&second);
    assert_eq!(second.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("pid {}", holder.id())),
        "names the holder's pid: {text}"
    );
    assert!(
        text.contains("revsim run s.toml --quiet --out out"),
        "{text}"
    );
    assert!(text.contains("--wait"), "{text}");
    let first = holder.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    // The folder holds the first run, whole: nothing of the second.
    let manifest = json(&out.join("run.json"));
    assert_eq!(
        (manifest["seed"].as_u64(), manifest["trials"].as_u64()),
        (Some(11), Some(300))
    );
    assert_eq!(json(&out.join("summary.json"))["trials"], 300);
    let trials = fs::read_to_string(out.join("trials.csv")).unwrap();
    assert_eq!(trials.lines().count(), 301);
    // The snapshot, with what changes from run to run (pid, host, time) blanked.
    let holder_at = text.find("pid ").unwrap();
    let line_end = holder_at + text[holder_at..].find(": revsim").unwrap();
    let shown = format!("{}<holder>{}", &text[..holder_at], &text[line_end..]);
    insta::assert_snapshot!("folder_in_use", shown);
}

#[test]
fn wait_takes_the_folder_once_the_holder_is_done() {
    let dir = scratch();
    let out = dir.path().join("out");
    let holder = slow_run(
        dir.path(),
        150,
        &["--out", "out", "--seed", "11", "--trials", "300"],
    );
    wait_until("the first run to write", &|| {
        out.join("summary.json").exists()
    });
    let second = revsim(dir.path())
        .args(["run", "s.toml", "--out", "out", "--force", "--wait"])
        .args(["--seed", "22", "--trials", "50"])
        .output()
        .unwrap();
    let text = stderr(&second);
    assert!(second.status.success(), "{text}");
    assert!(text.contains("waiting for"), "says it waits: {text}");
    let first = holder.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    // The second run came after the first, whole.
    let manifest = json(&out.join("run.json"));
    assert_eq!(
        (manifest["seed"].as_u64(), manifest["trials"].as_u64()),
        (Some(22), Some(50))
    );
    assert_eq!(json(&out.join("summary.json"))["trials"], 50);
    let trials = fs::read_to_string(out.join("trials.csv")).unwrap();
    assert_eq!(trials.lines().count(), 51);
}

#[cfg(unix)]
#[test]
fn a_killed_holder_releases_the_folder() {
    let dir = scratch();
    let out = dir.path().join("out");
    let mut holder = slow_run(dir.path(), 10_000, &["--out", "out"]);
    wait_until("the run to start writing", &|| !temporary(&out).is_empty());
    holder.kill().unwrap(); // SIGKILL: no handler runs
    holder.wait().unwrap();
    let next = revsim(dir.path())
        .args(["run", "s.toml", "--quiet", "--out", "out", "--force"])
        .output()
        .unwrap();
    assert!(next.status.success(), "{}", stderr(&next));
    assert!(out.join("run.json").is_file());
}

#[test]
fn shards_share_a_folder_and_a_merge_waits_its_turn() {
    let dir = scratch();
    let parts = dir.path().join("parts");
    let shard = |i: u32| -> Command {
        let mut c = revsim(dir.path());
        c.args([
            "run", "s.toml", "--quiet", "--trials", "200", "--out", "parts",
        ])
        .arg("--shard")
        .arg(format!("{i}/2"));
        c
    };
    // Shard 1 writes its part slowly; shard 2 writes beside it at the same time.
    let slow = shard(1)
        .env("REVSIM_TEST_WRITE_DELAY_MS", "3000")
        .spawn()
        .unwrap();
    wait_until("shard 1 to write", &|| !temporary(&parts).is_empty());
    let other = shard(2).output().unwrap();
    assert!(other.status.success(), "{}", stderr(&other));
    // A merge into the folder while a shard still writes there is refused, naming the shard.
    let merge = revsim(dir.path())
        .args(["merge", "parts", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(merge.status.code(), Some(2), "{}", stderr(&merge));
    assert!(
        stderr(&merge).contains(&format!("pid {}", slow.id())),
        "{}",
        stderr(&merge)
    );
    let done = slow.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", stderr(&done));
    let merge = revsim(dir.path())
        .args(["merge", "parts", "--quiet"])
        .output()
        .unwrap();
    assert!(merge.status.success(), "{}", stderr(&merge));
    assert_eq!(json(&parts.join("run.json"))["trials"], 200);
}

// ---------------------------------------------------------------------------------------------
// Links revsim did not make

#[cfg(unix)]
#[test]
fn a_symlinked_subfolder_is_refused_not_followed() {
    let dir = scratch();
    let (out, victim) = (dir.path().join("out"), dir.path().join("victim"));
    let o = revsim(dir.path())
        .args(["run", "s.toml", "--quiet", "--out", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    fs::create_dir(&victim).unwrap();
    fs::write(victim.join("precious.txt"), "keep").unwrap();
    fs::remove_dir_all(out.join("charts")).unwrap();
    std::os::unix::fs::symlink("../victim", out.join("charts")).unwrap();
    // A linked file is replaced by the new file, its target left alone.
    fs::remove_file(out.join("monthly.csv")).unwrap();
    std::os::unix::fs::symlink("../victim/precious.txt", out.join("monthly.csv")).unwrap();
    let o = revsim(dir.path())
        .args(["run", "s.toml", "--quiet", "--out", "out", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        files(&victim),
        ["precious.txt"],
        "nothing written through the link"
    );
    assert_eq!(
        fs::read_to_string(victim.join("precious.txt")).unwrap(),
        "keep"
    );
    assert!(!out.join("monthly.csv").is_symlink());
    assert!(
        out.join("charts").is_symlink(),
        "the user's link is left as it was"
    );
    assert!(!out.join("run.json").exists());
    insta::assert_snapshot!("symlinked_subfolder", stderr(&o));
    // A batch's store of variants is checked the same way.
    let o = revsim(dir.path())
        .args([
            "sweep",
            "s.toml",
            "--vary",
            "org.seats=5,6",
            "--trials",
            "5",
        ])
        .args(["--quiet", "--out", "batch"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let batch = dir.path().join("batch");
    fs::remove_dir_all(batch.join("variants")).unwrap();
    std::os::unix::fs::symlink("../victim", batch.join("variants")).unwrap();
    let o = revsim(dir.path())
        .args([
            "sweep",
            "s.toml",
            "--vary",
            "org.seats=5,6,7",
            "--trials",
            "5",
        ])
        .args(["--quiet", "--out", "batch", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("batch/variants"), "{}", stderr(&o));
    assert_eq!(
        files(&victim),
        ["precious.txt"],
        "nothing written through the link"
    );
}

// ---------------------------------------------------------------------------------------------
// Temporary files of a killed process

#[cfg(unix)]
#[test]
fn a_killed_runs_temporary_files_are_cleaned_by_the_next_run() {
    let dir = scratch();
    let out = dir.path().join("out");
    let mut killed = slow_run(dir.path(), 10_000, &["--out", "out"]);
    wait_until("a temporary file", &|| !temporary(&out).is_empty());
    killed.kill().unwrap(); // SIGKILL: no handler cleans up
    killed.wait().unwrap();
    assert_eq!(temporary(&out).len(), 1, "{:?}", files(&out));
    // The folder holds nothing but the temporary file: not "non-empty", and cleaned.
    let o = revsim(dir.path())
        .args(["run", "s.toml", "--quiet", "--out", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(temporary(&out).is_empty(), "{:?}", temporary(&out));
    // One in a subfolder goes too; a user's file that merely looks alike stays.
    let stale = out.join("charts/.arr-fan.svg.tmp-node7-4242-18a3f2c9d1e0b7a4-3");
    fs::write(&stale, "half").unwrap();
    fs::write(out.join(".notes.tmp-draft"), "mine").unwrap();
    let o = revsim(dir.path())
        .args(["run", "s.toml", "--quiet", "--out", "out", "--force"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists());
    assert!(out.join(".notes.tmp-draft").exists());
}

// ---------------------------------------------------------------------------------------------
// What --force leaves

#[test]
fn force_removes_the_previous_runs_files_and_only_those() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = |args: &[&str]| {
        let o = revsim(&repo())
            .args(args)
            .args(["--trials", "60", "--quiet", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    // A scenario with a VP draws charts/vp-tenure.*; the baseline has none.
    run(&["run", "scenarios/vp-churn.toml"]);
    assert!(out.join("charts/vp-tenure.svg").is_file());
    fs::write(out.join("notes.txt"), "mine").unwrap();
    fs::create_dir(out.join("drafts")).unwrap();
    fs::write(out.join("drafts/plan.md"), "mine too").unwrap();
    run(&["run", "scenarios/baseline.toml", "--force"]);
    for gone in ["charts/vp-tenure.svg", "charts/vp-tenure.png"] {
        assert!(!out.join(gone).exists(), "{gone} survived --force");
    }
    // Every file in the folder is the new run's, as run.json lists them, or the user's own.
    let manifest = json(&out.join("run.json"));
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in files(&out) {
        assert!(
            listed.contains(&f.as_str()) || f == "notes.txt" || f == "drafts/plan.md",
            "{f} is neither the run's nor the user's"
        );
    }
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    assert_eq!(
        fs::read_to_string(out.join("drafts/plan.md")).unwrap(),
        "mine too"
    );
    // Another command into the folder: the run's files go, the user's stay.
    let o = revsim(&repo())
        .args([
            "sweep",
            "scenarios/baseline.toml",
            "--vary",
            "org.seats=46,50",
        ])
        .args(["--trials", "20", "--quiet", "--force", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for gone in [
        "run.json",
        "summary.json",
        "trials.csv",
        "charts/arr-fan.svg",
    ] {
        assert!(!out.join(gone).exists(), "{gone} survived the sweep");
    }
    assert!(out.join("sweep.csv").is_file());
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
}

// ---------------------------------------------------------------------------------------------
// The edit-run loop: a rerun of the same file replaces its run

#[test]
fn a_rerun_of_the_same_file_replaces_its_run_without_force() {
    let dir = scratch();
    let out = dir.path().join("out");
    let run = |file: &str, extra: &[&str]| {
        revsim(dir.path())
            .args(["run", file, "--quiet", "--out", "out"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run("s.toml", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = json(&out.join("run.json"))["scenario_sha256"].clone();
    // Edited, then run again: the folder is the previous run of the same file.
    fs::write(
        dir.path().join("s.toml"),
        SMALL.replace("seed = 3", "seed = 4"),
    )
    .unwrap();
    let o = run("s.toml", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(json(&out.join("run.json"))["scenario_sha256"], first);
    // The same file by another path.
    let o = run("./s.toml", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Another scenario file into that folder: refused, naming the one it holds.
    fs::write(dir.path().join("t.toml"), SMALL).unwrap();
    let o = run("t.toml", &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("another scenario file") && e.contains("s.toml"),
        "{e}"
    );
    assert!(e.contains("--force"), "{e}");
    assert!(
        out.join("run.json").is_file(),
        "the refused run removed nothing"
    );
    let o = run("t.toml", &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A file revsim did not write: refused, even for the same scenario, and kept.
    fs::write(out.join("notes.txt"), "mine").unwrap();
    let o = run("t.toml", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("refusing to overwrite"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    fs::remove_file(out.join("notes.txt")).unwrap();
    // Standard input is never the same file.
    let mut child = revsim(dir.path())
        .args(["run", "-", "--quiet", "--out", "out"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(SMALL.as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // Another command's files are not a run: a run into them needs --force.
    let o = revsim(dir.path())
        .args([
            "sweep",
            "t.toml",
            "--vary",
            "org.seats=5,6",
            "--trials",
            "10",
        ])
        .args(["--quiet", "--force", "--out", "out"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run("t.toml", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// calibrate and backtest: a manifest written last

/// Makes `charts` under `out` a file, so that a command fails when it comes to its charts,
/// after writing its first files.
fn block_charts(out: &Path) {
    let _ = fs::remove_dir_all(out.join("charts"));
    fs::write(out.join("charts"), "not a folder").unwrap();
}

#[test]
fn a_failed_calibration_does_not_look_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cal");
    let calibrate = |force: bool| {
        let mut c = revsim(tmp.path());
        c.arg("calibrate")
            .arg(crm("example.csv"))
            .args(["--quiet", "--out", "cal"]);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let o = calibrate(false);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = json(&out.join("run.json"));
    let listed = manifest["files"].as_array().unwrap();
    assert!(listed.iter().any(|f| f == "calibrated.toml"), "{manifest}");
    assert!(listed.iter().any(|f| f == "fit-report.html"), "{manifest}");
    block_charts(&out);
    let o = calibrate(true);
    let text = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(!out.join("run.json").exists(), "a stale manifest");
    let kept = text
        .split("kept, complete:")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    for f in ["calibrated.toml", "fit.json", "reps.csv"] {
        assert!(kept.contains(f) && out.join(f).is_file(), "{f}: {text}");
    }
    assert!(text.contains("run.json was not written"), "{text}");
}

#[test]
fn a_failed_backtest_does_not_look_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bt");
    let backtest = |force: bool| {
        let mut c = revsim(tmp.path());
        c.arg("backtest")
            .arg(crm("example.csv"))
            .args(["--as-of", "2024-08", "--months", "3", "--trials", "200"])
            .args(["--quiet", "--out", "bt"]);
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    let o = backtest(false);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("backtest.json").is_file());
    block_charts(&out);
    let o = backtest(true);
    let text = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(!out.join("backtest.json").exists(), "a stale manifest");
    let kept = text
        .split("kept, complete:")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    for f in ["backtest.csv", "coverage.csv", "origins/"] {
        assert!(kept.contains(f), "{f}: {text}");
    }
    assert!(text.contains("backtest.json was not written"), "{text}");
}
