//! What the CRM showed on the first day of an origin month, and what happened after.
//!
//! The export holds each opportunity's final state. At an origin (the first day of a month),
//! an opportunity
//!
//! - created before the origin and **closed before it** is closed, with its outcome;
//! - created before the origin and closed on or after it (or still open in the export) was
//!   **open** then: its outcome and close date are the future the forecast must not see, so it
//!   is kept with its owner, created date and amount only (its stage, which is its final stage,
//!   is dropped as well);
//! - created on or after the origin did not exist yet.
//!
//! The **actuals** are the won deals' amounts by the month of their close date, from the whole
//! export.

use std::collections::BTreeSet;

use crate::calendar::YearMonth;
use crate::crm::{Date, History, Opportunity, Outcome};

/// Months before an origin in which an owner must have created an opportunity to count as a rep
/// in seat at the origin.
pub const ACTIVE_WINDOW_MONTHS: i32 = 3;

/// The months an export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSpan {
    /// The earliest created date.
    pub first_created: Date,
    /// The latest date in the export: a created date, or a closed deal's close date (an open
    /// deal's close date is an expectation, not data).
    pub latest: Date,
    /// The month of the earliest created date.
    pub first_month: YearMonth,
    /// The last month the export covers in full: the month of the latest date if that date is
    /// the last day of its month, else the month before.
    pub last_full_month: YearMonth,
}

impl DataSpan {
    /// The span of `history`; `None` without opportunities.
    pub fn of(history: &History) -> Option<DataSpan> {
        let first_created = history.opportunities.iter().map(|o| o.created).min()?;
        let latest = history
            .opportunities
            .iter()
            .map(|o| o.created)
            .chain(
                history
                    .opportunities
                    .iter()
                    .filter(|o| o.outcome != Outcome::Open)
                    .filter_map(|o| o.closed),
            )
            .max()?;
        let month_ends = latest
            .add_days(1)
            .is_none_or(|next| next.month() != latest.month());
        let last_full_month = if month_ends {
            latest.month()
        } else {
            latest.month().plus(-1)
        };
        Some(DataSpan {
            first_created,
            latest,
            first_month: first_created.month(),
            last_full_month,
        })
    }
}

/// The first day of `month`.
pub fn first_day(month: YearMonth) -> Date {
    Date::new(month.year(), month.month(), 1).expect("a month's first day exists")
}

/// The export as it stood on the first day of an origin month.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The origin month.
    pub origin: YearMonth,
    /// Opportunities created before the origin, as the CRM showed them then: those closed before
    /// it with their outcome and close date, the others open (no close date, no stage).
    pub known: Vec<Opportunity>,
    /// How many of `known` were open at the origin.
    pub open: usize,
    /// Opportunities created on or after the origin (unknown then).
    pub created_later: usize,
    /// Owners who created an opportunity in the [`ACTIVE_WINDOW_MONTHS`] months before the
    /// origin, sorted by name.
    pub active_owners: Vec<String>,
}

impl Snapshot {
    /// What `history` showed on the first day of `origin`.
    pub fn at(history: &History, origin: YearMonth) -> Snapshot {
        let day = first_day(origin);
        let window = origin.plus(-ACTIVE_WINDOW_MONTHS);
        let mut known = Vec::new();
        let mut created_later = 0;
        let mut open = 0;
        let mut owners = BTreeSet::new();
        for o in &history.opportunities {
            if o.created >= day {
                created_later += 1;
                continue;
            }
            if o.created.month() >= window {
                owners.insert(o.owner.clone());
            }
            let closed_before = o.outcome != Outcome::Open && o.closed.is_some_and(|c| c < day);
            if closed_before {
                known.push(o.clone());
            } else {
                open += 1;
                known.push(Opportunity {
                    closed: None,
                    outcome: Outcome::Open,
                    stage: None,
                    ..o.clone()
                });
            }
        }
        Snapshot {
            origin,
            known,
            open,
            created_later,
            active_owners: owners.into_iter().collect(),
        }
    }

    /// The deals open at the origin, in file order.
    pub fn open_deals(&self) -> impl Iterator<Item = &Opportunity> {
        self.known.iter().filter(|o| o.outcome == Outcome::Open)
    }

    /// The deals closed before the origin, in file order.
    pub fn closed_deals(&self) -> impl Iterator<Item = &Opportunity> {
        self.known.iter().filter(|o| o.outcome != Outcome::Open)
    }
}

/// The won deals' amounts by the month of their close date, for `months` months from `from`.
pub fn won_by_month(history: &History, from: YearMonth, months: usize) -> Vec<f64> {
    let mut out = vec![0.0; months];
    for o in &history.opportunities {
        if o.outcome != Outcome::Won {
            continue;
        }
        let (Some(closed), Some(amount)) = (o.closed, o.amount_usd) else {
            continue;
        };
        let i = closed.month().months_since(from);
        if i >= 0 && (i as usize) < months {
            out[i as usize] += amount;
        }
    }
    out
}
