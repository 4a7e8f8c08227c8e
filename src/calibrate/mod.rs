//! Calibration: a scenario fragment fitted from a CRM export of closed opportunities.
//!
//! The data flow, one module per step:
//!
//! ```text
//! export.csv --crm::read_history (columns, dates, outcomes)--> History
//!     --fit::calibrate (estimate, market, posterior)--> Calibration --fragment--> calibrated.toml
//!                                                 --report, outputs--> fit-report.html, fit.json, reps.csv, charts
//! ```
//!
//! The reading and the fitting are library functions for other commands to build on (a
//! starting pipeline from the open rows of [`crate::crm::History`], a backtest of a fitted scenario):
//!
//! ```no_run
//! use revsim::calibrate::{FitOptions, calibrate};
//! use revsim::crm::{ReadOptions, read_history};
//! let history = read_history("history.csv".as_ref(), &ReadOptions::default())?;
//! let fit = calibrate(&history, &FitOptions::default());
//! println!("win rate {:?}", fit.org.outcomes.map(|s| s.won));
//! # Ok::<(), revsim::InputError>(())
//! ```
//!
//! docs/calibrate.md describes what is read, each estimator and its assumptions.

pub mod estimate;
pub mod fit;
pub mod fragment;
pub mod market;
pub mod outputs;
pub mod posterior;
pub mod report;

pub use fit::{Calibration, CycleModel, Fit, FitOptions, SizeModel, calibrate, fit};
