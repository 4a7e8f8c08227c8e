//! What-if batches from the command line: sweeps on common random numbers, resuming after a
//! kill, shards merged byte-for-byte, precision-targeted runs, sensitivity and goal seek.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn baseline() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

const GRID: [&str; 4] = [
    "--vary",
    "pipeline.opportunities_per_rep_month=3.5,4.0,4.5",
    "--vary",
    "attrition.annual_rate=0.2,0.35",
];

fn sweep(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    revsim()
        .arg("sweep")
        .arg(baseline())
        .args(GRID)
        .args(["--trials", "200", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

/// The files a sweep writes that must not depend on how the work was split.
const SWEEP_FILES: [&str; 8] = [
    "sweep.csv",
    "sweep.parquet",
    "sweep.xlsx",
    "report.html",
    "charts/bookings-usd-by-opportunities_per_rep_month.svg",
    "charts/p-hit-plan-by-annual_rate.png",
    "charts/heatmap-p-hit-plan.svg",
    "charts/heatmap-bookings-usd-p50.png",
];

fn assert_same_files(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (fs::read(a.join(f)), fs::read(b.join(f)));
        assert!(x.is_ok(), "{} missing", a.join(f).display());
        assert!(
            x.unwrap() == y.unwrap(),
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn a_sweep_row_equals_a_plain_run_of_that_variant() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    sweep(&out, &[]).success();
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // 6 variants x (horizon + 3 fiscal years).
    assert_eq!(rows.len(), 6 * 4);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| {
            r[col("pipeline.opportunities_per_rep_month")] == "4"
                && r[col("attrition.annual_rate")] == "0.35"
                && r[col("period")] == "horizon"
        })
        .expect("the variant's horizon row");

    // The same variant as a plain run of a file that extends the baseline with those values:
    // the same figures (a sweep moves an uncertain key's centre, as such a file does).
    let variant = tmp.path().join("variant.toml");
    fs::write(
        &variant,
        format!(
            "extends = {:?}\n[pipeline]\nopportunities_per_rep_month = 4.0\n[attrition]\nannual_rate = 0.35\n",
            baseline().display().to_string()
        ),
    )
    .unwrap();
    let run = tmp.path().join("run");
    revsim()
        .arg("run")
        .arg(&variant)
        .args(["--trials", "200", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let summary = json(&run.join("summary.json"));
    for (column, stat) in [
        ("bookings_usd_p50", "p50"),
        ("bookings_usd_p10", "p10"),
        ("bookings_usd_mean", "mean"),
    ] {
        let from_sweep: f64 = row[col(column)].parse().unwrap();
        let from_run = summary["horizon"]["bookings_usd"][stat].as_f64().unwrap();
        assert_eq!(from_sweep, from_run, "{column}");
    }
    let p_hit: f64 = row[col("p_hit_plan")].parse().unwrap();
    assert_eq!(
        p_hit,
        summary["horizon"]["p_hit_plan"]["p"].as_f64().unwrap()
    );
    // The Excel workbook and the charts came with it.
    assert!(fs::read(out.join("sweep.xlsx")).unwrap().starts_with(b"PK"));
    assert!(
        fs::read(out.join("sweep.parquet"))
            .unwrap()
            .starts_with(b"PAR1")
    );
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Over the horizon"));
    // Self-contained, like the run report: nothing to fetch.
    for needle in ["src=", "href=", "url(", "@import", "<script"] {
        assert!(!html.contains(needle), "report.html holds {needle}");
    }
}

/// The text of each `<text>` element of an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            Some(
                t.split_once('>')?
                    .1
                    .split_once("</text>")?
                    .0
                    .trim()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn a_two_way_sweep_draws_heatmaps_of_its_grid() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    sweep(&out, &[]).success();
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|r| r[col("period")] == "horizon")
        .collect();
    assert_eq!(rows.len(), 6);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    for (name, column, show) in [
        (
            "heatmap-p-hit-plan",
            "p_hit_plan",
            revsim::words::pct as fn(f64) -> String,
        ),
        (
            "heatmap-bookings-usd-p50",
            "bookings_usd_p50",
            revsim::words::usd,
        ),
    ] {
        let png = fs::read(out.join(format!("charts/{name}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let info = decoder.read_info().expect("the PNG decodes");
        assert_eq!(info.info().width, 1000, "{name}");
        let svg = fs::read_to_string(out.join(format!("charts/{name}.svg"))).unwrap();
        let texts = svg_texts(&svg);
        // Axis titles (label and key), tick labels as a reader writes them.
        for t in [
            "Own opportunities per rep-month (pipeline.opportunities_per_rep_month)",
            "Annual attrition (attrition.annual_rate)",
            "3.5",
            "4.0",
            "4.5",
            "20%",
            "35%",
        ] {
            assert!(texts.iter().any(|x| x == t), "{name}: {t} not in {texts:?}");
        }
        // Every variant's value is written in its cell: as many cells with a value as the
        // table has rows with it.
        for r in &rows {
            let want = show(r[col(column)].parse().unwrap());
            let in_table = rows
                .iter()
                .filter(|x| show(x[col(column)].parse().unwrap()) == want)
                .count();
            let in_svg = texts.iter().filter(|t| **t == want).count();
            assert!(
                in_svg >= in_table,
                "{name}: {want} written {in_svg} times, {in_table} cells hold it"
            );
        }
        // The report shows it, with its caption and its files.
        assert!(html.contains(&format!("<figure id=\"{name}\">")), "{name}");
        assert!(
            html.contains(&format!("<code>charts/{name}.png</code>")),
            "{name}"
        );
    }
    assert!(html.contains("<h2>Heatmaps</h2>"));
    assert!(html.contains(
        "for every combination of pipeline.opportunities_per_rep_month (across) and attrition.annual_rate (up)"
    ));

    // A one-way sweep keeps its line charts and draws no heatmap.
    let one = tmp.path().join("one");
    revsim()
        .arg("sweep")
        .arg(baseline())
        .args(["--vary", "attrition.annual_rate=0.2,0.35"])
        .args(["--trials", "64", "--quiet", "--out"])
        .arg(&one)
        .assert()
        .success();
    assert!(one.join("charts/p-hit-plan-by-annual_rate.svg").is_file());
    assert!(!one.join("charts/heatmap-p-hit-plan.svg").exists());
    assert!(
        !fs::read_to_string(one.join("report.html"))
            .unwrap()
            .contains("Heatmaps")
    );
}

#[test]
fn common_random_numbers_make_a_sweep_smooth() {
    // More opportunities per rep can only add deals on the same random numbers, so P50 bookings
    // rises with every step, in every attrition column: no sampling noise to hide the effect.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    sweep(&out, &[]).success();
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .filter(|r: &Vec<String>| r[col("period")] == "horizon")
        .collect();
    for attrition in ["0.2", "0.35"] {
        let p50: Vec<f64> = rows
            .iter()
            .filter(|r| r[col("attrition.annual_rate")] == attrition)
            .map(|r| r[col("bookings_usd_p50")].parse().unwrap())
            .collect();
        assert_eq!(p50.len(), 3);
        assert!(p50[0] < p50[1] && p50[1] < p50[2], "{attrition}: {p50:?}");
    }
}

#[test]
fn a_rerun_resumes_and_a_killed_sweep_finishes_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    sweep(&whole, &[]).success();

    // Start the same sweep with more trials per variant so it runs long enough to be killed.
    let killed = tmp.path().join("killed");
    let args = |out: &Path| -> Vec<std::ffi::OsString> {
        let mut v: Vec<std::ffi::OsString> = vec!["sweep".into(), baseline().into()];
        v.extend(GRID.iter().map(Into::into));
        v.extend(["--trials", "3000", "--threads", "1", "--quiet", "--out"].map(Into::into));
        v.push(out.into());
        v
    };
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let mut child = std::process::Command::new(&bin)
        .args(args(&killed))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let finished = |dir: &Path| -> usize {
        fs::read_dir(dir.join("variants"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .count()
            })
            .unwrap_or(0)
    };
    let start = Instant::now();
    while finished(&killed) < 1 && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = finished(&killed);
    assert!(done >= 1, "no variant finished before the kill");
    assert!(!killed.join("sweep.csv").exists() || done == 6);
    // Every kept result is complete JSON (written atomically).
    for e in fs::read_dir(killed.join("variants")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let _: serde_json::Value = json(&p);
        }
    }
    // Rerun: it skips what was finished and ends with the table an uninterrupted run writes.
    let rerun = std::process::Command::new(&bin)
        .args(args(&killed))
        .output()
        .unwrap();
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    let uninterrupted = tmp.path().join("uninterrupted");
    let out = std::process::Command::new(&bin)
        .args(args(&uninterrupted))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_same_files(&killed, &uninterrupted, &SWEEP_FILES);

    // A plain rerun of a finished sweep runs nothing and says so.
    let again = revsim()
        .arg("sweep")
        .arg(baseline())
        .args(GRID)
        .args(["--trials", "200", "--out"])
        .arg(&whole)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&again.get_output().stdout).to_string();
    assert!(
        stdout.contains("Ran 0 variant(s) (6 were already done)"),
        "{stdout}"
    );
}

#[test]
fn shards_in_separate_processes_merge_byte_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    sweep(&whole, &[]).success();

    // Three shard processes at once, sharing one directory.
    let shared = tmp.path().join("shared");
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let children: Vec<_> = (1..=3)
        .map(|i| {
            std::process::Command::new(&bin)
                .arg("sweep")
                .arg(baseline())
                .args(GRID)
                .args(["--trials", "200", "--quiet", "--threads", "1", "--out"])
                .arg(&shared)
                .arg("--shard")
                .arg(format!("{i}/3"))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert!(
        !shared.join("sweep.csv").exists(),
        "a shard does not write the table"
    );
    revsim()
        .arg("merge")
        .arg(&shared)
        .arg("-q")
        .assert()
        .success();
    assert_same_files(&whole, &shared, &SWEEP_FILES);

    // Separate directories, with the shard taken from a Slurm array's environment.
    let parts: Vec<PathBuf> = (0..2)
        .map(|i| tmp.path().join(format!("part{i}")))
        .collect();
    for (i, p) in parts.iter().enumerate() {
        let out = revsim()
            .arg("sweep")
            .arg(baseline())
            .args(GRID)
            .args(["--trials", "200", "--out"])
            .arg(p)
            .args(["--shard", "auto"])
            .env("SLURM_ARRAY_TASK_ID", i.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            stdout.contains(&format!("Shard {}/2 (SLURM_ARRAY_TASK_ID", i + 1)),
            "{stdout}"
        );
    }
    // One part alone is not enough: merge names what is missing.
    let missing = revsim()
        .arg("merge")
        .arg(&parts[0])
        .args(["--out"])
        .arg(tmp.path().join("merged-too-soon"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&missing.get_output().stderr).to_string();
    assert!(
        stderr.contains("3 of 6 variants have no result yet"),
        "{stderr}"
    );
    let merged = tmp.path().join("merged");
    revsim()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&merged)
        .arg("-q")
        .assert()
        .success();
    assert_same_files(&whole, &merged, &SWEEP_FILES);
}

#[test]
fn a_run_split_into_trial_shards_merges_to_the_same_files() {
    shards_merge_to_the_whole("random");
}

#[test]
fn a_sobol_run_split_into_trial_shards_merges_to_the_same_files() {
    // Trial t's Sobol' point and replicate depend on t alone, and the merged run's intervals
    // come from the same replicates as the whole run's.
    shards_merge_to_the_whole("sobol");
}

fn shards_merge_to_the_whole(sampling: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/vp-churn.toml");
    let set = format!("simulation.sampling=\"{sampling}\"");
    let whole = tmp.path().join("whole");
    revsim()
        .arg("run")
        .arg(&scenario)
        .args(["--trials", "300", "-q", "--set", &set, "--out"])
        .arg(&whole)
        .assert()
        .success();
    let parts = tmp.path().join("parts");
    let bin = assert_cmd::cargo::cargo_bin("revsim");
    let children: Vec<_> = (1..=3)
        .map(|i| {
            std::process::Command::new(&bin)
                .arg("run")
                .arg(&scenario)
                .args(["--trials", "300", "-q", "--threads", "1", "--set", &set])
                .arg("--out")
                .arg(&parts)
                .env("JOB_COMPLETION_INDEX", (i - 1).to_string())
                .env("REVSIM_SHARD_COUNT", "3")
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    revsim()
        .arg("merge")
        .arg(&parts)
        .arg("-q")
        .assert()
        .success();
    let mut files = vec!["summary.json", "monthly.csv", "trials.csv", "report.html"];
    let charts: Vec<String> = fs::read_dir(whole.join("charts"))
        .unwrap()
        .map(|e| format!("charts/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    assert!(charts.len() >= 10);
    files.extend(charts.iter().map(String::as_str));
    assert_same_files(&whole, &parts, &files);
    // run.json differs only in how the work was done.
    let (mut a, mut b) = (json(&whole.join("run.json")), json(&parts.join("run.json")));
    assert_eq!(b["shards"], 3);
    for m in [&mut a, &mut b] {
        let o = m.as_object_mut().unwrap();
        for k in ["wall_time_s", "simulation_s", "threads", "shards"] {
            o.remove(k);
        }
    }
    assert_eq!(a["sampling"], sampling);
    assert_eq!(a, b);
}

/// The distribution-free 95% interval of the median, as revsim computes it.
fn median_half_width(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len() as f64;
    let half = 1.959_963_984_540_054 * (n * 0.25).sqrt();
    let lo = ((n * 0.5 - half).floor() as usize).saturating_sub(1);
    let hi = ((n * 0.5 + half).ceil() as usize - 1).min(v.len() - 1);
    (v[hi] - v[lo]) / 2.0
}

/// The 95% half-width of the mean of `v` (trial t at t) from the spread of the means of its 16
/// Sobol' replicates (trial t in replicate t mod 16), as docs/model.md states it: the ratio
/// estimator's standard error times Student's t with 15 degrees of freedom.
fn replicate_half_width(v: &[f64]) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let ss: f64 = (0..16)
        .map(|r| {
            let mine: Vec<f64> = v.iter().skip(r).step_by(16).copied().collect();
            let m = mine.iter().sum::<f64>() / mine.len() as f64;
            (mine.len() as f64 / n * (m - mean)).powi(2)
        })
        .sum();
    let t = StudentsT::new(0.0, 1.0, 15.0).unwrap().inverse_cdf(0.975);
    t * (ss * 16.0 / 15.0).sqrt()
}

/// The same for the median: the standard error of the mean of the replicates' medians.
fn replicate_median_half_width(v: &[f64]) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let medians: Vec<f64> = (0..16)
        .map(|r| {
            let mut mine: Vec<f64> = v.iter().skip(r).step_by(16).copied().collect();
            mine.sort_by(f64::total_cmp);
            let k = mine.len();
            (mine[(k - 1) / 2] + mine[k / 2]) / 2.0
        })
        .collect();
    let m = medians.iter().sum::<f64>() / 16.0;
    let var = medians.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 15.0;
    let t = StudentsT::new(0.0, 1.0, 15.0).unwrap().inverse_cdf(0.975);
    t * (var / 16.0).sqrt()
}

#[test]
fn precision_runs_stop_when_the_bound_is_met_and_are_deterministic() {
    // By default a scenario with uncertain parameters samples them by scrambled Sobol' points
    // and judges its intervals from the replicates; `random` keeps independent draws.
    let sobol = precision_run(None);
    let random = precision_run(Some("random"));
    assert!(
        sobol > 256 && random > 256,
        "the first batch is not enough for 1%"
    );
}

/// Runs the baseline to 1% on one and two threads, checks that both give the same files and
/// that the bounds hold by the sampling's own intervals, and returns the trials used.
fn precision_run(sampling: Option<&str>) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str, out: &Path| {
        let mut cmd = revsim();
        cmd.arg("run").arg(baseline()).args([
            "--trials",
            "256",
            "--precision",
            "1%",
            "-q",
            "--threads",
            threads,
        ]);
        if let Some(s) = sampling {
            cmd.args(["--set", &format!("simulation.sampling=\"{s}\"")]);
        }
        cmd.arg("--out").arg(out).assert().success();
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run("1", &a);
    run("2", &b);
    assert_same_files(&a, &b, &["summary.json", "trials.csv", "monthly.csv"]);
    let m = json(&a.join("run.json"));
    let sobol = sampling.is_none();
    assert_eq!(m["sampling"], if sobol { "sobol" } else { "random" });
    let p = &m["precision"];
    let used = p["trials_used"].as_u64().unwrap() as usize;
    assert!(p["reached"].as_bool().unwrap());
    assert_eq!(m["trials"].as_u64().unwrap() as usize, used);
    // Recompute the half-widths from trials.csv: both under the bound.
    let csv = fs::read_to_string(a.join("trials.csv")).unwrap();
    let bookings: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(bookings.len(), used);
    let mut sorted = bookings.clone();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let p50 = (sorted[(n - 1) / 2] + sorted[n / 2]) / 2.0;
    let plan = 90_000_000.0;
    let hit: Vec<f64> = bookings.iter().map(|b| f64::from(*b >= plan)).collect();
    let (rel, half) = if sobol {
        (
            replicate_median_half_width(&bookings) / p50,
            replicate_half_width(&hit),
        )
    } else {
        let ph = hit.iter().sum::<f64>() / n as f64;
        // Wilson half-width.
        let z: f64 = 1.959_963_984_540_054;
        let nn = n as f64;
        let half = z * (ph * (1.0 - ph) / nn + z * z / (4.0 * nn * nn)).sqrt() / (1.0 + z * z / nn);
        (median_half_width(bookings.clone()) / p50, half)
    };
    assert!(rel <= 0.01 + 1e-12, "P50 half-width {rel}");
    assert!(half <= 0.01 + 1e-12, "P(hit plan) half-width {half}");
    // The run reports the same half-widths it stopped on.
    let reached = p["p_hit_plan_half_width_reached"].as_f64().unwrap();
    assert!((reached - half).abs() < 1e-9, "{reached} against {half}");
    used
}

#[test]
fn sensitivity_ranks_settings_by_swing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tornado");
    let run = revsim()
        .arg("sensitivity")
        .arg(baseline())
        .args([
            "--param",
            "customers.monthly_logo_churn_rate",
            "--param",
            "pipeline.opportunities_per_rep_month",
            "--vary",
            "attrition.annual_rate=0.2,0.35",
            "--trials",
            "300",
            "--shares-trials",
            "0",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(stdout.contains("largest swing first"), "{stdout}");
    assert!(
        !out.join("shares.csv").exists(),
        "--shares-trials 0: no shares"
    );
    let csv = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 6, "3 settings x 2 metrics");
    let p50: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "bookings_usd_p50").collect();
    let swings: Vec<f64> = p50.iter().map(|r| r[9].parse().unwrap()).collect();
    assert!(swings.windows(2).all(|w| w[0] >= w[1]), "{swings:?}");
    assert_eq!(p50[0][2], "pipeline.opportunities_per_rep_month");
    // Uncertain in the baseline: swung between its belief's own P10 and P90, not +-20%.
    assert_eq!(p50[0][3], "3.4", "its P10");
    assert_eq!(p50[0][4], "4.6", "its P90");
    assert_eq!(p50[0][5], "P10-P90");
    assert_eq!(p50[1][5], "given", "--vary as given");
    // Logo churn changes the installed base, not new bookings: on common random numbers the
    // swing is exactly zero.
    assert_eq!(p50[2][2], "customers.monthly_logo_churn_rate");
    assert_eq!(swings[2], 0.0);
    for c in ["tornado-bookings-usd-p50", "tornado-p-hit-plan"] {
        assert!(out.join(format!("charts/{c}.svg")).is_file());
        assert!(out.join(format!("charts/{c}.png")).is_file());
        // Rows named as readers know them; the keys stay in the table.
        let svg = fs::read_to_string(out.join(format!("charts/{c}.svg"))).unwrap();
        for key in [
            "pipeline.opportunities_per_rep_month",
            "attrition.annual_rate",
        ] {
            assert!(!svg.contains(key), "{c}: raw key {key}");
            let name = revsim::assumptions::human_name(key);
            assert!(svg.contains(&name), "{c}: no {name}");
        }
        assert!(svg.contains("<title>") && svg.contains("<desc>"), "{c}");
    }
}

#[test]
fn sensitivity_answers_the_finance_question_the_same_on_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |threads: &str, out: &Path| {
        let r = revsim()
            .arg("sensitivity")
            .arg(baseline())
            .args([
                "--param",
                "attrition.annual_rate",
                "--param",
                "org.seats",
                "--period",
                "fy2028",
                "--group",
                "people=attrition,hiring",
                "--trials",
                "100",
                "--shares-trials",
                "150",
                "--threads",
                threads,
                "--out",
            ])
            .arg(out)
            .assert()
            .success();
        String::from_utf8_lossy(&r.get_output().stdout).to_string()
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let stdout = run("1", &a);
    run("2", &b);
    assert_same_files(&a, &b, &["shares.csv", "sensitivity.csv"]);
    // The answer names the period and the attrition share.
    assert!(
        stdout.contains("Attrition explains") && stdout.contains("of FY2028 bookings"),
        "{stdout}"
    );
    // org.seats at -20% (40) cannot hold the 46 reps in seat: reported and skipped, not fatal.
    assert!(
        stdout.contains("Skipped org.seats: its low value 40 is invalid"),
        "{stdout}"
    );
    let csv = fs::read_to_string(a.join("shares.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    for output in ["bookings_usd", "hit_plan"] {
        let mine: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == output).collect();
        assert!(mine.iter().all(|r| r[1] == "FY2028"));
        // The single inputs' first-order shares, the interactions and luck add up to 1.
        let sum: f64 = mine
            .iter()
            .filter(|r| ["input", "interactions", "luck"].contains(&r[2]))
            .map(|r| r[5].parse::<f64>().unwrap())
            .sum();
        assert!((sum - 1.0).abs() < 1e-9, "{output}: {sum}");
        for name in ["attrition", "people", "market", "hiring"] {
            assert!(
                mine.iter().any(|r| r[2] == "group" && r[3] == name),
                "{output}: group {name}"
            );
        }
        // Every interval holds its estimate.
        for r in mine
            .iter()
            .filter(|r| r[2] != "interactions" && r[2] != "luck")
        {
            let v: Vec<f64> = r[5..11].iter().map(|x| x.parse().unwrap()).collect();
            assert!(
                v[1] <= v[0] && v[0] <= v[2] && v[4] <= v[3] && v[3] <= v[5],
                "{r:?}"
            );
        }
    }
}

#[test]
fn solve_finds_the_boundary_with_its_uncertainty() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("solve");
    let run = revsim()
        .arg("solve")
        .arg(baseline())
        .args([
            "--target",
            "p_hit_plan >= 70%",
            "--vary",
            "pipeline.opportunities_per_rep_month=3.0..6.0:0.1",
            "--trials",
            "500",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    let s = json(&out.join("solve.json"));
    assert_eq!(s["direction"], "increasing", "{stdout}");
    let answer = s["answer"].as_f64().unwrap();
    let evals = s["evaluations"].as_array().unwrap();
    let at = |x: f64| {
        evals
            .iter()
            .find(|e| (e["value"].as_f64().unwrap() - x).abs() < 1e-9)
            .map(|e| e["estimate"].as_f64().unwrap())
    };
    // The answer meets the target and the grid point below it does not.
    assert!(at(answer).unwrap() >= 0.7);
    let below = ((answer - 0.1) * 10.0).round() / 10.0;
    assert!(at(below).unwrap() < 0.7, "{stdout}");
    // The 95% range brackets the answer.
    let (o, c) = (
        s["answer_95_optimistic"].as_f64().unwrap(),
        s["answer_95_conservative"].as_f64().unwrap(),
    );
    assert!(o <= answer && answer <= c, "{o} {answer} {c}");
    // Bisection: far fewer runs than grid points.
    assert!(evals.len() < 20, "{} evaluations", evals.len());
    assert!(
        stdout.contains("Smallest pipeline.opportunities_per_rep_month"),
        "{stdout}"
    );

    // An unreachable target is said plainly.
    let none = revsim()
        .arg("solve")
        .arg(baseline())
        .args([
            "--target",
            "bookings_usd_p50 >= 500M",
            "--vary",
            "attrition.annual_rate=0.1..0.5:0.1",
            "--trials",
            "100",
            "--out",
        ])
        .arg(tmp.path().join("none"))
        .assert()
        .code(3);
    let stdout = String::from_utf8_lossy(&none.get_output().stdout).to_string();
    assert!(
        stdout.contains("No attrition.annual_rate in 0.1..0.5 (step 0.1) meets"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&none.get_output().stderr).to_string();
    assert!(
        stderr.contains("(exit code 3: no answer in the range)"),
        "{stderr}"
    );
    // The search's files are written all the same.
    assert!(tmp.path().join("none/solve.json").is_file());
}

/// "How many reps do we need to hit the FY2028 plan with 80% confidence?" is one command, whose
/// answer names FY2028 and reps in seat; searching the seats the headcount plan overrides is
/// refused, naming the plan and the fix.
#[test]
fn solve_answers_the_finance_question_in_reps_for_the_year_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("fy2028");
    let run = revsim()
        .arg("solve")
        .arg(baseline())
        .args([
            "--target",
            "fy2028.p_hit_plan >= 80%",
            "--vary",
            "hiring.headcount_plan=0..40",
            "--set",
            "hiring.recruiting_capacity_per_month=8",
            "--trials",
            "500",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    assert!(
        stdout.starts_with("Smallest hiring.headcount_plan (seats added to every point) in 0..40"),
        "{stdout}"
    );
    assert!(stdout.contains("fy2028.p_hit_plan ≥ 80%"), "{stdout}");
    assert!(stdout.contains(", FY2028 averages "), "{stdout}");
    assert!(stdout.contains(" reps in seat and "), "{stdout}");
    let s = json(&out.join("solve.json"));
    assert_eq!(s["target"]["period"], "FY2028");
    assert_eq!(s["target"]["metric"], "p_hit_plan");
    let answer = s["answer"].as_f64().unwrap();
    let evals = s["evaluations"].as_array().unwrap();
    let at = |x: f64| {
        evals
            .iter()
            .find(|e| e["value"].as_f64() == Some(x))
            .unwrap()
    };
    assert!(at(answer)["estimate"].as_f64().unwrap() >= 0.8);
    // More seats in the plan put more reps in seat.
    let reps = |x: f64| at(x)["reps_in_seat"].as_f64().unwrap();
    assert!(reps(40.0) > reps(answer) && reps(answer) > reps(0.0), "{s}");

    let err = revsim()
        .arg("solve")
        .arg(baseline())
        .args([
            "--target",
            "fy2028.p_hit_plan >= 80%",
            "--vary",
            "org.seats=46..120",
            "--out",
        ])
        .arg(tmp.path().join("seats"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    for expect in [
        "hiring.headcount_plan overrides org.seats",
        "from 2027-04",
        "--vary hiring.headcount_plan=0..40",
        "--set 'hiring.headcount_plan=[]'",
    ] {
        assert!(stderr.contains(expect), "{expect}: {stderr}");
    }
    // A wrong name lists the valid ones.
    let err = revsim()
        .arg("solve")
        .arg(baseline())
        .args([
            "--target",
            "fy2031.p_hit_plan >= 80%",
            "--vary",
            "hiring.headcount_plan=0..40",
            "--out",
        ])
        .arg(tmp.path().join("bad"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(
        stderr.contains("periods: horizon, fy2027, fy2028, fy2029"),
        "{stderr}"
    );
}

#[test]
fn batch_input_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["sweep", "--vary", "org.seats=40..80"],
            "a sweep range needs a step",
        ),
        (
            &["sweep", "--vary", "org.seats=abc..80:5"],
            "is not a number",
        ),
        (&["sweep", "--vary", "org.seat=50,60"], "org.seat"),
        (
            &[
                "solve",
                "--target",
                "p_hit >= 0.8",
                "--vary",
                "org.seats=50..60",
            ],
            "did you mean `p_hit_plan`",
        ),
        (
            &["sensitivity", "--param", "pipeline.deal_size_usd"],
            "not a single number",
        ),
        (
            &["sweep", "--vary", "org.seats=50", "--shard", "4/3"],
            "does not exist",
        ),
    ];
    for (args, expect) in cases {
        let out = revsim()
            .arg(args[0])
            .arg(baseline())
            .args(&args[1..])
            .args(["--out"])
            .arg(tmp.path().join("x"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    // A batch file with an unknown key in a variant is reported before anything runs.
    let file = tmp.path().join("what-ifs.toml");
    fs::write(
        &file,
        "[[variant]]\nname = \"faster\"\nset = { \"hiring.recruiting_capacity_per_month\" = 6 }\n\n[[variant]]\nname = \"typo\"\nset = { \"attrition.anual_rate\" = 0.3 }\n",
    )
    .unwrap();
    let out = revsim()
        .arg("sweep")
        .arg(baseline())
        .arg("--variants")
        .arg(&file)
        .arg("--out")
        .arg(tmp.path().join("y"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("typo") && stderr.contains("annual_rate"),
        "{stderr}"
    );
    assert!(
        !tmp.path().join("y").exists(),
        "nothing written before the error"
    );
}

#[test]
fn named_variants_from_a_batch_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("what-ifs.toml");
    fs::write(
        &file,
        r#"
[[variant]]
name = "as-planned"

[[variant]]
name = "hire-faster"
set = { "hiring.recruiting_capacity_per_month" = 6, "hiring.time_to_fill_months" = { triangular = { min = 1, mode = 1, max = 2 } } }
"#,
    )
    .unwrap();
    let out = tmp.path().join("named");
    revsim()
        .arg("sweep")
        .arg(baseline())
        .arg("--variants")
        .arg(&file)
        .args(["--trials", "200", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with(
            "variant,hiring.recruiting_capacity_per_month,hiring.time_to_fill_months,period"
        ),
        "{header}"
    );
    assert!(csv.contains("\nas-planned,,,horizon,"), "{csv}");
    assert!(csv.contains("\nhire-faster,6,"), "{csv}");
}

#[test]
fn edge_cases_a_reviewer_found() {
    let tmp = tempfile::tempdir().unwrap();
    let b = baseline();
    // One trial: intervals are undefined, yet the batch completes and resumes.
    let one = tmp.path().join("one");
    for _ in 0..2 {
        revsim()
            .arg("sweep")
            .arg(&b)
            .args([
                "--vary",
                "attrition.annual_rate=0.2,0.3",
                "--trials",
                "1",
                "-q",
                "--out",
            ])
            .arg(&one)
            .assert()
            .success();
    }
    revsim()
        .arg("solve")
        .arg(&b)
        .args([
            "--target",
            "p_hit_plan >= 50%",
            "--vary",
            "attrition.annual_rate=0.1..0.5:0.1",
        ])
        .args(["--trials", "1", "-q", "--out"])
        .arg(tmp.path().join("solve1"))
        .assert()
        // Its one trial misses the plan at both ends: no answer (exit 3), the folder written.
        .code(3);
    // A variant may override a key the batch's --set also sets: the variant wins.
    let both = tmp.path().join("both");
    revsim()
        .arg("sweep")
        .arg(&b)
        .args([
            "--set",
            "attrition.annual_rate=0.3",
            "--vary",
            "attrition.annual_rate=0.2,0.35",
        ])
        .args(["--trials", "64", "-q", "--out"])
        .arg(&both)
        .assert()
        .success();
    let csv = fs::read_to_string(both.join("sweep.csv")).unwrap();
    assert!(
        csv.contains("\nannual_rate=0.2,0.2,horizon,") && csv.contains("\nannual_rate=0.35,0.35,"),
        "{csv}"
    );
    // Sensitivity reads values inside distributions.
    let out = revsim()
        .arg("sensitivity")
        .arg(&b)
        .args([
            "--param",
            "pipeline.cycle_months.gamma.mean",
            "--trials",
            "64",
            "--out",
        ])
        .arg(tmp.path().join("sens"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("at 2.4") && stdout.contains("at 3.6"),
        "{stdout}"
    );
    // merge refuses a directory that is not a sweep or a sharded run.
    let err = revsim()
        .arg("merge")
        .arg(tmp.path().join("solve1"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&err.get_output().stderr).contains("`revsim solve` batch"));
    // For a `<=` goal that nothing meets, the closest value is the low end.
    let out = revsim()
        .arg("solve")
        .arg(&b)
        .args([
            "--target",
            "departures_p50 <= 5",
            "--vary",
            "attrition.annual_rate=0.1..0.5:0.1",
        ])
        .args(["--trials", "64", "--out"])
        .arg(tmp.path().join("closest"))
        .assert()
        .code(3);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("at attrition.annual_rate = 0.1."),
        "{stdout}"
    );
    // A range that does not end on its grid, and a probability written as a percentage number.
    for (vary, target, expect) in [
        (
            "org.seats=46..120:10",
            "p_hit_plan >= 0.8",
            "not a whole number of steps",
        ),
        ("org.seats=46..56", "p_hit_plan >= 80", "between 0 and 1"),
    ] {
        let err = revsim()
            .arg("solve")
            .arg(&b)
            .args(["--target", target, "--vary", vary, "--out"])
            .arg(tmp.path().join("bad"))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&err.get_output().stderr).to_string();
        assert!(stderr.contains(expect), "{stderr}");
    }
}

/// `--format json` prints each command's answer on stdout as the files hold it, even with
/// `--quiet`: a run's summary (summary.json), a search (solve.json), and a sensitivity study's
/// tornado and shares (sensitivity.csv and shares.csv, row for row).
#[test]
fn format_json_prints_the_answer_on_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout_json = |args: &[&str], out: &Path| -> serde_json::Value {
        let run = revsim()
            .args(args)
            .arg("--out")
            .arg(out)
            .args(["--format", "json", "--quiet"])
            .assert()
            .success();
        serde_json::from_slice(&run.get_output().stdout).expect("stdout is one JSON document")
    };
    let base = baseline();
    let base = base.to_str().unwrap();
    let out = tmp.path().join("run");
    let printed = stdout_json(&["run", base, "--trials", "200"], &out);
    assert_eq!(printed, json(&out.join("summary.json")));
    let out = tmp.path().join("solve");
    let printed = stdout_json(
        &[
            "solve",
            base,
            "--target",
            "fy2028.p_hit_plan >= 50%",
            "--vary",
            "pipeline.opportunities_per_rep_month=3.0..6.0:0.5",
            "--trials",
            "200",
        ],
        &out,
    );
    assert_eq!(printed, json(&out.join("solve.json")));
    let out = tmp.path().join("sens");
    let printed = stdout_json(
        &[
            "sensitivity",
            base,
            "--param",
            "attrition.annual_rate",
            "--trials",
            "200",
            "--shares-trials",
            "100",
        ],
        &out,
    );
    let csv_rows = |name: &str| fs::read_to_string(out.join(name)).unwrap().lines().count() - 1;
    assert_eq!(
        printed["tornado"].as_array().unwrap().len(),
        csv_rows("sensitivity.csv")
    );
    let shares = printed["shares"].as_array().expect("shares printed");
    assert_eq!(shares.len(), csv_rows("shares.csv"));
    assert!(shares[0].is_object(), "{}", shares[0]);
    // The plain-words answer, as the report's caption says it.
    let captions = printed["shares_captions"].as_array().expect("captions");
    assert_eq!(captions[0]["output"], "bookings_usd");
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    let caption = captions[0]["caption"].as_str().unwrap();
    assert!(
        report.contains(&caption.replace('\'', "&#39;")),
        "{caption}"
    );
}

#[test]
fn sensitivity_swings_levels_inside_distributions_and_shares_follow_the_named_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sens");
    let run = revsim()
        .arg("sensitivity")
        .arg(baseline())
        .args([
            "--param",
            "pipeline.cycle_months.mean",
            "--param",
            "attrition.annual_rate",
            "--param",
            "quota.annual_quota_usd",
            "--period",
            "fy2028",
            "--trials",
            "60",
            "--shares-trials",
            "60",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    // The cycle's mean sits inside a distribution: swung between its belief's P10 and P90.
    let csv = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let cycle: Vec<&str> = csv
        .lines()
        .find(|l| l.contains(",pipeline.cycle_months.mean,"))
        .unwrap_or_else(|| panic!("no cycle row: {csv}"))
        .split(',')
        .collect();
    assert_eq!(&cycle[3..6], ["2.6", "3.5", "P10-P90"], "{csv}");
    assert!(
        !stdout.contains("Skipped pipeline.cycle_months.mean"),
        "{stdout}"
    );
    // Shares: the named uncertain inputs alone (the cycle joined with the outcomes it is
    // correlated with), the others together; the quota has no belief, so no share.
    let (mut rdr, mut inputs) = (
        csv::Reader::from_path(out.join("shares.csv")).unwrap(),
        Vec::new(),
    );
    for r in rdr.records() {
        let r = r.unwrap();
        if &r[0] == "bookings_usd" && &r[2] == "input" {
            inputs.push(r[3].to_string());
        }
    }
    inputs.sort();
    assert_eq!(
        inputs,
        [
            "attrition.annual_rate",
            "other uncertain inputs",
            "pipeline.cycle_months.mean + pipeline.outcomes"
        ]
    );
    assert!(
        !fs::read_to_string(out.join("shares.csv"))
            .unwrap()
            .contains("quota")
    );
    assert!(
        stdout.contains("No share for quota.annual_quota_usd"),
        "{stdout}"
    );
    // The charts name the inputs; the report shows them with the answer in words.
    for c in ["shares-bookings-usd", "shares-hit-plan"] {
        assert!(out.join(format!("charts/{c}.png")).is_file());
        let svg = fs::read_to_string(out.join(format!("charts/{c}.svg"))).unwrap();
        for name in [
            "attrition.annual_rate",
            "other uncertain inputs",
            "per-rep and per-deal luck",
        ] {
            assert!(svg.contains(name), "{c} lacks {name}");
        }
    }
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("id=\"shares-bookings-usd\""),
        "chart in the report"
    );
    assert!(
        report.contains("Attrition explains")
            && report.contains("of the spread (variance) of FY2028 bookings"),
        "caption in the report"
    );
    assert!(report.contains("No share for <code>quota.annual_quota_usd</code>"));
    // The report leads with the base case's first fiscal year, then the horizon, and says
    // plainly which period the tornado and the shares are over.
    let first = report
        .find("<p class=\"answer\">Base case, FY2027: ")
        .expect("the first fiscal year leads");
    let horizon = report
        .find("<p class=\"answer second\">Over FY2027–FY2029 (36 months): ")
        .expect("then the horizon");
    let tornado = report.find("<figure").expect("a chart");
    assert!(first < horizon && horizon < tornado);
    assert!(report.contains(
        "over the whole horizon, FY2027–FY2029 (36 months), not over a single fiscal year"
    ));
    assert!(
        report.contains("The variance shares further down explain the spread of FY2028 bookings.")
    );
}
