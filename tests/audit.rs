//! Travel times of co-located sites, and `archiplan check`: the independent audit passes on
//! every bundled plan and on generated ones, and fails, naming the field, on folders tampered
//! in each way a wrong plan could be wrong.

mod common;
use common::*;

use archiplan::network::Network;
use archiplan::plan::PlanOptions;
use archiplan::report::plan_out::{summarize, write_plan};
use archiplan::scenario::Scenario;
use petgraph::graph::NodeIndex;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn tol(x: f64) -> f64 {
    1e-3 + x.abs() * 1e-6
}

/// Every column of a matrix whose targets repeat nodes equals petgraph's Dijkstra from that
/// target's node (the graph is undirected).
fn assert_columns_match_petgraph(net: &Network, sources: &[NodeIndex], targets: &[NodeIndex]) {
    let tt = net.travel_times(sources, targets, f64::INFINITY);
    assert_eq!(tt.cols(), targets.len());
    for (c, &t) in targets.iter().enumerate() {
        let reference = petgraph::algo::dijkstra(&net.graph, t, None, |e| e.weight().minutes);
        for (r, s) in sources.iter().enumerate() {
            let ours = tt.get(r, c).map(f64::from);
            match reference.get(s) {
                Some(&d) => {
                    let o = ours.unwrap_or_else(|| panic!("column {c} ({t:?}) lacks row {r}"));
                    assert!((o - d).abs() <= tol(d), "{s:?}->{t:?}: {o} vs {d}");
                }
                None => assert_eq!(ours, None),
            }
        }
    }
}

#[test]
fn two_and_three_sites_on_one_node_each_get_their_travel_times() {
    let (_dir, ds) = generated(4, 30, 7);
    let net = Network::build(&ds);
    let s = &net.settlement_nodes;
    // Two sites on one node, three on another, and a lone one between them.
    let targets = vec![s[3], s[3], s[10], s[5], s[5], s[5]];
    assert_columns_match_petgraph(&net, s, &targets);
    let tt = net.travel_times(s, &targets, f64::INFINITY);
    for r in 0..s.len() {
        assert_eq!(tt.get(r, 0), tt.get(r, 1));
        assert_eq!(tt.get(r, 3), tt.get(r, 5));
        assert!(tt.get(r, 0).is_some() || tt.get(r, 2).is_none());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random sites drawn with replacement from the settlement and facility nodes, so that many
    /// share a node, each get petgraph's minutes from their own node.
    #[test]
    fn random_sites_on_shared_nodes_match_petgraph_dijkstra(
        islands in 2usize..12, settlements in 4usize..80, seed in any::<u64>(),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..40),
        cutoff in prop_oneof![Just(f64::INFINITY), 5.0f64..200.0],
    ) {
        let (_dir, ds) = generated(islands, settlements, seed);
        let net = Network::build(&ds);
        let pool: Vec<NodeIndex> = net.settlement_nodes.iter().chain(&net.facility_nodes).copied().collect();
        let targets: Vec<NodeIndex> = picks.iter().map(|i| pool[i.index(pool.len())]).collect();
        let sources = &net.settlement_nodes;
        let tt = net.travel_times(sources, &targets, cutoff);
        for (c, &t) in targets.iter().enumerate() {
            let reference = petgraph::algo::dijkstra(&net.graph, t, None, |e| e.weight().minutes);
            for (r, s) in sources.iter().enumerate() {
                let ours = tt.get(r, c).map(f64::from);
                match reference.get(s).copied().filter(|&d| d <= cutoff * (1.0 - 1e-6) - 1e-6) {
                    Some(d) => {
                        let o = ours.expect("a site within the cutoff has its minutes");
                        prop_assert!((o - d).abs() <= tol(d), "{:?}->{:?}: {} vs {}", s, t, o, d);
                    }
                    None => prop_assert!(ours.is_none_or(|o| o <= cutoff * (1.0 + 1e-6) && reference.contains_key(s))),
                }
            }
        }
    }
}

fn check(data: &str, out: &Path, scenario: Option<&str>) -> std::process::Output {
    let mut args = vec!["check", data, out.to_str().expect("utf8"), "--json"];
    if let Some(s) = scenario {
        args.extend(["--scenario", s]);
    }
    run(&args)
}

const S2024: &str = "data/daishan/scenario-2024.toml";

/// The Daishan 2024 plan, made once (with `--check`) for the tests of this file.
fn daishan_2024() -> &'static Path {
    static PLAN: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = PLAN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("plan");
        ok(run(&[
            "plan",
            "data/daishan",
            "--scenario",
            S2024,
            "-o",
            out.to_str().expect("utf8"),
            "--check",
            "--quiet",
        ]));
        (dir, out)
    });
    out
}

fn read_fc(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// The symptom: every Da Changtu village has a clinic within 30 minutes, and no open
/// site whose own village is within its standard serves nobody.
#[test]
fn daishan_2024_covers_da_changtu_and_no_open_site_at_a_village_serves_nobody() {
    let out = daishan_2024();
    let settlements = read_fc(&out.join("settlements.geojson"));
    let facilities = read_fc(&out.join("facilities.geojson"));
    let mut da_changtu = 0;
    for f in settlements["features"].as_array().expect("features") {
        let p = &f["properties"];
        if p["island"] == "da_changtu" {
            da_changtu += 1;
            assert_eq!(p["clinic_covered"], 1.0, "{p}");
        }
    }
    assert_eq!(da_changtu, 2);
    let village_of: std::collections::HashMap<String, Value> = settlements["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            (
                f["properties"]["id"].as_str().unwrap_or("").to_string(),
                f["properties"].clone(),
            )
        })
        .collect();
    let mut new_sites_at_villages = 0;
    for f in facilities["features"].as_array().expect("features") {
        let p = &f["properties"];
        let id = p["id"].as_str().expect("id");
        let service = p["service"].as_str().expect("service");
        // New sites are named new-{service}-{level}-{settlement id}.
        let Some(village) = id
            .strip_prefix(&format!("new-{service}-"))
            .and_then(|r| r.split_once('-'))
        else {
            continue;
        };
        let v = &village_of[village.1];
        if v[format!("{service}_covered")] == 1.0 && v["population"].as_u64() > Some(0) {
            new_sites_at_villages += 1;
            assert!(p["load"].as_f64() > Some(0.0), "{id} serves nobody: {p}");
        }
    }
    assert!(new_sites_at_villages >= 10, "{new_sites_at_villages}");
}

#[test]
fn check_passes_on_the_daishan_2024_and_2025_plans() {
    let v = json_of(&ok(check("data/daishan", daishan_2024(), Some(S2024))));
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["checked"]["values"].as_u64() > Some(1000), "{v}");
    assert_eq!(v["checked"]["settlements"], 87);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("p25");
    let s2025 = "data/daishan/scenario-2025.toml";
    ok(run(&[
        "plan",
        "data/daishan",
        "--scenario",
        s2025,
        "-o",
        out.to_str().expect("utf8"),
        "--check",
    ]));
    let v = json_of(&ok(check("data/daishan", &out, Some(s2025))));
    assert_eq!(v["ok"], true, "{v}");
    // The wrong scenario is a disagreement, not a pass.
    let wrong = check("data/daishan", &out, Some(S2024));
    assert_eq!(wrong.status.code(), Some(2));
}

#[test]
fn check_passes_on_every_scenario_of_the_bundled_relocation_sweep() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("sweep");
    ok(run(&[
        "sweep",
        "data/daishan",
        "--sweep",
        "data/daishan/sweep-relocation.toml",
        "-o",
        out.to_str().expect("utf8"),
        "--check",
        "--quiet",
    ]));
    let v = json_of(&ok(check("data/daishan", &out, None)));
    assert_eq!(v["ok"], true);
    assert_eq!(v["scenarios"].as_array().map(Vec::len), Some(22), "{v}");
    // One scenario folder on its own (a relocation: the audit applies its transforms).
    let one = out
        .join("scenarios")
        .join("0010-targets_scenario-2024_moved_1");
    assert!(one.is_dir(), "{}", one.display());
    let v = json_of(&ok(check("data/daishan", &one, None)));
    assert_eq!(v["ok"], true, "{v}");
    // Checked against the untransformed data it disagrees.
    let plain = check("data/daishan", &one.join("plan"), Some(S2024));
    assert_eq!(plain.status.code(), Some(2));
}

/// A copy of the Daishan 2024 plan with one file edited.
fn tampered(file: &str, edit: impl FnOnce(&mut Value)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    std::fs::create_dir(&out).expect("mkdir");
    for e in std::fs::read_dir(daishan_2024()).expect("list") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), out.join(e.file_name())).expect("copy");
    }
    let path = out.join(file);
    let mut v = read_fc(&path);
    edit(&mut v);
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    (dir, out)
}

fn feature_mut(fc: &mut Value, pick: impl Fn(&Value) -> bool) -> &mut Value {
    fc["features"]
        .as_array_mut()
        .expect("features")
        .iter_mut()
        .find(|f| pick(&f["properties"]))
        .expect("a feature to tamper with")
        .get_mut("properties")
        .expect("properties")
}

/// Runs check on a tampered folder: exit 2, and a disagreement naming `field` (of `feature`).
fn assert_caught(out: &Path, field: &str, feature: Option<&str>) {
    let o = check("data/daishan", out, Some(S2024));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v = json_of(&o);
    assert_eq!(v["ok"], false);
    let found = v["disagreements"]
        .as_array()
        .expect("list")
        .iter()
        .any(|d| d["field"] == field && feature.is_none_or(|f| d["feature"] == f));
    assert!(found, "no disagreement on {field} ({feature:?}): {v}");
    // The text form names it too.
    let text = run(&[
        "check",
        "data/daishan",
        out.to_str().expect("utf8"),
        "--scenario",
        S2024,
    ]);
    assert_eq!(text.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&text.stdout).contains(field));
}

#[test]
fn check_fails_on_a_tampered_minutes_value() {
    let (_d, out) = tampered("settlements.geojson", |fc| {
        let p = feature_mut(fc, |p| p["island"] == "da_changtu");
        p["clinic_minutes"] = Value::from(p["clinic_minutes"].as_f64().expect("minutes") + 3.0);
    });
    assert_caught(&out, "clinic_minutes", None);
}

/// A pupil of Dajiao boards about 380 minutes from its school, far beyond any radius the
/// audit searches sites to: the audit measures that seat on its own, exactly, so one minute
/// more is caught.
#[test]
fn check_fails_on_a_tampered_boarding_seat_minutes() {
    let (_d, out) = tampered("settlements.geojson", |fc| {
        let p = feature_mut(fc, |p| {
            p["island"] == "dajiao" && p["school_minutes"].as_f64().is_some_and(|m| m > 300.0)
        });
        p["school_minutes"] = Value::from(p["school_minutes"].as_f64().expect("minutes") + 1.0);
    });
    assert_caught(&out, "school_minutes", None);
}

#[test]
fn check_fails_on_a_tampered_covered_flag() {
    let (_d, out) = tampered("settlements.geojson", |fc| {
        let p = feature_mut(fc, |p| p["island"] == "da_changtu");
        p["clinic_covered"] = Value::from(0.0);
    });
    assert_caught(&out, "clinic_covered", None);
}

#[test]
fn check_fails_on_a_tampered_load() {
    let (_d, out) = tampered("facilities.geojson", |fc| {
        let p = feature_mut(fc, |p| {
            p["status"] == "new" && p["load"].as_f64() > Some(0.0)
        });
        p["load"] = Value::from(p["load"].as_f64().expect("load") + 1.0);
    });
    assert_caught(&out, "load", None);
}

#[test]
fn check_fails_on_a_tampered_target_share() {
    let (_d, out) = tampered("summary.json", |v| {
        let t = &mut v["targets"][0];
        t["achieved"] = Value::from(t["achieved"].as_f64().expect("achieved") - 0.01);
    });
    assert_caught(&out, "achieved", None);
}

#[test]
fn check_fails_on_a_tampered_cost() {
    let (_d, out) = tampered("summary.json", |v| {
        let clinic = v["services"]
            .as_array_mut()
            .expect("services")
            .iter_mut()
            .find(|s| s["service"] == "clinic")
            .expect("clinic");
        let c = &mut clinic["costs"]["running"];
        *c = Value::from(c.as_f64().expect("cost") - 100_000.0);
    });
    assert_caught(&out, "costs/running", Some("clinic"));
}

#[test]
fn check_fails_on_a_removed_open_site() {
    let mut removed = String::new();
    let (_d, out) = tampered("facilities.geojson", |fc| {
        let list = fc["features"].as_array_mut().expect("features");
        let k = list
            .iter()
            .position(|f| {
                f["properties"]["service"] == "clinic" && f["properties"]["status"] == "new"
            })
            .expect("a new clinic");
        removed = list[k]["properties"]["id"]
            .as_str()
            .expect("id")
            .to_string();
        list.remove(k);
    });
    assert!(!removed.is_empty());
    // Its villages now name a site that is not open, and their minutes change.
    assert_caught(&out, "clinic_facility", None);
}

#[test]
fn check_fails_on_a_removed_existing_site_and_a_reopened_merged_school() {
    let (_d, out) = tampered("facilities.geojson", |fc| {
        let p = feature_mut(fc, |p| p["id"] == "sch_daidong_primary");
        p["status"] = Value::from("kept");
    });
    assert_caught(&out, "status", Some("sch_daidong_primary"));
}

#[test]
fn check_refuses_a_folder_that_is_not_a_plan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = check("data/daishan", dir.path(), None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a plan output folder"));
}

fn audit_generated(islands: usize, settlements: usize, seed: u64, scenario: &Scenario) {
    let (dir, ds) = generated(islands, settlements, seed);
    let Ok(plan) = archiplan::plan::plan(&ds, scenario, PlanOptions::default()) else {
        return; // an infeasible archipelago has no plan to audit
    };
    let ctx = archiplan::plan::Context::new(&ds, scenario).expect("context");
    let out = dir.path().join("plan");
    write_plan(&ctx, &plan, &summarize(&ctx, &plan), &out).expect("write");
    let a = archiplan::audit::audit(&ds, scenario, &out).expect("audit");
    assert!(a.ok, "seed {seed}: {:#?}", a.disagreements);
    assert!(a.checked.sites > 0);
}

/// The template's services (capacitated schools, clinics with roving teams, canteens that
/// supply meal points, couriers) on generated archipelagos, where new sites of two levels
/// share every village's node.
#[test]
fn check_passes_on_plans_of_generated_archipelagos() {
    let scenario = Scenario::default();
    assert!(
        scenario
            .services
            .iter()
            .any(|s| s.assign == archiplan::scenario::Assign::Capacity)
    );
    for seed in 1..=4 {
        audit_generated(6, 60, seed, &scenario);
    }
}

/// The template's schools seat pupils up to 480 minutes away, while the audit searches sites
/// only as far as the school standard (45 minutes) and its targets look: a seat beyond that
/// is measured on its own. Such a seat's minutes, one minute more, are caught.
#[test]
fn a_seat_beyond_every_search_radius_is_measured_exactly() {
    let scenario = Scenario::default();
    let school = scenario.service("school").expect("school");
    let mut tampered = 0;
    for seed in 1..=30 {
        let (dir, ds) = generated(8, 80, seed);
        let Ok(plan) = archiplan::plan::plan(&ds, &scenario, PlanOptions::default()) else {
            continue;
        };
        let ctx = archiplan::plan::Context::new(&ds, &scenario).expect("context");
        let out = dir.path().join("plan");
        write_plan(&ctx, &plan, &summarize(&ctx, &plan), &out).expect("write");
        let a = archiplan::audit::audit(&ds, &scenario, &out).expect("audit");
        assert!(a.ok, "seed {seed}: {:#?}", a.disagreements);
        let path = out.join("settlements.geojson");
        let mut fc = read_fc(&path);
        let far = fc["features"]
            .as_array_mut()
            .expect("features")
            .iter_mut()
            .map(|f| &mut f["properties"])
            .find(|p| {
                p["school_minutes"]
                    .as_f64()
                    .is_some_and(|m| m > school.standard_minutes + 5.0)
            });
        let Some(p) = far else { continue };
        let m = p["school_minutes"].as_f64().expect("minutes");
        p["school_minutes"] = Value::from(m + 1.0);
        let id = p["id"].clone();
        std::fs::write(&path, serde_json::to_vec(&fc).expect("json")).expect("write");
        let a = archiplan::audit::audit(&ds, &scenario, &out).expect("audit");
        assert!(
            a.disagreements
                .iter()
                .any(|d| d.field == "school_minutes" && id == d.feature.as_str()),
            "seed {seed}: {:#?}",
            a.disagreements
        );
        tampered += 1;
        if tampered == 3 {
            break;
        }
    }
    assert!(tampered >= 3, "only {tampered} plans seat a pupil that far");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn check_passes_on_random_generated_plans(
        islands in 3usize..9, settlements in 10usize..70, seed in any::<u64>()
    ) {
        audit_generated(islands, settlements, seed, &Scenario::default());
    }
}

/// A copy of the 2024 scenario with `from` replaced by `to`, written into `dir`.
fn edited_2024(dir: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(ROOT).join(S2024)).expect("scenario");
    assert!(text.contains(from), "{from}");
    let path = dir.join("s.toml");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    path
}

#[test]
fn a_decision_naming_no_facility_exits_2_naming_the_id_and_near_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = edited_2024(
        dir.path(),
        "\"sch_daidong_primary\"",
        "\"sch_daidong_primry\"",
    );
    let out = dir.path().join("out");
    let o = run(&[
        "plan",
        "data/daishan",
        "--scenario",
        s.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("decisions.close") && err.contains("`sch_daidong_primry`"),
        "{err}"
    );
    assert!(err.contains("did you mean `sch_daidong_primary`"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_level_used_without_annual_cost_is_an_error_naming_the_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The central health centres: the town centres in the data give no cost of their own.
    let s = edited_2024(
        dir.path(),
        "annual_cost = 3_000_000 ",
        "# annual cost removed ",
    );
    let o = run(&[
        "plan",
        "data/daishan",
        "--scenario",
        s.to_str().expect("utf8"),
        "-o",
        dir.path().join("o").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("level 2 (central health centre): no annual_cost"),
        "{err}"
    );
    assert!(err.contains("hc_dongsha"), "{err}");
}

#[test]
fn sweep_threads_beyond_four_per_cpu_or_zero_exit_2_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    for threads in ["100000", "0"] {
        let out = dir.path().join(format!("s{threads}"));
        let o = run(&[
            "sweep",
            "data/daishan",
            "--sweep",
            "data/daishan/sweep-relocation.toml",
            "-o",
            out.to_str().expect("utf8"),
            "--threads",
            threads,
        ]);
        assert_eq!(o.status.code(), Some(2), "{threads}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--threads"),
            "{threads}"
        );
        assert!(!out.exists(), "nothing written for --threads {threads}");
    }
}
