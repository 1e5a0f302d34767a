//! The bundled relocation sweep (22 Daishan plans) end to end at 1 and 2 threads: transforms,
//! plans, scenario folders, results. Run: `cargo bench --bench sweep`.

use archiplan::sweep::{SweepOptions, run_sweep};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::path::Path;

fn relocation(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("data/daishan");
    let sweep = root.join("data/daishan/sweep-relocation.toml");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_with_input(
            BenchmarkId::new("relocation/threads", threads),
            &threads,
            |b, &threads| {
                b.iter(|| {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let report = run_sweep(
                        &data,
                        &sweep,
                        &dir.path().join("out"),
                        &SweepOptions {
                            threads: Some(threads),
                            shard: None,
                            ..Default::default()
                        },
                    )
                    .expect("sweep");
                    assert_eq!(report.rows, 22);
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, relocation);
criterion_main!(benches);
