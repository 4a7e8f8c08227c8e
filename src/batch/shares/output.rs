//! The variance shares' outputs: `shares.csv`, `shares.xlsx` and `shares.parquet`, a chart per
//! output (bookings, and hitting the plan), and their section of the sensitivity report.

use std::fmt::Write as _;

use super::{Output, Row, Shares};
use crate::charts::Chart;
use crate::charts::shares::{ShareBar, shares};
use crate::output_dir::OutputDir;
use crate::report::html::escape;
use crate::words::pct;

/// What output `o` is, in words: "FY2028 bookings" or "hitting the FY2028 plan".
fn what(f: &Shares, o: &Output) -> String {
    if o.name == "hit_plan" {
        format!("hitting the {} plan", f.period.label)
    } else {
        format!("{} bookings", f.period.label)
    }
}

/// Whether output `o` varies from trial to trial (else there is nothing to share out; a NaN
/// variance counts as none).
fn varies(o: &Output) -> bool {
    o.estimates.variance > 0.0
}

/// A share with its interval: `3% (2%-4%)`.
fn with_interval(i: &super::Interval) -> String {
    if i.lo.is_finite() && i.hi.is_finite() {
        format!("{} ({} to {})", pct(i.value), pct(i.lo), pct(i.hi))
    } else {
        pct(i.value)
    }
}

/// The rows of output `o`.
fn rows_of<'a>(rows: &'a [Row], o: &Output) -> Vec<&'a Row> {
    rows.iter().filter(|r| r.output == o.name).collect()
}

/// The answer for output `o` in plain words: "Attrition explains 3% (2% to 4%) of the spread
/// (variance) of FY2028 bookings, hiring 2% (1% to 3%), ...; per-rep and per-deal luck 11%".
/// The groups when there are any (attrition first), else the inputs.
pub fn caption(f: &Shares, o: &Output) -> String {
    let e = &o.estimates;
    if !varies(o) {
        return format!(
            "Nothing to explain: every trial gives the same {}.",
            what(f, o)
        );
    }
    let rows = f.rows();
    let mine = rows_of(&rows, o);
    let groups: Vec<&&Row> = mine.iter().filter(|r| r.kind == "group").collect();
    let mut named: Vec<&&Row> = if groups.is_empty() {
        mine.iter().filter(|r| r.kind == "input").collect()
    } else {
        groups
    };
    // Attrition first when it is there: the share finance asks about.
    if let Some(k) = named.iter().position(|r| r.name == "attrition") {
        let a = named.remove(k);
        named.insert(0, a);
    }
    let mut parts = named
        .iter()
        .map(|r| (r.name.as_str(), with_interval(&r.first)));
    let mut s = String::new();
    if let Some((name, share)) = parts.next() {
        let _ = write!(
            s,
            "{} explains {share} of the spread (variance) of {}",
            capitalised(name),
            what(f, o)
        );
    }
    for (name, share) in parts {
        let _ = write!(s, ", {name} {share}");
    }
    let _ = write!(
        s,
        " (each alone, with its 95% interval); per-rep and per-deal luck {}, and the inputs' interactions {}.",
        with_interval(&e.luck),
        with_interval(&e.interactions)
    );
    if o.name == "hit_plan" {
        let _ = write!(
            s,
            " P(hit plan) is the mean of this indicator: {}.",
            pct(e.mean)
        );
    }
    s
}

/// A chart per output: its rows (inputs, groups, all inputs, interactions, luck) with the
/// first- and total-order shares and their intervals.
pub fn charts(f: &Shares) -> Vec<Chart> {
    let rows = f.rows();
    let mut out = Vec::new();
    for o in &f.outputs {
        if !varies(o) {
            continue;
        }
        let mine = rows_of(&rows, o);
        let bars: Vec<ShareBar> = mine
            .iter()
            .map(|r| ShareBar {
                name: match r.kind {
                    "group" => format!("group: {}", r.name),
                    _ => r.name.clone(),
                },
                first: (r.first.value, r.first.lo, r.first.hi),
                total: (r.total.value, r.total.lo, r.total.hi),
            })
            .collect();
        // The named input that explains most (the inputs not named, together, are no answer).
        let top = mine
            .iter()
            .find(|r| r.kind == "input" && r.name != super::OTHERS)
            .or_else(|| mine.iter().find(|r| r.kind == "input"));
        let takeaway = match top {
            Some(t) => format!(
                "{} explains most alone: {}; per-rep and per-deal luck {}.",
                t.name,
                with_interval(&t.first),
                with_interval(&o.estimates.luck)
            ),
            None => String::new(),
        };
        let mut c = shares(
            &format!("What makes the spread of {}", what(f, o)),
            &takeaway,
            &format!("Share of the variance of {}", what(f, o)),
            &bars,
        );
        c.name = format!("shares-{}", o.name.replace('_', "-"));
        out.push(c);
    }
    out
}

/// The report's section on the shares: for each output its chart, its caption and a table;
/// `drawn` the charts as drawn; `unshared` the settings with no share and why.
pub fn report_section(
    f: &Shares,
    drawn: &[(Chart, String)],
    unshared: &[(String, String)],
) -> String {
    let mut body = format!(
        "<h2>Variance shares: what makes the spread of {} bookings and of hitting its plan</h2>\n<p>Variance-based shares (Sobol' indices) on common random numbers: {} trials per run, {} runs. <em>Alone</em> is the share of the variance an input explains by itself (first-order); <em>with interactions</em> adds what it explains together with other inputs (total-order); the inputs' shares alone, their interactions and per-rep and per-deal luck add up to 100%. Ranges are 95% bootstrap intervals.</p>\n",
        escape(&f.period.label),
        crate::words::thousands(f.trials),
        f.runs
    );
    let rows = f.rows();
    for o in &f.outputs {
        let _ = writeln!(body, "<h3>{}</h3>", escape(&capitalised(&what(f, o))));
        let name = format!("shares-{}", o.name.replace('_', "-"));
        if let Some((c, svg)) = drawn.iter().find(|(c, _)| c.name == name) {
            body.push_str(&crate::report::html::figure(c, svg));
        }
        let _ = writeln!(body, "<p>{}</p>", escape(&caption(f, o)));
        if !varies(o) {
            continue;
        }
        body.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>Input or group</th><th>Alone</th><th>95% interval</th><th>With interactions</th><th>95% interval</th></tr></thead>\n<tbody>\n");
        for r in rows_of(&rows, o) {
            let range = |i: &super::Interval| {
                if i.lo.is_finite() {
                    format!("{} to {}", pct(i.lo), pct(i.hi))
                } else {
                    String::new()
                }
            };
            let name = match r.kind {
                "group" => format!("group: {} ({})", r.name, r.members),
                _ => r.name.clone(),
            };
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&name),
                escape(&pct(r.first.value)),
                escape(&range(&r.first)),
                escape(&if r.total.value.is_finite() {
                    pct(r.total.value)
                } else {
                    String::new()
                }),
                escape(&range(&r.total))
            );
        }
        body.push_str("</tbody></table></div>\n");
    }
    let joined: Vec<&str> = f
        .factors
        .iter()
        .filter(|x| x.paths.len() > 1)
        .map(|x| x.name.as_str())
        .collect();
    if !joined.is_empty() {
        let _ = writeln!(
            body,
            "<p>Correlated inputs count as one: {} (shares of single correlated inputs are not defined).</p>",
            escape(&joined.join("; "))
        );
    }
    if f.sets[..f.singles].iter().any(|s| s.len() > 1) {
        let _ = writeln!(
            body,
            "<p><em>{}</em>: the scenario's uncertain inputs that <code>--param</code> and <code>--vary</code> did not name, taken together.</p>",
            super::OTHERS
        );
    }
    for (key, why) in unshared {
        let _ = writeln!(
            body,
            "<p>No share for <code>{}</code>: {}.</p>",
            escape(key),
            escape(why)
        );
    }
    body.push_str("<p>The same shares: <code>shares.csv</code>, <code>shares.xlsx</code>, <code>shares.parquet</code>.</p>\n");
    body
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Writes `shares.csv`, `shares.xlsx` (an Excel Table, its header the first row) and
/// `shares.parquet` into `dir`.
pub fn write(dir: &OutputDir, f: &Shares, scenario: &str, seed: u64) -> anyhow::Result<()> {
    let table = f.table();
    dir.write("shares.csv", |w| crate::tables::write_csv(&table, w))?;
    let xlsx = crate::tables::xlsx_bytes(
        &table,
        "revsim sensitivity: variance shares",
        &[format!(
            "{scenario}: what makes the spread of {} bookings and of hitting its plan, seed {seed}, {} trials x {} runs on common random numbers.",
            f.period.label, f.trials, f.runs
        )],
    )?;
    dir.write("shares.xlsx", |w| w.write_all(&xlsx))?;
    let parquet = crate::tables::parquet_bytes(&table)?;
    dir.write("shares.parquet", |w| w.write_all(&parquet))?;
    Ok(())
}
