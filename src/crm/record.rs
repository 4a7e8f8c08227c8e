//! What reading an export produces and takes: one opportunity as read, a row that could not be
//! used and why, and the options of a read. Shared by the file-level reader ([`super::history`])
//! and the reader of one row's cells.

use std::fmt;

use serde::Serialize;

use super::columns::{Field, Layout};
use super::dates::{DAYS_PER_MONTH, Date, DateOrder};
use super::outcomes::{Outcome, OutcomeRules};
use crate::diagnostic::InputError;

/// How to read an export.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Force a layout (`--columns`); `None` detects it from the header row.
    pub layout: Option<Layout>,
    /// Explicit column mappings (`--map FIELD=HEADER`), applied over the layout.
    pub map: Vec<(Field, String)>,
    /// The order of day, month and year in dates written as three numbers; `None` finds it
    /// from the file's dates ([`super::dates::OrderEvidence`]).
    pub date_order: Option<DateOrder>,
    /// Stage and reason names.
    pub outcomes: OutcomeRules,
    /// Leave out bad rows and count them, instead of stopping at the first.
    pub skip_bad_rows: bool,
    /// Keep only opportunities created on or after this date (`--created-from`).
    pub created_from: Option<Date>,
    /// Keep only opportunities created on or before this date (`--created-until`): cohorts
    /// old enough to have closed, so that slow deals still open do not bias the cycle times.
    pub created_until: Option<Date>,
    /// The export is named inside another file (a scenario's `[open_pipeline]`), not by the
    /// user: a header row that no layout reads is refused without quoting its cells, which
    /// may belong to any file.
    pub nested: bool,
}

/// One opportunity from the export.
#[derive(Debug, Clone, Serialize)]
pub struct Opportunity {
    /// The row in the file, counted as a spreadsheet does (the header is row 1).
    pub row: usize,
    /// The CRM's identifier, if the export has an id column.
    pub id: Option<String>,
    /// The rep who owns it.
    pub owner: String,
    /// The date it was created.
    pub created: Date,
    /// The date it closed; for an open deal its expected close date, if given.
    pub closed: Option<Date>,
    /// Its value in US dollars; may be missing for deals that did not book.
    pub amount_usd: Option<f64>,
    /// How it ended (or that it is still open).
    pub outcome: Outcome,
    /// Its segment, if the export has a segment column and the cell is not empty.
    pub segment: Option<String>,
    /// Its stage name as written, if the export has a stage column.
    pub stage: Option<String>,
}

impl Opportunity {
    /// Days from creation to close, for a closed deal.
    pub fn cycle_days(&self) -> Option<i32> {
        if self.outcome == Outcome::Open {
            return None;
        }
        Some(self.closed?.days_since(self.created))
    }

    /// Months from creation to close (days / 30.4375), for a closed deal.
    pub fn cycle_months(&self) -> Option<f64> {
        self.cycle_days().map(|d| f64::from(d) / DAYS_PER_MONTH)
    }
}

/// The kinds of row that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BadRowKind {
    /// More or fewer cells than the header has.
    WrongFieldCount,
    /// A required cell is empty (owner, created date, a closed deal's close date, a won
    /// deal's amount).
    MissingValue,
    /// A date that is not in an accepted form, or does not exist.
    UnparseableDate,
    /// The close date is before the created date.
    CloseBeforeCreated,
    /// An amount that is not a number of dollars.
    UnparseableAmount,
    /// A negative amount.
    NegativeAmount,
    /// A stage or outcome that is not won, lost, no decision or a known open stage.
    UnknownOutcome,
    /// The id of an earlier row.
    DuplicateId,
    /// Bytes that are not UTF-8 text.
    NotUtf8,
}

impl BadRowKind {
    /// How the kind reads in counts: "unparseable date".
    pub fn label(self) -> &'static str {
        match self {
            BadRowKind::WrongFieldCount => "wrong number of cells",
            BadRowKind::MissingValue => "missing value",
            BadRowKind::UnparseableDate => "unparseable date",
            BadRowKind::CloseBeforeCreated => "close date before created date",
            BadRowKind::UnparseableAmount => "unparseable amount",
            BadRowKind::NegativeAmount => "negative amount",
            BadRowKind::UnknownOutcome => "unknown outcome",
            BadRowKind::DuplicateId => "duplicate id",
            BadRowKind::NotUtf8 => "not UTF-8 text",
        }
    }
}

/// A row that cannot be used: where, what, and how to fix it.
#[derive(Debug, Clone, Serialize)]
pub struct BadRow {
    /// The row, counted as a spreadsheet does (the header is row 1).
    pub row: usize,
    /// What is wrong.
    pub kind: BadRowKind,
    /// The header of the offending column, if one cell is at fault.
    pub column: Option<String>,
    /// The offending value as written.
    pub value: String,
    /// What is wrong with it, in a sentence.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl BadRow {
    /// The error a planner sees when bad rows are not skipped.
    pub fn to_input_error(&self, file: &str) -> InputError {
        let at = match &self.column {
            Some(c) => format!("row {}, column \"{c}\"", self.row),
            None => format!("row {}", self.row),
        };
        InputError::file(file, format!("{at}: {}", self.message))
            .help(self.fix.clone())
            .help("or pass --skip-bad-rows to leave out such rows and count them")
    }
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "row {}, column \"{c}\": {}", self.row, self.message),
            None => write!(f, "row {}: {}", self.row, self.message),
        }
    }
}
