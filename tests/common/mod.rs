//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use revsim::Scenario;
use revsim::engine::Results;
use revsim::model::Metric;
use statrs::distribution::{Binomial, DiscreteCDF};

// ---------------------------------------------------------------------------------------------
// Statistical checks: how their bounds are set.
//
// A statistical check compares an estimate with what a correct program gives, within a bound
// derived from the counts (the number of trials, draws or deals): a normal bound of Z standard
// errors, a binomial critical count, or a two-sample (usually paired) test. None is a margin
// tuned until green. Each check is set at the same false-alarm rate, FALSE_ALARM: the chance
// that a correct program fails it by sampling error alone. The suite makes about 150 such
// checks, so a correct program fails one of them by chance with probability below
// 150 x 1e-6 = 1.5e-4. The runs are seeded, so a check gives the same answer every time until a
// change moves the random streams: the rate is what such a change risks. (Proptest's generator
// is seeded at random unless PROPTEST_RNG_SEED fixes it, as CI does: the one statistical check
// on it, in tests/properties.rs, draws enough scenarios to keep to the same rate.)

/// The false-alarm rate of each statistical check in the suite (see above).
pub const FALSE_ALARM: f64 = 1e-6;

/// The two-sided normal quantile at [`FALSE_ALARM`]: P(|N(0, 1)| > Z) = 1e-6. A check that an
/// estimate is within Z standard errors of its true value fails by chance at that rate.
pub const Z: f64 = 4.891_638_475_714_779;

/// The one-sided normal quantile at [`FALSE_ALARM`]: P(N(0, 1) > Z_ONE_SIDED) = 1e-6, for a
/// check in one direction only (an effect that must be positive, a floor, a ceiling).
pub const Z_ONE_SIDED: f64 = 4.753_424_308_817_089;

/// The smallest count k with P(Binomial(n, p) >= k) <= [`FALSE_ALARM`]: a count of k or more
/// rejects "success probability at most p" at that rate (a sign test, with p = 1/2).
pub fn binomial_upper_critical(n: u64, p: f64) -> u64 {
    binomial_upper_critical_at(n, p, FALSE_ALARM)
}

/// The smallest count k with P(Binomial(n, p) >= k) <= `tail`.
pub fn binomial_upper_critical_at(n: u64, p: f64, tail: f64) -> u64 {
    let b = Binomial::new(p, n).expect("a valid binomial");
    // sf(k - 1) = P(X >= k), decreasing in k.
    (0..=n)
        .find(|&k| k > 0 && b.sf(k - 1) <= tail)
        .unwrap_or(n + 1)
}

/// The largest count k with P(Binomial(n, p) <= k) <= [`FALSE_ALARM`]: a count of k or fewer
/// rejects "success probability at least p" at that rate. `None` if even 0 is too likely.
pub fn binomial_lower_critical(n: u64, p: f64) -> Option<u64> {
    binomial_lower_critical_at(n, p, FALSE_ALARM)
}

/// The largest count k with P(Binomial(n, p) <= k) <= `tail`; `None` if even 0 is too likely.
pub fn binomial_lower_critical_at(n: u64, p: f64, tail: f64) -> Option<u64> {
    let b = Binomial::new(p, n).expect("a valid binomial");
    (0..=n).take_while(|&k| b.cdf(k) <= tail).last()
}

/// The two-sided Student-t quantile at [`FALSE_ALARM`] with `df` degrees of freedom:
/// P(|T| > t) = 1e-6. The bound for a mean of independent values whose standard error is
/// estimated from their own spread (`mean_se`), where [`Z`] would assume it known. Found by
/// bisection on the survival function (statrs' inverse is less accurate this far out).
pub fn t_two_sided(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let t = StudentsT::new(0.0, 1.0, df).expect("a valid Student-t");
    let (mut lo, mut hi) = (Z, 1e3);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 2.0 * t.sf(mid) > FALSE_ALARM {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Mean and standard error (sample standard deviation over sqrt(n)) of independent values,
/// such as one figure per trial or the paired differences of two runs on common random numbers.
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    assert!(v.len() > 1, "a standard error needs at least two values");
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

#[test]
fn the_quantiles_are_those_of_the_false_alarm_rate() {
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = Normal::standard();
    assert!((2.0 * n.sf(Z) / FALSE_ALARM - 1.0).abs() < 1e-6);
    assert!((n.sf(Z_ONE_SIDED) / FALSE_ALARM - 1.0).abs() < 1e-6);
    // The sign test's critical count for 200 trials: P(X >= k) <= 1e-6 < P(X >= k - 1).
    let k = binomial_upper_critical(200, 0.5);
    let b = Binomial::new(0.5, 200).unwrap();
    assert!(
        b.sf(k - 1) <= FALSE_ALARM && b.sf(k - 2) > FALSE_ALARM,
        "{k}"
    );
    let k = binomial_lower_critical(400, 0.95).unwrap();
    let b = Binomial::new(0.95, 400).unwrap();
    assert!(b.cdf(k) <= FALSE_ALARM && b.cdf(k + 1) > FALSE_ALARM, "{k}");
    // Student's t: P(|T| > t) = 1e-6, wider than Z with few degrees of freedom, Z in the limit.
    use statrs::distribution::StudentsT;
    for df in [5.0, 199.0, 1e7] {
        let t = t_two_sided(df);
        let sf = StudentsT::new(0.0, 1.0, df).unwrap().sf(t);
        assert!(
            (2.0 * sf / FALSE_ALARM - 1.0).abs() < 1e-6,
            "df {df}: t {t}"
        );
    }
    assert!(t_two_sided(199.0) > Z && (t_two_sided(1e7) - Z).abs() < 1e-4);
}

// ---------------------------------------------------------------------------------------------
// Scenarios and text edits.

/// Loads scenario text, panicking with the rendered error if it does not load.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// `text` with every `from` replaced by `to`. Panics if `from` does not occur, so that an edit
/// of a bundled scenario, the starter or a fixture cannot silently stop applying (and a test
/// silently stop testing what it says) when that file changes.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert_ne!(from, to, "an edit must change something");
    assert!(
        text.contains(from),
        "the edit {from:?} -> {to:?} does not apply: the text has no {from:?}"
    );
    text.replace(from, to)
}

/// The bundled scenarios (`scenarios/*.toml`), sorted. Checks that they are the ten the tests
/// were written for, so that a loop over them cannot pass by running over nothing, and a new or
/// renamed scenario is added here on purpose.
pub fn bundled_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    let names: Vec<String> = v
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "baseline.toml",
            "coverage-3x-vs-5x.toml",
            "cycle-4-months.toml",
            "cycle-4-vs-6-months.toml",
            "open-pipeline.toml",
            "pareto-enablement.toml",
            "reference-r1.toml",
            "scale-100-to-200.toml",
            "vp-churn.toml",
            "vp-stable.toml",
        ],
        "the bundled scenarios changed: update this list"
    );
    v
}

/// Mean of `metric` over the given months and every trial.
pub fn mean_over(r: &Results, metric: Metric, months: std::ops::Range<usize>) -> f64 {
    let n = (r.trials * months.len()) as f64;
    (0..r.trials)
        .flat_map(|t| {
            months
                .clone()
                .map(move |m| r.monthly_value(t, metric, m) as f64)
        })
        .sum::<f64>()
        / n
}

/// Each trial's mean of `metric` over the given months: independent values, one per trial.
pub fn trial_means(r: &Results, metric: Metric, months: std::ops::Range<usize>) -> Vec<f64> {
    let n = months.len() as f64;
    (0..r.trials)
        .map(|t| {
            months
                .clone()
                .map(|m| r.monthly_value(t, metric, m) as f64)
                .sum::<f64>()
                / n
        })
        .collect()
}

/// A small org whose figures can be worked out by hand: 20 reps, no ramp or attrition,
/// 2 opportunities a month each, win rate 0.3, deals of exactly $10,000 decided in their
/// creation month, so E[bookings per month] = $120,000.
pub fn small_org(horizon_months: u32) -> String {
    format!(
        r#"
[simulation]
start_month = "2027-01"
horizon_months = {horizon_months}
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = 10000
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
"#
    )
}

/// Checks the charts and report a run or comparison wrote into `out`, as listed in its
/// `run.json`: every file exists, each PNG decodes to a 1000-pixel-wide picture with real
/// content (ink on at least 1% of it, data colours on at least 0.5%, several colours), each SVG has text and shapes, and
/// `report.html` inlines every chart. Returns the chart names.
pub fn assert_charts(out: &std::path::Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let files: Vec<String> = manifest["files"]
        .as_array()
        .expect("run.json lists its files")
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert!(!files.is_empty(), "run.json lists no file");
    let mut names = Vec::new();
    for f in &files {
        let path = out.join(f);
        assert!(path.is_file(), "{}: listed but missing", path.display());
        if let Some(stem) = f
            .strip_prefix("charts/")
            .and_then(|f| f.strip_suffix(".png"))
        {
            names.push(stem.to_string());
            let decoder =
                png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!(info.width, 1000, "{f}");
            assert!(info.height >= 400, "{f}");
            let px = &buf[..info.buffer_size()];
            let pixels = px.len() / 3;
            let inked = px.chunks(3).filter(|p| p.iter().any(|c| *c < 200)).count();
            let mut colours: Vec<[u8; 3]> = px.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
            colours.sort_unstable();
            colours.dedup();
            // Data is drawn in the palette's saturated colours; text, axes and grid are grey.
            let coloured = px
                .chunks(3)
                .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 40)
                .count();
            assert!(
                inked * 100 > pixels,
                "{f}: only {inked} of {pixels} pixels have ink"
            );
            assert!(
                coloured * 200 > pixels,
                "{f}: only {coloured} of {pixels} pixels show data"
            );
            assert!(colours.len() >= 8, "{f}: only {} colours", colours.len());
        }
        if f.ends_with(".svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(svg.starts_with("<svg"), "{f}");
            // Accessible: a title and a takeaway for screen readers, both with words in them.
            for tag in ["title", "desc"] {
                let text = svg
                    .split_once(&format!("<{tag}>"))
                    .and_then(|(_, rest)| rest.split_once(&format!("</{tag}>")))
                    .map(|(t, _)| t.trim())
                    .unwrap_or_default();
                assert!(text.len() > 10, "{f}: no <{tag}> worth reading");
            }
            assert!(svg.matches("<text").count() >= 8, "{f}: too little text");
            assert!(
                svg.contains("<polygon") || svg.contains("<rect") || svg.contains("<polyline"),
                "{f}: no shapes"
            );
        }
    }
    assert!(!names.is_empty(), "run.json lists no chart");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        names.len(),
        "report.html inlines every chart"
    );
    for n in &names {
        assert!(html.contains(&format!("id=\"{n}\"")), "report lacks {n}");
    }
    // The inline charts are as accessible as the files, and captions say what a chart shows.
    assert_eq!(
        html.matches("<desc>").count(),
        names.len(),
        "an inline chart lacks <desc>"
    );
    assert!(
        !html.contains("<figcaption>Also in"),
        "captions say what a chart shows"
    );
    names
}

/// A small org over a year, 40 trials: the scenario the command-line tests of inputs, output
/// folders and reliability write, break and lock.
pub const SMALL: &str = r#"
[simulation]
start_month = "2027-01"
horizon_months = 12
trials = 40
seed = 3
[org]
seats = 6
[ramp]
curve = { linear = { months_to_full = 4 } }
[attrition]
annual_rate = 0.3
[pipeline]
opportunities_per_rep_month = 3
deal_size_usd = { lognormal = { median = 20000, p90 = 60000 } }
cycle_months = { gamma = { mean = 3, sd = 1 } }
[pipeline.outcomes]
won = 0.25
lost = 0.35
no_decision = 0.40
"#;

/// A scratch directory holding `files`, as the current directory of the commands.
pub fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// A command's standard error as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command's standard output as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
