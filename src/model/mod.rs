//! The revenue model: one trial of a sales organisation, month by month.
//!
//! Split by mechanism: [`org`] (seats, reps, hiring) and [`hazard`] (when reps leave),
//! [`production`] (the month's expected deals) and [`pipeline`] (the deals and their ledgers),
//! [`customers`] (ARR), [`market`] (shared demand), [`leadership`] (the VP of Sales),
//! [`managers`], [`metrics`] (what a month records), and [`trial`] (the month as named
//! steps). docs/model.md is the specification; each file says which part it implements.

pub mod customers;
pub mod hazard;
pub mod leadership;
pub mod managers;
pub mod market;
pub mod metrics;
pub mod org;
pub mod overlay;
pub mod pipeline;
pub mod production;
pub mod trial;

pub use metrics::{Layout, Metric};
pub use trial::{FiscalYearOutcome, TrialOut, TrialTotals, Workspace, run_trial};
