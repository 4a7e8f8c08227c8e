//! The revenue model: one trial of a sales organisation, month by month.
//!
//! Split by mechanism: [`org`] (seats, reps, hiring, attrition), [`pipeline`] (opportunities
//! and deals), [`customers`] (ARR), [`trial`] (the monthly
//! loop). MODEL.md is the specification; each file says which part it implements.

pub mod customers;
pub mod hazard;
pub mod leadership;
pub mod managers;
pub mod market;
pub mod metrics;
pub mod org;
pub mod pipeline;
pub mod production;
pub mod trial;

pub use metrics::Metric;
pub use trial::{FiscalYearOutcome, TrialOut, TrialTotals, Workspace, run_trial};
