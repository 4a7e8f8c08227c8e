//! How an exported row becomes won, lost, no decision or still open.
//!
//! revsim's model has three outcomes (MODEL.md: "Deals end won, lost or no decision"). CRMs
//! record them in different ways: an outcome column (revsim's layout), a stage name ("Closed
//! Won", "Closed Lost"), or Salesforce's `Won` and `Closed` check boxes; and "no decision" is
//! usually a *reason* on a lost deal ("No Decision", "Status quo") rather than a stage. The
//! rules, in order (docs/calibrate.md, "Outcomes"):
//!
//! 1. an `outcome` column, read with the stage names below;
//! 2. else the stage name, if it is a known one;
//! 3. else the `won` flag: won if set; otherwise open if a `closed` flag exists and is not set,
//!    lost if it is set (or if there is no `closed` column);
//! 4. a lost deal whose reason is a no-decision reason counts as no decision.
//!
//! Names are compared without case, with `-`, `_` and runs of spaces read as one space, so
//! "Closed-Won", "closed_won" and "CLOSED  WON" are one name.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

/// What became of an opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Closed won: the deal booked.
    Won,
    /// Closed lost: to a competitor, or rejected.
    Lost,
    /// Closed without a decision: the buyer did nothing.
    NoDecision,
    /// Still open at the time of the export.
    Open,
}

impl Outcome {
    /// The decided outcomes, in the order the scenario writes them.
    pub const CLOSED: [Outcome; 3] = [Outcome::Won, Outcome::Lost, Outcome::NoDecision];

    /// How the outcome reads in messages and tables: "won", "lost", "no decision", "open".
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::Lost => "lost",
            Outcome::NoDecision => "no decision",
            Outcome::Open => "open",
        }
    }
}

/// What a stage name means: an outcome, or a row to leave out (test deals, duplicates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageMeaning {
    /// The row has this outcome.
    Outcome(Outcome),
    /// The row is not an opportunity to learn from; it is counted and left out.
    Ignore,
}

/// Built-in stage and outcome names. Salesforce's and HubSpot's default open stages are listed
/// so that an export that includes open deals reads without flags.
const BUILT_IN_STAGES: &[(&str, StageMeaning)] = {
    use Outcome::*;
    use StageMeaning::Outcome as O;
    &[
        ("won", O(Won)),
        ("closed won", O(Won)),
        ("closedwon", O(Won)),
        ("win", O(Won)),
        ("lost", O(Lost)),
        ("closed lost", O(Lost)),
        ("closedlost", O(Lost)),
        ("loss", O(Lost)),
        ("no decision", O(NoDecision)),
        ("nodecision", O(NoDecision)),
        ("closed no decision", O(NoDecision)),
        ("open", O(Open)),
        // Salesforce's default opportunity stages.
        ("prospecting", O(Open)),
        ("qualification", O(Open)),
        ("needs analysis", O(Open)),
        ("value proposition", O(Open)),
        ("id. decision makers", O(Open)),
        ("perception analysis", O(Open)),
        ("proposal/price quote", O(Open)),
        ("negotiation/review", O(Open)),
        // HubSpot's default sales pipeline.
        ("appointment scheduled", O(Open)),
        ("qualified to buy", O(Open)),
        ("presentation scheduled", O(Open)),
        ("decision maker bought in", O(Open)),
        ("contract sent", O(Open)),
    ]
};

/// Built-in reasons that turn a lost deal into no decision: the buyer chose to do nothing.
const BUILT_IN_NO_DECISION_REASONS: &[&str] = &[
    "no decision",
    "no decision made",
    "nodecision",
    "status quo",
    "do nothing",
    "stalled",
    "went dark",
    "no response",
];

/// The stage and reason names in force: the built-in ones plus the user's `--stage` and
/// `--no-decision` additions (which win over the built-in ones).
#[derive(Debug, Clone)]
pub struct OutcomeRules {
    stages: HashMap<String, StageMeaning>,
    no_decision_reasons: HashSet<String>,
}

impl Default for OutcomeRules {
    fn default() -> Self {
        OutcomeRules {
            stages: BUILT_IN_STAGES
                .iter()
                .map(|(k, v)| (normalise(k), *v))
                .collect(),
            no_decision_reasons: BUILT_IN_NO_DECISION_REASONS
                .iter()
                .map(|k| normalise(k))
                .collect(),
        }
    }
}

/// A name as compared: lower case, `-` and `_` as spaces, runs of spaces as one, trimmed.
pub fn normalise(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .chars()
        .map(|c| if c == '-' || c == '_' { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl OutcomeRules {
    /// Adds (or replaces) a stage name's meaning.
    pub fn set_stage(&mut self, name: &str, meaning: StageMeaning) {
        self.stages.insert(normalise(name), meaning);
    }

    /// Counts `name` as no decision, both as a stage and as a loss reason.
    pub fn add_no_decision(&mut self, name: &str) {
        self.stages
            .insert(normalise(name), StageMeaning::Outcome(Outcome::NoDecision));
        self.no_decision_reasons.insert(normalise(name));
    }

    /// The meaning of a stage (or outcome) name, if known.
    pub fn stage(&self, name: &str) -> Option<StageMeaning> {
        self.stages.get(&normalise(name)).copied()
    }

    /// Whether a loss reason means the buyer made no decision.
    pub fn is_no_decision_reason(&self, reason: &str) -> bool {
        self.no_decision_reasons.contains(&normalise(reason))
    }

    /// The stage names that read as each outcome, for messages and docs, sorted.
    pub fn names_for(&self, meaning: StageMeaning) -> Vec<String> {
        let mut v: Vec<String> = self
            .stages
            .iter()
            .filter(|(_, m)| **m == meaning)
            .map(|(k, _)| k.clone())
            .collect();
        v.sort();
        v
    }
}

/// Parses the argument of `--stage NAME=OUTCOME`: OUTCOME is `won`, `lost`, `no-decision`,
/// `open` or `ignore`.
pub fn parse_stage_flag(arg: &str) -> Result<(String, StageMeaning), String> {
    let Some((name, outcome)) = arg.rsplit_once('=') else {
        return Err(format!(
            "`{arg}` is not NAME=OUTCOME; write e.g. --stage \"Closed - Stalled=no-decision\""
        ));
    };
    let name = name.trim().trim_matches('"').trim();
    if name.is_empty() {
        return Err(format!("`{arg}` has no stage name before `=`"));
    }
    let meaning = match normalise(outcome).as_str() {
        "won" => StageMeaning::Outcome(Outcome::Won),
        "lost" => StageMeaning::Outcome(Outcome::Lost),
        "no decision" => StageMeaning::Outcome(Outcome::NoDecision),
        "open" => StageMeaning::Outcome(Outcome::Open),
        "ignore" => StageMeaning::Ignore,
        other => {
            return Err(format!(
                "`{other}` is not an outcome; write won, lost, no-decision, open or ignore after `=`"
            ));
        }
    };
    Ok((name.to_string(), meaning))
}

/// A check-box value: `1`, `true`, `yes`, `y`, `t` are set; `0`, `false`, `no`, `n`, `f` and an
/// empty cell are not. Anything else is `None`.
pub fn parse_flag(text: &str) -> Option<bool> {
    match normalise(text).as_str() {
        "1" | "true" | "yes" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "n" | "f" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_loosely() {
        let r = OutcomeRules::default();
        for s in [
            "Closed Won",
            "closed-won",
            "CLOSED_WON",
            "  closed   won ",
            "Won",
        ] {
            assert_eq!(r.stage(s), Some(StageMeaning::Outcome(Outcome::Won)), "{s}");
        }
        assert_eq!(
            r.stage("Closed - No Decision"),
            Some(StageMeaning::Outcome(Outcome::NoDecision))
        );
        assert_eq!(
            r.stage("Decision maker bought-in"),
            Some(StageMeaning::Outcome(Outcome::Open))
        );
        assert_eq!(r.stage("Closed - Stalled"), None);
        assert!(r.is_no_decision_reason("Status Quo"));
        assert!(!r.is_no_decision_reason("Price"));
    }

    #[test]
    fn user_names_extend_and_override() {
        let mut r = OutcomeRules::default();
        let (name, m) = parse_stage_flag("Closed - Stalled=no-decision").unwrap();
        r.set_stage(&name, m);
        assert_eq!(
            r.stage("closed stalled"),
            Some(StageMeaning::Outcome(Outcome::NoDecision))
        );
        let (name, m) = parse_stage_flag("Duplicate=ignore").unwrap();
        r.set_stage(&name, m);
        assert_eq!(r.stage("duplicate"), Some(StageMeaning::Ignore));
        r.add_no_decision("Budget frozen");
        assert!(r.is_no_decision_reason("budget frozen"));
        assert!(parse_stage_flag("Closed Won").is_err());
        assert!(parse_stage_flag("X=maybe").unwrap_err().contains("maybe"));
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag("1"), Some(true));
        assert_eq!(parse_flag("TRUE"), Some(true));
        assert_eq!(parse_flag(""), Some(false));
        assert_eq!(parse_flag("0"), Some(false));
        assert_eq!(parse_flag("maybe"), None);
    }
}
