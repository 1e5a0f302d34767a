//! Bounded memory: `network` counts the travel-time matrix it only summarises (any cutoff fits
//! in memory), and every matrix a plan builds is checked against the cap before it is
//! allocated, refused with its size where it would exceed it.

mod common;
use archiplan::network::Network;
use common::{BIN, ROOT, generate_into, generated, json_of, ok};
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
    let data = generate_into(dir.path(), 200, 2000, 1);
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

/// The case: `network --cutoff 10080` on a generated 30,000-settlement archipelago
/// aborted after 136 s ("memory allocation of 5017042944 bytes failed", exit 134). It now
/// counts the 1.1 billion pairs (a 9 GB matrix) without storing them: exit 0, and the child's
/// peak resident memory stays far below the matrix (measured: about 180 MB).
#[test]
fn network_on_thirty_thousand_settlements_and_a_week_long_cutoff_stays_small() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = generate_into(dir.path(), 3000, 30000, 1);
    let o = Command::new(BIN)
        .args(["network"])
        .arg(&data)
        .args(["--cutoff", "10080", "--json"])
        .current_dir(ROOT)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "never 134: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m = &json_of(&o)["matrix"];
    let bytes = m["bytes"].as_u64().expect("bytes");
    assert!(bytes > 4_000_000_000, "the matrix it summarises: {m}");
    // Peak resident set of the largest child this test binary has waited for (Linux: KB).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    let peak = usage.ru_maxrss as u64 * 1024;
    assert!(
        peak < 2_000_000_000,
        "peak {peak} bytes while summarising a {bytes}-byte matrix"
    );
}
