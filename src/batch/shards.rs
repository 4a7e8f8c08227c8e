//! Work split across processes with `--shard I/N`, and put back together by `revsim merge`.
//!
//! A sharded run writes its whole blocks of trials to `run-part-I-of-N.bin`, with the resolved
//! scenario, so that a merge needs no access to the scenario files; the merge checks that the
//! parts belong to one run and appends them in shard order, which gives the results of the
//! whole run. A sharded sweep shares its results through the store; merging it reads the plan
//! and the store of every part.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::folder::{self, holds_run_parts, is_run_part, only_batch_files};
use super::sweep::{BatchPlan, PLAN_FILE};
use super::{Shard, Store, VariantResult};
use crate::diagnostic::{InputError, input};
use crate::engine::Results;
use crate::output_dir::OutputDir;
use crate::scenario::Scenario;

/// One shard of a large run: what `run --shard` writes and `merge` reads.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunPart {
    /// The scenario file, as given.
    scenario_path: String,
    /// The resolved scenario, so a merge needs no access to the scenario files.
    resolved_toml: String,
    /// The files the scenario extends.
    inherits: Vec<String>,
    /// The scenario's name when the file sets none (its file name).
    default_name: String,
    /// The `--set` overrides.
    overrides: Vec<String>,
    /// SHA-256 of the resolved scenario.
    scenario_sha256: String,
    /// Seed of the whole run.
    seed: u64,
    /// Trials of the whole run.
    trials: usize,
    /// Which part this is.
    shard: Shard,
    /// The results of this part's trials.
    results: Results,
    /// The same trials without leadership effects, when the scenario has them.
    calm: Option<Results>,
}

impl RunPart {
    /// Runs `shard`'s whole blocks of the `trials` trials of `s` (loaded from `file` with the
    /// overrides `sets`), on the current thread pool.
    pub fn simulate(
        file: &Path,
        sets: &[String],
        s: &Scenario,
        seed: u64,
        trials: usize,
        shard: Shard,
        progress: &(dyn Fn(usize) + Sync),
    ) -> RunPart {
        let range = shard.trial_range(trials);
        let results = crate::engine::simulate_range(s, range.clone(), seed, progress);
        let calm = s.leadership.as_ref().map(|_| {
            let mut c = s.clone();
            c.leadership = None;
            crate::engine::simulate_range(&c, range.clone(), seed, progress)
        });
        RunPart {
            scenario_path: file.display().to_string(),
            resolved_toml: s.resolved_toml(),
            inherits: s.inherits.clone(),
            default_name: file
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into()),
            overrides: sets.to_vec(),
            scenario_sha256: s.sha256.clone(),
            seed,
            trials,
            shard,
            results,
            calm,
        }
    }

    /// Writes the part into `dir`; returns the path of the file written.
    pub fn write(&self, dir: &OutputDir) -> anyhow::Result<PathBuf> {
        let bytes = postcard::to_stdvec(self)?;
        let name = part_name(self.shard);
        dir.write(&name, |w| w.write_all(&bytes))?;
        Ok(dir.path().join(name))
    }
}

fn part_name(s: Shard) -> String {
    format!("run-part-{}-of-{}.bin", s.index + 1, s.count)
}

/// The folder a run's part, or a merged run, is written to: shared with the other shards (and
/// a sweep's) when it holds only their files, otherwise prepared as any output folder.
pub fn part_dir(out: &Path, force: bool) -> Result<OutputDir, InputError> {
    if out.is_dir() && (only_batch_files(out) || holds_run_parts(out)) {
        Ok(OutputDir::existing(out))
    } else {
        OutputDir::prepare(out, force)
    }
}

/// Whether the folders hold a sharded batch (a plan) rather than the parts of a run.
pub fn holds_batch(dirs: &[PathBuf]) -> bool {
    dirs.iter().any(|p| p.join(PLAN_FILE).is_file())
}

/// A sharded run put back together.
#[derive(Debug)]
pub struct MergedRun {
    /// The scenario as the parts stored it, with the files it extends.
    pub scenario: Scenario,
    /// The results of every trial, in order.
    pub results: Results,
    /// The same without leadership effects, when the scenario has them.
    pub calm: Option<Results>,
    /// Seed of the run.
    pub seed: u64,
    /// Trials of the run.
    pub trials: usize,
    /// The `--set` overrides the shards ran with.
    pub overrides: Vec<String>,
    /// Number of shards.
    pub shards: usize,
}

/// Reads the run parts in `dirs`, checks that they are every part of one run, and appends
/// them.
pub fn merge_run(dirs: &[PathBuf]) -> anyhow::Result<MergedRun> {
    let mut parts = read_parts(dirs)?;
    if parts.is_empty() {
        return Err(InputError::file(
            dirs[0].display().to_string(),
            "holds neither a sweep (batch.json) nor run parts (run-part-*.bin)",
        )
        .help("give the --out directories of `revsim run --shard` or `revsim sweep --shard`")
        .into());
    }
    parts.sort_by_key(|(_, p)| p.shard.index);
    check_one_run(&parts)?;
    let (first_file, first) = &parts[0];
    let scenario = stored_scenario(first_file, first)?;
    let (seed, trials, overrides) = (first.seed, first.trials, first.overrides.clone());
    let shards = first.shard.count;
    let mut iter = parts.into_iter().map(|(_, p)| p);
    let head = iter.next().expect("non-empty");
    let (mut results, mut calm) = (head.results, head.calm);
    for p in iter {
        results.append(p.results).map_err(anyhow::Error::msg)?;
        if let (Some(c), Some(next)) = (calm.as_mut(), p.calm) {
            c.append(next).map_err(anyhow::Error::msg)?;
        }
    }
    Ok(MergedRun {
        scenario,
        results,
        calm,
        seed,
        trials,
        overrides,
        shards,
    })
}

/// Every run part in `dirs`, with its file, in file-name order within each folder.
fn read_parts(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, RunPart)>, InputError> {
    let mut parts = Vec::new();
    for p in dirs {
        let mut names: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| InputError::file(p.display().to_string(), format!("cannot read: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| {
                f.file_name()
                    .is_some_and(|n| is_run_part(&n.to_string_lossy()))
            })
            .collect();
        names.sort();
        for f in names {
            let shown = f.display().to_string();
            let bytes = input::read_bytes(&f, &shown, input::RUN_PART, false)?;
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
    Ok(parts)
}

/// Checks that the parts (sorted by shard) are each shard of one run, once.
fn check_one_run(parts: &[(PathBuf, RunPart)]) -> Result<(), InputError> {
    let (first_file, first) = &parts[0];
    let count = first.shard.count;
    for (f, p) in parts {
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
            .help("merge only the parts of one run"));
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
        .help("run the missing shards (or give every part once), then merge again"));
    }
    Ok(())
}

/// The scenario a part stored, checked against its SHA-256.
fn stored_scenario(file: &Path, part: &RunPart) -> Result<Scenario, InputError> {
    let mut s = Scenario::from_toml(&part.resolved_toml, &part.scenario_path, &part.default_name)
        .map_err(|e| {
        InputError::file(
            file.display().to_string(),
            format!(
                "the scenario stored in this part does not load: {}",
                e.message
            ),
        )
        .help("rerun the shards with this version of revsim")
    })?;
    if s.sha256 != part.scenario_sha256 {
        return Err(InputError::file(
            file.display().to_string(),
            "the scenario stored in this part does not match its SHA-256 (the file is damaged)",
        )
        .help("rerun that shard"));
    }
    s.inherits = part.inherits.clone();
    Ok(s)
}

/// A sharded sweep put back together.
#[derive(Debug)]
pub struct MergedBatch {
    /// The plan every shard ran.
    pub plan: BatchPlan,
    /// The result of every variant, in plan order.
    pub results: Vec<VariantResult>,
}

/// Reads the plans and stores in `dirs`, checks that they are shards of one sweep, and
/// gathers every variant's result.
pub fn merge_batch(dirs: &[PathBuf]) -> Result<MergedBatch, InputError> {
    let mut plan: Option<(BatchPlan, &PathBuf)> = None;
    let mut stores = Vec::new();
    for p in dirs {
        let path = p.join(PLAN_FILE);
        let shown = path.display().to_string();
        let text = input::try_read(&path, input::BATCH_RECORD, false)
            .map_err(|r| r.reason)
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
            .map_err(|e| {
                InputError::file(&shown, format!("cannot read the batch plan: {e}"))
                    .help("give the --out directories of the shards of one sweep")
            })?;
        let this: BatchPlan = serde_json::from_str(&text)
            .map_err(|e| InputError::file(&shown, format!("not a revsim batch plan: {e}")))?;
        match &plan {
            None => plan = Some((this, p)),
            Some((first, first_dir)) if *first != this => {
                return Err(InputError::file(
                    &shown,
                    format!(
                        "this shard ran a different batch from {} (scenario, seed, trials or variants differ)",
                        first_dir.display()
                    ),
                )
                .help("merge only the shards of one sweep"));
            }
            Some(_) => {}
        }
        stores.push(Store::open(&OutputDir::existing(p))?);
    }
    let (plan, _) = plan.expect("at least one part");
    if plan.kind != "sweep" {
        return Err(InputError::file(
            dirs[0].display().to_string(),
            format!(
                "holds a `revsim {}` batch; merge combines sweeps and runs split with --shard",
                plan.kind
            ),
        )
        .help(format!(
            "rerun the `revsim {}` command itself: it reuses the runs already made",
            plan.kind
        )));
    }
    let results = folder::collect(&plan, &stores)?;
    Ok(MergedBatch { plan, results })
}

/// The folder a merged sweep is written to: the shards' own when they shared `out`, otherwise
/// `out` opened as a batch folder holding every variant's result.
pub fn merged_batch_dir(
    dirs: &[PathBuf],
    out: &Path,
    merged: &MergedBatch,
    force: bool,
) -> Result<OutputDir, InputError> {
    if dirs.len() == 1 && dirs[0] == out {
        return Ok(OutputDir::existing(out));
    }
    let dir = folder::open(out, &merged.plan, force)?;
    let store = Store::open(&dir)?;
    for r in &merged.results {
        store.put(r)?;
    }
    Ok(dir)
}
