//! revsim: a Monte Carlo revenue-forecast simulator for B2B sales organisations.
//!
//! The data flow, one module per step:
//!
//! ```text
//! scenario file --scenario::Scenario::load--> Scenario --engine::simulate--> Results
//!     --summary::summarize--> Summary --report--> table, summary.json, monthly.csv, trials.csv
//! ```
//!
//! [`model`] holds the revenue model (one trial is a pure function of the scenario, the seed
//! and the trial index); [`engine`] runs trials in parallel; [`stats`] and [`summary`] reduce
//! them; [`report`] writes them; [`cli`] is the command line.

pub mod assumptions;
pub mod backtest;
pub mod batch;
pub mod calendar;
pub mod calibrate;
pub mod charts;
pub mod cli;
pub mod compare;
pub mod crm;
pub mod diagnostic;
pub mod engine;
pub mod headline;
pub mod interrupt;
pub mod layers;
pub mod model;
pub mod output_dir;
pub mod precision;
pub mod random;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod sketch;
pub mod stats;
pub mod summary;
pub mod synth;
pub mod tables;
pub mod words;

pub use diagnostic::InputError;
pub use engine::{Results, simulate};
pub use scenario::Scenario;
pub use summary::{Summary, summarize};

/// Version of the results: the random streams and the model's use of them. Same scenario,
/// seed, trial count and results version give byte-identical outputs; a change to any of them
/// is recorded in CHANGELOG.md and bumps this number.
pub const RESULTS_VERSION: u32 = 6;
