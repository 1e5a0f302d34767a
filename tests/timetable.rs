//! Travel by the clock (issue #13 items 1-2): routes with `departures`, and the earliest-arrival
//! search over them, checked against petgraph's own Dijkstra on the same graph with weights
//! that need no clock (lower bounds, bridge-only paths, the headway model's minutes).

mod common;
use common::*;

use archiplan::layers::{DataSet, Timetable};
use archiplan::network::{LegKind, Network};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use proptest::prelude::*;
use rand::SeedableRng;
use std::path::Path;

/// petgraph's Dijkstra from `source` with a weight per leg (`None`: the leg cannot be used).
fn reference(
    net: &Network,
    source: NodeIndex,
    weight: impl Fn(&LegKind, f64) -> Option<f64>,
) -> Vec<f64> {
    let mut g = net.graph.clone();
    // Unusable legs are dropped; the others weigh what `weight` says.
    g.retain_edges(|g, e| weight(&g[e].kind, g[e].minutes).is_some());
    let d = petgraph::algo::dijkstra(&g, source, None, |e| {
        weight(&e.weight().kind, e.weight().minutes).unwrap_or(f64::INFINITY)
    });
    let mut out = vec![f64::INFINITY; g.node_count()];
    for (v, m) in d {
        out[v.index()] = m;
    }
    out
}

/// A random timetable of 1 to `max` departures each way between 05:00 and 21:00.
fn random_timetable(rng: &mut rand_chacha::ChaCha8Rng, max: usize) -> Timetable {
    let times = |rng: &mut rand_chacha::ChaCha8Rng| {
        let n = rng.random_range(1..=max);
        let mut t: Vec<f64> = (0..n)
            .map(|_| f64::from(rng.random_range(300u32..1260)))
            .collect();
        t.sort_by(f64::total_cmp);
        t.dedup();
        t
    };
    Timetable {
        forward: times(rng),
        back: times(rng),
    }
}

/// A generated archipelago whose ferries all run to random timetables.
fn timetabled(seed: u64) -> (tempfile::TempDir, DataSet) {
    let (dir, mut ds) = generated(30, 300, seed);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for r in &mut ds.routes {
        if r.mode != archiplan::layers::RouteMode::Bridge {
            r.timetable = Some(random_timetable(&mut rng, 4));
        }
    }
    (dir, ds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Arrival is never before departure plus the sailing and driving the trip needs: petgraph's
    /// Dijkstra with every ferry leg at its bare sailing minutes (no wait) is a lower bound; and
    /// a trip the clock search finds is a trip the reference can make too (same reachability
    /// where the clock allows it).
    #[test]
    fn arrival_is_never_before_departure_plus_sailing(seed in 0u64..1000, depart in 300.0f64..900.0, s in 0usize..300) {
        let (_d, ds) = timetabled(seed);
        let net = Network::build(&ds);
        let source = net.settlement_nodes[s % ds.settlements.len()];
        let at = net.earliest_arrival(source, depart);
        let bare = reference(&net, source, |k, m| Some(match *k {
            LegKind::Ferry { route } => ds.routes[route].minutes,
            _ => m,
        }));
        prop_assert_eq!(at[source.index()], depart);
        // The search that stops at its target agrees with the full one.
        for v in (0..at.len()).step_by(7) {
            let one = net.arrival_at(source, depart, NodeIndex::new(v));
            prop_assert!(one == at[v], "node {v}: {one} vs {}", at[v]);
        }
        for v in 0..at.len() {
            if at[v].is_finite() {
                prop_assert!(at[v] + 1e-9 >= depart + bare[v], "node {v}: {} < {} + {}", at[v], depart, bare[v]);
            }
        }
    }

    /// More departures never make a trip longer: adding departures to every timetable never
    /// delays an arrival (and never loses a reached node).
    #[test]
    fn more_departures_never_make_a_trip_longer(seed in 0u64..1000, depart in 300.0f64..900.0, s in 0usize..300) {
        let (_d, ds) = timetabled(seed);
        let net = Network::build(&ds);
        let source = net.settlement_nodes[s % ds.settlements.len()];
        let before = net.earliest_arrival(source, depart);
        let mut more = ds.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0xabcd);
        for r in &mut more.routes {
            if let Some(t) = &mut r.timetable {
                let extra = random_timetable(&mut rng, 3);
                t.forward.extend(extra.forward);
                t.back.extend(extra.back);
                for list in [&mut t.forward, &mut t.back] {
                    list.sort_by(f64::total_cmp);
                    list.dedup();
                }
            }
        }
        let after = Network::build(&more).earliest_arrival(source, depart);
        for v in 0..before.len() {
            prop_assert!(after[v] <= before[v] + 1e-9, "node {v}: {} > {}", after[v], before[v]);
        }
    }

    /// A bridge never waits: with every link a bridge (the generator builds few, so its ferries
    /// become bridges here, timetables and all), the clock search reaches every node at
    /// departure plus petgraph's shortest road-and-bridge minutes, whatever the departure
    /// time, across the islands.
    #[test]
    fn a_bridge_never_waits(seed in 0u64..1000, depart in 0.0f64..1400.0, s in 0usize..300) {
        let (_d, mut ds) = timetabled(seed);
        for r in &mut ds.routes {
            r.mode = archiplan::layers::RouteMode::Bridge;
        }
        let net = Network::build(&ds);
        let source = net.settlement_nodes[s % ds.settlements.len()];
        let at = net.earliest_arrival(source, depart);
        let dry = reference(&net, source, |_, m| Some(m));
        let island = |v: usize| net.graph[NodeIndex::new(v)].island;
        let across = (0..at.len()).filter(|&v| at[v].is_finite() && island(v) != island(source.index())).count();
        prop_assert!(across > 0 || ds.routes.len() < 2, "no bridge crossed");
        for v in 0..at.len() {
            prop_assert_eq!(at[v].is_finite(), dry[v].is_finite(), "node {}", v);
            if dry[v].is_finite() {
                prop_assert!((at[v] - depart - dry[v]).abs() < 1e-6, "node {v}: {} vs {}", at[v] - depart, dry[v]);
            }
        }
    }

    /// Without timetables the clock search is the headway model: every trip takes what
    /// petgraph's Dijkstra over the expected leg minutes says, whatever the departure time.
    #[test]
    fn without_timetables_the_clock_is_the_headway_model(seed in 0u64..1000, depart in 0.0f64..1400.0, s in 0usize..300) {
        let (_d, ds) = generated(30, 300, seed);
        let net = Network::build(&ds);
        prop_assert!(!net.has_timetables());
        let source = net.settlement_nodes[s % ds.settlements.len()];
        let at = net.earliest_arrival(source, depart);
        let expected = reference(&net, source, |_, m| Some(m));
        for v in 0..at.len() {
            prop_assert_eq!(at[v].is_finite(), expected[v].is_finite());
            if expected[v].is_finite() {
                prop_assert!((at[v] - depart - expected[v]).abs() < 1e-6);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The latest departure that still arrives by a time is in time, and leaving two seconds
    /// later is not (unless that is past the deadline itself): checked with the earliest-arrival
    /// search it is built on, on random timetables.
    #[test]
    fn the_latest_departure_is_the_last_in_time(seed in 0u64..1000, by in 400.0f64..1300.0, s in 0usize..300, t in 0usize..300) {
        let (_d, ds) = timetabled(seed);
        let net = Network::build(&ds);
        let from = net.settlement_nodes[s % ds.settlements.len()];
        let to = net.settlement_nodes[t % ds.settlements.len()];
        let arrives = |at: f64| net.earliest_arrival(from, at)[to.index()];
        match net.latest_departure(from, to, by) {
            Some(l) => {
                prop_assert!(arrives(l) <= by, "{l}: {} > {by}", arrives(l));
                let later = l + 2.0 / 60.0;
                prop_assert!(later > by || arrives(later) > by, "{l}: {later} still arrives");
            }
            None => prop_assert!(arrives(0.0) > by),
        }
    }
}

/// One ferry with a timetable, worked by hand: a single route from the hub port to a small
/// island's port, sailing 40 minutes, departing 07:00 and 12:00 forward and 08:00 and 16:00
/// back. Leaving the hub's port at 06:50 arrives at 07:40; at 07:01 it waits for the 12:00
/// boat (12:40); after 12:00 there is no trip that day. The way back leaves at 08:00 (08:40).
#[test]
fn a_timetabled_ferry_waits_for_its_next_departure_in_its_direction() {
    let (_d, mut ds) = generated(2, 4, 7);
    let ferries: Vec<usize> = (0..ds.routes.len())
        .filter(|&r| ds.routes[r].mode != archiplan::layers::RouteMode::Bridge)
        .collect();
    assert!(
        !ferries.is_empty(),
        "the generated pair of islands has a ferry"
    );
    let r = ferries[0];
    // Any other ferry between the two runs no boat, so the one route is the only way across.
    for &other in &ferries[1..] {
        ds.routes[other].timetable = Some(Timetable::default());
    }
    ds.routes[r].minutes = 40.0;
    ds.routes[r].timetable = Some(Timetable {
        forward: vec![420.0, 720.0],
        back: vec![480.0, 960.0],
    });
    let net = Network::build(&ds);
    let edge = net
        .graph
        .edge_references()
        .find(|e| e.weight().kind == LegKind::Ferry { route: r })
        .expect("the ferry leg");
    let (a, b) = net.graph.edge_endpoints(edge.id()).expect("ends");
    // The graph keeps the route's first end as the edge's source (see Network::build).
    let first = a;
    let last = b;
    let arrive = |from, t: f64, to: NodeIndex| net.earliest_arrival(from, t)[to.index()];
    assert_eq!(arrive(first, 410.0, last), 460.0);
    assert_eq!(arrive(first, 421.0, last), 760.0);
    assert!(arrive(first, 721.0, last).is_infinite());
    // Arriving by 13:00: the 12:00 boat (12:40); by 12:00: the 07:00 boat; by 07:30: none.
    let latest = |by: f64| net.latest_departure(first, last, by);
    assert!(
        latest(780.0).is_some_and(|l| (l - 720.0).abs() < 1.0 / 60.0),
        "{:?}",
        latest(780.0)
    );
    assert!(
        latest(720.0).is_some_and(|l| (l - 420.0).abs() < 1.0 / 60.0),
        "{:?}",
        latest(720.0)
    );
    assert_eq!(latest(450.0), None);
    assert_eq!(arrive(last, 400.0, first), 520.0);
    assert_eq!(arrive(last, 900.0, first), 1000.0);
}

/// A ferry route given by its `departures` alone (no `departures_per_day`) validates; its
/// count feeds the headway model. Bad timetables are refused naming the file, the route and
/// the field, with exit 2.
#[test]
fn departures_are_read_and_bad_ones_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("d");
    copy_dir(&Path::new(ROOT).join("data/daishan"), &data);
    let ferries = data.join("ferries.geojson");
    let text = std::fs::read_to_string(&ferries).expect("ferries");
    let mut fc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let first_ferry = |fc: &mut serde_json::Value| -> String {
        let f = fc["features"]
            .as_array_mut()
            .expect("features")
            .iter_mut()
            .find(|f| f["properties"]["mode"] != "bridge")
            .expect("a ferry");
        let p = f["properties"].as_object_mut().expect("properties");
        p.remove("departures_per_day");
        p.insert(
            "departures".into(),
            serde_json::json!({"forward": ["07:00", "12:30", "25:10"], "back": ["08:00"]}),
        );
        p["id"].as_str().expect("id").to_string()
    };
    let id = first_ferry(&mut fc);
    std::fs::write(&ferries, fc.to_string()).expect("write");
    let (ds, _) = DataSet::load(&data).expect("a timetable alone is enough");
    let route = ds.routes.iter().find(|r| r.id == id).expect("route");
    let t = route.timetable.as_ref().expect("timetable");
    assert_eq!(t.forward, vec![420.0, 750.0, 25.0 * 60.0 + 10.0]);
    assert_eq!(t.back, vec![480.0]);
    assert_eq!(route.departures_per_day, 2.0);

    for (bad, says) in [
        (
            serde_json::json!(["07:00", "7:75"]),
            "`7:75` is not a clock time",
        ),
        (serde_json::json!("07:00"), "must be a list of clock times"),
        (
            serde_json::json!({"forward": ["07:00"], "sideways": []}),
            "unknown key `sideways`",
        ),
        (serde_json::json!([]), "lists no departure"),
        (serde_json::json!([700]), "is not a clock time string"),
    ] {
        let mut fc: serde_json::Value = serde_json::from_str(&text).expect("json");
        let f = fc["features"]
            .as_array_mut()
            .expect("features")
            .iter_mut()
            .find(|f| f["properties"]["id"] == id.as_str())
            .expect("route");
        f["properties"]["departures"] = bad.clone();
        std::fs::write(&ferries, fc.to_string()).expect("write");
        let o = run(&["validate", data.to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let out = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        for needle in ["ferries.geojson", id.as_str(), "departures", says] {
            assert!(out.contains(needle), "{bad}: no {needle:?} in {out}");
        }
    }
}

/// `network --depart HH:MM` gives each island's trip to the hub by the clock; on the bundled
/// data (no timetables yet) it equals the headway model's minutes from the island's largest
/// settlement, and a bad clock time is exit 2.
#[test]
fn network_depart_reports_trips_by_the_clock() {
    let v = json_of(&ok(run(&[
        "network",
        "data/daishan",
        "--depart",
        "07:00",
        "--json",
    ])));
    let islands = v["islands"].as_array().expect("islands");
    let dajiao = islands
        .iter()
        .find(|i| i["id"] == "dajiao")
        .expect("dajiao");
    let c = &dajiao["by_clock"];
    assert_eq!(c["depart"], "07:00");
    let minutes = c["minutes"].as_f64().expect("minutes");
    assert!(minutes > 300.0, "{c}");
    let max = dajiao["minutes_to_hub_max"].as_f64().expect("max");
    assert!((max - minutes).abs() < 0.01, "{minutes} vs {max}");
    let o = run(&["network", "data/daishan", "--depart", "24:60"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--depart"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("list") {
        let p = e.expect("entry").path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().expect("name"))).expect("copy");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// A service's minutes by the clock (`[service.clock]`) against brute force over departure
    /// times every half minute: leaving within a window, no sampled departure does better than
    /// the exact search (and the best sampled one is at most half a minute worse, the wait a
    /// coarser departure can add); arriving by a deadline, no sampled departure that makes it
    /// leaves later than the search says (and one within half a minute of it does).
    #[test]
    fn clock_minutes_equal_brute_force_over_departure_times(seed in 0u64..1000, from in 360.0f64..600.0, s in 0usize..300) {
        use archiplan::network::ClockRule;
        let (_d, ds) = timetabled(seed);
        let net = Network::build(&ds);
        let source = net.settlement_nodes[s % ds.settlements.len()];
        let to = from + 90.0;
        let window = net.clock_minutes(source, ClockRule::Depart { from, to });
        let by = from + 120.0;
        let deadline = net.clock_minutes(source, ClockRule::ArriveBy(by));
        let n = window.len();
        let (mut brute_w, mut brute_d) = (vec![f64::INFINITY; n], vec![f64::INFINITY; n]);
        let steps = |a: f64, b: f64| (0..=((b - a) * 2.0) as usize).map(move |k| a + k as f64 / 2.0);
        for t in steps(from, to) {
            for (v, a) in net.earliest_arrival(source, t).into_iter().enumerate() {
                brute_w[v] = brute_w[v].min(a - t);
            }
        }
        for t in steps(by - 240.0, by) {
            for (v, a) in net.earliest_arrival(source, t).into_iter().enumerate() {
                if a <= by {
                    brute_d[v] = brute_d[v].min(by - t);
                }
            }
        }
        for v in 0..n {
            prop_assert!(window[v] <= brute_w[v] + 1e-9, "node {v}: {} > {}", window[v], brute_w[v]);
            prop_assert!(brute_w[v] <= window[v] + 0.5 + 1e-9, "node {v}: {} vs {}", brute_w[v], window[v]);
            if deadline[v] <= 240.0 - 0.5 {
                prop_assert!(deadline[v] <= brute_d[v] + 1e-9, "node {v}: {} > {}", deadline[v], brute_d[v]);
                prop_assert!(brute_d[v] <= deadline[v] + 0.5 + 1e-9, "node {v}: {} vs {}", brute_d[v], deadline[v]);
            }
        }
    }
}
