//! The files `revsim calibrate` writes into its output directory, each atomically (through
//! [`OutputDir`]):
//!
//! | file | what |
//! | --- | --- |
//! | `calibrated.toml` | the org's scenario fragment |
//! | `calibrated-<segment>.toml` | one per segment, when the export has a segment column |
//! | `fit.json` | every estimate at full precision, with n, standard errors, KS D and p, per-rep and per-segment tables, the columns read and the bad rows |
//! | `reps.csv` | per rep: deals by outcome, raw and shrunk win rates, opportunities per active month |
//! | `fit-report.html` | the report: estimates, charts, reps, segments, the fragment |
//! | `charts/*.svg`, `charts/*.png` | histogram and QQ plot of each fitted distribution; reps' win rates |

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::fit::{Calibration, CycleModel, FitOptions, SizeModel};
use super::fragment::{self, FragmentOptions};
use super::report::{self, ReportInput, Samples};
use crate::crm::dates::DateCell;
use crate::crm::{BadRow, DateOrder, History};
use crate::diagnostic::InputError;
use crate::output_dir::OutputDir;

/// fit.json: the calibration as data.
#[derive(Debug, Serialize)]
pub struct FitJson<'a> {
    /// revsim version that made it.
    pub revsim_version: &'static str,
    /// What was read.
    pub source: Source<'a>,
    /// How deal sizes were written.
    pub size_model: SizeModel,
    /// How cycle times are written (`--cycle`).
    pub cycle_model: CycleModel,
    /// The org's fit.
    pub org: &'a super::fit::Fit,
    /// Each segment's fit, with its raw and shrunk win rate.
    pub segments: &'a [super::fit::SegmentFit],
    /// The spread of segments' true win rates (beta-binomial over segments).
    pub segment_win_rates: Option<&'a super::estimate::BetaBinomialFit>,
    /// Opportunities without a segment in an export that has segments.
    pub without_segment: usize,
    /// The fragments written: the org's first, then by segment.
    pub fragments: Vec<FragmentFile>,
}

/// A fragment file and what it covers.
#[derive(Debug, Clone, Serialize)]
pub struct FragmentFile {
    /// "org", or the segment's name.
    pub scope: String,
    /// The file name in the output directory.
    pub file: String,
}

/// The export as read, in fit.json.
#[derive(Debug, Serialize)]
pub struct Source<'a> {
    /// The file as named.
    pub file: &'a str,
    /// "revsim", "salesforce", "hubspot" or "custom (--map)".
    pub layout: String,
    /// The field separator.
    pub delimiter: char,
    /// Field -> header of the column read for it.
    pub columns: BTreeMap<&'static str, &'a str>,
    /// The order of day, month and year the dates were read in (`--date-order`, or found).
    pub date_order: DateOrder,
    /// When the order was found from the file and mattered: the first cell only it reads.
    pub date_order_decided_by: Option<&'a DateCell>,
    /// Opportunities used (open ones included).
    pub opportunities: usize,
    /// Rows ignored by a stage mapped to `ignore`.
    pub ignored_rows: usize,
    /// Opportunities left out by `--created-from` / `--created-until`.
    pub outside_window: usize,
    /// Blank and footer rows skipped.
    pub non_data_rows: usize,
    /// Bad rows skipped, by reason.
    pub bad_row_counts: BTreeMap<&'static str, usize>,
    /// Every bad row skipped.
    pub bad_rows: &'a [BadRow],
}

/// What [`write()`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// Every file, relative to the directory, in the order written.
    pub files: Vec<String>,
    /// The fragments, with their text.
    pub fragments: Vec<(FragmentFile, String)>,
}

/// Writes every file of a calibration into `dir`. Each fragment is first loaded over a minimal
/// scenario ([`fragment::check`]), so a fragment that is written is known to load.
pub fn write(
    dir: &OutputDir,
    history: &History,
    cal: &Calibration,
    opts: &FitOptions,
    frag: &FragmentOptions,
    command: &str,
) -> Result<Written, InputError> {
    let fragments = fragments(history, cal, frag);
    check_fragments(dir, &fragments)?;

    let mut files = Vec::new();
    for (f, text) in &fragments {
        dir.write(&f.file, |w| w.write_all(text.as_bytes()))?;
        files.push(f.file.clone());
    }

    let json = fit_json(history, cal, opts, &fragments);
    dir.write("fit.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &json)?;
        w.write_all(b"\n")
    })?;
    files.push("fit.json".into());

    dir.write("reps.csv", |w| write_reps(w, cal))?;
    files.push("reps.csv".into());

    let samples = Samples::of(history, &cal.org);
    let charts = report::charts(&cal.org, &samples);
    let drawn = crate::report::write_charts(dir, charts)?;
    for (c, _) in &drawn {
        files.push(format!("charts/{}.svg", c.name));
        files.push(format!("charts/{}.png", c.name));
    }
    let segment_files: Vec<(String, String)> = fragments[1..]
        .iter()
        .map(|(f, _)| (f.scope.clone(), f.file.clone()))
        .collect();
    let html = report::html(&ReportInput {
        history,
        calibration: cal,
        charts: &drawn,
        fragment: (&fragments[0].0.file, &fragments[0].1),
        segment_files: &segment_files,
        command,
    });
    dir.write("fit-report.html", |w| w.write_all(html.as_bytes()))?;
    files.push("fit-report.html".into());
    Ok(Written { files, fragments })
}

/// The fragments with their text: the org's, then one per segment under a distinct file name
/// (and, with a scenario name, the segment's name after it).
fn fragments(
    history: &History,
    cal: &Calibration,
    frag: &FragmentOptions,
) -> Vec<(FragmentFile, String)> {
    let mut fragments: Vec<(FragmentFile, String)> = vec![(
        FragmentFile {
            scope: "org".into(),
            file: "calibrated.toml".into(),
        },
        fragment::org_fragment(history, cal, frag),
    )];
    let mut taken = vec!["calibrated.toml".to_string()];
    for s in &cal.segments {
        let file = fragment::segment_file_name(&s.segment, &taken);
        taken.push(file.clone());
        let name = frag.name.as_ref().map(|n| {
            format!(
                "{n}-{}",
                file.trim_start_matches("calibrated-")
                    .trim_end_matches(".toml")
            )
        });
        let text = fragment::segment_fragment(
            history,
            cal,
            s,
            &FragmentOptions {
                extends: frag.extends.clone(),
                name,
            },
        );
        fragments.push((
            FragmentFile {
                scope: s.segment.clone(),
                file,
            },
            text,
        ));
    }
    fragments
}

/// Loads each fragment over a minimal scenario before anything is written.
fn check_fragments(
    dir: &OutputDir,
    fragments: &[(FragmentFile, String)],
) -> Result<(), InputError> {
    for (f, text) in fragments {
        fragment::check(text, &dir.path().join(&f.file).display().to_string()).map_err(|e| {
            // A fragment that does not load is revsim's bug, not the export's.
            InputError::file(
                &f.file,
                format!("the fitted fragment does not load; please report this: {e}"),
            )
        })?;
    }
    Ok(())
}

/// fit.json's contents.
fn fit_json<'a>(
    history: &'a History,
    cal: &'a Calibration,
    opts: &FitOptions,
    fragments: &[(FragmentFile, String)],
) -> FitJson<'a> {
    FitJson {
        revsim_version: env!("CARGO_PKG_VERSION"),
        source: Source {
            file: &history.file,
            layout: history.columns.layout_name(),
            delimiter: history.delimiter,
            columns: history
                .columns
                .fields
                .iter()
                .map(|(f, _, h)| (f.key(), h.as_str()))
                .collect(),
            date_order: history.date_order,
            date_order_decided_by: history.date_order_decided_by.as_ref(),
            opportunities: history.opportunities.len(),
            ignored_rows: history.ignored_rows,
            outside_window: history.outside_window,
            non_data_rows: history.non_data_rows,
            bad_row_counts: history
                .bad_row_counts()
                .into_iter()
                .map(|(k, n)| (k.label(), n))
                .collect(),
            bad_rows: &history.bad_rows,
        },
        size_model: opts.size,
        cycle_model: opts.cycle,
        org: &cal.org,
        segments: &cal.segments,
        segment_win_rates: cal.segment_win_rates.as_ref(),
        without_segment: cal.without_segment,
        fragments: fragments.iter().map(|(f, _)| f.clone()).collect(),
    }
}

/// A CRM name as a spreadsheet cell: one that starts like a formula (`=`, `+`, `-`, `@`, a tab
/// or a carriage return) gets a leading `'`, so that opening reps.csv in Excel shows it rather
/// than running it ([`crate::tables::guard`], as every CSV revsim writes).
pub fn spreadsheet_safe(s: &str) -> String {
    crate::tables::guard(s).into_owned()
}

/// reps.csv: one row per owner of the org fit (owner names made [`spreadsheet_safe`]).
pub fn write_reps(w: &mut dyn Write, cal: &Calibration) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "owner",
        "closed",
        "won",
        "lost",
        "no_decision",
        "raw_win_rate",
        "shrunk_win_rate",
        "created",
        "first_month",
        "last_month",
        "active_months",
        "opportunities_per_month",
    ])
    .map_err(std::io::Error::other)?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v}"));
    for r in &cal.org.reps {
        out.write_record([
            spreadsheet_safe(&r.owner),
            r.closed.to_string(),
            r.won.to_string(),
            r.lost.to_string(),
            r.no_decision.to_string(),
            opt(r.raw_win_rate),
            opt(r.shrunk_win_rate),
            r.created.to_string(),
            r.first_month.to_string(),
            r.last_month.to_string(),
            r.active_months.to_string(),
            format!("{}", r.opportunities_per_month),
        ])
        .map_err(std::io::Error::other)?;
    }
    out.flush()
}
