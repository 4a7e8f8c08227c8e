//! Charts of a small fixed-seed run, pinned as SVG snapshots: a change to any chart's data,
//! layout or wording shows up as a readable diff (`cargo insta review`).

use crate::common;

use revsim::charts::run::{RunData, charts};
use revsim::{simulate, summarize};

fn small_run() -> Vec<revsim::charts::Chart> {
    let text = format!(
        "name = \"snapshot\"\n{}\n[quota]\nannual_quota_usd = 70_000\n[plan]\nfiscal_year_bookings_usd = [1_400_000, 1_500_000]\n",
        common::small_org(18)
    );
    let s = common::scenario(&text);
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
fn run_charts_match_their_snapshots() {
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
        if matches!(
            c.name.as_str(),
            "bookings-distribution" | "cumulative-bookings-fan" | "bookings-by-fiscal-year"
        ) {
            insta::assert_snapshot!(c.name.clone(), c.svg());
        }
    }
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
