//! The solver's claims and the money, audited: a status, gap or bound that its numbers do not
//! support, or an amount off by one yuan, fails `archiplan check`; a status never names a
//! limit the user did not set; thread counts from the environment follow the `--threads` rule;
//! an OR-Library graph that leaves nodes unreachable is refused from its components.

mod common;
use common::{BIN, ROOT, generate_into, json_of, ok, plan_checked, run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const S2024: &str = "data/daishan/scenario-2024.toml";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

fn plan_to(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "plan",
        "data/daishan",
        "--scenario",
        S2024,
        "-o",
        s(out),
        "--quiet",
        "--check",
    ];
    args.extend_from_slice(extra);
    ok(run(&args));
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
    edit(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
}

/// Rewrites one cell of `summary.csv`'s row `row`.
fn edit_csv(path: &Path, row: &str, col: &str, value: &str) {
    let text = std::fs::read_to_string(path).expect("csv");
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let c = lines[0].iter().position(|h| h == col).expect("column");
    let r = lines.iter_mut().find(|l| l[0] == row).expect("row");
    r[c] = value.to_string();
    let out: Vec<String> = lines.iter().map(|l| l.join(",")).collect();
    std::fs::write(path, out.join("\n") + "\n").expect("write");
}

/// A copy of the plan folder `out` at `to`.
fn copy_of(out: &Path, to: PathBuf) -> PathBuf {
    std::fs::create_dir(&to).expect("mkdir");
    for e in std::fs::read_dir(out).expect("list") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
    to
}

/// `check --json` on `out`: exit 2 and a disagreement on `file` / `field`.
fn assert_caught(out: &Path, file: &str, field: &str) {
    let o = run(&[
        "check",
        "data/daishan",
        s(out),
        "--scenario",
        S2024,
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let v = json_of(&o);
    let found = v["disagreements"]
        .as_array()
        .expect("list")
        .iter()
        .any(|d| d["file"] == file && d["field"] == field);
    assert!(found, "no disagreement on {file} {field}: {v}");
}

#[test]
fn a_plan_claiming_a_proof_it_never_had_fails_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    plan_to(&out, &["--time-limit", "1e-300"]);
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("read")).expect("j");
    assert_eq!(summary["status"], "time_limit", "the limit was reached");
    // Claim the proof: optimal, gap 0, bound = objective, in both files.
    edit_json(&out.join("summary.json"), |v| {
        v["status"] = "optimal".into();
        v["gap"] = 0.into();
        v["bound"] = v["objective"].clone();
    });
    assert_caught(&out, "summary.json", "status");
    assert_caught(&out, "summary.json", "bound");
}

#[test]
fn inconsistent_status_gap_and_bound_of_a_service_fail_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    plan_to(&out, &[]);
    ok(run(&[
        "check",
        "data/daishan",
        s(&out),
        "--scenario",
        S2024,
    ]));
    let copy = |name: &str| copy_of(&out, dir.path().join(name));
    // A bound above the objective (a minimisation).
    let a = copy("bound");
    edit_json(&a.join("summary.json"), |v| {
        let o = v["services"][0]["objective"].as_f64().expect("objective");
        v["services"][0]["bound"] = (o + 1000.0).into();
    });
    assert_caught(&a, "summary.json", "bound");
    // Optimal with a gap.
    let b = copy("gap");
    edit_json(&b.join("summary.json"), |v| {
        v["services"][0]["gap"] = 0.05.into();
    });
    assert_caught(&b, "summary.json", "gap");
    // A status the CSV does not repeat.
    let c = copy("csv");
    edit_csv(&c.join("summary.csv"), "school", "status", "time_limit");
    assert_caught(&c, "summary.csv", "status");
}

#[test]
fn money_agrees_to_the_fen_and_one_yuan_more_fails_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    plan_to(&out, &[]);
    // The tables add up: the total is the sum of the service totals, each the sum of its lines,
    // in whole fen, and summary.csv repeats them exactly.
    let v: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("read")).expect("j");
    let fen = |x: &Value| -> i64 { (x.as_f64().expect("amount") * 100.0).round() as i64 };
    let mut total = 0;
    for svc in v["services"].as_array().expect("services") {
        let c = &svc["costs"];
        let lines: i64 = [
            "running",
            "opening",
            "closing",
            "expansion",
            "per_unit",
            "mobile",
        ]
        .iter()
        .map(|k| fen(&c[*k]))
        .sum();
        assert_eq!(lines, fen(&c["total"]), "{}", svc["service"]);
        assert_eq!(fen(&svc["cost"]), fen(&c["total"]));
        total += lines;
    }
    assert_eq!(total, fen(&v["cost"]));
    // summary.csv holds one row per service and no TOTAL row: its total_cny column sums to
    // the plan's cost, as `pandas.read_csv(...).total_cny.sum()` would.
    let csv = std::fs::read_to_string(out.join("summary.csv")).expect("csv");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "total_cny")
        .expect("total_cny");
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(
        rows.len(),
        v["services"].as_array().expect("services").len()
    );
    let column: i64 = rows
        .iter()
        .map(|l| {
            let cell: f64 = l
                .split(',')
                .nth(col)
                .expect("cell")
                .parse()
                .expect("number");
            (cell * 100.0).round() as i64
        })
        .sum();
    assert_eq!(column, total, "summary.csv total_cny column");
    let plan_lines = &v["costs"];
    assert_eq!(fen(&plan_lines["total"]), total, "summary.json costs.total");

    for (name, edit) in [("total", "cost"), ("line", "services/1/costs/mobile")] {
        let to = copy_of(&out, dir.path().join(name));
        edit_json(&to.join("summary.json"), |v| {
            let p = v.pointer_mut(&format!("/{edit}")).expect("field");
            *p = (p.as_f64().expect("amount") + 1.0).into();
        });
        let field = edit.rsplit('/').next().expect("field");
        let field = if edit.contains("costs") {
            format!("costs/{field}")
        } else {
            field.to_string()
        };
        assert_caught(&to, "summary.json", &field);
    }
}

#[test]
fn no_status_names_a_limit_the_user_did_not_set() {
    // The case: a generated archipelago, 1440-minute leaders and 12 sub-centres.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = generate_into(dir.path(), 20, 200, 3);
    let template = archiplan::scenario::TEMPLATE
        .replacen("leader_minutes = 480", "leader_minutes = 1440", 1)
        .replacen("count = 4", "count = 12", 1);
    let scenario = dir.path().join("s.toml");
    std::fs::write(&scenario, template).expect("write");
    let out = dir.path().join("plan");
    let o = plan_checked(&data, &scenario, &out, &["--json"]);
    let v = json_of(&o);
    for svc in v["services"].as_array().expect("services") {
        assert_ne!(
            svc["status"], "time_limit",
            "{}: no limit was set",
            svc["service"]
        );
        if svc["status"] == "optimal" {
            assert_eq!(svc["gap"], 0.0);
        }
    }
    assert_ne!(v["status"], "time_limit");
}

#[test]
fn rayon_num_threads_follows_the_threads_rule() {
    for bad in ["5000", "100000", "abc", "-1"] {
        let o = Command::new(BIN)
            .args(["validate", "data/daishan"])
            .env("RAYON_NUM_THREADS", bad)
            .current_dir(ROOT)
            .output()
            .expect("run");
        assert_eq!(o.status.code(), Some(2), "RAYON_NUM_THREADS={bad}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("RAYON_NUM_THREADS"));
    }
    let o = Command::new(BIN)
        .args(["validate", "data/daishan"])
        .env("RAYON_NUM_THREADS", "1")
        .current_dir(ROOT)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn an_orlib_graph_with_more_components_than_facilities_is_infeasible_from_its_edges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edgeless = dir.path().join("x.txt");
    std::fs::write(&edgeless, "10000 0 1\n").expect("write");
    let o = run(&["orlib", s(&edgeless)]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("10000 separate groups") && err.contains("node 2"),
        "{err}"
    );
    // Two components and p = 2 is feasible: one facility in each.
    let two = dir.path().join("two.txt");
    std::fs::write(&two, "4 2 2\n1 2 5\n3 4 7\n").expect("write");
    let o = ok(run(&["orlib", s(&two), "--json"]));
    assert_eq!(json_of(&o)["objective"], 12.0);
    // With p = 1 it is not.
    let o = run(&["orlib", s(&two), "--p", "1"]);
    assert_eq!(o.status.code(), Some(3));
}
