//! Reading CRM exports: the column layouts (revsim's own, Salesforce, HubSpot, or a mapping),
//! dates as spreadsheets write them, outcomes and stages, and the rows of a history with every
//! bad row reported at its row and column. Used by `calibrate`, `backtest`, `synth-crm` and a
//! scenario's `[open_pipeline]`; it knows nothing of scenarios.

pub mod amount;
pub mod columns;
pub mod dates;
pub mod history;
pub mod mapping;
pub mod outcomes;
pub mod record;
mod row;

pub use columns::{Columns, Field, Layout};
pub use dates::{Date, DateOrder};
pub use history::{History, parse_history, read_history};
pub use outcomes::{Outcome, OutcomeRules, StageMeaning};
pub use record::{BadRow, BadRowKind, Opportunity, ReadOptions};
