//! Numbers as the fragment, the report and messages write them: counts with thousands
//! separators and plurals, money rounded to whole dollars, four significant digits, p-values.

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

/// `$30,125`-style money for comments.
pub fn usd(v: f64) -> String {
    let r = money(v);
    let sign = if r < 0.0 { "-" } else { "" };
    if r == r.trunc() && r.abs() < 1e15 {
        format!("{sign}${}", count(r.abs() as usize))
    } else {
        format!("{sign}${}", r.abs())
    }
}

/// A count with thousands separators: 1,234.
pub fn count(n: usize) -> String {
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
        format!("{} {stem}ties", count(n))
    } else {
        format!("{} {noun}s", count(n))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        assert_eq!(counted(1, "owner"), "1 owner");
        assert_eq!(counted(1234, "owner"), "1,234 owners");
        assert_eq!(counted(2, "closed opportunity"), "2 closed opportunities");
        assert_eq!(p_text(0.0004), "p < 0.001");
        assert_eq!(p_text(0.0042), "p = 0.004");
        assert_eq!(p_text(0.5), "p = 0.50");
    }
}
