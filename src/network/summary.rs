//! What `archiplan network` reports: size, connectivity, and each island's travel time to the
//! hub island's main port; plus the network as GeoJSON for a map.

use super::{Network, NodeKind};
use crate::layers::{DataSet, Endpoint, RouteMode};
use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, JsonValue};
use petgraph::graph::NodeIndex;
use rayon::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct NetworkSummary {
    pub nodes: usize,
    pub edges: usize,
    pub components: usize,
    pub hub: HubRef,
    /// Settlements with no path to the hub's main port.
    pub unreachable_settlements: Vec<String>,
    pub islands: Vec<IslandReach>,
    pub matrix: MatrixStats,
}

/// The reference point travel times are measured to.
#[derive(Debug, Clone, Serialize)]
pub struct HubRef {
    pub island: String,
    /// `port` or `settlement`.
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IslandReach {
    pub id: String,
    pub name: String,
    pub tier: Option<crate::layers::Tier>,
    pub external: bool,
    pub population: u64,
    pub settlements: usize,
    /// Population-weighted mean minutes from the island's settlements to the hub's main port
    /// (unweighted when nobody lives there); `null` when none is reachable.
    pub minutes_to_hub_mean: Option<f64>,
    pub minutes_to_hub_max: Option<f64>,
    /// With a departure time (`network --depart`): the trip by the timetables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_clock: Option<ClockReach>,
    /// With `network --day-trip MIN`: whether a team from the hub can spend MIN minutes on
    /// the island within the working day, by the timetables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_trip: Option<DayTripReport>,
}

/// A working-day visit from the hub's reference point to an island's largest settlement.
#[derive(Debug, Clone, Serialize)]
pub struct DayTripReport {
    pub possible: bool,
    pub onsite_minutes: f64,
    /// Clock times (HH:MM): leave the hub, arrive, leave the island, back at the hub.
    pub leave: Option<String>,
    pub arrive: Option<String>,
    pub depart_back: Option<String>,
    pub back: Option<String>,
    /// Why it is not possible, naming the sailings that make it so.
    pub reason: Option<String>,
}

/// Adds to each inhabited island of `summary` whether a team from the hub reference can spend
/// `onsite` minutes at its largest settlement within `day` (clock minutes), by the timetables.
pub fn add_day_trips(
    ds: &DataSet,
    net: &Network,
    summary: &mut NetworkSummary,
    day: (f64, f64),
    onsite: f64,
) {
    use super::clock::DayTrip;
    each_planned_island(ds, net, summary, |reach, c, hub_node| {
        let trip = net.day_trip(hub_node, net.settlement_nodes[c], day, onsite);
        let mut r = DayTripReport {
            possible: false,
            onsite_minutes: onsite,
            leave: None,
            arrive: None,
            depart_back: None,
            back: None,
            reason: None,
        };
        match trip {
            DayTrip::Possible {
                leave,
                arrive,
                depart_back,
                back,
            } => {
                r.possible = true;
                r.leave = Some(clock_text(leave));
                r.arrive = Some(clock_text(arrive));
                r.depart_back = Some(clock_text(depart_back));
                r.back = Some(clock_text(back));
            }
            DayTrip::NoWayThere => {
                r.reason = Some(format!(
                    "no trip leaving the hub from {} arrives by {}",
                    clock_text(day.0),
                    clock_text(day.1)
                ));
            }
            DayTrip::NoWayBack {
                arrive,
                last_return,
            } => {
                r.arrive = Some(clock_text(arrive));
                r.reason = Some(match last_return {
                    Some(t) => format!(
                        "the first arrival is at {}, but the last departure back that reaches \
                         the hub by {} leaves at {}: {} minutes on the island, {onsite} needed",
                        clock_text(arrive),
                        clock_text(day.1),
                        clock_text(t),
                        (t - arrive).round()
                    ),
                    None => format!(
                        "the first arrival is at {}, and no departure back after it reaches the \
                         hub by {}",
                        clock_text(arrive),
                        clock_text(day.1)
                    ),
                });
            }
        }
        reach.day_trip = Some(r);
    });
}

/// Runs `f` on each island of `summary` that is not external and has settlements (in
/// parallel), with its most populous settlement and the hub reference node.
fn each_planned_island(
    ds: &DataSet,
    net: &Network,
    summary: &mut NetworkSummary,
    f: impl Fn(&mut IslandReach, usize, NodeIndex) + Sync + Send,
) {
    let (hub_node, _) = hub_reference(ds, net);
    let largest = largest_settlements(ds);
    let islands = summary.islands.par_iter_mut().enumerate();
    islands.for_each(|(k, reach)| {
        if let Some(c) = largest[k].filter(|_| !reach.external) {
            f(reach, c, hub_node);
        }
    });
}

/// Each island's most populous settlement (ties: the first), in one pass.
fn largest_settlements(ds: &DataSet) -> Vec<Option<usize>> {
    let mut best: Vec<Option<usize>> = vec![None; ds.islands.len()];
    for (i, s) in ds.settlements.iter().enumerate() {
        let slot = &mut best[s.island];
        if slot.is_none_or(|b| s.population > ds.settlements[b].population) {
            *slot = Some(i);
        }
    }
    best
}

/// A trip to the hub by the clock, from the island's most populous settlement.
#[derive(Debug, Clone, Serialize)]
pub struct ClockReach {
    /// The settlement the trip starts from.
    pub from: String,
    /// Leaving at (HH:MM); with `--arrive-by`, the latest departure that arrives in time
    /// (`null`: none does).
    pub depart: Option<String>,
    /// Arriving at the hub reference at (HH:MM; past 24:00 on the same service day);
    /// `null` when no trip gets there that day.
    pub arrive: Option<String>,
    /// Door-to-door minutes, waits at the piers included.
    pub minutes: Option<f64>,
}

/// A clock time in minutes after midnight as HH:MM (hours past 24 kept, as GTFS writes them).
pub fn clock_text(minutes: f64) -> String {
    let m = minutes.round() as i64;
    format!("{:02}:{:02}", m.div_euclid(60), m.rem_euclid(60))
}

/// When a clock trip starts: leaving at a time, or as late as still arrives by a time.
#[derive(Debug, Clone, Copy)]
pub enum ClockQuery {
    Depart(f64),
    /// The shortest trip leaving between the two clock times.
    Window(f64, f64),
    ArriveBy(f64),
}

/// Adds to each island of `summary` the trip to the hub from its most populous settlement,
/// leaving at a clock time or as late as still arrives by one (see
/// [`Network::earliest_arrival`], [`Network::latest_departure`]).
pub fn add_clock_trips(
    ds: &DataSet,
    net: &Network,
    summary: &mut NetworkSummary,
    query: ClockQuery,
) {
    each_planned_island(ds, net, summary, |reach, c, hub_node| {
        let from = net.settlement_nodes[c];
        let depart = match query {
            ClockQuery::Depart(t) => t,
            ClockQuery::Window(a, b) => {
                let (_, t) = net.clock_trips(from, super::ClockRule::Depart { from: a, to: b })
                    [hub_node.index()];
                if t.is_nan() { a } else { t }
            }
            ClockQuery::ArriveBy(by) => match net.latest_departure(from, hub_node, by) {
                Some(t) => t,
                None => {
                    reach.by_clock = Some(ClockReach {
                        from: ds.settlements[c].id.clone(),
                        depart: None,
                        arrive: None,
                        minutes: None,
                    });
                    return;
                }
            },
        };
        let at = net.arrival_at(from, depart, hub_node);
        let arrive = at.is_finite().then_some(at);
        reach.by_clock = Some(ClockReach {
            from: ds.settlements[c].id.clone(),
            depart: Some(clock_text(depart)),
            arrive: arrive.map(clock_text),
            minutes: arrive.map(|a| round2(a - depart)),
        });
    });
}

/// Size of the settlement x (settlement + facility) travel-time matrix at the cutoff.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixStats {
    pub sources: usize,
    pub targets: usize,
    pub cutoff_minutes: f64,
    pub pairs: usize,
    pub bytes: usize,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The hub island's main port: declared, else its busiest ferry port, else its most
/// populous settlement.
fn hub_reference(ds: &DataSet, net: &Network) -> (NodeIndex, HubRef) {
    let hub = &ds.islands[ds.hub];
    let port_on_hub = |p: usize| ds.ports[p].island == ds.hub;
    let declared = hub
        .main_port
        .as_ref()
        .and_then(|id| ds.ports.iter().position(|p| &p.id == id));
    let busiest = || {
        let mut departures = vec![0.0; ds.ports.len()];
        for r in ds.routes.iter().filter(|r| r.mode != RouteMode::Bridge) {
            for e in r.ends {
                if let Endpoint::Port(p) = e {
                    departures[p] += r.departures_per_day;
                }
            }
        }
        (0..ds.ports.len())
            .filter(|&p| port_on_hub(p))
            .max_by(|&a, &b| departures[a].total_cmp(&departures[b]).then(b.cmp(&a)))
    };
    if let Some(p) = declared.or_else(busiest) {
        let port = &ds.ports[p];
        return (
            net.port_nodes[p],
            HubRef {
                island: hub.id.clone(),
                kind: "port",
                id: port.id.clone(),
                name: port.name.clone(),
            },
        );
    }
    let s = (0..ds.settlements.len())
        .filter(|&s| ds.settlements[s].island == ds.hub)
        .max_by(|&a, &b| {
            ds.settlements[a]
                .population
                .cmp(&ds.settlements[b].population)
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    (
        net.settlement_nodes[s],
        HubRef {
            island: hub.id.clone(),
            kind: "settlement",
            id: ds.settlements[s].id.clone(),
            name: ds.settlements[s].name.clone(),
        },
    )
}

/// Minutes from the hub reference to every node (unbounded).
pub fn minutes_to_hub(ds: &DataSet, net: &Network) -> (HubRef, Vec<f64>) {
    let (hub_node, hub_ref) = hub_reference(ds, net);
    let dist = net
        .shortest_from(hub_node, f64::INFINITY)
        .dense(net.node_count());
    (hub_ref, dist)
}

pub fn summarize(ds: &DataSet, net: &Network, cutoff: f64) -> NetworkSummary {
    let (hub, dist) = minutes_to_hub(ds, net);
    let unreachable_settlements = ds
        .settlements
        .iter()
        .zip(&net.settlement_nodes)
        .filter(|(_, n)| dist[n.index()].is_infinite())
        .map(|(s, _)| s.id.clone())
        .collect();
    let islands = ds
        .islands
        .iter()
        .enumerate()
        .map(|(i, island)| {
            let members: Vec<(u64, f64)> = ds
                .settlements
                .iter()
                .zip(&net.settlement_nodes)
                .filter(|(s, _)| s.island == i)
                .map(|(s, n)| (s.population, dist[n.index()]))
                .collect();
            let reached: Vec<(u64, f64)> = members
                .iter()
                .copied()
                .filter(|(_, d)| d.is_finite())
                .collect();
            let weight: u64 = reached.iter().map(|(p, _)| p).sum();
            let mean = if reached.is_empty() {
                None
            } else if weight > 0 {
                Some(reached.iter().map(|&(p, d)| p as f64 * d).sum::<f64>() / weight as f64)
            } else {
                Some(reached.iter().map(|&(_, d)| d).sum::<f64>() / reached.len() as f64)
            };
            let max = reached.iter().map(|&(_, d)| d).reduce(f64::max);
            IslandReach {
                id: island.id.clone(),
                name: island.name.clone(),
                tier: island.tier,
                external: island.external,
                population: members.iter().map(|(p, _)| p).sum(),
                settlements: members.len(),
                minutes_to_hub_mean: mean.map(round2),
                minutes_to_hub_max: max.map(round2),
                by_clock: None,
                day_trip: None,
            }
        })
        .collect();
    let targets: Vec<NodeIndex> = net
        .settlement_nodes
        .iter()
        .chain(&net.facility_nodes)
        .copied()
        .collect();
    // Only counted, never stored: any cutoff fits in memory.
    let pairs = net.pairs_within(&net.settlement_nodes, &targets, cutoff);
    NetworkSummary {
        nodes: net.node_count(),
        edges: net.edge_count(),
        components: net.components(),
        hub,
        unreachable_settlements,
        islands,
        matrix: MatrixStats {
            sources: net.settlement_nodes.len(),
            targets: targets.len(),
            cutoff_minutes: cutoff,
            pairs: pairs as usize,
            bytes: super::matrix::bytes_for(net.settlement_nodes.len(), pairs) as usize,
        },
    }
}

fn position(p: geo::Point<f64>) -> Vec<f64> {
    let r = |x: f64| (x * 1e6).round() / 1e6;
    vec![r(p.x()), r(p.y())]
}

fn props(pairs: Vec<(&str, JsonValue)>) -> JsonObject {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// The ferry routes and bridges as LineStrings, with simplestyle strokes by mode.
pub fn route_features(ds: &DataSet) -> Vec<Feature> {
    let mut features = Vec::new();
    for r in &ds.routes {
        let coords = r.geometry.points().map(position).collect::<Vec<_>>();
        let end_id = |e: Endpoint| match e {
            Endpoint::Port(p) => JsonValue::from(ds.ports[p].id.clone()),
            Endpoint::Landing { island, .. } => JsonValue::from(ds.islands[island].id.clone()),
        };
        let (color, width) = match r.mode {
            RouteMode::Bridge => ("#555555", 4),
            RouteMode::FastFerry => ("#d62728", 2),
            RouteMode::Ferry => ("#1f77b4", 2),
        };
        features.push(Feature {
            geometry: Some(Geometry::new(GeometryValue::new_line_string(coords))),
            properties: Some(props(vec![
                ("layer", "route".into()),
                ("id", r.id.clone().into()),
                ("name", r.name.clone().into()),
                ("mode", r.mode.name().into()),
                ("from", end_id(r.ends[0])),
                ("to", end_id(r.ends[1])),
                ("minutes", round2(r.minutes).into()),
                ("wait_minutes", round2(r.expected_wait()).into()),
                (
                    "departures_per_day",
                    if r.mode == RouteMode::Bridge {
                        JsonValue::Null
                    } else {
                        r.departures_per_day.into()
                    },
                ),
                ("stroke", color.into()),
                ("stroke-width", width.into()),
            ])),
            ..Default::default()
        });
    }
    features
}

/// The network as an RFC 7946 FeatureCollection: routes as LineStrings, nodes as Points.
pub fn network_geojson(ds: &DataSet, net: &Network) -> FeatureCollection {
    let (_, dist) = minutes_to_hub(ds, net);
    let mut features = route_features(ds);
    for n in net.graph.node_indices() {
        let node = net.graph[n];
        let (layer, id, name, color) = match node.kind {
            NodeKind::Settlement(i) => (
                "settlement",
                ds.settlements[i].id.clone(),
                Some(ds.settlements[i].name.clone()),
                "#2ca02c",
            ),
            NodeKind::Port(i) => (
                "port",
                ds.ports[i].id.clone(),
                Some(ds.ports[i].name.clone()),
                "#1f77b4",
            ),
            NodeKind::Facility(i) => (
                "facility",
                ds.facilities[i].id.clone(),
                Some(ds.facilities[i].name.clone()),
                "#9467bd",
            ),
            NodeKind::Landing { route, end } => (
                "landing",
                format!("{}#{end}", ds.routes[route].id),
                None,
                "#7f7f7f",
            ),
        };
        let d = dist[n.index()];
        features.push(Feature {
            geometry: Some(Geometry::new(GeometryValue::new_point(position(
                node.location,
            )))),
            properties: Some(props(vec![
                ("layer", layer.into()),
                ("id", id.into()),
                ("name", name.into()),
                ("island", ds.islands[node.island].id.clone().into()),
                (
                    "minutes_to_hub",
                    if d.is_finite() {
                        round2(d).into()
                    } else {
                        JsonValue::Null
                    },
                ),
                ("marker-color", color.into()),
                ("marker-size", "small".into()),
            ])),
            ..Default::default()
        });
    }
    FeatureCollection::new(features)
}
