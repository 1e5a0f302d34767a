//! Helpers shared by the integration tests: running the `archiplan` binary from the project
//! root, checking its exit code, and generating small synthetic archipelagos.
#![allow(dead_code)] // each test binary uses its own subset

use archiplan::layers::DataSet;
use archiplan::synth::{SynthParams, generate};
use serde_json::Value;
use std::process::{Command, Output};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
pub const BIN: &str = env!("CARGO_BIN_EXE_archiplan");

/// Runs the binary with `args` in the project root, so relative paths like `data/daishan` work.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .output()
        .expect("run archiplan")
}

/// Asserts a successful exit, showing stderr when it is not.
pub fn ok(o: Output) -> Output {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The JSON printed on stdout, or a panic showing both streams.
pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A generated archipelago, written and loaded back through the validating loader. The
/// temporary folder is returned so the files outlive the call.
pub fn generated(islands: usize, settlements: usize, seed: u64) -> (tempfile::TempDir, DataSet) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("ds");
    generate(SynthParams {
        islands,
        settlements,
        seed,
    })
    .expect("generate")
    .write(&out)
    .expect("write");
    let (ds, _) = DataSet::load(&out).expect("generated data validates");
    (dir, ds)
}

/// `archiplan generate` (the binary, as a user runs it) into `dir/ds`; panics unless exit 0.
pub fn generate_into(
    dir: &std::path::Path,
    islands: usize,
    settlements: usize,
    seed: u64,
) -> std::path::PathBuf {
    let data = dir.join("ds");
    ok(Command::new(BIN)
        .args(["generate", "--islands", &islands.to_string()])
        .args(["--settlements", &settlements.to_string()])
        .args(["--seed", &seed.to_string(), "-o"])
        .arg(&data)
        .current_dir(ROOT)
        .output()
        .expect("run archiplan"));
    data
}

/// Writes a plan folder and audits it independently (`archiplan check`); panics listing the
/// disagreements. Every test that makes a plan calls this (or passes `--check`).
pub fn assert_audited(ctx: &archiplan::plan::Context, plan: &archiplan::plan::Plan) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    let summary = archiplan::report::plan_out::summarize(ctx, plan);
    archiplan::report::plan_out::write_plan(ctx, plan, &summary, &out).expect("write plan");
    let a = archiplan::audit::audit(ctx.ds, ctx.scenario, &out).expect("audit");
    assert!(a.ok, "the plan fails its audit: {:#?}", a.disagreements);
}

/// Plans `sc` on `ds`, which must have no feasible plan (exit 3); returns the explanation.
pub fn infeasible_reason(ds: &DataSet, sc: &archiplan::scenario::Scenario) -> String {
    let options = archiplan::plan::PlanOptions::default();
    let err = archiplan::plan::plan(ds, sc, options).expect_err("no feasible plan");
    assert_eq!(err.exit_code(), 3, "{err}");
    err.to_string()
}

/// A small sweep (6 scenarios: the relocation sweep at 0%, 50% and 100%) written into `dir`
/// beside copies of the two Daishan scenarios it uses.
pub fn small_sweep(dir: &std::path::Path) -> std::path::PathBuf {
    let root = std::path::Path::new(ROOT).join("data/daishan");
    for scenario in ["scenario-2024.toml", "scenario-2025.toml"] {
        std::fs::copy(root.join(scenario), dir.join(scenario)).expect("copy");
    }
    let text = std::fs::read_to_string(root.join("sweep-relocation.toml"))
        .expect("sweep")
        .replace(
            "values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]",
            "values = [0.0, 0.5, 1.0]",
        );
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).expect("write");
    path
}

/// `archiplan plan DATA --scenario SCENARIO -o OUT --quiet --check` (audited before it is
/// written), plus `extra`; panics showing stderr unless it exits 0.
pub fn plan_checked(
    data: &std::path::Path,
    scenario: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> Output {
    let o = Command::new(BIN)
        .arg("plan")
        .arg(data)
        .arg("--scenario")
        .arg(scenario)
        .arg("-o")
        .arg(out)
        .args(["--quiet", "--check"])
        .args(extra)
        .current_dir(ROOT)
        .output()
        .expect("run archiplan");
    ok(o)
}

/// `archiplan check DATA OUT --scenario S --prove --json`: asserts every service's proof
/// agrees (the audit's own model re-solved to the reported optimum).
pub fn assert_proven(data: &std::path::Path, out: &std::path::Path, scenario: &std::path::Path) {
    let v = json_of(&ok(run(&[
        "check",
        data.to_str().expect("utf-8"),
        out.to_str().expect("utf-8"),
        "--scenario",
        scenario.to_str().expect("utf-8"),
        "--prove",
        "--json",
    ])));
    for p in v["proofs"].as_array().expect("proofs") {
        assert_eq!(p["verdict"], "agrees", "{}: {p}", out.display());
    }
}

/// The `services` entry named `service` of a plan folder's `summary.json`.
pub fn service_summary(out: &std::path::Path, service: &str) -> Value {
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json");
    let summary: Value = serde_json::from_str(&text).expect("summary.json is JSON");
    summary["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["service"] == service)
        .unwrap_or_else(|| panic!("no service {service} in {}", out.display()))
        .clone()
}

/// Copies the files of `tests/fixtures/NAME` into `to` (created), for a test that edits them.
pub fn copy_fixture(name: &str, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    let fixture = std::path::Path::new(ROOT).join("tests/fixtures").join(name);
    for f in std::fs::read_dir(&fixture).expect("fixture") {
        let f = f.expect("entry").path();
        std::fs::copy(&f, to.join(f.file_name().expect("name"))).expect("copy");
    }
}

/// The features of a GeoJSON file of a plan folder (e.g. `facilities.geojson`).
pub fn features(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut v: Value = serde_json::from_str(&text).expect("GeoJSON");
    match v["features"].take() {
        Value::Array(a) => a,
        other => panic!("{}: no features: {other}", path.display()),
    }
}
