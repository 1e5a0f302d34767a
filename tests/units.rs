//! Unit sets (`[target.units]`): a target counts only the settlements or islands its unit set
//! selects (kind, towns, islands, remote, population band). Each case runs on the hand-built
//! micro archipelago of tests/plan.rs (tests/fixtures/plan-micro), whose answer is worked out in
//! the doc comment, is compared with a brute force over every open/closed choice of the clinic
//! sites and roving teams, and the plan is audited by `archiplan check`'s own unit sets.
//!
//! The micro archipelago: hub H (hospital, must stay, 10,000,000 a year), sub-centre S (health
//! centre, one per leader, 3,000,000), small island M (200 people, village `m1`). No bridges:
//! S and M are remote. M can have a village clinic (250,000 + 60,000 = 310,000 a year) or a
//! roving team from S (104 x (1,500 + 10 x one-way minutes), about 206,000). Village m1 is more
//! than 30 minutes from S's health centre (a 10-minute crossing after a 30-minute expected
//! wait), so only a clinic on M puts it within 30 minutes.

mod common;
use common::*;

use archiplan::layers::DataSet;
use archiplan::plan::evaluate::check_coverage;
use archiplan::plan::{Context, PlanOptions, hierarchy, plan_in, service};
use archiplan::scenario::Scenario;
use std::path::Path;

const HOSPITAL_AND_CENTRE: f64 = 13_000_000.0;
const VILLAGE_CLINIC: f64 = 310_000.0;

fn micro_data() -> DataSet {
    let dir = Path::new(ROOT).join("tests/fixtures/plan-micro");
    DataSet::load(&dir).expect("micro plan data").0
}

/// The micro scenario with its clinic target replaced by `targets` (TOML).
fn micro_scenario(targets: &str) -> archiplan::Result<Scenario> {
    let path = Path::new(ROOT).join("tests/fixtures/plan-micro/scenario.toml");
    let text = std::fs::read_to_string(path).expect("scenario");
    let cut = text
        .find("[[target]]\nname = \"medical cover")
        .expect("the clinic target");
    Scenario::parse(&format!("{}{targets}", &text[..cut]), "micro-units")
}

/// Plans the micro archipelago with `sc`, audits the plan by `archiplan check`'s own rules
/// and asserts every target is met.
fn audited_plan(ds: &DataSet, sc: &Scenario) -> archiplan::plan::Plan {
    let ctx = Context::new(ds, sc).expect("context");
    let plan = plan_in(&ctx, PlanOptions::default()).expect("feasible");
    assert_audited(&ctx, &plan);
    assert!(plan.targets.iter().all(|t| t.met), "{:?}", plan.targets);
    plan
}

/// Plans the micro archipelago, audits the plan, and checks the clinic cost against the brute
/// force; returns (clinic cost, roving teams, new clinics).
fn clinic_plan(ds: &DataSet, targets: &str) -> (f64, usize, usize) {
    let sc = micro_scenario(targets).expect("scenario parses");
    let ctx = Context::new(ds, &sc).expect("context");
    let plan = plan_in(&ctx, PlanOptions::default()).expect("feasible");
    assert_audited(&ctx, &plan);
    assert!(plan.targets.iter().all(|t| t.met), "{:?}", plan.targets);
    let clinic = plan
        .services
        .iter()
        .find(|s| s.service == "clinic")
        .expect("clinic");
    let hier = hierarchy::choose(&ctx).expect("hierarchy");
    let svc = sc.service("clinic").expect("clinic");
    // Tier unit sets read on the chosen tiers (the audit above resolves them on its own).
    let targets: Vec<_> = sc
        .targets_of("clinic")
        .map(|t| archiplan::plan::data::resolve_tier_units(&ctx, &hier, t))
        .collect();
    let data = service::prepare(&ctx, &hier, svc, targets.iter().collect()).expect("prepare");
    let (n, m) = (data.sites.len(), data.mobile_options.len());
    assert!(n + m <= 18, "brute force over {} choices", n + m);
    let mut best = f64::INFINITY;
    for mask in 0u32..(1 << (n + m)) {
        let open: Vec<bool> = (0..n).map(|j| mask >> j & 1 == 1).collect();
        let mobile: Vec<bool> = (0..m).map(|k| mask >> (n + k) & 1 == 1).collect();
        if let Ok(v) = check_coverage(&ctx, &hier, &data, &open, &mobile) {
            best = best.min(v.cost);
        }
    }
    assert!(
        (clinic.costs.total - best).abs() < 1e-6,
        "MILP {} vs brute force {best}",
        clinic.costs.total
    );
    let new = clinic
        .sites
        .iter()
        .zip(&clinic.open)
        .filter(|(s, o)| **o && matches!(s.origin, service::SiteOrigin::New(_)))
        .count();
    (clinic.costs.total, clinic.mobile.len(), new)
}

fn island_target(units: &str) -> String {
    format!(
        "[[target]]\nname = \"medical cover\"\nservice = \"clinic\"\nmeasure = \"islands\"\nshare = 1.0\n{units}"
    )
}

/// Every island counted (no unit set): M needs cover and the roving team (~206,000) is cheaper
/// than a clinic (310,000). Counting only H and S (`islands = ["H", "S"]`), M needs nothing:
/// the plan is the hospital and the health centre alone, 13,000,000.
#[test]
fn an_island_target_counts_only_the_islands_listed() {
    let ds = micro_data();
    let (all, roving, new) = clinic_plan(&ds, &island_target(""));
    assert_eq!((roving, new), (1, 0));
    assert!(all > HOSPITAL_AND_CENTRE && all < HOSPITAL_AND_CENTRE + VILLAGE_CLINIC);
    let listed = island_target("[target.units]\nislands = [\"H\", \"S\"]\n");
    let (cost, roving, new) = clinic_plan(&ds, &listed);
    assert_eq!((roving, new), (0, 0));
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
}

/// Islands by tier (`units.tiers`, the tiers the plan chooses): `["small"]` counts M alone, which
/// still needs its roving team; `["hub", "subcenter"]` counts H and S, so M needs nothing:
/// 13,000,000. A tier the hierarchy lacks is refused, naming the tiers it has.
#[test]
fn a_target_counts_the_islands_on_the_tiers_it_names() {
    let ds = micro_data();
    let (_, roving, new) =
        clinic_plan(&ds, &island_target("[target.units]\ntiers = [\"small\"]\n"));
    assert_eq!((roving, new), (1, 0));
    let leaders = island_target("[target.units]\ntiers = [\"hub\", \"subcenter\"]\n");
    let (cost, roving, new) = clinic_plan(&ds, &leaders);
    assert_eq!((roving, new), (0, 0));
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
    // Within a listed set: small islands among H and S are none, so nothing is required.
    let none = island_target("[target.units]\ntiers = [\"small\"]\nislands = [\"H\", \"S\"]\n");
    let (cost, _, _) = clinic_plan(&ds, &none);
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
    let e = micro_scenario(&island_target("[target.units]\ntiers = [\"sub-centre\"]\n"))
        .expect_err("unknown tier");
    assert!(
        e.to_string().contains(
            "units.tiers: unknown tier `sub-centre` (tiers of [hierarchy]: hub, subcenter, small)"
        ),
        "{e}"
    );
}

/// No bridges in the micro archipelago: S and M are remote, H (the hub) is not. `remote = true`
/// counts S and M, so M gets its roving team as with every island; `remote = false` counts H
/// alone: 13,000,000. An island's `remote` property overrides: M marked not remote drops out of
/// `remote = true`.
#[test]
fn remote_islands_are_those_no_bridge_joins_to_the_hub() {
    let mut ds = micro_data();
    let sc = micro_scenario(&island_target("")).expect("scenario");
    let ctx = Context::new(&ds, &sc).expect("context");
    let id = |k: usize| ds.islands[k].id.as_str();
    let remote: Vec<&str> = (0..ds.islands.len())
        .filter(|&k| ctx.remote[k])
        .map(id)
        .collect();
    assert_eq!(remote, vec!["S", "M"]);
    let (_, roving, _) = clinic_plan(&ds, &island_target("[target.units]\nremote = true\n"));
    assert_eq!(roving, 1);
    let (cost, roving, _) = clinic_plan(&ds, &island_target("[target.units]\nremote = false\n"));
    assert_eq!(roving, 0);
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
    let m = ds.islands.iter().position(|i| i.id == "M").expect("M");
    ds.islands[m]
        .properties
        .insert("remote".into(), serde_json::Value::Bool(false));
    let (cost, roving, _) = clinic_plan(&ds, &island_target("[target.units]\nremote = true\n"));
    assert_eq!(roving, 0, "M is not remote by its property");
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
}

fn village_target(units: &str) -> String {
    format!(
        "[[target]]\nname = \"a clinic within 30 minutes of every village counted\"\nservice = \"clinic\"\n\
         measure = \"villages\"\nshare = 1.0\nminutes = 30\n[target.units]\n{units}"
    )
}

/// A settlement target over M's village alone (`islands = ["M"]`) needs a fixed clinic within
/// 30 minutes of m1, which only a clinic on M gives (a roving team is no site): 13,310,000. The
/// same target over H and S is met by the hospital and the health centre: 13,000,000. By kind:
/// with m1 the only `village` (the others `community`), `kind = ["village"]` is the M case; by
/// population, `max_population = 300` selects m1 (200 people) alone too.
#[test]
fn a_settlement_target_counts_only_its_unit_set() {
    let mut ds = micro_data();
    let (cost, roving, new) = clinic_plan(&ds, &village_target("islands = [\"M\"]\n"));
    assert_eq!((roving, new), (0, 1));
    assert!(
        (cost - HOSPITAL_AND_CENTRE - VILLAGE_CLINIC).abs() < 1e-6,
        "{cost}"
    );
    let (cost, _, new) = clinic_plan(&ds, &village_target("islands = [\"H\", \"S\"]\n"));
    assert_eq!(new, 0);
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
    let (cost, _, new) = clinic_plan(&ds, &village_target("max_population = 300\n"));
    assert_eq!(new, 1);
    assert!(
        (cost - HOSPITAL_AND_CENTRE - VILLAGE_CLINIC).abs() < 1e-6,
        "{cost}"
    );
    for s in &mut ds.settlements {
        s.kind = Some(if s.id == "m1" { "village" } else { "community" }.to_string());
    }
    let (cost, _, new) = clinic_plan(&ds, &village_target("kind = [\"village\"]\n"));
    assert_eq!(new, 1);
    assert!(
        (cost - HOSPITAL_AND_CENTRE - VILLAGE_CLINIC).abs() < 1e-6,
        "{cost}"
    );
    let (cost, _, new) = clinic_plan(&ds, &village_target("kind = [\"community\"]\n"));
    assert_eq!(new, 0);
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
}

/// Unit sets that cannot mean anything are refused with the target and field named.
#[test]
fn unit_sets_that_select_nothing_or_the_wrong_thing_are_refused() {
    let empty =
        micro_scenario(&island_target("[target.units]\nislands = []\n")).expect_err("empty list");
    assert!(empty.to_string().contains("units.islands"), "{empty}");
    let kind = micro_scenario(&island_target("[target.units]\nkind = [\"village\"]\n"))
        .expect_err("kind on islands");
    assert!(kind.to_string().contains("selects settlements"), "{kind}");
    let band = micro_scenario(&village_target("min_population = 9\nmax_population = 3\n"))
        .expect_err("band");
    assert!(band.to_string().contains("min_population"), "{band}");
    let typo = micro_scenario(&village_target("kinds = [\"village\"]\n")).expect_err("unknown");
    assert!(typo.to_string().contains("kinds"), "{typo}");
    let ds = micro_data();
    let sc = micro_scenario(&village_target("islands = [\"Q\"]\n")).expect("parses");
    let e = Context::new(&ds, &sc).err().expect("unknown island");
    assert!(e.to_string().contains("island `Q`"), "{e}");
}

/// Remote islands on Daishan and on generated archipelagos (bridges over narrow straits) equal
/// an independent walk: petgraph's breadth-first search over the bridges alone, from the hub.
#[test]
fn remote_flags_match_a_bridge_only_search_on_a_generated_archipelago() {
    use archiplan::layers::{Endpoint, RouteMode};
    use petgraph::graph::UnGraph;
    use petgraph::visit::Bfs;
    let (mut bridges, mut bridged) = (0, 0);
    let daishan = DataSet::load(Path::new(ROOT).join("data/daishan"))
        .expect("Daishan")
        .0;
    for seed in [0, 1, 2, 3] {
        let (_dir, generated_ds) = generated(60, 300, seed.max(1));
        let ds = if seed == 0 { &daishan } else { &generated_ds };
        let hub = ds.hub;
        let mut g = UnGraph::<(), ()>::new_undirected();
        let nodes: Vec<_> = (0..ds.islands.len()).map(|_| g.add_node(())).collect();
        let island_of = |e: &Endpoint| match e {
            Endpoint::Port(p) => ds.ports[*p].island,
            Endpoint::Landing { island, .. } => *island,
        };
        for r in ds.routes.iter().filter(|r| r.mode == RouteMode::Bridge) {
            g.add_edge(
                nodes[island_of(&r.ends[0])],
                nodes[island_of(&r.ends[1])],
                (),
            );
            bridges += 1;
        }
        let mut reached = vec![false; ds.islands.len()];
        let mut bfs = Bfs::new(&g, nodes[hub]);
        while let Some(n) = bfs.next(&g) {
            reached[n.index()] = true;
        }
        let remote = archiplan::plan::context::remote_islands(ds, hub);
        for k in 0..ds.islands.len() {
            assert_eq!(
                remote[k], !reached[k],
                "seed {seed}, island {}",
                ds.islands[k].id
            );
        }
        bridged += reached.iter().filter(|&&r| r).count() - 1;
    }
    assert!(
        bridges > 0 && bridged > 0,
        "{bridges} bridges, {bridged} islands bridged to a hub: the case is not exercised"
    );
}

fn count_target(service: &str, body: &str) -> String {
    format!("[[target]]\nname = \"count\"\nservice = \"{service}\"\nmeasure = \"sites\"\n{body}\n")
}

/// Count targets on the clinics, with every island still to be covered (the micro's own
/// island target). One new village clinic at least (`level = 1, sites = "new", at_least = 1`):
/// any new clinic costs 310,000, and on M it also covers the island, so the roving team goes:
/// 13,310,000. Two at least: 13,620,000 (one on M). Exactly none: the roving team, as with no
/// count. Counting only on islands listed: one new clinic on H (`units.islands = ["H"]`) leaves
/// M to its roving team: 13,310,000 + the team.
#[test]
fn count_targets_fix_how_many_sites_open() {
    let ds = micro_data();
    let every_island = island_target("");
    let (base, roving, _) = clinic_plan(&ds, &every_island);
    assert_eq!(roving, 1);
    let team = base - HOSPITAL_AND_CENTRE;
    for (n, want) in [(1, 1.0), (2, 2.0)] {
        let t = count_target(
            "clinic",
            &format!("level = 1\nsites = \"new\"\nat_least = {n}"),
        );
        let (cost, roving, new) = clinic_plan(&ds, &format!("{every_island}{t}"));
        assert_eq!((roving, new), (0, n), "at least {n}");
        assert!(
            (cost - HOSPITAL_AND_CENTRE - want * VILLAGE_CLINIC).abs() < 1e-6,
            "at least {n}: {cost}"
        );
    }
    let none = count_target("clinic", "level = 1\nsites = \"new\"\nexactly = 0");
    let (cost, roving, new) = clinic_plan(&ds, &format!("{every_island}{none}"));
    assert_eq!((roving, new), (1, 0));
    assert!((cost - base).abs() < 1e-6, "{cost}");
    let on_h = count_target(
        "clinic",
        "level = 1\nsites = \"new\"\nat_least = 1\n[target.units]\nislands = [\"H\"]",
    );
    let (cost, roving, new) = clinic_plan(&ds, &format!("{every_island}{on_h}"));
    assert_eq!((roving, new), (1, 1));
    assert!(
        (cost - HOSPITAL_AND_CENTRE - VILLAGE_CLINIC - team).abs() < 1e-6,
        "{cost}"
    );
}

/// Count targets on the schools (capacity service): the plan closes school B (1,295,000; see
/// tests/plan.rs). `sites = "closed", at_most = 0` keeps all three: 500,000 + 400,000 +
/// 300,000 + 1,500 x 330 pupils = 1,695,000. `sites = "kept", exactly = 2` is the plan itself. The
/// targets file reports the counts; a count no plan can meet (`sites = "kept", at_least = 4`
/// of three schools) is a proven infeasibility naming the target.
#[test]
fn count_targets_on_closures_and_their_report() {
    let ds = micro_data();
    let seated =
        "[[target]]\nname = \"seated\"\nservice = \"clinic\"\nmeasure = \"islands\"\nshare = 1.0\n";
    let school = |body: &str| -> (f64, archiplan::plan::Plan) {
        let sc =
            micro_scenario(&format!("{seated}{}", count_target("school", body))).expect("scenario");
        let plan = audited_plan(&ds, &sc);
        let s = plan
            .services
            .iter()
            .find(|s| s.service == "school")
            .expect("school");
        (s.costs.total, plan)
    };
    let (cost, plan) = school("sites = \"closed\"\nat_most = 0");
    assert!((cost - 1_695_000.0).abs() < 0.01, "{cost}");
    let row = plan
        .targets
        .iter()
        .find(|t| t.name == "count")
        .expect("row");
    assert_eq!((row.achieved, row.at_most, row.met), (0.0, Some(0.0), true));
    let (cost, plan) = school("sites = \"kept\"\nexactly = 2");
    assert!((cost - 1_295_000.0).abs() < 0.01, "{cost}");
    let row = plan
        .targets
        .iter()
        .find(|t| t.name == "count")
        .expect("row");
    assert_eq!(
        (row.achieved, row.at_least, row.at_most),
        (2.0, Some(2.0), Some(2.0))
    );
    let sc = micro_scenario(&format!(
        "{seated}{}",
        count_target("school", "sites = \"kept\"\nat_least = 4")
    ))
    .expect("scenario");
    let e = infeasible_reason(&ds, &sc);
    assert!(e.contains("\"count\""), "{e}");
}

/// Count targets that cannot mean anything are refused, naming the target and the field.
#[test]
fn count_targets_are_checked_when_read() {
    for (body, says) in [
        ("share = 0.5\nat_least = 1", "count target"),
        ("exactly = 1\nat_least = 1", "exactly alone"),
        ("level = 9\nat_least = 1", "no level 9"),
        ("", "needs at_least"),
        ("at_least = 3\nat_most = 2", "above at_most"),
        (
            "at_least = 1\n[target.units]\nkind = [\"village\"]",
            "counts sites (by",
        ),
    ] {
        let e = micro_scenario(&count_target("clinic", body)).expect_err(body);
        assert!(e.to_string().contains(says), "{body}: {e}");
    }
    let share_target_with_a_count = micro_scenario(
        "[[target]]\nname = \"x\"\nservice = \"clinic\"\nmeasure = \"islands\"\nshare = 1.0\nat_least = 2\n",
    )
    .expect_err("at_least on a share target");
    assert!(
        share_target_with_a_count
            .to_string()
            .contains("only a count target"),
        "{share_target_with_a_count}"
    );
}

/// The independent prover (`check --prove`, its own model) agrees with plans under unit sets
/// and count targets: each re-solved optimum equals the reported one.
#[test]
fn the_prover_agrees_under_unit_sets_and_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = Path::new(ROOT).join("tests/fixtures/plan-micro");
    let path = Path::new(ROOT).join("tests/fixtures/plan-micro/scenario.toml");
    let text = std::fs::read_to_string(path).expect("scenario");
    let cut = text
        .find("[[target]]\nname = \"medical cover")
        .expect("the clinic target");
    let cases = [
        island_target("[target.units]\nremote = true\n"),
        village_target("islands = [\"M\"]\n"),
        format!(
            "{}{}",
            island_target(""),
            count_target("clinic", "level = 1\nsites = \"new\"\nat_least = 2")
        ),
        count_target("school", "sites = \"closed\"\nat_most = 0"),
        expandable_school(&count_target(
            "school",
            "sites = \"expanded\"\nat_least = 1",
        )),
        expandable_school(&count_target(
            "school",
            "sites = \"closed\"\nexactly = 0\n[target.units]\nfacilities = [\"school-b\"]",
        )),
    ];
    let expandable = with_expansion(&text[..cut]);
    for (i, targets) in cases.iter().enumerate() {
        let scenario = dir.path().join(format!("s{i}.toml"));
        // The last two cases let schools add seats.
        let head = if i + 2 >= cases.len() {
            &expandable
        } else {
            &text[..cut]
        };
        std::fs::write(&scenario, format!("{head}{targets}")).expect("write");
        let out = dir.path().join(format!("p{i}"));
        plan_and_prove(&data, &scenario, &out);
    }
}

/// Plans through the CLI (audited by `--check`), has `check --prove` re-solve every service
/// by its own model, and asserts every proof agrees and every target is met; returns
/// targets.csv.
fn plan_and_prove(data: &Path, scenario: &Path, out: &Path) -> String {
    plan_checked(data, scenario, out, &[]);
    assert_proven(data, out, scenario);
    let targets = std::fs::read_to_string(out.join("targets.csv")).expect("targets.csv");
    assert!(
        targets.lines().skip(1).all(|l| l.ends_with(",true")),
        "{targets}"
    );
    targets
}

/// The micro archipelago with townships: Haven (the hub's villages), Sands (S's), Mull (M's).
fn micro_with_towns() -> DataSet {
    let mut ds = micro_data();
    for s in &mut ds.settlements {
        let town = match s.id.chars().next() {
            Some('h') => "Haven",
            Some('s') => "Sands",
            _ => "Mull",
        };
        s.properties.insert("town".into(), town.into());
    }
    ds
}

fn town_target(units: &str) -> String {
    format!(
        "[[target]]\nname = \"a clinic in every township\"\nservice = \"clinic\"\nmeasure = \"towns\"\nshare = 1.0\n{units}"
    )
}

/// "One per township" (`measure = "towns"`, share 1): Haven has the hospital and Sands the
/// health centre (each the township of the nearest settlement on its island); Mull needs a
/// site of its own, and a roving team is no site: a village clinic on M, 13,310,000. Over
/// Haven and Sands only (`towns = ["Haven", "Sands"]`): nothing to add, 13,000,000; the same
/// when Mull has no residents left.
#[test]
fn a_township_target_needs_a_site_in_each_township() {
    let ds = micro_with_towns();
    let (cost, roving, new) = clinic_plan(&ds, &town_target(""));
    assert_eq!((roving, new), (0, 1));
    assert!(
        (cost - HOSPITAL_AND_CENTRE - VILLAGE_CLINIC).abs() < 1e-6,
        "{cost}"
    );
    let (cost, _, new) = clinic_plan(
        &ds,
        &town_target("[target.units]\ntowns = [\"Haven\", \"Sands\"]\n"),
    );
    assert_eq!(new, 0);
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
    // A township emptied by relocation (Mull's only village moved away) needs no site.
    let mut emptied = micro_with_towns();
    for s in emptied.settlements.iter_mut().filter(|s| s.id == "m1") {
        (s.population, s.children, s.elderly) = (0, 0, 0);
    }
    let (cost, _, new) = clinic_plan(&emptied, &town_target(""));
    assert_eq!(new, 0);
    assert!((cost - HOSPITAL_AND_CENTRE).abs() < 1e-6, "{cost}");
    let e = micro_scenario(&town_target("[target.units]\nremote = true\n")).expect_err("remote");
    assert!(e.to_string().contains("by `towns` only"), "{e}");
}

/// The township target through the CLI on a copy of the micro data with `town` properties:
/// the plan meets it, and the independent prover re-solves to the same optimum.
#[test]
fn the_prover_agrees_on_a_township_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = Path::new(ROOT).join("tests/fixtures/plan-micro");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    for f in ["islands", "settlements", "facilities", "ferries", "ports"] {
        let name = format!("{f}.geojson");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(src.join(&name)).expect("read")).expect("json");
        if f == "settlements" {
            for feat in v["features"].as_array_mut().expect("features") {
                let id = feat["properties"]["id"].as_str().unwrap_or("").to_string();
                let town = match id.chars().next() {
                    Some('h') => "Haven",
                    Some('s') => "Sands",
                    _ => "Mull",
                };
                feat["properties"]["town"] = town.into();
            }
        }
        std::fs::write(data.join(&name), v.to_string()).expect("write");
    }
    let text = std::fs::read_to_string(src.join("scenario.toml")).expect("scenario");
    let cut = text
        .find("[[target]]\nname = \"medical cover")
        .expect("the clinic target");
    let scenario = dir.path().join("towns.toml");
    std::fs::write(&scenario, format!("{}{}", &text[..cut], town_target(""))).expect("write");
    let out = dir.path().join("plan");
    let targets = plan_and_prove(&data, &scenario, &out);
    assert!(targets.contains("towns"), "{targets}");
}

/// The micro scenario with school expansions allowed at 10,000 a seat (up to 100 seats) and
/// `targets` after the island cover target.
fn expandable_school(targets: &str) -> String {
    let seated =
        "[[target]]\nname = \"seated\"\nservice = \"clinic\"\nmeasure = \"islands\"\nshare = 1.0\n";
    format!("{seated}{targets}")
}

fn with_expansion(text: &str) -> String {
    let level = "cost_per_unit = 1500\nnew_sites = false\n";
    assert!(text.contains(level), "the school level");
    text.replacen(
        level,
        "cost_per_unit = 1500\nnew_sites = false\nexpand_max = 100\nexpand_cost_per_unit = 10000\n",
        1,
    )
}

/// Plans the micro archipelago (schools expandable), audits it; returns the school plan's
/// total cost, its expansions by facility id and the count row's achieved value.
fn school_plan(ds: &DataSet, targets: &str) -> (f64, Vec<(String, f64)>, f64) {
    let path = Path::new(ROOT).join("tests/fixtures/plan-micro/scenario.toml");
    let text = with_expansion(&std::fs::read_to_string(path).expect("scenario"));
    let cut = text
        .find("[[target]]\nname = \"medical cover")
        .expect("the clinic target");
    let sc = Scenario::parse(&format!("{}{targets}", &text[..cut]), "micro-counts")
        .expect("scenario parses");
    let plan = audited_plan(ds, &sc);
    let s = plan
        .services
        .iter()
        .find(|s| s.service == "school")
        .expect("school");
    let grown = s
        .sites
        .iter()
        .zip(&s.expansion)
        .filter(|(_, e)| **e > 1e-9)
        .map(|(site, e)| (site.id.clone(), *e))
        .collect();
    let row = plan
        .targets
        .iter()
        .find(|t| t.name == "count")
        .map_or(f64::NAN, |t| t.achieved);
    (s.costs.total, grown, row)
}

/// Count targets by facility id and on expansions (schools of the micro archipelago: A 500
/// seats 500,000 a year, B 200 seats 400,000, C 100 seats on S 300,000; 330 pupils at 1,500;
/// here any open school may add up to 100 seats at 10,000 a seat).
/// - No count: B closes (its pupils fit at A), nothing is added: 800,000 + 495,000 = 1,295,000
///   (keeping B and C with 30 added seats instead would cost 700,000 + 300,000 more).
/// - `sites = "expanded", at_least = 1`: the cheapest expansion is one whole seat, 10,000:
///   1,305,000. Restricted to `facilities = ["school-c"]`: the seat goes to C, same cost.
/// - `sites = "closed", exactly = 0, facilities = ["school-b"]`: B stays, 1,695,000 (all three);
///   `exactly = 1` on B is the plan itself, 1,295,000, with the count 1.
#[test]
fn count_targets_by_facility_and_on_expansions() {
    let ds = micro_data();
    let (base, grown, _) = school_plan(&ds, &expandable_school(""));
    assert!((base - 1_295_000.0).abs() < 0.01, "{base}");
    assert!(grown.is_empty(), "{grown:?}");
    let (cost, grown, row) = school_plan(
        &ds,
        &expandable_school(&count_target(
            "school",
            "sites = \"expanded\"\nat_least = 1",
        )),
    );
    assert!((cost - 1_305_000.0).abs() < 0.01, "{cost}");
    assert_eq!(row, 1.0);
    assert_eq!(grown.len(), 1, "{grown:?}");
    assert!((grown[0].1 - 1.0).abs() < 1e-6, "one whole seat: {grown:?}");
    let (cost, grown, _) = school_plan(
        &ds,
        &expandable_school(&count_target(
            "school",
            "sites = \"expanded\"\nexactly = 1\n[target.units]\nfacilities = [\"school-c\"]",
        )),
    );
    assert!((cost - 1_305_000.0).abs() < 0.01, "{cost}");
    assert_eq!(grown.len(), 1, "{grown:?}");
    assert_eq!(grown[0].0, "school-c");
    let (cost, _, row) = school_plan(
        &ds,
        &expandable_school(&count_target(
            "school",
            "sites = \"closed\"\nexactly = 0\n[target.units]\nfacilities = [\"school-b\"]",
        )),
    );
    assert!((cost - 1_695_000.0).abs() < 0.01, "{cost}");
    assert_eq!(row, 0.0);
    let (cost, _, row) = school_plan(
        &ds,
        &expandable_school(&count_target(
            "school",
            "sites = \"closed\"\nexactly = 1\n[target.units]\nfacilities = [\"school-b\"]",
        )),
    );
    assert!((cost - 1_295_000.0).abs() < 0.01, "{cost}");
    assert_eq!(row, 1.0);
}

/// Count targets by township (the site's township: a new site's village's): one new village
/// clinic at least in Mull (`towns = ["Mull"]`) is the clinic on M, which also covers the
/// island, so the roving team goes: 13,310,000, as `islands = ["M"]` would. In Haven: the new
/// clinic stands on H and M keeps its roving team. Both agree with the brute force.
#[test]
fn count_targets_by_township() {
    let ds = micro_with_towns();
    let every_island = island_target("");
    let (base, _, _) = clinic_plan(&ds, &every_island);
    let team = base - HOSPITAL_AND_CENTRE;
    let in_town = |town: &str| {
        count_target(
            "clinic",
            &format!(
                "level = 1\nsites = \"new\"\nat_least = 1\n[target.units]\ntowns = [\"{town}\"]"
            ),
        )
    };
    for (town, roving_and_new, cost) in [
        ("Mull", (0, 1), HOSPITAL_AND_CENTRE + VILLAGE_CLINIC),
        ("Haven", (1, 1), HOSPITAL_AND_CENTRE + VILLAGE_CLINIC + team),
    ] {
        let (got, roving, new) = clinic_plan(&ds, &format!("{every_island}{}", in_town(town)));
        assert_eq!((roving, new), roving_and_new, "{town}");
        assert!((got - cost).abs() < 1e-6, "{town}: {got}");
    }
}

/// Facility lists and expansion counts that cannot mean anything are refused: on a share
/// target, on a coverage service, an unknown id (with the near match), another service's
/// facility.
#[test]
fn facility_lists_and_expansion_counts_are_checked() {
    let e = micro_scenario(&format!(
        "{}[target.units]\nfacilities = [\"hc-s\"]\n",
        island_target("")
    ))
    .expect_err("facilities on a share target");
    assert!(e.to_string().contains("only a count target"), "{e}");
    let e = micro_scenario(&count_target(
        "clinic",
        "sites = \"expanded\"\nat_least = 1",
    ))
    .expect_err("expanded clinics");
    assert!(e.to_string().contains("assigns no seats"), "{e}");
    let ds = micro_data();
    for (ids, says) in [
        ("\"school-d\"", "names no facility"),
        ("\"hc-s\"", "is a `clinic` facility"),
    ] {
        let sc = micro_scenario(&count_target(
            "school",
            &format!("sites = \"kept\"\nat_least = 1\n[target.units]\nfacilities = [{ids}]"),
        ))
        .expect("parses");
        let e = archiplan::plan::inputs::check(&ds, &sc).expect_err(ids);
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains(says), "{ids}: {e}");
    }
}

/// The micro scenario with the schools planning on `demand` (in place of `children`).
fn school_demand_scenario(demand: &str) -> Scenario {
    let path = Path::new(ROOT).join("tests/fixtures/plan-micro/scenario.toml");
    let text = std::fs::read_to_string(path).expect("scenario");
    assert!(text.contains("demand = \"children\""));
    Scenario::parse(
        &text.replacen(
            "demand = \"children\"",
            &format!("demand = \"{demand}\""),
            1,
        ),
        "micro-demand",
    )
    .expect("parses")
}

/// Plans the micro archipelago with the schools on `demand`, audits it; the school plan.
fn school_plan_on(ds: &DataSet, sc: &Scenario) -> archiplan::plan::ServicePlan {
    archiplan::plan::inputs::check(ds, sc).expect("every settlement gives the demand");
    audited_plan(ds, sc)
        .services
        .into_iter()
        .find(|s| s.service == "school")
        .expect("school")
}

/// A service may plan on an age band (`demand = "primary"`, the settlements' `primary`): the
/// micro schools on half of each village's children (165 pupils in all: 50, 50, 25 on the
/// hub, 20, 15 on S, 5 on M). With 330 pupils the plan kept A (500 seats) and C; with 165 the
/// hub's 125 fit in B (200 seats, 400,000 a year, cheaper than A's 500,000), so A closes:
/// B + C = 700,000 + 1,500 x 165 = 947,500, the loads summing to 165. A settlement with
/// residents but no `primary` is refused (exit 2), naming the service, the field and the
/// settlement.
#[test]
fn a_service_plans_on_its_own_age_band() {
    let mut ds = micro_data();
    for s in &mut ds.settlements {
        s.groups.primary = Some(s.children / 2);
    }
    let sc = school_demand_scenario("primary");
    let school = school_plan_on(&ds, &sc);
    assert!(
        (school.costs.total - 947_500.0).abs() < 0.01,
        "{}",
        school.costs.total
    );
    let open: Vec<&str> = school
        .sites
        .iter()
        .zip(&school.open)
        .filter(|(_, o)| **o)
        .map(|(s, _)| s.id.as_str())
        .collect();
    assert_eq!(open, ["school-b", "school-c"]);
    let load: f64 = school.load.iter().sum();
    assert!((load - 165.0).abs() < 1e-6, "{load}");
    ds.settlements
        .iter_mut()
        .filter(|s| s.id == "m1")
        .for_each(|s| s.groups.primary = None);
    let e = archiplan::plan::inputs::check(&ds, &sc).expect_err("m1 has no `primary`");
    assert_eq!(e.exit_code(), 2);
    for says in ["`school`", "`primary`", "`m1`"] {
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
}

/// `demand = "pupils"` adds up `primary` and `junior` (ages 6-14): with the micro villages'
/// children split into the two bands, the school plan is the children plan itself (A and C
/// kept, B closed: 800,000 + 1,500 x 330 = 1,295,000). Without `junior` on a settlement the
/// plan is refused, naming the band and the demand.
#[test]
fn pupils_add_up_the_primary_and_junior_bands() {
    let mut ds = micro_data();
    for s in &mut ds.settlements {
        s.groups.primary = Some(s.children / 2);
        s.groups.junior = Some(s.children - s.children / 2);
    }
    let sc = school_demand_scenario("pupils");
    let school = school_plan_on(&ds, &sc);
    assert!(
        (school.costs.total - 1_295_000.0).abs() < 0.01,
        "{}",
        school.costs.total
    );
    ds.settlements
        .iter_mut()
        .filter(|s| s.id == "h2")
        .for_each(|s| s.groups.junior = None);
    let e = archiplan::plan::inputs::check(&ds, &sc).expect_err("h2 has no `junior`");
    for says in ["demand = \"pupils\"", "`junior`", "`h2`"] {
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
}

/// `decisions.convert`: the small hub school `school-b` becomes a village clinic in its building.
/// Worked answer: the school plan already closes b (a and c seat every child at less cost:
/// 1,295,000), so the school costs the same; the clinic gains a village clinic open by decision
/// (250,000 + 60,000 = 310,000) that covers nobody the hospital does not (H's villages are within
/// 30 minutes of it), so M keeps its roving team: the plan costs exactly 310,000 more. The
/// converted site is `convert-clinic-1-school-b` (new, `converted_from` school-b), b counts as
/// closed and the clinic as new; audited, and against the brute force.
#[test]
fn a_converted_facility_closes_and_opens_as_the_new_service() {
    let ds = micro_data();
    let base = audited_plan(&ds, &micro_scenario(&island_target("")).expect("scenario"));
    let counts = "[[target]]\nname = \"b converted\"\nservice = \"school\"\nmeasure = \"sites\"\n\
                  sites = \"closed\"\nexactly = 1\n[target.units]\nfacilities = [\"school-b\"]\n\
                  [[target]]\nname = \"one clinic built\"\nservice = \"clinic\"\nmeasure = \"sites\"\n\
                  level = 1\nsites = \"new\"\nexactly = 1\n";
    let convert = "[decisions]\nconvert = { school-b = { service = \"clinic\", level = 1 } }\n";
    let targets = format!("{}{counts}{convert}", island_target(""));
    let (cost, roving, _) = clinic_plan(&ds, &targets);
    assert_eq!(roving, 1);
    let sc = micro_scenario(&targets).expect("scenario");
    let plan = audited_plan(&ds, &sc);
    assert!(
        (plan.cost - base.cost - VILLAGE_CLINIC).abs() < 1e-6,
        "{} vs {}",
        plan.cost,
        base.cost
    );
    let clinic = plan
        .services
        .iter()
        .find(|s| s.service == "clinic")
        .expect("clinic");
    let j = clinic
        .sites
        .iter()
        .position(|s| s.id == "convert-clinic-1-school-b")
        .expect("the converted site");
    assert!(clinic.open[j]);
    assert!(matches!(
        clinic.sites[j].origin,
        service::SiteOrigin::Converted(_)
    ));
    let base_clinic = base
        .services
        .iter()
        .find(|s| s.service == "clinic")
        .expect("clinic");
    assert!(
        (cost - base_clinic.costs.total - VILLAGE_CLINIC).abs() < 1e-6,
        "{cost}"
    );
    let school = plan
        .services
        .iter()
        .find(|s| s.service == "school")
        .expect("school");
    let b = school
        .sites
        .iter()
        .position(|s| s.id == "school-b")
        .expect("b");
    assert!(!school.open[b]);

    // Refused: a candidate or unknown facility, an unknown service or level, a facility also kept.
    for (decision, want) in [
        (
            "convert = { school-x = { service = \"clinic\", level = 1 } }",
            "names no facility",
        ),
        (
            "convert = { school-b = { service = \"clinik\", level = 1 } }",
            "unknown service `clinik`",
        ),
        (
            "convert = { school-b = { service = \"clinic\", level = 7 } }",
            "has no level 7",
        ),
        (
            "keep = [\"school-b\"]\nconvert = { school-b = { service = \"clinic\", level = 1 } }",
            "also in decisions.close, keep, open or expand",
        ),
    ] {
        let text = format!("{}[decisions]\n{decision}\n", island_target(""));
        let e = match micro_scenario(&text) {
            Err(e) => e,
            Ok(sc) => Context::new(&ds, &sc).err().expect("refused"),
        };
        assert!(e.to_string().contains(want), "{e}\nwanted: {want}");
    }
}
