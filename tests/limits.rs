//! Bounded, never hanging, never panicking, never a false "optimal": every limit on the inputs
//! (file kinds and sizes, time limits, minutes, money, sweep and instance sizes), and the
//! outputs that must stay honest (exact OR-Library distances, escaped HTML, CSV cells that are
//! no formulas, no negative zeros, messages that never echo another file).

mod common;
use common::*;

use archiplan::layers::DataSet;
use archiplan::network::Network;
use archiplan::orlib;
use archiplan::plan::{Context, PlanOptions, hierarchy};
use archiplan::scenario::Scenario;
use archiplan::scenario::transform::Transform;
use archiplan::solve::SolveOptions;
use archiplan::sweep::SweepFile;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn micro_dir() -> PathBuf {
    Path::new(ROOT).join("tests/fixtures/plan-micro")
}

fn micro() -> (DataSet, Scenario) {
    let (ds, _) = DataSet::load(micro_dir()).expect("micro data");
    let sc = Scenario::load(&micro_dir().join("scenario.toml")).expect("micro scenario");
    (ds, sc)
}

fn micro_scenario_text() -> String {
    std::fs::read_to_string(micro_dir().join("scenario.toml")).expect("scenario")
}

/// A copy of the micro data set in a temporary folder, to edit.
fn micro_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let to = dir.path().join("ds");
    std::fs::create_dir(&to).expect("mkdir");
    for e in std::fs::read_dir(micro_dir()).expect("fixture") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
    }
    (dir, to)
}

fn code(o: &std::process::Output) -> Option<i32> {
    o.status.code()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn transform(toml_text: &str) -> Transform {
    let v: toml::Value = toml::from_str(toml_text).expect("toml");
    v.try_into().expect("transform")
}

// ---- 7. bounded: timetables, time limits, costs, sizes, files ----

/// `service_hours = -24` made the expected wait negative, so the shortest-path search found a
/// negative cycle and ran until the kernel killed it.
#[test]
fn non_positive_or_non_finite_timetables_are_refused_by_every_transform() {
    let (ds, sc) = micro();
    let bad = [
        "kind = \"add_route\"\nid = \"x\"\nfrom = \"h-pier\"\nto = \"m-pier\"\nminutes = 30\ndepartures_per_day = 4\nservice_hours = -24",
        "kind = \"add_route\"\nid = \"x\"\nfrom = \"h-pier\"\nto = \"m-pier\"\nminutes = 30\ndepartures_per_day = 4\nservice_hours = 0",
        "kind = \"add_route\"\nid = \"x\"\nfrom = \"h-pier\"\nto = \"m-pier\"\nminutes = -30\ndepartures_per_day = 4",
        "kind = \"add_route\"\nid = \"x\"\nfrom = \"h-pier\"\nto = \"m-pier\"\nminutes = 30\ndepartures_per_day = nan",
        "kind = \"add_route\"\nid = \"x\"\nfrom = \"h-pier\"\nto = \"m-pier\"\nminutes = inf\ndepartures_per_day = 4",
        "kind = \"add_bridge\"\nid = \"x\"\nfrom = \"h-pier\"\nto = \"m-pier\"\nminutes = -1",
        "kind = \"retime_route\"\nid = \"hs\"\nservice_hours = -24",
        "kind = \"retime_route\"\nid = \"hs\"\nminutes = 1e300",
        "kind = \"retime_route\"\nid = \"hs\"\ndepartures_factor = 1e300",
        "kind = \"retime_route\"\nid = \"hs\"\ndepartures_per_day = -2",
        "kind = \"budget\"\nvalue = nan",
        "kind = \"budget\"\nvalue = 1e308",
    ];
    for text in bad {
        let (mut d, mut s) = (ds.clone(), sc.clone());
        let e = transform(text)
            .apply(&mut d, &mut s, Path::new("."))
            .expect_err(text);
        assert_eq!(e.exit_code(), 2, "{text}: {e}");
    }
}

/// Validation is not trusted alone: a data set built by hand with a negative wait is refused by
/// `Network::try_build` (what planning uses), and `Network::build` leaves the leg out, so a
/// search always ends.
#[test]
fn the_network_refuses_legs_that_are_negative_or_not_numbers() {
    let (mut ds, sc) = micro();
    ds.routes[0].service_hours = -24.0;
    let e = Network::try_build(&ds).expect_err("negative leg");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains(&ds.routes[0].id), "{e}");
    let net = Network::build(&ds);
    let sp = net.shortest_from(net.settlement_nodes[0], f64::INFINITY);
    assert!(sp.reached.iter().all(|&(_, d)| d >= 0.0));
    let e = Context::new(&ds, &sc).err().expect("planning refuses it");
    assert_eq!(e.exit_code(), 2);
    ds.routes[0].service_hours = f64::NAN;
    assert!(Network::try_build(&ds).is_err());
}

#[test]
fn time_limits_too_large_for_a_duration_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("p");
    for limit in ["1e19", "inf", "0", "-1"] {
        let o = run(&[
            "plan",
            "tests/fixtures/plan-micro",
            "--scenario",
            "tests/fixtures/plan-micro/scenario.toml",
            "-o",
            out.to_str().expect("utf8"),
            &format!("--time-limit={limit}"),
        ]);
        assert_eq!(code(&o), Some(2), "{limit}: {}", stderr(&o));
        assert!(stderr(&o).contains("--time-limit"), "{}", stderr(&o));
    }
    let inst = dir.path().join("t.txt");
    std::fs::write(&inst, "3 2 1\n1 2 5\n2 3 1\n").expect("write");
    let o = run(&[
        "orlib",
        inst.to_str().expect("utf8"),
        "--time-limit",
        "1e19",
    ]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    // The library rule holds without the command line too.
    let (ds, sc) = micro();
    let e = archiplan::plan::plan(
        &ds,
        &sc,
        PlanOptions {
            time_limit: Some(1e19),
            ..Default::default()
        },
    )
    .expect_err("refused");
    assert_eq!(e.exit_code(), 2);
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        "time_limit = 1e19\n[[run]]\nname = \"a\"\ntransforms = []\n",
    )
    .expect("write");
    let e = SweepFile::load(&sweep).expect_err("sweep time_limit");
    assert!(e.to_string().contains("time_limit"), "{e}");
    assert_eq!(e.exit_code(), 2);
}

/// Costs of 1e308 overflowed to an infinite plan cost with a NaN gap, printed as
/// 18,446,744,073,709,551,615.
#[test]
fn absurd_costs_and_minutes_are_refused_naming_the_field() {
    let text = micro_scenario_text().replace("annual_cost = 250000", "annual_cost = 1e308");
    let e = Scenario::parse(&text, "t").expect_err("huge cost");
    assert!(e.to_string().contains("annual_cost"), "{e}");
    assert_eq!(e.exit_code(), 2);
    let text = micro_scenario_text().replace("cost_per_visit = 1500", "cost_per_visit = inf");
    assert!(Scenario::parse(&text, "t").is_err());
    let text = micro_scenario_text().replace("standard_minutes = 30", "standard_minutes = 1e9");
    let e = Scenario::parse(&text, "t").expect_err("huge standard");
    assert!(e.to_string().contains("standard_minutes"), "{e}");
    // In the data too.
    let (_dir, ds) = micro_copy();
    let f = ds.join("facilities.geojson");
    let text = std::fs::read_to_string(&f).expect("facilities");
    let edited = text.replacen("\"annual_cost\": 500000", "\"annual_cost\": 1e308", 1);
    assert_ne!(text, edited, "fixture has that cost");
    std::fs::write(&f, edited).expect("write");
    let o = run(&["validate", ds.to_str().expect("utf8")]);
    assert_eq!(code(&o), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("annual_cost"));
}

#[test]
fn huge_amounts_print_in_scientific_notation_not_saturated() {
    use archiplan::report::text::amount;
    assert_eq!(amount(1e308), "1e308");
    assert_eq!(amount(67_304_350.4), "67,304,350");
    assert_eq!(amount(-1234.0), "-1,234");
    assert_eq!(amount(-0.2), "0");
    assert!(!amount(1.8e19).contains("18,446,744"));
}

/// A grid of 3 axes x 1,001 values allocated 4 GB and aborted; it is counted first.
#[test]
fn sweep_grids_are_counted_before_they_are_expanded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let values: Vec<String> = (0..1001)
        .map(|k| format!("{}", k as f64 / 1000.0))
        .collect();
    let mut text = String::from("[grid]\n");
    for a in 0..3 {
        text += &format!(
            "[[grid.axis]]\nname = \"a{a}\"\nvalues = [{}]\ntransforms = [{{ kind = \"budget\", value = \"$value\" }}]\n",
            values.join(", ")
        );
    }
    let p = dir.path().join("big.toml");
    std::fs::write(&p, text).expect("write");
    let f = SweepFile::load(&p).expect("file reads");
    let e = f.expand("big.toml").expect_err("too many");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("100000"), "{e}");
}

/// `2000000000 0 1` aborted on a 48 GB allocation, `1000000 0 1` ran for hours.
#[test]
fn or_library_sizes_are_capped_before_allocating() {
    for header in [
        "2000000000 0 1\n",
        "1000000 0 1\n",
        "18446744073709551615 0 1\n",
    ] {
        let e = orlib::parse(header, "h.txt").expect_err(header);
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("h.txt:1"), "{e}");
    }
    let e = orlib::parse("3 100 1\n1 2 5\n", "m.txt").expect_err("edges");
    assert!(e.to_string().contains("edges"), "{e}");
}

#[test]
fn devices_fifos_and_oversized_files_are_refused_not_read() {
    let o = run(&[
        "plan",
        "tests/fixtures/plan-micro",
        "--scenario",
        "/dev/zero",
        "-o",
        "/tmp/x-never",
    ]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let o = run(&["orlib", "/dev/zero"]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    let dir = tempfile::tempdir().expect("tempdir");
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        "[[run]]\nname = \"a\"\ntransforms = [{ kind = \"use_scenario\", path = \"/dev/zero\" }]\n",
    )
    .expect("write");
    let o = run(&[
        "sweep",
        "tests/fixtures/plan-micro",
        "--sweep",
        sweep.to_str().expect("utf8"),
        "-o",
        dir.path().join("out").to_str().expect("utf8"),
        "--quiet",
    ]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    // A FIFO in place of a layer would block the reader forever.
    let (_d, ds) = micro_copy();
    let layer = ds.join("islands.geojson");
    std::fs::remove_file(&layer).expect("rm");
    let made = std::process::Command::new("mkfifo").arg(&layer).status();
    if made.is_ok_and(|s| s.success()) {
        let o = run(&["validate", ds.to_str().expect("utf8")]);
        assert_eq!(code(&o), Some(2));
        assert!(String::from_utf8_lossy(&o.stdout).contains("not a regular file"));
    } else {
        eprintln!("skipped the FIFO case: mkfifo is not available");
    }
}

/// `network --cutoff 1e9` on a large archipelago kept every pair.
#[test]
fn the_network_cutoff_is_capped() {
    let o = run(&["network", "tests/fixtures/plan-micro", "--cutoff", "1e9"]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--cutoff"), "{}", stderr(&o));
    ok(run(&[
        "network",
        "tests/fixtures/plan-micro",
        "--cutoff",
        "10080",
    ]));
}

/// The sparse leader table gives the hierarchy a dense table would: the tiers, leaders and
/// minutes of a generated archipelago agree with those computed from full island-to-island
/// searches.
#[test]
fn the_sparse_leader_table_chooses_what_a_dense_one_would() {
    let (_dir, ds) = generated(60, 300, 7);
    let text = "[hierarchy]\nmin_leader_population = 300\nleader_minutes = 2000\nallow_fewer_leaders = true\n";
    let sc = Scenario::parse(text, "t").expect("scenario");
    let ctx = Context::new(&ds, &sc).expect("context");
    let h = hierarchy::choose(&ctx).expect("hierarchy");
    let limit = sc.hierarchy.leader_minutes;
    for &k in &ctx.inhabited_islands {
        let dense = ctx.minutes_from(k);
        let best = h
            .leaders
            .iter()
            .filter_map(|&l| dense[l].filter(|&t| t <= limit).map(|t| (t, l)))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        if h.tier[k] == h.tier.iter().copied().max().unwrap_or(0) {
            assert_eq!(h.leader[k], best.map(|b| b.1), "island {k}");
            assert_eq!(h.minutes_to_leader[k], best.map(|b| b.0), "island {k}");
        }
        for &l in &h.leaders {
            assert_eq!(
                ctx.minutes_to_leader(k, l),
                dense[l].filter(|&t| t <= limit)
            );
        }
        for (l, &d) in dense.iter().enumerate() {
            if let Some(t) = ctx.minutes_to_leader(k, l) {
                assert_eq!(Some(t), d, "{k} -> {l}");
            }
        }
    }
}

// ---- messages that never echo another file ----

#[test]
fn a_use_scenario_that_is_no_scenario_is_reported_without_its_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("passwd");
    std::fs::write(&secret, "root:x:0:0:SECRET-LINE:/root:/bin/bash\n").expect("write");
    let (mut ds, mut sc) = micro();
    let t = Transform::UseScenario {
        path: secret.display().to_string(),
    };
    let e = t
        .apply(&mut ds, &mut sc, dir.path())
        .expect_err("not a scenario");
    let msg = e.to_string();
    assert_eq!(e.exit_code(), 2);
    assert!(!msg.contains("SECRET") && !msg.contains("root:x"), "{msg}");
    assert!(msg.contains("passwd") && msg.contains("line 1"), "{msg}");
    // A file the user names directly may be quoted (it is theirs to read).
    let e = Scenario::load(&secret).expect_err("direct");
    assert_eq!(e.exit_code(), 2);
}

// ---- 8. never a false "optimal" ----

/// Costs from 2^24 on were stored as f32: this instance came back "optimal" at site 1 with
/// 200,000,000, an objective no plan has (the best is 200,000,004).
#[test]
fn or_library_distances_f32_cannot_hold_are_refused_not_rounded() {
    let text = "3 3 1\n1 2 100000003\n1 3 100000003\n2 3 100000001\n";
    let e = orlib::parse(text, "big.txt").expect_err("not exact in f32");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("cannot hold exactly"), "{e}");
    // Just below the limit every distance is exact and the answer is the true one.
    let text = "3 3 1\n1 2 8000003\n1 3 8000003\n2 3 8000001\n";
    let inst = orlib::parse(text, "ok.txt").expect("exact");
    let prob = orlib::problem(&inst, orlib::OrlibModel::PMedian, None).expect("problem");
    let sol = archiplan::solve::solve(&prob, &SolveOptions::default()).expect("solve");
    assert_eq!(sol.objective, 16000004.0);
    assert_eq!(sol.status.as_str(), "optimal");
}

/// All-pairs shortest paths in exact integers, then every choice of p sites.
fn brute_force_pmedian(n: usize, edges: &[(usize, usize, u64)], p: usize) -> Option<u64> {
    let inf = 1u64 << 50;
    let mut d = vec![vec![inf; n]; n];
    for (i, row) in d.iter_mut().enumerate() {
        row[i] = 0;
    }
    let mut last = std::collections::BTreeMap::new();
    for &(a, b, c) in edges {
        if a != b {
            last.insert((a.min(b), a.max(b)), c);
        }
    }
    for (&(a, b), &c) in &last {
        d[a][b] = c;
        d[b][a] = c;
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if d[i][k] + d[k][j] < d[i][j] {
                    d[i][j] = d[i][k] + d[k][j];
                }
            }
        }
    }
    let mut best: Option<u64> = None;
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize != p {
            continue;
        }
        let total: u64 = (0..n)
            .map(|i| {
                (0..n)
                    .filter(|j| mask & (1 << j) != 0)
                    .map(|j| d[i][j])
                    .min()
                    .unwrap_or(inf)
            })
            .sum();
        if total < inf {
            best = Some(best.map_or(total, |b| b.min(total)));
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Large integral costs: either the instance is refused (some distance is beyond what f32
    /// holds) or the reported optimum is the exact brute-force one.
    #[test]
    fn large_integral_costs_are_exact_or_refused(
        n in 3usize..7,
        raw in prop::collection::vec((0usize..7, 0usize..7, 1u64..(1u64 << 25)), 3..14),
        p in 1usize..3,
    ) {
        let edges: Vec<(usize, usize, u64)> =
            raw.into_iter().map(|(a, b, c)| (a % n, b % n, c)).collect();
        prop_assume!(edges.len() <= n * n);
        let mut text = format!("{n} {} {p}\n", edges.len());
        for &(a, b, c) in &edges {
            text += &format!("{} {} {c}\n", a + 1, b + 1);
        }
        let truth = brute_force_pmedian(n, &edges, p);
        match orlib::parse(&text, "r.txt") {
            Err(e) => {
                prop_assert_eq!(e.exit_code(), 2);
                prop_assert!(e.to_string().contains("cannot hold exactly"), "{}", e);
            }
            Ok(inst) => {
                // More components than facilities is refused from the edges: the brute force
                // must agree that no plan exists.
                let prob = match orlib::problem(&inst, orlib::OrlibModel::PMedian, None) {
                    Ok(prob) => prob,
                    Err(e) => {
                        prop_assert_eq!(e.exit_code(), 3, "{}", e);
                        prop_assert!(truth.is_none(), "refused but a plan exists: {}", e);
                        return Ok(());
                    }
                };
                match archiplan::solve::solve(&prob, &SolveOptions::default()) {
                    Ok(sol) => {
                        let t = truth.expect("a plan exists when one is found");
                        prop_assert_eq!(sol.status.as_str(), "optimal");
                        prop_assert_eq!(sol.objective, t as f64);
                    }
                    Err(_) => prop_assert!(truth.is_none(), "no plan reported but one exists"),
                }
            }
        }
    }
}

fn plan_micro_into(dir: &Path, scenario_text: &str) -> PathBuf {
    let sc = dir.join("scenario.toml");
    std::fs::write(&sc, scenario_text).expect("write");
    let out = dir.join("plan");
    ok(run(&[
        "plan",
        "tests/fixtures/plan-micro",
        "--scenario",
        sc.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--quiet",
    ]));
    out
}

#[test]
fn a_tampered_summary_cannot_put_a_script_into_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_micro_into(dir.path(), &micro_scenario_text());
    let path = plan.join("summary.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("summary")).expect("json");
    let evil = "<script>alert(1)</script>";
    // A script where a number belongs: the summary is read typed and refused, naming the file.
    let mut numbers = v.clone();
    for key in ["new", "kept", "closed", "expanded", "mobile"] {
        numbers["services"][0][key] = serde_json::Value::String(evil.into());
    }
    numbers["cost"] = serde_json::Value::String(evil.into());
    numbers["targets"][0]["minutes"] = serde_json::Value::String(evil.into());
    std::fs::write(&path, serde_json::to_vec(&numbers).expect("json")).expect("write");
    match archiplan::report::html::report(&plan, None) {
        Ok(_) => panic!("a summary with text for numbers was drawn"),
        Err(e) => assert!(e.to_string().contains("summary.json"), "{e}"),
    }
    // A script in the text fields: drawn, escaped.
    v["scenario"] = serde_json::Value::String(evil.into());
    v["services"][0]["label"] = serde_json::Value::String(evil.into());
    v["targets"][0]["name"] = serde_json::Value::String(evil.into());
    v["hierarchy"]["method"] = serde_json::Value::String(evil.into());
    std::fs::write(&path, serde_json::to_vec(&v).expect("json")).expect("write");
    let page = archiplan::report::html::report(&plan, None).expect("report");
    assert!(!page.html.contains(evil), "unescaped script in the page");
    assert_eq!(
        page.html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    let policy = archiplan::report::html::policy();
    assert!(page.html.contains(&policy));
    assert!(
        policy.contains("script-src 'sha256-") && !policy.contains("script-src 'unsafe-inline'")
    );
}

#[test]
fn csv_text_cells_from_user_data_are_not_formulas_and_numbers_stay_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = micro_scenario_text().replace(
        "name = \"all children seated within 45 minutes\"",
        "name = \"=HYPERLINK(\\\"x\\\")\"",
    );
    let plan = plan_micro_into(dir.path(), &text);
    let summary = std::fs::read_to_string(plan.join("summary.csv")).expect("summary.csv");
    let targets = std::fs::read_to_string(plan.join("targets.csv")).expect("targets.csv");
    assert!(targets.contains("'=HYPERLINK"), "{targets}");
    for csv in [&summary, &targets] {
        for line in csv.lines().skip(1) {
            for cell in line.split(',').skip(1) {
                assert!(
                    !cell.starts_with("'") || cell[1..].parse::<f64>().is_err(),
                    "{line}"
                );
            }
        }
    }
    // Sweep results and timings: scenario names are user text.
    let sweep = dir.path().join("s.toml");
    std::fs::write(
        &sweep,
        format!(
            "scenario = \"{}\"\n[[run]]\nname = \"-2+3\"\ntransforms = []\n",
            dir.path().join("scenario.toml").display()
        ),
    )
    .expect("write");
    let out = dir.path().join("sw");
    ok(run(&[
        "sweep",
        "tests/fixtures/plan-micro",
        "--sweep",
        sweep.to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
        "--quiet",
    ]));
    for f in ["results.csv", "timings.csv"] {
        let t = std::fs::read_to_string(out.join(f)).expect(f);
        assert!(t.contains(",'-2+3,"), "{f}: {t}");
    }
}

// ---- item 5: small ones ----

#[test]
fn a_utf8_bom_is_read_in_geojson_and_toml() {
    let (_d, ds) = micro_copy();
    for f in ["islands.geojson", "settlements.geojson"] {
        let p = ds.join(f);
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(&p).expect("read"));
        std::fs::write(&p, bytes).expect("write");
    }
    let sc = ds.join("scenario.toml");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&sc).expect("read"));
    std::fs::write(&sc, bytes).expect("write");
    ok(run(&["validate", ds.to_str().expect("utf8")]));
    Scenario::load(&sc).expect("a BOM before TOML is fine");
    Scenario::load_indirect(&sc).expect("also indirectly");
}

#[test]
fn the_capacity_shortfall_message_has_no_runs_of_spaces() {
    let (ds, _) = micro();
    // Only school B (200 seats) for 330 children, and no cover target: a seat shortfall.
    let text = micro_scenario_text().replacen("share = 0.9", "share = 0.0", 1)
        + "\n[decisions]\nclose = [\"school-a\", \"school-c\"]\n";
    let sc = Scenario::parse(&text, "t").expect("scenario");
    let msg = infeasible_reason(&ds, &sc);
    assert!(msg.contains("must seat"), "{msg}");
    assert!(!msg.contains("  "), "{msg}");
}

#[test]
fn the_leader_shortfall_counts_what_is_missing() {
    let (ds, _) = DataSet::load(Path::new(ROOT).join("data/daishan")).expect("daishan");
    let text = "[hierarchy]\nmin_leader_population = 5000\n[[hierarchy.tiers]]\nname = \"hub\"\ncount = 1\n\
                [[hierarchy.tiers]]\nname = \"subcenter\"\ncount = 20\n[[hierarchy.tiers]]\nname = \"small\"\n";
    let sc = Scenario::parse(text, "t").expect("scenario");
    let ctx = Context::new(&ds, &sc).expect("context");
    let e = hierarchy::choose(&ctx).expect_err("too few eligible");
    let msg = e.to_string();
    let num = |before: &str| -> usize {
        let i = msg
            .find(before)
            .unwrap_or_else(|| panic!("{before}: {msg}"));
        msg[..i]
            .split_whitespace()
            .last()
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("{before}: {msg}"))
    };
    let (more, seats, eligible) = (
        num(" more leader island(s)"),
        num(" leader seat(s)"),
        num(" island(s) are eligible"),
    );
    assert!(eligible < seats, "{msg}");
    assert_eq!(more, seats - eligible, "{msg}");
}

#[test]
fn summary_json_has_no_negative_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_micro_into(dir.path(), &micro_scenario_text());
    let text = std::fs::read_to_string(plan.join("summary.json")).expect("summary");
    assert!(!text.contains("-0.0"), "negative zero in summary.json");
    serde_json::from_str::<serde_json::Value>(&text).expect("still JSON");
}
