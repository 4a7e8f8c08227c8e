//! Charts of small fixed-seed runs, pinned by what they say: each chart's description (title,
//! takeaway, axes, series with a few of their points, reference lines and notes; see
//! `Chart::describe`) is a snapshot, so a change to a chart's data or wording shows up as a
//! readable diff (`cargo insta review`). The pictures themselves are checked elsewhere: that
//! they decode and carry ink and data colours (`common::assert_charts`), and that drawing them
//! twice gives the same bytes (below).

use crate::common;

use revsim::charts::Scale;
use revsim::charts::batch::{Band, TornadoBar, sweep_chart, tornado};
use revsim::charts::run::{RunData, charts};
use revsim::compare::Arm;
use revsim::{simulate, summarize};

/// A scenario of the small org over 18 months, with a quota and a plan, and deals won and lost
/// at the given rates.
fn small_scenario((won, lost): (&str, &str)) -> revsim::Scenario {
    let org = common::small_org(18);
    let outcomes = "won = 0.3\nlost = 0.7";
    assert!(org.contains(outcomes), "the small org's outcomes moved");
    let org = org.replace(outcomes, &format!("won = {won}\nlost = {lost}"));
    let text = format!(
        "name = \"snapshot\"\n{org}\n[quota]\nannual_quota_usd = 70_000\n[plan]\nfiscal_year_bookings_usd = [1_400_000, 1_500_000]\n",
    );
    common::scenario(&text)
}

fn small_run() -> Vec<revsim::charts::Chart> {
    let s = small_scenario(("0.3", "0.7"));
    let r = simulate(&s, 300, 11, &|_| {});
    let summary = summarize(&s, &r, None);
    let monthly = revsim::summary::monthly(&r);
    charts(&RunData {
        scenario: &s,
        results: &r,
        summary: &summary,
        monthly: &monthly,
    })
}

#[test]
fn run_charts_say_what_they_show() {
    let charts = small_run();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "bookings-distribution",
            "plan-exceedance",
            "cumulative-bookings-fan",
            "bookings-by-fiscal-year",
            "arr-fan",
            "headcount-fan",
            "quota-attainment"
        ]
    );
    for c in &charts {
        insta::assert_snapshot!(c.name.clone(), c.describe());
    }
}

#[test]
fn comparison_charts_say_what_they_show() {
    let arms: Vec<Arm> = [
        ("win rate 30%", ("0.3", "0.7")),
        ("win rate 35%", ("0.35", "0.65")),
    ]
    .into_iter()
    .map(|(label, outcomes)| {
        let scenario = small_scenario(outcomes);
        let results = simulate(&scenario, 200, 5, &|_| {});
        let summary = summarize(&scenario, &results, None);
        let monthly = revsim::summary::monthly(&results);
        Arm {
            label: label.into(),
            scenario,
            results,
            summary,
            monthly,
        }
    })
    .collect();
    let diffs = revsim::compare::differences(&arms, 5);
    for c in revsim::charts::compare::charts(&arms, &diffs) {
        insta::assert_snapshot!(c.name.clone(), c.describe());
    }
}

#[test]
fn batch_charts_say_what_they_show() {
    let x = vec![0.20, 0.25, 0.30, 0.35];
    let series: Vec<Band> = [(3.0, "ramp 3 months"), (9.0, "ramp 9 months")]
        .iter()
        .map(|(ramp, label)| {
            let mid: Vec<f64> = x
                .iter()
                .map(|w| 18e6 + (w - 0.2) * 90e6 - ramp * 0.6e6)
                .collect();
            Band {
                label: label.to_string(),
                x: x.clone(),
                low: mid.iter().map(|m| m * 0.82).collect(),
                mid: mid.clone(),
                high: mid.iter().map(|m| m * 1.17).collect(),
            }
        })
        .collect();
    let sweep = sweep_chart(
        "P50 new bookings by win rate, for two ramp lengths",
        "Each 5 points of win rate adds about $4.5M.",
        ("win rate", Scale::Share),
        ("new bookings, P50", Scale::Usd),
        "P10–P90",
        &series,
        Some((25e6, "plan $25.0M")),
    );
    insta::assert_snapshot!("sweep", sweep.describe());

    let bar = |p: &str, l: &str, h: &str, at_low: f64, at_high: f64| TornadoBar {
        parameter: p.into(),
        low_label: l.into(),
        high_label: h.into(),
        at_low,
        at_high,
    };
    let bars = [
        bar("win rate", "20%", "30%", 23.4e6, 34.9e6),
        bar("ramp months", "3", "9", 30.7e6, 26.8e6),
        bar("reps hired per quarter", "4", "8", 30.0e6, 31.9e6),
        bar("pipeline coverage", "2.5×", "4×", 28.6e6, f64::NAN),
    ];
    let t = tornado(
        "What moves P50 new bookings most",
        "Win rate swings bookings most.",
        ("new bookings over the horizon, P50", Scale::Usd),
        29.1e6,
        "Baseline P50 $29.1M",
        &bars,
    );
    insta::assert_snapshot!("tornado", t.describe());
}

#[test]
fn charts_are_the_same_every_time() {
    let (a, b) = (small_run(), small_run());
    for (x, y) in a.iter().zip(&b) {
        assert!(x.svg() == y.svg(), "{} SVG differs", x.name);
        assert!(x.png() == y.png(), "{} PNG differs", x.name);
    }
}

#[test]
fn user_text_in_charts_is_escaped() {
    let text = format!(
        "name = \"<b>Q4</b> & 'push'\"\n{}\n[plan]\nfiscal_year_bookings_usd = [1_400_000]\n",
        common::small_org(12)
    );
    let s = common::scenario(&text);
    let r = simulate(&s, 50, 1, &|_| {});
    let summary = summarize(&s, &r, None);
    let monthly = revsim::summary::monthly(&r);
    let mut c = charts(&RunData {
        scenario: &s,
        results: &r,
        summary: &summary,
        monthly: &monthly,
    });
    // Put the name where the report's comparison charts put labels: in a title.
    c[0].title = s.name.clone();
    let svg = c[0].svg();
    assert!(!svg.contains("<b>"), "raw markup in the SVG");
    assert!(svg.contains("&lt;b&gt;Q4&lt;/b&gt; &amp;"), "{svg}");
}
