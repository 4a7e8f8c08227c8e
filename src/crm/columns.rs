//! Which column holds what: the built-in mapping table of known CRM export layouts, detection
//! from the header row, and explicit `--map FIELD=HEADER` mappings.
//!
//! A layout is a list of header names for each field, in order of preference (a Salesforce
//! report with multiple currencies has both "Amount (converted)" and "Amount"; the converted
//! one is in the corporate currency, so it comes first). Headers are compared like stage
//! names ([`super::outcomes::normalise`]): without case, with `-`, `_` and repeated spaces as one
//! space, and without a leading byte-order mark (Excel writes one).
//!
//! Detection picks the layout that finds every required field (owner, created date, close
//! date, amount, and one source of the outcome: an outcome, stage or won column), counting the
//! `--map` mappings; if several do, the one that recognises the most columns. The table is
//! written out in docs/calibrate.md; a test checks that the two agree.

use std::fmt;

use serde::Serialize;

use super::outcomes::normalise;
use crate::diagnostic::InputError;

/// A piece of information read from a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The opportunity's identifier (optional; with it, duplicate rows are found).
    Id,
    /// The rep who owns the opportunity.
    Owner,
    /// The date the opportunity was created.
    Created,
    /// The date it closed (its expected close date while open).
    Closed,
    /// Its value, in US dollars.
    Amount,
    /// Its outcome written out: won, lost, no decision (or a stage name).
    Outcome,
    /// Its stage name, e.g. "Closed Won".
    Stage,
    /// A won check box (Salesforce's `Won`).
    Won,
    /// A closed check box (Salesforce's `Closed`): unset means still open.
    IsClosed,
    /// The reason a deal was lost (a no-decision reason makes it no decision).
    Reason,
    /// The market segment, e.g. SMB, mid-market, enterprise (optional).
    Segment,
}

impl Field {
    /// Every field, in the order tables list them.
    pub const ALL: [Field; 11] = [
        Field::Id,
        Field::Owner,
        Field::Created,
        Field::Closed,
        Field::Amount,
        Field::Outcome,
        Field::Stage,
        Field::Won,
        Field::IsClosed,
        Field::Reason,
        Field::Segment,
    ];

    /// Fields every export must have (besides a source of the outcome).
    pub const REQUIRED: [Field; 4] = [Field::Owner, Field::Created, Field::Closed, Field::Amount];

    /// Fields that can say how a deal ended; at least one is required.
    pub const OUTCOME_SOURCES: [Field; 3] = [Field::Outcome, Field::Stage, Field::Won];

    /// The name used in `--map` and in fit.json.
    pub fn key(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Owner => "owner",
            Field::Created => "created",
            Field::Closed => "closed",
            Field::Amount => "amount",
            Field::Outcome => "outcome",
            Field::Stage => "stage",
            Field::Won => "won",
            Field::IsClosed => "is_closed",
            Field::Reason => "reason",
            Field::Segment => "segment",
        }
    }

    /// The field named `key`.
    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key.trim())
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A known export layout (`--columns`, and `columns` in a scenario's `[open_pipeline]`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[schemars(
    rename = "CrmLayout",
    description = "A CRM export's column layout (as `revsim calibrate --columns`)."
)]
pub enum Layout {
    /// revsim's own layout: `id, owner, created_date, close_date, amount_usd, outcome`,
    /// optionally `segment, stage, reason`.
    #[schemars(
        description = "revsim's own: id, owner, created_date, close_date, amount_usd, stage."
    )]
    Revsim,
    /// A Salesforce opportunity report exported as CSV.
    #[schemars(description = "A Salesforce opportunity report.")]
    Salesforce,
    /// A HubSpot deals export (CSV).
    #[schemars(description = "A HubSpot deals export.")]
    Hubspot,
}

impl Layout {
    /// Every layout, in the order detection prefers them when they tie.
    pub const ALL: [Layout; 3] = [Layout::Revsim, Layout::Salesforce, Layout::Hubspot];

    /// The layout's name, as `--columns` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Revsim => "revsim",
            Layout::Salesforce => "salesforce",
            Layout::Hubspot => "hubspot",
        }
    }

    /// The header names of `field` in this layout, most preferred first.
    pub fn headers(self, field: Field) -> &'static [&'static str] {
        use Field::*;
        match (self, field) {
            (Layout::Revsim, Id) => &["id"],
            (Layout::Revsim, Owner) => &["owner"],
            (Layout::Revsim, Created) => &["created_date"],
            (Layout::Revsim, Closed) => &["close_date"],
            (Layout::Revsim, Amount) => &["amount_usd"],
            (Layout::Revsim, Outcome) => &["outcome"],
            (Layout::Revsim, Stage) => &["stage"],
            (Layout::Revsim, Won | IsClosed) => &[],
            (Layout::Revsim, Reason) => &["reason"],
            (Layout::Revsim, Segment) => &["segment"],

            (Layout::Salesforce, Id) => &["Opportunity ID"],
            (Layout::Salesforce, Owner) => &["Opportunity Owner"],
            (Layout::Salesforce, Created) => &["Created Date"],
            (Layout::Salesforce, Closed) => &["Close Date"],
            (Layout::Salesforce, Amount) => &["Amount (converted)", "Amount"],
            (Layout::Salesforce, Outcome) => &[],
            (Layout::Salesforce, Stage) => &["Stage"],
            (Layout::Salesforce, Won) => &["Won"],
            (Layout::Salesforce, IsClosed) => &["Closed"],
            (Layout::Salesforce, Reason) => &["Loss Reason", "Closed Lost Reason"],
            (Layout::Salesforce, Segment) => &["Segment"],

            (Layout::Hubspot, Id) => &["Record ID", "Deal ID"],
            (Layout::Hubspot, Owner) => &["Deal owner"],
            (Layout::Hubspot, Created) => &["Create date"],
            (Layout::Hubspot, Closed) => &["Close date"],
            (Layout::Hubspot, Amount) => &["Amount in company currency", "Amount"],
            (Layout::Hubspot, Outcome) => &[],
            (Layout::Hubspot, Stage) => &["Deal stage"],
            (Layout::Hubspot, Won) => &["Is closed won"],
            (Layout::Hubspot, IsClosed) => &["Is deal closed?", "Is closed"],
            (Layout::Hubspot, Reason) => &["Closed lost reason"],
            (Layout::Hubspot, Segment) => &["Segment"],
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The columns found for each field of one export.
#[derive(Debug, Clone, Serialize)]
pub struct Columns {
    /// The layout whose names matched (`None` when every column came from `--map`).
    pub layout: Option<Layout>,
    /// The header row as read (trimmed, without a byte-order mark).
    pub headers: Vec<String>,
    /// For each field found: its column index (0-based) and header.
    pub fields: Vec<(Field, usize, String)>,
}

impl Columns {
    /// The column index of `field`, if the export has it.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, i, _)| *i)
    }

    /// The header of `field`'s column, if the export has it.
    pub fn header(&self, field: Field) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, _, h)| h.as_str())
    }

    /// How the layout reads in messages: "salesforce", or "custom (--map)".
    pub fn layout_name(&self) -> String {
        match self.layout {
            Some(l) => l.name().to_string(),
            None => "custom (--map)".into(),
        }
    }
}

/// Parses the argument of `--map FIELD=HEADER`, e.g. `owner=Account Executive`.
pub fn parse_map(arg: &str) -> Result<(Field, String), InputError> {
    let keys = Field::ALL.map(Field::key).join(", ");
    let Some((field, header)) = arg.split_once('=') else {
        return Err(
            InputError::file("--map", format!("`{arg}` is not FIELD=HEADER")).help(format!(
                "write e.g. --map owner=\"Account Executive\"; the fields are {keys}"
            )),
        );
    };
    let Some(f) = Field::from_key(field) else {
        let mut e = InputError::file("--map", format!("`{}` is not a field", field.trim()));
        if let Some(best) =
            crate::diagnostic::did_you_mean(field.trim(), &Field::ALL.map(Field::key))
        {
            e = e.help(format!("did you mean `{best}`?"));
        }
        return Err(e.help(format!("the fields are {keys}")));
    };
    let header = header.trim().trim_matches('"').trim().to_string();
    if header.is_empty() {
        return Err(
            InputError::file("--map", format!("`{arg}` names no column after `=`"))
                .help("write the column's header as it appears in the file's first row"),
        );
    }
    Ok((f, header))
}

fn find(headers: &[String], name: &str) -> Option<usize> {
    let want = normalise(name);
    headers.iter().position(|h| normalise(h) == want)
}

/// Fields found: each with its column index and header.
type Matched = Vec<(Field, usize, String)>;

/// The fields `layout` finds in `headers`, after the explicit `map`pings (which win).
fn match_layout(
    headers: &[String],
    layout: Option<Layout>,
    map: &[(Field, usize)],
) -> Vec<(Field, usize, String)> {
    Field::ALL
        .into_iter()
        .filter_map(|f| {
            let explicit = map.iter().find(|(mf, _)| *mf == f).map(|(_, i)| *i);
            let found = explicit.or_else(|| {
                layout?
                    .headers(f)
                    .iter()
                    .find_map(|name| find(headers, name))
            });
            found.map(|i| (f, i, headers[i].clone()))
        })
        .collect()
}

/// What `fields` lack: the required fields and, if none is there, a source of the outcome.
fn missing(fields: &[(Field, usize, String)]) -> Vec<Vec<Field>> {
    let has = |f: Field| fields.iter().any(|(g, _, _)| *g == f);
    let mut out: Vec<Vec<Field>> = Field::REQUIRED
        .into_iter()
        .filter(|f| !has(*f))
        .map(|f| vec![f])
        .collect();
    if !Field::OUTCOME_SOURCES.into_iter().any(has) {
        out.push(Field::OUTCOME_SOURCES.to_vec());
    }
    out
}

fn describe_missing(layout: Option<Layout>, missing: &[Vec<Field>]) -> String {
    missing
        .iter()
        .map(|alts| {
            // Of alternatives, name only those the layout has a column for.
            let named: Vec<Field> = alts
                .iter()
                .copied()
                .filter(|f| layout.is_none_or(|l| !l.headers(*f).is_empty()))
                .collect();
            let alts = if named.is_empty() {
                alts.clone()
            } else {
                named
            };
            alts.iter()
                .map(|f| {
                    let names: Vec<String> = layout
                        .map(|l| l.headers(*f).iter().map(|h| format!("\"{h}\"")).collect())
                        .unwrap_or_default();
                    if names.is_empty() {
                        f.key().to_string()
                    } else {
                        format!("{} ({})", f.key(), names.join(" or "))
                    }
                })
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Finds the columns of `headers` (the first row of `file`): with the forced `layout`, or the
/// best-matching one when `None`, and the explicit `map` on top. An export that lacks a
/// required field is an error that lists the columns found and what each layout misses.
pub fn resolve(
    file: &str,
    headers: &[String],
    layout: Option<Layout>,
    map: &[(Field, String)],
) -> Result<Columns, InputError> {
    let explicit = explicit_columns(file, headers, map)?;
    let candidates: Vec<Layout> = match layout {
        Some(l) => vec![l],
        None => Layout::ALL.to_vec(),
    };
    let mut best: Option<(usize, Option<Layout>, Matched)> = None;
    let mut misses = Vec::new();
    for l in candidates {
        let fields = match_layout(headers, Some(l), &explicit);
        let lack = missing(&fields);
        if lack.is_empty() {
            // Columns the layout itself recognised (not counting --map), for the tie-break.
            let own = match_layout(headers, Some(l), &[]).len();
            if best.as_ref().is_none_or(|(n, _, _)| own > *n) {
                let name = if own == 0 { None } else { Some(l) };
                best = Some((own, name, fields));
            }
        } else {
            misses.push((l, lack));
        }
    }
    match best {
        Some((_, layout, fields)) => Ok(Columns {
            layout,
            headers: headers.to_vec(),
            fields,
        }),
        None => Err(no_layout_error(file, headers, layout, &misses)),
    }
}

/// The headers as a message lists them: `"Owner", "Amount"`.
fn quoted_list(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The column of each `--map` mapping; an error for a header the file does not have.
fn explicit_columns(
    file: &str,
    headers: &[String],
    map: &[(Field, String)],
) -> Result<Vec<(Field, usize)>, InputError> {
    let mut explicit = Vec::new();
    for (f, name) in map {
        match find(headers, name) {
            Some(i) => explicit.push((*f, i)),
            None => {
                let found = quoted_list(headers);
                let mut e = InputError::file(
                    file,
                    format!(
                        "--map {f}=\"{name}\" names a column the file does not have; its columns are {found}"
                    ),
                );
                let names: Vec<&str> = headers.iter().map(String::as_str).collect();
                if let Some(best) = crate::diagnostic::did_you_mean(name, &names) {
                    e = e.help(format!("did you mean --map {f}=\"{best}\"?"));
                }
                return Err(e.help(
                    "write the header exactly as in the file's first row (case does not matter)",
                ));
            }
        }
    }
    Ok(explicit)
}

/// The error for a header row no layout can read: the columns found, what each layout
/// misses, and an example `--map` for the first field missing.
fn no_layout_error(
    file: &str,
    headers: &[String],
    layout: Option<Layout>,
    misses: &[(Layout, Vec<Vec<Field>>)],
) -> InputError {
    let found = quoted_list(headers);
    let what = misses
        .iter()
        .map(|(l, lack)| {
            format!(
                "\n  {l} layout: missing {}",
                describe_missing(Some(*l), lack)
            )
        })
        .collect::<String>();
    let (title, example_layout) = match layout {
        Some(l) => (
            format!("the header row does not have the columns of a {l} export"),
            Some(l),
        ),
        None => (
            "the header row does not match a known export layout (revsim, salesforce, hubspot)"
                .to_string(),
            None,
        ),
    };
    let first_missing = misses
        .iter()
        .find(|(l, _)| Some(*l) == example_layout)
        .or(misses.first())
        .and_then(|(_, lack)| lack.first())
        .and_then(|alts| alts.first())
        .copied()
        .unwrap_or(Field::Owner);
    let example = example_header(headers, first_missing);
    InputError::file(
        file,
        format!("{title}\n  columns found: {found}{what}"),
    )
    .help(format!(
        "name the columns with --map FIELD=HEADER, e.g. --map {first_missing}=\"{example}\" (fields: {})",
        Field::ALL.map(Field::key).join(", ")
    ))
    .help("or force a layout with --columns revsim|salesforce|hubspot; docs/calibrate.md lists each layout's headers")
}

/// An example header for `field`: a found column that another layout reads for the field (a
/// revsim file forced to --columns salesforce), or a typical header of another CRM.
fn example_header(headers: &[String], field: Field) -> &str {
    Layout::ALL
        .iter()
        .flat_map(|l| l.headers(field))
        .find_map(|alias| find(headers, alias).map(|i| headers[i].as_str()))
        .unwrap_or(match field {
            Field::Owner => "Account Executive",
            Field::Created => "Date Opened",
            Field::Closed => "Date Closed",
            Field::Amount => "Deal Value",
            Field::Stage => "Stage Name",
            _ => "Result",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn detects_each_layout() {
        let sf = h(&[
            "Opportunity Owner",
            "Opportunity Name",
            "Stage",
            "Amount",
            "Created Date",
            "Close Date",
            "Won",
            "Closed",
        ]);
        let c = resolve("f.csv", &sf, None, &[]).unwrap();
        assert_eq!(c.layout, Some(Layout::Salesforce));
        assert_eq!(c.header(Field::Amount), Some("Amount"));
        assert_eq!(c.index(Field::IsClosed), Some(7));

        let hs = h(&[
            "Record ID",
            "Deal Name",
            "Deal Stage",
            "Close Date",
            "Deal owner",
            "Amount",
            "Create Date",
            "Pipeline",
        ]);
        let c = resolve("f.csv", &hs, None, &[]).unwrap();
        assert_eq!(c.layout, Some(Layout::Hubspot));
        assert_eq!(c.index(Field::Stage), Some(2));

        let rv = h(&[
            "\u{feff}id",
            "owner",
            "created_date",
            "close_date",
            "amount_usd",
            "outcome",
            "segment",
        ]);
        let c = resolve("f.csv", &rv, None, &[]).unwrap();
        assert_eq!(c.layout, Some(Layout::Revsim));
        assert_eq!(
            c.index(Field::Id),
            Some(0),
            "the byte-order mark is ignored"
        );
    }

    #[test]
    fn explicit_mappings_fill_the_gaps() {
        let x = h(&[
            "Opportunity ID",
            "Account Executive",
            "Created Date",
            "Close Date",
            "Amount",
            "Stage",
        ]);
        assert!(resolve("f.csv", &x, None, &[]).is_err());
        let c = resolve(
            "f.csv",
            &x,
            None,
            &[(Field::Owner, "account executive".into())],
        )
        .unwrap();
        assert_eq!(c.layout, Some(Layout::Salesforce));
        assert_eq!(c.index(Field::Owner), Some(1));
    }

    #[test]
    fn an_unknown_layout_lists_what_is_missing() {
        let x = h(&["Name", "Rep", "Opened", "Value", "Result"]);
        let e = resolve("f.csv", &x, None, &[]).unwrap_err().to_string();
        assert!(e.contains("columns found: \"Name\", \"Rep\""), "{e}");
        assert!(
            e.contains("salesforce layout: missing owner (\"Opportunity Owner\")"),
            "{e}"
        );
        assert!(e.contains("--map"), "{e}");
        let e = resolve("f.csv", &x, None, &[(Field::Owner, "Reps".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean --map owner=\"Rep\""), "{e}");
    }

    #[test]
    fn map_arguments() {
        assert_eq!(
            parse_map("owner=\"Account Executive\"").unwrap(),
            (Field::Owner, "Account Executive".to_string())
        );
        let e = parse_map("ownr=Rep").unwrap_err().to_string();
        assert!(e.contains("did you mean `owner`"), "{e}");
        assert!(parse_map("owner").is_err());
        assert!(parse_map("owner=").is_err());
    }
}
