//! Reading an export of opportunities: the header, then one validated [`Opportunity`] per row.
//!
//! A row that cannot be used (a date that is not a date, a close date before the created date,
//! a negative or unreadable amount, an outcome revsim cannot place, a duplicate id, a missing
//! value, a row of the wrong length) is an error naming the file, the row as a spreadsheet
//! numbers it (the header is row 1), the column, the bad value and the fix; with
//! `skip_bad_rows` it is left out and counted by reason instead ([`History::bad_rows`]).
//!
//! Open opportunities are kept ([`Outcome::Open`]): they count as created for the creation
//! rate, and a starting pipeline can be built from them. Rows that are not data (blank rows,
//! the "Grand Totals" and copyright lines at the foot of a Salesforce export) are skipped and
//! counted, as are rows whose stage was mapped to `ignore`.
//!
//! This module owns the file as a whole: its bytes, separator, header, row numbers, skipped and
//! repeated rows. The cells of one row are read by the `row` module, amounts by
//! [`super::amount`].

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use super::columns::{self, Columns, Field};
use super::dates::{DateCell, DateOrder, OrderEvidence, OrderProblem};

use super::outcomes::Outcome;
use super::record::{BadRow, BadRowKind, Opportunity, ReadOptions};
use super::row::read_row;
use crate::diagnostic::InputError;
use crate::diagnostic::input;

/// An export, read and validated.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The file as the user named it.
    pub file: String,
    /// The columns found.
    pub columns: Columns,
    /// The field separator found in the header row (`,`, `;` or a tab).
    pub delimiter: char,
    /// The order of day, month and year its dates were read in (given, or found).
    pub date_order: DateOrder,
    /// When the order was found from the file and mattered: the first cell only it reads.
    pub date_order_decided_by: Option<DateCell>,
    /// The usable rows, in file order.
    pub opportunities: Vec<Opportunity>,
    /// Rows left out as bad (only with `skip_bad_rows`; otherwise the first is an error).
    pub bad_rows: Vec<BadRow>,
    /// Rows whose stage is mapped to `ignore`.
    pub ignored_rows: usize,
    /// Opportunities left out because they were created outside `created_from` to
    /// `created_until`.
    pub outside_window: usize,
    /// Rows of empty cells and report footers ("Grand Totals", copyright lines) skipped.
    pub non_data_rows: usize,
}

impl History {
    /// Bad rows counted by kind.
    pub fn bad_row_counts(&self) -> BTreeMap<BadRowKind, usize> {
        let mut m = BTreeMap::new();
        for b in &self.bad_rows {
            *m.entry(b.kind).or_insert(0) += 1;
        }
        m
    }

    /// The number of opportunities with each outcome.
    pub fn outcome_counts(&self) -> BTreeMap<Outcome, usize> {
        let mut m = BTreeMap::new();
        for o in &self.opportunities {
            *m.entry(o.outcome).or_insert(0) += 1;
        }
        m
    }

    /// The segments named in the export, sorted; empty without a segment column.
    pub fn segments(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .opportunities
            .iter()
            .filter_map(|o| o.segment.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Reads the export at `path` (`-` for standard input), a regular file within
/// [`input::CRM_EXPORT`]'s limit; see [`parse_history`].
pub fn read_history(path: &Path, opts: &ReadOptions) -> Result<History, InputError> {
    let shown = if input::is_stdin(path) {
        input::STDIN_LABEL.to_string()
    } else {
        path.display().to_string()
    };
    let bytes = input::read_bytes(path, &shown, input::CRM_EXPORT, true)?;
    parse_history(&bytes[..], &shown, opts)
}

/// Reads an export from `reader`; `file` names it in messages. The header row decides the
/// columns ([`columns::resolve`]); every other row becomes an [`Opportunity`] or a [`BadRow`].
pub fn parse_history(
    mut reader: impl Read,
    file: &str,
    opts: &ReadOptions,
) -> Result<History, InputError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::file(file, format!("cannot read the export: {e}")))?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let delimiter = sniff_delimiter(bytes);
    let mut csv = reader_of(bytes, delimiter);
    let mut records = csv.byte_records();
    let header = match records.next() {
        None => {
            return Err(InputError::file(file, "the file is empty")
                .help("export the opportunities with their header row"));
        }
        Some(r) => r.map_err(|e| csv_error(file, &e))?,
    };
    let headers: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let columns = columns::resolve(file, &headers, opts.layout, &opts.map).map_err(|e| {
        if opts.nested {
            InputError::file(
                file,
                "it is not a CRM export: no layout revsim reads (revsim, salesforce, hubspot) matches its first row",
            )
            .help("name an export of opportunities with its header row (docs/calibrate.md lists the columns)")
        } else {
            e
        }
    })?;
    let (date_order, date_order_decided_by) = match opts.date_order {
        Some(o) => (o, None),
        None => {
            let found = find_date_order(bytes, delimiter, &header, &columns)
                .map_err(|p| order_error(file, &p))?;
            (found.order, found.decided_by)
        }
    };
    let opts = &ReadOptions {
        date_order: Some(date_order),
        ..opts.clone()
    };
    let mut history = History {
        file: file.to_string(),
        columns,
        delimiter: char::from(delimiter),
        date_order,
        date_order_decided_by,
        opportunities: Vec::new(),
        bad_rows: Vec::new(),
        ignored_rows: 0,
        outside_window: 0,
        non_data_rows: 0,
    };
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut rows = RowNumbers::after(&header);
    for record in records {
        let record = record.map_err(|e| csv_error(file, &e))?;
        let row = rows.of(bytes, &record);
        let cells: Result<Vec<&str>, _> = record.iter().map(std::str::from_utf8).collect();
        match cells {
            Ok(cells) => history.add(file, opts, &mut ids, row, &cells)?,
            Err(_) => history.reject(file, opts, not_utf8(row, &record))?,
        }
    }
    Ok(history)
}

fn reader_of(bytes: &[u8], delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes)
}

/// The order of day, month and year that reads every created and close date of the export
/// (a first pass over its rows; rows that are not data or not text are left to the second).
fn find_date_order(
    bytes: &[u8],
    delimiter: u8,
    header: &csv::ByteRecord,
    columns: &Columns,
) -> Result<super::dates::FoundOrder, OrderProblem> {
    let mut evidence = OrderEvidence::default();
    let mut csv = reader_of(bytes, delimiter);
    let mut rows = RowNumbers::after(header);
    let date_columns: Vec<(usize, &str)> = [Field::Created, Field::Closed]
        .into_iter()
        .filter_map(|f| Some((columns.index(f)?, columns.header(f)?)))
        .collect();
    // A record the CSV reader refuses is the second pass's error.
    for record in csv.byte_records().skip(1).map_while(Result::ok) {
        let row = rows.of(bytes, &record);
        if record.len() != columns.headers.len() {
            continue;
        }
        for (i, name) in &date_columns {
            if let Some(cell) = record.get(*i).and_then(|c| std::str::from_utf8(c).ok())
                && !cell.trim().is_empty()
            {
                evidence.add(row, name, cell);
            }
        }
    }
    evidence.resolve()
}

/// The error for an export whose dates have no one order.
fn order_error(file: &str, p: &OrderProblem) -> InputError {
    let named = |o: &DateOrder| format!("{} ({o})", o.words());
    match p {
        OrderProblem::Ambiguous(cell, read) => {
            let readings: Vec<String> = read
                .iter()
                .map(|(o, d)| format!("{d} {}", named(o)))
                .collect();
            let flags: Vec<String> = read
                .iter()
                .map(|(o, _)| format!("--date-order {o}"))
                .collect();
            InputError::file(
                file,
                format!(
                    "the dates read in more than one order, and no date in the file tells which: {cell} is {}",
                    readings.join(" or ")
                ),
            )
            .help(format!(
                "say how the export writes dates: {} (the order of the export's locale)",
                flags.join(" or ")
            ))
            .help("a date only one order reads would decide it, e.g. 13/1/2024 is day first and 1/13/2024 month first; 45-01-02 has its year first")
        }
        OrderProblem::Conflict((a, ao), (b, bo)) => {
            let only = |os: &[DateOrder]| os.iter().map(named).collect::<Vec<_>>().join(" or ");
            InputError::file(
                file,
                format!(
                    "the dates are written in more than one order: {a} reads only {}, but {b} only {}",
                    only(ao),
                    only(bo)
                ),
            )
            .help("correct the dates written the other way in the CRM and export again")
            .help(format!(
                "or pass --date-order {} with --skip-bad-rows to leave out the rows written otherwise",
                ao[0]
            ))
        }
    }
}

/// Spreadsheet rows: 1 + the line breaks before the record's first byte, less those inside
/// quoted cells of the records before it (a spreadsheet shows such a record as one row, and
/// a blank line as an empty row). Counted from byte offsets, which the CSV reader keeps
/// exactly, while it skips blank lines without a record.
struct RowNumbers {
    /// Line breaks inside the cells of the records so far.
    embedded_breaks: usize,
    /// Bytes scanned for line breaks: up to the last record's start.
    scanned: usize,
    /// Line breaks in the bytes scanned.
    breaks: usize,
}

impl RowNumbers {
    /// The count after the header row.
    fn after(header: &csv::ByteRecord) -> RowNumbers {
        RowNumbers {
            embedded_breaks: header.iter().map(count_breaks).sum::<usize>(),
            scanned: 0,
            breaks: 0,
        }
    }

    /// The row of `record`, the next record of `bytes`.
    fn of(&mut self, bytes: &[u8], record: &csv::ByteRecord) -> usize {
        let mut start = record
            .position()
            .map_or(self.scanned, |p| p.byte() as usize)
            .clamp(self.scanned, bytes.len());
        // The position is where the reader began, before the blank lines it skipped: a record
        // itself never starts with a line break.
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        self.breaks += count_breaks(&bytes[self.scanned..start]);
        self.scanned = start;
        let row = 1 + self.breaks - self.embedded_breaks;
        self.embedded_breaks += record.iter().map(count_breaks).sum::<usize>();
        row
    }
}

fn not_utf8(row: usize, record: &csv::ByteRecord) -> BadRow {
    BadRow {
        row,
        kind: BadRowKind::NotUtf8,
        column: None,
        value: String::from_utf8_lossy(record.as_slice()).into_owned(),
        message: "the row holds bytes that are not UTF-8 text".into(),
        fix: "save the export as \"CSV UTF-8\" (Excel: File > Save As > CSV UTF-8)".into(),
    }
}

impl History {
    /// Takes in one row of text: skipped if it is not data, counted if its stage is ignored or
    /// it was created outside the window, rejected if it is bad or repeats an earlier id
    /// (`ids`: the row of each id so far).
    fn add(
        &mut self,
        file: &str,
        opts: &ReadOptions,
        ids: &mut HashMap<String, usize>,
        row: usize,
        cells: &[&str],
    ) -> Result<(), InputError> {
        if is_non_data(cells) {
            self.non_data_rows += 1;
            return Ok(());
        }
        match read_row(&self.columns, cells, row, opts) {
            Ok(None) => self.ignored_rows += 1,
            Ok(Some(o))
                if opts.created_from.is_some_and(|d| o.created < d)
                    || opts.created_until.is_some_and(|d| o.created > d) =>
            {
                self.outside_window += 1
            }
            Ok(Some(o)) => {
                if let Some(id) = &o.id {
                    if let Some(first) = ids.get(id) {
                        let bad = BadRow {
                            row,
                            kind: BadRowKind::DuplicateId,
                            column: self.columns.header(Field::Id).map(str::to_string),
                            value: id.clone(),
                            message: format!("\"{id}\" is the id of row {first} too; the opportunity would count twice"),
                            fix: "remove the duplicate row (an export of a report grouped by a related record can repeat opportunities)".into(),
                        };
                        return self.reject(file, opts, bad);
                    }
                    ids.insert(id.clone(), row);
                }
                self.opportunities.push(o);
            }
            Err(bad) => self.reject(file, opts, bad)?,
        }
        Ok(())
    }

    fn reject(&mut self, file: &str, opts: &ReadOptions, bad: BadRow) -> Result<(), InputError> {
        if opts.skip_bad_rows {
            self.bad_rows.push(bad);
            Ok(())
        } else {
            Err(bad.to_input_error(file))
        }
    }
}

fn count_breaks(cell: &[u8]) -> usize {
    cell.iter().filter(|b| **b == b'\n').count()
}

fn csv_error(file: &str, e: &csv::Error) -> InputError {
    InputError::file(file, format!("cannot read the export as CSV: {e}"))
        .help("export the report as CSV (comma, semicolon or tab separated, UTF-8)")
}

/// The separator of the header row: whichever of `,`, `;` and tab occurs most outside quotes
/// (a comma when none does). Excel in many European locales writes `;`.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|i| (counts[*i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    }
}

/// Rows of empty cells, and the lines a Salesforce report export puts after the data. (Blank
/// lines are skipped by the CSV reader itself; they still count in row numbers.)
fn is_non_data(cells: &[&str]) -> bool {
    let filled: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    match filled.as_slice() {
        [] => true,
        [only] => {
            let t = only.to_lowercase();
            [
                "grand totals",
                "confidential information",
                "copyright",
                "generated by",
            ]
            .iter()
            .any(|p| t.starts_with(p))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(sniff_delimiter(b"a;b;\"c,d,e\"\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }

    fn read(text: &str, skip: bool) -> Result<History, InputError> {
        parse_history(
            text.as_bytes(),
            "t.csv",
            &ReadOptions {
                skip_bad_rows: skip,
                date_order: Some(crate::crm::DateOrder::Mdy),
                ..ReadOptions::default()
            },
        )
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let text = "id,owner,created_date,close_date,amount_usd,outcome\n\
                    1,Ann,2024-01-01,2024-02-01,100,won\n\
                    \n\
                    2,\"Bob\nSmith\",2024-01-01,2024-02-01,100,won\n\
                    3,Cy,2024-01-01,2023-02-01,100,won\n";
        let e = read(text, false).unwrap_err().to_string();
        // Header 1, Ann 2, blank 3, Bob 4 (one row though two lines), Cy 5.
        assert!(e.starts_with("t.csv: row 5, column \"close_date\""), "{e}");
        let h = read(text, true).unwrap();
        assert_eq!(h.opportunities.len(), 2);
        assert_eq!(h.opportunities[1].row, 4);
        assert_eq!(h.bad_rows[0].kind, BadRowKind::CloseBeforeCreated);
    }

    #[test]
    fn salesforce_flags_stages_and_reasons() {
        let text = "Opportunity Owner,Stage,Amount,Created Date,Close Date,Won,Closed,Loss Reason\n\
                    Ann,Closed Won,\"$1,000.00\",1/2/2024,2/3/2024,1,1,\n\
                    Ann,Closed Lost,500,1/2/2024,2/3/2024,0,1,Price\n\
                    Ann,Closed Lost,500,1/2/2024,2/3/2024,0,1,No Decision\n\
                    Ann,Custom Stage,500,1/2/2024,,0,0,\n\
                    Ann,Closed - Dead,,1/2/2024,2/3/2024,0,1,\n\
                    \n\
                    Grand Totals (5 records)\n\
                    \"Confidential Information - Do Not Distribute\"\n";
        let h = read(text, false).unwrap();
        let got: Vec<Outcome> = h.opportunities.iter().map(|o| o.outcome).collect();
        assert_eq!(
            got,
            [
                Outcome::Won,
                Outcome::Lost,
                Outcome::NoDecision,
                Outcome::Open,
                Outcome::Lost
            ]
        );
        assert_eq!(h.opportunities[0].amount_usd, Some(1000.0));
        assert_eq!(h.opportunities[0].cycle_days(), Some(32));
        assert_eq!(
            h.opportunities[4].amount_usd, None,
            "blank amount on a lost deal"
        );
        // The totals and the confidentiality line; the blank line has no record at all.
        assert_eq!(h.non_data_rows, 2);
    }
}
