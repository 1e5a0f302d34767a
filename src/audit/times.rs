//! Travel times for the audit, by a route that shares no code with the planner's matrix:
//! shortest paths over the network graph searched here, in f64. The graph is undirected, so
//! minutes from a site to a settlement are the settlement's minutes to the site.
//!
//! Three stores, each as large as the checks need and no larger (an archipelago of 100,000
//! settlements has about 50,000 open sites; a dense row per site would take 50 GB):
//! - **near**: searches from sites bounded by the farthest minutes a service's rules look
//!   (its standard, targets, supply); per node, every searched source within its radius.
//! - **pairs**: exact minutes of single pairs the folder names beyond that radius (a pupil
//!   boarding at a school of the community centre), searched per source until every pair is
//!   found.
//! - **centres**: petgraph's own unbounded Dijkstra from the islands a hierarchy check names
//!   as leaders, kept at island centres only.

use crate::layers::DataSet;
use crate::network::Network;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

/// One searched source's finds: (node, minutes).
type Row = Vec<(NodeIndex, f64)>;
/// A pair searched on its own: ((source, node), minutes when reachable).
type Pair = ((NodeIndex, NodeIndex), Option<f64>);

pub(crate) struct Times {
    pub net: Network,
    /// The radius each source was searched to.
    radius: HashMap<NodeIndex, f64>,
    /// Per node (by index): (source, minutes) of every searched source within its radius,
    /// ascending by source.
    near: Vec<Vec<(NodeIndex, f64)>>,
    /// Exact minutes of pairs (source, node) searched one by one ([`Times::ensure_pairs`]).
    pairs: HashMap<(NodeIndex, NodeIndex), Option<f64>>,
    /// Per searched island: minutes from its centre to every island's centre.
    centres: HashMap<usize, Vec<Option<f64>>>,
    /// Services judged by the clock (`[service.clock]`, data with timetables): minutes from
    /// each settlement node to every node ([`super::clock::clock_row`]).
    pub clock: HashMap<String, HashMap<NodeIndex, Vec<f64>>>,
}

impl Times {
    /// Refuses data whose legs are not finite and non-negative (Dijkstra would be wrong).
    pub fn new(ds: &DataSet) -> crate::Result<Self> {
        let net = Network::try_build(ds)?;
        let n = net.graph.node_count();
        Ok(Times {
            net,
            radius: HashMap::new(),
            near: vec![Vec::new(); n],
            pairs: HashMap::new(),
            centres: HashMap::new(),
            clock: HashMap::new(),
        })
    }

    /// Searches from each of `sources` not yet searched to `radius` minutes (in parallel):
    /// afterwards every node knows each of them within `radius` ([`Times::near`]).
    pub fn ensure(&mut self, sources: impl IntoIterator<Item = NodeIndex>, radius: f64) {
        let mut todo: Vec<NodeIndex> = sources
            .into_iter()
            .filter(|s| self.radius.get(s).is_none_or(|&r| r < radius))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        let graph = &self.net.graph;
        let rows: Vec<(NodeIndex, Row)> = todo
            .par_iter()
            .map(|&s| (s, bounded(graph, s, radius, &[], leg_minutes)))
            .collect();
        for (s, row) in rows {
            self.radius.insert(s, radius);
            for (v, d) in row {
                let list = &mut self.near[v.index()];
                match list.binary_search_by_key(&s, |e| e.0) {
                    Ok(k) => list[k].1 = d,
                    Err(k) => list.insert(k, (s, d)),
                }
            }
        }
    }

    /// Exact minutes of each (source, node) pair, whatever the distance: one search per
    /// source, stopped once it has settled every node asked of it.
    pub fn ensure_pairs(&mut self, pairs: impl IntoIterator<Item = (NodeIndex, NodeIndex)>) {
        let mut by_source: BTreeMap<NodeIndex, Vec<NodeIndex>> = BTreeMap::new();
        for (s, v) in pairs {
            if !self.pairs.contains_key(&(s, v)) && self.within_radius(s, v).is_none() {
                by_source.entry(s).or_default().push(v);
            }
        }
        let graph = &self.net.graph;
        let found: Vec<Vec<Pair>> = by_source
            .into_par_iter()
            .map(|(s, mut goals)| {
                goals.sort_unstable();
                goals.dedup();
                let row = bounded(graph, s, f64::INFINITY, &goals, leg_minutes);
                goals
                    .iter()
                    .map(|&v| {
                        let d = row.binary_search_by_key(&v, |e| e.0).ok().map(|k| row[k].1);
                        ((s, v), d)
                    })
                    .collect()
            })
            .collect();
        self.pairs.extend(found.into_iter().flatten());
    }

    /// Minutes from the centre of each island in `islands` to every island's centre
    /// (`centre_nodes`, by island): petgraph's own Dijkstra, unbounded.
    pub fn ensure_centres(
        &mut self,
        islands: impl IntoIterator<Item = usize>,
        centre_nodes: &[Option<NodeIndex>],
    ) {
        let mut todo: Vec<usize> = islands
            .into_iter()
            .filter(|k| !self.centres.contains_key(k) && centre_nodes[*k].is_some())
            .collect();
        todo.sort_unstable();
        todo.dedup();
        let graph = &self.net.graph;
        let rows: Vec<(usize, Vec<Option<f64>>)> = todo
            .par_iter()
            .filter_map(|&k| {
                let found =
                    petgraph::algo::dijkstra(graph, centre_nodes[k]?, None, |e| e.weight().minutes);
                let row = centre_nodes
                    .iter()
                    .map(|c| c.and_then(|c| found.get(&c).copied()))
                    .collect();
                Some((k, row))
            })
            .collect();
        self.centres.extend(rows);
    }

    /// Minutes between the centres of islands `a` and `b`, when one of them was searched
    /// ([`Times::ensure_centres`]); `None` when unreachable.
    pub fn centre_minutes(&self, a: usize, b: usize) -> Option<f64> {
        debug_assert!(
            self.centres.contains_key(&a) || self.centres.contains_key(&b),
            "no search from island {a} or {b}"
        );
        match (self.centres.get(&a), self.centres.get(&b)) {
            (Some(row), _) => row[b],
            (None, Some(row)) => row[a],
            (None, None) => None,
        }
    }

    /// Every searched source within its radius of `node`, with its minutes, ascending by
    /// source.
    pub fn near(&self, node: NodeIndex) -> &[(NodeIndex, f64)] {
        &self.near[node.index()]
    }

    /// Minutes of service `service` from the settlement at `settlement` to the site at `site`:
    /// by the clock for a clock service, else as [`Times::minutes`].
    pub fn service_minutes(
        &self,
        service: &str,
        site: NodeIndex,
        settlement: NodeIndex,
    ) -> Option<f64> {
        match self.clock.get(service) {
            Some(rows) => {
                let d = rows.get(&settlement)?[site.index()];
                d.is_finite().then_some(d)
            }
            None => self.minutes(site, settlement),
        }
    }

    /// Minutes between two nodes as searched: within the radius of a searched end
    /// ([`Times::ensure`]) or a pair searched on its own ([`Times::ensure_pairs`]); `None`
    /// when unreachable or farther than any search from either end looked.
    pub fn minutes(&self, from: NodeIndex, to: NodeIndex) -> Option<f64> {
        debug_assert!(
            self.radius.contains_key(&from)
                || self.radius.contains_key(&to)
                || self.pairs.contains_key(&(from, to))
                || self.pairs.contains_key(&(to, from)),
            "no search from {from:?} or {to:?}"
        );
        self.within_radius(from, to).or_else(|| {
            self.pairs
                .get(&(from, to))
                .or_else(|| self.pairs.get(&(to, from)))
                .copied()
                .flatten()
        })
    }

    fn within_radius(&self, a: NodeIndex, b: NodeIndex) -> Option<f64> {
        let find = |source: NodeIndex, node: NodeIndex| {
            let list = &self.near[node.index()];
            list.binary_search_by_key(&source, |e| e.0)
                .ok()
                .map(|k| list[k].1)
        };
        find(a, b).or_else(|| find(b, a))
    }
}

/// Dijkstra from `source` over the undirected graph, every node settled at most `radius`
/// minutes away; with `goals`, it stops once each goal is settled. Written here rather than
/// taken from petgraph, whose search cannot stop at a distance, and apart from the planner's
/// own.
fn bounded<N, E>(
    graph: &petgraph::graph::UnGraph<N, E>,
    source: NodeIndex,
    radius: f64,
    goals: &[NodeIndex],
    minutes: impl Fn(&E) -> f64,
) -> Row {
    let mut best: HashMap<NodeIndex, f64> = HashMap::new();
    let mut settled: Row = Vec::new();
    let mut heap = BinaryHeap::new();
    let mut left = goals.len();
    best.insert(source, 0.0);
    heap.push(Reverse((Minutes(0.0), source)));
    while let Some(Reverse((Minutes(d), v))) = heap.pop() {
        if d > radius || best.get(&v).is_some_and(|&b| b < d) {
            if d > radius {
                break;
            }
            continue;
        }
        settled.push((v, d));
        if !goals.is_empty() && goals.binary_search(&v).is_ok() {
            left -= 1;
            if left == 0 {
                break;
            }
        }
        for e in graph.edges(v) {
            let w = if e.source() == v {
                e.target()
            } else {
                e.source()
            };
            let next = d + minutes(e.weight());
            if best.get(&w).is_none_or(|&b| next < b) {
                best.insert(w, next);
                heap.push(Reverse((Minutes(next), w)));
            }
        }
    }
    settled.sort_unstable_by_key(|e| e.0);
    settled
}

fn leg_minutes(leg: &crate::network::Leg) -> f64 {
    leg.minutes
}

/// Minutes ordered for the heap (legs are finite and non-negative: [`Times::new`]).
#[derive(Clone, Copy, PartialEq)]
struct Minutes(f64);

impl Eq for Minutes {}

impl PartialOrd for Minutes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Minutes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use petgraph::graph::UnGraph;
    use proptest::prelude::*;

    fn graph(n: usize, edges: &[(usize, usize, f64)]) -> UnGraph<(), f64> {
        let mut g = UnGraph::new_undirected();
        let nodes: Vec<_> = (0..n).map(|_| g.add_node(())).collect();
        for &(a, b, w) in edges {
            g.add_edge(nodes[a % n], nodes[b % n], w);
        }
        g
    }

    proptest! {
        /// Against petgraph's own unbounded Dijkstra: the same nodes within the radius at the
        /// same minutes, and each goal at its minutes however far.
        #[test]
        fn bounded_search_finds_what_petgraphs_dijkstra_finds_within_the_radius(
            n in 1usize..40,
            edges in prop::collection::vec((0usize..40, 0usize..40, 0.0f64..30.0), 0..120),
            radius in 0.0f64..80.0,
            goals in prop::collection::vec(0usize..40, 0..5),
        ) {
            let g = graph(n, &edges);
            let s = NodeIndex::new(0);
            let all = petgraph::algo::dijkstra(&g, s, None, |e| *e.weight());
            let mut want: Vec<(NodeIndex, f64)> =
                all.iter().filter(|e| *e.1 <= radius).map(|(&v, &d)| (v, d)).collect();
            want.sort_unstable_by_key(|e| e.0);
            let got = bounded(&g, s, radius, &[], |w| *w);
            prop_assert_eq!(got.len(), want.len());
            for (a, b) in got.iter().zip(&want) {
                prop_assert_eq!(a.0, b.0);
                prop_assert!((a.1 - b.1).abs() <= 1e-9, "{:?} vs {:?}", a, b);
            }
            let mut goals: Vec<NodeIndex> = goals.iter().map(|&v| NodeIndex::new(v % n)).collect();
            goals.sort_unstable();
            goals.dedup();
            let found = bounded(&g, s, f64::INFINITY, &goals, |w| *w);
            for v in goals {
                let got = found.binary_search_by_key(&v, |e| e.0).ok().map(|k| found[k].1);
                match (got, all.get(&v)) {
                    (Some(a), Some(b)) => prop_assert!((a - b).abs() <= 1e-9),
                    (None, None) => {}
                    (a, b) => prop_assert!(false, "goal {:?}: {:?} vs {:?}", v, a, b),
                }
            }
        }
    }
}
