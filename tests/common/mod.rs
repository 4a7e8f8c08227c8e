//! Helpers shared by the integration tests.
#![allow(dead_code)]

use revsim::Scenario;
use revsim::engine::Results;
use revsim::model::Metric;

/// Loads scenario text, panicking with the rendered error if it does not load.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(text, "test.toml", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// Mean of `metric` over the given months and every trial.
pub fn mean_over(r: &Results, metric: Metric, months: std::ops::Range<usize>) -> f64 {
    let n = (r.trials * months.len()) as f64;
    (0..r.trials)
        .flat_map(|t| {
            months
                .clone()
                .map(move |m| r.monthly_value(t, metric, m) as f64)
        })
        .sum::<f64>()
        / n
}

/// A small org whose figures can be worked out by hand: 20 reps, no ramp or attrition,
/// 2 opportunities a month each, win rate 0.3, deals of exactly $10,000 decided in their
/// creation month, so E[bookings per month] = $120,000.
pub fn small_org(horizon_months: u32) -> String {
    format!(
        r#"
[simulation]
start_month = "2027-01"
horizon_months = {horizon_months}
[org]
seats = 20
[pipeline]
opportunities_per_rep_month = 2.0
deal_size_usd = 10000
cycle_months = 0
[pipeline.outcomes]
won = 0.3
lost = 0.7
no_decision = 0
"#
    )
}

/// Checks the charts and report a run or comparison wrote into `out`, as listed in its
/// `run.json`: every file exists, each PNG decodes to a 1000-pixel-wide picture with real
/// content (ink on at least 1% of it, data colours on at least 0.5%, several colours), each SVG has text and shapes, and
/// `report.html` inlines every chart. Returns the chart names.
pub fn assert_charts(out: &std::path::Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let files: Vec<String> = manifest["files"]
        .as_array()
        .expect("run.json lists its files")
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    let mut names = Vec::new();
    for f in &files {
        let path = out.join(f);
        assert!(path.is_file(), "{}: listed but missing", path.display());
        if let Some(stem) = f
            .strip_prefix("charts/")
            .and_then(|f| f.strip_suffix(".png"))
        {
            names.push(stem.to_string());
            let decoder =
                png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
            let mut reader = decoder.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!(info.width, 1000, "{f}");
            assert!(info.height >= 400, "{f}");
            let px = &buf[..info.buffer_size()];
            let pixels = px.len() / 3;
            let inked = px.chunks(3).filter(|p| p.iter().any(|c| *c < 200)).count();
            let mut colours: Vec<[u8; 3]> = px.chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
            colours.sort_unstable();
            colours.dedup();
            // Data is drawn in the palette's saturated colours; text, axes and grid are grey.
            let coloured = px
                .chunks(3)
                .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() > 40)
                .count();
            assert!(
                inked * 100 > pixels,
                "{f}: only {inked} of {pixels} pixels have ink"
            );
            assert!(
                coloured * 200 > pixels,
                "{f}: only {coloured} of {pixels} pixels show data"
            );
            assert!(colours.len() >= 8, "{f}: only {} colours", colours.len());
        }
        if f.ends_with(".svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(svg.starts_with("<svg"), "{f}");
            assert!(svg.matches("<text").count() >= 8, "{f}: too little text");
            assert!(
                svg.contains("<polygon") || svg.contains("<rect") || svg.contains("<polyline"),
                "{f}: no shapes"
            );
        }
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        names.len(),
        "report.html inlines every chart"
    );
    for n in &names {
        assert!(html.contains(&format!("id=\"{n}\"")), "report lacks {n}");
    }
    names
}
