//! `extends` and `--set`: a what-if is a few lines over a base, resolves to exactly the scenario
//! a full copy would give, and every mistake is reported in the file (or override) that holds it.

use std::fs;
use std::path::{Path, PathBuf};

use revsim::Scenario;

use crate::common::{bundled_scenarios, edit};

fn baseline_text() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"))
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&p, text).unwrap();
    p
}

fn load(path: &Path, sets: &[&str]) -> Result<Scenario, revsim::InputError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load_with(path, &sets)
}

#[test]
fn a_child_resolves_to_the_edited_full_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let base = baseline_text();
    write(tmp.path(), "base/baseline.toml", &base);
    let child = write(
        tmp.path(),
        "what-if.toml",
        r#"extends = "base/baseline.toml"
name = "what-if"

[org]
seats = 60

[pipeline.outcomes]
won = 0.30
lost = 0.30
"#,
    );
    let copy_text = [
        ("name = \"baseline\"", "name = \"what-if\""),
        ("seats = 50   ", "seats = 60   "),
        ("won = 0.25 ", "won = 0.30 "),
        ("lost = 0.35", "lost = 0.30"),
    ]
    .iter()
    .fold(base.clone(), |text, (from, to)| edit(&text, from, to))
    .lines()
    .filter(|l| !l.starts_with("description ="))
    .collect::<Vec<_>>()
    .join("\n");
    let copy = write(tmp.path(), "copy.toml", &copy_text);
    let a = load(&child, &[]).unwrap_or_else(|e| panic!("{e}"));
    let b = load(&copy, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.resolved_toml(), b.resolved_toml());
    assert_eq!(a.sha256, b.sha256);
    assert_eq!(a.name, "what-if");
    assert_eq!(a.description, "", "descriptions are not inherited");
    assert_eq!(a.inherits.len(), 1);
    // no_decision came from the base, merged key by key into [pipeline.outcomes].
    assert_eq!(a.raw.pipeline.outcomes.get_ref().no_decision.0, 0.40);
}

#[test]
fn inline_tables_and_arrays_replace_whole() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "baseline.toml", &baseline_text());
    let child = write(
        tmp.path(),
        "child.toml",
        r#"extends = "baseline.toml"
[pipeline]
deal_size_usd = { gamma = { mean = 40_000, sd = 20_000 } }
[hiring]
headcount_plan = [{ month = "2027-07", seats = 70 }]
"#,
    );
    let s = load(&child, &[]).unwrap_or_else(|e| panic!("{e}"));
    let flat = s.flatten();
    let get = |k: &str| {
        flat.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let size = get("pipeline.deal_size_usd").unwrap();
    assert!(
        size.starts_with("{ gamma") && !size.contains("lognormal"),
        "{size}"
    );
    assert_eq!(get("hiring.headcount_plan[0].seats").as_deref(), Some("70"));
    assert_eq!(
        get("hiring.headcount_plan[1].seats"),
        None,
        "arrays replace"
    );
    assert_eq!(
        s.name, "child",
        "the name defaults to the child's file name"
    );
}

#[test]
fn a_chain_of_three_applies_nearest_last() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.toml", &baseline_text());
    write(
        tmp.path(),
        "b.toml",
        "extends = \"a.toml\"\n[org]\nseats = 70\nfilled_seats = 60\n",
    );
    let c = write(
        tmp.path(),
        "c.toml",
        "extends = \"b.toml\"\n[org]\nseats = 80\n",
    );
    let s = load(&c, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.staffing.starting_seats, 80);
    assert_eq!(s.staffing.starting_filled, 60);
    assert_eq!(s.inherits.len(), 2);
}

#[test]
fn an_error_in_an_inherited_key_names_the_parent_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = edit(&baseline_text(), "won = 0.25 ", "won = 1.25 ");
    write(tmp.path(), "base.toml", &bad);
    let child = write(
        tmp.path(),
        "child.toml",
        "extends = \"base.toml\"\n[org]\nseats = 55\n",
    );
    let e = load(&child, &[]).unwrap_err();
    assert!(e.file.ends_with("base.toml"), "{}", e.file);
    let text = e.to_string();
    let line = 1 + bad.lines().position(|l| l.contains("won = 1.25 ")).unwrap();
    assert!(text.contains(&format!("base.toml:{line}:")), "{text}");
    assert!(text.contains("pipeline.outcomes.won"), "{text}");

    // An unknown key in the parent too.
    let typo = edit(&baseline_text(), "seats = 50   ", "seets = 50   ");
    write(tmp.path(), "typo.toml", &typo);
    let child = write(tmp.path(), "child2.toml", "extends = \"typo.toml\"\n");
    let text = load(&child, &[]).unwrap_err().to_string();
    let line = 1 + typo.lines().position(|l| l.contains("seets = 50")).unwrap();
    assert!(text.contains(&format!("typo.toml:{line}:")), "{text}");
    assert!(text.contains("did you mean `seats`"), "{text}");
}

#[test]
fn an_error_in_the_child_names_the_child() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "base.toml", &baseline_text());
    let child = write(
        tmp.path(),
        "child.toml",
        "extends = \"base.toml\"\n\n[attrition]\nannual_rate = 3.5\n",
    );
    let text = load(&child, &[]).unwrap_err().to_string();
    assert!(text.contains("child.toml:4:"), "{text}");
    assert!(text.contains("attrition.annual_rate"), "{text}");
}

#[test]
fn loops_and_missing_parents_are_errors_at_the_extends_line() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.toml", "# a\nextends = \"b.toml\"\n");
    write(tmp.path(), "b.toml", "extends = \"a.toml\"\n");
    let text = load(&tmp.path().join("a.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(text.contains("loop"), "{text}");
    assert!(text.contains("b.toml:1:"), "{text}");

    let me = write(tmp.path(), "me.toml", "extends = \"me.toml\"\n");
    assert!(load(&me, &[]).unwrap_err().to_string().contains("loop"));

    let orphan = write(
        tmp.path(),
        "orphan.toml",
        "\nextends = \"nowhere/base.toml\"\n",
    );
    let text = load(&orphan, &[]).unwrap_err().to_string();
    assert!(text.contains("orphan.toml:2:"), "{text}");
    assert!(text.contains("cannot read the parent scenario"), "{text}");

    let wrong = write(tmp.path(), "wrong.toml", "extends = 3\n");
    let text = load(&wrong, &[]).unwrap_err().to_string();
    assert!(text.contains("must be the path"), "{text}");
}

#[test]
fn set_overrides_apply_last() {
    let tmp = tempfile::tempdir().unwrap();
    let base = write(tmp.path(), "baseline.toml", &baseline_text());
    let s = load(
        &base,
        &[
            "org.seats=80",
            "name=q3 plan",
            "pipeline.outcomes.won=0.3",
            "pipeline.outcomes.lost=0.3",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.staffing.starting_seats, 80);
    assert_eq!(s.name, "q3 plan");
    assert_eq!(s.raw.pipeline.outcomes.get_ref().won.0, 0.3);
    // A distribution as an override.
    let s = load(&base, &["pipeline.deal_size_usd={ fixed = 50000 }"])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        s.flatten()
            .iter()
            .any(|(k, v)| k == "pipeline.deal_size_usd" && v.contains("fixed"))
    );

    let e = load(&base, &["pipeline.outcomes.won=2"]).unwrap_err();
    assert_eq!(e.file, "--set");
    assert!(e.to_string().contains("pipeline.outcomes.won"), "{e}");
    let e = load(&base, &["org.seets=3"]).unwrap_err();
    assert!(e.to_string().contains("did you mean `seats`"), "{e}");
    assert!(
        load(&base, &["no-equals-sign"])
            .unwrap_err()
            .to_string()
            .contains("key=value")
    );
    assert!(
        load(&base, &["bad key=1"])
            .unwrap_err()
            .to_string()
            .contains("dotted key")
    );
}

#[test]
fn the_command_line_follows_extends_and_records_overrides() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let vp = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vp-churn.toml");
    assert_cmd::Command::cargo_bin("revsim")
        .unwrap()
        .args([
            "run",
            "-q",
            "--trials",
            "50",
            "--set",
            "org.seats=52",
            "--out",
        ])
        .arg(&out)
        .arg(&vp)
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["overrides"][0], "org.seats=52");
    let chain = manifest["scenario_inherits"][0].as_str().unwrap();
    assert!(chain.ends_with("baseline.toml"), "{chain}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("--set org.seats=52"),
        "the reproduce command repeats --set"
    );
    let check = assert_cmd::Command::cargo_bin("revsim")
        .unwrap()
        .arg("check")
        .arg(&vp)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&check.get_output().stdout).to_string();
    assert!(
        stdout.contains("extends") && stdout.contains("baseline.toml"),
        "{stdout}"
    );
}

/// The resolved TOML of every bundled scenario is a complete scenario: saved beside the
/// original (so that files it names resolve alike) it loads and runs to the same figures.
#[test]
fn every_bundled_scenario_resolves_to_text_that_reloads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let tmp = tempfile::tempdir().unwrap();
    // The ten bundled scenarios (the list is checked in tests/common/mod.rs).
    for path in bundled_scenarios() {
        let s = load(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
        let again = tmp.path().join(path.file_name().unwrap());
        let mut text = s.resolved_toml();
        if let Some(o) = &s.open_deals {
            // The export, by its path as resolved.
            text = edit(
                &text,
                "csv = \"open-pipeline.csv\"",
                &format!(
                    "csv = {:?}",
                    root.join("open-pipeline.csv").display().to_string()
                ),
            );
            assert!(!o.deals.is_empty());
        }
        std::fs::write(&again, text).unwrap();
        let r = load(&again, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (a, b) = (
            revsim::simulate(&s, 20, 3, &|_| {}),
            revsim::simulate(&r, 20, 3, &|_| {}),
        );
        let totals = |x: &revsim::engine::Results| {
            x.totals.iter().map(|t| t.bookings_usd).collect::<Vec<_>>()
        };
        assert_eq!(totals(&a), totals(&b), "{}", path.display());
    }
}
