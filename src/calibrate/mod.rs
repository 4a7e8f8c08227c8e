//! Calibration: reading a CRM export of opportunities, for fitting a scenario to it.
//!
//! ```text
//! export.csv --history::read_history (columns, dates, outcomes)--> History
//! ```
//!
//! docs/calibrate.md describes what is read.

pub mod columns;
pub mod dates;
pub mod history;
pub mod outcomes;
pub mod text;

pub use columns::{Columns, Field, Layout};
pub use dates::{Date, DateOrder};
pub use history::{
    BadRow, BadRowKind, History, Opportunity, ReadOptions, parse_history, read_history,
};
pub use outcomes::{Outcome, OutcomeRules, StageMeaning};
