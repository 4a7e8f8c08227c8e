//! Calendar dates as CRM exports write them, and the day arithmetic the fits need.
//!
//! The fits need only two things from a date: the number of days between two dates (cycle time)
//! and the calendar month it falls in (opportunities per rep-month). Both are a few lines over
//! a day count, so revsim does this itself rather than take a date crate: there are no time
//! zones, times of day or calendars other than the Gregorian one to handle, and the accepted
//! forms are a short documented list.
//!
//! Accepted forms (docs/calibrate.md, "Dates"):
//!
//! | form | example | where it comes from |
//! | --- | --- | --- |
//! | `YYYY-MM-DD` | `2024-01-15` | ISO 8601; revsim's layout, HubSpot |
//! | `YYYY-MM-DD` + time | `2024-01-15 10:23`, `2024-01-15T10:23:00Z` | HubSpot date-times |
//! | `YYYY/MM/DD` | `2024/01/15` | some spreadsheet exports |
//! | `M/D/YYYY` (default) or `D/M/YYYY` (`--date-order dmy`) | `1/15/2024`, `15/1/2024` | Salesforce reports in US (or UK) locale, Excel |
//!
//! A time of day after the date (`10:23`, `10:23 AM`, `T10:23:00-08:00`) is ignored: the date
//! as written counts, whatever the time zone. Two-digit years are refused rather than guessed.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::calendar::YearMonth;

/// Days in an average month, 365.25 / 12 (the mean over a four-year leap cycle): days between
/// two dates divided by this is the cycle time in months.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// A calendar date (proleptic Gregorian), years 1900 to 2200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i32,
}

/// How to read a date written with slashes and the year last (`--date-order`, and
/// `date_order` in a scenario's `[open_pipeline]`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[schemars(
    rename = "CrmDateOrder",
    description = "Day-month order of slash dates."
)]
pub enum DateOrder {
    /// Month first: `1/15/2024` (US; Salesforce's default export locale).
    #[default]
    #[schemars(description = "Month first (US).")]
    Mdy,
    /// Day first: `15/1/2024` (UK, Europe).
    #[schemars(description = "Day first.")]
    Dmy,
}

impl Date {
    /// The date `year-month-day`, if it exists (and the year is 1900 to 2200).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1900..=2200).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days: days_from_civil(year, month, day),
        })
    }

    /// Year, month (1-12) and day (1-31).
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    /// Days from `earlier` to `self` (negative if `self` is earlier).
    pub fn days_since(self, earlier: Date) -> i32 {
        self.days - earlier.days
    }

    /// The date `n` days later (earlier if negative), if it is still in 1900 to 2200.
    pub fn add_days(self, n: i32) -> Option<Date> {
        let (y, m, d) = civil_from_days(self.days + n);
        Date::new(y, m, d)
    }

    /// The calendar month the date falls in.
    pub fn month(self) -> YearMonth {
        let (y, m, _) = self.ymd();
        YearMonth::new(y, m).expect("a valid date has a valid month")
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's `days_from_civil` and `civil_from_days` ("chrono-Compatible Low-Level Date
// Algorithms", 2013): exact for the proleptic Gregorian calendar, no tables.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

/// Reads a date in one of the accepted forms (see the module docs). The error says what is
/// wrong with the value, for a message that also names the file, row and column.
pub fn parse_date(text: &str, order: DateOrder) -> Result<Date, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("the date is empty".into());
    }
    // The date is everything before a time of day: `2024-01-15T10:23`, `1/15/2024 10:23 AM`.
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    if !time.is_empty() && !time.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "`{time}` after the date is not a time of day; {FORMS}"
        ));
    }
    let parts: Vec<&str> = if date.contains('-') {
        date.split('-').collect()
    } else if date.contains('/') {
        date.split('/').collect()
    } else {
        return Err(format!("it is not a date; {FORMS}"));
    };
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("it is not a date; {FORMS}"));
    }
    let num = |p: &str| p.parse::<u32>().unwrap_or(u32::MAX);
    let (y, m, d, year_first) = if parts[0].len() == 4 {
        (num(parts[0]), num(parts[1]), num(parts[2]), true)
    } else if date.contains('-') {
        return Err(format!("a date with dashes is written year first; {FORMS}"));
    } else if parts[2].len() == 4 {
        let (a, b) = (num(parts[0]), num(parts[1]));
        match order {
            DateOrder::Mdy => (num(parts[2]), a, b, false),
            DateOrder::Dmy => (num(parts[2]), b, a, false),
        }
    } else {
        return Err(format!(
            "the year must have four digits (a two-digit year is ambiguous); {FORMS}"
        ));
    };
    let y = y as i32;
    if !(1900..=2200).contains(&y) {
        return Err(format!("the year {y} is outside 1900 to 2200"));
    }
    if !(1..=12).contains(&m) {
        let hint = if !year_first && order == DateOrder::Mdy && (1..=12).contains(&d) {
            "; if your export writes the day first (D/M/YYYY), pass --date-order dmy"
        } else if !year_first && order == DateOrder::Dmy && (1..=12).contains(&d) {
            "; if your export writes the month first (M/D/YYYY), drop --date-order dmy"
        } else {
            ""
        };
        return Err(format!("the month {m} is not from 1 to 12{hint}"));
    }
    Date::new(y, m, d).ok_or_else(|| {
        format!(
            "{} {y} has no day {d}",
            [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December"
            ][(m - 1) as usize]
        )
    })
}

const FORMS: &str = "write dates as YYYY-MM-DD (e.g. 2024-01-15) or M/D/YYYY (e.g. 1/15/2024; D/M/YYYY with --date-order dmy)";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s, DateOrder::Mdy).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn day_counts_match_known_intervals() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days, 0);
        assert_eq!(
            d("2000-03-01").days_since(d("2000-02-28")),
            2,
            "2000 is a leap year"
        );
        assert_eq!(
            d("1900-03-01").days_since(d("1900-02-28")),
            1,
            "1900 is not"
        );
        assert_eq!(d("2025-01-01").days_since(d("2024-01-01")), 366);
        assert_eq!(d("2024-02-28").add_days(2), Some(d("2024-03-01")));
        assert_eq!(d("1900-01-01").add_days(-1), None);
        // Round trip over two centuries, every day.
        for days in days_from_civil(1900, 1, 1)..=days_from_civil(2100, 12, 31) {
            let (y, m, dd) = civil_from_days(days);
            assert_eq!(Date::new(y, m, dd).unwrap().days, days);
        }
    }

    #[test]
    fn accepts_the_documented_forms() {
        let want = Date::new(2024, 1, 15).unwrap();
        for s in [
            "2024-01-15",
            "2024-1-15",
            "2024/01/15",
            "1/15/2024",
            "01/15/2024",
            "2024-01-15 10:23",
            "2024-01-15T10:23:00Z",
            "2024-01-15T10:23:00-08:00",
            "1/15/2024 10:23 AM",
            " 2024-01-15 ",
        ] {
            assert_eq!(d(s), want, "{s}");
        }
        assert_eq!(parse_date("15/1/2024", DateOrder::Dmy).unwrap(), want);
        assert_eq!(want.to_string(), "2024-01-15");
        assert_eq!(want.month().to_string(), "2024-01");
    }

    #[test]
    fn refuses_what_it_cannot_read_and_says_why() {
        let e = |s: &str| parse_date(s, DateOrder::Mdy).unwrap_err();
        assert!(e("").contains("empty"));
        assert!(
            e("2024-02-30").contains("February 2024 has no day 30"),
            "{}",
            e("2024-02-30")
        );
        assert!(e("2023-02-29").contains("no day 29"));
        assert!(
            e("15/1/2024").contains("--date-order dmy"),
            "{}",
            e("15/1/2024")
        );
        assert!(e("1/15/24").contains("four digits"));
        assert!(e("Jan 15, 2024").contains("not a date"));
        assert!(e("15-01-2024").contains("year first"));
        assert!(e("2024-13-01").contains("month 13"));
        assert!(e("2024-01-15 noon").contains("not a time of day"));
        assert!(e("1850-01-01").contains("outside 1900 to 2200"));
    }
}
