//! The fit report: charts of each fit (a histogram with the fitted distribution over it, and a
//! quantile-quantile plot) and `fit-report.html`, one self-contained page like the run report
//! (inline CSS and SVG, no script, no network); and the summary `revsim calibrate` prints.
//! Every piece of text from the export (owner and segment names, stage names, file names) goes
//! through [`escape`](crate::report::html::escape).
//!
//! One module per part: the charts (with the samples they are drawn from), the page (a function
//! per section), its table of estimates, its table markup, and the terminal summary.

mod charts;
mod estimates;
mod page;
mod table;
mod terminal;

pub use charts::{Samples, charts};
pub use page::{ReportInput, html};
pub use terminal::terminal;

/// A share as a percentage with one decimal: "23.4%".
fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}
