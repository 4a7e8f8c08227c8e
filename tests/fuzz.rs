//! Fuzzing the scenario loader (proptest; the bounded run that CI makes as part of
//! `cargo test --release`): arbitrary bytes and text, structured mutations of every shipped
//! scenario and of the starter template, `--set key=value` overrides, and `extends` graphs with
//! loops and missing parents. Whatever the input, loading never panics and never hangs, an
//! error always renders with the file it is about and a message, and a scenario that does load
//! simulates a trial without panicking.
//!
//! `PROPTEST_CASES` sets the number of cases of each property (default 256); a longer local run:
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz`. The coverage-guided target in
//! `fuzz/` (cargo-fuzz) covers the same entry point; see docs/errors.md.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use revsim::{InputError, Scenario, simulate};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn config() -> Config {
    Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    }
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> Result<(), String>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config());
    if let Err(e) = runner.run(&strategy, |v| test(v).map_err(TestCaseError::fail)) {
        panic!("{e}");
    }
}

/// An error must name its file and say something; rendering it must not panic (the snippet
/// renderer is given spans into the text).
fn clean(e: &InputError, file: &str) -> Result<(), String> {
    let shown = e.to_string();
    if !shown.contains(file) || e.message.trim().is_empty() {
        return Err(format!("unclear error for {file}: {shown:?}"));
    }
    Ok(())
}

/// A scenario that loads must also run: one trial, with its own horizon.
fn runs(s: &Scenario) {
    let r = simulate(s, 1, s.seed, &|_| ());
    assert_eq!(r.trials, 1);
    let _ = revsim::summarize(s, &r, None);
}

fn from_text(text: &str) -> Result<(), String> {
    match Scenario::from_toml(text, "fuzz.toml", "fuzz") {
        Ok(s) => {
            runs(&s);
            Ok(())
        }
        Err(e) => clean(&e, "fuzz.toml"),
    }
}

/// The bundled scenarios, checked to be the ten expected (tests/common/mod.rs).
fn shipped() -> Vec<PathBuf> {
    crate::common::bundled_scenarios()
}

const STARTER: &str = include_str!("../src/scenario/starter.toml");

#[test]
fn arbitrary_bytes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bytes.toml");
    let shown = path.display().to_string();
    run(proptest::collection::vec(any::<u8>(), 0..600), |bytes| {
        // Through the file reader (which must refuse non-UTF-8 cleanly) and as lossy text.
        std::fs::write(&path, &bytes).unwrap();
        match Scenario::load(&path) {
            Ok(s) => runs(&s),
            Err(e) => clean(&e, &shown)?,
        }
        from_text(&String::from_utf8_lossy(&bytes))
    });
}

/// Text made of the format's own pieces, so that the parser gets past the first byte and the
/// validator sees tables, keys and values in odd combinations.
fn tomlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_string()),
        Just("[simulation]\n".to_string()),
        Just("[org]\n".to_string()),
        Just("[pipeline]\n".to_string()),
        Just("[pipeline.outcomes]\n".to_string()),
        Just("[[events]]\n".to_string()),
        Just("[quota]\n".to_string()),
        Just("[plan]\n".to_string()),
        Just("[leadership]\n".to_string()),
        Just("[coverage]\n".to_string()),
        Just("start_month = \"2027-01\"\n".to_string()),
        Just("horizon_months = 12\n".to_string()),
        Just("seats = 5\n".to_string()),
        Just("opportunities_per_rep_month = 2\n".to_string()),
        Just("deal_size_usd = 1000\n".to_string()),
        Just("cycle_months = 1\n".to_string()),
        Just("won = 0.5\nlost = 0.5\nno_decision = 0\n".to_string()),
        Just("month = \"2027-06\"\n".to_string()),
        Just("set = { \"attrition.annual_rate\" = 0.5 }\n".to_string()),
        Just("{ gamma = { mean = 3, sd = 1 } }".to_string()),
        Just(" = ".to_string()),
        Just("\"".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just("é".to_string()),
        Just("\u{0}".to_string()),
        Just("\r\n".to_string()),
        Just("#".to_string()),
        "[a-z_]{1,12}".prop_map(|s| s),
        "-?[0-9]{1,20}(\\.[0-9]{0,5})?(e[+-]?[0-9]{1,3})?".prop_map(|s| s),
        any::<String>().prop_map(|s| s.chars().take(8).collect()),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

#[test]
fn arbitrary_text_never_panics() {
    run(any::<String>(), |text| from_text(&text));
    run(tomlish(), |text| from_text(&text));
}

/// One edit of a scenario file.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceValue(usize, &'static str),
    InsertAfter(usize, &'static str),
    Truncate(usize),
}

/// Values that are wrong in type or extreme in size, or right only at the edge.
const VALUES: &[&str] = &[
    "\"text\"",
    "\"\"",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "-1",
    "-0.0",
    "0",
    "1",
    "1.0000001",
    "0.9999999",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "9223372036854775807",
    "nan",
    "+inf",
    "-inf",
    "\"NaN\"",
    "\"1e308\"",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    "{ fixed = 1e308 }",
    "{ gamma = { mean = 1e300, sd = 1e300 } }",
    "{ lognormal = { median = 1e15, p90 = 1e300 } }",
    "{ poisson = { mean = 1e18 } }",
    "{ uniform = { min = 5, max = 1 } }",
    "{ discrete = { values = [], probabilities = [] } }",
    "{ discrete = { values = [1e308, 0], probabilities = [0.5, 0.5] } }",
    "{ triangular = { min = 0, mode = 0, max = 0 } }",
    "{ beta = { alpha = 0, beta = 0 } }",
    "{ normal = { mean = 0, sd = -1 } }",
    "{ linear = { months_to_full = 1e308 } }",
    "{ table = [] }",
    "\"2027-13\"",
    "\"0000-01\"",
    "\"9999-12\"",
    "\"2027-1\"",
    "1979-05-27",
    "\"\\u0000\"",
    "\"../../../../etc/passwd\"",
    "\"con\"",
];

/// Lines to insert: unknown keys, empty or repeated tables, stray syntax.
const INSERTS: &[&str] = &[
    "zzz = 1",
    "seats = 1",
    "[x]",
    "[org]",
    "[pipeline.outcomes]",
    "[[events]]",
    "[[events]]\nmonth = \"2099-01\"",
    "[[events]]\nmonth = \"2027-02\"\nset = { \"nope\" = 1 }",
    "[[events]]\nmonth = \"2027-02\"\nlayoff = { reps = 4294967295 }",
    "[[events]]\nmonth = \"2027-02\"\nhiring_freeze_months = 4294967295\nramp_months = 4294967295",
    "[[events]]\nmonth = \"2027-02\"\nset = { \"pipeline.opportunities_per_rep_month\" = 1e308 }",
    "[[events]]\nmonth = \"2027-02\"\nset = { \"pipeline.deal_size_multiplier\" = 1e308 }",
    "[[events]]\nmonth = \"2027-02\"\nset = { \"hiring.seats\" = 100000 }",
    "[leadership]",
    "[leadership]\nstarting_vp_tenure_months = 4294967295",
    "[managers]\nspan_of_control = 1\nstarting_managers = 4294967295",
    "[market]\nseasonality = [1e308, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]",
    "[coverage]\npolicy = \"global\"\ntarget_multiple = 1e308",
    "[performance_management]\nevery_months = 1\nwindow_months = 4294967295\nmin_share_of_quota = 1e308",
    "extends = \"baseline.toml\"",
    "extends = \"missing.toml\"",
    "extends = 3",
    "name = \"\\u0007bell\"",
    "=",
    "[",
    "\"",
];

fn mutation(lines: usize, bytes: usize) -> impl Strategy<Value = Mutation> {
    let l = lines.max(1);
    prop_oneof![
        (0..l).prop_map(Mutation::DeleteLine),
        (0..l).prop_map(Mutation::DuplicateLine),
        (0..l, 0..l).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (0..l, proptest::sample::select(VALUES)).prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        (0..l, proptest::sample::select(INSERTS)).prop_map(|(i, v)| Mutation::InsertAfter(i, v)),
        (0..bytes.max(1)).prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let n = lines.len();
    match *m {
        Mutation::DeleteLine(i) if i < n => {
            lines.remove(i);
        }
        Mutation::DuplicateLine(i) if i < n => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        Mutation::SwapLines(a, b) if a < n && b < n => lines.swap(a, b),
        Mutation::ReplaceValue(i, v) if i < n => {
            if let Some((key, _)) = lines[i].split_once('=') {
                lines[i] = format!("{key}= {v}");
            }
        }
        Mutation::InsertAfter(i, v) if i <= n => lines.insert(i.min(n), v.to_string()),
        Mutation::Truncate(b) => {
            let mut b = b.min(text.len());
            while !text.is_char_boundary(b) {
                b -= 1;
            }
            return text[..b].to_string();
        }
        _ => {}
    }
    lines.join("\n") + "\n"
}

/// Mutants of every shipped scenario, loaded from a copy of `scenarios/` so that `extends`
/// resolves; and of the starter template, loaded from text.
#[test]
fn mutated_scenarios_load_or_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut originals = Vec::new();
    for p in shipped() {
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(dir.path().join(p.file_name().unwrap()), &text).unwrap();
        originals.push((p.file_name().unwrap().to_string_lossy().to_string(), text));
    }
    originals.push(("starter.toml".into(), STARTER.to_string()));
    let target = dir.path().join("mutant.toml");
    let shown = target.display().to_string();
    let longest = originals.iter().map(|(_, t)| t.len()).max().unwrap();
    let strategy = (0..originals.len()).prop_flat_map(move |i| {
        (
            Just(i),
            proptest::collection::vec(mutation(120, longest), 1..4),
        )
    });
    run(strategy, |(i, mutations)| {
        let mut text = originals[i].1.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        std::fs::write(&target, &text).unwrap();
        match Scenario::load(&target) {
            Ok(s) => runs(&s),
            Err(e) => clean(&e, "mutant.toml")
                .or_else(|_| clean(&e, &shown))
                .or_else(|_| clean(&e, "baseline.toml"))
                .map_err(|m| format!("{m}\n--- mutant of {} ---\n{text}", originals[i].0))?,
        }
        Ok(())
    });
}

/// `--set key=value` with arbitrary keys and values, and with keys of the format and extreme
/// values, over the baseline.
#[test]
fn set_overrides_never_panic() {
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    run(proptest::collection::vec(any::<String>(), 0..3), |sets| {
        match revsim::scenario::resolve::set_layer(&sets) {
            Ok(_) => Ok(()),
            Err(e) => clean(&e, "--set"),
        }
    });
    const KEYS: &[&str] = &[
        "org.seats",
        "org",
        "name",
        "extends",
        "simulation.horizon_months",
        "simulation.trials",
        "pipeline.outcomes.won",
        "pipeline.deal_size_usd",
        "pipeline.deal_size_usd.lognormal.median",
        "hiring.headcount_plan",
        "events",
        "plan.fiscal_year_bookings_usd",
        "leadership.board_review.grace_months",
        "a.b.c",
        "org.seats.x",
    ];
    let strategy = proptest::collection::vec(
        (
            proptest::sample::select(KEYS),
            prop_oneof![
                proptest::sample::select(VALUES).prop_map(String::from),
                any::<String>()
            ],
        ),
        1..3,
    );
    run(strategy, |pairs| {
        let sets: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        match Scenario::load_with(&baseline, &sets) {
            Ok(s) => runs(&s),
            Err(e) => clean(&e, "--set")
                .or_else(|_| clean(&e, "baseline.toml"))
                .map_err(|m| format!("{m}\n--- sets ---\n{sets:?}"))?,
        }
        Ok(())
    });
}

/// How a file in a random `extends` graph ends.
#[derive(Debug, PartialEq)]
enum Expect {
    Loads,
    Loop,
    Missing,
    TooDeep,
}

/// Random graphs of files that extend each other: a root that needs no parent, files that
/// extend another file, themselves, or a file that does not exist. Every file must resolve to
/// exactly the outcome the graph implies, and loops must be named as loops.
#[test]
fn extends_graphs_resolve_or_fail_cleanly() {
    const ROOT: &str = "[simulation]\nstart_month = \"2027-01\"\nhorizon_months = 6\ntrials = 1\n[org]\nseats = 2\n[pipeline]\nopportunities_per_rep_month = 1\ndeal_size_usd = 100\ncycle_months = 1\n[pipeline.outcomes]\nwon = 0.5\nlost = 0.5\nno_decision = 0\n";
    // Each file: None = the root; Some(j) = extends file j (j >= n: a missing file).
    let strategy = proptest::collection::vec(proptest::option::of(0usize..24), 1..20);
    run(strategy, |graph| {
        let dir = tempfile::tempdir().unwrap();
        let n = graph.len();
        let name = |j: usize| format!("f{j}.toml");
        for (i, parent) in graph.iter().enumerate() {
            let text = match parent {
                None => ROOT.to_string(),
                // Half the parents are named through a sub-directory and back.
                Some(j) if (i + j) % 2 == 0 => format!("extends = \"sub/../{}\"\n", name(*j)),
                Some(j) => format!("extends = \"{}\"\n", name(*j)),
            };
            std::fs::write(dir.path().join(name(i)), text).unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        for start in 0..n {
            let mut seen = vec![start];
            let expect = loop {
                match graph[*seen.last().unwrap()] {
                    None => break Expect::Loads,
                    Some(j) if j >= n => break Expect::Missing,
                    Some(j) if seen.contains(&j) => break Expect::Loop,
                    Some(_) if seen.len() >= revsim::scenario::resolve::MAX_DEPTH => {
                        break Expect::TooDeep;
                    }
                    Some(j) => seen.push(j),
                }
            };
            let got = match Scenario::load(&dir.path().join(name(start))) {
                Ok(_) => Expect::Loads,
                Err(e) => {
                    clean(&e, ".toml")?;
                    let m = e.to_string();
                    if m.contains("makes a loop") {
                        Expect::Loop
                    } else if m.contains("cannot read the parent") {
                        Expect::Missing
                    } else if m.contains("chains more than") {
                        Expect::TooDeep
                    } else {
                        return Err(format!("f{start}: unexpected error {m}"));
                    }
                }
            };
            if got != expect {
                return Err(format!(
                    "f{start} in {graph:?}: expected {expect:?}, got {got:?}"
                ));
            }
        }
        Ok(())
    });
}

/// Found by `arbitrary_text_never_panics`: a parse error at a multi-byte character made the
/// renderer slice the text inside the character, and panic.
#[test]
fn regression_error_at_a_multibyte_character() {
    for text in ["é é", "x = é", "[é", "a = \"é", "é = 1\nseats = ☃"] {
        let e = Scenario::from_toml(text, "fuzz.toml", "fuzz").unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.contains("fuzz.toml") && shown.contains('^'),
            "{shown}"
        );
    }
}

/// Exhaustive where the random mutations only sample: every `key = value` line of the baseline
/// and of the starter, with its value replaced by each wrong or extreme value, loads or fails
/// cleanly, and what loads runs a trial (so a value that would make the run endless shows as a
/// test that does not finish).
#[test]
fn every_value_replaced_by_every_extreme() {
    let baseline = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml"),
    )
    .unwrap();
    let mut loaded = 0;
    for (name, text) in [("baseline", baseline.as_str()), ("starter", STARTER)] {
        let mut lines = 0;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with('#') || !line.contains('=') {
                continue;
            }
            lines += 1;
            for v in VALUES {
                let mutant = apply(text, &Mutation::ReplaceValue(i, v));
                if let Err(e) = from_text(&mutant) {
                    panic!("line {} = {v}: {e}\n{mutant}", i + 1);
                }
                loaded += usize::from(Scenario::from_toml(&mutant, "fuzz.toml", "fuzz").is_ok());
            }
        }
        // At least the key lines the files hold as this is written (41 and 39): the loop cannot
        // pass by finding none.
        assert!(
            lines >= 39,
            "only {lines} `key = value` lines in the {name}"
        );
    }
    assert!(loaded > 0, "some extremes are valid and must run");
}
