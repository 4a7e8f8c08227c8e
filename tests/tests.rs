//! revsim's integration tests: one test binary, so that a test build links once.
//!
//! Each topic is a module (a file beside this one), as in ripgrep's `tests/tests.rs`. The tiers
//! (DESIGN: unit tests beside the code; value stability; statistical checks with bounds derived
//! from the counts; the command line and its error messages; properties and fuzzing) are
//! described in docs/testing.md.

mod common;

mod architecture;
mod backtest;
mod batches;
mod browser;
mod calibrate;
mod calibrate_market;
mod calibrate_recovery;
mod calibration_proof;
mod charts;
mod cli;
mod compare;
mod crm_exports;
mod crm_round_trip;
mod deal_log;
mod decide;
mod detail;
mod determinism;
mod docs_examples;
mod errors;
mod events;
mod extremes;
mod fuzz;
mod identities;
mod inheritance;
mod inputs;
#[cfg(unix)]
mod interrupt;
mod leadership;
mod mechanisms;
mod memory;
mod open_pipeline;
mod output_folder;
mod params;
mod properties;
mod reliability;
mod schema;
mod serve;
mod typed_outputs;
mod uncertainty;
