//! Bounded memory: `network` counts the travel-time matrix it only summarises (any cutoff fits
//! in memory), and every matrix a plan builds is checked against the cap before it is
//! allocated, refused with its size where it would exceed it.

mod common;
use archiplan::network::Network;
use common::{BIN, ROOT, generated, json_of, ok};
use proptest::prelude::*;
use std::process::Command;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// The streamed count equals the pairs the stored matrix holds, at any cutoff.
    #[test]
    fn counted_pairs_equal_stored_pairs(seed in 1u64..1000, cutoff in 1.0f64..2000.0) {
        let (_dir, ds) = generated(12, 120, seed);
        let net = Network::build(&ds);
        let targets: Vec<_> = net
            .settlement_nodes
            .iter()
            .chain(&net.facility_nodes)
            .copied()
            .collect();
        let stored = net.travel_times(&net.settlement_nodes, &targets, cutoff).nnz() as u64;
        prop_assert_eq!(net.pairs_within(&net.settlement_nodes, &targets, cutoff), stored);
    }
}

#[test]
fn network_summarises_a_week_long_cutoff_without_storing_the_matrix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("ds");
    ok(Command::new(BIN)
        .args([
            "generate",
            "--islands",
            "200",
            "--settlements",
            "2000",
            "-o",
        ])
        .arg(&data)
        .current_dir(ROOT)
        .output()
        .expect("run"));
    // A cap far below the full matrix: network only counts, so it still succeeds.
    let o = ok(Command::new(BIN)
        .args(["network"])
        .arg(&data)
        .args(["--cutoff", "10080", "--json"])
        .env("ARCHIPLAN_MAX_MATRIX_GB", "0.001")
        .current_dir(ROOT)
        .output()
        .expect("run"));
    let m = &json_of(&o)["matrix"];
    let pairs = m["pairs"].as_u64().expect("pairs");
    assert!(
        pairs > 1_000_000,
        "a week reaches nearly every pair: {pairs}"
    );
    assert_eq!(m["bytes"].as_u64().expect("bytes"), 8 * pairs + 8 * 2001);
}

#[test]
fn a_plan_whose_matrix_exceeds_the_cap_is_refused_with_the_figure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = Command::new(BIN)
        .args([
            "plan",
            "data/daishan",
            "--scenario",
            "data/daishan/scenario-2024.toml",
            "-o",
        ])
        .arg(dir.path().join("plan"))
        .args(["--quiet", "--check"])
        .env("ARCHIPLAN_MAX_MATRIX_GB", "0.00001")
        .current_dir(ROOT)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("would need about") && err.contains("ARCHIPLAN_MAX_MATRIX_GB"),
        "{err}"
    );
    assert!(!dir.path().join("plan").exists(), "nothing written");
    for bad in ["0", "-1", "abc", "inf"] {
        let o = Command::new(BIN)
            .args(["plan", "data/daishan", "-o"])
            .arg(dir.path().join("p2"))
            .args(["--quiet"])
            .env("ARCHIPLAN_MAX_MATRIX_GB", bad)
            .current_dir(ROOT)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(2), "ARCHIPLAN_MAX_MATRIX_GB={bad}");
    }
}
