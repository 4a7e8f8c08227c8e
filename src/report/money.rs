//! Human formatting of money, counts and shares for tables and charts: $1.2M, $950K, 48%.

/// Currency with a magnitude suffix: $950, $12.3K, $1.24M, $2.1B.
pub fn usd(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let a = v.abs();
    let sign = if v < 0.0 { "-" } else { "" };
    let (x, suffix) = if a >= 1e9 {
        (a / 1e9, "B")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "K")
    } else {
        return format!("{sign}${a:.0}");
    };
    let digits = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    format!("{sign}${x:.digits$}{suffix}")
}

/// A share as a percentage with no decimals: 0.483 -> "48%".
pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.0}%", v * 100.0)
    } else {
        "-".into()
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
        assert_eq!(pct(0.483), "48%");
        assert_eq!(count(46.0), "46");
        assert_eq!(count(46.25), "46.2");
    }
}
