//! The travel network: a petgraph graph of settlements, ports, facility sites and route ends,
//! joined by on-island road legs, ferry legs and bridges.
//!
//! Travel time between two nodes is the shortest path over this graph. Road legs take
//! `great-circle km * circuity / speed`; a ferry leg takes the expected wait (half the headway)
//! plus the sailing minutes; a bridge takes its driving minutes and never waits.

mod clock;
mod dijkstra;
mod matrix;
mod summary;

pub use clock::{ClockRule, DayTrip};
pub use dijkstra::ShortestPaths;
pub use matrix::TravelTimes;
pub use summary::{
    ClockQuery, ClockReach, DayTripReport, IslandReach, NetworkSummary, add_clock_trips,
    add_day_trips, clock_text, network_geojson, route_features, summarize,
};

use crate::geometry::{LocalProjection, km_between};
use crate::layers::{DataSet, Endpoint, RouteMode};
use geo::Point;
use petgraph::graph::{NodeIndex, UnGraph};
use rayon::prelude::*;

/// What a graph node stands for (indices into the data set's layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Settlement(usize),
    Port(usize),
    Facility(usize),
    /// A route end given as a bare point on an island (`end` 0 = first, 1 = last).
    Landing {
        route: usize,
        end: u8,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub kind: NodeKind,
    pub island: usize,
    pub location: Point<f64>,
}

/// How a leg is travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegKind {
    Road,
    Ferry { route: usize },
    Bridge { route: usize },
}

#[derive(Debug, Clone, Copy)]
pub struct Leg {
    pub kind: LegKind,
    /// Expected minutes, including any wait.
    pub minutes: f64,
}

/// Knobs of network construction.
#[derive(Debug, Clone, Copy)]
pub struct NetworkOptions {
    /// Islands with at most this many nodes get a road leg between every pair (exact
    /// straight-line times); larger islands use the Delaunay triangulation of their nodes,
    /// which keeps the graph sparse (at most 3n legs) at the price of a small detour factor.
    pub full_mesh_max_nodes: usize,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions {
            full_mesh_max_nodes: 200,
        }
    }
}

/// The travel graph plus a compact adjacency for fast shortest paths.
#[derive(Debug, Clone)]
pub struct Network {
    pub graph: UnGraph<Node, Leg>,
    /// Node of each settlement, port and facility, by layer index.
    pub settlement_nodes: Vec<NodeIndex>,
    pub port_nodes: Vec<NodeIndex>,
    pub facility_nodes: Vec<NodeIndex>,
    adjacency: dijkstra::Adjacency,
    /// Timetabled ferry routes, by route index, for travel by the clock.
    clock: Vec<Option<clock::ClockLeg>>,
    /// Sailing (or driving) minutes of each route without any wait, by route index.
    crossing: Vec<f64>,
}

impl Network {
    pub fn build(ds: &DataSet) -> Network {
        Self::build_with(ds, NetworkOptions::default())
    }

    /// Builds the network after checking that every leg takes a finite, non-negative time
    /// (validation should have ensured it, but transforms and library callers can build data
    /// sets that were never validated): a negative leg would make shortest paths loop without
    /// end, a NaN one would make them meaningless.
    pub fn try_build(ds: &DataSet) -> crate::Result<Network> {
        Self::try_build_with(ds, NetworkOptions::default())
    }

    pub fn try_build_with(ds: &DataSet, options: NetworkOptions) -> crate::Result<Network> {
        for r in &ds.routes {
            let m = r.leg_minutes();
            if !usable_minutes(m) {
                return Err(crate::Error::Usage(format!(
                    "route `{}`: its leg takes {m} minutes (crossing {} min, {} departures a day \
                     over {} service hours); minutes, departures and hours must be positive numbers",
                    r.id, r.minutes, r.departures_per_day, r.service_hours
                )));
            }
        }
        for i in &ds.islands {
            let m = i.road_minutes(1.0);
            if !usable_minutes(m) {
                return Err(crate::Error::Usage(format!(
                    "island `{}`: a road km takes {m} minutes (circuity {}, road speed {} km/h); \
                     both must be positive numbers",
                    i.id, i.circuity, i.road_speed_kmh
                )));
            }
        }
        Ok(Self::build_with(ds, options))
    }

    /// Builds the network. A leg whose time is not a finite, non-negative number cannot be
    /// travelled and is left out (use [`Network::try_build`] to refuse such data instead).
    pub fn build_with(ds: &DataSet, options: NetworkOptions) -> Network {
        let mut graph = UnGraph::<Node, Leg>::default();
        let settlement_nodes: Vec<NodeIndex> = ds
            .settlements
            .iter()
            .enumerate()
            .map(|(i, s)| {
                graph.add_node(Node {
                    kind: NodeKind::Settlement(i),
                    island: s.island,
                    location: s.location,
                })
            })
            .collect();
        let port_nodes: Vec<NodeIndex> = ds
            .ports
            .iter()
            .enumerate()
            .map(|(i, p)| {
                graph.add_node(Node {
                    kind: NodeKind::Port(i),
                    island: p.island,
                    location: p.location,
                })
            })
            .collect();
        let facility_nodes: Vec<NodeIndex> = ds
            .facilities
            .iter()
            .enumerate()
            .map(|(i, f)| {
                graph.add_node(Node {
                    kind: NodeKind::Facility(i),
                    island: f.island,
                    location: f.location,
                })
            })
            .collect();
        let mut route_ends = Vec::with_capacity(ds.routes.len());
        for (ri, route) in ds.routes.iter().enumerate() {
            let mut ends = [NodeIndex::end(); 2];
            for (k, end) in route.ends.iter().enumerate() {
                ends[k] = match *end {
                    Endpoint::Port(p) => port_nodes[p],
                    Endpoint::Landing { island, location } => graph.add_node(Node {
                        kind: NodeKind::Landing {
                            route: ri,
                            end: k as u8,
                        },
                        island,
                        location,
                    }),
                };
            }
            route_ends.push(ends);
        }

        // Road legs, island by island (in parallel; merged in island order for determinism).
        let mut by_island: Vec<Vec<NodeIndex>> = vec![Vec::new(); ds.islands.len()];
        for n in graph.node_indices() {
            by_island[graph[n].island].push(n);
        }
        let road_legs: Vec<Vec<(NodeIndex, NodeIndex, f64)>> = by_island
            .par_iter()
            .enumerate()
            .map(|(i, nodes)| {
                let island = &ds.islands[i];
                let points: Vec<Point<f64>> = nodes.iter().map(|&n| graph[n].location).collect();
                island_road_pairs(&points, options.full_mesh_max_nodes)
                    .into_iter()
                    .map(|(a, b)| {
                        let km = km_between(points[a], points[b]);
                        (nodes[a], nodes[b], island.road_minutes(km))
                    })
                    .collect()
            })
            .collect();
        for legs in road_legs {
            for (a, b, minutes) in legs.into_iter().filter(|l| usable_minutes(l.2)) {
                graph.add_edge(
                    a,
                    b,
                    Leg {
                        kind: LegKind::Road,
                        minutes,
                    },
                );
            }
        }
        for (ri, route) in ds.routes.iter().enumerate() {
            let kind = match route.mode {
                RouteMode::Bridge => LegKind::Bridge { route: ri },
                RouteMode::Ferry | RouteMode::FastFerry => LegKind::Ferry { route: ri },
            };
            let [a, b] = route_ends[ri];
            if !usable_minutes(route.leg_minutes()) {
                continue;
            }
            graph.add_edge(
                a,
                b,
                Leg {
                    kind,
                    minutes: route.leg_minutes(),
                },
            );
        }
        let adjacency = dijkstra::Adjacency::from_graph(&graph);
        let clock = clock::clock_legs(ds, &route_ends);
        Network {
            graph,
            settlement_nodes,
            port_nodes,
            facility_nodes,
            adjacency,
            clock,
            crossing: ds.routes.iter().map(|r| r.minutes).collect(),
        }
    }

    /// Minutes from `from` to `to` on a boat that sails when one reaches the pier (a charter):
    /// every ferry leg at its crossing minutes, no wait; `None` when unreachable.
    pub fn no_wait_minutes(&self, from: NodeIndex, to: NodeIndex) -> Option<f64> {
        let found =
            petgraph::algo::dijkstra(&self.graph, from, Some(to), |e| match e.weight().kind {
                LegKind::Ferry { route } => {
                    self.crossing.get(route).copied().unwrap_or(f64::INFINITY)
                }
                _ => e.weight().minutes,
            });
        found.get(&to).copied().filter(|d| d.is_finite())
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Number of connected components of the travel graph.
    pub fn components(&self) -> usize {
        petgraph::algo::connected_components(&self.graph)
    }

    /// Shortest minutes from `source` to every node within `cutoff` minutes.
    pub fn shortest_from(&self, source: NodeIndex, cutoff: f64) -> ShortestPaths {
        let mut search = dijkstra::Search::new(self.adjacency.node_count());
        search.run(&self.adjacency, source.index() as u32, cutoff)
    }

    /// How many source-target pairs lie within `cutoff` (what [`Network::travel_times`] would
    /// store), counted in bounded memory.
    pub fn pairs_within(&self, sources: &[NodeIndex], targets: &[NodeIndex], cutoff: f64) -> u64 {
        matrix::count(&self.adjacency, sources, targets, cutoff)
    }

    /// [`Network::travel_times`] under the memory cap ([`crate::limits::matrix_cap_bytes`]):
    /// where even a full matrix would fit it is built at once; otherwise its pairs are counted
    /// first (bounded memory) and a matrix above the cap is refused with its size.
    pub fn try_travel_times(
        &self,
        sources: &[NodeIndex],
        targets: &[NodeIndex],
        cutoff: f64,
    ) -> crate::Result<TravelTimes> {
        let cap = crate::limits::matrix_cap_bytes()?;
        let dense = (sources.len() as u64).saturating_mul(targets.len() as u64);
        if matrix::bytes_for(sources.len(), dense) > cap {
            let pairs = self.pairs_within(sources, targets, cutoff);
            let need = matrix::bytes_for(sources.len(), pairs);
            if need > cap {
                return Err(crate::Error::Usage(format!(
                    "the travel-time matrix ({} sources x {} targets, {pairs} pairs within {cutoff} \
                     min) would need about {:.1} GB, above the cap of {:.1} GB; lower the \
                     cutoff (the standards and assign_minutes of the scenario, or --cutoff) or \
                     raise the cap with {}=GB",
                    sources.len(),
                    targets.len(),
                    need as f64 / 1e9,
                    cap as f64 / 1e9,
                    crate::limits::MATRIX_CAP_ENV
                )));
            }
        }
        Ok(self.travel_times(sources, targets, cutoff))
    }

    /// [`Network::travel_times`] where each source's search may end before the cutoff:
    /// `start(i)` gives source `i` a judge that sees each target reached, nearest first, and
    /// answers whether to keep it and search on. Rows hold what the judges kept: a search
    /// that ends when it has what it needs stays small whatever the cutoff (no memory cap).
    pub fn travel_times_until<F, K>(
        &self,
        sources: &[NodeIndex],
        targets: &[NodeIndex],
        cutoff: f64,
        start: F,
    ) -> TravelTimes
    where
        F: Fn(usize) -> K + Sync,
        K: FnMut(u32, f32) -> bool,
    {
        matrix::compute_until(&self.adjacency, sources, targets, cutoff, start)
    }

    /// Sparse travel times from each source to each target within `cutoff` minutes
    /// (inclusive); pairs beyond the cutoff or unreachable are absent.
    pub fn travel_times(
        &self,
        sources: &[NodeIndex],
        targets: &[NodeIndex],
        cutoff: f64,
    ) -> TravelTimes {
        matrix::compute(&self.adjacency, sources, targets, cutoff)
    }
}

/// Whether a leg's minutes can be a shortest-path weight.
fn usable_minutes(m: f64) -> bool {
    m.is_finite() && m >= 0.0
}

/// Index pairs of the road legs among an island's points.
fn island_road_pairs(points: &[Point<f64>], full_mesh_max: usize) -> Vec<(usize, usize)> {
    let n = points.len();
    if n <= full_mesh_max.max(3) {
        let mut pairs = Vec::with_capacity(n * n.saturating_sub(1) / 2);
        for a in 0..n {
            for b in a + 1..n {
                pairs.push((a, b));
            }
        }
        return pairs;
    }
    delaunay_pairs(points)
}

/// Edges of the Delaunay triangulation (in a local km projection); coincident points are
/// joined to the first point at the same place by a zero-length leg.
fn delaunay_pairs(points: &[Point<f64>]) -> Vec<(usize, usize)> {
    use spade::{DelaunayTriangulation, Point2, Triangulation};
    let origin = points[0].0;
    let proj = LocalProjection::around(origin);
    let mut tri: DelaunayTriangulation<Point2<f64>> = DelaunayTriangulation::new();
    // vertex handle index -> first point index at that vertex
    let mut owner: Vec<usize> = Vec::with_capacity(points.len());
    let mut pairs = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let c = proj.to_km(p.0);
        match tri.insert(Point2::new(c.x, c.y)) {
            Ok(handle) => {
                let h = handle.index();
                if h == owner.len() {
                    owner.push(i);
                } else {
                    pairs.push((owner[h], i));
                }
            }
            // Non-finite coordinates cannot reach here (the loader rejects them); keep the
            // point connected to its predecessor rather than dropping it.
            Err(_) => pairs.push((i.saturating_sub(1), i)),
        }
    }
    for e in tri.undirected_edges() {
        let [a, b] = e.vertices();
        pairs.push((owner[a.fix().index()], owner[b.fix().index()]));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delaunay_connects_every_point_including_duplicates() {
        let mut pts = Vec::new();
        for i in 0..30 {
            for j in 0..10 {
                pts.push(Point::new(122.0 + i as f64 * 0.01, 30.0 + j as f64 * 0.013));
            }
        }
        pts.push(pts[17]);
        let pairs = delaunay_pairs(&pts);
        let mut uf = petgraph::unionfind::UnionFind::<usize>::new(pts.len());
        for &(a, b) in &pairs {
            uf.union(a, b);
        }
        assert!((1..pts.len()).all(|i| uf.equiv(0, i)));
        assert!(pairs.len() <= 3 * pts.len());
    }
}
