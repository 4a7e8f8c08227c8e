//! Engine benchmarks: one trial of the bundled scenarios and of a 200-rep, 36-month org, and a
//! full 10,000-trial run.
//!
//! Run with `cargo bench`; compare trials per second with the NumPy peer as described in
//! docs/performance.md.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use revsim::model::{FiscalYearOutcome, Metric, TrialOut, TrialTotals, Workspace, run_trial};
use revsim::{Scenario, simulate};

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The baseline grown to 200 reps in 200 seats for 36 months, every mechanism of the baseline on.
fn two_hundred_reps() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    let sets = [
        "org.seats=200",
        "org.filled_seats=200",
        "hiring.headcount_plan=[]",
        "pipeline.inbound_opportunities_per_month=200",
        "customers.starting_arr_usd=360000000",
        "customers.starting_customers=7200",
    ]
    .map(String::from)
    .to_vec();
    Scenario::load_layers(&path, &[sets]).unwrap_or_else(|e| panic!("{e}"))
}

fn one_trial(c: &mut Criterion) {
    let scenarios = [
        ("baseline.toml", load("baseline.toml")),
        ("baseline-200-reps", two_hundred_reps()),
        ("reference-r1.toml", load("reference-r1.toml")),
    ];
    for (name, s) in scenarios {
        let mut ws = Workspace::new(&s);
        let mut monthly = vec![0f32; Metric::COUNT * s.horizon()];
        let mut fy = vec![FiscalYearOutcome::default(); s.clock.fiscal_years.len()];
        let mut totals = TrialTotals::default();
        let mut trial = 0u64;
        c.bench_function(&format!("one trial/{name}"), |b| {
            b.iter(|| {
                trial += 1;
                run_trial(
                    &s,
                    1,
                    trial,
                    &mut ws,
                    TrialOut {
                        monthly: &mut monthly,
                        fiscal_years: &mut fy,
                        totals: &mut totals,
                    },
                );
                totals.bookings_usd
            })
        });
    }
}

fn full_run(c: &mut Criterion) {
    let mut g = c.benchmark_group("10k trials");
    g.sample_size(10);
    for name in ["baseline.toml", "reference-r1.toml"] {
        let s = load(name);
        g.bench_function(name, |b| {
            b.iter(|| simulate(&s, 10_000, 1, &|_| ()).totals.len())
        });
    }
    g.finish();
}

/// The cost of the random variates R1 cannot avoid, 1,000 at a time on the engine's generator:
/// the sampling floor of one R1 trial is 7,200 Poisson counts (one per rep-month) plus, per
/// opportunity (21,600 per trial), a uniform for the outcome, a lognormal size and a gamma cycle.
fn draws(c: &mut Criterion) {
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, Gamma, LogNormal, Poisson};
    let mut g = c.benchmark_group("1000 draws");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    let poisson = Poisson::new(3.0).unwrap();
    let lognormal = LogNormal::new(20_000f64.ln(), 0.8).unwrap();
    let gamma = Gamma::new(2.0, 1.5).unwrap();
    g.bench_function("uniform", |b| {
        b.iter(|| (0..1000).map(|_| rng.random::<f64>()).sum::<f64>())
    });
    g.bench_function("poisson(3)", |b| {
        b.iter(|| (0..1000).map(|_| poisson.sample(&mut rng)).sum::<f64>())
    });
    g.bench_function("lognormal", |b| {
        b.iter(|| (0..1000).map(|_| lognormal.sample(&mut rng)).sum::<f64>())
    });
    g.bench_function("gamma(2, 1.5)", |b| {
        b.iter(|| (0..1000).map(|_| gamma.sample(&mut rng)).sum::<f64>())
    });
    g.finish();
}

criterion_group!(benches, one_trial, full_run, draws);
criterion_main!(benches);
