//! Criterion benchmarks of the solvers: random planar instances (always) and a few
//! OR-Library instances (when ../shared/bench/pmed is present).
//!
//! `cargo bench --bench solvers`. The full 40-instance table comes from
//! `archiplan bench orlib ../shared/bench/pmed` (see benches/README.md).

use archiplan::model::{Mclp, Model, PCenter, PMedian, Problem};
use archiplan::orlib::{self, OrlibModel};
use archiplan::solve::{SolveOptions, solve};
use archiplan::synth::random_points;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;

fn random(c: &mut Criterion) {
    let mut g = c.benchmark_group("random");
    g.sample_size(10);
    let inst = random_points(300, 300, None, 7).expect("instance");
    for (name, model) in [
        ("p-median 300x300 p=10", Model::PMedian(PMedian::new(10))),
        ("p-center 300x300 p=10", Model::PCenter(PCenter::new(10))),
    ] {
        let prob = Problem::new(inst.clone(), model);
        g.bench_function(name, |b| {
            b.iter(|| solve(black_box(&prob), &SolveOptions::default()).expect("solve"))
        });
    }
    let cover = random_points(5000, 500, Some(10.0), 7).expect("instance");
    let prob = Problem::new(cover, Model::Mclp(Mclp::with_p(10.0, 10)));
    g.bench_function("mclp 5000x500 p=10 r=10", |b| {
        b.iter(|| solve(black_box(&prob), &SolveOptions::default()).expect("solve"))
    });
    g.finish();
}

fn or_library(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/pmed");
    if !dir.exists() {
        eprintln!(
            "skipping OR-Library benchmarks: {} not present",
            dir.display()
        );
        return;
    }
    let mut g = c.benchmark_group("orlib");
    g.sample_size(10);
    for name in ["pmed1", "pmed11", "pmed21", "pmed40"] {
        let inst = orlib::read(&dir.join(format!("{name}.txt"))).expect("read");
        let prob = orlib::problem(&inst, OrlibModel::PMedian, None).expect("problem");
        g.bench_function(name, |b| {
            b.iter(|| solve(black_box(&prob), &SolveOptions::default()).expect("solve"))
        });
    }
    g.finish();
}

criterion_group!(benches, random, or_library);
criterion_main!(benches);
