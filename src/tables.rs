//! Tidy tables written as CSV, Parquet and Excel.
//!
//! `revsim sweep` builds one [`Table`] (one row per scenario variant, one column per input or
//! statistic) and writes it with [`write_csv`], [`parquet_bytes`] and [`xlsx_bytes`]; `revsim
//! run` writes its per-trial and monthly tables with [`ParquetStream`] and its workbook with
//! [`xlsx_book`]. Every writer is deterministic: the same table gives the same bytes.
//!
//! Columns are typed: text, decimal numbers (`NaN` = missing, written as an empty cell or a
//! null), whole numbers (Parquet INT64, Excel numbers) and calendar months (Parquet DATE, the
//! first day of the month; Excel date cells; `YYYY-MM` in CSV). Parquet field names carry no
//! dot: [`parquet_name`] writes `org.seats` as `org__seats`. Every Excel sheet of data is an
//! Excel Table whose header is the sheet's first row; titles and notes go to a "Notes" sheet
//! and the document's properties.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, TableColumn, TableStyle, Workbook, Worksheet, XlsxError,
};

/// How a column's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// No particular unit (Excel's General format).
    Plain,
    /// An amount in US dollars, shown without cents.
    Usd,
    /// A fraction 0..1 shown as a percentage.
    Share,
    /// A whole number of things, shown with thousands separators.
    Count,
}

impl Format {
    /// Excel number format code.
    fn excel(self) -> &'static str {
        match self {
            Format::Plain => "General",
            Format::Usd => "$#,##0",
            Format::Share => "0.0%",
            Format::Count => "#,##0",
        }
    }

    /// Name shown on the "Fields" sheet.
    fn label(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Usd => "USD",
            Format::Share => "share (%)",
            Format::Count => "count",
        }
    }

    /// Rough width in characters of `x` as Excel shows it in this format.
    fn shown_len(self, x: f64) -> usize {
        let grouped = |v: f64| {
            let digits = format!("{:.0}", v.abs()).len();
            digits + (digits - 1) / 3 + usize::from(v < 0.0)
        };
        match self {
            Format::Plain => x.to_string().len().min(11),
            Format::Usd => 1 + grouped(x),
            Format::Share => format!("{:.1}%", x * 100.0).len(),
            Format::Count => grouped(x),
        }
    }
}

/// Excel number format of a month column.
const MONTH_FORMAT: &str = "yyyy-mm";

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text cells.
    Text(Vec<String>),
    /// Numbers; `NaN` means missing (an empty cell, a Parquet null).
    Number(Vec<f64>),
    /// Whole numbers (counts, indices); `None` means missing.
    Integer(Vec<Option<i64>>),
    /// Calendar months as (year, month 1-12); `None` means missing.
    Month(Vec<Option<(i32, u32)>>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Number(v) => v.len(),
            Values::Integer(v) => v.len(),
            Values::Month(v) => v.len(),
        }
    }

    /// Appends cell `i` as CSV text (after [`guard`]) to `out`: numbers in shortest round-trip
    /// form, months as `YYYY-MM`, missing as empty.
    fn push_csv_cell(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Values::Text(v) => out.extend_from_slice(guard(&v[i]).as_bytes()),
            Values::Number(v) => push_number(v[i], out),
            Values::Integer(v) => {
                if let Some(x) = v[i] {
                    out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
                }
            }
            Values::Month(v) => {
                if let Some((y, m)) = v[i] {
                    // Writing to a Vec cannot fail.
                    let _ = write!(out, "{y:04}-{m:02}");
                }
            }
        }
    }

    /// What the Parquet and Excel type of the column is, for the "Fields" sheet.
    fn kind(&self) -> &'static str {
        match self {
            Values::Text(_) => "text",
            Values::Number(_) => "decimal",
            Values::Integer(_) => "integer",
            Values::Month(_) => "month (date)",
        }
    }
}

/// One named column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header name (the Parquet field name is [`parquet_name`] of it).
    pub name: String,
    /// How the values read.
    pub format: Format,
    /// One-line meaning, listed on the Excel "Fields" sheet.
    pub description: String,
    /// The cells, one per row.
    pub values: Values,
}

/// A tidy table: columns of equal length, one row per observation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The columns, left to right.
    pub columns: Vec<Column>,
}

impl Table {
    /// Number of rows (the first column's length; 0 without columns).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// The rows as JSON objects keyed by column name (`--format json`): text as strings,
    /// numbers as numbers, months as `YYYY-MM`, a missing value as null. Text is not guarded
    /// as in CSV: JSON is no spreadsheet.
    pub fn json_records(&self) -> serde_json::Value {
        use serde_json::Value;
        let cell = |v: &Values, i: usize| -> Value {
            match v {
                Values::Text(v) => Value::String(v[i].clone()),
                Values::Number(v) => {
                    serde_json::Number::from_f64(v[i]).map_or(Value::Null, Value::Number)
                }
                Values::Integer(v) => v[i].map_or(Value::Null, Value::from),
                Values::Month(v) => v[i].map_or(Value::Null, |(y, m)| {
                    Value::String(format!("{y:04}-{m:02}"))
                }),
            }
        };
        Value::Array(
            (0..self.rows())
                .map(|i| {
                    Value::Object(
                        self.columns
                            .iter()
                            .map(|c| (c.name.clone(), cell(&c.values, i)))
                            .collect(),
                    )
                })
                .collect(),
        )
    }

    /// Errors unless every column has the same length.
    fn check(&self) -> io::Result<()> {
        match self.columns.iter().find(|c| c.values.len() != self.rows()) {
            Some(c) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "column `{}` has {} rows, expected {}",
                    c.name,
                    c.values.len(),
                    self.rows()
                ),
            )),
            None => Ok(()),
        }
    }
}

/// Appends `v` as a CSV cell: Rust's `{}`, the shortest string that parses back to the same
/// f64 (integral values without a fraction), or nothing for NaN (missing).
///
/// A whole number below 2^53 in magnitude is written as the integer it is: the same text (the
/// shortest round trip of an integer that every f64 near it can tell apart is its own digits),
/// and quicker to make. Not -0, which `{}` writes as `-0`.
fn push_number(v: f64, out: &mut Vec<u8>) {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.is_nan() {
        // Missing: an empty cell.
    } else if v.fract() == 0.0 && v.abs() < EXACT && v.to_bits() != (-0.0f64).to_bits() {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{v}");
    }
}

/// A cell of user text as a CSV file may hold it: text a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return, as the OWASP guidance on CSV
/// injection lists) gets a leading `'`, so that Excel, LibreOffice and Google Sheets show it
/// instead of running it. A plain number such as `-5` or `-0.25` is left as it is (a
/// spreadsheet reads it as that number). Every CSV revsim writes passes its text through this.
pub fn guard(s: &str) -> Cow<'_, str> {
    let number = s.parse::<f64>().is_ok_and(f64::is_finite);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !number {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Writes `t` as CSV: a header of column names, numbers in shortest round-trip form (`45`,
/// `0.1`), months as `YYYY-MM`, missing values as empty cells, and formula-looking text
/// guarded with a leading `'`.
pub fn write_csv(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    t.check()?;
    write_csv_header(t, w)?;
    write_csv_rows(t, 0..t.rows(), w)
}

/// Writes the header line of `t` (its column names) to `w`.
pub fn write_csv_header(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(t.columns.iter().map(|c| c.name.as_str()))?;
    out.flush()
}

/// Writes the rows in `rows` of `t` (no header) to `w`: a long table written in parts.
pub fn write_csv_rows(
    t: &Table,
    rows: std::ops::Range<usize>,
    w: &mut dyn Write,
) -> io::Result<()> {
    t.check()?;
    if t.columns.len() > 1
        && t.columns
            .iter()
            .all(|c| !matches!(c.values, Values::Text(_)))
    {
        // No cell of numbers and months ever needs quotes (and no record is one empty field,
        // which the CSV writer would quote): the rows are written as they are, as the writer
        // would write them, and several times faster.
        let mut bytes = Vec::new();
        for i in rows {
            for (k, c) in t.columns.iter().enumerate() {
                if k > 0 {
                    bytes.push(b',');
                }
                c.values.push_csv_cell(i, &mut bytes);
            }
            bytes.push(b'\n');
        }
        return w.write_all(&bytes);
    }
    let mut out = csv::Writer::from_writer(w);
    let mut cell = Vec::new();
    for i in rows {
        for c in &t.columns {
            cell.clear();
            c.values.push_csv_cell(i, &mut cell);
            out.write_field(&cell)?;
        }
        out.write_record(None::<&[u8]>)?;
    }
    out.flush()
}

/// The Parquet field name of a column: every `.` becomes `__` (`org.seats` -> `org__seats`,
/// which tools that read a dot as a nested field accept), and any other character outside
/// `A-Z a-z 0-9 _` becomes `_`.
pub fn parquet_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        match ch {
            '.' => out.push_str("__"),
            c if c.is_ascii_alphanumeric() || c == '_' => out.push(c),
            _ => out.push('_'),
        }
    }
    out
}

/// Days from 1970-01-01 to the first day of month `m` of year `y` (proleptic Gregorian), the
/// Parquet DATE of a month.
pub fn epoch_days(y: i32, m: u32) -> i32 {
    // Howard Hinnant's days_from_civil, for day 1.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Parquet schema of `t`: text as UTF-8 strings, decimals as doubles, whole numbers as
/// signed 64-bit integers, months as dates; every field optional.
fn parquet_schema(t: &Table) -> io::Result<Type> {
    let mut seen = std::collections::BTreeSet::new();
    let fields = t
        .columns
        .iter()
        .map(|c| {
            let name = parquet_name(&c.name);
            if !seen.insert(name.clone()) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("two columns are both named `{name}` in Parquet"),
                ));
            }
            let field = match c.values {
                Values::Text(_) => Type::primitive_type_builder(&name, PhysicalType::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String)),
                Values::Number(_) => Type::primitive_type_builder(&name, PhysicalType::DOUBLE),
                Values::Integer(_) => Type::primitive_type_builder(&name, PhysicalType::INT64)
                    .with_logical_type(Some(LogicalType::integer(64, true))),
                Values::Month(_) => Type::primitive_type_builder(&name, PhysicalType::INT32)
                    .with_logical_type(Some(LogicalType::Date)),
            };
            Ok(Arc::new(
                field.with_repetition(Repetition::OPTIONAL).build()?,
            ))
        })
        .collect::<io::Result<_>>()?;
    Ok(Type::group_type_builder("revsim")
        .with_fields(fields)
        .build()?)
}

/// Present values and definition levels of an optional column.
fn present<T, U: Copy>(v: &[T], get: impl Fn(&T) -> Option<U>) -> (Vec<U>, Vec<i16>) {
    let values = v.iter().filter_map(&get).collect();
    let defined = v.iter().map(|x| i16::from(get(x).is_some())).collect();
    (values, defined)
}

/// A byte buffer the Parquet writer fills and [`ParquetStream`] drains after each row group.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("parquet buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A Parquet file written one row group at a time, so that a long table (a run's trials) never
/// has to be held whole: each [`ParquetStream::group`] is one row group, passed on to the
/// output before the next is built.
pub struct ParquetStream<'w> {
    file: SerializedFileWriter<Shared>,
    buffer: Shared,
    out: &'w mut dyn Write,
    schema: Type,
}

impl<'w> ParquetStream<'w> {
    /// Starts a file into `out` with the schema of `like` (its columns' names and types).
    pub fn new(out: &'w mut dyn Write, like: &Table) -> io::Result<Self> {
        let schema = parquet_schema(like)?;
        let props = WriterProperties::builder()
            .set_created_by("revsim".into())
            .set_dictionary_page_size_limit(64 << 10)
            .build();
        let buffer = Shared::default();
        let file =
            SerializedFileWriter::new(buffer.clone(), Arc::new(schema.clone()), Arc::new(props))?;
        Ok(ParquetStream {
            file,
            buffer,
            out,
            schema,
        })
    }

    /// Writes `t` (the same columns as the file's) as one row group.
    pub fn group(&mut self, t: &Table) -> io::Result<()> {
        t.check()?;
        if parquet_schema(t)? != self.schema {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a row group's columns differ from the file's",
            ));
        }
        let mut group = self.file.next_row_group()?;
        for c in &t.columns {
            let mut col = group
                .next_column()?
                .ok_or_else(|| io::Error::other("parquet: too few columns"))?;
            match &c.values {
                Values::Text(v) => {
                    let cells: Vec<ByteArray> = v.iter().map(|s| s.as_str().into()).collect();
                    col.typed::<ByteArrayType>().write_batch(
                        &cells,
                        Some(&vec![1; v.len()]),
                        None,
                    )?;
                }
                Values::Number(v) => {
                    let (x, d) = present(v, |x| (!x.is_nan()).then_some(*x));
                    col.typed::<DoubleType>().write_batch(&x, Some(&d), None)?;
                }
                Values::Integer(v) => {
                    let (x, d) = present(v, |x| *x);
                    col.typed::<Int64Type>().write_batch(&x, Some(&d), None)?;
                }
                Values::Month(v) => {
                    let (x, d) = present(v, |x| x.map(|(y, m)| epoch_days(y, m)));
                    col.typed::<Int32Type>().write_batch(&x, Some(&d), None)?;
                }
            }
            col.close()?;
        }
        group.close()?;
        self.drain()
    }

    fn drain(&mut self) -> io::Result<()> {
        let bytes = std::mem::take(
            &mut *self
                .buffer
                .0
                .lock()
                .map_err(|_| io::Error::other("parquet buffer poisoned"))?,
        );
        self.out.write_all(&bytes)
    }

    /// Writes the footer.
    pub fn finish(mut self) -> io::Result<()> {
        self.file.finish()?;
        self.drain()
    }
}

/// Encodes `t` as an uncompressed Parquet file of one row group: text as UTF-8 strings,
/// decimals as doubles (`NaN` as null), whole numbers as INT64, months as DATE; every field
/// optional, named by [`parquet_name`].
pub fn parquet_bytes(t: &Table) -> io::Result<Vec<u8>> {
    t.check()?;
    let mut out = Vec::new();
    let mut file = ParquetStream::new(&mut out, t)?;
    file.group(t)?;
    file.finish()?;
    Ok(out)
}

/// One sheet of a workbook: a table under a name (up to 31 characters, no `[]:*?/\`).
pub struct Sheet<'a> {
    /// Sheet name; the Excel Table's is its words capitalised and joined ("FiscalYears").
    pub name: &'a str,
    /// The data.
    pub table: &'a Table,
    /// Number format of each row's decimal cells, overriding the columns' (a long table whose
    /// rows hold different quantities); `None`: the columns' formats.
    pub row_formats: Option<&'a [Format]>,
}

/// Builds an Excel workbook of one sheet "Summary" holding `t` (see [`xlsx_book`]).
pub fn xlsx_bytes(t: &Table, title: &str, notes: &[String]) -> io::Result<Vec<u8>> {
    xlsx_book(
        &[Sheet {
            name: "Summary",
            table: t,
            row_formats: None,
        }],
        title,
        notes,
    )
}

/// Builds an Excel workbook: one sheet per [`Sheet`], each an Excel Table whose header is the
/// sheet's first row (bold, frozen, with filter buttons), decimals and whole numbers in their
/// [`Format`], months as date cells, missing values left empty; then a sheet "Fields" with
/// each column's sheet, name, type, format and description, and a sheet "Notes" with `title`
/// and `notes` (also the document's title and comments). The document's creation time is
/// fixed, so the bytes are deterministic.
pub fn xlsx_book(sheets: &[Sheet], title: &str, notes: &[String]) -> io::Result<Vec<u8>> {
    for s in sheets {
        s.table.check()?;
        if let Some(f) = s.row_formats
            && f.len() != s.table.rows()
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "sheet `{}`: {} row formats for {} rows",
                    s.name,
                    f.len(),
                    s.table.rows()
                ),
            ));
        }
    }
    xlsx(sheets, title, notes).map_err(io::Error::other)
}

/// Header row style of the "Fields" and "Notes" sheets.
fn header_format() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2))
}

/// Writes `header` in bold on row 0 and freezes the panes below it.
fn write_header(ws: &mut Worksheet, header: &[&str]) -> Result<(), XlsxError> {
    let bold = header_format();
    for (j, name) in (0u16..).zip(header) {
        ws.write_string_with_format(0, j, *name, &bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Column width for content `chars` wide, leaving room for the filter button.
fn width(chars: usize) -> f64 {
    (chars + 3).clamp(8, 60) as f64
}

/// The Excel Table name of a sheet: its words capitalised and joined ("Fiscal years" ->
/// "FiscalYears").
fn table_name(sheet: &str) -> String {
    sheet
        .split_whitespace()
        .flat_map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase())
                .into_iter()
                .chain(c)
        })
        .collect()
}

/// Writes `s` as an Excel Table from A1 on `ws`.
fn data_sheet(ws: &mut Worksheet, s: &Sheet) -> Result<(), XlsxError> {
    let t = s.table;
    let date = rust_xlsxwriter::Format::new().set_num_format(MONTH_FORMAT);
    let formats: Vec<rust_xlsxwriter::Format> =
        [Format::Plain, Format::Usd, Format::Share, Format::Count]
            .map(|f| rust_xlsxwriter::Format::new().set_num_format(f.excel()))
            .to_vec();
    let excel = |f: Format| &formats[f as usize];
    for (j, c) in (0u16..).zip(&t.columns) {
        let mut chars = c.name.chars().count() + 2;
        match &c.values {
            Values::Text(v) => {
                for (i, s) in (1u32..).zip(v) {
                    ws.write_string(i, j, s)?;
                    chars = chars.max(s.chars().count());
                }
            }
            Values::Number(v) => {
                for (k, &x) in v.iter().enumerate().filter(|(_, x)| !x.is_nan()) {
                    let f = s.row_formats.map_or(c.format, |r| r[k]);
                    ws.write_number_with_format(k as u32 + 1, j, x, excel(f))?;
                    chars = chars.max(f.shown_len(x));
                }
            }
            Values::Integer(v) => {
                for (i, x) in (1u32..).zip(v) {
                    if let Some(x) = *x {
                        ws.write_number_with_format(i, j, x as f64, excel(c.format))?;
                        chars = chars.max(c.format.shown_len(x as f64));
                    }
                }
            }
            Values::Month(v) => {
                for (i, x) in (1u32..).zip(v) {
                    if let Some((y, m)) = *x {
                        let d = ExcelDateTime::from_ymd(
                            u16::try_from(y).map_err(|_| {
                                XlsxError::ParameterError(format!("year {y} out of range"))
                            })?,
                            m as u8,
                            1,
                        )?;
                        ws.write_datetime_with_format(i, j, &d, &date)?;
                        chars = chars.max(MONTH_FORMAT.len());
                    }
                }
            }
        }
        ws.set_column_width(j, width(chars))?;
    }
    if let Some(last) = (t.columns.len() as u16).checked_sub(1) {
        let columns: Vec<TableColumn> = t
            .columns
            .iter()
            .map(|c| TableColumn::new().set_header(&c.name))
            .collect();
        let table = rust_xlsxwriter::Table::new()
            .set_name(table_name(s.name))
            .set_style(TableStyle::Light9)
            .set_columns(&columns);
        // An Excel Table holds at least one data row, empty if the table has none.
        ws.add_table(0, 0, t.rows().max(1) as u32, last, &table)?;
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(())
}

fn xlsx(sheets: &[Sheet], title: &str, notes: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_comment(notes.join("\n"))
            .set_creation_datetime(&created),
    );
    for s in sheets {
        let ws = book.add_worksheet().set_name(s.name)?;
        data_sheet(ws, s)?;
    }

    let ws = book.add_worksheet().set_name("Fields")?;
    let header = ["sheet", "name", "type", "format", "description"];
    write_header(ws, &header)?;
    let mut chars = header.map(str::len);
    let mut i = 1u32;
    for s in sheets {
        for c in &s.table.columns {
            let format = match (&c.values, s.row_formats) {
                (Values::Number(_), Some(_)) => "by row (see the unit of the row)",
                (Values::Month(_), _) => MONTH_FORMAT,
                _ => c.format.label(),
            };
            let cells = [
                s.name,
                c.name.as_str(),
                c.values.kind(),
                format,
                &c.description,
            ];
            for (j, text) in cells.into_iter().enumerate() {
                ws.write_string(i, j as u16, text)?;
                chars[j] = chars[j].max(text.chars().count());
            }
            i += 1;
        }
    }
    for (j, n) in (0u16..).zip(chars) {
        ws.set_column_width(j, width(n))?;
    }

    let ws = book.add_worksheet().set_name("Notes")?;
    let big = rust_xlsxwriter::Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(0, 0, title, &big)?;
    for (i, note) in (1u32..).zip(notes) {
        ws.write_string(i, 0, note)?;
    }
    ws.set_column_width(0, 100)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use std::io::{Read, Seek};

    /// A table of numbers and months is written without the CSV writer: the bytes must be the
    /// ones the writer makes, for every kind of cell (missing ones, -0, fractions, infinities,
    /// whole numbers, months) and a row whose first or last cell is empty.
    #[test]
    fn plain_rows_are_what_the_csv_writer_writes() {
        let col = |name: &str, values: Values| Column {
            name: name.into(),
            format: Format::Plain,
            description: String::new(),
            values,
        };
        let t = Table {
            columns: vec![
                col(
                    "x",
                    Values::Number(vec![f64::NAN, -0.0, 0.1, 1e21, -3.0, f64::INFINITY]),
                ),
                col(
                    "k",
                    Values::Integer(vec![
                        Some(-7),
                        None,
                        Some(0),
                        Some(i64::MAX),
                        Some(12),
                        None,
                    ]),
                ),
                col(
                    "m",
                    Values::Month(vec![
                        Some((2027, 1)),
                        None,
                        Some((999, 12)),
                        None,
                        Some((2030, 6)),
                        None,
                    ]),
                ),
                col(
                    "y",
                    Values::Number(vec![2.5, 1e-7, f64::NAN, -1e300, 4.0, f64::NAN]),
                ),
            ],
        };
        let mut plain = Vec::new();
        write_csv_rows(&t, 0..t.rows(), &mut plain).unwrap();
        // What the CSV writer makes of the same cells.
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut cell = Vec::new();
        for i in 0..t.rows() {
            for c in &t.columns {
                cell.clear();
                c.values.push_csv_cell(i, &mut cell);
                writer.write_field(&cell).unwrap();
            }
            writer.write_record(None::<&[u8]>).unwrap();
        }
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            String::from_utf8(writer.into_inner().unwrap()).unwrap()
        );
    }

    /// The fast path for whole numbers writes what `{}` writes, at every magnitude and at the
    /// edges: 2^53 and beyond, -0, fractions, infinities, and a million pseudo-random bit
    /// patterns and whole numbers.
    #[test]
    fn csv_numbers_read_as_rust_prints_them() {
        let text = |v: f64| {
            let mut s = Vec::new();
            push_number(v, &mut s);
            String::from_utf8(s).unwrap()
        };
        let expected = |v: f64| {
            if v.is_nan() {
                String::new()
            } else {
                v.to_string()
            }
        };
        let two53 = 9_007_199_254_740_992.0f64;
        let mut cases = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -2.5,
            1e15,
            1e16,
            1e22,
            1e300,
            5e-324,
            two53,
            -two53,
            two53 - 1.0,
            -(two53 - 1.0),
            two53 + 2.0,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            146_882_314.0,
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..1_000_000 {
            // SplitMix64: pseudo-random bits, and whole numbers of every size below 2^64.
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            cases.push(f64::from_bits(z));
            cases.push((z >> (z % 64)) as f64 * if z & 1 == 0 { 1.0 } else { -1.0 });
        }
        for v in cases {
            assert_eq!(text(v), expected(v), "{v:e} ({:#x})", v.to_bits());
        }
    }

    fn sample() -> Table {
        let col = |name: &str, format, values| Column {
            name: name.into(),
            format,
            description: format!("{name} of the variant"),
            values,
        };
        let text = |v: &[&str]| Values::Text(v.iter().map(|s| s.to_string()).collect());
        Table {
            columns: vec![
                col(
                    "variant",
                    Format::Plain,
                    text(&["base", "=SUM(A1)", "-hires", "@x"]),
                ),
                col(
                    "reps",
                    Format::Count,
                    Values::Number(vec![45.0, 1e15, -5.0, f64::NAN]),
                ),
                col(
                    "arr_p50",
                    Format::Usd,
                    Values::Number(vec![1.25e6, f64::NAN, 0.1 + 0.2, -0.0]),
                ),
                col(
                    "win_rate",
                    Format::Share,
                    Values::Number(vec![0.237, 1.0 / 3.0, 1e-9, 0.0]),
                ),
                col(
                    "org.seats",
                    Format::Count,
                    Values::Integer(vec![Some(40), None, Some(-3), Some(i64::MAX)]),
                ),
                col(
                    "first_month",
                    Format::Plain,
                    Values::Month(vec![
                        Some((2027, 1)),
                        Some((1970, 3)),
                        None,
                        Some((2100, 12)),
                    ]),
                ),
            ],
        }
    }

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn csv_round_trips_numbers_nan_and_guards_formulas() {
        let t = sample();
        let mut buf = Vec::new();
        write_csv(&t, &mut buf).unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert!(
            text.starts_with(
                "variant,reps,arr_p50,win_rate,org.seats,first_month\nbase,45,1250000,0.237,40,2027-01\n"
            ),
            "{text}"
        );
        let mut reader = csv::Reader::from_reader(buf.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), t.rows());
        for (j, c) in t.columns.iter().enumerate() {
            for (i, row) in rows.iter().enumerate() {
                match &c.values {
                    Values::Text(v) => assert_eq!(row[j].trim_start_matches('\''), v[i]),
                    Values::Integer(v) => {
                        assert_eq!(row[j].parse::<i64>().ok(), v[i], "{}[{i}]", c.name)
                    }
                    Values::Month(v) => assert_eq!(
                        v[i].map(|(y, m)| format!("{y:04}-{m:02}"))
                            .unwrap_or_default(),
                        &row[j]
                    ),
                    Values::Number(v) => {
                        let back = if row[j].is_empty() {
                            f64::NAN
                        } else {
                            row[j].parse().unwrap()
                        };
                        assert!(same(back, v[i]), "{}[{i}]: {} vs {}", c.name, &row[j], v[i]);
                    }
                }
            }
        }
        let cells: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!(cells, ["base", "'=SUM(A1)", "'-hires", "'@x"]);
        assert_eq!(&rows[2][1], "-5", "numbers are never guarded");
        assert_eq!(
            guard("-0.25"),
            "-0.25",
            "nor is text that is a plain number"
        );
        for formula in ["-1+1", "+A1", "-inf", "\t=1", "\r@x"] {
            assert!(guard(formula).starts_with('\''), "{formula:?}");
        }
        assert_eq!(&rows[3][1], "", "NaN is an empty cell");
    }

    #[test]
    fn ragged_table_is_rejected() {
        let mut t = sample();
        t.columns[1].values = Values::Number(vec![1.0]);
        assert!(write_csv(&t, &mut Vec::new()).is_err());
        assert!(parquet_bytes(&t).is_err());
        assert!(xlsx_bytes(&t, "x", &[]).is_err());
    }

    #[test]
    fn parquet_reads_back_values_and_nulls() {
        let t = sample();
        let bytes = parquet_bytes(&t).unwrap();
        assert_eq!(bytes, parquet_bytes(&t).unwrap(), "deterministic");
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        file.rewind().unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let meta = reader.metadata().file_metadata();
        assert_eq!(meta.created_by(), Some("revsim"));
        assert_eq!(meta.num_rows(), t.rows() as i64);
        let schema = meta.schema_descr();
        assert_eq!(
            schema.column(0).logical_type_ref(),
            Some(&LogicalType::String)
        );
        assert_eq!(schema.column(1).physical_type(), PhysicalType::DOUBLE);
        assert_eq!(schema.column(4).physical_type(), PhysicalType::INT64);
        assert_eq!(
            schema.column(4).name(),
            "org__seats",
            "no dot in Parquet names"
        );
        assert_eq!(
            schema.column(5).logical_type_ref(),
            Some(&LogicalType::Date)
        );
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), t.rows());
        for (i, row) in rows.into_iter().enumerate() {
            for ((name, field), c) in row.into_columns().into_iter().zip(&t.columns) {
                assert_eq!(name, parquet_name(&c.name));
                match (&c.values, field) {
                    (Values::Integer(v), Field::Long(x)) => assert_eq!(Some(x), v[i]),
                    (Values::Integer(v), Field::Null) => assert_eq!(v[i], None),
                    (Values::Month(v), Field::Date(d)) => {
                        let (y, m) = v[i].unwrap();
                        assert_eq!(d, epoch_days(y, m), "{name}[{i}]")
                    }
                    (Values::Month(v), Field::Null) => assert_eq!(v[i], None),
                    (Values::Text(v), Field::Str(s)) => assert_eq!(s, v[i]),
                    (Values::Number(v), Field::Null) => assert!(v[i].is_nan(), "{name}[{i}]"),
                    (Values::Number(v), Field::Double(x)) => {
                        assert!(!x.is_nan() && same(x, v[i]), "{name}[{i}]")
                    }
                    (_, other) => panic!("{name}[{i}]: unexpected {other:?}"),
                }
            }
        }
    }

    fn zip_entry(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(io::Cursor::new(bytes)).unwrap();
        let mut out = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn epoch_days_match_known_dates() {
        assert_eq!(epoch_days(1970, 1), 0);
        assert_eq!(epoch_days(2000, 1), 10_957);
        assert_eq!(epoch_days(2000, 3), 10_957 + 31 + 29, "leap February");
        assert_eq!(epoch_days(1969, 12), -31);
        assert_eq!(epoch_days(2027, 1), 20_819);
    }

    #[test]
    fn parquet_names_have_no_dots() {
        assert_eq!(parquet_name("org.seats"), "org__seats");
        assert_eq!(parquet_name("hiring.plan[0]"), "hiring__plan_0_");
        assert_eq!(parquet_name("fy2027_bookings_usd"), "fy2027_bookings_usd");
        let mut t = sample();
        t.columns[4].name = "reps".into();
        assert!(parquet_bytes(&t).is_err(), "a name twice is refused");
    }

    #[test]
    fn xlsx_is_deterministic_and_laid_out() {
        let t = sample();
        let notes = [
            "Seed 7, 10000 trials".to_string(),
            "Scenario base.toml".to_string(),
        ];
        let bytes = xlsx_bytes(&t, "Hiring sweep", &notes).unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(
            bytes,
            xlsx_bytes(&t, "Hiring sweep", &notes).unwrap(),
            "deterministic"
        );
        let book = zip_entry(&bytes, "xl/workbook.xml");
        let at = |name: &str| book.find(&format!(r#"name="{name}""#)).unwrap();
        assert!(
            at("Summary") < at("Fields") && at("Fields") < at("Notes"),
            "the data sheet first: {book}"
        );
        let core = zip_entry(&bytes, "docProps/core.xml");
        assert!(core.contains("2000-01-01T00:00:00Z"), "{core}");
        assert!(
            core.contains("Hiring sweep") && core.contains("Seed 7"),
            "{core}"
        );
        // The header is row 1, data rows 2-5: an Excel Table over A1:F5.
        let table = zip_entry(&bytes, "xl/tables/table1.xml");
        assert!(table.contains(r#"ref="A1:F5""#), "{table}");
        assert!(table.contains(r#"name="Summary""#), "{table}");
        let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(
            sheet.contains(r#"topLeftCell="A2""#),
            "frozen below header: {sheet}"
        );
        assert!(
            !sheet.contains(r#"<c r="B5""#) && !sheet.contains(r#"<c r="E3""#),
            "missing cells left empty: {sheet}"
        );
        // 2027-01-01 is Excel serial 46388.
        assert!(sheet.contains("<v>46388</v>"), "{sheet}");
        let styles = zip_entry(&bytes, "xl/styles.xml");
        for code in ["$#,##0", "0.0%", "#,##0", MONTH_FORMAT] {
            assert!(
                styles.contains(&format!(r#"formatCode="{code}""#)),
                "{code}: {styles}"
            );
        }
        let strings = zip_entry(&bytes, "xl/sharedStrings.xml");
        assert!(strings.contains("win_rate of the variant") && strings.contains("share (%)"));
        assert!(!strings.contains("revsim sweep"));
    }

    #[test]
    fn row_formats_apply_per_row() {
        let t = sample();
        let rows = [Format::Usd, Format::Share, Format::Plain, Format::Usd];
        let sheet = |row_formats| Sheet {
            name: "Monthly percentiles",
            table: &t,
            row_formats,
        };
        assert!(xlsx_book(&[sheet(Some(&rows[..2]))], "x", &[]).is_err());
        let bytes = xlsx_book(&[sheet(Some(&rows))], "x", &[]).unwrap();
        let table = zip_entry(&bytes, "xl/tables/table1.xml");
        assert!(table.contains(r#"name="MonthlyPercentiles""#), "{table}");
        let fields = zip_entry(&bytes, "xl/sharedStrings.xml");
        assert!(fields.contains("by row"), "{fields}");
    }
}
