//! Tidy tables written as CSV, Parquet and Excel.
