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
//! | `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` | `2024-01-15` | ISO 8601; revsim's layout, HubSpot |
//! | three numbers, the year last, in `--date-order` | `1/15/2024`, `15/1/2024`, `15.01.2024`, `15-01-2024` | Salesforce reports, Excel in each locale |
//! | two-digit years, in `--date-order` | `1/15/24`, `15-01-24`, `24-01-15` (ymd) | spreadsheets |
//! | a month name | `15 Jan 2024`, `Jan 15, 2024`, `15-Jan-24`, `January 15 2024` | spreadsheets, reports |
//! | any of these + a time | `2024-01-15 10:23`, `2024-01-15T10:23:00Z`, `1/15/2024 1:45 PM` | date-time columns |
//!
//! A time of day after the date (`10:23`, `1:45 PM`, `T10:23:00-08:00`) is checked and ignored:
//! the date as written counts, whatever the time zone. A two-digit year `YY` is 20YY below
//! [`TWO_DIGIT_YEAR_PIVOT`] and 19YY from it. Without `--date-order`, the order is found from
//! the file ([`OrderEvidence`]): the one order that reads every date, or an error naming a cell
//! that two orders read differently.

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

/// The order of day, month and year in a date written as three numbers (`--date-order`, and
/// `date_order` in a scenario's `[open_pipeline]`). A date that starts with a four-digit year
/// (`2024-01-15`) or names its month (`15 Jan 2024`) reads the same in every order.
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
    /// Month first: `1/15/2024`, `1/15/24` (US; Salesforce's default export locale).
    #[default]
    #[schemars(description = "Month first (US).")]
    Mdy,
    /// Day first: `15/1/2024`, `15.01.2024`, `15-01-24` (UK, Europe).
    #[schemars(description = "Day first.")]
    Dmy,
    /// Year first with a two-digit year: `24-01-15` (four-digit years come first in any order).
    #[schemars(description = "Year first, for two-digit years.")]
    Ymd,
}

impl DateOrder {
    /// Every order, in the order of preference when several read a file alike.
    pub const ALL: [DateOrder; 3] = [DateOrder::Mdy, DateOrder::Dmy, DateOrder::Ymd];

    /// The name `--date-order` takes.
    pub fn name(self) -> &'static str {
        match self {
            DateOrder::Mdy => "mdy",
            DateOrder::Dmy => "dmy",
            DateOrder::Ymd => "ymd",
        }
    }

    /// The order in words: "month first".
    pub fn words(self) -> &'static str {
        match self {
            DateOrder::Mdy => "month first",
            DateOrder::Dmy => "day first",
            DateOrder::Ymd => "year first",
        }
    }
}

impl fmt::Display for DateOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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

/// Two-digit years below this are 2000 and later, the others 1900s: `00` to `68` are 2000 to
/// 2068, `69` to `99` are 1969 to 1999 (the POSIX `strptime` rule for `%y`, as C and Python
/// read two-digit years).
pub const TWO_DIGIT_YEAR_PIVOT: u32 = 69;

/// The four-digit year of a two-digit one ([`TWO_DIGIT_YEAR_PIVOT`]).
pub fn full_year(yy: u32) -> u32 {
    if yy < TWO_DIGIT_YEAR_PIVOT {
        2000 + yy
    } else {
        1900 + yy
    }
}

const MONTHS: [&str; 12] = [
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
    "December",
];

/// The month (1-12) a word names: its full English name or first three letters (and `Sept`),
/// in any case.
fn month_named(word: &str) -> Option<u32> {
    let w = word.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| {
            let m = m.to_ascii_lowercase();
            w == m || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && m == "september")
        })
        .map(|i| i as u32 + 1)
}

/// Reads a date in one of the accepted forms (see the module docs), the order of its numbers
/// given. The error says what is wrong with the value, for a message that also names the file,
/// row and column; when another `--date-order` reads the value, it says so.
pub fn parse_date(text: &str, order: DateOrder) -> Result<Date, String> {
    read(text, order).map_err(|why| {
        let others: Vec<String> = DateOrder::ALL
            .into_iter()
            .filter(|o| *o != order)
            .filter_map(|o| {
                read(text, o)
                    .ok()
                    .map(|d| format!("{d} with --date-order {o}"))
            })
            .collect();
        if others.is_empty() {
            why
        } else {
            format!("{why}; it reads as {}", others.join(", or as "))
        }
    })
}

/// The readings of `text` under each order that reads it (an empty list if none does).
pub fn readings(text: &str) -> Vec<(DateOrder, Date)> {
    DateOrder::ALL
        .into_iter()
        .filter_map(|o| read(text, o).ok().map(|d| (o, d)))
        .collect()
}

fn read(text: &str, order: DateOrder) -> Result<Date, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("the date is empty".into());
    }
    let (date, time) = split_time(s);
    if !time.is_empty() {
        check_time(time)?;
    }
    let (parts, seps) = split_fields(date)?;
    let named: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].bytes().all(|b| b.is_ascii_alphabetic()))
        .collect();
    let numeric = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit());
    let num = |p: &str| p.parse::<u32>().unwrap_or(u32::MAX);
    let year_of = |p: &str| -> Result<u32, String> {
        match p.len() {
            4 => Ok(num(p)),
            1 | 2 => Ok(full_year(num(p))),
            _ => Err(format!(
                "`{p}` is not a year (write it with four digits or two)"
            )),
        }
    };
    let small = |p: &str| p.len() <= 2;
    let (y, m, d) = match named.as_slice() {
        [] => {
            if parts.len() != 3 || !parts.iter().all(|p| numeric(p)) {
                return Err(not_a_date(date));
            }
            if seps.iter().any(|s| *s != seps[0]) || !matches!(seps[0], "-" | "/" | ".") {
                return Err(format!(
                    "its parts are separated by {}, not by one of -, / or .; {FORMS}",
                    seps.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
            }
            let (a, b, c) = (parts[0], parts[1], parts[2]);
            if a.len() == 4 && small(b) && small(c) {
                (num(a), num(b), num(c))
            } else if c.len() == 4 && small(a) && small(b) {
                match order {
                    DateOrder::Mdy => (num(c), num(a), num(b)),
                    DateOrder::Dmy => (num(c), num(b), num(a)),
                    DateOrder::Ymd => {
                        return Err(
                            "it ends with a four-digit year, but --date-order ymd puts the year first".into(),
                        );
                    }
                }
            } else if small(a) && small(b) && small(c) {
                match order {
                    DateOrder::Mdy => (full_year(num(c)), num(a), num(b)),
                    DateOrder::Dmy => (full_year(num(c)), num(b), num(a)),
                    DateOrder::Ymd => (full_year(num(a)), num(b), num(c)),
                }
            } else {
                return Err(not_a_date(date));
            }
        }
        [k] => {
            let m = month_named(parts[*k])
                .ok_or_else(|| format!("`{}` is not the name of a month; {FORMS}", parts[*k]))?;
            let rest: Vec<&str> = (0..parts.len())
                .filter(|i| i != k)
                .map(|i| parts[i])
                .collect();
            if parts.len() != 3 || !rest.iter().all(|p| numeric(p)) {
                return Err(not_a_date(date));
            }
            let (p, q) = (rest[0], rest[1]);
            match k {
                // `Oct 16, 2020`, `October 16 2020`, `Oct-16-20`.
                0 if small(p) => (year_of(q)?, m, num(p)),
                // `2020-Oct-16`, `16 Oct 2020`, `16-Oct-20`: a two-digit pair is day, year.
                1 if p.len() == 4 && small(q) => (num(p), m, num(q)),
                1 if small(p) => (year_of(q)?, m, num(p)),
                _ => return Err(not_a_date(date)),
            }
        }
        _ => return Err(not_a_date(date)),
    };
    let y = y as i32;
    if !(1900..=2200).contains(&y) {
        return Err(format!("the year {y} is outside 1900 to 2200"));
    }
    if !(1..=12).contains(&m) {
        return Err(format!("the month {m} is not from 1 to 12"));
    }
    Date::new(y, m, d).ok_or_else(|| format!("{} {y} has no day {d}", MONTHS[(m - 1) as usize]))
}

fn not_a_date(date: &str) -> String {
    format!("`{date}` is not a date; {FORMS}")
}

/// The date and the time of day after it (empty if none): after a `T` between digits
/// (`2024-01-15T10:23`), or from the first word with a colon (`1/15/2024 10:23 AM`); a word
/// after the date that is not a time (`2024-01-15 noon`) is taken as the time, to be refused.
fn split_time(s: &str) -> (&str, &str) {
    let b = s.as_bytes();
    for i in 1..b.len().saturating_sub(1) {
        if matches!(b[i], b'T' | b't') && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit() {
            return (&s[..i], &s[i + 1..]);
        }
    }
    let mut at = 0;
    for word in s.split_whitespace() {
        let start = at + s[at..].find(word).expect("a word of s");
        if word.contains(':') {
            return (s[..start].trim_end(), &s[start..]);
        }
        at = start + word.len();
    }
    // A last word after a complete numeric date: `2024-01-15 noon`.
    if let Some((date, last)) = s.rsplit_once(char::is_whitespace)
        && date.trim().contains(['-', '/', '.'])
        && !date.trim().contains(char::is_whitespace)
        && month_named(last).is_none()
    {
        return (date.trim_end(), last);
    }
    (s, "")
}

/// A time of day as exports write it: `H:MM`, `H:MM:SS`, `H:MM:SS.fff`, then optionally `AM`
/// or `PM` and a zone (`Z`, `+01:00`, `-0800`, `UTC`). It is checked, then ignored.
fn check_time(t: &str) -> Result<(), String> {
    let bad = || format!("`{t}` after the date is not a time of day; {FORMS}");
    let mut rest = t.trim();
    let mut clock = Vec::new();
    loop {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 2 {
            return Err(bad());
        }
        clock.push(rest[..n].parse::<u32>().map_err(|_| bad())?);
        rest = &rest[n..];
        if clock.len() < 3 && rest.starts_with(':') {
            rest = &rest[1..];
        } else {
            break;
        }
    }
    if clock.len() < 2 {
        return Err(bad());
    }
    if let Some(frac) = rest.strip_prefix(['.', ',']) {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let mut half_day = false;
    loop {
        rest = rest.trim_start();
        let lower = rest.to_ascii_lowercase();
        if rest.is_empty() {
            break;
        } else if let Some(r) = ["am", "pm", "a.m.", "p.m."]
            .iter()
            .find(|p| lower.starts_with(*p))
        {
            half_day = true;
            rest = &rest[r.len()..];
        } else if rest.starts_with(['+', '-']) {
            let n = rest[1..]
                .bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b':')
                .count();
            if n == 0 {
                return Err(bad());
            }
            rest = &rest[1 + n..];
        } else {
            let n = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            // `Z`, `UTC`, `GMT`, `CEST`: a zone's name or abbreviation.
            if n == 0 || n > 5 || !rest[..n].bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(bad());
            }
            rest = &rest[n..];
        }
    }
    let hours = if half_day { 1..=12 } else { 0..=23 };
    if !hours.contains(&clock[0]) || clock[1] > 59 || clock.get(2).is_some_and(|s| *s > 60) {
        return Err(format!(
            "`{t}` after the date is not a time of day (hour or minute out of range)"
        ));
    }
    Ok(())
}

/// The words and numbers of a date and the separators between them: `16 Oct, 2020` is
/// (`16`, `Oct`, `2020`) and (` `, `, `), each separator trimmed unless it is only spaces.
fn split_fields(date: &str) -> Result<(Vec<&str>, Vec<&str>), String> {
    let mut parts = Vec::new();
    let mut seps = Vec::new();
    let mut rest = date;
    loop {
        let n = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if n == 0 {
            return Err(not_a_date(date));
        }
        parts.push(&rest[..n]);
        rest = &rest[n..];
        if rest.is_empty() {
            break;
        }
        let m = rest
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let sep = &rest[..m];
        if m == rest.len()
            || !sep
                .chars()
                .all(|c| matches!(c, '-' | '/' | '.' | ',' | ' '))
        {
            return Err(not_a_date(date));
        }
        seps.push(if sep.trim().is_empty() {
            " "
        } else {
            sep.trim()
        });
        rest = &rest[m..];
    }
    Ok((parts, seps))
}

const FORMS: &str = "write dates as YYYY-MM-DD (2024-01-15), with slashes, dashes or dots in the order --date-order gives (1/15/2024, 15.01.2024, 15-01-24), or with a month name (15 Jan 2024, Jan 15, 2024)";

/// A cell of an export, for messages: its row, column and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateCell {
    /// The row, counted as a spreadsheet does (the header is row 1).
    pub row: usize,
    /// The column's header.
    pub column: String,
    /// The cell as written.
    pub value: String,
}

impl fmt::Display for DateCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}, column \"{}\": \"{}\"",
            self.row, self.column, self.value
        )
    }
}

/// A cell's date under each order that reads it.
type Readings = Vec<(DateOrder, Date)>;

/// The order of day, month and year found from an export's dates when `--date-order` is not
/// given: every date cell is read under each order, and the orders that read all of them are
/// kept ([`OrderEvidence::resolve`]).
#[derive(Debug, Clone, Default)]
pub struct OrderEvidence {
    /// The orders still possible, as a bit per [`DateOrder::ALL`] entry.
    possible: u8,
    /// The cells that ruled an order out, with the orders that read them, in file order.
    narrowed_by: Vec<(DateCell, u8)>,
    /// The first cell two orders read as different dates, by pair of orders (bits).
    differs: Vec<(u8, DateCell, Readings)>,
    /// Whether a cell has been seen yet.
    started: bool,
}

/// The order a file's dates were read in, and the cell that showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundOrder {
    /// The order used.
    pub order: DateOrder,
    /// The first cell only this order reads, when the order mattered.
    pub decided_by: Option<DateCell>,
}

/// Why an export's dates have no one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderProblem {
    /// More than one order reads every date, and they read some differently: the first such
    /// cell and its readings.
    Ambiguous(DateCell, Vec<(DateOrder, Date)>),
    /// No order reads every date: a cell read only in some orders, and a later cell read only
    /// in others.
    Conflict((DateCell, Vec<DateOrder>), (DateCell, Vec<DateOrder>)),
}

fn bit(o: DateOrder) -> u8 {
    1 << DateOrder::ALL.iter().position(|x| *x == o).expect("listed")
}

fn orders_of(mask: u8) -> Vec<DateOrder> {
    DateOrder::ALL
        .into_iter()
        .filter(|o| mask & bit(*o) != 0)
        .collect()
}

impl OrderEvidence {
    /// Takes in one date cell. A cell no order reads is left to the row's own error.
    pub fn add(&mut self, row: usize, column: &str, value: &str) {
        if !self.started {
            self.started = true;
            self.possible = 0b111;
        }
        let read = readings(value);
        if read.is_empty() {
            return;
        }
        let cell = || DateCell {
            row,
            column: column.to_string(),
            value: value.trim().to_string(),
        };
        let mask = read.iter().fold(0, |m, (o, _)| m | bit(*o));
        for (i, (oa, da)) in read.iter().enumerate() {
            for (ob, db) in &read[i + 1..] {
                let pair = bit(*oa) | bit(*ob);
                if da != db && !self.differs.iter().any(|(p, _, _)| *p == pair) {
                    self.differs.push((pair, cell(), read.clone()));
                }
            }
        }
        if self.possible & mask != self.possible {
            self.narrowed_by.push((cell(), mask));
            self.possible &= mask;
        }
    }

    /// The order that reads every cell. With several, the first of mdy, dmy, ymd when they
    /// read every cell alike; an [`OrderProblem`] otherwise.
    pub fn resolve(&self) -> Result<FoundOrder, OrderProblem> {
        if !self.started {
            return Ok(FoundOrder {
                order: DateOrder::default(),
                decided_by: None,
            });
        }
        if self.possible == 0 {
            let n = self.narrowed_by.len();
            let (last, last_mask) = &self.narrowed_by[n - 1];
            // The earlier cell whose orders the last one shares none of.
            let (first, first_mask) = self.narrowed_by[..n - 1]
                .iter()
                .rev()
                .find(|(_, m)| m & last_mask == 0)
                .or(self.narrowed_by[..n - 1].last())
                .expect("two cells narrowed the orders to none");
            return Err(OrderProblem::Conflict(
                (first.clone(), orders_of(*first_mask)),
                (last.clone(), orders_of(*last_mask)),
            ));
        }
        if let Some((_, cell, read)) = self
            .differs
            .iter()
            .find(|(pair, _, _)| pair & self.possible == *pair)
        {
            let read = read
                .iter()
                .filter(|(o, _)| self.possible & bit(*o) != 0)
                .copied()
                .collect();
            return Err(OrderProblem::Ambiguous(cell.clone(), read));
        }
        let order = orders_of(self.possible)[0];
        // The cell that ruled out the last order that would have read some cell otherwise.
        let decided_by = self
            .narrowed_by
            .iter()
            .rev()
            .find(|(_, m)| {
                self.differs
                    .iter()
                    .any(|(pair, _, _)| pair & bit(order) != 0 && pair & !m != 0)
            })
            .map(|(c, _)| c.clone());
        Ok(FoundOrder { order, decided_by })
    }
}

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
            "2024.01.15",
            "1/15/2024",
            "01/15/2024",
            "1-15-2024",
            "1.15.2024",
            "1/15/24",
            "2024-01-15 10:23",
            "2024-01-15T10:23:00Z",
            "2024-01-15t10:23:00.123+01:00",
            "2024-01-15T10:23:00-0800",
            "2024-01-15 10:23:00 UTC",
            "1/15/2024 10:23 AM",
            "1/15/2024 1:45PM",
            "1/15/2024 13:45",
            " 2024-01-15 ",
            "15 Jan 2024",
            "15 January 2024",
            "Jan 15, 2024",
            "January 15 2024",
            "JAN-15-2024",
            "15-Jan-24",
            "15-jan-2024",
            "15.Jan.2024",
            "2024-Jan-15",
            "Jan 15, 2024 1:45 PM",
            "15 Jan 2024 13:45",
        ] {
            assert_eq!(d(s), want, "{s}");
        }
        let dmy = |s: &str| parse_date(s, DateOrder::Dmy).unwrap_or_else(|e| panic!("{s}: {e}"));
        for s in [
            "15/1/2024",
            "15/01/2024",
            "15-01-2024",
            "15.01.2024",
            "15.1.24",
            "15-01-24",
            "15/01/2024 10:23",
            "2024-01-15",
            "15 Jan 2024",
        ] {
            assert_eq!(dmy(s), want, "{s}");
        }
        let ymd = |s: &str| parse_date(s, DateOrder::Ymd).unwrap_or_else(|e| panic!("{s}: {e}"));
        for s in [
            "24-01-15",
            "24/1/15",
            "24.01.15",
            "2024-01-15",
            "Jan 15, 2024",
        ] {
            assert_eq!(ymd(s), want, "{s}");
        }
        // The export: day-month-two-digit-year.
        assert_eq!(dmy("20-10-16"), Date::new(2016, 10, 20).unwrap());
        assert_eq!(ymd("20-10-16"), Date::new(2020, 10, 16).unwrap());
        assert_eq!(want.to_string(), "2024-01-15");
        assert_eq!(want.month().to_string(), "2024-01");
        // Other month names and timestamps of the issue.
        let oct16 = Date::new(2020, 10, 16).unwrap();
        for s in [
            "16 Oct 2020",
            "Oct 16, 2020",
            "16-Oct-20",
            "Sept 16 2020",
            "2020-10-16T13:45:00Z",
            "2020-10-16 13:45",
            "10/16/2020 1:45 PM",
        ] {
            let s = s.replace("Sept", "Oct");
            assert_eq!(d(&s), oct16, "{s}");
        }
        assert_eq!(d("Sept 16 2020"), Date::new(2020, 9, 16).unwrap());
    }

    #[test]
    fn two_digit_years_pivot_at_69() {
        assert_eq!(TWO_DIGIT_YEAR_PIVOT, 69);
        assert_eq!(d("1/15/00").ymd().0, 2000);
        assert_eq!(d("1/15/68").ymd().0, 2068);
        assert_eq!(d("1/15/69").ymd().0, 1969);
        assert_eq!(d("1/15/99").ymd().0, 1999);
        assert_eq!(d("15-Jan-05").ymd().0, 2005);
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
        let day_first = e("15/1/2024");
        assert!(day_first.contains("month 15"), "{day_first}");
        assert!(
            day_first.contains("it reads as 2024-01-15 with --date-order dmy"),
            "{day_first}"
        );
        let dashes = e("20-10-16");
        assert!(
            dashes.contains(
                "2016-10-20 with --date-order dmy, or as 2020-10-16 with --date-order ymd"
            ),
            "{dashes}"
        );
        assert!(
            parse_date("1/15/2024", DateOrder::Ymd)
                .unwrap_err()
                .contains("--date-order ymd puts the year first")
        );
        assert!(e("Jun 31, 2024").contains("June 2024 has no day 31"));
        assert!(e("15 Foo 2024").contains("`Foo` is not the name of a month"));
        assert!(e("Jan Feb 2024").contains("not a date"));
        assert!(e("1/15").contains("not a date"));
        assert!(e("1/15/2024/3").contains("not a date"));
        assert!(e("123/1/2024").contains("not a date"));
        assert!(e("15 01 2024").contains("separated by"));
        assert!(e("1/15-2024").contains("separated by"));
        assert!(e("2024-13-01").contains("month 13"));
        assert!(e("2024-01-15 noon").contains("not a time of day"));
        assert!(e("2024-01-15 25:00").contains("out of range"));
        assert!(e("2024-01-15 13:00 PM").contains("out of range"));
        assert!(e("2024-01-15 10:23 tomorrow").contains("not a time of day"));
        assert!(e("1850-01-01").contains("outside 1900 to 2200"));
    }

    fn evidence(cells: &[&str]) -> Result<FoundOrder, OrderProblem> {
        let mut ev = OrderEvidence::default();
        for (i, c) in cells.iter().enumerate() {
            ev.add(i + 2, "Created Date", c);
        }
        ev.resolve()
    }

    #[test]
    fn the_order_is_found_from_the_cells_that_decide_it() {
        // No dates, or none whose order matters: month first.
        let f = evidence(&[]).unwrap();
        assert_eq!((f.order, f.decided_by), (DateOrder::Mdy, None));
        let f = evidence(&["2024-01-15", "15 Jan 2024", "5/5/2024"]).unwrap();
        assert_eq!((f.order, f.decided_by), (DateOrder::Mdy, None));
        // A day over 12 first decides day first; the ambiguous cells before it follow.
        let f = evidence(&["5/6/2024", "2024-01-15", "16/10/2020", "1/2/2024"]).unwrap();
        assert_eq!(f.order, DateOrder::Dmy);
        let c = f.decided_by.unwrap();
        assert_eq!((c.row, c.value.as_str()), (4, "16/10/2020"));
        let f = evidence(&["5/6/2024", "10/16/2020"]).unwrap();
        assert_eq!(f.order, DateOrder::Mdy);
        assert_eq!(f.decided_by.unwrap().row, 3);
        // Two-digit years: a first number over 31 can only be a year.
        let f = evidence(&["20-10-16", "45-01-02"]).unwrap();
        assert_eq!(f.order, DateOrder::Ymd);
        // Cells no order reads are left to their rows' errors.
        let f = evidence(&["16/10/2020", "nonsense", "32/1/2020"]).unwrap();
        assert_eq!(f.order, DateOrder::Dmy);
    }

    #[test]
    fn ambiguity_and_conflict_name_the_cells() {
        match evidence(&["2024-01-15", "5/6/2024", "1/2/2024"]).unwrap_err() {
            OrderProblem::Ambiguous(cell, read) => {
                assert_eq!((cell.row, cell.value.as_str()), (3, "5/6/2024"));
                assert_eq!(
                    read,
                    vec![
                        (DateOrder::Mdy, Date::new(2024, 5, 6).unwrap()),
                        (DateOrder::Dmy, Date::new(2024, 6, 5).unwrap())
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        // The export: day first or year first, until --date-order says.
        match evidence(&["20-10-16", "21-11-16"]).unwrap_err() {
            OrderProblem::Ambiguous(cell, read) => {
                assert_eq!(cell.row, 2);
                let orders: Vec<DateOrder> = read.iter().map(|r| r.0).collect();
                assert_eq!(orders, [DateOrder::Dmy, DateOrder::Ymd]);
            }
            other => panic!("{other:?}"),
        }
        match evidence(&["1/2/2024", "16/10/2020", "10/16/2020"]).unwrap_err() {
            OrderProblem::Conflict((a, ao), (b, bo)) => {
                assert_eq!((a.row, ao), (3, vec![DateOrder::Dmy]));
                assert_eq!((b.row, bo), (4, vec![DateOrder::Mdy]));
            }
            other => panic!("{other:?}"),
        }
    }
}
