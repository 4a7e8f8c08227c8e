//! Runs too large to keep every trial's monthly figures summarise them in sketches: the
//! sketches are the same however the trials were grouped (one pass, chunks, shards), and their
//! quantiles are within the stated error of the exact ones.

use std::path::Path;

use revsim::Scenario;
use revsim::engine::{Control, Monthly, simulate_range, simulate_with};
use revsim::sketch::RELATIVE_ERROR;

fn load(name: &str) -> Scenario {
    Scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn chunked_sketches_equal_the_exact_run_sketched() {
    let s = load("baseline.toml");
    let trials = 300;
    let exact = simulate_range(&s, 0..trials, 4, &|_| ());
    // A budget of one block's records forces chunks of 64 trials.
    let stride = exact.stride();
    let control = Control {
        progress: &|_| (),
        stop: None,
        exact_bytes: 64 * stride * 4 * 4,
    };
    let chunked = simulate_with(&s, 0..trials, 4, &control).unwrap();
    assert!(
        matches!(chunked.monthly, Monthly::Sketch(_)),
        "the small budget forces sketches"
    );
    assert_eq!(chunked.totals, exact.totals, "headline figures stay exact");
    assert_eq!(chunked.fy, exact.fy);
    let sketched = exact.clone().sketched();
    assert_eq!(chunked, sketched, "chunks give the sketch of the whole run");

    // Shards merged give it too, whichever part is exact and whichever sketched.
    let mut merged = simulate_range(&s, 0..100, 4, &|_| ()).sketched();
    merged
        .append(simulate_range(&s, 100..trials, 4, &|_| ()))
        .unwrap();
    assert_eq!(merged, sketched);

    // Quantiles from the sketch are within the stated error of the exact ones; means exact.
    let a = revsim::summary::monthly(&exact);
    let b = revsim::summary::monthly(&chunked);
    // Every metric's every month is compared (the loops below cannot run over nothing).
    assert_eq!(a.len(), revsim::model::Metric::ALL.len());
    assert_eq!(b.len(), a.len());
    for (m, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!((x.len(), y.len()), (s.horizon(), s.horizon()), "metric {m}");
        for (t, (x, y)) in x.iter().zip(y).enumerate() {
            assert_eq!(x.n, y.n);
            if x.n == 0 {
                continue;
            }
            let scale = x.min.abs().max(x.max.abs());
            // The sketch sums each value truncated to 2^-20 (off by less than 2^-20 each, so
            // its mean by less than 2^-20); both means are f64 sums of n values and a division,
            // off by at most (n + 2) f64 epsilons of the largest value.
            let rounding = 2f64.powi(-20) + (x.n as f64 + 2.0) * f64::EPSILON * scale;
            assert!(
                (x.mean - y.mean).abs() <= rounding,
                "metric {m} month {t}: {} vs {}",
                x.mean,
                y.mean
            );
            for (p, q) in [
                (x.p5, y.p5),
                (x.p10, y.p10),
                (x.p50, y.p50),
                (x.p90, y.p90),
                (x.p95, y.p95),
            ] {
                assert!(
                    (p - q).abs() <= RELATIVE_ERROR * scale,
                    "metric {m} month {t}: {p} vs {q}"
                );
            }
            assert_eq!((x.min, x.max), (y.min, y.max));
        }
    }
}

#[test]
fn a_stop_flag_ends_the_run() {
    let s = load("baseline.toml");
    let stop = std::sync::atomic::AtomicBool::new(true);
    let control = Control {
        progress: &|_| (),
        stop: Some(&stop),
        exact_bytes: revsim::sketch::EXACT_BYTES,
    };
    assert!(simulate_with(&s, 0..1000, 1, &control).is_err());
}

/// A trial's record holds only the metrics its scenario defines: R1 (bookings detail, no VP,
/// quota, coverage or managers) keeps 15 of the 29, each defined in some trial and month, and
/// reads the others as NaN, as the full record held them; the summaries still list every
/// metric. Runs of different layouts do not append.
#[test]
fn records_hold_only_the_metrics_a_scenario_defines() {
    use revsim::model::{Layout, Metric};
    let s = load("reference-r1.toml");
    let r = simulate_range(&s, 0..200, 8, &|_| ());
    assert_eq!(r.layout, Layout::of(&s));
    assert_eq!(r.layout.recorded(), 15);
    assert_eq!(r.stride(), 15 * r.horizon);
    let Monthly::Exact(records) = &r.monthly else {
        panic!("small runs keep every trial's months")
    };
    assert_eq!(records.len(), 200 * r.stride());
    let monthly = revsim::summary::monthly(&r);
    assert_eq!(monthly.len(), Metric::COUNT);
    for m in Metric::ALL {
        let defined =
            (0..r.trials).any(|t| (0..r.horizon).any(|k| !r.monthly_value(t, m, k).is_nan()));
        assert_eq!(
            defined,
            r.layout.slot(m).is_some(),
            "{}: defined in some trial and month exactly when recorded",
            m.name()
        );
        assert_eq!(monthly[m.index()].len(), r.horizon);
        if !defined {
            assert!(monthly[m.index()].iter().all(|d| d.n == 0), "{}", m.name());
        }
    }

    // The baseline (full detail) records the deal counts and the open pipeline that R1 leaves
    // out, so its runs and R1's do not make one run.
    let base = load("baseline.toml");
    let layout = Layout::of(&base);
    for m in [
        Metric::DealsLost,
        Metric::OpenPipelineUsd,
        Metric::RealisedWinRate,
    ] {
        assert!(layout.slot(m).is_some(), "{}", m.name());
    }
    let mut mixed = simulate_range(&s, 0..64, 8, &|_| ());
    let mut other = simulate_range(&base, 64..128, 8, &|_| ());
    other.horizon = mixed.horizon;
    other.fiscal_years = mixed.fiscal_years;
    other.vp_tenure_completed = mixed.vp_tenure_completed.clone();
    other.attainment = mixed.attainment.clone();
    assert!(mixed.append(other).is_err());
}
