//! The summary `revsim calibrate` prints: what was read, then one aligned line per fitted
//! value, the segments and the notes, within 80 columns.

use super::pct;
use crate::calibrate::estimate::Ks;
use crate::calibrate::fit::{Calibration, Cycle, DealSize, Fit, SizeModel};
use crate::crm::history::History;
use crate::words::{p_text, para, sig, thousands as count, usd_whole as usd};

/// A line of the table of fitted values: what, value, n, KS D, p.
type Line = [String; 5];

/// The terminal summary: what was read, then one line per fitted value.
pub fn terminal(history: &History, cal: &Calibration) -> String {
    let fit = &cal.org;
    let mut out = para(&what_was_read(history, fit));
    write_aligned(&mut out, &fitted_lines(fit));
    if !cal.segments.is_empty() {
        let names: Vec<&str> = cal.segments.iter().map(|s| s.segment.as_str()).collect();
        out.push_str(&format!(
            "\n{}\n",
            para(&format!(
                "Segments: {} (a fragment each).",
                names.join(", ")
            ))
        ));
    }
    for n in &fit.notes {
        out.push_str(&format!("{}\n", para(&format!("Note: {n}."))));
    }
    out
}

/// The opening paragraph: the file, its layout and its counts, then a blank line.
fn what_was_read(history: &History, fit: &Fit) -> String {
    let c = &fit.counts;
    let mut out = format!(
        "Read {} ({} layout): {} opportunities, {} closed ({} won, {} lost, {} no decision), {} open, {} owners.\n\n",
        history.file,
        history.columns.layout_name(),
        count(c.created),
        count(c.closed),
        count(c.won),
        count(c.lost),
        count(c.no_decision),
        count(c.open),
        count(fit.reps.len())
    );
    if let Some(cell) = &history.date_order_decided_by {
        out.insert_str(
            out.len() - 2,
            &format!(
                " Dates read {} ({}): {cell} reads only so.",
                history.date_order.words(),
                history.date_order
            ),
        );
    }
    if history.outside_window > 0 {
        out.insert_str(
            out.len() - 2,
            &format!(
                " {} created outside the --created-from / --created-until window are left out.",
                count(history.outside_window)
            ),
        );
    }
    out
}

/// The heading, then a line per fitted value.
fn fitted_lines(fit: &Fit) -> Vec<Line> {
    let mut rows: Vec<Line> = vec![[
        "Fitted".into(),
        "value".into(),
        "n".into(),
        "KS D".into(),
        "p".into(),
    ]];
    if let Some(d) = &fit.deal_size {
        rows.push(size_line(d));
    }
    for cy in &fit.cycles {
        rows.push(cycle_line(cy));
    }
    if let Some(s) = &fit.outcomes {
        rows.push([
            "outcomes".into(),
            format!(
                "won {}, lost {}, no decision {}",
                pct(s.won),
                pct(s.lost),
                pct(s.no_decision)
            ),
            count(s.n),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(bb) = &fit.rep_win_rates {
        let value = match &fit.win_rate_spread {
            Some(p) => format!(
                "sd {:.3} (P10 {:.3}, P90 {:.3}; raw rates {:.3})",
                p.sd.p50, p.sd.p10, p.sd.p90, bb.raw_sd
            ),
            None => format!(
                "sd {:.3} (raw rates {:.3}), prior strength {}",
                bb.sd,
                bb.raw_sd,
                bb.strength
                    .map_or("infinite".into(), |m| sig(m, 3).to_string())
            ),
        };
        rows.push([
            "reps' win rates".into(),
            value,
            format!("{} reps", bb.groups),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(cr) = &fit.creation {
        rows.push([
            "opportunities per rep-month".into(),
            format!("{}", sig(cr.rate, 4)),
            format!("{} rep-months", count(cr.rep_months)),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(m) = &fit.market {
        let trend = if m.trend_written {
            format!("trend {} a month", sig(m.trend.p50, 2))
        } else {
            "no trend".into()
        };
        rows.push([
            "market's monthly shock".into(),
            format!(
                "sd {}, autocorrelation {}; {trend}",
                sig(m.written_shock_sd, 2),
                sig(m.written_autocorrelation, 2)
            ),
            format!("{} months", m.months),
            String::new(),
            String::new(),
        ]);
    }
    rows
}

fn size_line(d: &DealSize) -> Line {
    let v = match (d.fixed, d.model, &d.lognormal, &d.table) {
        (Some(v), ..) => format!("every deal {}", usd(v)),
        (None, SizeModel::Empirical, _, Some(t)) => {
            format!("empirical table of {} values", t.values.len())
        }
        (None, _, Some(l), _) => {
            format!("lognormal: median {}, P90 {}", usd(l.median), usd(l.p90))
        }
        _ => "-".into(),
    };
    let [a, b] = ks_columns(d.ks.as_ref());
    ["deal size (won)".into(), v, count(d.n), a, b]
}

fn cycle_line(cy: &Cycle) -> Line {
    let v = match (&cy.gamma, cy.fixed_months) {
        (_, None) if cy.table.is_some() => format!(
            "empirical table of {} values",
            cy.table.as_ref().map_or(0, |t| t.values.len())
        ),
        (Some(g), _) => format!("gamma: mean {}, sd {} months", sig(g.mean, 3), sig(g.sd, 3)),
        (None, Some(v)) => format!("every deal {} months", sig(v, 3)),
        _ => "-".into(),
    };
    let [a, b] = ks_columns(cy.ks.as_ref());
    [
        format!("cycle, {}", cy.outcome.label()),
        v,
        count(cy.n),
        a,
        b,
    ]
}

/// KS D and the p-value without its "p = ", blank without a test.
fn ks_columns(k: Option<&Ks>) -> [String; 2] {
    match k {
        Some(k) => [
            format!("{:.3}", k.d),
            p_text(k.p_value).replace("p = ", "").replace("p ", ""),
        ],
        None => [String::new(), String::new()],
    }
}

/// The lines in columns: text left-aligned, numbers right-aligned, the values indented under
/// the heading. When the columns would be wider than 80, each value is followed by a line of
/// its count and KS test, under it.
fn write_aligned(out: &mut String, rows: &[Line]) {
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let w: Vec<usize> = (0..5).map(width).collect();
    let wide = 2 + w[0] + 2 + w[1] + 2 + w[2] + 2 + w[3] + 2 + w[4] > crate::words::WIDTH;
    for (i, r) in rows.iter().enumerate() {
        let indent = if i == 0 { "" } else { "  " };
        let first = w[0] + if i == 0 { 2 } else { 0 };
        let line = if !wide {
            format!(
                "{indent}{:<first$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3],
                w4 = w[4],
            )
        } else if i == 0 {
            format!("{:<first$}  {} (n; KS D, p)", r[0], r[1])
        } else {
            let under = " ".repeat(2 + first + 2);
            let value = crate::words::hang(&r[1], &format!("{indent}{:<first$}  ", r[0]), &under);
            let test = match (r[2].as_str(), r[3].as_str()) {
                ("", _) => String::new(),
                (n, "") => format!("\n{under}({n})"),
                (n, d) => format!("\n{under}({n}; KS D {d}, p {})", r[4]),
            };
            format!("{value}{test}")
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
}
