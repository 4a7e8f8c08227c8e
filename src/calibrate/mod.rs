//! Calibration: a scenario fragment fitted from a CRM export of closed opportunities.
//!
//! The data flow, one module per step:
//!
//! ```text
//! export.csv --history::read_history (columns, dates, outcomes)--> History
//!     --fit::calibrate (estimate)--> Calibration --fragment--> calibrated.toml
//!                                                 --report, outputs--> fit-report.html, fit.json, reps.csv, charts
//! ```
//!
//! The reading and the fitting are library functions for other commands to build on (a
//! starting pipeline from the open rows of [`History`], a backtest of a fitted scenario):
//!
//! ```no_run
//! use revsim::calibrate::{FitOptions, ReadOptions, calibrate, read_history};
//! let history = read_history("history.csv".as_ref(), &ReadOptions::default())?;
//! let fit = calibrate(&history, &FitOptions::default());
//! println!("win rate {:?}", fit.org.outcomes.map(|s| s.won));
//! # Ok::<(), revsim::InputError>(())
//! ```
//!
//! docs/calibrate.md describes what is read, each estimator and its assumptions.

pub mod columns;
pub mod dates;
pub mod estimate;
pub mod fit;
pub mod fragment;
pub mod history;
pub mod outcomes;
pub mod outputs;
pub mod report;

pub use columns::{Columns, Field, Layout};
pub use dates::{Date, DateOrder};
pub use fit::{Calibration, Fit, FitOptions, SizeModel, calibrate, fit};
pub use history::{
    BadRow, BadRowKind, History, Opportunity, ReadOptions, parse_history, read_history,
};
pub use outcomes::{Outcome, OutcomeRules, StageMeaning};
