//! Running a batch's planned variants into its store, and telling the caller how far it got.
//!
//! The library draws nothing: a batch reports its steps and its finished trials through
//! [`Progress`], callbacks the command line turns into a progress bar (the trials callback is
//! the one [`crate::engine::simulate`] takes).

use super::{Planned, Shard, Store, run_one};
use crate::diagnostic::InputError;

/// A step of a batch, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// A round of runs is about to start (there may be none to run).
    Start {
        /// Variants to run in this round.
        variants: usize,
        /// Trials of each.
        trials: usize,
    },
    /// A variant of the round starts.
    Variant {
        /// Its place in the round, 0-based.
        index: usize,
        /// Variants in the round.
        of: usize,
        /// Its name.
        name: &'a str,
    },
    /// The round has finished.
    Finish,
    /// Goal seek is about to look at `key = value` (its run may already be stored).
    Trying {
        /// The setting searched.
        key: &'a str,
        /// The value tried, as a literal.
        value: &'a str,
    },
}

/// Where a batch reports its progress. Both callbacks may be called from worker threads.
#[derive(Clone, Copy)]
pub struct Progress<'a> {
    /// Called at each [`Step`].
    pub step: &'a (dyn Fn(Step<'_>) + Sync),
    /// Called with the number of trials just finished.
    pub trials: &'a (dyn Fn(usize) + Sync),
}

impl std::fmt::Debug for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Progress<'static> {
    /// Reports nothing.
    pub const SILENT: Progress<'static> = Progress {
        step: &|_| {},
        trials: &|_| {},
    };
}

/// What [`run_variants`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ran {
    /// Variants run now.
    pub now: usize,
    /// Variants of this process found finished in the store (by an earlier, interrupted run).
    pub before: usize,
}

/// Runs the planned variants this process owns (all, or those of `shard`) that the store does
/// not hold yet, on the current thread pool, writing each as it completes.
pub fn run_variants(
    store: &Store,
    planned: &[Planned],
    shard: Option<Shard>,
    seed: u64,
    trials: usize,
    progress: Progress<'_>,
) -> Result<Ran, InputError> {
    let mine: Vec<&Planned> = planned
        .iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|s| s.owns(*i)))
        .map(|(_, p)| p)
        .collect();
    // A variant that resolves to the same scenario as another runs once.
    let mut keys = std::collections::HashSet::new();
    let mut before = 0;
    let todo: Vec<&Planned> = mine
        .iter()
        .copied()
        .filter(|p| keys.insert(p.key.as_str()))
        .filter(|p| {
            let done = store.get(&p.key).is_some();
            before += usize::from(done);
            !done
        })
        .collect();
    (progress.step)(Step::Start {
        variants: todo.len(),
        trials,
    });
    for (i, p) in todo.iter().enumerate() {
        (progress.step)(Step::Variant {
            index: i,
            of: todo.len(),
            name: &p.variant.name,
        });
        store.put(&run_one(p, seed, trials, progress.trials)?)?;
    }
    (progress.step)(Step::Finish);
    Ok(Ran {
        now: todo.len(),
        before,
    })
}
