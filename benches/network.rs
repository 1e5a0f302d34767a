//! Network construction + 60-minute sparse travel-time matrix on generated archipelagos of
//! 1k, 10k and 100k settlements, at 1 and 2 threads.
//!
//! Run: `cargo bench --bench network` (add `-- 100k` to pick a size). Peak memory is measured
//! outside criterion with `/usr/bin/time -v archiplan network DIR` (see benches/README.md).

use archiplan::layers::DataSet;
use archiplan::network::Network;
use archiplan::synth::{SynthParams, generate};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::time::Duration;

fn dataset(islands: usize, settlements: usize) -> DataSet {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ds");
    generate(SynthParams {
        islands,
        settlements,
        seed: 1,
    })
    .expect("generate")
    .write(&out)
    .expect("write");
    DataSet::load(&out).expect("valid").0
}

fn network_and_matrix(c: &mut Criterion) {
    let mut group = c.benchmark_group("network+matrix60");
    for (label, islands, settlements, samples) in [
        ("1k", 100, 1_000, 50),
        ("10k", 1_000, 10_000, 20),
        ("100k", 10_000, 100_000, 10),
    ] {
        let ds = dataset(islands, settlements);
        group.sample_size(samples);
        group.measurement_time(Duration::from_secs(if settlements >= 100_000 {
            60
        } else {
            10
        }));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            group.bench_with_input(
                BenchmarkId::new(format!("{label}/threads"), threads),
                &ds,
                |b, ds| {
                    b.iter(|| {
                        pool.install(|| {
                            let net = Network::build(ds);
                            let targets: Vec<_> = net
                                .settlement_nodes
                                .iter()
                                .chain(&net.facility_nodes)
                                .copied()
                                .collect();
                            let tt = net.travel_times(&net.settlement_nodes, &targets, 60.0);
                            (net.edge_count(), tt.nnz())
                        })
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, network_and_matrix);
criterion_main!(benches);
