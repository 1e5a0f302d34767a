//! Sweeps: every transform, bad sweep files, determinism across thread counts, shards and
//! merge, resumption after a killed run, comparison of two plans, ferry-outage resilience.

mod common;
use common::*;

use archiplan::layers::DataSet;
use archiplan::scenario::Scenario;
use archiplan::scenario::transform::Transform;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn daishan() -> (DataSet, Scenario) {
    let (ds, _) = DataSet::load(Path::new(ROOT).join("data/daishan")).expect("daishan");
    let sc =
        Scenario::load(&Path::new(ROOT).join("data/daishan/scenario-2024.toml")).expect("scenario");
    (ds, sc)
}

fn apply(t: &str, ds: &mut DataSet, sc: &mut Scenario) -> archiplan::Result<()> {
    let t: Transform = toml::from_str::<toml::Table>(&format!("t = {t}"))
        .expect("toml")
        .remove("t")
        .expect("t")
        .try_into()
        .expect("a transform");
    t.apply(ds, sc, &Path::new(ROOT).join("data/daishan"))
}

fn island_pop(ds: &DataSet, id: &str) -> (u64, u64, u64) {
    let k = ds.islands.iter().position(|i| i.id == id).expect("island");
    ds.settlements
        .iter()
        .filter(|s| s.island == k)
        .fold((0, 0, 0), |a, s| {
            (a.0 + s.population, a.1 + s.children, a.2 + s.elderly)
        })
}

#[test]
fn relocate_moves_people_children_and_elderly_and_keeps_totals() {
    let (mut ds, mut sc) = daishan();
    let total = ds.population();
    let before_x = island_pop(&ds, "xiushan");
    let before_d = island_pop(&ds, "daishan");
    // The optional groups (age bands, care needs) move too, each keeping its county total, in
    // about the same share (each rounded on its own).
    let group = |ds: &DataSet, field: &str, island: Option<&str>| -> u64 {
        let k = island.map(|id| ds.islands.iter().position(|i| i.id == id).expect("island"));
        ds.settlements
            .iter()
            .filter(|s| k.is_none_or(|k| s.island == k))
            .map(|s| s.groups.get(field).expect("Daishan gives every group"))
            .sum()
    };
    let fields = archiplan::layers::Groups::FIELDS;
    let groups_before: Vec<(u64, u64)> = fields
        .iter()
        .map(|f| (group(&ds, f, None), group(&ds, f, Some("xiushan"))))
        .collect();
    apply(
        r#"{ kind = "relocate", from = ["xiushan"], to = "daishan", share = 0.3 }"#,
        &mut ds,
        &mut sc,
    )
    .expect("applies");
    for (f, (total, on_x)) in fields.iter().zip(groups_before) {
        assert_eq!(group(&ds, f, None), total, "{f}: county total kept");
        let left = group(&ds, f, Some("xiushan"));
        let moved = on_x - left;
        assert!(
            (moved as f64 - 0.3 * on_x as f64).abs() <= 3.0,
            "{f}: {moved} of {on_x}"
        );
    }
    let after_x = island_pop(&ds, "xiushan");
    let after_d = island_pop(&ds, "daishan");
    assert_eq!(ds.population(), total, "nobody is lost or created");
    let moved = before_x.0 - after_x.0;
    assert!(
        (moved as f64 - 0.3 * before_x.0 as f64).abs() <= 3.0,
        "{moved}"
    );
    assert_eq!(after_d.0 - before_d.0, moved);
    assert_eq!(after_d.1 - before_d.1, before_x.1 - after_x.1);
    assert_eq!(after_d.2 - before_d.2, before_x.2 - after_x.2);
    for s in &ds.settlements {
        assert!(s.children + s.elderly <= s.population, "{}", s.id);
    }
    // To one named settlement.
    let target = "330921100010"; // Lanting community
    let before = ds
        .settlements
        .iter()
        .find(|s| s.id == target)
        .expect("s")
        .population;
    let q = island_pop(&ds, "huangze").0;
    apply(
        &format!(r#"{{ kind = "relocate", from = ["huangze"], to = "{target}", share = 1.0 }}"#),
        &mut ds,
        &mut sc,
    )
    .expect("applies");
    assert_eq!(island_pop(&ds, "huangze").0, 0);
    let after = ds
        .settlements
        .iter()
        .find(|s| s.id == target)
        .expect("s")
        .population;
    assert_eq!(after - before, q);
}

#[test]
fn relocate_rejects_unknown_ids_and_bad_shares() {
    let (mut ds, mut sc) = daishan();
    let bad = [
        r#"{ kind = "relocate", from = ["atlantis"], to = "daishan", share = 0.5 }"#,
        r#"{ kind = "relocate", from = ["xiushan"], to = "nowhere", share = 0.5 }"#,
        r#"{ kind = "relocate", from = ["xiushan"], to = "daishan", share = 1.5 }"#,
        r#"{ kind = "relocate", from = ["xiushan"], to = "daishan", share = -0.1 }"#,
        r#"{ kind = "relocate", from = ["daishan"], to = "daishan", share = 0.1 }"#,
    ];
    for t in bad {
        let e = apply(t, &mut ds, &mut sc).expect_err(t);
        assert_eq!(e.exit_code(), 2, "{t}: {e}");
    }
}

#[test]
fn route_transforms_change_the_network() {
    let (mut ds, mut sc) = daishan();
    let n = ds.routes.len();
    let id = ds
        .routes
        .iter()
        .find(|r| r.mode != archiplan::layers::RouteMode::Bridge)
        .expect("a ferry")
        .id
        .clone();
    let dep = ds
        .routes
        .iter()
        .find(|r| r.id == id)
        .expect("r")
        .departures_per_day;
    apply(
        &format!(r#"{{ kind = "retime_route", id = "{id}", departures_factor = 0.5 }}"#),
        &mut ds,
        &mut sc,
    )
    .expect("retime");
    let r = ds.routes.iter().find(|r| r.id == id).expect("r");
    assert_eq!(r.departures_per_day, dep * 0.5);
    apply(
        &format!(r#"{{ kind = "retime_route", id = "{id}", minutes = 12, service_hours = 16 }}"#),
        &mut ds,
        &mut sc,
    )
    .expect("retime");
    let r = ds.routes.iter().find(|r| r.id == id).expect("r");
    assert_eq!((r.minutes, r.service_hours), (12.0, 16.0));
    apply(
        &format!(r#"{{ kind = "remove_route", id = "{id}" }}"#),
        &mut ds,
        &mut sc,
    )
    .expect("remove");
    assert_eq!(ds.routes.len(), n - 1);
    let (p1, p2) = (ds.ports[0].id.clone(), ds.ports[1].id.clone());
    apply(
        &format!(
            r#"{{ kind = "add_route", id = "new-ferry", from = "{p1}", to = "{p2}", minutes = 20, departures_per_day = 8 }}"#
        ),
        &mut ds,
        &mut sc,
    )
    .expect("add");
    apply(
        r#"{ kind = "add_bridge", id = "new-bridge", from = "330921105201", to = "330921105211", minutes = 6 }"#,
        &mut ds,
        &mut sc,
    )
    .expect("bridge between two settlements");
    assert_eq!(ds.routes.len(), n + 1);
    let b = ds.routes.iter().find(|r| r.id == "new-bridge").expect("b");
    assert_eq!(b.expected_wait(), 0.0);
    for t in [
        r#"{ kind = "remove_route", id = "no-such-route" }"#.to_string(),
        r#"{ kind = "retime_route", id = "no-such-route", departures_factor = 2 }"#.to_string(),
        r#"{ kind = "retime_route", id = "new-ferry", departures_factor = -1 }"#.to_string(),
        r#"{ kind = "retime_route", id = "new-bridge", minutes = 3 }"#.to_string(),
        format!(
            r#"{{ kind = "add_route", id = "new-ferry", from = "{p1}", to = "{p2}", minutes = 20, departures_per_day = 8 }}"#
        ),
        r#"{ kind = "add_route", id = "x", from = "nowhere", to = "gaoting", minutes = 20, departures_per_day = 8 }"#.to_string(),
    ] {
        let e = apply(&t, &mut ds, &mut sc).expect_err(&t);
        assert_eq!(e.exit_code(), 2, "{t}: {e}");
    }
}

#[test]
fn scenario_transforms_change_targets_budget_tiers_and_file() {
    let (mut ds, mut sc) = daishan();
    let meal = "AP12 meal delivery reaches 80% of villages";
    apply(
        &format!(r#"{{ kind = "target", name = "{meal}", share = 0.9 }}"#),
        &mut ds,
        &mut sc,
    )
    .expect("target");
    assert_eq!(
        sc.targets.iter().find(|t| t.name == meal).expect("t").share,
        Some(0.9)
    );
    apply(r#"{ kind = "budget", value = 5e7 }"#, &mut ds, &mut sc).expect("budget");
    assert_eq!(sc.budget, Some(5e7));
    apply(r#"{ kind = "budget", value = -1 }"#, &mut ds, &mut sc).expect("no budget");
    assert_eq!(sc.budget, None);
    apply(
        r#"{ kind = "tier", island = "guanshan", tier = "subcenter" }"#,
        &mut ds,
        &mut sc,
    )
    .expect("tier");
    assert_eq!(
        sc.hierarchy.fixed.get("guanshan").map(String::as_str),
        Some("subcenter")
    );
    apply(
        r#"{ kind = "use_scenario", path = "scenario-2025.toml" }"#,
        &mut ds,
        &mut sc,
    )
    .expect("use");
    assert!(sc.name.contains("2025"));
    for t in [
        r#"{ kind = "target", name = "no such target", share = 0.5 }"#,
        r#"{ kind = "target", name = "AP18 courier service reaches 95% of villages", share = 2 }"#,
        r#"{ kind = "tier", island = "atlantis", tier = "subcenter" }"#,
        r#"{ kind = "tier", island = "guanshan", tier = "capital" }"#,
        r#"{ kind = "use_scenario", path = "missing.toml" }"#,
    ] {
        let e = apply(t, &mut ds, &mut sc).expect_err(t);
        assert_eq!(e.exit_code(), 2, "{t}: {e}");
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn bad_sweep_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    for scenario in ["scenario-2024.toml", "scenario-2025.toml"] {
        std::fs::copy(
            Path::new(ROOT).join("data/daishan").join(scenario),
            dir.path().join(scenario),
        )
        .expect("copy");
    }
    let cases = [
        ("empty.toml", "", "defines no scenario"),
        (
            "typo.toml",
            "[[run]]\nname = \"a\"\ntransfroms = []\n",
            "transfroms",
        ),
        (
            "kind.toml",
            "[[run]]\nname = \"a\"\ntransforms = [{ kind = \"teleport\" }]\n",
            "teleport",
        ),
        (
            "id.toml",
            "[[run]]\nname = \"a\"\ntransforms = [{ kind = \"remove_route\", id = \"nope\" }]\n",
            "nope",
        ),
        (
            "share.toml",
            "[grid]\n[[grid.axis]]\nname = \"s\"\nvalues = [0.5, 1.5]\ntransforms = [{ kind = \"relocate\", from = [\"xiushan\"], to = \"daishan\", share = \"$value\" }]\n",
            "1.5",
        ),
        (
            "dup.toml",
            "[[run]]\nname = \"a\"\n[[run]]\nname = \"a\"\n",
            "twice",
        ),
        (
            "scen.toml",
            "scenario = \"missing.toml\"\n[[run]]\nname = \"a\"\n",
            "missing.toml",
        ),
    ];
    for (name, text, expect) in cases {
        let sweep = write(dir.path(), name, text);
        let out = dir.path().join(format!("out-{name}"));
        let o = run(&[
            "sweep",
            "--check",
            "data/daishan",
            "--sweep",
            sweep.to_str().expect("utf8"),
            "-o",
            out.to_str().expect("utf8"),
            "--quiet",
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expect), "{name}: {err}");
        assert!(!out.join("results.csv").exists(), "{name}: nothing written");
    }
    let sweep = write(dir.path(), "ok.toml", "[[run]]\nname = \"base\"\n");
    let o = run(&[
        "sweep",
        "--check",
        "data/daishan",
        "--sweep",
        sweep.to_str().expect("utf8"),
        "-o",
        dir.path().join("o").to_str().expect("utf8"),
        "--shard",
        "3/2",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// A small sweep of the bundled data: two targets years x three relocation shares.
fn sweep_to(sweep: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "--check",
        "data/daishan",
        "--sweep",
        sweep.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn assert_same_tree(a: &Path, b: &Path) {
    let list = |d: &Path| -> Vec<PathBuf> {
        let mut v = Vec::new();
        let mut stack = vec![d.to_path_buf()];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).expect("dir") {
                let e = e.expect("entry");
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    v.push(e.path().strip_prefix(d).expect("prefix").to_path_buf());
                }
            }
        }
        v.sort();
        v
    };
    let (la, lb) = (list(a), list(b));
    assert_eq!(la, lb, "same files");
    for f in la {
        if f.file_name()
            .is_some_and(|n| n == "sweep.json" || n == "timing.json" || n == "timings.csv")
        {
            continue; // inputs' paths, and wall-clock times: the only files meant to differ
        }
        assert_eq!(
            std::fs::read(a.join(&f)).expect("a"),
            std::fs::read(b.join(&f)).expect("b"),
            "{} differs",
            f.display()
        );
    }
}

#[test]
fn same_bytes_at_one_and_two_threads_and_from_merged_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = small_sweep(dir.path());
    let one = dir.path().join("one");
    let two = dir.path().join("two");
    ok(sweep_to(&sweep, &one, &["--threads", "1"]));
    ok(sweep_to(&sweep, &two, &["--threads", "2"]));
    assert_same_tree(&one, &two);
    // Shards as separate processes, then merge.
    let s1 = dir.path().join("s1");
    let s2 = dir.path().join("s2");
    ok(sweep_to(&sweep, &s1, &["--shard", "1/2"]));
    ok(sweep_to(&sweep, &s2, &["--shard", "2/2"]));
    let merged = dir.path().join("merged");
    ok(run(&[
        "merge",
        s1.to_str().expect("utf8"),
        s2.to_str().expect("utf8"),
        "-o",
        merged.to_str().expect("utf8"),
    ]));
    assert_same_tree(&one, &merged);
    // Results: one row per scenario with the contract columns.
    let rows: Value =
        serde_json::from_slice(&std::fs::read(one.join("results.json")).expect("json")).expect("j");
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 6);
    for r in rows {
        for key in [
            "cost",
            "gap",
            "status",
            "facilities",
            "coverage",
            "travel",
            "small_island_population",
        ] {
            assert!(r.get(key).is_some(), "{key}");
        }
    }
    assert!(rows.iter().any(|r| r["pareto"] == true));
    let csv = std::fs::read_to_string(one.join("results.csv")).expect("csv");
    let header = csv.lines().next().expect("header");
    for col in [
        "cost",
        "gap",
        "status",
        "small_island_population",
        "facilities_school",
        "minutes_p95_meal",
    ] {
        assert!(header.split(',').any(|c| c == col), "{col} in {header}");
    }
    assert_eq!(csv.lines().count(), 7);
    // Wall-clock seconds per scenario sit beside the results.
    let timings = std::fs::read_to_string(one.join("timings.csv")).expect("timings");
    assert!(timings.starts_with("index,scenario,status,seconds"));
    assert_eq!(timings.lines().count(), 7);
    assert!(timings.lines().skip(1).all(|l| {
        l.rsplit(',')
            .next()
            .is_some_and(|s| s.parse::<f64>().is_ok())
    }));
    // Merging shards of another sweep is refused.
    let other = write(dir.path(), "other.toml", "[[run]]\nname = \"base\"\n");
    let o3 = dir.path().join("o3");
    assert_eq!(sweep_to(&other, &o3, &[]).status.code(), Some(0));
    let o = run(&[
        "merge",
        s1.to_str().expect("utf8"),
        o3.to_str().expect("utf8"),
        "-o",
        dir.path().join("bad").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn resume_solves_only_what_is_missing_and_ignores_half_written_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = small_sweep(dir.path());
    let full = dir.path().join("full");
    assert_eq!(sweep_to(&sweep, &full, &[]).status.code(), Some(0));

    // A run killed mid-way: start it and kill it once the first scenario folder exists.
    let killed = dir.path().join("killed");
    // One thread, so that the sweep is killed between scenarios.
    let one_thread = |extra: &[&str]| {
        let mut c = Command::new(BIN);
        c.args(["sweep", "data/daishan", "--sweep"])
            .arg(&sweep)
            .arg("-o")
            .arg(&killed)
            .args(["--quiet", "--threads", "1"])
            .args(extra)
            .current_dir(ROOT);
        c
    };
    let mut child = one_thread(&["--check"]).spawn().expect("spawn");
    let scen = killed.join("scenarios");
    let started = std::time::Instant::now();
    loop {
        let done = std::fs::read_dir(&scen)
            .map(|d| {
                d.flatten()
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0);
        if done >= 1 || started.elapsed().as_secs() > 120 {
            break;
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    // Whatever state it left, add the worst case: a run killed after filling a scenario's
    // temporary folder (the debris of a SIGKILL), which the next run must clean up.
    let o = one_thread(&["--resume"])
        .env("ARCHIPLAN_FAULT", "filled")
        .output()
        .expect("run");
    assert_ne!(o.status.code(), Some(0), "the fault hook kills the run");
    let debris = || {
        std::fs::read_dir(&scen)
            .expect("d")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .count()
    };
    assert!(debris() >= 1, "a killed run leaves its temporary folder");
    let id5 = {
        let m: Value = serde_json::from_slice(&std::fs::read(full.join("sweep.json")).expect("m"))
            .expect("manifest");
        m["scenarios"][5]["id"].as_str().expect("id").to_string()
    };
    // A folder under a scenario's name that archiplan did not write is never replaced.
    let _ = std::fs::remove_dir_all(scen.join(&id5));
    std::fs::create_dir_all(scen.join(&id5)).expect("foreign");
    std::fs::write(scen.join(&id5).join("garbage"), "x").expect("garbage");
    let o = sweep_to(&sweep, &killed, &["--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("garbage"));
    assert_eq!(
        std::fs::read(scen.join(&id5).join("garbage")).expect("kept"),
        b"x"
    );
    std::fs::remove_dir_all(scen.join(&id5)).expect("the user removes it");

    // Without --resume the folder is refused (it holds results)...
    let o = sweep_to(&sweep, &killed, &[]);
    if std::fs::read_dir(&scen)
        .expect("d")
        .flatten()
        .any(|e| e.path().join("row.json").is_file())
    {
        assert_eq!(o.status.code(), Some(2));
    }
    // ...with --resume the missing scenarios are solved and the results equal a full run.
    let o = sweep_to(&sweep, &killed, &["--resume"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("already done"), "{err}");
    assert_same_tree(&full, &killed);
    assert_eq!(debris(), 0, "the killed run's temporary folder was removed");
    // A second resume has nothing left to do.
    let o = sweep_to(&sweep, &killed, &["--resume"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains(" 0 solved, 6 already done"));
}

#[test]
fn compare_lists_site_changes_coverage_and_cost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = small_sweep(dir.path());
    let out = dir.path().join("out");
    assert_eq!(sweep_to(&sweep, &out, &[]).status.code(), Some(0));
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep.json")).expect("m")).expect("j");
    let id = |i: usize| m["scenarios"][i]["id"].as_str().expect("id").to_string();
    let a = out.join("scenarios").join(id(0));
    let b = out.join("scenarios").join(id(2));
    let o = ok(run(&[
        "compare",
        a.to_str().expect("utf8"),
        b.to_str().expect("utf8"),
        "--json",
    ]));
    let c: Value = serde_json::from_slice(&o.stdout).expect("json");
    let a_cost = c["cost_a"].as_f64().expect("a");
    let b_cost = c["cost_b"].as_f64().expect("b");
    assert!((c["cost_change"].as_f64().expect("d") - (b_cost - a_cost)).abs() < 1e-6);
    assert!(
        c["services"]
            .as_array()
            .expect("s")
            .iter()
            .any(|s| s["service"] == "school")
    );
    // Moving everyone off the small islands changes their coverage and population.
    let islands = c["islands"].as_array().expect("islands");
    assert!(
        islands
            .iter()
            .any(|i| i["island"] == "xiushan" && i["population_b"] == 0)
    );
    // Comparing a plan with itself finds nothing.
    let o = run(&[
        "compare",
        a.to_str().expect("utf8"),
        a.to_str().expect("utf8"),
        "--json",
    ]);
    let same: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(same["cost_change"], 0.0);
    assert!(same["islands"].as_array().expect("i").is_empty());
    assert!(
        same["services"]
            .as_array()
            .expect("s")
            .iter()
            .all(|s| s["opened"].as_array().expect("o").is_empty())
    );
    let o = run(&["compare", "/no/such/plan", a.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn resilience_counts_who_loses_cover_when_each_route_is_cancelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("res");
    let o = ok(run(&[
        "resilience",
        "data/daishan",
        "--scenario",
        "data/daishan/scenario-2024.toml",
        "-o",
        out.to_str().expect("utf8"),
        "--json",
    ]));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    let rows = v.as_array().expect("rows");
    let (ds, _) = DataSet::load(Path::new(ROOT).join("data/daishan")).expect("daishan");
    assert_eq!(rows.len(), ds.routes.len(), "one row per route");
    // Cancelling the only bridge chain to Xiushan strands Xiushan's residents from the
    // services on Daishan; at least one route must matter, and losses never exceed residents.
    assert!(rows.iter().any(|r| r["population_any"].as_u64() > Some(0)));
    for r in rows {
        assert!(r["population_any"].as_u64() <= Some(ds.population()));
        for l in r["losses"].as_array().expect("losses") {
            assert!(l["population"].as_u64() <= r["population_any"].as_u64());
        }
    }
    let csv = std::fs::read_to_string(out.join("resilience.csv")).expect("csv");
    assert!(csv.starts_with("route,name,mode,service,population_losing_cover"));
}

/// The micro archipelago (hub H, sub-centre S, small island M) with its two ferries given
/// weather limits: H-S sails up to force 8 on 90% of days, S-M (a small boat) up to force 6 on
/// 80% of days. The plan serves M's clinic by a roving team based on S, whose only way to M is
/// the S-M boat.
fn stormy_micro() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("micro");
    copy_fixture("plan-micro", &data);
    let path = data.join("ferries.geojson");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    for f in v["features"].as_array_mut().expect("features") {
        let p = f["properties"].as_object_mut().expect("properties");
        let (r, w) = if p["id"] == "hs" { (0.9, 8) } else { (0.8, 6) };
        p.insert("reliability".into(), r.into());
        p.insert("max_wind".into(), w.into());
    }
    std::fs::write(&path, v.to_string()).expect("write");
    (dir, data)
}

#[test]
fn a_storm_cancels_every_ferry_above_its_wind_at_once_and_days_follow_reliability() {
    let (dir, data) = stormy_micro();
    let scenario = data.join("scenario.toml");
    // The plan itself, audited; its roving clinic team for M is based on S.
    let plan = dir.path().join("plan");
    plan_checked(&data, &scenario, &plan, &[]);
    let roving = std::fs::read_to_string(plan.join("roving.csv")).expect("roving.csv");
    assert!(
        roving
            .lines()
            .any(|l| l.starts_with("clinic,M,") && l.contains(",S,") && l.contains(",roving,")),
        "{roving}"
    );
    let out = dir.path().join("weather");
    let o = ok(run(&[
        "resilience",
        data.to_str().expect("utf8"),
        "--scenario",
        scenario.to_str().expect("utf8"),
        "--weather",
        "-o",
        out.to_str().expect("utf8"),
        "--json",
    ]));
    let v = json_of(&o);
    // Force 7 stops the boat (max_wind 6) alone; force 9 stops both; nothing else is asked.
    let wind = v["wind"].as_array().expect("wind");
    let forces: Vec<u64> = wind
        .iter()
        .map(|w| w["wind"].as_u64().expect("u8"))
        .collect();
    assert_eq!(forces, [7, 9]);
    assert_eq!(wind[0]["routes_cancelled"], serde_json::json!(["sm"]));
    assert_eq!(wind[1]["routes_cancelled"], serde_json::json!(["hs", "sm"]));
    let clinic = |w: &Value| {
        w["losses"]
            .as_array()
            .expect("losses")
            .iter()
            .find(|l| l["service"] == "clinic")
            .cloned()
            .expect("clinic")
    };
    for w in wind {
        // M's 200 residents lose their roving clinic; H, where the hospital is, never does.
        assert_eq!(clinic(w)["population"], 200, "{w}");
        assert_eq!(clinic(w)["roving_islands"], 1, "{w}");
    }
    // Days: the boat stops on the worst 20% of days (the H-S ferry on the worst 10%, inside
    // those), so M is without its clinic 365 x 0.2 = 73 days a year; H's settlements lose none.
    let days: Vec<&Value> = v["settlements"]
        .as_array()
        .expect("settlements")
        .iter()
        .collect();
    let m1 = days
        .iter()
        .find(|d| d["service"] == "clinic" && d["settlement"] == "m1")
        .expect("m1 loses clinic days");
    assert!(
        (m1["days"].as_f64().expect("days") - 73.0).abs() < 1e-9,
        "{m1}"
    );
    assert!(days.iter().all(|d| d["island"] != "H"), "{days:?}");
    let clinic_days = v["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["service"] == "clinic")
        .expect("clinic");
    assert_eq!(clinic_days["residents_losing_cover"], 200);
    assert!((clinic_days["max_days"].as_f64().expect("max") - 73.0).abs() < 1e-9);
    // The files carry the same rows.
    let csv = std::fs::read_to_string(out.join("weather.csv")).expect("weather.csv");
    assert!(csv.contains("\n7,sm,clinic,200,1,1,"), "{csv}");
    let days_csv = std::fs::read_to_string(out.join("weather-days.csv")).expect("days");
    assert!(days_csv.contains("clinic,m1,M,200,73.0"), "{days_csv}");
}

#[test]
fn the_weather_transform_keeps_bridges_and_sheltered_routes() {
    let (mut ds, mut sc) = daishan();
    let bridges = ds
        .routes
        .iter()
        .filter(|r| r.mode == archiplan::layers::RouteMode::Bridge)
        .count();
    // Force 7 stops the fast ferries (default max_wind 6), not the conventional ones (7).
    let mut calm = ds.clone();
    apply("{ kind = \"weather\", wind = 7 }", &mut calm, &mut sc).expect("weather");
    assert!(
        calm.routes
            .iter()
            .all(|r| r.mode != archiplan::layers::RouteMode::FastFerry)
    );
    assert!(
        calm.routes
            .iter()
            .any(|r| r.mode == archiplan::layers::RouteMode::Ferry)
    );
    apply("{ kind = \"weather\", wind = 12 }", &mut ds, &mut sc).expect("weather");
    assert_eq!(ds.routes.len(), bridges, "only the bridges are left");
    let err = apply("{ kind = \"weather\", wind = 13 }", &mut ds, &mut sc).expect_err("F13");
    assert!(err.to_string().contains("Beaufort"), "{err}");
    // A sheltered ferry (the H-S crossing, its max_wind dropped) sails in any storm.
    let (_dir, data) = stormy_micro();
    let path = data.join("ferries.geojson");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    for f in v["features"].as_array_mut().expect("features") {
        let p = f["properties"].as_object_mut().expect("properties");
        if p["id"] == "hs" {
            p.remove("max_wind");
            p.insert("sheltered".into(), true.into());
        }
    }
    std::fs::write(&path, v.to_string()).expect("write");
    let (mut micro, _) = DataSet::load(&data).expect("micro");
    let mut micro_sc = Scenario::load(&data.join("scenario.toml")).expect("scenario");
    apply(
        "{ kind = \"weather\", wind = 12 }",
        &mut micro,
        &mut micro_sc,
    )
    .expect("weather");
    let left: Vec<&str> = micro.routes.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(left, ["hs"]);
}

#[test]
fn bad_wind_limits_name_the_route_and_field() {
    let (dir, data) = stormy_micro();
    let path = data.join("ferries.geojson");
    for (field, value, says) in [
        ("max_wind", serde_json::json!(13), "Beaufort"),
        ("max_wind", serde_json::json!(6.5), "whole number"),
        ("sheltered", serde_json::json!("yes"), "true or false"),
    ] {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        v["features"][0]["properties"][field] = value;
        let bad = dir.path().join(format!("bad-{field}"));
        std::fs::create_dir_all(&bad).expect("mkdir");
        for f in std::fs::read_dir(&data).expect("data") {
            let f = f.expect("entry").path();
            std::fs::copy(&f, bad.join(f.file_name().expect("name"))).expect("copy");
        }
        std::fs::write(bad.join("ferries.geojson"), v.to_string()).expect("write");
        let o = run(&["validate", bad.to_str().expect("utf8")]);
        assert_eq!(o.status.code(), Some(2));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            text.contains("ferries.geojson") && text.contains(field) && text.contains(says),
            "{text}"
        );
    }
}
