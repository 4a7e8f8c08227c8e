//! Tidy tables written as CSV, Parquet and Excel.
//!
//! `revsim sweep` builds one [`Table`] (one row per scenario variant, one column per input or
//! statistic) and writes it with [`write_csv`], [`parquet_bytes`] and [`xlsx_bytes`]. Every
//! writer is deterministic: the same table gives the same bytes. A `NaN` in a
//! [`Values::Number`] column means "missing" and is written as an empty cell or a null.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use parquet::basic::{LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Workbook, Worksheet, XlsxError};

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

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text cells.
    Text(Vec<String>),
    /// Numbers; `NaN` means missing (an empty cell, a Parquet null).
    Number(Vec<f64>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Number(v) => v.len(),
        }
    }
}

/// One named column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header name (also the Parquet field name).
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
/// `0.1`), `NaN` as an empty cell, and formula-looking text guarded with a leading `'`.
pub fn write_csv(t: &Table, w: &mut dyn Write) -> io::Result<()> {
    t.check()?;
    let mut out = csv::Writer::from_writer(w);
    out.write_record(t.columns.iter().map(|c| c.name.as_str()))?;
    for i in 0..t.rows() {
        let row: Vec<Cow<str>> = (t.columns.iter())
            .map(|c| match &c.values {
                Values::Text(v) => guard(&v[i]),
                Values::Number(v) if v[i].is_nan() => "".into(),
                // Rust's `{}` is the shortest string that parses back to the same f64, and
                // prints integral values without a fraction.
                Values::Number(v) => v[i].to_string().into(),
            })
            .collect();
        out.write_record(row.iter().map(|s| s.as_bytes()))?;
    }
    out.flush()
}

/// Encodes `t` as an uncompressed Parquet file: text as UTF-8 strings, numbers as doubles,
/// every field optional with `NaN` stored as null.
pub fn parquet_bytes(t: &Table) -> io::Result<Vec<u8>> {
    t.check()?;
    let fields = t
        .columns
        .iter()
        .map(|c| {
            let field = match c.values {
                Values::Text(_) => Type::primitive_type_builder(&c.name, PhysicalType::BYTE_ARRAY)
                    .with_logical_type(Some(LogicalType::String)),
                Values::Number(_) => Type::primitive_type_builder(&c.name, PhysicalType::DOUBLE),
            };
            field
                .with_repetition(Repetition::OPTIONAL)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<_, _>>()?;
    let schema = Type::group_type_builder("revsim")
        .with_fields(fields)
        .build()?;
    let props = WriterProperties::builder()
        .set_created_by("revsim".into())
        .build();
    let mut file = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props))?;
    let mut group = file.next_row_group()?;
    for c in &t.columns {
        let mut col = group
            .next_column()?
            .ok_or_else(|| io::Error::other("parquet: too few columns"))?;
        match &c.values {
            Values::Text(v) => {
                let cells: Vec<ByteArray> = v.iter().map(|s| s.as_str().into()).collect();
                col.typed::<ByteArrayType>()
                    .write_batch(&cells, Some(&vec![1; v.len()]), None)?;
            }
            Values::Number(v) => {
                let present: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
                let defined: Vec<i16> = v.iter().map(|x| i16::from(!x.is_nan())).collect();
                col.typed::<DoubleType>()
                    .write_batch(&present, Some(&defined), None)?;
            }
        }
        col.close()?;
    }
    group.close()?;
    Ok(file.into_inner()?)
}

/// Builds an Excel workbook: sheet "Summary" with `title`, one row per note, a blank row and
/// the table (bold filled header, frozen below it, autofilter, number formats per
/// [`Format`], `NaN` left empty); sheet "Fields" with each column's name, format and
/// description. The document's creation time is fixed, so the bytes are deterministic.
pub fn xlsx_bytes(t: &Table, title: &str, notes: &[String]) -> io::Result<Vec<u8>> {
    t.check()?;
    xlsx(t, title, notes).map_err(io::Error::other)
}

/// Header row style shared by both sheets.
fn header_format() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9E1F2))
}

/// Writes `header` in bold on `row`, freezes the panes below it and returns the next row.
fn write_header(ws: &mut Worksheet, row: u32, header: &[&str]) -> Result<u32, XlsxError> {
    let bold = header_format();
    for (j, name) in (0u16..).zip(header) {
        ws.write_string_with_format(row, j, *name, &bold)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    Ok(row + 1)
}

/// Column width for content `chars` wide, leaving room for the autofilter button.
fn width(chars: usize) -> f64 {
    (chars + 3).clamp(8, 60) as f64
}

fn xlsx(t: &Table, title: &str, notes: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_creation_datetime(&created),
    );

    let ws = book.add_worksheet().set_name("Summary")?;
    let big = rust_xlsxwriter::Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(0, 0, title, &big)?;
    for (i, note) in (1u32..).zip(notes) {
        ws.write_string(i, 0, note)?;
    }
    let head = notes.len() as u32 + 2;
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    let first = write_header(ws, head, &names)?;
    for (j, c) in (0u16..).zip(&t.columns) {
        let mut chars = c.name.chars().count() + 2;
        match &c.values {
            Values::Text(v) => {
                for (i, s) in (first..).zip(v) {
                    ws.write_string(i, j, s)?;
                    chars = chars.max(s.chars().count());
                }
            }
            Values::Number(v) => {
                let fmt = rust_xlsxwriter::Format::new().set_num_format(c.format.excel());
                for (i, &x) in (first..).zip(v).filter(|(_, x)| !x.is_nan()) {
                    ws.write_number_with_format(i, j, x, &fmt)?;
                    chars = chars.max(c.format.shown_len(x));
                }
            }
        }
        ws.set_column_width(j, width(chars))?;
    }
    if let Some(last) = (t.columns.len() as u16).checked_sub(1) {
        ws.autofilter(head, 0, head + t.rows() as u32, last)?;
    }

    let ws = book.add_worksheet().set_name("Fields")?;
    let first = write_header(ws, 0, &["name", "format", "description"])?;
    let mut chars = [4, 6, 11];
    for (i, c) in (first..).zip(&t.columns) {
        for (j, s) in [c.name.as_str(), c.format.label(), &c.description]
            .into_iter()
            .enumerate()
        {
            ws.write_string(i, j as u16, s)?;
            chars[j] = chars[j].max(s.chars().count());
        }
    }
    for (j, n) in (0u16..).zip(chars) {
        ws.set_column_width(j, width(n))?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use std::io::{Read, Seek};

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
            text.starts_with("variant,reps,arr_p50,win_rate\nbase,45,1250000,0.237\n"),
            "{text}"
        );
        let mut reader = csv::Reader::from_reader(buf.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), t.rows());
        for (j, c) in t.columns.iter().enumerate() {
            for (i, row) in rows.iter().enumerate() {
                match &c.values {
                    Values::Text(v) => assert_eq!(row[j].trim_start_matches('\''), v[i]),
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
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), t.rows());
        for (i, row) in rows.into_iter().enumerate() {
            for ((name, field), c) in row.into_columns().into_iter().zip(&t.columns) {
                assert_eq!(name, c.name);
                match (&c.values, field) {
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
        assert!(
            book.contains(r#"name="Summary""#) && book.contains(r#"name="Fields""#),
            "{book}"
        );
        let core = zip_entry(&bytes, "docProps/core.xml");
        assert!(core.contains("2000-01-01T00:00:00Z"), "{core}");
        let sheet = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        // Title row 1, notes rows 2-3, blank row 4, header row 5, data rows 6-9.
        assert!(sheet.contains(r#"<autoFilter ref="A5:D9"/>"#), "{sheet}");
        assert!(
            sheet.contains(r#"topLeftCell="A6""#),
            "frozen below header: {sheet}"
        );
        assert!(
            !sheet.contains(r#"<c r="B9""#),
            "NaN cell left empty: {sheet}"
        );
        assert!(sheet.contains(r#"<c r="B6""#) && !sheet.contains(r#"<row r="4""#));
        let styles = zip_entry(&bytes, "xl/styles.xml");
        for code in ["$#,##0", "0.0%", "#,##0"] {
            assert!(
                styles.contains(&format!(r#"formatCode="{code}""#)),
                "{code}: {styles}"
            );
        }
        let fields = zip_entry(&bytes, "xl/sharedStrings.xml");
        assert!(fields.contains("win_rate of the variant") && fields.contains("share (%)"));
    }
}
