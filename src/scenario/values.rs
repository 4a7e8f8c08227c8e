//! Numbers checked as they are read: the newtypes whose range errors `toml` reports at the
//! value's line and column (a share from 0 to 1, an amount of money, a monthly growth rate...).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A number from 0 to 1 (a probability, rate or share).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct Probability(pub f64);

impl JsonSchema for Probability {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Probability".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0.0, "maximum": 1.0 })
    }
}

impl TryFrom<f64> for Probability {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if (0.0..=1.0).contains(&v) {
            Ok(Probability(v))
        } else if v > 1.0 && v <= 100.0 {
            // A percentage written for a share: say the fraction it likely means.
            Err(format!(
                "{v} is outside the allowed range 0 to 1; write a share as a fraction: {} for {v}%",
                crate::words::fmt_num(v / 100.0)
            ))
        } else {
            Err(format!(
                "{v} is outside the allowed range 0 to 1; write a share as a fraction, e.g. 0.25 for 25%"
            ))
        }
    }
}

/// A number of 0 or more (money, rates, counts per month).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct NonNegative(pub f64);

impl JsonSchema for NonNegative {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "NonNegative".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0.0 })
    }
}

impl TryFrom<f64> for NonNegative {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if v >= 0.0 && v.is_finite() {
            Ok(NonNegative(v))
        } else {
            Err(format!(
                "{v} is not allowed here; the value must be a finite number of 0 or more"
            ))
        }
    }
}

/// An amount of money in US dollars, from 0 to $1e15 (a guard against typos such as
/// `1e18`: larger amounts would overflow the figures revsim reports).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct Money(pub f64);

/// Largest [`Money`] amount, USD.
pub const MAX_MONEY_USD: f64 = 1e15;

impl JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0.0, "maximum": MAX_MONEY_USD })
    }
}

impl TryFrom<f64> for Money {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if (0.0..=MAX_MONEY_USD).contains(&v) {
            Ok(Money(v))
        } else if v < 0.0 {
            Err(format!(
                "{} is negative; an amount of money must be 0 or more",
                crate::words::fmt_num(v)
            ))
        } else {
            Err(format!(
                "{} is outside the allowed range 0 to 1e15 US dollars; check for extra zeros",
                crate::words::fmt_num(v)
            ))
        }
    }
}

/// A monthly growth rate, from 0 to 0.05 (5% a month, 80% a year): beyond it ARR compounds out
/// of any range revsim can report over a long horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct MonthlyGrowth(pub f64);

/// Largest [`MonthlyGrowth`].
pub const MAX_MONTHLY_GROWTH: f64 = 0.05;

impl JsonSchema for MonthlyGrowth {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MonthlyGrowth".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0.0, "maximum": MAX_MONTHLY_GROWTH })
    }
}

impl TryFrom<f64> for MonthlyGrowth {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if (0.0..=MAX_MONTHLY_GROWTH).contains(&v) {
            Ok(MonthlyGrowth(v))
        } else {
            Err(format!(
                "{} is outside the allowed range 0 to 0.05 (5% a month); write a rate as a fraction, e.g. 0.008 for 0.8% a month",
                crate::words::fmt_num(v)
            ))
        }
    }
}

/// A drift per month on the log scale, from -0.1 to 0.1 (about 10% a month either way): beyond
/// it demand compounds out of any range revsim can simulate over a long horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64")]
pub struct MonthlyTrend(pub f64);

/// Largest [`MonthlyTrend`], either sign.
pub const MAX_MONTHLY_TREND: f64 = 0.1;

impl JsonSchema for MonthlyTrend {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MonthlyTrend".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": -MAX_MONTHLY_TREND, "maximum": MAX_MONTHLY_TREND })
    }
}

impl TryFrom<f64> for MonthlyTrend {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        if (-MAX_MONTHLY_TREND..=MAX_MONTHLY_TREND).contains(&v) {
            Ok(MonthlyTrend(v))
        } else {
            Err(format!(
                "{} is outside the allowed range -0.1 to 0.1 (a drift of about 10% a month); write the drift on the log scale per month, e.g. 0.01 for about 1% a month",
                crate::words::fmt_num(v)
            ))
        }
    }
}
/// Text a report shows and a folder may be named after (a scenario's `name` and
/// `description`, a variant's name): no control character, and no invisible or
/// direction-changing character, which can make a name read as another (U+202E shows
/// `invoice\u{202E}fdp.exe` as `invoiceexe.pdf`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlainText(pub String);

impl JsonSchema for PlainText {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PlainText".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

impl TryFrom<String> for PlainText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match text_problem(&s) {
            Some(problem) => Err(format!("the text {problem}")),
            None => Ok(PlainText(s)),
        }
    }
}

impl From<PlainText> for String {
    fn from(t: PlainText) -> String {
        t.0
    }
}

/// What makes `s` unfit to show as a name, if anything: "holds the control character
/// '\u{7}'; ...", or "holds U+202E (a direction control), ...".
pub fn text_problem(s: &str) -> Option<String> {
    s.chars().find_map(|c| {
        if c.is_control() {
            return Some(format!(
                "holds the control character {c:?}; it would garble reports and the terminal"
            ));
        }
        crate::diagnostic::hidden(c).map(|what| {
            format!(
                "holds U+{:04X} ({what}), which can make it read as other text",
                c as u32
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_refuses_hidden_and_control_characters() {
        assert_eq!(text_problem("Q3 plan – hire faster (EMEA) 2027 🚀"), None);
        assert!(
            text_problem("a\u{7}b")
                .unwrap()
                .contains("control character")
        );
        assert!(
            text_problem("invoice\u{202E}fdp.exe")
                .unwrap()
                .contains("U+202E")
        );
        assert!(text_problem("a\u{200B}b").unwrap().contains("invisible"));
        assert!(text_problem("\u{FEFF}name").is_some());
    }
}
