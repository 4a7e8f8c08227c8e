//! The page's tables: a header row, body rows, and the cells of a Kolmogorov-Smirnov test.
//! Columns are numbers (right-aligned) except the first and those listed as text.

use std::fmt::Write;

use crate::calibrate::estimate::Ks;
use crate::report::html::escape;
use crate::words::p_text;

/// A table row; cells are numbers (right-aligned) except the first and those in `text`.
pub(super) fn row_with(out: &mut String, cells: &[String], text: &[usize]) {
    out.push_str("<tr>");
    for (i, c) in cells.iter().enumerate() {
        if i == 0 || text.contains(&i) {
            let _ = write!(out, "<td class=\"text\">{c}</td>");
        } else {
            let _ = write!(out, "<td>{c}</td>");
        }
    }
    out.push_str("</tr>\n");
}

/// A row whose cells are numbers except the first.
pub(super) fn row(out: &mut String, cells: &[String]) {
    row_with(out, cells, &[]);
}

/// Opens a table with its header row; the columns are numbers except the first.
pub(super) fn head(out: &mut String, cells: &[&str]) {
    head_with(out, cells, &[]);
}

/// Opens a table with its header row; the columns in `text` hold text.
pub(super) fn head_with(out: &mut String, cells: &[&str], text: &[usize]) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for (i, c) in cells.iter().enumerate() {
        let class = if i == 0 || text.contains(&i) {
            " class=\"text\""
        } else {
            ""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>\n");
}

/// Closes a table.
pub(super) fn end(out: &mut String) {
    out.push_str("</tbody></table></div>\n");
}

/// KS D and its p-value (without the "p = ") as two cells; dashes without a test.
pub(super) fn ks_cells(ks: Option<&Ks>) -> [String; 2] {
    match ks {
        Some(k) => [
            format!("{:.3}", k.d),
            escape(
                p_text(k.p_value)
                    .trim_start_matches("p = ")
                    .trim_start_matches("p "),
            ),
        ],
        None => ["–".into(), "–".into()],
    }
}
