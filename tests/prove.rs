//! `archiplan check --prove`: every service's optimum re-derived by the audit's own MILP.
//! The bundled plans are proven; a plan made worse on purpose (a school closed and the plan
//! re-solved around it, every file consistent) still passes the plain audit and is caught by
//! the prover only; a generated archipelago's plan is proven too; a re-solve cut short says so
//! without failing.

mod common;
use common::{BIN, ROOT, generate_into, json_of, plan_checked};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn check(data: &Path, out: &Path, scenario: Option<&Path>, extra: &[&str]) -> Output {
    let mut c = Command::new(BIN);
    c.arg("check").arg(data).arg(out).arg("--json");
    if let Some(s) = scenario {
        c.arg("--scenario").arg(s);
    }
    c.args(extra)
        .current_dir(ROOT)
        .output()
        .expect("run archiplan")
}

/// `check --json --prove` plus `extra`: exit 0 (showing the report when not), its JSON.
fn proved(data: &Path, out: &Path, scenario: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["--prove"];
    args.extend_from_slice(extra);
    let o = check(data, out, Some(scenario), &args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    json_of(&o)
}

fn daishan() -> std::path::PathBuf {
    Path::new(ROOT).join("data/daishan")
}

/// Each proof of `v` as (service, proof object).
fn proofs(v: &Value) -> Vec<(String, Value)> {
    v["proofs"]
        .as_array()
        .expect("proofs listed under --prove")
        .iter()
        .map(|p| {
            (
                p["service"].as_str().expect("service").to_string(),
                p.clone(),
            )
        })
        .collect()
}

fn num(p: &Value, key: &str) -> f64 {
    p[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number: {p}"))
}

/// The bundled plans: exit 0, every service proven, optimum equal to the reported objective
/// (to the solvers' feasibility tolerance on seat shares), and the plan's own status optimal.
#[test]
fn the_bundled_daishan_plans_are_proven_optimal() {
    let dir = tempfile::tempdir().expect("tempdir");
    for year in ["2024", "2025"] {
        let scenario = daishan().join(format!("scenario-{year}.toml"));
        let out = dir.path().join(year);
        plan_checked(&daishan(), &scenario, &out, &[]);
        let v = proved(&daishan(), &out, &scenario, &[]);
        let list = proofs(&v);
        let services = v["checked"]["services"].as_u64().expect("count") as usize;
        assert_eq!(list.len(), services, "one proof per service: {v}");
        for (service, p) in list {
            assert_eq!(p["proven"], true, "{year} {service}: {p}");
            assert_eq!(p["verdict"], "agrees", "{year} {service}: {p}");
            assert_eq!(p["reported_status"], "optimal", "{year} {service}: {p}");
            let (o, opt) = (num(&p, "reported_objective"), num(&p, "optimum"));
            assert!(
                (o - opt).abs() <= 1e-7 * o.abs() + 0.01,
                "{year} {service}: reported {o}, proven optimum {opt}"
            );
            assert!(num(&p, "reported_bound") <= opt + 1e-7 * opt.abs() + 0.01);
        }
        // The existing 120 stations are in the data (#12 item 8): emergency cover is the
        // network's, not the 4.7% of the Yushan point alone.
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("summary.json")).expect("summary"),
        )
        .expect("json");
        let emergency = summary["services"]
            .as_array()
            .expect("services")
            .iter()
            .find(|s| s["service"] == "emergency")
            .expect("emergency");
        assert!(num(emergency, "coverage") > 0.9, "{year}: {emergency}");
        assert_eq!(
            num(emergency, "kept"),
            3.0,
            "{year}: the three stations are kept"
        );
    }
}

/// Duigang Shan's sourced position (30.2221 N, 122.2198 E) lies in no drawn island: the first
/// drawing of Jiangnan Shan (an estimate) covered it (#12 item 8). Checked with geo's own
/// point-in-polygon test on the layer as GeoJSON, not through archiplan's reader.
#[test]
fn duigang_lies_in_no_drawn_island() {
    use geo::Contains;
    let text = std::fs::read_to_string(daishan().join("islands.geojson")).expect("islands");
    let fc: geojson::FeatureCollection = text.parse().expect("geojson");
    let duigang = geo::Point::new(122.2198, 30.2221);
    for f in fc.features {
        let g: geo::Geometry<f64> = f.geometry.expect("geometry").try_into().expect("geo");
        let id = f.properties.as_ref().and_then(|p| p.get("id")).cloned();
        assert!(!g.contains(&duigang), "Duigang falls inside {id:?}");
    }
}

/// A worse plan written consistently: the planner re-solved with one more school kept by a
/// decision (Dongsha primary, which the optimum closes). Audited against the real scenario,
/// every value it reports is re-derivable (the plain audit passes), but its claim that the
/// school plan is optimal is false.
#[test]
fn a_deliberately_weakened_plan_is_caught_only_by_the_prover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let real = daishan().join("scenario-2024.toml");
    let text = std::fs::read_to_string(&real).expect("scenario");
    let needle = "keep = [\"hosp_county1\"";
    assert!(
        text.contains(needle),
        "the 2024 scenario keeps the hospitals"
    );
    let weak = dir.path().join("weak.toml");
    std::fs::write(
        &weak,
        text.replace(needle, "keep = [\"sch_dongsha_primary\", \"hosp_county1\""),
    )
    .expect("write");
    let out = dir.path().join("weak");
    plan_checked(&daishan(), &weak, &out, &[]);

    let plain = check(&daishan(), &out, Some(&real), &[]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "every reported value is consistent: {}",
        String::from_utf8_lossy(&plain.stdout)
    );

    let o = check(&daishan(), &out, Some(&real), &["--prove"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v = json_of(&o);
    let found: Vec<&Value> = v["disagreements"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert_eq!(found.len(), 1, "only the false proof: {found:?}");
    assert_eq!(found[0]["file"], "summary.json");
    assert_eq!(found[0]["feature"], "school");
    assert_eq!(found[0]["field"], "status");
    for (service, p) in proofs(&v) {
        if service == "school" {
            assert_eq!(p["verdict"], "disagrees", "{p}");
            assert!(
                num(&p, "optimum") < num(&p, "reported_objective") - 1000.0,
                "{p}"
            );
            let reason = p["reason"].as_str().expect("reason");
            assert!(reason.contains("sch_dongsha_primary"), "{reason}");
        } else {
            assert_eq!(p["verdict"], "agrees", "{service}: {p}");
        }
    }

    // The text form names the violated claim too.
    let text = Command::new(BIN)
        .args(["check"])
        .arg(daishan())
        .arg(&out)
        .arg("--scenario")
        .arg(&real)
        .arg("--prove")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("school `status`"), "{stdout}");
    assert!(stdout.contains("prove school: disagrees"), "{stdout}");
}

/// A generated archipelago (the 20 islands, 200 settlements, seed 3, default scenario):
/// the plan is audited, and the prover agrees with every service's claims.
#[test]
fn a_generated_plan_agrees_with_the_prover() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = generate_into(dir.path(), 20, 200, 3);
    let scenario = dir.path().join("scenario.toml");
    let s = Command::new(BIN)
        .args(["scenario", "init", "-o"])
        .arg(&scenario)
        .output()
        .expect("run");
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let out = dir.path().join("plan");
    plan_checked(&data, &scenario, &out, &[]);
    let v = proved(&data, &out, &scenario, &["--time-limit", "120"]);
    for (service, p) in proofs(&v) {
        assert_eq!(p["verdict"], "agrees", "{service}: {p}");
        assert_eq!(p["proven"], true, "{service}: {p}");
        let bound = num(&p, "reported_bound");
        let opt = num(&p, "optimum");
        assert!(bound <= opt + 1e-7 * opt + 0.01, "{service}: {p}");
    }
}

/// A re-solve cut short is neither a pass nor a failure: its verdict says `unfinished` or the
/// proof finished; an invalid limit is a usage error; `--time-limit` needs `--prove`.
#[test]
fn prove_limits_are_honest_and_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = daishan().join("scenario-2024.toml");
    let out = dir.path().join("p");
    plan_checked(&daishan(), &scenario, &out, &[]);
    let v = proved(&daishan(), &out, &scenario, &["--time-limit", "0.001"]);
    for (service, p) in proofs(&v) {
        match p["verdict"].as_str() {
            Some("agrees") => assert_eq!(p["proven"], true, "{service}: {p}"),
            Some("unfinished") => {
                assert_eq!(p["proven"], false, "{service}: {p}");
                assert!(
                    p["reason"]
                        .as_str()
                        .is_some_and(|r| r.contains("did not finish"))
                );
            }
            _ => panic!("{service}: {p}"),
        }
    }
    for bad in ["0", "-1", "nan"] {
        let o = check(
            &daishan(),
            &out,
            Some(&scenario),
            &["--prove", "--time-limit", bad],
        );
        assert_eq!(o.status.code(), Some(2), "--time-limit {bad}");
    }
    let o = check(&daishan(), &out, Some(&scenario), &["--time-limit", "5"]);
    assert_eq!(o.status.code(), Some(2), "--time-limit without --prove");
}
