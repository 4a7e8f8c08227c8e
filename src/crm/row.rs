//! One row of an export: its cells read as an [`Opportunity`], or the [`BadRow`] that says which
//! cell is wrong and how to fix it. A function per kind of column: the outcome (from an outcome,
//! stage or won column), the owner, the dates, the amount.

use super::amount::parse_amount;
use super::columns::{Columns, Field};
use super::dates::{Date, parse_date};
use super::outcomes::{Outcome, StageMeaning, parse_flag};
use super::record::{BadRow, BadRowKind, Opportunity, ReadOptions};

/// One row: `Ok(None)` for a row whose stage is mapped to `ignore`.
pub(super) fn read_row(
    cols: &Columns,
    cells: &[&str],
    row: usize,
    opts: &ReadOptions,
) -> Result<Option<Opportunity>, BadRow> {
    let width = cols.headers.len();
    if cells.len() != width {
        return Err(BadRow {
            row,
            kind: BadRowKind::WrongFieldCount,
            column: None,
            value: cells.join(","),
            message: format!(
                "the row has {} cells, but the header has {width}",
                cells.len()
            ),
            fix: "check for a separator or an unclosed quote inside a cell; cells that contain separators must be in double quotes".into(),
        });
    }
    let r = Row { cols, cells, row };
    let Some(outcome) = r.outcome(opts)? else {
        return Ok(None);
    };
    let owner = r.owner()?;
    let created = r.date(Field::Created, true, opts)?.expect("required");
    let closed = r.date(Field::Closed, outcome != Outcome::Open, opts)?;
    let amount_usd = r.amount(outcome)?;
    r.close_not_before_created(created, closed, outcome)?;
    Ok(Some(Opportunity {
        row,
        id: r.text(Field::Id),
        owner: owner.to_string(),
        created,
        closed,
        amount_usd,
        outcome,
        segment: r.text(Field::Segment),
        stage: r.text(Field::Stage),
    }))
}

/// A row of the right length: its cells by field, and its bad-row reports.
struct Row<'a> {
    cols: &'a Columns,
    cells: &'a [&'a str],
    row: usize,
}

impl<'a> Row<'a> {
    /// The trimmed cell of `f`, if the export has the column.
    fn get(&self, f: Field) -> Option<&'a str> {
        self.cols.index(f).map(|i| self.cells[i].trim())
    }

    /// The text of `f` (an id, owner, segment or stage), if the export has the column and the
    /// cell is not empty: trimmed of spaces, but not of a leading tab or line break, so that
    /// `"\t=1+1"` is never read as the formula `=1+1` (it is guarded as it is written out).
    fn text_cell(&self, f: Field) -> Option<&'a str> {
        self.cols
            .index(f)
            .map(|i| {
                self.cells[i]
                    .trim_start_matches(|c: char| {
                        c.is_whitespace() && !matches!(c, '\t' | '\r' | '\n')
                    })
                    .trim_end()
            })
            .filter(|s| !s.trim().is_empty())
    }

    /// The cell of `f` as text ([`Self::text_cell`]).
    fn text(&self, f: Field) -> Option<String> {
        self.text_cell(f).map(str::to_string)
    }

    fn bad(&self, f: Field, kind: BadRowKind, value: &str, message: String, fix: &str) -> BadRow {
        BadRow {
            row: self.row,
            kind,
            column: self.cols.header(f).map(str::to_string),
            value: value.to_string(),
            message,
            fix: fix.to_string(),
        }
    }

    fn missing(&self, f: Field, what: &str) -> BadRow {
        self.bad(
            f,
            BadRowKind::MissingValue,
            "",
            format!("the cell is empty, but {what}"),
            "fill in the value in the CRM and export again, or remove the row",
        )
    }

    /// The outcome; `None` for a row to ignore.
    fn outcome(&self, opts: &ReadOptions) -> Result<Option<Outcome>, BadRow> {
        outcome_of(self.cols, self.cells, opts).map_err(|(f, value)| {
            let message = if value.is_empty() {
                "the cell is empty, so the outcome is unknown".to_string()
            } else {
                format!(
                    "\"{value}\" is not an outcome revsim knows: it reads won (\"Won\", \"Closed Won\"), lost (\"Lost\", \"Closed Lost\"), no decision (\"No Decision\"), and the default open stages of Salesforce and HubSpot"
                )
            };
            let name = if value.is_empty() { "NAME" } else { &value };
            self.bad(
                f,
                BadRowKind::UnknownOutcome,
                &value,
                message,
                &format!(
                    "say what the stage means with --stage \"{name}=won\" (or lost, no-decision, open, ignore), or --no-decision \"{name}\""
                ),
            )
        })
    }

    fn owner(&self) -> Result<&'a str, BadRow> {
        let owner = self.text_cell(Field::Owner).unwrap_or_default();
        if owner.is_empty() {
            return Err(self.missing(Field::Owner, "every opportunity needs its owner"));
        }
        Ok(owner)
    }

    /// The date in the column of `f`; an empty cell is an error when `required`.
    fn date(&self, f: Field, required: bool, opts: &ReadOptions) -> Result<Option<Date>, BadRow> {
        let v = self.get(f).unwrap_or_default();
        if v.is_empty() {
            return if required {
                Err(self.missing(
                    f,
                    if f == Field::Created {
                        "every opportunity needs its created date"
                    } else {
                        "a closed opportunity needs its close date"
                    },
                ))
            } else {
                Ok(None)
            };
        }
        parse_date(v, opts.date_order.unwrap_or_default()).map(Some).map_err(|why| {
            self.bad(
                f,
                BadRowKind::UnparseableDate,
                v,
                format!("\"{v}\" is not a date: {why}"),
                "write dates as YYYY-MM-DD, or in a form docs/calibrate.md lists; --date-order mdy, dmy or ymd gives the order of day, month and year",
            )
        })
    }

    /// The amount in US dollars: 0 or more, and required of a won deal.
    fn amount(&self, outcome: Outcome) -> Result<Option<f64>, BadRow> {
        let amount_text = self.get(Field::Amount).unwrap_or_default();
        if amount_text.is_empty() {
            if outcome == Outcome::Won {
                return Err(self.missing(
                    Field::Amount,
                    "a won deal needs its amount (it is what the deal booked)",
                ));
            }
            return Ok(None);
        }
        match parse_amount(amount_text) {
            Ok(v) if v < 0.0 => Err(self.bad(
                Field::Amount,
                BadRowKind::NegativeAmount,
                amount_text,
                format!(
                    "\"{amount_text}\" is a negative amount; an opportunity's value is 0 or more"
                ),
                "correct the amount in the CRM (credits and refunds are not opportunities), or remove the row",
            )),
            Ok(v) => Ok(Some(v)),
            Err(why) => Err(self.bad(
                Field::Amount,
                BadRowKind::UnparseableAmount,
                amount_text,
                format!("\"{amount_text}\" is not an amount: {why}"),
                "write amounts in US dollars like 12500, 12500.00 or $12,500.00",
            )),
        }
    }

    /// A closed deal's close date must not be before its created date.
    fn close_not_before_created(
        &self,
        created: Date,
        closed: Option<Date>,
        outcome: Outcome,
    ) -> Result<(), BadRow> {
        if let Some(cl) = closed
            && cl < created
            && outcome != Outcome::Open
        {
            return Err(BadRow {
                row: self.row,
                kind: BadRowKind::CloseBeforeCreated,
                column: self.cols.header(Field::Closed).map(str::to_string),
                value: cl.to_string(),
                message: format!(
                    "the close date {cl} is {} before the created date {created}",
                    crate::words::counted(created.days_since(cl) as usize, "day")
                ),
                fix: "correct the dates in the CRM (a deal re-created after it closed keeps its old close date), or remove the row".into(),
            });
        }
        Ok(())
    }
}

/// The row's outcome by the rules of [`super::outcomes`]; `Ok(None)` to ignore the row;
/// `Err((column, value))` when it cannot be placed.
fn outcome_of(
    cols: &Columns,
    cells: &[&str],
    opts: &ReadOptions,
) -> Result<Option<Outcome>, (Field, String)> {
    let rules = &opts.outcomes;
    let get = |f: Field| cols.index(f).map(|i| cells[i].trim());
    let named = |f: Field| -> Option<Result<Option<Outcome>, (Field, String)>> {
        let v = get(f)?;
        match rules.stage(v) {
            Some(StageMeaning::Ignore) => Some(Ok(None)),
            Some(StageMeaning::Outcome(o)) => Some(Ok(Some(o))),
            None => Some(Err((f, v.to_string()))),
        }
    };
    let mut outcome = match named(Field::Outcome) {
        Some(r) => r?,
        None => {
            let by_stage = named(Field::Stage);
            match (by_stage, get(Field::Won).and_then(parse_flag)) {
                (Some(Ok(o)), _) => o,
                (_, Some(true)) => Some(Outcome::Won),
                (_, Some(false)) => match get(Field::IsClosed).map(parse_flag) {
                    Some(Some(false)) => Some(Outcome::Open),
                    Some(Some(true)) | None => Some(Outcome::Lost),
                    Some(None) => {
                        let v = get(Field::IsClosed).unwrap_or_default();
                        return Err((Field::IsClosed, v.to_string()));
                    }
                },
                (Some(Err(e)), None) => return Err(e),
                (None, None) => {
                    let v = get(Field::Won).unwrap_or_default();
                    return Err((Field::Won, v.to_string()));
                }
            }
        }
    };
    if outcome == Some(Outcome::Lost)
        && get(Field::Reason).is_some_and(|r| rules.is_no_decision_reason(r))
    {
        outcome = Some(Outcome::NoDecision);
    }
    Ok(outcome)
}
