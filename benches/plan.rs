//! The "1+4+N" plan end to end (network, tiers, every service): the bundled Daishan 2024
//! scenario, and a generated 500-island / 5,000-settlement archipelago with all four services
//! (template scenario with 30 sub-centres, 60-second time limit per service).
//!
//! Run: `cargo bench --bench plan -- daishan` (seconds) or `-- 5k` (about ten minutes: ten
//! samples of a one-minute plan). Gaps and peak memory: benches/README.md.

use archiplan::layers::DataSet;
use archiplan::plan::{Context, PlanOptions, plan_in};
use archiplan::scenario::{Scenario, TEMPLATE};
use archiplan::synth::{SynthParams, generate};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use std::path::Path;
use std::time::Duration;

fn daishan(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (ds, _) = DataSet::load(root.join("data/daishan")).expect("daishan");
    let sc = Scenario::load(&root.join("data/daishan/scenario-2024.toml")).expect("scenario");
    let mut group = c.benchmark_group("plan");
    group.sample_size(20);
    group.bench_function("daishan-2024", |b| {
        b.iter(|| {
            let ctx = Context::new(&ds, &sc).expect("context");
            let plan = plan_in(&ctx, PlanOptions::default()).expect("plan");
            assert_eq!(plan.gap, 0.0);
            plan.cost
        })
    });
    group.finish();
}

/// The template scenario with 30 sub-centres (an archipelago this size needs more than four).
pub fn scenario_5k() -> Scenario {
    let text = TEMPLATE.replace(
        "name = \"subcenter\"\ncount = 4",
        "name = \"subcenter\"\ncount = 30",
    );
    Scenario::parse(&text, "5k").expect("scenario")
}

fn synthetic_5k(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ds");
    generate(SynthParams {
        islands: 500,
        settlements: 5_000,
        seed: 1,
    })
    .expect("generate")
    .write(&out)
    .expect("write");
    let (ds, _) = DataSet::load(&out).expect("valid");
    let sc = scenario_5k();
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(600));
    group.bench_function("synthetic-5k", |b| {
        b.iter(|| {
            let ctx = Context::new(&ds, &sc).expect("context");
            let plan = plan_in(
                &ctx,
                PlanOptions {
                    time_limit: Some(60.0),
                    ..Default::default()
                },
            )
            .expect("plan");
            (plan.cost, plan.gap)
        })
    });
    group.finish();
}

criterion_group!(benches, daishan, synthetic_5k);
criterion_main!(benches);
