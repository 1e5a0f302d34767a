//! Properties of travel times over generated archipelagos, checked against petgraph's own
//! Dijkstra as an independent reference.

mod common;
use common::*;

use archiplan::layers::{DataSet, RouteMode};
use archiplan::network::{LegKind, Network};
use petgraph::graph::NodeIndex;
use proptest::prelude::*;

/// A generated archipelago, loaded (its files are no longer needed once loaded).
fn synth(islands: usize, settlements: usize, seed: u64) -> DataSet {
    generated(islands, settlements, seed).1
}

fn all_nodes(net: &Network) -> Vec<NodeIndex> {
    net.graph.node_indices().collect()
}

/// All-pairs minutes as a dense matrix (infinite when unreachable).
fn all_pairs(net: &Network) -> Vec<Vec<f64>> {
    let nodes = all_nodes(net);
    let tt = net.travel_times(&nodes, &nodes, f64::INFINITY);
    (0..nodes.len())
        .map(|i| {
            (0..nodes.len())
                .map(|j| tt.get(i, j).map_or(f64::INFINITY, f64::from))
                .collect()
        })
        .collect()
}

fn tol(x: f64) -> f64 {
    // Stored minutes are f32: allow their rounding.
    1e-3 + x.abs() * 1e-6
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn matrix_matches_petgraph_dijkstra_and_obeys_the_triangle_inequality(
        islands in 2usize..20, settlements in 4usize..120, seed in any::<u64>()
    ) {
        let ds = synth(islands, settlements, seed);
        let net = Network::build(&ds);
        let d = all_pairs(&net);
        let n = d.len();
        for s in net.graph.node_indices().step_by(3) {
            let reference = petgraph::algo::dijkstra(&net.graph, s, None, |e| e.weight().minutes);
            for t in net.graph.node_indices() {
                let ours = d[s.index()][t.index()];
                match reference.get(&t) {
                    Some(&r) => prop_assert!((ours - r).abs() <= tol(r), "{s:?}->{t:?}: {ours} vs {r}"),
                    None => prop_assert!(ours.is_infinite()),
                }
            }
        }
        for i in 0..n {
            prop_assert_eq!(d[i][i], 0.0);
            for j in 0..n {
                prop_assert!((d[i][j] - d[j][i]).abs() <= tol(d[i][j]) || d[i][j] == d[j][i]);
                for k in 0..n {
                    if d[i][j].is_finite() && d[j][k].is_finite() {
                        prop_assert!(d[i][k] <= d[i][j] + d[j][k] + tol(d[i][k]),
                            "d({i},{k})={} > d({i},{j})+d({j},{k})={}", d[i][k], d[i][j] + d[j][k]);
                    }
                }
            }
        }
    }

    #[test]
    fn bridges_never_wait_whatever_their_timetable_fields_say(
        islands in 2usize..10, settlements in 4usize..40, seed in any::<u64>(),
        bridge_mask in any::<u64>(), departures in 0.1f64..50.0, hours in 1.0f64..24.0
    ) {
        let mut ds = synth(islands, settlements, seed);
        for (k, r) in ds.routes.iter_mut().enumerate() {
            if bridge_mask >> (k % 64) & 1 == 1 {
                r.mode = RouteMode::Bridge;
            }
        }
        let net = Network::build(&ds);
        for e in net.graph.edge_references() {
            if let LegKind::Bridge { route } = e.weight().kind {
                prop_assert_eq!(e.weight().minutes, ds.routes[route].minutes);
            }
        }
        let before = all_pairs(&net);
        for r in ds.routes.iter_mut().filter(|r| r.mode == RouteMode::Bridge) {
            r.departures_per_day = departures;
            r.service_hours = hours;
        }
        let after = all_pairs(&Network::build(&ds));
        prop_assert_eq!(before, after);
    }

    #[test]
    fn more_departures_never_increase_any_travel_time(
        islands in 2usize..10, settlements in 4usize..40, seed in any::<u64>(),
        factors in proptest::collection::vec(1.0f64..5.0, 64)
    ) {
        let mut ds = synth(islands, settlements, seed);
        let cutoff = 120.0;
        let before_net = Network::build(&ds);
        let nodes = all_nodes(&before_net);
        let before = before_net.travel_times(&nodes, &nodes, cutoff);
        for (k, r) in ds.routes.iter_mut().enumerate() {
            r.departures_per_day *= factors[k % factors.len()];
        }
        let after = Network::build(&ds).travel_times(&nodes, &nodes, cutoff);
        for i in 0..nodes.len() {
            let (cols, mins) = before.row(i);
            for (&j, &m) in cols.iter().zip(mins) {
                let now = after.get(i, j as usize);
                prop_assert!(now.is_some_and(|x| x <= m), "{i}->{j}: {m} became {now:?}");
            }
        }
    }
}

/// On the micro fixture, Alpha West (a1) and Delta Village (d1) are joined by a bridge only:
/// the time is road + bridge minutes with no wait, and equals the hand computation.
#[test]
fn bridge_only_pair_on_the_micro_fixture_has_no_wait() {
    use archiplan::geometry::km_between;
    use geo::Point;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/micro");
    let (ds, _) = DataSet::load(dir).expect("micro");
    let net = Network::build(&ds);
    let a1 = ds
        .settlements
        .iter()
        .position(|s| s.id == "a1")
        .expect("a1");
    let d1 = ds
        .settlements
        .iter()
        .position(|s| s.id == "d1")
        .expect("d1");
    let tt = net.travel_times(
        &[net.settlement_nodes[a1]],
        &[net.settlement_nodes[d1]],
        f64::INFINITY,
    );
    let road = |a: Point<f64>, b: Point<f64>| km_between(a, b) * 1.3 / 30.0 * 60.0;
    let north_end = Point::new(122.015, 30.001);
    let south_end = Point::new(122.015, 29.989);
    let expected = road(ds.settlements[a1].location, north_end)
        + 2.0
        + road(south_end, ds.settlements[d1].location);
    let got = f64::from(tt.get(0, 0).expect("reachable"));
    assert!((got - expected).abs() < 1e-3, "{got} vs {expected}");
}

/// The ferry to Beta waits half the headway: 12 h / 6 departures / 2 = 60 minutes.
#[test]
fn ferry_leg_adds_half_the_headway() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/micro");
    let (ds, _) = DataSet::load(dir).expect("micro");
    let ferry = ds.routes.iter().find(|r| r.id == "ab").expect("ab");
    assert_eq!(ferry.expected_wait(), 60.0);
    let net = Network::build(&ds);
    let legs: Vec<f64> = net
        .graph
        .edge_references()
        .filter(|e| matches!(e.weight().kind, LegKind::Ferry { .. }))
        .map(|e| e.weight().minutes)
        .collect();
    assert_eq!(legs, vec![75.0]);
}

#[test]
fn cutoff_is_inclusive_and_unreachable_pairs_are_absent() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/micro");
    let (ds, _) = DataSet::load(dir).expect("micro");
    let net = Network::build(&ds);
    let s = &net.settlement_nodes;
    let full = net.travel_times(s, s, f64::INFINITY);
    // Pick any positive finite time and cut exactly there: the pair must stay.
    let (cols, mins) = full.row(0);
    let (j, m) = cols
        .iter()
        .zip(mins)
        .find(|(_, m)| **m > 0.0)
        .map(|(&j, &m)| (j as usize, m))
        .expect("a pair");
    let cut = net.travel_times(s, s, f64::from(m));
    assert!(cut.get(0, j).is_some(), "d <= T must be kept");
    let tighter = net.travel_times(s, s, f64::from(m) - 0.01);
    assert!(tighter.get(0, j).is_none());
    // Gamma is uninhabited and unlinked: nothing reaches a node there (none exists), and
    // every stored pair is within the cutoff.
    for i in 0..cut.rows() {
        assert!(cut.row(i).1.iter().all(|&x| f64::from(x) <= f64::from(m)));
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let ds = synth(40, 600, 11);
    let net = Network::build(&ds);
    let nodes = all_nodes(&net);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| net.travel_times(&nodes, &nodes, 90.0));
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool")
        .install(|| net.travel_times(&nodes, &nodes, 90.0));
    assert_eq!(one, two);
}
