//! Engine benchmarks: one trial of the bundled scenarios (both levels of detail) and of a
//! 200-rep, 36-month org; full 10,000-trial runs; and the cost of each random variate the
//! reference model R1 and the baseline cannot avoid (their sampling floors, see
//! docs/performance.md).
//!
//! Run with `cargo bench --bench engine`; compare trials per second with the NumPy peer with
//! `scripts/bench-vs-peer.sh`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use revsim::model::{FiscalYearOutcome, Layout, TrialOut, TrialTotals, Workspace, run_trial};
use revsim::{Scenario, simulate};

fn load(name: &str, sets: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Scenario::load_with(&path, &sets).unwrap_or_else(|e| panic!("{e}"))
}

const BOOKINGS: &str = "simulation.detail=\"bookings\"";

/// The baseline grown to 200 reps in 200 seats for 36 months, every mechanism of the baseline on.
fn two_hundred_reps() -> Scenario {
    load(
        "baseline.toml",
        &[
            "org.seats=200",
            "org.filled_seats=200",
            "hiring.headcount_plan=[]",
            "pipeline.inbound_opportunities_per_month=200",
            "customers.starting_arr_usd=360000000",
            "customers.starting_customers=7200",
        ],
    )
}

fn one_trial(c: &mut Criterion) {
    let scenarios = [
        ("baseline", load("baseline.toml", &[])),
        ("baseline-bookings", load("baseline.toml", &[BOOKINGS])),
        ("baseline-200-reps", two_hundred_reps()),
        (
            "reference-r1-full",
            load("reference-r1.toml", &["simulation.detail=\"full\""]),
        ),
        ("reference-r1", load("reference-r1.toml", &[])),
    ];
    for (name, s) in scenarios {
        let mut ws = Workspace::new(&s);
        let mut monthly = vec![0f32; Layout::of(&s).stride(s.horizon())];
        let mut fy = vec![FiscalYearOutcome::default(); s.clock.fiscal_years.len()];
        let mut totals = TrialTotals::default();
        let mut draws = vec![0.0; revsim::model::trial::draw_columns(&s).len()];
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
                        draws: &mut draws,
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
    for (name, s) in [
        ("baseline", load("baseline.toml", &[])),
        (
            "reference-r1-full",
            load("reference-r1.toml", &["simulation.detail=\"full\""]),
        ),
        ("reference-r1", load("reference-r1.toml", &[])),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| simulate(&s, 10_000, 1, &|_| ()).totals.len())
        });
    }
    g.finish();
}

/// The cost of each variate R1 cannot avoid, 1,000 at a time on the engine's generator
/// (Xoshiro256++) with the engine's samplers: a booked deal's size (lognormal, drawn in
/// batches as the engine draws them), a rep's win rate (Beta(2, 5)) and departure budget
/// (Exp(1)), a month's count (Poisson by inversion at R1's mean of about 171 won deals a month)
/// and, in full detail, a deal's decision lag (alias table).
fn draws(c: &mut Criterion) {
    use rand::{Rng, RngExt, SeedableRng};
    use rand_distr::{Distribution, Exp1};
    let s = load("reference-r1.toml", &[]);
    let mut g = c.benchmark_group("1000 draws");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    let size = &s.pipeline.deal_size_usd;
    let win = &s.reps.win_rate;
    let lags = &s.pipeline.lags[0].alias;
    g.bench_function("u64", |b| {
        b.iter(|| (0..1000).map(|_| rng.next_u64()).fold(0, u64::wrapping_add))
    });
    // Batches of 200: about a month's booked deals in R1.
    let mut buf = vec![0.0; 200];
    g.bench_function("deal size", |b| {
        b.iter(|| {
            let mut t = 0.0;
            for _ in 0..5 {
                size.fill(&mut rng, &mut buf);
                t += buf.iter().sum::<f64>();
            }
            black_box(t)
        })
    });
    g.bench_function("win rate", |b| {
        b.iter(|| (0..1000).map(|_| win.sample(&mut rng)).sum::<f64>())
    });
    g.bench_function("departure budget", |b| {
        b.iter(|| {
            (0..1000)
                .map(|_| Distribution::<f64>::sample(&Exp1, &mut rng))
                .sum::<f64>()
        })
    });
    g.bench_function("monthly count", |b| {
        b.iter(|| {
            (0..1000)
                .map(|i| {
                    revsim::random::sampling::poisson_inverse(171.0 + i as f64 * 1e-3, rng.random())
                })
                .sum::<u64>()
        })
    });
    g.bench_function("decision lag", |b| {
        b.iter(|| {
            (0..1000)
                .map(|_| lags.sample(rng.next_u64()))
                .sum::<usize>()
        })
    });
    // The baseline's own per-rep draws (skill, a lognormal; win rate, a Beta around 25%) and
    // its month's logo churn (Binomial over about 1,800 customers at 0.8%).
    let b = load("baseline.toml", &[]);
    g.bench_function("baseline skill", |bch| {
        bch.iter(|| {
            (0..1000)
                .map(|_| b.reps.skill.sample(&mut rng))
                .sum::<f64>()
        })
    });
    g.bench_function("baseline win rate", |bch| {
        bch.iter(|| {
            (0..1000)
                .map(|_| b.reps.win_rate.sample(&mut rng))
                .sum::<f64>()
        })
    });
    g.bench_function("logo churn", |bch| {
        let churn = rand_distr::Binomial::new(1800, 0.008).unwrap();
        bch.iter(|| (0..1000).map(|_| churn.sample(&mut rng)).sum::<u64>())
    });
    g.finish();
}

criterion_group!(benches, one_trial, full_run, draws);
criterion_main!(benches);
