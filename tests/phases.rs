//! Phased plans (`plan DATA --scenario A --scenario B`): each year keeps what the year before
//! opened, closed and expanded unless its own scenario closes it; every year is audited, and the
//! carry is re-read from the written folders here, without the planner's code.

mod common;
use common::*;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (service, site id) -> (status, added seats), read from a plan folder's facilities.geojson.
fn statuses(folder: &Path) -> BTreeMap<(String, String), (String, f64)> {
    features(&folder.join("facilities.geojson"))
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                (
                    p["service"].as_str().expect("service").to_string(),
                    p["id"].as_str().expect("id").to_string(),
                ),
                (
                    p["status"].as_str().expect("status").to_string(),
                    p["expansion"].as_f64().unwrap_or(0.0),
                ),
            )
        })
        .collect()
}

/// The ids a scenario file's `decisions.close` and `decisions.convert` name, read as plain TOML.
fn closed_by(scenario: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(scenario).expect("scenario");
    let t: toml::Table = toml::from_str(&text).expect("toml");
    let d = t.get("decisions").and_then(|d| d.as_table());
    let mut ids: Vec<String> = d
        .and_then(|d| d.get("close"))
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    if let Some(conv) = d.and_then(|d| d.get("convert")).and_then(|c| c.as_table()) {
        ids.extend(conv.keys().cloned());
    }
    ids
}

fn is_open(status: &str) -> bool {
    status == "kept" || status == "new"
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn the_daishan_2024_to_2025_run_keeps_every_2024_site_unless_2025_closes_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("phased");
    let root = Path::new(ROOT);
    let s2024 = root.join("data/daishan/scenario-2024.toml");
    let s2025 = root.join("data/daishan/scenario-2025.toml");
    let o = ok(run(&[
        "plan",
        "data/daishan",
        "--scenario",
        path(&s2024),
        "--scenario",
        path(&s2025),
        "-o",
        path(&out),
        "--check",
        "--quiet",
        "--json",
    ]));
    let v = json_of(&o);
    let phases = v["phases"].as_array().expect("phases");
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["scenario-2024", "scenario-2025"]);
    for p in phases {
        assert_eq!(p["targets_met"], p["targets"], "every target met in {p}");
    }
    // The carry, re-read from the two folders: every 2024 site kept or opened is open in 2025
    // unless the 2025 file closes or converts it, with at least its added seats; every site
    // 2024 closed stays closed.
    let (y1, y2) = (
        statuses(&out.join("scenario-2024")),
        statuses(&out.join("scenario-2025")),
    );
    let closes = closed_by(&s2025);
    let mut carried = 0;
    for (key, (status, added)) in &y1 {
        let now = y2.get(key);
        if is_open(status) && !closes.contains(&key.1) {
            let (s, a) = now.unwrap_or_else(|| panic!("{key:?} open in 2024, absent in 2025"));
            assert!(is_open(s), "{key:?} open in 2024 is {s} in 2025");
            assert!(
                *a + 1e-6 >= *added,
                "{key:?} had {added} seats added, now {a}"
            );
            carried += 1;
        }
        if status == "closed" {
            assert!(!now.is_some_and(|(s, _)| is_open(s)), "{key:?} reopened");
        }
    }
    assert!(carried > 100, "only {carried} sites carried");
    // What 2024 opened counts as built: 2025 opens no site twice and phases.csv lists each
    // change once: 2024's against the data, 2025's against 2024.
    let csv = std::fs::read_to_string(out.join("phases.csv")).expect("phases.csv");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("phase,service,site,name,island,level,change,seats,annual_cost,open_cost,close_cost")
    );
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    let count = |phase: &str, change: &str| {
        rows.iter()
            .filter(|r| r[0] == phase && r[6] == change)
            .count()
    };
    let new_2024 = y1.values().filter(|(s, _)| s == "new").count();
    let closed_2024 = y1.values().filter(|(s, _)| s == "closed").count();
    assert_eq!(count("scenario-2024", "opened"), new_2024);
    assert_eq!(count("scenario-2024", "closed"), closed_2024);
    let opened_2025 = y2
        .iter()
        .filter(|(k, (s, _))| is_open(s) && !y1.get(*k).is_some_and(|(s1, _)| is_open(s1)))
        .count();
    assert_eq!(count("scenario-2025", "opened"), opened_2025);
    // Both years pass the audit, as a whole folder and one year at a time.
    let report = json_of(&ok(run(&["check", "data/daishan", path(&out), "--json"])));
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["phases"].as_array().expect("phases").len(), 2);
    ok(run(&[
        "check",
        "data/daishan",
        path(&out.join("scenario-2025")),
    ]));
    // A 2025 folder that drops a 2024 site is caught by the carry check (and the year's audit).
    let (key, _) = y1
        .iter()
        .find(|(k, (s, _))| s == "kept" && !closes.contains(&k.1))
        .expect("a kept site");
    let file = out.join("scenario-2025/facilities.geojson");
    let mut fc: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    for f in fc["features"].as_array_mut().expect("features") {
        if f["properties"]["id"] == key.1.as_str() && f["properties"]["service"] == key.0.as_str() {
            f["properties"]["status"] = "closed".into();
        }
    }
    std::fs::write(&file, fc.to_string()).expect("write");
    let o = run(&["check", "data/daishan", path(&out), "--json"]);
    assert_ne!(o.status.code(), Some(0));
    let report = json_of(&o);
    let findings = report["carry_findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f.as_str().is_some_and(|f| f.contains(&key.1))),
        "{findings:?}"
    );
}

/// The micro archipelago's scenario with `decisions` text appended, written as `name.toml`.
fn micro_scenario(dir: &Path, name: &str, decisions: &str) -> PathBuf {
    let base =
        std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/plan-micro/scenario.toml"))
            .expect("scenario");
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, format!("{base}\n[decisions]\n{decisions}\n")).expect("write");
    path
}

/// `archiplan plan` of the micro archipelago with `scenarios` in order into `out`, as is.
fn plan_micro(scenarios: &[&Path], out: &Path) -> std::process::Output {
    let mut args = vec!["plan", "tests/fixtures/plan-micro"];
    for s in scenarios {
        args.extend(["--scenario", path(s)]);
    }
    args.extend(["-o", path(out), "--quiet"]);
    run(&args)
}

#[test]
fn a_later_year_cannot_reopen_what_an_earlier_one_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = micro_scenario(dir.path(), "y1", "close = [\"school-b\"]");
    let b = micro_scenario(dir.path(), "y2", "keep = [\"school-b\"]");
    let out = dir.path().join("out");
    let o = plan_micro(&[&a, &b], &out);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("phase y2") && err.contains("school-b") && err.contains("closed"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    // Two files of one name would share a folder.
    let again = dir.path().join("again");
    std::fs::create_dir(&again).expect("mkdir");
    let a2 = micro_scenario(&again, "y1", "");
    let o = plan_micro(&[&a, &a2], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("two phases are named `y1`"));
}

#[test]
fn a_new_site_is_decided_by_its_plan_id_and_carried_until_a_year_closes_it() {
    // Year 1 opens a village clinic on the small island M by the id the plan gives new sites;
    // year 2 says nothing and keeps it; year 3 closes it by the same id (M is served by a
    // roving team again).
    let dir = tempfile::tempdir().expect("tempdir");
    let id = "new-clinic-1-m1";
    let y1 = micro_scenario(dir.path(), "y1", &format!("open = [\"{id}\"]"));
    let y2 = micro_scenario(dir.path(), "y2", "");
    let y3 = micro_scenario(dir.path(), "y3", &format!("close = [\"{id}\"]"));
    // Closing what year 1 built pays the level's closing cost (100,000 CNY over the default
    // ten closing years), as closing an existing clinic would.
    let text = std::fs::read_to_string(&y3).expect("y3");
    let text = text.replacen(
        "open_cost = 60000\n",
        "open_cost = 60000\nclose_cost = 100000\n",
        1,
    );
    assert!(text.contains("close_cost = 100000"));
    std::fs::write(&y3, text).expect("write");
    let out = dir.path().join("out");
    plan_checked(
        Path::new("tests/fixtures/plan-micro"),
        &y1,
        &out,
        &["--scenario", path(&y2), "--scenario", path(&y3)],
    );
    let key = ("clinic".to_string(), id.to_string());
    let status = |year: &str| statuses(&out.join(year)).get(&key).map(|s| s.0.clone());
    assert_eq!(status("y1").as_deref(), Some("new"));
    assert_eq!(status("y2").as_deref(), Some("new"));
    assert!(
        status("y3").is_none_or(|s| !is_open(&s)),
        "{:?}",
        status("y3")
    );
    let roving = std::fs::read_to_string(out.join("y3/roving.csv")).expect("roving.csv");
    assert!(
        roving
            .lines()
            .any(|l| l.starts_with("clinic,M,") && l.contains(",roving,")),
        "{roving}"
    );
    let closing = |year: &str| -> f64 {
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(year).join("summary.json")).expect("summary"),
        )
        .expect("json");
        v["costs"]["closing"].as_f64().expect("closing")
    };
    assert_eq!(closing("y2"), 0.0);
    assert!((closing("y3") - 10_000.0).abs() < 1e-6, "{}", closing("y3"));
    // The carried decisions are in each year's effective scenario, beside its folder.
    let effective = std::fs::read_to_string(out.join("y2.scenario.toml")).expect("effective");
    assert!(effective.contains(id), "{effective}");
    let report = json_of(&ok(run(&[
        "check",
        "tests/fixtures/plan-micro",
        path(&out),
        "--json",
    ])));
    assert_eq!(report["ok"], true, "{report}");
    // A new-site id the scenario cannot open (no such settlement) is an error, not ignored.
    let bad = micro_scenario(dir.path(), "bad", "open = [\"new-clinic-1-nowhere\"]");
    let o = plan_micro(&[&bad], &dir.path().join("bad-out"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("new-clinic-1-nowhere"));
}
