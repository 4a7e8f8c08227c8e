//! Work split across processes with `--shard I/N`, and put back together by `revsim merge`.
//!
//! A sharded run writes its whole blocks of trials to `run-part-I-of-N.bin`, with the resolved
//! scenario, so that a merge needs no access to the scenario files, and a SHA-256 of the whole
//! (its shard and run identity included); the merge refuses, naming the file, a part that is
//! damaged, given twice, missing, of another run or named as another part, then appends them
//! in shard order, which gives the results of the whole run. A sharded sweep shares its results through the store; merging it reads the plan
//! and the store of every part.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::folder::{self, holds_run_parts, is_run_part, only_batch_files};
use super::sweep::{BatchPlan, PLAN_FILE};
use super::{Shard, Store, VariantResult};
use crate::diagnostic::{InputError, input};
use crate::engine::{Monthly, Results};
use crate::output_dir::{Access, OutputDir};
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

    /// Writes the part into `dir` ([`PART_MAGIC`], the part, then the SHA-256 of both);
    /// returns the path of the file written.
    pub fn write(&self, dir: &OutputDir) -> anyhow::Result<PathBuf> {
        let mut bytes = PART_MAGIC.to_vec();
        postcard::to_io(self, &mut bytes)?;
        let digest = Sha256::digest(&bytes);
        bytes.extend_from_slice(&digest);
        let name = part_name(self.shard);
        dir.write(&name, |w| w.write_all(&bytes))?;
        Ok(dir.path().join(name))
    }

    /// The part held by `bytes`, the contents of the file `shown`: refused, naming the file, if
    /// it is not a part of this format, if its checksum does not match (a damaged file), or if
    /// its trials are not those of the shard it names.
    fn decode(bytes: &[u8], shown: &str) -> Result<RunPart, InputError> {
        let refuse = |why: &str| {
            InputError::file(shown, format!("cannot merge this run part: {why}"))
                .help("rerun that shard (the same command with its --shard I/N), then merge again")
        };
        if !bytes.starts_with(PART_MAGIC) || bytes.len() < PART_MAGIC.len() + DIGEST_BYTES {
            return Err(refuse(
                "it is not a run part of this version of revsim (damaged, or written by another version)",
            ));
        }
        let (body, digest) = bytes.split_at(bytes.len() - DIGEST_BYTES);
        if Sha256::digest(body).as_slice() != digest {
            return Err(refuse(
                "it is damaged: its checksum does not match its contents",
            ));
        }
        let part: RunPart = postcard::from_bytes(&body[PART_MAGIC.len()..])
            .map_err(|_| refuse("it does not read as a run part"))?;
        let range = part.shard.trial_range(part.trials);
        // Its monthly figures are as many as its trials and its record layout make.
        let sized = |r: &Results| match &r.monthly {
            Monthly::Exact(v) => Some(v.len()) == r.trials.checked_mul(r.stride()),
            Monthly::Sketch(s) => s.cells.len() == r.stride(),
        };
        let holds = |r: &Results| {
            r.first_trial == range.start
                && r.trials == range.len()
                && r.seed == part.seed
                && sized(r)
        };
        let shard_ok = part.shard.count > 0 && part.shard.index < part.shard.count;
        if !shard_ok || !holds(&part.results) || !part.calm.as_ref().is_none_or(holds) {
            return Err(refuse("its trials are not those of the shard it names"));
        }
        Ok(part)
    }
}

/// The first bytes of a run part, with its format: a part of another format is refused.
pub const PART_MAGIC: &[u8] = b"revsim run part, format 3\n";

/// Bytes of the SHA-256 that ends a run part.
const DIGEST_BYTES: usize = 32;

fn part_name(s: Shard) -> String {
    format!("run-part-{}-of-{}.bin", s.index + 1, s.count)
}

/// The folder a run's part ([`Access::Shared`] with the other shards), or a merged run
/// ([`Access::Exclusive`]), is written to: one that holds only shards' files (and a sweep's) is
/// shared with them; any other is refused if it holds files, unless `force`.
pub fn part_dir(out: &Path, force: bool, access: Access) -> Result<OutputDir, InputError> {
    let dir = OutputDir::open(out, access)?;
    if !(only_batch_files(out) || holds_run_parts(out)) {
        dir.ensure_empty(force)?;
    }
    Ok(dir)
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
    let mut iter = parts.into_iter();
    let (_, head) = iter.next().expect("non-empty");
    let (mut results, mut calm) = (head.results, head.calm);
    for (f, p) in iter {
        let refuse = |why: String| {
            InputError::file(
                f.display().to_string(),
                format!("cannot merge this run part: {why}"),
            )
            .help("rerun that shard, then merge again")
        };
        results.append(p.results).map_err(refuse)?;
        match (calm.as_mut(), p.calm) {
            (Some(c), Some(next)) => c.append(next).map_err(refuse)?,
            (None, None) => {}
            _ => {
                return Err(refuse(
                    "its run without the VP model does not match the other parts'".into(),
                )
                .into());
            }
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
            let part = RunPart::decode(&bytes, &shown)?;
            // The name says which part the file is; the checked contents must agree.
            let named = f.file_name().map(|n| n.to_string_lossy().into_owned());
            if named.as_deref() != Some(part_name(part.shard).as_str()) {
                return Err(InputError::file(
                    &shown,
                    format!(
                        "cannot merge this run part: the file is named as another part, but holds part {} of {}",
                        part.shard.index + 1,
                        part.shard.count
                    ),
                )
                .help("give every part under the name its shard wrote"));
            }
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
    for pair in parts.windows(2) {
        let ((first, a), (again, b)) = (&pair[0], &pair[1]);
        if a.shard.index == b.shard.index {
            return Err(InputError::file(
                again.display().to_string(),
                format!(
                    "cannot merge this run part: it is part {} of {count}, which {} holds too (a part given twice)",
                    b.shard.index + 1,
                    first.display()
                ),
            )
            .help("give every part once"));
        }
    }
    let have: Vec<usize> = parts.iter().map(|(_, p)| p.shard.index).collect();
    let missing: Vec<String> = (0..count)
        .filter(|i| !have.contains(i))
        .map(|i| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        let folders: Vec<String> = parts
            .iter()
            .filter_map(|(f, _)| f.parent().map(|d| d.display().to_string()))
            .fold(Vec::new(), |mut v, d| {
                if !v.contains(&d) {
                    v.push(d);
                }
                v
            });
        return Err(InputError::file(
            folders.join(", "),
            format!("the parts of shard(s) {} are missing", missing.join(", ")),
        )
        .help("run the missing shards, then merge again"));
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
        let this = BatchPlan::unseal(&text).map_err(|why| {
            InputError::file(&shown, format!("cannot merge this batch plan: {why}"))
                .help("rerun the sweep's shards (finished variants are kept), then merge again")
        })?;
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
        return OutputDir::open(out, Access::Exclusive);
    }
    let dir = folder::open(out, &merged.plan, force, Access::Exclusive)?;
    let store = Store::open(&dir)?;
    for r in &merged.results {
        store.put(r)?;
    }
    Ok(dir)
}
