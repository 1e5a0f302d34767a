//! One solver layer: `--solver auto|microlp|highs` reaches the plan, the sweep and the
//! resilience run alike, the plan says which backend ran, and (with `--features highs`) HiGHS
//! and microlp reach the same proven optimum on the Daishan plans, each audited and proven by
//! `archiplan check --prove` (its own model, its own solver).

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn summary(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
        .expect("summary.json is JSON")
}

/// Plans Daishan `year` with `solver` (audited before it is written) and proves it.
fn plan_with(year: u32, solver: &str, dir: &Path) -> Value {
    let data = Path::new(ROOT).join("data/daishan");
    let scenario = data.join(format!("scenario-{year}.toml"));
    let out = dir.join(format!("{solver}-{year}"));
    plan_checked(&data, &scenario, &out, &["--solver", solver]);
    assert_proven(&data, &out, &scenario);
    summary(&out)
}

#[test]
fn the_plan_reports_its_backend_and_auto_is_microlp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let auto = plan_with(2024, "auto", dir.path());
    let microlp = plan_with(2024, "microlp", dir.path());
    assert_eq!(auto["solver"], "microlp");
    assert_eq!(microlp["solver"], "microlp");
    assert_eq!(auto, microlp, "auto is microlp for the plan's models");
}

#[test]
fn resilience_and_sweep_take_the_same_solver_flags() {
    // The flags every command that plans takes alike.
    const RUN: [&str; 7] = [
        "--solver",
        "microlp",
        "--time-limit",
        "600",
        "--threads",
        "2",
        "--quiet",
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "resilience",
        "data/daishan",
        "--scenario",
        "data/daishan/scenario-2024.toml",
        "--json",
    ];
    args.extend(RUN);
    let r = run(&args);
    assert!(json_of(&ok(r)).as_array().is_some_and(|a| !a.is_empty()));
    let sweep = small_sweep(dir.path());
    let out = dir.path().join("sweep");
    let mut args = vec![
        "sweep",
        "data/daishan",
        "--sweep",
        sweep.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
        "--check",
    ];
    args.extend(RUN);
    let s = run(&args);
    ok(s);
    let first = std::fs::read_dir(out.join("scenarios"))
        .expect("scenarios")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("plan"))
        .find(|p| p.join("summary.json").is_file())
        .expect("a scenario with a plan");
    assert_eq!(summary(&first)["solver"], "microlp");
}

/// Without the feature, HiGHS is refused before anything runs, saying how to build it in.
#[cfg(not(feature = "highs"))]
#[test]
fn highs_without_the_feature_is_a_usage_error_naming_the_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    let o = run(&[
        "plan",
        "data/daishan",
        "--scenario",
        "data/daishan/scenario-2024.toml",
        "-o",
        out.to_str().expect("utf-8"),
        "--solver",
        "highs",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--features highs"), "{err}");
    assert!(!out.exists(), "nothing is written");
}

/// The same Daishan plans through HiGHS and microlp: the same sites open, closed and expanded,
/// the same costs to the yuan, the same targets met, the tiers and routes byte for byte, and
/// objectives (cost plus the travel tie-break) equal to 1e-8. Where several plans tie on cost
/// (courier points a village apart), the plan takes the one of least site priority (a second
/// exact solve), so the backend's pick among equal-cost plans does not show. Seats may differ
/// within the solvers' tolerance: with the Gaoting expansion decided, the schools' seats sit on a
/// face where 56 pupil-minutes weigh 1e-8 of the objective, and the two LP codes stop at points
/// 0.01 apart (each within the prover's slack). Each plan is audited and proven optimal by the
/// independent prover.
#[cfg(feature = "highs")]
#[test]
fn highs_and_microlp_give_the_same_daishan_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    for year in [2024, 2025] {
        let m = plan_with(year, "microlp", dir.path());
        let h = plan_with(year, "highs", dir.path());
        assert_eq!(h["solver"], "highs");
        assert_eq!(m["status"], "optimal");
        assert_eq!(h["status"], "optimal");
        assert_eq!(m["cost"], h["cost"], "{year}: cost");
        let close = |a: &Value, b: &Value| {
            let (a, b) = (a.as_f64().expect("number"), b.as_f64().expect("number"));
            (a - b).abs() <= 1e-8 * a.abs().max(1.0)
        };
        assert!(close(&m["objective"], &h["objective"]), "{year}: objective");
        let (ms, hs) = (
            m["services"].as_array().expect("services"),
            h["services"].as_array().expect("services"),
        );
        assert_eq!(ms.len(), hs.len());
        for (a, b) in ms.iter().zip(hs) {
            for key in [
                "service", "cost", "costs", "new", "kept", "closed", "expanded", "mobile",
            ] {
                assert_eq!(a[key], b[key], "{year} {}: {key}", a["service"]);
            }
            assert!(
                close(&a["objective"], &b["objective"]),
                "{year} {}",
                a["service"]
            );
        }
        for (a, b) in m["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .zip(h["targets"].as_array().expect("targets"))
        {
            assert_eq!((&a["name"], &a["met"]), (&b["name"], &b["met"]), "{year}");
        }
        let (md, hd) = (
            dir.path().join(format!("microlp-{year}")),
            dir.path().join(format!("highs-{year}")),
        );
        for name in ["islands.geojson", "routes.geojson"] {
            let a = std::fs::read(md.join(name)).expect("microlp file");
            let b = std::fs::read(hd.join(name)).expect("highs file");
            assert!(a == b, "{year}: {name} differs between microlp and highs");
        }
        let status = |dir: &Path| -> Vec<(String, String)> {
            let v: Value = serde_json::from_slice(
                &std::fs::read(dir.join("facilities.geojson")).expect("facilities"),
            )
            .expect("json");
            v["features"]
                .as_array()
                .expect("features")
                .iter()
                .map(|f| {
                    let p = &f["properties"];
                    (
                        p["id"].as_str().unwrap_or("").to_string(),
                        p["status"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        };
        assert_eq!(status(&md), status(&hd), "{year}: facility statuses");
    }
}
