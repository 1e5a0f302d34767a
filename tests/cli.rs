//! End-to-end checks of the command line: contracts (keys, exit codes) on real data.

mod common;
use common::*;

use serde_json::Value;
use std::path::Path;

#[test]
fn daishan_validates_with_87_settlements_and_the_census_population() {
    let out = run(&["validate", "data/daishan", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
    assert!(v["warnings"].is_array());
    assert_eq!(v["counts"]["settlements"], 87);
    assert_eq!(v["population"], 207_982);
    for key in ["islands", "settlements", "facilities", "routes"] {
        assert!(v["counts"][key].as_u64().is_some_and(|n| n > 0), "{key}");
    }
}

#[test]
fn daishan_settlements_carry_all_87_official_codes() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("data/daishan/settlements.geojson"))
        .expect("settlements");
    let v: Value = serde_json::from_str(&text).expect("json");
    let ids: Vec<&str> = v["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 87);
    assert!(
        ids.iter()
            .all(|id| id.len() == 12 && id.starts_with("330921"))
    );
    let communities = v["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["kind"] == "community")
        .count();
    assert_eq!(communities, 13);
}

#[test]
fn validate_reports_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in std::fs::read_dir(Path::new(ROOT).join("tests/fixtures/micro")).expect("fixture") {
        let f = f.expect("entry");
        std::fs::copy(f.path(), dir.path().join(f.file_name())).expect("copy");
    }
    let path = dir.path().join("settlements.geojson");
    let text = std::fs::read_to_string(&path)
        .expect("read")
        .replace("\"population\": 3000", "\"population\": -3000")
        .replace("\"population\": 400", "\"population\": 400.5");
    std::fs::write(&path, text).expect("write");
    let d = dir.path().to_str().expect("utf8");
    let out = run(&["validate", d, "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    assert_eq!(v["ok"], false);
    let errors = v["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{errors:?}");
    for e in errors {
        assert_eq!(e["file"], "settlements.geojson");
        assert_eq!(e["field"], "population");
        assert!(e["feature"].is_u64() && e["id"].is_string() && e["message"].is_string());
    }
    // The text form names file, feature, id and field too.
    let out = run(&["validate", d]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("settlements.geojson feature 0 (id a1) field `population`"),
        "{text}"
    );
    // Commands that need valid data refuse it with exit 2 and the reasons on stderr.
    let out = run(&["network", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("settlements.geojson"));
    assert!(out.stdout.is_empty());
}

#[test]
fn network_json_reports_every_inhabited_daishan_island_reaching_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gj = dir.path().join("net.geojson");
    let out = ok(run(&[
        "network",
        "data/daishan",
        "--json",
        "--geojson",
        gj.to_str().expect("utf8"),
    ]));
    let v = json_of(&out);
    for key in ["nodes", "edges", "components"] {
        assert!(v[key].as_u64().is_some_and(|n| n > 0), "{key}");
    }
    assert_eq!(v["components"], 1);
    assert_eq!(
        v["unreachable_settlements"].as_array().map(Vec::len),
        Some(0)
    );
    let islands = v["islands"].as_array().expect("islands");
    let inhabited: Vec<&Value> = islands
        .iter()
        .filter(|i| i["population"].as_u64() > Some(0))
        .collect();
    assert!(inhabited.len() >= 10);
    for i in &inhabited {
        for key in ["id", "name", "population"] {
            assert!(!i[key].is_null(), "{key} in {i}");
        }
        let mean = i["minutes_to_hub_mean"].as_f64().expect("reachable mean");
        let max = i["minutes_to_hub_max"].as_f64().expect("reachable max");
        assert!(mean <= max + 1e-9 && mean >= 0.0);
    }
    // The GeoJSON parses as RFC 7946 with one LineString per route.
    let text = std::fs::read_to_string(&gj).expect("geojson written");
    let fc: geojson::FeatureCollection = text.parse().expect("valid GeoJSON");
    let lines = fc
        .features
        .iter()
        .filter(|f| {
            matches!(
                f.geometry.as_ref().map(|g| &g.value),
                Some(geojson::GeometryValue::LineString { .. })
            )
        })
        .count();
    let routes = json_of(&run(&["validate", "data/daishan", "--json"]))["counts"]["routes"]
        .as_u64()
        .expect("routes");
    assert_eq!(lines as u64, routes);
    assert_eq!(
        fc.features.len() as u64,
        routes + v["nodes"].as_u64().expect("nodes")
    );
}

#[test]
fn generate_is_deterministic_and_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let make = |name: &str, seed: &str| {
        let out_dir = dir.path().join(name);
        ok(run(&[
            "generate",
            "--islands",
            "30",
            "--settlements",
            "400",
            "--seed",
            seed,
            "-o",
            out_dir.to_str().expect("utf8"),
        ]));
        out_dir
    };
    let a = make("a", "5");
    let b = make("b", "5");
    let c = make("c", "6");
    let mut any_differs = false;
    for f in [
        "islands.geojson",
        "settlements.geojson",
        "ports.geojson",
        "ferries.geojson",
        "facilities.geojson",
    ] {
        let (x, y, z) = (
            std::fs::read(a.join(f)).expect("a"),
            std::fs::read(b.join(f)).expect("b"),
            std::fs::read(c.join(f)).expect("c"),
        );
        assert_eq!(x, y, "{f} differs for the same seed");
        any_differs |= x != z;
    }
    assert!(any_differs, "another seed gives another archipelago");
    let v = json_of(&run(&["validate", a.to_str().expect("utf8"), "--json"]));
    assert_eq!(v["ok"], true);
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["counts"]["settlements"], 400);
    assert_eq!(v["counts"]["islands"], 30);
    // Refuses to overwrite a non-empty folder.
    let again = run(&[
        "generate",
        "--islands",
        "3",
        "--settlements",
        "10",
        "-o",
        a.to_str().expect("utf8"),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["network"]).status.code(), Some(2));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
    let out = run(&["network", "data/daishan", "--cutoff=-5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--cutoff"));
    let out = run(&["validate", "/no/such/folder", "--json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completions_and_a_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = ok(run(&["completions", shell]));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("archiplan"),
            "{shell}"
        );
    }
    let o = ok(run(&["man"]));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.contains(".TH archiplan 1") && page.contains("plan"),
        "{page}"
    );
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn a_closed_stderr_is_no_panic() {
    use std::os::fd::FromRawFd;
    // A pipe whose reader is gone: every write to stderr fails with EPIPE.
    let mut fds = [0i32; 2];
    // SAFETY: pipe(2) fills two descriptors this test then owns.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is ours; closing it drops the reader.
    drop(unsafe { std::fs::File::from_raw_fd(fds[0]) });
    // SAFETY: fds[1] is ours; it becomes the child's stderr.
    let writer = unsafe { std::fs::File::from_raw_fd(fds[1]) };
    let dir = tempfile::tempdir().expect("tempdir");
    let o = std::process::Command::new(BIN)
        .args(["plan", "data/daishan", "--check", "-o"])
        .arg(dir.path().join("p"))
        .current_dir(ROOT)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::from(writer))
        .status()
        .expect("run");
    assert_eq!(
        o.code(),
        Some(0),
        "a warning on a broken stderr must not panic (exit 101)"
    );
}

/// `plan` and `resilience` take `--threads` (the one thread rule) and `resilience` takes
/// `--time-limit`; results do not depend on the thread count.
#[test]
fn plan_and_resilience_take_threads_and_time_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut outs = Vec::new();
    for t in ["1", "2"] {
        let out = dir.path().join(format!("t{t}"));
        let scenario = Path::new("data/daishan/scenario-2024.toml");
        plan_checked(Path::new("data/daishan"), scenario, &out, &["--threads", t]);
        outs.push(out);
    }
    for name in ["summary.json", "facilities.geojson", "assignments.geojson"] {
        let a = std::fs::read(outs[0].join(name)).expect("read");
        let b = std::fs::read(outs[1].join(name)).expect("read");
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
    let bad = run(&[
        "plan",
        "data/daishan",
        "-o",
        "/nonexistent/x",
        "--threads",
        "0",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--threads"));

    let res = |extra: &[&str]| {
        let mut args = vec![
            "resilience",
            "data/daishan",
            "--scenario",
            "data/daishan/scenario-2024.toml",
            "--json",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let one = res(&["--threads", "1", "--time-limit", "60"]);
    let all = res(&[]);
    assert_eq!(
        one.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(
        one.stdout, all.stdout,
        "resilience depends on the thread count"
    );
    for bad in [&["--time-limit", "0"][..], &["--threads", "0"][..]] {
        let o = res(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
}

/// Reports read `summary.json` typed: a summary missing a field is refused with the file and
/// the field named (exit 2), never drawn with a silent default (it used to cost 0 CNY).
#[test]
fn reports_refuse_a_summary_missing_a_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    let scenario = Path::new("data/daishan/scenario-2024.toml");
    plan_checked(Path::new("data/daishan"), scenario, &out, &[]);
    let path = out.join("summary.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    v["services"][0]
        .as_object_mut()
        .expect("service")
        .remove("standard_minutes");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
    let html = dir.path().join("r.html");
    let svg = dir.path().join("r.svg");
    for args in [
        vec![
            "report",
            out.to_str().expect("utf8"),
            "-o",
            html.to_str().expect("utf8"),
        ],
        vec![
            "render",
            out.to_str().expect("utf8"),
            "-o",
            svg.to_str().expect("utf8"),
        ],
        vec![
            "compare",
            out.to_str().expect("utf8"),
            out.to_str().expect("utf8"),
        ],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("summary.json") && err.contains("standard_minutes"),
            "{args:?}: {err}"
        );
    }
}

/// The library logs through `log`: `-v` (or RUST_LOG=debug) shows the solver's progress on
/// stderr, nothing by default; stdout stays the result either way.
#[test]
fn verbose_shows_solver_progress_on_stderr_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("six.txt");
    std::fs::write(
        &f,
        "6 7 2\n1 2 3\n2 3 4\n3 4 2\n4 5 6\n5 6 1\n6 1 5\n2 5 7\n",
    )
    .expect("write");
    let path = f.to_str().expect("utf8");
    let quiet = run(&["orlib", path, "--json"]);
    let loud = run(&["orlib", path, "--json", "-v"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(loud.status.code(), Some(0));
    assert!(!quiet.stdout.is_empty());
    let q = String::from_utf8_lossy(&quiet.stderr);
    let l = String::from_utf8_lossy(&loud.stderr);
    assert!(!q.contains("lagrangian search"), "{q}");
    assert!(l.contains("lagrangian search"), "{l}");
    let env = std::process::Command::new(BIN)
        .args(["orlib", path])
        .env("RUST_LOG", "debug")
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&env.stderr).contains("lagrangian search"));
}

/// `plan DATA` without `--scenario` plans with the data folder's own `scenario.toml` (as
/// `generate` writes one) and says so; `check DATA OUT` audits against the same file.
#[test]
fn a_data_folders_own_scenario_is_the_default() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("ds");
    std::fs::create_dir(&data).expect("mkdir");
    for f in std::fs::read_dir(Path::new(ROOT).join("data/daishan")).expect("daishan") {
        let f = f.expect("entry").path();
        if f.extension().is_some_and(|e| e == "geojson") {
            std::fs::copy(&f, data.join(f.file_name().expect("name"))).expect("copy");
        }
    }
    let given = Path::new(ROOT).join("data/daishan/scenario-2024.toml");
    std::fs::copy(&given, data.join("scenario.toml")).expect("copy scenario");
    let with_file = dir.path().join("given");
    plan_checked(Path::new("data/daishan"), &given, &with_file, &[]);
    let own = dir.path().join("own");
    let (d, o) = (data.to_str().expect("utf8"), own.to_str().expect("utf8"));
    let planned = ok(run(&["plan", d, "-o", o, "--quiet"]));
    let stderr = String::from_utf8_lossy(&planned.stderr);
    assert!(stderr.contains("the data folder's own"), "{stderr}");
    for name in ["facilities.geojson", "assignments.geojson"] {
        let a = std::fs::read(with_file.join(name)).expect("read");
        let b = std::fs::read(own.join(name)).expect("read");
        assert!(
            a == b,
            "{name}: the folder's scenario.toml was not the one planned"
        );
    }
    ok(run(&["check", d, o]));
    // The template is another brief: the audit against it must disagree, so the pass above
    // came from the folder's file.
    let template = run(&["check", "data/daishan", o]);
    assert_eq!(
        template.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&template.stdout)
    );
}
