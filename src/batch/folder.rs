//! A batch's output folder: opening it so that a rerun resumes and shards share it, and
//! gathering the finished variants from the stores of one or several such folders.

use std::path::Path;

use super::sweep::{BatchPlan, PLAN_FILE};
use super::{Store, VariantResult};
use crate::diagnostic::{InputError, input};
use crate::output_dir::{Access, OutputDir};

/// Whether a directory holds only what batches and shards write (so several shards, or a
/// rerun, may share it): `batch.json`, `variants/`, run parts and hidden temporary files.
pub fn only_batch_files(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|entries| {
        entries.filter_map(Result::ok).all(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name == PLAN_FILE || name == "variants" || name.starts_with('.') || is_run_part(&name)
        })
    })
}

/// Whether a directory holds parts of a sharded run (and so may be written again by a shard or
/// a merge).
pub fn holds_run_parts(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| is_run_part(&e.file_name().to_string_lossy()))
    })
}

/// Whether a file name is that of a run's part (`run-part-I-of-N.bin`).
pub fn is_run_part(name: &str) -> bool {
    name.starts_with("run-part-") && name.ends_with(".bin")
}

/// Opens a batch's output directory: a new or empty one, one that already holds this batch
/// (a rerun resumes it; shards share it), or, with `force`, any directory. A sweep must match
/// its plan exactly; a sensitivity or goal seek may change its settings or range and reuse the
/// runs it already made. The folder is locked first (shared by the shards of a batch,
/// `access`), so that what it holds does not change while it is looked at.
pub fn open(
    out: &Path,
    plan: &BatchPlan,
    force: bool,
    access: Access,
) -> Result<OutputDir, InputError> {
    let shown = out.display().to_string();
    let dir = OutputDir::open(out, access)?;
    let plan_path = out.join(PLAN_FILE);
    let old_plan = input::try_read(&plan_path, input::BATCH_RECORD, false).ok();
    if let Some(text) = old_plan.map(|b| String::from_utf8_lossy(&b).into_owned()) {
        let old = serde_json::from_str::<BatchPlan>(&text)
            .ok()
            .map(|o| BatchPlan {
                checksum: String::new(),
                ..o
            });
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
                Some(o) => format!("a different batch: {}", differences(o, plan)),
            };
            return Err(InputError::file(&shown, format!("the directory holds {what}"))
                .help("choose another --out, or pass --force to write this batch there (finished variants are kept and reused where they match)"));
        }
    } else if !force && !only_batch_files(out) {
        dir.ensure_empty(force)?;
    }
    // Kept from one command to the next: a rerun resumes from it.
    dir.kept().write(PLAN_FILE, |w| {
        serde_json::to_writer_pretty(&mut *w, &plan.sealed())?;
        w.write_all(b"\n")
    })?;
    Ok(dir)
}

/// How the plan `old` found in a folder differs from `plan`, for the error that refuses it.
fn differences(old: &BatchPlan, plan: &BatchPlan) -> String {
    let mut d = Vec::new();
    if old.kind != plan.kind {
        d.push(format!("it is a `{}`, not a `{}`", old.kind, plan.kind));
    }
    if old.scenario != plan.scenario {
        d.push(format!("scenario {} (now {})", old.scenario, plan.scenario));
    }
    if old.seed != plan.seed {
        d.push(format!("seed {} (now {})", old.seed, plan.seed));
    }
    if old.trials != plan.trials {
        d.push(format!("{} trials (now {})", old.trials, plan.trials));
    }
    if old.overrides != plan.overrides {
        d.push(format!(
            "--set {:?} (now {:?})",
            old.overrides, plan.overrides
        ));
    }
    if old.variants != plan.variants {
        d.push(format!(
            "{} variants (now {}, or with other settings)",
            old.variants.len(),
            plan.variants.len()
        ));
    }
    d.join("; ")
}

/// The finished results of every planned variant, from `stores`, each named as the plan
/// names it; an error lists the missing ones, or names a damaged file.
pub fn collect(plan: &BatchPlan, stores: &[Store]) -> Result<Vec<VariantResult>, InputError> {
    let mut out = Vec::with_capacity(plan.variants.len());
    let mut missing = Vec::new();
    for v in &plan.variants {
        let mut found = None;
        for s in stores {
            if let Some(r) = s.read(&v.key)? {
                found = Some(r);
                break;
            }
        }
        match found {
            // The stored result is keyed by what it ran; its name and overrides are those of
            // the variant that first ran it, maybe in an earlier plan. The row is this plan's.
            Some(r) => out.push(VariantResult {
                name: v.name.clone(),
                sets: v.sets.clone(),
                ..r
            }),
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
