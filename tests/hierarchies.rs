//! Named hierarchies (`[hierarchies.NAME]`, `service.hierarchy`): a service may follow a tier
//! structure of its own (health's "1+2+3+N" beside "1+4+N"), chosen, reported, written and
//! audited per hierarchy.
//!
//! The micro archipelago of tests/plan.rs (tests/fixtures/plan-micro): hub H (hospital, must
//! stay, 10,000,000 a year), S (health centre hc-s, 3,000,000), small island M (200 people).
//! Under `[hierarchy]` ("hub", one "subcenter", "small"; leaders need 500 residents) S is the
//! sub-centre and M small: M's medical cover is a roving team from S (104 x (1,500 + 10 x
//! one-way minutes), about 206,000), cheaper than a village clinic (250,000 + 60,000 =
//! 310,000).
//!
//! The clinic here follows `[hierarchies.health]`: "hub", "island" (1, fixed: S), "township"
//! (1), "small", leaders from 100 residents. M (200) is then the township leader: a leader leads
//! its own community, so no roving team may serve it and its cover is a village clinic. The
//! health centre level is `per_leader` on "island" and "township" but `per_leader_tiers =
//! ["island"]`: S must keep hc-s, M need not have one (it has no level-2 site and none may
//! open). So the clinic costs 10,000,000 + 3,000,000 + 310,000 = 13,310,000, with no roving
//! team, while the school service (on `[hierarchy]`) is planned as before.

mod common;
use common::*;

use archiplan::layers::DataSet;
use archiplan::plan::evaluate::check_coverage;
use archiplan::plan::{Context, PlanOptions, hierarchy, plan_in, service};
use archiplan::scenario::Scenario;
use std::path::Path;

const CLINIC_UNDER_HEALTH: f64 = 13_310_000.0;

fn micro_data() -> DataSet {
    let dir = Path::new(ROOT).join("tests/fixtures/plan-micro");
    DataSet::load(&dir).expect("micro plan data").0
}

fn micro_text() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/plan-micro/scenario.toml"))
        .expect("scenario")
}

const HEALTH: &str = r#"
[hierarchies.health]
hub = "H"
min_leader_population = 100
fixed = { S = "island" }

[[hierarchies.health.tiers]]
name = "hub"
count = 1

[[hierarchies.health.tiers]]
name = "island"
count = 1

[[hierarchies.health.tiers]]
name = "township"
count = 1

[[hierarchies.health.tiers]]
name = "small"
"#;

/// The micro scenario with the clinic on `[hierarchies.health]`; `per_leader_tiers` as given
/// (TOML line, may be empty).
fn health_text(per_leader_tiers: &str) -> String {
    let text = micro_text();
    let cut = text.find("[[service]]").expect("services");
    let services = text[cut..]
        .replace(
            "name = \"clinic\"\ndemand = \"population\"\n",
            "name = \"clinic\"\ndemand = \"population\"\nhierarchy = \"health\"\n",
        )
        .replace(
            "tiers = [\"subcenter\"]\nper_leader = true\n",
            &format!("tiers = [\"island\", \"township\"]\nper_leader = true\n{per_leader_tiers}"),
        );
    format!("{}{HEALTH}\n{services}", &text[..cut])
}

fn health_scenario() -> Scenario {
    Scenario::parse(
        &health_text("per_leader_tiers = [\"island\"]\n"),
        "micro-health",
    )
    .expect("parses")
}

fn service_of<'p>(plan: &'p archiplan::plan::Plan, name: &str) -> &'p service::ServicePlan {
    plan.services
        .iter()
        .find(|s| s.service == name)
        .expect("service")
}

/// The clinic's cheapest plan by brute force over every open/closed choice of its sites and
/// roving teams, in the health hierarchy (the scenario's view and its own leaders).
fn clinic_brute_force(ds: &DataSet, sc: &Scenario) -> f64 {
    let ctx = Context::new(ds, sc).expect("context");
    let view = sc.view("health").expect("health view");
    let vctx = ctx.view(&view).expect("view context");
    let hier = hierarchy::choose(&vctx).expect("health leaders");
    let svc = sc.service("clinic").expect("clinic");
    let data =
        service::prepare(&vctx, &hier, svc, sc.targets_of("clinic").collect()).expect("prepare");
    let (n, m) = (data.sites.len(), data.mobile_options.len());
    assert!(n + m <= 18, "brute force over {} choices", n + m);
    let mut best = f64::INFINITY;
    for mask in 0u32..(1 << (n + m)) {
        let open: Vec<bool> = (0..n).map(|j| mask >> j & 1 == 1).collect();
        let mobile: Vec<bool> = (0..m).map(|k| mask >> (n + k) & 1 == 1).collect();
        if let Ok(v) = check_coverage(&vctx, &hier, &data, &open, &mobile) {
            best = best.min(v.cost);
        }
    }
    best
}

#[test]
fn a_service_follows_its_named_hierarchy() {
    let ds = micro_data();
    let sc = health_scenario();
    let ctx = Context::new(&ds, &sc).expect("context");
    let plan = plan_in(&ctx, PlanOptions::default()).expect("feasible");
    assert_audited(&ctx, &plan);
    assert!(plan.targets.iter().all(|t| t.met), "{:?}", plan.targets);

    let id = |k: usize| ds.islands[k].id.as_str();
    let health = &plan.hierarchies["health"];
    let leaders: Vec<&str> = health.leaders.iter().map(|&k| id(k)).collect();
    assert_eq!(leaders, ["H", "S", "M"]);
    let default: Vec<&str> = plan.hierarchy.leaders.iter().map(|&k| id(k)).collect();
    assert_eq!(default, ["H", "S"], "[hierarchy] unchanged");

    let clinic = service_of(&plan, "clinic");
    assert_eq!(clinic.hierarchy.as_deref(), Some("health"));
    assert!(clinic.mobile.is_empty(), "M leads: no roving team");
    assert!(
        (clinic.costs.total - CLINIC_UNDER_HEALTH).abs() < 1e-6,
        "{}",
        clinic.costs.total
    );
    let brute = clinic_brute_force(&ds, &sc);
    assert!(
        (brute - CLINIC_UNDER_HEALTH).abs() < 1e-6,
        "brute force {brute}"
    );

    // The same service with that hierarchy as `[hierarchy]` plans the same.
    let mut swapped = sc.view("health").expect("view");
    for s in &mut swapped.services {
        s.hierarchy = None;
    }
    swapped.hierarchies.clear();
    let ctx2 = Context::new(&ds, &swapped).expect("context");
    let plan2 = plan_in(&ctx2, PlanOptions::default()).expect("feasible");
    assert_audited(&ctx2, &plan2);
    let c2 = service_of(&plan2, "clinic");
    assert_eq!(c2.open, clinic.open);
    assert_eq!(c2.costs.total, clinic.costs.total);
}

/// Under `[hierarchy]` the same clinic gets a roving team to M (cheaper than a clinic): the named
/// hierarchy is what changes the plan.
#[test]
fn without_the_named_hierarchy_m_gets_a_roving_team() {
    let ds = micro_data();
    let sc = Scenario::parse(&micro_text(), "micro").expect("parses");
    let ctx = Context::new(&ds, &sc).expect("context");
    let plan = plan_in(&ctx, PlanOptions::default()).expect("feasible");
    assert_audited(&ctx, &plan);
    let clinic = service_of(&plan, "clinic");
    assert_eq!(clinic.mobile.len(), 1);
    assert!(clinic.costs.total < CLINIC_UNDER_HEALTH);
}

/// The plan folder carries the named hierarchy (islands.geojson `tier_health`,
/// `community_health`; summary.json `hierarchies.health`); the audit reads it back, and a
/// tampered `tier_health` is a disagreement naming the column.
#[test]
fn named_hierarchies_are_written_and_audited() {
    let ds = micro_data();
    let sc = health_scenario();
    let ctx = Context::new(&ds, &sc).expect("context");
    let plan = plan_in(&ctx, PlanOptions::default()).expect("feasible");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plan");
    let summary = archiplan::report::plan_out::summarize(&ctx, &plan);
    archiplan::report::plan_out::write_plan(&ctx, &plan, &summary, &out).expect("write");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(s["hierarchies"]["health"]["hub"], "H");
    assert_eq!(s["hierarchies"]["health"]["leaders"][2]["tier"], "township");
    let clinic = s["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|v| v["service"] == "clinic")
        .expect("clinic");
    assert_eq!(clinic["hierarchy"], "health");
    let path = out.join("islands.geojson");
    let text = std::fs::read_to_string(&path).expect("islands");
    let islands: serde_json::Value = serde_json::from_str(&text).expect("json");
    let m = islands["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["properties"]["id"] == "M")
        .expect("M");
    assert_eq!(m["properties"]["tier"], "small");
    assert_eq!(m["properties"]["tier_health"], "township");
    assert_eq!(m["properties"]["community_health"], "M");
    assert_eq!(m["properties"]["community"], "S");
    let a = archiplan::audit::audit(&ds, &sc, &out).expect("audit");
    assert!(a.ok, "{:#?}", a.disagreements);

    let tampered = text.replacen(
        "\"tier_health\":\"township\"",
        "\"tier_health\":\"small\"",
        1,
    );
    assert_ne!(tampered, text, "the column is written compactly");
    std::fs::write(&path, tampered).expect("write");
    let a = archiplan::audit::audit(&ds, &sc, &out).expect("audit");
    assert!(!a.ok);
    let found = format!("{:?}", a.disagreements);
    assert!(found.contains("_health\""), "{found}");
}

/// Without `per_leader_tiers` every township leader needs a health centre: M has none and none
/// may open, so no plan exists (exit 3 naming M).
#[test]
fn per_leader_tiers_limits_which_leaders_must_host() {
    let ds = micro_data();
    let sc = Scenario::parse(&health_text(""), "micro-health").expect("parses");
    let e = infeasible_reason(&ds, &sc);
    assert!(e.contains("`M`"), "{e}");
}

/// Bad hierarchy references are refused with the path at fault (exit 2 from the CLI).
#[test]
fn bad_named_hierarchies_are_refused() {
    let good = health_text("per_leader_tiers = [\"island\"]\n");
    let cases = [
        (
            good.replace("hierarchy = \"health\"", "hierarchy = \"helth\""),
            "service[1] (`clinic`).hierarchy: unknown hierarchy `helth` (declared: health)",
        ),
        (
            good.replace(
                "per_leader_tiers = [\"island\"]",
                "per_leader_tiers = [\"hub\"]",
            ),
            "per_leader_tiers: tier `hub` is not among the level's tiers",
        ),
        (
            good.replace(
                "tiers = [\"island\", \"township\"]",
                "tiers = [\"subcenter\"]",
            )
            .replace("per_leader_tiers = [\"island\"]\n", ""),
            "unknown tier `subcenter` (tiers of hierarchy `health`: hub, island, township, small)",
        ),
        (
            good.replace("[hierarchies.health]", "[hierarchies.\"he alth\"]")
                .replace("[[hierarchies.health.", "[[hierarchies.\"he alth\"."),
            "hierarchies.he alth: a hierarchy name is letters, digits and `_`",
        ),
        (
            good.replace("fixed = { S = \"island\" }", "fixed = { S = \"isle\" }"),
            "hierarchies.health.fixed.S: unknown tier `isle`",
        ),
    ];
    for (text, want) in cases {
        assert_ne!(text, good, "{want}");
        let e = Scenario::parse(&text, "bad").expect_err("refused");
        assert!(e.to_string().contains(want), "{e}\nwanted: {want}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, cases_first(&good)).expect("write");
    let data = Path::new(ROOT).join("tests/fixtures/plan-micro");
    let out = dir.path().join("out");
    let o = run(&[
        "plan",
        data.to_str().expect("utf-8"),
        "--scenario",
        path.to_str().expect("utf-8"),
        "-o",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(!out.exists(), "nothing written");
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown hierarchy `helth`"));
}

fn cases_first(good: &str) -> String {
    good.replace("hierarchy = \"health\"", "hierarchy = \"helth\"")
}

/// From the command line: planned, audited (`--check`) and proven (`check --prove`: the
/// audit's own model, with the health hierarchy's tiers read from the folder, re-solved to
/// the same optimum).
#[test]
fn the_cli_plans_audits_and_proves_a_named_hierarchy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("health.toml");
    std::fs::write(&scenario, health_text("per_leader_tiers = [\"island\"]\n")).expect("write");
    let data = Path::new(ROOT).join("tests/fixtures/plan-micro");
    let out = dir.path().join("plan");
    let o = plan_checked(&data, &scenario, &out, &["--json"]);
    let v = json_of(&o);
    assert_eq!(v["hierarchies"]["health"]["hub"], "H", "{v}");
    assert_proven(&data, &out, &scenario);
    // Drawn: the clinic's map fills islands by the health tiers, the school's by `[hierarchy]`.
    for (service, title, tier) in [
        ("clinic", "Island tier (health)", "township"),
        ("school", "Island tier", "subcenter"),
    ] {
        let svg = dir.path().join(format!("{service}.svg"));
        ok(run(&[
            "render",
            out.to_str().expect("utf-8"),
            "--out",
            svg.to_str().expect("utf-8"),
            "--service",
            service,
        ]));
        let text = std::fs::read_to_string(&svg).expect("svg");
        assert!(text.contains(&format!("\n{title}\n")), "{service}: {title}");
        assert!(
            text.contains(&format!("tier {tier},")),
            "{service}: M on {tier}"
        );
    }
}

/// A unit set by tier reads the tiers of the target's service's hierarchy: "at least one new
/// village clinic on an `island`-tier island" (health's S) adds a clinic on S to the plan
/// above: 13,310,000 + 310,000 = 13,620,000, audited. `island` is no tier of `[hierarchy]`:
/// the same target on the school (which follows it) is refused.
#[test]
fn tier_unit_sets_follow_the_service_hierarchy() {
    let ds = micro_data();
    let target = "\n[[target]]\nname = \"a new clinic on the island tier\"\nservice = \"clinic\"\n\
                  measure = \"sites\"\nlevel = 1\nsites = \"new\"\nat_least = 1\n\
                  [target.units]\ntiers = [\"island\"]\n";
    let text = format!(
        "{}{target}",
        health_text("per_leader_tiers = [\"island\"]\n")
    );
    let sc = Scenario::parse(&text, "micro-health").expect("parses");
    let ctx = Context::new(&ds, &sc).expect("context");
    let plan = plan_in(&ctx, PlanOptions::default()).expect("feasible");
    assert_audited(&ctx, &plan);
    assert!(plan.targets.iter().all(|t| t.met), "{:?}", plan.targets);
    let clinic = service_of(&plan, "clinic");
    assert!(
        (clinic.costs.total - CLINIC_UNDER_HEALTH - 310_000.0).abs() < 1e-6,
        "{}",
        clinic.costs.total
    );
    let on_s = clinic
        .sites
        .iter()
        .zip(&clinic.open)
        .filter(|(s, o)| **o && s.level == 1 && ds.islands[s.island].id == "S")
        .count();
    assert_eq!(on_s, 1);
    let school = text.replace(
        "name = \"a new clinic on the island tier\"\nservice = \"clinic\"",
        "name = \"a new clinic on the island tier\"\nservice = \"school\"",
    );
    let e = Scenario::parse(&school, "bad").expect_err("not a tier of [hierarchy]");
    assert!(
        e.to_string()
            .contains("unknown tier `island` (tiers of [hierarchy]"),
        "{e}"
    );
}

/// `generate` writes a `min_leader_population` that fits its archipelago (the template's 1,000,
/// lowered until every inhabited island has a possible leader within the leader minutes). The
/// islands of a small generated archipelago all have 1,000 residents and more, so here the
/// value to lower from is a million and the leader limit 45 minutes: with the fitted value the
/// `count = "auto"` tier has a cover and the hierarchy is chosen; with one resident more it does
/// not, and the planner proves it by naming an island no possible leader reaches.
#[test]
fn the_fitted_min_leader_population_is_the_largest_that_works() {
    use archiplan::synth::scenario_text;
    let (_dir, ds) = generated(30, 300, 1);
    let text = scenario_text().replacen("leader_minutes = 480", "leader_minutes = 45", 1);
    let sc = Scenario::parse(&text, "short leader limit").expect("scenario");
    let cap = 1_000_000;
    let fit = hierarchy::fitting_min_leader_population(&ds, &sc, cap).expect("fit");
    assert!(fit < cap, "a million must be lowered: {fit}");
    assert_eq!(
        hierarchy::fitting_min_leader_population(&ds, &sc, fit.saturating_sub(1)).expect("fit"),
        fit.saturating_sub(1),
        "a cap below the fit is kept"
    );
    let with = |t: u64| {
        let mut s = sc.clone();
        s.hierarchy.min_leader_population = t;
        s
    };
    let ok = with(fit);
    let ctx = Context::new(&ds, &ok).expect("context");
    let chosen = hierarchy::choose(&ctx).expect("the fitted value leaves a cover");
    assert!(!chosen.leaders.is_empty());
    let bad = with(fit + 1);
    let ctx = Context::new(&ds, &bad).expect("context");
    match hierarchy::choose(&ctx) {
        Err(e) => {
            assert_eq!(e.exit_code(), 3, "{e}");
            assert!(
                e.to_string().contains("cannot reach any possible leader"),
                "{e}"
            );
        }
        Ok(h) => panic!(
            "one more resident must leave an island unreached: {:?}",
            h.leaders
        ),
    }
}

/// The scenario `generate` writes beside the 100,000-settlement archipelago of `bench plan` is
/// not exercised here (minutes of work); on every generated size a test plans, the fitted value
/// is the template's own (nothing to lower), so the written scenario is the template's text
/// with `count = "auto"` and nothing else changed.
#[test]
fn generate_writes_the_template_where_nothing_needs_lowering() {
    use archiplan::synth::{SCENARIO_FILE, scenario_text};
    let dir = tempfile::tempdir().expect("tempdir");
    let data = generate_into(dir.path(), 30, 300, 1);
    let written = std::fs::read_to_string(data.join(SCENARIO_FILE)).expect("scenario");
    assert_eq!(written, scenario_text());
}
