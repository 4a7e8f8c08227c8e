//! The batch commands: `sweep`, `sensitivity`, `solve`, `merge`, and `run --shard`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::args::{OutputArgs, SimArgs};
use super::{progress_bar, trial_count};
use crate::batch::sweep::{BatchPlan, PLAN_FILE, PlannedVariant};
use crate::batch::{Planned, Shard, Store, VariantResult};
use crate::engine::Results;
use crate::report::{Manifest, OutputDir, safe_dir_name};
use crate::scenario::{InputError, Scenario};

/// Arguments of `revsim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file every variant starts from.
    pub file: PathBuf,
    /// A setting and its values: `key=v1,v2,...` or `key=lo..hi:step` (repeat for a grid of
    /// every combination).
    #[arg(long, value_name = "KEY=VALUES", required_unless_present = "variants")]
    pub vary: Vec<String>,
    /// A batch file of named variants instead of a grid (see docs/batches.md).
    #[arg(long, value_name = "FILE", conflicts_with = "vary")]
    pub variants: Option<PathBuf>,
    /// Run only shard I of N of the variants (for a cluster array job); `revsim merge` combines
    /// them. `auto` reads the array job's index and count (the default when
    /// REVSIM_SHARD_COUNT is set; see docs/cluster.md).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Trials, seed, output and overrides.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// Arguments of `revsim merge`.
#[derive(Debug, clap::Args)]
#[command(mut_arg("out", |a| a.help("Where to write the merged outputs (default: the shards' directory, when there is one)")))]
pub struct MergeArgs {
    /// Output directories of the shards (one directory when the shards shared it).
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output directory, overwriting, printing and threads.
    #[command(flatten)]
    pub output: OutputArgs,
}

pub use super::batch_more::{SensitivityArgs, SolveArgs, sensitivity, solve};

fn pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()?)
}

fn env_var(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// Whether a directory holds only what batches and shards write (so several shards, or a
/// rerun, may share it): `batch.json`, `variants/`, run parts and hidden temporary files.
fn only_batch_files(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|entries| {
        entries.filter_map(Result::ok).all(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name == PLAN_FILE
                || name == "variants"
                || name.starts_with('.')
                || (name.starts_with("run-part-") && name.ends_with(".bin"))
        })
    })
}

/// Whether a directory holds parts of a sharded run (and so may be written again by a shard or
/// a merge).
fn holds_run_parts(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("run-part-") && name.ends_with(".bin")
        })
    })
}

/// Opens a batch's output directory: a new or empty one, one that already holds this batch
/// (a rerun resumes it; shards share it), or, with `force`, any directory. A sweep must match
/// its plan exactly; a sensitivity or goal seek may change its settings or range and reuse the
/// runs it already made.
pub(crate) fn batch_dir(
    out: &Path,
    plan: &BatchPlan,
    force: bool,
) -> Result<OutputDir, InputError> {
    let shown = out.display().to_string();
    let plan_path = out.join(PLAN_FILE);
    if let Ok(text) = std::fs::read_to_string(&plan_path) {
        let old = serde_json::from_str::<BatchPlan>(&text).ok();
        let compatible = old.as_ref().is_some_and(|o| {
            o == plan
                || (plan.kind != "sweep"
                    && o.kind == plan.kind
                    && o.scenario == plan.scenario
                    && o.overrides == plan.overrides
                    && o.seed == plan.seed
                    && o.trials == plan.trials)
        });
        if !compatible && !force {
            let what = match &old {
                None => "a batch plan (batch.json) revsim cannot read".to_string(),
                Some(o) => {
                    let mut d = Vec::new();
                    if o.kind != plan.kind {
                        d.push(format!("it is a `{}`, not a `{}`", o.kind, plan.kind));
                    }
                    if o.scenario != plan.scenario {
                        d.push(format!("scenario {} (now {})", o.scenario, plan.scenario));
                    }
                    if o.seed != plan.seed {
                        d.push(format!("seed {} (now {})", o.seed, plan.seed));
                    }
                    if o.trials != plan.trials {
                        d.push(format!("{} trials (now {})", o.trials, plan.trials));
                    }
                    if o.overrides != plan.overrides {
                        d.push(format!(
                            "--set {:?} (now {:?})",
                            o.overrides, plan.overrides
                        ));
                    }
                    if o.variants != plan.variants {
                        d.push(format!(
                            "{} variants (now {}, or with other settings)",
                            o.variants.len(),
                            plan.variants.len()
                        ));
                    }
                    format!("a different batch: {}", d.join("; "))
                }
            };
            return Err(InputError::file(&shown, format!("the directory holds {what}"))
                .help("choose another --out, or pass --force to write this batch there (finished variants are kept and reused where they match)"));
        }
    } else if out.is_dir() && !force && !only_batch_files(out) {
        return OutputDir::prepare(out, force);
    }
    let dir = OutputDir::prepare(out, true)?;
    dir.write(PLAN_FILE, |w| {
        serde_json::to_writer_pretty(&mut *w, plan)?;
        w.write_all(b"\n")
    })?;
    Ok(dir)
}

/// The plan of a batch of `kind` ("sweep", "sensitivity", "solve").
pub(crate) fn plan_of(
    kind: &str,
    a_file: &Path,
    opts: &SimArgs,
    planned: &[Planned],
    params: Vec<crate::batch::Param>,
    seed: u64,
    trials: usize,
) -> BatchPlan {
    BatchPlan {
        kind: kind.into(),
        scenario: a_file.display().to_string(),
        overrides: opts.set.clone(),
        seed,
        trials,
        params,
        variants: planned
            .iter()
            .map(|p| PlannedVariant {
                name: p.variant.name.clone(),
                sets: p.variant.sets.clone(),
                key: p.key.clone(),
            })
            .collect(),
    }
}

/// Runs the planned variants this process owns that are not finished yet, writing each as it
/// completes. Returns (run now, already done).
pub(crate) fn run_variants(
    pool: &rayon::ThreadPool,
    store: &Store,
    planned: &[Planned],
    shard: Option<Shard>,
    seed: u64,
    trials: usize,
    quiet: bool,
) -> anyhow::Result<(usize, usize)> {
    let mine: Vec<&Planned> = planned
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| s.owns(*i)))
        .map(|(_, p)| p)
        .collect();
    let todo: Vec<&Planned> = mine
        .iter()
        .copied()
        .filter(|p| store.get(&p.key).is_none())
        .collect();
    let done = mine.len() - todo.len();
    let bar = progress_bar(quiet, todo.len() * trials);
    if !bar.is_hidden() {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {pos}/{len} trials, eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
    }
    for (i, p) in todo.iter().enumerate() {
        bar.set_message(format!(
            "variant {}/{} {}",
            i + 1,
            todo.len(),
            p.variant.name
        ));
        let r = pool.install(|| crate::batch::run_one(p, seed, trials, &|n| bar.inc(n as u64)));
        store.put(&r)?;
    }
    bar.finish_and_clear();
    Ok((todo.len(), done))
}

/// The finished results of every planned variant, from the stores of `dirs`; an error lists
/// the missing ones.
fn collect(plan: &BatchPlan, stores: &[Store]) -> Result<Vec<VariantResult>, InputError> {
    let mut out = Vec::with_capacity(plan.variants.len());
    let mut missing = Vec::new();
    for v in &plan.variants {
        match stores.iter().find_map(|s| s.get(&v.key)) {
            Some(r) => out.push(r),
            None => missing.push(v.name.clone()),
        }
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let shown: Vec<String> = missing.iter().take(5).map(|n| format!("{n:?}")).collect();
    Err(InputError::file(
        "batch",
        format!(
            "{} of {} variants have no result yet: {}{}",
            missing.len(),
            plan.variants.len(),
            shown.join(", "),
            if missing.len() > 5 { ", ..." } else { "" }
        ),
    )
    .help("run the shards that own them (or rerun the sweep without --shard: finished variants are kept), then merge again"))
}

/// `revsim sweep`.
pub fn sweep(a: &SweepArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let base = Scenario::load_with(&a.file, &a.sim.set)?;
    super::plausibility(&base, &a.sim.set, a.sim.strict, a.sim.output.quiet)?;
    let trials = trial_count(a.sim.trials.unwrap_or(base.trials))?;
    let seed = a.sim.seed.unwrap_or(base.seed);
    let (params, variants) = match &a.variants {
        Some(f) => {
            let mut variants = crate::batch::read_batch_file(f)?;
            // The base case comes first, so every what-if has its reference in the table.
            if !variants
                .iter()
                .any(|v| v.sets.is_empty() || v.name == "base")
            {
                variants.insert(
                    0,
                    crate::batch::Variant {
                        name: "base".into(),
                        sets: Vec::new(),
                    },
                );
            }
            (Vec::new(), variants)
        }
        None => {
            let params = a
                .vary
                .iter()
                .map(|v| crate::batch::parse_vary(v))
                .collect::<Result<Vec<_>, _>>()?;
            let variants = crate::batch::grid(&params)?;
            (params, variants)
        }
    };
    let shard = crate::batch::resolve_shard(a.shard.as_deref(), &env_var)?;
    let planned = crate::batch::plan(&a.file, &a.sim.set, variants, seed, trials)?;
    let plan = plan_of("sweep", &a.file, &a.sim, &planned, params, seed, trials);
    let out =
        a.sim.output.out.clone().unwrap_or_else(|| {
            Path::new("out").join(format!("sweep-{}", safe_dir_name(&base.name)))
        });
    let dir = batch_dir(&out, &plan, a.sim.output.force)?;
    let store = Store::open(&dir)?;
    let pool = pool(a.sim.output.threads)?;
    let (ran, done) = run_variants(
        &pool,
        &store,
        &planned,
        shard.as_ref().map(|(s, _)| *s),
        seed,
        trials,
        a.sim.output.quiet,
    )?;
    let mut stdout = std::io::stdout().lock();
    if let Some((s, from)) = shard.as_ref().filter(|(s, _)| s.count > 1) {
        if !a.sim.output.quiet {
            writeln!(
                stdout,
                "Shard {}/{} ({from}): ran {ran} variant(s){} into {}. When every shard has finished: revsim merge {}",
                s.index + 1,
                s.count,
                if done > 0 {
                    format!(", {done} already done")
                } else {
                    String::new()
                },
                dir.path().display(),
                crate::report::html::shell_word(&dir.path().display().to_string())
            )?;
        }
        return Ok(());
    }
    let results = collect(&plan, std::slice::from_ref(&store))?;
    let files = pool.install(|| crate::batch::sweep::write(&dir, &plan, &results))?;
    if !a.sim.output.quiet {
        print_sweep(&mut stdout, &results)?;
        writeln!(
            stdout,
            "\nRan {ran} variant(s){} in {:.1} s. Wrote {} (report.html, sweep.csv, sweep.xlsx, sweep.parquet and {} charts).",
            if done > 0 {
                format!(" ({done} were already done)")
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64(),
            dir.path().display(),
            files.iter().filter(|f| f.ends_with(".svg")).count()
        )?;
    }
    Ok(())
}

fn print_sweep(out: &mut dyn Write, results: &[VariantResult]) -> std::io::Result<()> {
    use crate::words::{pct, usd};
    let width = results
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let has_plan = results
        .first()
        .is_some_and(|r| r.periods[0].get("p_hit_plan").is_some());
    writeln!(
        out,
        "{:width$}  {:>9}  {:>9}  {:>9}{}",
        "variant",
        "P10",
        "P50",
        "P90",
        if has_plan { "  P(hit plan)" } else { "" }
    )?;
    for r in results {
        let h = &r.periods[0];
        let v = |n: &str| h.get(n).map_or(f64::NAN, |e| e.value);
        writeln!(
            out,
            "{:width$}  {:>9}  {:>9}  {:>9}{}",
            r.name,
            usd(v("bookings_usd_p10")),
            usd(v("bookings_usd_p50")),
            usd(v("bookings_usd_p90")),
            h.get("p_hit_plan")
                .map(|e| format!("  {:>11}", pct(e.value)))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "(bookings over the horizon)")
}

/// One shard of a large run: what `run --shard` writes and `merge` reads.
#[derive(Debug, Serialize, Deserialize)]
struct RunPart {
    scenario_path: String,
    /// The resolved scenario, so a merge needs no access to the scenario files.
    resolved_toml: String,
    inherits: Vec<String>,
    default_name: String,
    overrides: Vec<String>,
    scenario_sha256: String,
    seed: u64,
    trials: usize,
    shard: Shard,
    results: Results,
    calm: Option<Results>,
}

fn part_name(s: Shard) -> String {
    format!("run-part-{}-of-{}.bin", s.index + 1, s.count)
}

/// `revsim run FILE --shard I/N`: runs this shard's whole blocks of trials and writes them.
pub(crate) fn run_shard(
    a: &super::run::RunArgs,
    s: &Scenario,
    out: &Path,
    trials: usize,
    seed: u64,
    shard: Shard,
    from: &str,
) -> anyhow::Result<()> {
    let dir = if out.is_dir() && (only_batch_files(out) || holds_run_parts(out)) {
        OutputDir::existing(out)
    } else {
        OutputDir::prepare(out, a.sim.output.force)?
    };
    let range = shard.trial_range(trials);
    let pool = pool(a.sim.output.threads)?;
    let passes = if s.leadership.is_some() { 2 } else { 1 };
    let bar = progress_bar(a.sim.output.quiet, passes * range.len());
    let (results, calm) = pool.install(|| {
        let r = crate::engine::simulate_range(s, range.clone(), seed, &|n| bar.inc(n as u64));
        let calm = s.leadership.as_ref().map(|_| {
            let mut c = s.clone();
            c.leadership = None;
            crate::engine::simulate_range(&c, range.clone(), seed, &|n| bar.inc(n as u64))
        });
        (r, calm)
    });
    bar.finish_and_clear();
    let part = RunPart {
        scenario_path: a.file.display().to_string(),
        resolved_toml: s.resolved_toml(),
        inherits: s.inherits.clone(),
        default_name: a
            .file
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into()),
        overrides: a.sim.set.clone(),
        scenario_sha256: s.sha256.clone(),
        seed,
        trials,
        shard,
        results,
        calm,
    };
    let bytes = postcard::to_stdvec(&part)?;
    dir.write(&part_name(shard), |w| w.write_all(&bytes))?;
    if !a.sim.output.quiet {
        writeln!(
            std::io::stdout().lock(),
            "Shard {}/{} ({from}): trials {}..{} of {} written to {}. When every shard has finished: revsim merge {}",
            shard.index + 1,
            shard.count,
            range.start,
            range.end,
            trials,
            dir.path().join(part_name(shard)).display(),
            crate::report::html::shell_word(&dir.path().display().to_string())
        )?;
    }
    Ok(())
}

/// `revsim merge`.
pub fn merge(a: &MergeArgs) -> anyhow::Result<()> {
    for p in &a.parts {
        if !p.is_dir() {
            return Err(InputError::file(
                p.display().to_string(),
                "not a directory written by a sharded run or sweep",
            )
            .help("give the --out directories of the shards")
            .into());
        }
    }
    let out = match (&a.output.out, a.parts.as_slice()) {
        (Some(o), _) => o.clone(),
        (None, [one]) => one.clone(),
        (None, _) => {
            return Err(InputError::file(
                "revsim merge",
                "several shard directories given, and no --out to merge them into",
            )
            .help("add --out DIR")
            .into());
        }
    };
    if a.parts.iter().any(|p| p.join(PLAN_FILE).is_file()) {
        merge_batch(a, &out)
    } else {
        merge_run(a, &out)
    }
}

fn merge_batch(a: &MergeArgs, out: &Path) -> anyhow::Result<()> {
    let mut plan: Option<(BatchPlan, PathBuf)> = None;
    let mut stores = Vec::new();
    for p in &a.parts {
        let path = p.join(PLAN_FILE);
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            InputError::file(&shown, format!("cannot read the batch plan: {e}"))
                .help("give the --out directories of the shards of one sweep")
        })?;
        let this: BatchPlan = serde_json::from_str(&text)
            .map_err(|e| InputError::file(&shown, format!("not a revsim batch plan: {e}")))?;
        match &plan {
            None => plan = Some((this, p.clone())),
            Some((first, first_dir)) if *first != this => {
                return Err(InputError::file(
                    &shown,
                    format!(
                        "this shard ran a different batch from {} (scenario, seed, trials or variants differ)",
                        first_dir.display()
                    ),
                )
                .help("merge only the shards of one sweep")
                .into());
            }
            Some(_) => {}
        }
        stores.push(Store::open(&OutputDir::existing(p))?);
    }
    let (plan, _) = plan.expect("at least one part");
    if plan.kind != "sweep" {
        return Err(InputError::file(
            a.parts[0].display().to_string(),
            format!(
                "holds a `revsim {}` batch; merge combines sweeps and runs split with --shard",
                plan.kind
            ),
        )
        .help(format!(
            "rerun the `revsim {}` command itself: it reuses the runs already made",
            plan.kind
        ))
        .into());
    }
    let results = collect(&plan, &stores)?;
    let same_dir = a.parts.len() == 1 && a.parts[0] == out;
    let dir = if same_dir {
        OutputDir::existing(out)
    } else {
        let dir = batch_dir(out, &plan, a.output.force)?;
        let store = Store::open(&dir)?;
        for r in &results {
            store.put(r)?;
        }
        dir
    };
    let pool = pool(a.output.threads)?;
    let files = pool.install(|| crate::batch::sweep::write(&dir, &plan, &results))?;
    if !a.output.quiet {
        let mut stdout = std::io::stdout().lock();
        print_sweep(&mut stdout, &results)?;
        writeln!(
            stdout,
            "\nMerged {} variants. Wrote {} ({} files).",
            results.len(),
            dir.path().display(),
            files.len()
        )?;
    }
    Ok(())
}

fn merge_run(a: &MergeArgs, out: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut parts: Vec<(PathBuf, RunPart)> = Vec::new();
    for p in &a.parts {
        let mut names: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| InputError::file(p.display().to_string(), format!("cannot read: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| {
                f.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with("run-part-") && n.ends_with(".bin")
                })
            })
            .collect();
        names.sort();
        for f in names {
            let shown = f.display().to_string();
            let bytes = std::fs::read(&f)
                .map_err(|e| InputError::file(&shown, format!("cannot read: {e}")))?;
            let part: RunPart = postcard::from_bytes(&bytes).map_err(|e| {
                InputError::file(
                    &shown,
                    format!("not a revsim run part (damaged, or from another version): {e}"),
                )
                .help("rerun that shard")
            })?;
            parts.push((f, part));
        }
    }
    if parts.is_empty() {
        return Err(InputError::file(
            a.parts[0].display().to_string(),
            "holds neither a sweep (batch.json) nor run parts (run-part-*.bin)",
        )
        .help("give the --out directories of `revsim run --shard` or `revsim sweep --shard`")
        .into());
    }
    parts.sort_by_key(|(_, p)| p.shard.index);
    let (first_file, first) = &parts[0];
    let count = first.shard.count;
    for (f, p) in &parts {
        if p.scenario_sha256 != first.scenario_sha256
            || p.seed != first.seed
            || p.trials != first.trials
            || p.shard.count != count
            || p.overrides != first.overrides
        {
            return Err(InputError::file(
                f.display().to_string(),
                format!(
                    "this part belongs to another run than {} (scenario, overrides, seed, trials or shard count differ)",
                    first_file.display()
                ),
            )
            .help("merge only the parts of one run")
            .into());
        }
    }
    let have: Vec<usize> = parts.iter().map(|(_, p)| p.shard.index).collect();
    let missing: Vec<String> = (0..count)
        .filter(|i| !have.contains(i))
        .map(|i| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() || have.len() != count {
        return Err(InputError::file(
            "revsim merge",
            if missing.is_empty() {
                "a shard's part appears twice".to_string()
            } else {
                format!("the parts of shard(s) {} are missing", missing.join(", "))
            },
        )
        .help("run the missing shards (or give every part once), then merge again")
        .into());
    }
    let mut s = Scenario::from_toml(
        &first.resolved_toml,
        &first.scenario_path,
        &first.default_name,
    )
    .map_err(|e| {
        InputError::file(
            first_file.display().to_string(),
            format!(
                "the scenario stored in this part does not load: {}",
                e.message
            ),
        )
        .help("rerun the shards with this version of revsim")
    })?;
    if s.sha256 != first.scenario_sha256 {
        return Err(InputError::file(
            first_file.display().to_string(),
            "the scenario stored in this part does not match its SHA-256 (the file is damaged)",
        )
        .help("rerun that shard")
        .into());
    }
    s.inherits = first.inherits.clone();
    let (seed, trials, overrides) = (first.seed, first.trials, first.overrides.clone());
    let mut iter = parts.into_iter().map(|(_, p)| p);
    let head = iter.next().expect("non-empty");
    let (mut results, mut calm) = (head.results, head.calm);
    for p in iter {
        results.append(p.results).map_err(anyhow::Error::msg)?;
        if let (Some(c), Some(next)) = (calm.as_mut(), p.calm) {
            c.append(next).map_err(anyhow::Error::msg)?;
        }
    }
    let dir = if out.is_dir() && (only_batch_files(out) || holds_run_parts(out)) {
        OutputDir::existing(out)
    } else {
        OutputDir::prepare(out, a.output.force)?
    };
    let pool = pool(a.output.threads)?;
    let manifest = Manifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        scenario: s.name.clone(),
        scenario_path: s.source.clone(),
        scenario_inherits: s.inherits.clone(),
        overrides,
        scenario_sha256: s.sha256.clone(),
        seed,
        trials,
        threads: pool.current_num_threads(),
        wall_time_s: 0.0,
        simulation_s: None,
        detail: super::run::detail_name(&s),
        monthly_quantiles: "",
        precision: None,
        shards: Some(count),
        files: Vec::new(),
    };
    super::run::finish_run(
        &pool,
        &dir,
        &s,
        results,
        calm,
        manifest,
        started,
        a.output.quiet,
    )
}
