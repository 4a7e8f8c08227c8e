//! How the fragment writes values: TOML numbers and strings as a planner would type them,
//! outcome shares in basis points that sum to exactly 1, and `#` comments wrapped at 99
//! characters.

use std::fmt::Write;

/// A number as TOML writes it: the shortest form that reads back to the same value, with `_`
/// between thousands for whole numbers of five digits or more (`30_125`).
pub fn toml_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        let digits = format!("{}", v.abs() as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) && digits.len() >= 5 {
                out.push('_');
            }
            out.push(c);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{v}")
    }
}

/// A TOML basic string.
pub fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Appends `text` as `#` comment lines of at most 99 characters.
pub(crate) fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 99 && line.len() > 1 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// Outcome shares in basis points, rounded so that they sum to exactly 10,000.
pub fn shares_bp(won: f64, lost: f64) -> (u32, u32, u32) {
    let w = (won * 10_000.0).round().clamp(0.0, 10_000.0) as u32;
    let l = ((lost * 10_000.0).round() as u32).min(10_000 - w);
    (w, l, 10_000 - w - l)
}

/// Basis points as a TOML decimal, with at least one digit after the point: 2500 is `0.25`,
/// 10,000 is `1.0`.
pub(super) fn bp(v: u32) -> String {
    let s = format!("{:.4}", f64::from(v) / 10_000.0);
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{money, sig, thousands as count, usd_whole as usd};

    #[test]
    fn numbers_read_like_the_bundled_scenarios() {
        assert_eq!(toml_number(30125.0), "30_125");
        assert_eq!(toml_number(1_234_567.0), "1_234_567");
        assert_eq!(toml_number(9500.0), "9500");
        assert_eq!(toml_number(3.104), "3.104");
        assert_eq!(toml_number(0.0), "0");
        assert_eq!(sig(1.23456, 4), 1.235);
        assert_eq!(sig(0.0712345, 3), 0.0712);
        assert_eq!(sig(30125.4, 4), 30130.0);
        assert_eq!(money(30125.4), 30125.0);
        assert_eq!(money(35.456), 35.46);
        assert_eq!(usd(30125.4), "$30,125");
        assert_eq!(usd(1500.0), "$1,500");
        assert_eq!(usd(950.0), "$950");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(toml_string("a \"b\"\\"), "\"a \\\"b\\\"\\\\\"");
    }

    #[test]
    fn shares_always_sum_to_one() {
        for (w, l) in [
            (0.25, 0.35),
            (1.0 / 3.0, 1.0 / 3.0),
            (0.99995, 0.00005),
            (0.0, 1.0),
        ] {
            let (a, b, c) = shares_bp(w, l);
            assert_eq!(a + b + c, 10_000);
            let sum: f64 = [a, b, c]
                .iter()
                .map(|v| bp(*v).parse::<f64>().unwrap())
                .sum();
            assert!((sum - 1.0).abs() < 1e-12, "{w} {l}: {sum}");
        }
        assert_eq!(bp(2500), "0.25");
        assert_eq!(bp(0), "0.0");
        assert_eq!(bp(10_000), "1.0");
    }
}
