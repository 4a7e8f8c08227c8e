//! `revsim calibrate` as a user runs it (tier 4): each column layout, forced layouts and
//! explicit mappings, a snapshot of the error for every class of bad row, `--skip-bad-rows`
//! counts, the output directory's conventions, and fragments that load (over a minimal
//! scenario, and with `extends` over the bundled baseline). The fixtures are in
//! tests/fixtures/crm/: the same 16 deals written as a revsim, a Salesforce and a HubSpot
//! export, and a larger made-up export (example.csv) that docs/calibrate.md quotes.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::common;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/crm")
        .join(name)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

/// Printed prose with its line breaks as spaces: the terminal wraps it at 80 columns, where
/// depends on the length of the paths in it.
fn prose(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// Runs `revsim calibrate FILE ARGS --out TMP/NAME`; returns the output directory and what it
/// printed (as [`prose`]).
fn calibrate(tmp: &Path, file: &Path, name: &str, args: &[&str]) -> (PathBuf, String) {
    let out = tmp.join(name);
    let a = revsim()
        .arg("calibrate")
        .arg(file)
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    (out, prose(&stdout(&a)))
}

#[test]
fn each_layout_is_detected_and_gives_the_same_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut fits = Vec::new();
    for layout in ["revsim", "salesforce", "hubspot"] {
        let (out, text) = calibrate(tmp.path(), &fixture(&format!("{layout}.csv")), layout, &[]);
        assert!(text.contains(&format!("({layout} layout)")), "{text}");
        assert!(
            text.contains(
                "16 opportunities, 14 closed (6 won, 5 lost, 3 no decision), 2 open, 3 owners"
            ),
            "{layout}: {text}"
        );
        for f in [
            "calibrated.toml",
            "fit.json",
            "reps.csv",
            "fit-report.html",
            "charts/deal-size.svg",
            "charts/deal-size.png",
            "charts/cycle-won.svg",
        ] {
            assert!(out.join(f).is_file(), "{layout}: no {f}");
        }
        let fit = json(&out.join("fit.json"));
        assert_eq!(fit["source"]["layout"], layout);
        // The HubSpot fixture has no segment column; the other two have three segments.
        let segments: Vec<&str> = fit["fragments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap())
            .collect();
        if layout == "hubspot" {
            assert_eq!(segments, ["calibrated.toml"]);
        } else {
            assert_eq!(
                segments,
                [
                    "calibrated.toml",
                    "calibrated-enterprise.toml",
                    "calibrated-mid-market.toml",
                    "calibrated-smb.toml"
                ]
            );
        }
        let reps = fs::read_to_string(out.join("reps.csv")).unwrap();
        assert_eq!(reps.lines().count(), 4, "header + 3 owners: {reps}");
        fits.push(fit["org"].clone());
    }
    // Salesforce's check boxes and loss reasons, HubSpot's stages and reasons, and revsim's
    // outcome column say the same thing about the same deals.
    assert_eq!(fits[0], fits[1], "revsim vs salesforce");
    assert_eq!(fits[0], fits[2], "revsim vs hubspot");
}

#[test]
fn forced_layouts_and_explicit_mappings() {
    let tmp = tempfile::tempdir().unwrap();
    // The unknown layout reads once every field is named.
    let (out, text) = calibrate(
        tmp.path(),
        &fixture("unknown-layout.csv"),
        "mapped",
        &[
            "--map",
            "id=Deal",
            "--map",
            "owner=Rep",
            "--map",
            "created=Opened",
            "--map",
            "closed=Decided",
            "--map",
            "amount=Value",
            "--map",
            "outcome=Result",
        ],
    );
    assert!(text.contains("(custom (--map) layout)"), "{text}");
    assert_eq!(
        json(&out.join("fit.json"))["source"]["columns"]["owner"],
        "Rep"
    );
    // A mapping fills the one column a known layout lacks.
    let sf = common::edit(
        &fs::read_to_string(fixture("salesforce.csv")).unwrap(),
        "Opportunity Owner",
        "Account Executive",
    );
    let file = tmp.path().join("sf.csv");
    fs::write(&file, sf).unwrap();
    let (_, text) = calibrate(
        tmp.path(),
        &file,
        "sf",
        &["--map", "owner=Account Executive"],
    );
    assert!(text.contains("(salesforce layout)"), "{text}");
    // Forcing a layout the file is not is an error that says what that layout misses.
    let a = revsim()
        .current_dir(fixture(""))
        .args([
            "calibrate",
            "revsim.csv",
            "--columns",
            "salesforce",
            "--out",
        ])
        .arg(tmp.path().join("forced"))
        .assert()
        .code(2);
    insta::assert_snapshot!("forced_layout_mismatch", stderr(&a));
}

#[test]
fn an_unknown_layout_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let a = revsim()
        .current_dir(fixture(""))
        .args(["calibrate", "unknown-layout.csv", "--out"])
        .arg(tmp.path().join("x"))
        .assert()
        .code(2);
    insta::assert_snapshot!("unknown_layout", stderr(&a));
    assert!(
        !tmp.path().join("x").exists(),
        "nothing is written for a bad export"
    );
}

/// The error for the revsim fixture with `from` replaced by `to` (once), run as
/// `revsim calibrate history.csv` in a temporary folder.
fn bad_row_error(from: &[u8], to: &[u8]) -> String {
    bad_row_error_with(from, to, &[])
}

/// As [`bad_row_error`], with more arguments.
fn bad_row_error_with(from: &[u8], to: &[u8], args: &[&str]) -> String {
    let base = fs::read(fixture("revsim.csv")).unwrap();
    let at = base
        .windows(from.len())
        .position(|w| w == from)
        .expect("the edit applies to the fixture");
    let mut text = base[..at].to_vec();
    text.extend_from_slice(to);
    text.extend_from_slice(&base[at + from.len()..]);
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("history.csv"), text).unwrap();
    let a = revsim()
        .current_dir(tmp.path())
        .args(["calibrate", "history.csv"])
        .args(args)
        .assert()
        .code(2);
    stderr(&a)
}

macro_rules! bad_row {
    ($name:ident, $from:expr, $to:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(bad_row_error($from, $to));
        }
    };
}

bad_row!(
    bad_row_unparseable_date,
    b"OPP-03,Ann Lee,2024-02-03",
    b"OPP-03,Ann Lee,2024-02-30"
);
/// A day-first date in an export read month first: the fix names the order that reads it.
/// (Without `--date-order` this export reads day first: its one slash date decides it.)
#[test]
fn bad_row_day_first_date() {
    insta::assert_snapshot!(bad_row_error_with(
        b"OPP-03,Ann Lee,2024-02-03",
        b"OPP-03,Ann Lee,15/02/2024",
        &["--date-order", "mdy"]
    ));
}
// One slash date with a day of 12 or less: month first and day first read it differently.
bad_row!(
    date_order_ambiguous,
    b"OPP-03,Ann Lee,2024-02-03",
    b"OPP-03,Ann Lee,2/3/2024"
);

/// A saved mapping with a misspelt field: located at its line and column.
#[test]
fn map_file_unknown_field() {
    let tmp = tempfile::tempdir().unwrap();
    fs::copy(fixture("revsim.csv"), tmp.path().join("history.csv")).unwrap();
    fs::write(
        tmp.path().join("team.toml"),
        "date_order = \"dmy\"\n\n[map]\nownr = \"Account Executive\"\n",
    )
    .unwrap();
    let a = revsim()
        .current_dir(tmp.path())
        .args(["calibrate", "history.csv", "--map", "team.toml"])
        .assert()
        .code(2);
    insta::assert_snapshot!(stderr(&a));
}

bad_row!(
    bad_row_close_before_created,
    b"2024-03-11,2024-05-30",
    b"2024-03-11,2024-02-28"
);
bad_row!(bad_row_negative_amount, b",48000,", b",-48000,");
bad_row!(bad_row_unparseable_amount, b",36500,", b",\"36.500,00\",");
bad_row!(
    bad_row_unknown_outcome,
    b"41000,no decision",
    b"41000,pending"
);
bad_row!(bad_row_missing_owner, b"OPP-07,Raj Patel", b"OPP-07,");
bad_row!(bad_row_missing_won_amount, b",55200,won", b",,won");
bad_row!(bad_row_duplicate_id, b"OPP-10,", b"OPP-09,");
bad_row!(
    bad_row_wrong_number_of_cells,
    b"2024-06-14,29900,lost,Mid-Market",
    b"2024-06-14,29900,lost"
);
bad_row!(
    bad_row_not_utf8,
    b"Mei Wong,2024-01-30",
    b"Mei W\xf6ng,2024-01-30"
);

#[test]
fn skip_bad_rows_counts_them_by_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("skip");
    let a = revsim()
        .arg("calibrate")
        .arg(fixture("bad-rows.csv"))
        .args(["--skip-bad-rows", "--out"])
        .arg(&out)
        .assert()
        .success();
    let err = stderr(&a);
    assert!(
        err.contains("warning: skipped 8 bad row(s): 1 wrong number of cells, 1 missing value, 1 unparseable date, 1 close date before created date, 1 unparseable amount, 1 negative amount, 1 unknown outcome, 1 duplicate id (rows 4, 5, 6, 7, 8, 9, 10, 11;"),
        "{err}"
    );
    let fit = json(&out.join("fit.json"));
    assert_eq!(fit["source"]["opportunities"], 7);
    let counts = &fit["source"]["bad_row_counts"];
    for reason in [
        "wrong number of cells",
        "missing value",
        "unparseable date",
        "close date before created date",
        "unparseable amount",
        "negative amount",
        "unknown outcome",
        "duplicate id",
    ] {
        assert_eq!(counts[reason], 1, "{reason}: {counts}");
    }
    let rows: Vec<u64> = fit["source"]["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [4, 5, 6, 7, 8, 9, 10, 11]);
    let report = fs::read_to_string(out.join("fit-report.html")).unwrap();
    assert!(
        report.contains("8 bad rows were skipped"),
        "report lists them"
    );
    let fragment = fs::read_to_string(out.join("calibrated.toml")).unwrap();
    assert!(
        fragment.contains("# 8 bad rows of the export were skipped (1 wrong number of cells,"),
        "{fragment}"
    );
    // Without the flag the first bad row stops the command.
    revsim()
        .arg("calibrate")
        .arg(fixture("bad-rows.csv"))
        .arg("--out")
        .arg(tmp.path().join("stop"))
        .assert()
        .code(2);
}

#[test]
fn fragments_load_over_a_base_and_simulate() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("baseline.toml");
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
        &base,
    )
    .unwrap();
    // With --extends, every fragment is a complete scenario.
    let out = tmp.path().join("out");
    let a = revsim()
        .arg("calibrate")
        .arg(fixture("example.csv"))
        .arg("--extends")
        .arg(&base)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(prose(&stdout(&a)).contains("Each fragment loads over its base."));
    let mut fragments: Vec<PathBuf> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    fragments.sort();
    assert_eq!(fragments.len(), 4);
    for f in &fragments {
        let text = fs::read_to_string(f).unwrap();
        assert!(text.contains("extends = \"../baseline.toml\""), "{text}");
        let check = revsim().arg("check").arg(f).assert().success();
        assert!(
            prose(&stdout(&check)).contains("; extends "),
            "{}",
            stdout(&check)
        );
    }
    let run = revsim()
        .args(["run", "--trials", "50", "--quiet", "--out"])
        .arg(tmp.path().join("run"))
        .arg(out.join("calibrated.toml"))
        .assert()
        .success();
    assert!(stderr(&run).is_empty(), "{}", stderr(&run));
    let summary = json(&tmp.path().join("run/summary.json"));
    assert!(summary["horizon"]["bookings_usd"]["p50"].as_f64().unwrap() > 0.0);

    // Without --extends, the fragment is pasted or given an extends line by hand.
    let (plain, _) = calibrate(tmp.path(), &fixture("example.csv"), "plain", &[]);
    let text = fs::read_to_string(plain.join("calibrated.toml")).unwrap();
    assert!(!text.lines().any(|l| l.starts_with("extends")), "{text}");
    let child = tmp.path().join("child.toml");
    fs::write(&child, format!("extends = \"baseline.toml\"\n{text}")).unwrap();
    revsim().arg("check").arg(&child).assert().success();
}

#[test]
fn an_empirical_size_table_is_capped_and_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, text) = calibrate(
        tmp.path(),
        &fixture("example.csv"),
        "empirical",
        &["--size", "empirical"],
    );
    assert!(text.contains("empirical table of 50 values"), "{text}");
    let fragment = fs::read_to_string(out.join("calibrated.toml")).unwrap();
    let parsed: toml::Table = toml::from_str(&fragment).unwrap();
    let discrete = &parsed["pipeline"]["deal_size_usd"]["discrete"];
    assert_eq!(discrete["values"].as_array().unwrap().len(), 50);
    let probabilities = discrete["probabilities"].as_array().unwrap();
    let sum: f64 = probabilities.iter().map(|p| p.as_float().unwrap()).sum();
    // They sum to 1 up to the rounding of an f64 sum of n terms, n epsilons.
    assert!((sum - 1.0).abs() <= probabilities.len() as f64 * f64::EPSILON);
    let fit = json(&out.join("fit.json"));
    assert_eq!(fit["size_model"], "empirical");
    assert_eq!(fit["org"]["deal_size"]["table"]["capped"], true);
}

#[test]
fn the_output_directory_is_not_clobbered() {
    let tmp = tempfile::tempdir().unwrap();
    calibrate(tmp.path(), &fixture("revsim.csv"), "out", &[]);
    let a = revsim()
        .arg("calibrate")
        .arg(fixture("revsim.csv"))
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2);
    assert!(
        stderr(&a).contains("refusing to overwrite"),
        "{}",
        stderr(&a)
    );
    calibrate(tmp.path(), &fixture("revsim.csv"), "out", &["--force"]);
    // The default folder is out/calibrate-<file stem>/, and no temporary file is left.
    revsim()
        .current_dir(tmp.path())
        .arg("calibrate")
        .arg(fixture("hubspot.csv"))
        .assert()
        .success();
    let dir = tmp.path().join("out/calibrate-hubspot");
    assert!(dir.join("calibrated.toml").is_file());
    for e in fs::read_dir(&dir)
        .unwrap()
        .chain(fs::read_dir(dir.join("charts")).unwrap())
    {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            !name.starts_with('.') || name == ".revsim",
            "leftover {name}"
        );
    }
}

#[test]
fn the_report_is_self_contained_and_escapes_crm_text() {
    let tmp = tempfile::tempdir().unwrap();
    let text = common::edit(
        &common::edit(
            &fs::read_to_string(fixture("revsim.csv")).unwrap(),
            "Ann Lee",
            "<script>alert(1)</script>",
        ),
        "Mid-Market",
        "\"Mid & <b>Market</b>\"",
    );
    let file = tmp.path().join("odd.csv");
    fs::write(&file, text).unwrap();
    let (out, _) = calibrate(tmp.path(), &file, "odd", &[]);
    let html = fs::read_to_string(out.join("fit-report.html")).unwrap();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Mid &amp; &lt;b&gt;Market&lt;/b&gt;"));
    assert!(!html.contains("<script"), "no script, escaped or own");
    assert!(!html.contains("<b>"));
    for external in ["<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "external reference {external}");
    }
    assert!(html.contains("<svg"), "charts are inline");
    // reps.csv keeps the name as a spreadsheet cell that cannot run as a formula.
    let reps = fs::read_to_string(out.join("reps.csv")).unwrap();
    assert!(reps.contains("<script>alert(1)</script>"));
    // The fragment names its segment in a TOML comment, which the name cannot break out of.
    let seg = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("calibrated-mid"))
        .expect("a fragment for the odd segment");
    let fragment = fs::read_to_string(seg).unwrap();
    toml::from_str::<toml::Table>(&fragment).expect("still valid TOML");
}

/// docs/calibrate.md shows the command's real output on example.csv; it must stay true.
#[test]
fn the_docs_show_real_output() {
    let docs = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/calibrate.md"))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("example");
    let a = revsim()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["calibrate", "tests/fixtures/crm/example.csv", "--out"])
        .arg(&out)
        .assert()
        .success();
    let printed = stdout(&a);
    let summary = printed.split("\nWrote ").next().unwrap();
    assert!(
        docs.contains(summary),
        "docs/calibrate.md should quote the summary:\n{summary}"
    );
    let fragment = fs::read_to_string(out.join("calibrated.toml")).unwrap();
    assert!(
        docs.contains(&fragment),
        "docs/calibrate.md should quote calibrated.toml:\n{fragment}"
    );
    let unknown = revsim()
        .current_dir(fixture(""))
        .args(["calibrate", "unknown-layout.csv", "--out"])
        .arg(tmp.path().join("u"))
        .assert()
        .code(2);
    assert!(docs.contains(&stderr(&unknown)), "{}", stderr(&unknown));

    // The column table lists exactly the names each layout reads.
    use revsim::crm::{Field, Layout};
    for f in Field::ALL {
        let prefix = format!("| `{}` |", f.key());
        let line = docs
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no row for {f} in the column table"));
        let cells: Vec<&str> = line.split(" | ").collect();
        for (i, layout) in Layout::ALL.into_iter().enumerate() {
            let names = layout.headers(f);
            let want = if names.is_empty() {
                "–".to_string()
            } else {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            assert_eq!(cells[2 + i], want, "{f} in the {layout} column");
        }
    }
}

#[test]
fn the_fragment_carries_each_estimates_error_as_a_belief() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cal");
    revsim()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["calibrate", "tests/fixtures/crm/example.csv", "--out"])
        .arg(&out)
        .assert()
        .success();
    let fit: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("fit.json")).unwrap()).unwrap();
    let org = &fit["org"];
    let fragment: toml::Table = fs::read_to_string(out.join("calibrated.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let beliefs = &fragment["uncertainty"]["parameters"];
    // The outcome shares: a Dirichlet whose weights are the closed deals' counts plus one.
    let d = &beliefs["pipeline.outcomes"]["dirichlet"];
    let n = org["outcomes"]["n"].as_f64().unwrap();
    for (key, share) in [
        ("won", "won"),
        ("lost", "lost"),
        ("no_decision", "no_decision"),
    ] {
        let want = (org["outcomes"][share].as_f64().unwrap() * n).round() + 1.0;
        assert_eq!(
            d[key].as_float().or(d[key].as_integer().map(|i| i as f64)),
            Some(want),
            "{key}"
        );
    }
    // The opportunity rate: a gamma with the rate as its mean and, as its sd, the standard
    // error of the history's mean level from the market fit (the history shows no trend), to
    // the digits written.
    let g = &beliefs["pipeline.opportunities_per_rep_month"]["gamma"];
    let c = &org["creation"];
    let m = &org["market"];
    assert_eq!(m["trend_written"], false, "{m}");
    let rate = c["rate"].as_f64().unwrap();
    let se = rate * m["level_sd"].as_f64().unwrap();
    let sd = g["sd"].as_float().unwrap();
    assert!((sd / se - 1.0).abs() < 5e-3, "sd {sd} against se {se}");
    // At least Poisson's: the month's shared swings only add to the luck of the counts.
    assert!(
        sd >= 0.99 * c["se"].as_f64().unwrap(),
        "{sd} against {}",
        c["se"]
    );
    assert!((g["mean"].as_float().unwrap() / rate - 1.0).abs() < 1e-3);
    // The spread of win rates: its posterior's P10, P50 and P90, the P50 the value in [reps].
    let w = &beliefs["reps.win_rate_sd"];
    let q = ["p10", "p50", "p90"].map(|k| w[k].as_float().unwrap());
    let post = &org["win_rate_spread"]["sd"];
    assert!(q[0] > 0.0 && q[0] < q[1] && q[1] < q[2], "{q:?}");
    assert_eq!(Some(q[1]), fragment["reps"]["win_rate_sd"].as_float());
    for (k, v) in ["p10", "p50", "p90"].iter().zip(q) {
        let want = post[k].as_f64().unwrap();
        assert!((v / want - 1.0).abs() < 5e-3, "{k}: {v} against {want}");
    }
    // The deal size: its median and its sigma, each a lognormal around the fitted value with
    // P90 at e^(1.2816 se) of it (relative se sigma / sqrt(n) and 1 / sqrt(2n)).
    let l = &org["deal_size"]["lognormal"];
    let n = l["n"].as_f64().unwrap();
    let sigma = l["sigma"].as_f64().unwrap();
    let b = &beliefs["pipeline.deal_size_usd.sigma"]["lognormal"];
    let (median, p90) = (
        b["median"].as_float().unwrap(),
        b["p90"].as_float().unwrap(),
    );
    assert!(
        (median / sigma - 1.0).abs() < 1e-3,
        "{median} against {sigma}"
    );
    let rel = (p90 / median).ln() / 1.281_551_565_544_600_5;
    assert!(
        (rel * (2.0 * n).sqrt() - 1.0).abs() < 0.01,
        "relative se {rel}"
    );
    // The shared layer: the shock's sd and autocorrelation as values, as fitted.
    let market = &fragment["market"];
    let sd = market["monthly_shock_sd"].as_float().unwrap();
    let written = m["written_shock_sd"].as_f64().unwrap();
    assert!((sd / written - 1.0).abs() < 5e-3, "{sd} against {written}");
    assert!(market.get("monthly_trend").is_none(), "{market}");
    assert!(
        !beliefs
            .as_table()
            .unwrap()
            .contains_key("market.monthly_trend")
    );
    // The fragment, over the baseline, loads and runs with those beliefs varying across trials.
    let over = tmp.path().join("over.toml");
    let text = fs::read_to_string(out.join("calibrated.toml")).unwrap();
    fs::write(
        &over,
        format!(
            "extends = {:?}\n{text}",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios/baseline.toml")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let s = revsim::Scenario::load(&over).unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<&str> = s
        .uncertainty
        .params
        .iter()
        .map(|p| p.path.as_str())
        .collect();
    assert!(
        paths.contains(&"pipeline.opportunities_per_rep_month"),
        "{paths:?}"
    );
    assert!(paths.contains(&"pipeline.cycle_months.mean"), "{paths:?}");
    assert!(paths.contains(&"reps.win_rate_sd"), "{paths:?}");
    assert!(paths.contains(&"pipeline.deal_size_usd.sigma"), "{paths:?}");
    assert!(s.market.shock_sd > 0.0, "the market's shock is on");
}

/// A history too small for the shared layer (16 deals over 12 months, most months without one)
/// says so in the fragment and writes no `[market]`.
#[test]
fn a_short_history_writes_no_market() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = calibrate(tmp.path(), &fixture("revsim.csv"), "short", &[]);
    let text = fs::read_to_string(out.join("calibrated.toml")).unwrap();
    let parsed: toml::Table = toml::from_str(&text).unwrap();
    assert!(!parsed.contains_key("market"), "{text}");
    assert!(
        text.contains("# The market is not estimated: its quietest month expects"),
        "{text}"
    );
}
