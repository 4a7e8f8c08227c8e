//! `[open_pipeline]`: the deals open at the start month, read from a CRM export (docs/model.md,
//! "The starting pipeline").
//!
//! Each open opportunity of the export becomes a deal of a starting rep, opened `age` months
//! before the start (its creation month to the start month). What happens to it is drawn in
//! each trial (see `model::pipeline`):
//!
//! - **Outcome.** With its stage in `[open_pipeline.stages]`, won with that stage's chance and
//!   in no decision with the stage's (or the org's share of non-wins); otherwise with the org's
//!   outcome shares *given that it is still open after `age` months*: outcome o weighs
//!   p_o x P(lag_o >= age), since slow outcomes (no decision) are over-represented among old
//!   deals.
//! - **Decision month.** The stage's `months_to_decision` if given (decided in month
//!   ceil(X) - 1, the first month if X <= 1); else the month of its expected close date plus
//!   `slip_months` (a past date: the first month); else (no date, or `expected_close =
//!   "ignore"`) its lag drawn from the cycle-time distribution of its outcome given lag >= age.
//!   A deal older than any cycle time allows is decided in the first month.
//! - **Owner.** The export's owners, in order of first appearance, take the starting seats in
//!   turn (seat i mod the starting reps): the starting org is anonymous, so a name maps to a
//!   seat, not to a person with a known skill.

use std::collections::HashMap;

use super::dist::Dist;
use super::lags::Lags;

/// Oldest age (months) told apart; older deals count as this old.
pub const MAX_AGE_MONTHS: u32 = 120;

/// The open deals of a scenario.
#[derive(Debug, Clone)]
pub struct OpenDeals {
    /// The CSV file, as resolved.
    pub file: String,
    /// SHA-256 of its bytes (part of the scenario's identity).
    pub sha256: String,
    /// The deals, in file order.
    pub deals: Vec<OpenDeal>,
    /// The owners, in order of first appearance (owner i is on seat i mod the starting reps).
    pub owners: Vec<String>,
    /// Open deals in the file that were left out, by reason (closed rows, for instance).
    pub left_out: Vec<(String, usize)>,
    /// Decision lags by outcome, with tables conditional on lag >= age for every age present.
    pub lags: [Lags; 3],
    /// How late expected close dates come, if given.
    pub slip_months: Option<Dist>,
}

/// One open deal.
#[derive(Debug, Clone)]
pub struct OpenDeal {
    /// Its row in the CSV (as a spreadsheet numbers it).
    pub row: usize,
    /// The seat of its owner.
    pub seat: u32,
    /// Months it has been open at the start (1 or more, at most [`MAX_AGE_MONTHS`]).
    pub age_months: u32,
    /// Value, whole USD.
    pub value_usd: i64,
    /// How its outcome is drawn.
    pub outcome: OpenOutcome,
    /// How its decision month is drawn.
    pub decision: OpenDecision,
}

/// How an open deal's outcome is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OpenOutcome {
    /// Its stage's chances (won, no decision); lost otherwise.
    Stage {
        /// Chance of winning.
        won: f64,
        /// Chance of no decision.
        no_decision: f64,
    },
    /// The org's outcome shares given that it is still open after its age.
    Org,
}

/// How an open deal's decision month is drawn.
#[derive(Debug, Clone)]
pub enum OpenDecision {
    /// Its expected close month (index from the start, may be negative: overdue), plus the slip.
    Expected(i64),
    /// Months to decision from its stage's distribution.
    Stage(Dist),
    /// From the cycle time of its outcome given its age.
    ByAge,
}

impl OpenDeals {
    /// One line for `check` and `run`: how many deals, from where, and what was left out.
    pub fn describe(&self) -> String {
        let value: i64 = self.deals.iter().map(|d| d.value_usd).sum();
        let mut line = format!(
            "{} open deals worth ${} from {} ({} owners)",
            self.deals.len(),
            crate::words::thousands(value.max(0) as usize),
            self.file,
            self.owners.len()
        );
        if !self.left_out.is_empty() {
            let parts: Vec<String> = self
                .left_out
                .iter()
                .map(|(why, n)| format!("{n} {why}"))
                .collect();
            line.push_str(&format!("; rows left out: {}", parts.join(", ")));
        }
        line
    }

    /// Owner index of each name, for building the deals.
    pub fn owner_seats(owners: &[String], starting_reps: u32) -> HashMap<String, u32> {
        owners
            .iter()
            .enumerate()
            .map(|(i, o)| (o.clone(), i as u32 % starting_reps.max(1)))
            .collect()
    }
}
