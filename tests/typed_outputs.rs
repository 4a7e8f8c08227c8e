//! Every table a run or a sweep writes reads back typed: the Parquet files with the parquet
//! crate (integers as INT64, months as DATE, no dot in a field name) and the workbooks with
//! calamine (an Excel Table whose header is the first row, months as date cells), each value
//! equal to the CSV's.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx};
use parquet::basic::{LogicalType, Type as PhysicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

fn revsim() -> Command {
    Command::cargo_bin("revsim").expect("binary built")
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// The header and rows of a CSV file.
fn csv_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A Parquet file: its fields (name, physical type, logical type) and its rows.
type Schema = Vec<(String, PhysicalType, Option<LogicalType>)>;

fn parquet_table(path: &Path) -> (Schema, Vec<Vec<Field>>) {
    let reader = SerializedFileReader::new(fs::File::open(path).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.created_by(), Some("revsim"));
    let schema = meta
        .schema_descr()
        .columns()
        .iter()
        .map(|c| {
            (
                c.name().to_string(),
                c.physical_type(),
                c.logical_type_ref().cloned(),
            )
        })
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .into_columns()
                .into_iter()
                .map(|(_, f)| f)
                .collect()
        })
        .collect();
    (schema, rows)
}

/// Days from 1970-01-01 to the first of the month `YYYY-MM`, from the civil calendar.
fn days(month: &str) -> i32 {
    let (y, m) = month.split_once('-').unwrap();
    let (y, m): (i32, u32) = (y.parse().unwrap(), m.parse().unwrap());
    let leap = |y: i32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut d = 0;
    for year in 1970..y {
        d += if leap(year) { 366 } else { 365 };
    }
    let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    for (k, len) in lengths.iter().enumerate().take(m as usize - 1) {
        d += len + i32::from(k == 1 && leap(y));
    }
    d
}

/// Excel's serial number of the first of month `YYYY-MM` (days since 1899-12-30).
fn excel_serial(month: &str) -> f64 {
    f64::from(days(month) + 25_569)
}

/// A Parquet cell against the CSV cell of the same column.
fn assert_cell(csv: &str, field: &Field, what: &str) {
    match field {
        Field::Null => assert_eq!(csv, "", "{what}"),
        Field::Long(x) => assert_eq!(csv, x.to_string(), "{what}"),
        Field::Double(x) => assert_eq!(csv.parse::<f64>().unwrap(), *x, "{what}"),
        Field::Str(s) => assert_eq!(csv, s, "{what}"),
        Field::Date(d) => assert_eq!(days(csv), *d, "{what}"),
        other => panic!("{what}: unexpected {other:?}"),
    }
}

/// The Parquet name of a CSV column, as docs/outputs.md states it.
fn parquet_name(csv: &str) -> String {
    csv.replace('.', "__")
}

/// Checks that the Parquet file holds the CSV's columns in order (named without dots) with
/// the types `kind` gives, and the CSV's values cell by cell.
fn assert_parquet_is_csv(parquet: &Path, csv: &Path, kind: impl Fn(&str) -> &'static str) {
    let (header, rows) = csv_table(csv);
    let (schema, prows) = parquet_table(parquet);
    assert_eq!(schema.len(), header.len());
    assert_eq!(prows.len(), rows.len(), "{}", parquet.display());
    for ((name, physical, logical), h) in schema.iter().zip(&header) {
        assert_eq!(name, &parquet_name(h));
        assert!(!name.contains('.'), "{name}");
        let expected = match kind(h) {
            "int" => (PhysicalType::INT64, Some(LogicalType::integer(64, true))),
            "date" => (PhysicalType::INT32, Some(LogicalType::Date)),
            "text" => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
            _ => (PhysicalType::DOUBLE, None),
        };
        assert_eq!((*physical, logical.clone()), expected, "{h}");
    }
    for (i, (row, prow)) in rows.iter().zip(&prows).enumerate() {
        for ((cell, field), h) in row.iter().zip(prow).zip(&header) {
            assert_cell(cell, field, &format!("{} row {i} {h}", parquet.display()));
        }
    }
}

fn run(scenario: &str, out: &Path, threads: &str) {
    revsim()
        .arg("run")
        .arg(shipped(scenario))
        .args([
            "-q",
            "--trials",
            "300",
            "--seed",
            "77",
            "--threads",
            threads,
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

const TRIAL_COUNTS: [&str; 13] = [
    "trial",
    "ending_headcount",
    "hires",
    "departures",
    "opportunities_created",
    "deals_won",
    "deals_lost",
    "deals_no_decision",
    "deals_orphaned",
    "deals_open_at_start",
    "deals_open_at_end",
    "vp_changes",
    "vp_transition_months",
];

#[test]
fn run_parquet_holds_the_csv_typed() {
    let tmp = tempfile::tempdir().unwrap();
    for scenario in ["baseline.toml", "vp-churn.toml"] {
        let out = tmp.path().join(scenario);
        run(scenario, &out, "2");
        assert_parquet_is_csv(&out.join("trials.parquet"), &out.join("trials.csv"), |h| {
            if TRIAL_COUNTS.contains(&h) {
                "int"
            } else {
                "double"
            }
        });
        assert_parquet_is_csv(
            &out.join("monthly.parquet"),
            &out.join("monthly.csv"),
            |h| match h {
                "month" => "date",
                "value" => "double",
                _ => "text",
            },
        );
        let (header, _) = csv_table(&out.join("trials.csv"));
        assert!(
            header.iter().any(|h| h.contains('.')),
            "a dotted key path is mapped: {header:?}"
        );
        if scenario == "vp-churn.toml" {
            assert!(header.iter().any(|h| h == "vp_changes"));
        }
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("run.json")).unwrap()).unwrap();
        let files: Vec<&str> = (manifest["files"].as_array().unwrap().iter())
            .map(|f| f.as_str().unwrap())
            .collect();
        for f in ["monthly.parquet", "trials.parquet", "summary.xlsx"] {
            assert!(files.contains(&f), "{f} in run.json: {files:?}");
        }
    }
}

/// The rows of sheet `name` as calamine reads them; the first is the header.
fn sheet(book: &mut Xlsx<std::io::BufReader<fs::File>>, name: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(x) => *x,
        Data::Int(x) => *x as f64,
        Data::Empty => f64::NAN,
        other => panic!("expected a number, got {other:?}"),
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[test]
fn run_workbook_reads_back_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run("baseline.toml", &out, "2");
    let mut book: Xlsx<_> = calamine::open_workbook(out.join("summary.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Summary",
            "Fiscal years",
            "Monthly percentiles",
            "Fields",
            "Notes"
        ]
    );
    book.load_tables().unwrap();
    let mut tables: Vec<&String> = book.table_names();
    tables.sort();
    assert_eq!(tables, ["FiscalYears", "MonthlyPercentiles", "Summary"]);
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();

    // Summary and fiscal years: the header is the first row; every figure is summary.json's.
    for (name, periods) in [
        ("Summary", vec![summary["horizon"].clone()]),
        (
            "Fiscal years",
            summary["fiscal_years"].as_array().unwrap().clone(),
        ),
    ] {
        let rows = sheet(&mut book, name);
        let header: Vec<String> = rows[0].iter().map(text).collect();
        assert_eq!(&header[..4], ["period", "first_month", "months", "trials"]);
        assert_eq!(rows.len(), periods.len() + 1, "{name}");
        let at = |h: &str| header.iter().position(|x| x == h).unwrap();
        for (row, p) in rows[1..].iter().zip(&periods) {
            assert_eq!(text(&row[0]), p["label"].as_str().unwrap());
            match &row[at("first_month")] {
                Data::DateTime(d) => {
                    assert_eq!(d.as_f64(), excel_serial(p["first_month"].as_str().unwrap()))
                }
                other => panic!("first_month is not a date cell: {other:?}"),
            }
            assert_eq!(number(&row[at("months")]), p["months"].as_f64().unwrap());
            assert_eq!(number(&row[at("trials")]), 300.0);
            for (q, st) in [
                ("bookings_usd", "p50"),
                ("bookings_usd", "mean"),
                ("ending_arr_usd", "p10"),
                ("ending_headcount", "p90"),
                ("departures", "sd"),
                ("hires", "max"),
            ] {
                let want = p[q][st].as_f64().unwrap();
                assert_eq!(number(&row[at(&format!("{q}_{st}"))]), want, "{q}_{st}");
            }
            assert_eq!(
                number(&row[at("p_hit_plan")]),
                p["p_hit_plan"]["p"].as_f64().unwrap()
            );
        }
    }

    // Monthly percentiles: one row per month and metric, the statistics across; every value
    // is monthly.csv's.
    let (_, long) = csv_table(&out.join("monthly.csv"));
    let mut csv: HashMap<(String, String, String), String> = HashMap::new();
    for r in &long {
        csv.insert((r[1].clone(), r[2].clone(), r[3].clone()), r[4].clone());
    }
    let rows = sheet(&mut book, "Monthly percentiles");
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(
        header,
        [
            "month", "metric", "mean", "p5", "p10", "p25", "p50", "p75", "p90", "p95"
        ]
    );
    assert_eq!((rows.len() - 1) * 8, long.len());
    for row in &rows[1..] {
        let Data::DateTime(d) = &row[0] else {
            panic!("month is not a date cell: {:?}", row[0])
        };
        let metric = text(&row[1]);
        let month = (long.iter())
            .map(|r| &r[1])
            .find(|m| excel_serial(m) == d.as_f64())
            .unwrap()
            .clone();
        for (cell, stat) in row[2..].iter().zip(&header[2..]) {
            let want = &csv[&(month.clone(), metric.clone(), stat.clone())];
            let want = if want.is_empty() {
                f64::NAN
            } else {
                want.parse().unwrap()
            };
            assert!(
                same(number(cell), want),
                "{month} {metric} {stat}: {cell:?} vs {want}"
            );
        }
    }
}

#[test]
fn new_run_files_are_identical_on_one_and_two_threads() {
    let tmp = tempfile::tempdir().unwrap();
    run("vp-churn.toml", &tmp.path().join("1"), "1");
    run("vp-churn.toml", &tmp.path().join("2"), "2");
    for f in ["monthly.parquet", "trials.parquet", "summary.xlsx"] {
        let a = fs::read(tmp.path().join("1").join(f)).unwrap();
        let b = fs::read(tmp.path().join("2").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn sweep_tables_read_back_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sweep");
    revsim()
        .arg("sweep")
        .arg(shipped("baseline.toml"))
        .args([
            "--vary",
            "org.seats=50,60",
            "--vary",
            "pipeline.opportunities_per_rep_month=3.5,4.5",
            "--trials",
            "100",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let (header, rows) = csv_table(&out.join("sweep.csv"));
    assert_parquet_is_csv(
        &out.join("sweep.parquet"),
        &out.join("sweep.csv"),
        |h| match h {
            "months" | "trials" | "org.seats" => "int",
            "first_month" => "date",
            "variant" | "period" | "scenario_sha256" => "text",
            _ => "double",
        },
    );

    // pandas.read_excel reads the first sheet with its first row as the header: the table.
    let mut book: Xlsx<_> = calamine::open_workbook(out.join("sweep.xlsx")).unwrap();
    assert_eq!(book.sheet_names()[0], "Summary");
    book.load_tables().unwrap();
    let table = book.table_by_name("Summary").unwrap();
    assert_eq!(table.columns(), header.as_slice());
    let cells = sheet(&mut book, "Summary");
    let first: Vec<String> = cells[0].iter().map(text).collect();
    assert_eq!(first, header, "the header is the sheet's first row");
    assert_eq!(cells.len(), rows.len() + 1);
    for (row, csv) in cells[1..].iter().zip(&rows) {
        for ((cell, want), h) in row.iter().zip(csv).zip(&header) {
            match cell {
                Data::String(s) => assert_eq!(s, want, "{h}"),
                Data::DateTime(d) => assert_eq!(d.as_f64(), excel_serial(want), "{h}"),
                Data::Empty => assert_eq!(want, "", "{h}"),
                other => assert_eq!(number(other), want.parse::<f64>().unwrap(), "{h}"),
            }
        }
    }
    // Title and notes went to their own sheet.
    let notes = sheet(&mut book, "Notes");
    assert_eq!(text(&notes[0][0]), "revsim sweep");
}

/// Runs `revsim solve` on the baseline; "no answer in the range" (exit 3) still writes every
/// file.
fn solve(out: &Path, target: &str, vary: &str) {
    let code = revsim()
        .arg("solve")
        .arg(shipped("baseline.toml"))
        .args(["--target", target, "--vary", vary])
        .args(["--trials", "100", "--seed", "77", "-q", "--out"])
        .arg(out)
        .output()
        .unwrap()
        .status
        .code();
    assert!(
        matches!(code, Some(0 | 3)),
        "{target} {vary}: exit {code:?}"
    );
}

#[test]
fn solve_tables_read_back_typed() {
    let tmp = tempfile::tempdir().unwrap();
    for (target, vary, key, metric, whole, format) in [
        (
            "fy2028.bookings_usd.p50 >= 30M",
            "hiring.headcount_plan=0..20:5",
            "hiring.headcount_plan",
            "fy2028.bookings_usd.p50",
            true,
            "USD",
        ),
        (
            "fy2028.p_hit_plan >= 50%",
            "pipeline.opportunities_per_rep_month=3.0..5.0:0.5",
            "pipeline.opportunities_per_rep_month",
            "fy2028.p_hit_plan",
            false,
            "share (%)",
        ),
    ] {
        let out = tmp.path().join(key);
        solve(&out, target, vary);
        let (header, rows) = csv_table(&out.join("solve.csv"));
        assert_eq!(
            header,
            [
                key,
                metric,
                "ci95_low",
                "ci95_high",
                "target_met",
                "reps_in_seat",
                "ramped_reps"
            ]
        );
        // Parquet: the setting as INT64 on a whole grid, no dot in a name, every value the CSV's.
        assert_parquet_is_csv(
            &out.join("solve.parquet"),
            &out.join("solve.csv"),
            |h| match h {
                "target_met" => "text",
                h if h == key && whole => "int",
                _ => "double",
            },
        );
        let (schema, _) = parquet_table(&out.join("solve.parquet"));
        assert_eq!(schema[1].0, metric.replace('.', "__"));

        // The workbook: "Search" is the CSV's table, header first; "Answer" is solve.json's.
        let mut book: Xlsx<_> = calamine::open_workbook(out.join("solve.xlsx")).unwrap();
        assert_eq!(book.sheet_names(), ["Search", "Answer", "Fields", "Notes"]);
        book.load_tables().unwrap();
        let mut tables: Vec<&String> = book.table_names();
        tables.sort();
        assert_eq!(tables, ["Answer", "Search"]);
        let search = sheet(&mut book, "Search");
        let first: Vec<String> = search[0].iter().map(text).collect();
        assert_eq!(first, header);
        assert_eq!(search.len(), rows.len() + 1);
        for (row, csv) in search[1..].iter().zip(&rows) {
            for ((cell, want), h) in row.iter().zip(csv).zip(&header) {
                match cell {
                    Data::String(s) => assert_eq!(s, want, "{h}"),
                    Data::Empty => assert_eq!(want, "", "{h}"),
                    other => assert_eq!(number(other), want.parse::<f64>().unwrap(), "{h}"),
                }
            }
        }
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("solve.json")).unwrap()).unwrap();
        let answer = sheet(&mut book, "Answer");
        assert_eq!(answer.len(), 2, "one row");
        let names: Vec<String> = answer[0].iter().map(text).collect();
        let at = |h: &str| &answer[1][names.iter().position(|x| x == h).unwrap()];
        assert_eq!(text(at("target")), metric);
        assert_eq!(text(at("setting")), key);
        assert_eq!(
            number(at("threshold")),
            json["target"]["threshold"].as_f64().unwrap()
        );
        for (column, field) in [
            ("answer", "answer"),
            ("answer_95_conservative", "answer_95_conservative"),
            ("answer_95_optimistic", "answer_95_optimistic"),
        ] {
            let want = json[field].as_f64().unwrap_or(f64::NAN);
            assert!(same(number(at(column)), want), "{column}: {:?}", at(column));
        }
        assert_eq!(number(at("trials")), 100.0);
        assert_eq!(number(at("seed")), 77.0);
        assert_eq!(
            number(at("runs")),
            json["evaluations"].as_array().unwrap().len() as f64
        );

        // The Fields sheet gives each column's type and format.
        let fields = sheet(&mut book, "Fields");
        let field = |s: &str, name: &str| -> (String, String) {
            let r = fields
                .iter()
                .find(|r| text(&r[0]) == s && text(&r[1]) == name)
                .unwrap_or_else(|| panic!("{s} {name} in Fields"));
            (text(&r[2]), text(&r[3]))
        };
        let kind = if whole { "integer" } else { "decimal" };
        assert_eq!(field("Search", key).0, kind);
        assert_eq!(field("Answer", "answer").0, kind);
        assert_eq!(field("Search", metric), ("decimal".into(), format.into()));
        assert_eq!(field("Search", "ci95_low").1, format);
        assert_eq!(field("Answer", "threshold").1, format);
        assert_eq!(field("Answer", "trials").0, "integer");
    }
}

/// The workbook `path` holds the CSV `csv` as an Excel Table on its first sheet, its header
/// the sheet's first row, each cell equal to the CSV's.
fn assert_workbook_is_csv(path: &Path, csv: &Path) {
    let (header, rows) = csv_table(csv);
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    assert_eq!(book.sheet_names()[0], "Summary");
    book.load_tables().unwrap();
    let table = book.table_by_name("Summary").unwrap();
    assert_eq!(table.columns(), header.as_slice());
    let cells = sheet(&mut book, "Summary");
    let first: Vec<String> = cells[0].iter().map(text).collect();
    assert_eq!(first, header, "the header is the sheet's first row");
    assert_eq!(cells.len(), rows.len() + 1);
    for (row, csv) in cells[1..].iter().zip(&rows) {
        for ((cell, want), h) in row.iter().zip(csv).zip(&header) {
            match cell {
                Data::String(s) => assert_eq!(s, want, "{h}"),
                Data::Empty => assert_eq!(want, "", "{h}"),
                other => assert_eq!(number(other), want.parse::<f64>().unwrap(), "{h}"),
            }
        }
    }
}

#[test]
fn sensitivity_tables_read_back_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("sens");
    revsim()
        .arg("sensitivity")
        .arg(shipped("baseline.toml"))
        .args([
            "--param",
            "attrition.annual_rate",
            "--param",
            "pipeline.cycle_months.mean",
            "--trials",
            "60",
            "--shares-trials",
            "60",
            "-q",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_parquet_is_csv(
        &out.join("sensitivity.parquet"),
        &out.join("sensitivity.csv"),
        |h| match h {
            "rank" => "int",
            "metric" | "parameter" | "low_value" | "high_value" | "basis" => "text",
            _ => "double",
        },
    );
    assert_workbook_is_csv(&out.join("sensitivity.xlsx"), &out.join("sensitivity.csv"));
    assert_parquet_is_csv(
        &out.join("shares.parquet"),
        &out.join("shares.csv"),
        |h| match h {
            "trials" => "int",
            "output" | "period" | "kind" | "name" | "members" => "text",
            _ => "double",
        },
    );
    assert_workbook_is_csv(&out.join("shares.xlsx"), &out.join("shares.csv"));
}
