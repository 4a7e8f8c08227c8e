//! Numbers in words, for every table, chart, report and message: money as executives read it
//! ($1.2M, $950K), shares (48%), counts with thousands separators (23,040), plurals, money to
//! the dollar for scenario comments ($30,125), significant digits, p-values, and the plain
//! numbers of error messages. The ground floor: it uses no other module of revsim.

/// Currency with a magnitude suffix: $950, $12.3K, $1.24M, $2.1B.
pub fn usd(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let a = v.abs();
    if a.round() < 1e3 {
        return format!("{sign}${a:.0}");
    }
    // Pick the suffix after rounding, so 999,950 reads $1.00M rather than $1000K.
    for (scale, suffix) in [(1e3, "K"), (1e6, "M"), (1e9, "B")] {
        let x = a / scale;
        let digits = if x >= 100.0 {
            0
        } else if x >= 10.0 {
            1
        } else {
            2
        };
        let shown = format!("{x:.digits$}");
        if shown.parse::<f64>().unwrap_or(x) < 1000.0 || suffix == "B" {
            return format!("{sign}${shown}{suffix}");
        }
    }
    unreachable!("the B suffix always returns")
}

/// A share as a percentage with no decimals: 0.483 -> "48%". A share that is not exactly 0 or 1
/// but would round to 0% or 100% keeps one decimal ("0.3%", "99.6%"), and beyond that reads
/// "<0.1%" or ">99.9%", so a small chance is never shown as none. A negative share that rounds
/// to 0 (an estimate a little below 0 by sampling noise) reads "0%", never "-0%".
pub fn pct(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let p = v * 100.0;
    if p <= 0.0 && p > -0.5 {
        "0%".into()
    } else if p > 0.0 && p < 0.05 {
        "<0.1%".into()
    } else if p < 100.0 && p > 99.95 {
        ">99.9%".into()
    } else if (p > 0.0 && p < 0.5) || (99.5..100.0).contains(&p) {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A count or average count: whole numbers plainly, others with one decimal.
pub fn count(v: f64) -> String {
    if !v.is_finite() {
        "-".into()
    } else if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// "1 trial", "300 trials".
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `v` rounded to `digits` significant digits.
pub fn sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// Money rounded for reading: whole dollars from $1,000, else four significant digits.
pub fn money(v: f64) -> f64 {
    if v.abs() >= 1000.0 {
        v.round()
    } else {
        sig(v, 4)
    }
}

/// `$30,125`-style money, to the dollar, for scenario comments.
pub fn usd_whole(v: f64) -> String {
    let r = money(v);
    let sign = if r < 0.0 { "-" } else { "" };
    if r == r.trunc() && r.abs() < 1e15 {
        format!("{sign}${}", thousands(r.abs() as usize))
    } else {
        format!("{sign}${}", r.abs())
    }
}

/// A whole number with thousands separators: 23040 -> "23,040".
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1 owner", "1,234 owners", "2 opportunities".
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix("ty") {
        format!("{} {stem}ties", thousands(n))
    } else {
        format!("{} {noun}s", thousands(n))
    }
}

/// "p = 0.93", "p < 0.001".
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// The width every table and message of the terminal keeps within: 80 columns.
pub const WIDTH: usize = 80;

/// `text` broken into lines of at most [`WIDTH`] characters at spaces: paragraphs as the
/// terminal shows them (each line of `text` wrapped on its own).
pub fn para(text: &str) -> String {
    text.split('\n')
        .map(|line| wrap(line, WIDTH))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` broken at spaces into lines of at most [`WIDTH`] characters, the first line starting
/// with `first` and the others with `rest` (a hanging indent for a list's items).
pub fn hang(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::from(first);
    let mut line = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if !empty && line + 1 + n > WIDTH {
            out.push('\n');
            out.push_str(rest);
            line = rest.chars().count();
        } else if !empty {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
        empty = false;
    }
    out
}

/// `text` broken into lines of at most `width` characters at spaces (a longer word stands on a
/// line of its own).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if line > 0 && line + 1 + n > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += n;
    }
    out
}

/// A number as messages show it: whole numbers as integers, others to 4 decimals, very large
/// and very small ones in scientific notation.
pub fn fmt_num(v: f64) -> String {
    if v.is_infinite() {
        return if v > 0.0 {
            "infinity".into()
        } else {
            "-infinity".into()
        };
    }
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 1e15 || (v != 0.0 && v.abs() < 1e-4) {
        // Scientific beyond what a planner reads as digits: 1e15, 6.368e14, 5e-324.
        let s = format!("{v:.3e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_money_like_a_cfo() {
        assert_eq!(usd(950.0), "$950");
        assert_eq!(usd(12_345.0), "$12.3K");
        assert_eq!(usd(1_240_000.0), "$1.24M");
        assert_eq!(usd(48_000_000.0), "$48.0M");
        assert_eq!(usd(-2_100_000_000.0), "-$2.10B");
        assert_eq!(usd(999_950.0), "$1.00M");
        assert_eq!(usd(999.6), "$1.00K");
        assert_eq!(pct(0.483), "48%");
        assert_eq!(pct(1.0), "100%");
        assert_eq!(pct(0.9962), "99.6%");
        assert_eq!(pct(0.003), "0.3%");
        assert_eq!(pct(0.0004), "<0.1%");
        assert_eq!(pct(0.0), "0%");
        // Sampling noise a little below 0 is no share, not "-0%"; a clear negative keeps its sign.
        assert_eq!(pct(-0.004), "0%");
        assert_eq!(pct(-0.0), "0%");
        assert_eq!(pct(-0.03), "-3%");
        assert_eq!(count(46.0), "46");
        assert_eq!(count(46.25), "46.2");
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(counted(1, "owner"), "1 owner");
        assert_eq!(counted(1234, "owner"), "1,234 owners");
        assert_eq!(counted(2, "closed opportunity"), "2 closed opportunities");
        assert_eq!(p_text(0.0004), "p < 0.001");
        assert_eq!(p_text(0.0042), "p = 0.004");
        assert_eq!(p_text(0.5), "p = 0.50");
        assert_eq!(thousands(23040), "23,040");
        assert_eq!(usd_whole(30125.4), "$30,125");
        assert_eq!(plural(1, "trial"), "1 trial");
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc");
        assert_eq!(wrap("a verylongword b", 4), "a\nverylongword\nb");
        let long = "word ".repeat(30);
        let hung = hang(&long, "  - ", "    ");
        assert!(hung.lines().all(|l| l.chars().count() <= WIDTH), "{hung}");
        assert!(
            hung.starts_with("  - word") && hung.lines().nth(1).unwrap().starts_with("    word")
        );
        assert_eq!(hang("a b", "  ", "    "), "  a b");
    }
}
