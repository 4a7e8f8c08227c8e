//! `revsim merge`: combines the parts written by `--shard` runs or sweeps into the outputs of
//! one run or sweep (the work is in [`crate::batch::shards`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::args::OutputArgs;
use crate::batch::shards;
use crate::diagnostic::InputError;
use crate::output_dir::{Access, OutputDir};
use crate::report::Manifest;

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

/// Runs `revsim merge`.
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
    if shards::holds_batch(&a.parts) {
        merge_batch(a, &out)
    } else {
        merge_run(a, &out)
    }
}

/// Whether `a` and `b` name the same directory.
fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Merges the shards of a sweep and writes the sweep's outputs.
fn merge_batch(a: &MergeArgs, out: &Path) -> anyhow::Result<()> {
    // Merging in place: the folder is held before the parts are read, so that no shard still
    // writes there.
    let held = match a.parts.as_slice() {
        [one] if same_dir(one, out) => Some(OutputDir::open(out, Access::Exclusive)?),
        _ => None,
    };
    let merged = shards::merge_batch(&a.parts)?;
    let dir = match held {
        Some(dir) => dir,
        None => shards::merged_batch_dir(&a.parts, out, &merged, a.output.force)?,
    };
    let pool = a.output.pool()?;
    let files = pool.install(|| crate::batch::sweep::write(&dir, &merged.plan, &merged.results))?;
    if !a.output.quiet {
        let mut stdout = std::io::stdout().lock();
        super::sweep::print_table(&mut stdout, &merged.results)?;
        let done = format!(
            "Merged {} variants. Wrote {} ({} files).",
            merged.results.len(),
            dir.path().display(),
            files.len()
        );
        writeln!(stdout, "\n{}", crate::words::para(&done))?;
    }
    Ok(())
}

/// Merges the parts of a run and writes the run's outputs, as `revsim run` would have.
fn merge_run(a: &MergeArgs, out: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    // Merging in place: the folder is held before the parts are read, so that no shard still
    // writes there.
    let held = if a.parts.iter().any(|p| same_dir(p, out)) {
        Some(shards::part_dir(out, a.output.force, Access::Exclusive)?)
    } else {
        None
    };
    let m = shards::merge_run(&a.parts)?;
    let dir = match held {
        Some(dir) => dir,
        None => shards::part_dir(out, a.output.force, Access::Exclusive)?,
    };
    let pool = a.output.pool()?;
    let s = &m.scenario;
    let manifest = Manifest {
        revsim_version: env!("CARGO_PKG_VERSION"),
        results_version: crate::RESULTS_VERSION,
        scenario: s.name.clone(),
        scenario_path: s.source.clone(),
        scenario_inherits: s.inherits.clone(),
        overrides: m.overrides.clone(),
        scenario_sha256: s.sha256.clone(),
        seed: m.seed,
        trials: m.trials,
        threads: pool.current_num_threads(),
        wall_time_s: 0.0,
        simulation_s: None,
        detail: super::run::detail_name(s),
        sampling: s.sampling.name(),
        monthly_quantiles: "",
        precision: None,
        shards: Some(m.shards),
        files: Vec::new(),
    };
    super::run::finish_run(
        &pool,
        &dir,
        s,
        m.results,
        m.calm,
        manifest,
        started,
        super::run::Shown {
            quiet: a.output.quiet,
            json: a.output.format == super::args::Format::Json,
        },
    )
}
