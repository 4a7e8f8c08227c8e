//! Ctrl-C and SIGTERM during a run or a batch (Unix: the signals are sent with `kill`): exit
//! code 130, a message saying what was kept, no temporary or half-written file, and nothing
//! already on disk replaced.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn revsim() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_revsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Waits until `ready` holds (or 60 s pass), then sends `signal` and returns the exit code
/// and standard error.
fn interrupt(mut child: Child, signal: &str, ready: &dyn Fn() -> bool) -> (Option<i32>, String) {
    let start = Instant::now();
    while !ready() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the command finished before it could be interrupted"
    );
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `dir`, relative, sorted (revsim's own `.revsim/`, the lock, left out).
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p == dir.join(".revsim") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn no_temporary_files(dir: &Path) {
    let left: Vec<String> = files(dir)
        .into_iter()
        .filter(|f| f.contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A run long enough to interrupt: a million trials of the baseline take tens of seconds.
fn long_run(out: &Path, force: bool) -> Child {
    let mut c = revsim();
    c.args([
        "run",
        "scenarios/baseline.toml",
        "--trials",
        "1000000",
        "--quiet",
        "--out",
    ])
    .arg(out);
    if force {
        c.arg("--force");
    }
    c.spawn().unwrap()
}

#[test]
fn ctrl_c_during_a_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let started = Instant::now();
    let child = long_run(&out, false);
    let (code, stderr) = interrupt(child, "INT", &|| {
        out.is_dir() && started.elapsed() > Duration::from_millis(500)
    });
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: nothing was written"),
        "{stderr}"
    );
    assert!(files(&out).is_empty(), "{:?}", files(&out));
}

#[test]
fn sigterm_during_a_run_leaves_the_previous_run_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let ok = revsim()
        .args(["run", "scenarios/baseline.toml", "--trials", "200", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(ok.status.success());
    let before: Vec<(String, Vec<u8>)> = files(&out)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(out.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    let started = Instant::now();
    let child = long_run(&out, true);
    let (code, stderr) = interrupt(child, "TERM", &|| {
        started.elapsed() > Duration::from_secs(1)
    });
    assert_eq!(code, Some(130), "{stderr}");
    let after: Vec<(String, Vec<u8>)> = files(&out)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(out.join(&f)).unwrap();
            (f, bytes)
        })
        .collect();
    assert!(before == after, "the previous run's files changed");
}

#[test]
fn an_interrupted_write_keeps_whole_files_and_no_manifest() {
    // Writes are slowed (a test hook) so that the signal lands while the run writes its files.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let child = revsim()
        .env("REVSIM_TEST_WRITE_DELAY_MS", "300")
        .args([
            "run",
            "scenarios/baseline.toml",
            "--trials",
            "200",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .spawn()
        .unwrap();
    let (code, stderr) = interrupt(child, "INT", &|| out.join("summary.json").exists());
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("complete file(s)"), "{stderr}");
    assert!(stderr.contains("summary.json"), "{stderr}");
    assert!(
        stderr.contains("run.json, written last, was not"),
        "{stderr}"
    );
    no_temporary_files(&out);
    let kept = files(&out);
    assert!(!kept.contains(&"run.json".to_string()), "{kept:?}");
    // What was kept is whole: summary.json parses.
    let summary = std::fs::read(out.join("summary.json")).unwrap();
    serde_json::from_slice::<serde_json::Value>(&summary).expect("summary.json is complete");
}

#[test]
fn an_interrupted_sweep_keeps_finished_variants_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    let args = |c: &mut Command| {
        c.args([
            "sweep",
            "scenarios/baseline.toml",
            "--vary",
            "attrition.annual_rate=0.2..0.4:0.01",
            "--trials",
            "3000",
            "--quiet",
            "--out",
        ])
        .arg(&out);
    };
    let mut c = revsim();
    args(&mut c);
    let child = c.spawn().unwrap();
    let variants = out.join("variants");
    let (code, stderr) = interrupt(child, "INT", &|| {
        std::fs::read_dir(&variants).is_ok_and(|d| d.count() >= 2)
    });
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("Each finished variant is kept"), "{stderr}");
    no_temporary_files(&out);
    // Rerun: it resumes and finishes.
    let mut c = revsim();
    args(&mut c);
    let done = c.output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(out.join("sweep.csv").exists());
}

#[test]
fn ctrl_c_while_the_manifest_is_written_says_the_run_finished() {
    // Only run.json's write is slowed (the test hook), so that the signal lands while it is
    // written: the write completes, and the message must say so.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let child = revsim()
        .env("REVSIM_TEST_WRITE_DELAY_MS", "700")
        .env("REVSIM_TEST_WRITE_DELAY_FILE", "run.json")
        .args([
            "run",
            "scenarios/baseline.toml",
            "--trials",
            "200",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .spawn()
        .unwrap();
    let (code, stderr) = interrupt(child, "INT", &|| {
        std::fs::read_dir(&out).is_ok_and(|d| {
            d.filter_map(Result::ok).any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".run.json.tmp-")
            })
        })
    });
    assert_eq!(code, Some(130), "{stderr}");
    let manifest = std::fs::read(out.join("run.json")).expect("run.json was completed");
    serde_json::from_slice::<serde_json::Value>(&manifest).expect("run.json is whole");
    no_temporary_files(&out);
    assert!(!stderr.contains("was not"), "{stderr}");
    assert!(!stderr.contains("rerun"), "{stderr}");
    assert!(
        stderr.contains("run.json, written last, is complete"),
        "{stderr}"
    );
}
