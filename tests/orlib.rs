//! OR-Library reading, the `orlib` and `bench orlib` commands, clear errors, and a few real
//! instances (when ../shared/bench/pmed is present; skipped with a reason otherwise).

use archiplan::Error;
use archiplan::model::{Instance, Lscp, Model, PMedian, Problem};
use archiplan::network::TravelTimes;
use archiplan::orlib::{self, OrlibModel};
use archiplan::solve::{SolveOptions, solve};
use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_archiplan"))
}

fn shared_pmed() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/pmed");
    if dir.join("pmedopt.txt").exists() {
        Some(dir)
    } else {
        eprintln!("skipped: {} not present", dir.display());
        None
    }
}

#[test]
fn last_occurrence_of_an_edge_wins() {
    let text = "3 3 1\n1 2 5\n2 3 1\n2 1 9\n";
    let inst = orlib::parse(text, "t.txt").unwrap();
    assert_eq!(inst.times.get(0, 1), Some(9.0));
    assert_eq!(inst.times.get(0, 2), Some(10.0));
    assert_eq!(inst.times.get(2, 0), Some(10.0));
}

#[test]
fn disconnected_nodes_are_unreachable_not_far() {
    let inst = orlib::parse("4 1 2\n1 2 3\n", "t.txt").unwrap();
    assert_eq!(inst.times.get(0, 2), None);
    // 1 and 2 reach each other; 3 and 4 only themselves.
    assert_eq!(inst.times.nnz(), 2 + 2 + 1 + 1);
}

#[test]
fn parse_errors_name_the_line() {
    let e = orlib::parse("3 2 1\n1 2 5\n1 x 4\n", "f.txt").unwrap_err();
    assert!(e.to_string().contains("f.txt:3"), "{e}");
    assert_eq!(e.exit_code(), 2);
    let e = orlib::parse("3 2 1\n1 2 5\n", "f.txt").unwrap_err();
    assert!(e.to_string().contains("ends after 1 of 2 edges"), "{e}");
    let e = orlib::parse("3 1 1\n1 4 5\n", "f.txt").unwrap_err();
    assert!(e.to_string().contains("outside 1..=3"), "{e}");
}

#[test]
fn p_larger_than_candidates_is_a_usage_error() {
    let inst = orlib::parse("3 2 5\n1 2 5\n2 3 1\n", "t.txt").unwrap();
    let prob = orlib::problem(&inst, OrlibModel::PMedian, None).unwrap();
    let e = solve(&prob, &SolveOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Usage(_)));
    assert!(e.to_string().contains("p = 5 is larger"), "{e}");
}

#[test]
fn lscp_out_of_reach_names_points_and_nearest_time() {
    let times = TravelTimes::from_rows(
        vec![vec![(0, 2.0)], vec![(0, 9.5), (1, 12.0)], vec![]],
        2,
        f64::INFINITY,
    );
    let inst = Instance::uncapacitated(vec![1.0, 1.0, 1.0], times).unwrap();
    let prob = Problem::new(inst, Model::Lscp(Lscp::new(5.0)));
    let e = solve(&prob, &SolveOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 3);
    assert!(
        msg.contains("demand point 1 (nearest site 9.5 min)"),
        "{msg}"
    );
    assert!(msg.contains("demand point 2 (no reachable site)"), "{msg}");
}

#[test]
fn unreachable_demand_makes_p_median_infeasible() {
    let times = TravelTimes::from_rows(vec![vec![(0, 2.0)], vec![]], 1, f64::INFINITY);
    let inst = Instance::uncapacitated(vec![1.0, 3.0], times).unwrap();
    let prob = Problem::new(inst, Model::PMedian(PMedian::new(1)));
    let e = solve(&prob, &SolveOptions::default()).unwrap_err();
    assert!(e.to_string().contains("demand point 1"), "{e}");
}

#[test]
fn cli_reports_bad_files_and_missing_solvers_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.txt");
    std::fs::write(&f, "3 2 1\n1 2 5\nbroken line\n").unwrap();
    let out = bin().arg("orlib").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.txt:3"), "{err}");
    if !cfg!(feature = "highs") {
        let good = dir.path().join("good.txt");
        std::fs::write(&good, "3 2 1\n1 2 5\n2 3 1\n").unwrap();
        let out = bin()
            .args(["orlib", "--solver", "highs"])
            .arg(&good)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not compiled in"));
    }
}

#[test]
fn cli_json_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("tiny.txt");
    std::fs::write(&f, "4 4 2\n1 2 1\n2 3 5\n3 4 1\n4 1 7\n").unwrap();
    let out = bin().arg("orlib").arg(&f).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "instance",
        "model",
        "n",
        "p",
        "objective",
        "bound",
        "gap",
        "status",
        "facilities",
        "seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["objective"], 2.0);
    assert_eq!(v["status"], "optimal");
    // 1-based node ids.
    assert!(
        v["facilities"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.as_u64().unwrap() >= 1)
    );
}

#[test]
fn or_library_instances_reach_their_known_optima() {
    let Some(dir) = shared_pmed() else { return };
    let optima = orlib::read_optima(&dir.join("pmedopt.txt")).unwrap();
    for name in ["pmed1", "pmed2", "pmed5", "pmed7"] {
        let r = orlib::run(
            &dir.join(format!("{name}.txt")),
            OrlibModel::PMedian,
            None,
            &SolveOptions::default(),
        )
        .unwrap();
        assert_eq!(Some(r.objective), optima.get(name).copied(), "{name}");
        assert_eq!(r.status, "optimal", "{name}");
        assert_eq!(r.gap, 0.0, "{name}");
        assert_eq!(r.bound, r.objective, "{name}");
    }
}

#[test]
fn or_library_other_models_run() {
    let Some(dir) = shared_pmed() else { return };
    let f = dir.join("pmed1.txt");
    let c = orlib::run(&f, OrlibModel::PCenter, None, &SolveOptions::default()).unwrap();
    // Regression value: the radius search proves 127 for pmed1 with p = 5.
    assert_eq!(c.objective, 127.0);
    assert_eq!(c.status, "optimal");
    let m = orlib::run(
        &f,
        OrlibModel::Mclp { radius: 30.0 },
        Some(5),
        &SolveOptions::default(),
    )
    .unwrap();
    assert_eq!(m.status, "optimal");
    assert!(m.objective >= 5.0 && m.objective <= 100.0);
}
