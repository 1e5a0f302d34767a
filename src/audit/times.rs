//! Travel times for the audit, by a route that shares no code with the planner's matrix:
//! petgraph's own `dijkstra` over the network graph, from each site's node, unbounded, in
//! f64. The graph is undirected, so minutes from a site to a settlement are the settlement's
//! minutes to the site.

use crate::layers::DataSet;
use crate::network::Network;
use petgraph::graph::NodeIndex;
use rayon::prelude::*;
use std::collections::HashMap;

pub(crate) struct Times {
    pub net: Network,
    /// Minutes from a source node to every node (infinite when unreachable).
    from: HashMap<NodeIndex, Vec<f64>>,
    /// Services judged by the clock (`[service.clock]`, data with timetables): minutes from
    /// each settlement node to every node ([`super::clock::clock_row`]).
    pub clock: HashMap<String, HashMap<NodeIndex, Vec<f64>>>,
}

impl Times {
    /// Refuses data whose legs are not finite and non-negative (Dijkstra would be wrong).
    pub fn new(ds: &DataSet) -> crate::Result<Self> {
        Ok(Times {
            net: Network::try_build(ds)?,
            from: HashMap::new(),
            clock: HashMap::new(),
        })
    }

    /// Runs one Dijkstra from each of `sources` not searched yet (in parallel).
    pub fn ensure(&mut self, sources: impl IntoIterator<Item = NodeIndex>) {
        let mut todo: Vec<NodeIndex> = sources
            .into_iter()
            .filter(|s| !self.from.contains_key(s))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        let graph = &self.net.graph;
        let n = graph.node_count();
        let rows: Vec<(NodeIndex, Vec<f64>)> = todo
            .par_iter()
            .map(|&s| {
                let found = petgraph::algo::dijkstra(graph, s, None, |e| e.weight().minutes);
                let mut row = vec![f64::INFINITY; n];
                for (v, d) in found {
                    row[v.index()] = d;
                }
                (s, row)
            })
            .collect();
        self.from.extend(rows);
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

    /// Minutes between two nodes; `None` when unreachable. `from` must have been searched
    /// ([`Times::ensure`]); forgetting to is a bug, caught in debug builds.
    pub fn minutes(&self, from: NodeIndex, to: NodeIndex) -> Option<f64> {
        debug_assert!(self.from.contains_key(&from), "no search from {from:?}");
        let d = self.from.get(&from)?[to.index()];
        d.is_finite().then_some(d)
    }
}
