//! Human formatting of money, counts and shares for tables and charts: $1.2M, $950K, 48%.

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
/// "<0.1%" or ">99.9%", so a small chance is never shown as none.
pub fn pct(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let p = v * 100.0;
    if p > 0.0 && p < 0.05 {
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
        assert_eq!(count(46.0), "46");
        assert_eq!(count(46.25), "46.2");
    }
}
