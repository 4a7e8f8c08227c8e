//! Amounts as CRMs write them: US dollars with or without `$` or `USD`, thousands separated by
//! commas, negative amounts with `-` or in parentheses.

/// Reads an amount: digits with an optional decimal part, optionally `$` or `USD` before or
/// after, thousands separated by commas in groups of three (`$12,500.00`), and `-` or
/// parentheses for a negative amount (accounting style).
pub fn parse_amount(text: &str) -> Result<f64, String> {
    let mut s = text.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    for code in ["USD", "US$"] {
        if let Some(r) = s.strip_prefix(code) {
            s = r.trim_start();
        }
        if let Some(r) = s.strip_suffix(code) {
            s = r.trim_end();
        }
    }
    if let Some(r) = s.strip_prefix('-') {
        negative = !negative;
        s = r.trim_start();
    }
    if let Some(r) = s.strip_prefix('$') {
        s = r.trim_start();
    }
    if let Some(r) = s.strip_prefix('-') {
        negative = !negative;
        s = r;
    }
    if s.is_empty() {
        return Err("there is no number".into());
    }
    if let Some(c) = s.chars().find(|c| "€£¥₹".contains(*c)) {
        return Err(format!(
            "revsim reads US dollars, and `{c}` is another currency; export the amounts converted to USD"
        ));
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let int_ok = if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        (1..=3).contains(&groups[0].len())
            && digits(groups[0])
            && groups[1..].iter().all(|g| g.len() == 3 && digits(g))
    } else {
        digits(int)
    };
    if !int_ok || frac.is_some_and(|f| !digits(f)) {
        return Err(
            if int.contains(',') || frac.is_some_and(|f| f.contains(',')) {
                "commas must separate thousands in groups of three, with `.` before the cents"
                    .into()
            } else {
                "it is not a number".into()
            },
        );
    }
    let plain: String = s.chars().filter(|c| *c != ',').collect();
    let v: f64 = plain
        .parse()
        .map_err(|_| "it is not a number".to_string())?;
    if !v.is_finite() {
        return Err("it is too large".into());
    }
    Ok(if negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_crms_write_them() {
        for (s, v) in [
            ("12500", 12500.0),
            ("12500.5", 12500.5),
            ("$12,500.00", 12500.0),
            ("USD 12,500", 12500.0),
            ("12,500.00 USD", 12500.0),
            ("1,234,567", 1_234_567.0),
            ("(1,200.00)", -1200.0),
            ("-$300", -300.0),
            ("$-300", -300.0),
            ("0", 0.0),
        ] {
            assert_eq!(parse_amount(s), Ok(v), "{s}");
        }
        for s in [
            "",
            "abc",
            "12,50",
            "1,2345",
            "12.500,00",
            "€12,500",
            "$",
            "1e400",
        ] {
            assert!(parse_amount(s).is_err(), "{s} should not parse");
        }
        assert!(
            parse_amount("12.500,00")
                .unwrap_err()
                .contains("groups of three")
        );
        assert!(parse_amount("€1").unwrap_err().contains("another currency"));
    }
}
