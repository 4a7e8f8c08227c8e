//! The simulation clock: calendar months written `"2027-01"`, and fiscal years over a horizon.
//!
//! Months are the model's time step (docs/model.md, "Clock"). Month index 0 is the start month.
//! A fiscal year is named after the calendar year in which it *ends* (the common US
//! convention: with a February start, FY2028 runs from February 2027 to January 2028); with a
//! January start it is the calendar year.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A calendar month such as 2027-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Months since year 0: `year * 12 + (month - 1)`.
    ordinal: i32,
}

impl YearMonth {
    /// Builds a month from a year and a month number (1-12).
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1900..=2200).contains(&year)).then(|| YearMonth {
            ordinal: year * 12 + month as i32 - 1,
        })
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.ordinal.div_euclid(12)
    }

    /// The month number, 1-12.
    pub fn month(self) -> u32 {
        (self.ordinal.rem_euclid(12) + 1) as u32
    }

    /// The month `n` months later (or earlier, if negative).
    pub fn plus(self, n: i32) -> Self {
        YearMonth {
            ordinal: self.ordinal + n,
        }
    }

    /// Months from `earlier` to `self`.
    pub fn months_since(self, earlier: YearMonth) -> i32 {
        self.ordinal - earlier.ordinal
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl FromStr for YearMonth {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a month; write it as \"YYYY-MM\", e.g. \"2027-01\"");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let y: i32 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        YearMonth::new(y, m).ok_or_else(bad)
    }
}

impl TryFrom<String> for YearMonth {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for YearMonth {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "YearMonth".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$",
            "description": "A calendar month, \"YYYY-MM\"."
        })
    }
}

/// One fiscal year (or the part of it) inside the horizon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiscalYear {
    /// Label such as "FY2028" (named by the calendar year in which the fiscal year ends).
    pub label: String,
    /// First month index inside the horizon.
    pub first_month: usize,
    /// Number of months of this fiscal year inside the horizon (12 unless cut by the horizon).
    pub months: usize,
}

impl FiscalYear {
    /// Month indices of this fiscal year inside the horizon.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.first_month..self.first_month + self.months
    }
}

/// Splits a horizon of `horizon` months from `start` into fiscal years starting in
/// `fy_start_month` (1-12). The first and last may be partial.
pub fn fiscal_years(start: YearMonth, horizon: usize, fy_start_month: u32) -> Vec<FiscalYear> {
    let mut out: Vec<FiscalYear> = Vec::new();
    for t in 0..horizon {
        let ym = start.plus(t as i32);
        let begins = ym.month() == fy_start_month;
        if t == 0 || begins {
            // The fiscal year containing `ym` ends in the calendar year of its last month.
            let months_to_end = (fy_start_month as i32 - ym.month() as i32 - 1).rem_euclid(12);
            let end = ym.plus(months_to_end);
            out.push(FiscalYear {
                label: format!("FY{}", end.year()),
                first_month: t,
                months: 0,
            });
        }
        out.last_mut().expect("pushed at t = 0").months += 1;
    }
    out
}

/// "Jan 2027" for month `i` after `start`.
pub fn month_label(start: YearMonth, i: i32) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = start.plus(i);
    format!("{} {}", NAMES[(m.month() - 1) as usize], m.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_months() {
        let m: YearMonth = "2027-01".parse().unwrap();
        assert_eq!(m.to_string(), "2027-01");
        assert_eq!(m.plus(13).to_string(), "2028-02");
        assert_eq!(m.plus(-1).to_string(), "2026-12");
        assert_eq!("2028-02".parse::<YearMonth>().unwrap().months_since(m), 13);
        for bad in ["2027-13", "2027-1", "27-01", "2027/01", "", "2027-00"] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
    }

    #[test]
    fn calendar_fiscal_years() {
        let fys = fiscal_years("2027-01".parse().unwrap(), 36, 1);
        let labels: Vec<_> = fys
            .iter()
            .map(|f| (f.label.as_str(), f.first_month, f.months))
            .collect();
        assert_eq!(
            labels,
            [("FY2027", 0, 12), ("FY2028", 12, 12), ("FY2029", 24, 12)]
        );
    }

    #[test]
    fn february_fiscal_years_are_named_by_their_end() {
        let fys = fiscal_years("2027-01".parse().unwrap(), 14, 2);
        let labels: Vec<_> = fys
            .iter()
            .map(|f| (f.label.as_str(), f.first_month, f.months))
            .collect();
        // January 2027 closes FY2027; FY2028 runs Feb 2027 - Jan 2028; then one month of FY2029.
        assert_eq!(
            labels,
            [("FY2027", 0, 1), ("FY2028", 1, 12), ("FY2029", 13, 1)]
        );
    }
}
