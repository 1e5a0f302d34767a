//! Bounded Dijkstra over a compact adjacency array.
//!
//! petgraph's `dijkstra` has no cutoff and allocates a HashMap per source; matrices need one
//! search per source, so this keeps a flat CSR copy of the graph and reuses its buffers.

use super::{Leg, Node};
use petgraph::graph::UnGraph;
use petgraph::visit::EdgeRef;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Both directions of every edge, grouped by tail node.
#[derive(Debug, Clone, Default)]
pub(super) struct Adjacency {
    offsets: Vec<u32>,
    heads: Vec<u32>,
    minutes: Vec<f64>,
}

impl Adjacency {
    pub fn from_graph(g: &UnGraph<Node, Leg>) -> Self {
        let n = g.node_count();
        let mut degree = vec![0u32; n + 1];
        for e in g.edge_references() {
            degree[e.source().index()] += 1;
            degree[e.target().index()] += 1;
        }
        let mut offsets = vec![0u32; n + 1];
        for i in 0..n {
            offsets[i + 1] = offsets[i] + degree[i];
        }
        let mut fill = offsets.clone();
        let m = offsets[n] as usize;
        let mut heads = vec![0u32; m];
        let mut minutes = vec![0f64; m];
        for e in g.edge_references() {
            let (a, b, w) = (e.source().index(), e.target().index(), e.weight().minutes);
            for (from, to) in [(a, b), (b, a)] {
                let slot = fill[from] as usize;
                heads[slot] = to as u32;
                minutes[slot] = w;
                fill[from] += 1;
            }
        }
        Adjacency {
            offsets,
            heads,
            minutes,
        }
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
}

/// Reached nodes in the order they were settled, with their minutes.
#[derive(Debug, Clone, Default)]
pub struct ShortestPaths {
    pub reached: Vec<(u32, f64)>,
}

impl ShortestPaths {
    /// Minutes to `node`, if reached within the cutoff.
    pub fn minutes_to(&self, node: petgraph::graph::NodeIndex) -> Option<f64> {
        let n = node.index() as u32;
        self.reached.iter().find(|(v, _)| *v == n).map(|&(_, d)| d)
    }

    /// Dense vector of minutes (infinite where unreached).
    pub fn dense(&self, node_count: usize) -> Vec<f64> {
        let mut d = vec![f64::INFINITY; node_count];
        for &(v, m) in &self.reached {
            d[v as usize] = m;
        }
        d
    }
}

#[derive(Clone, Copy, PartialEq)]
struct Queued {
    minutes: f64,
    node: u32,
}

impl Eq for Queued {}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on minutes; ties broken by node id so the settle order is deterministic.
        other
            .minutes
            .total_cmp(&self.minutes)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Reusable search state: one per thread.
pub(super) struct Search {
    dist: Vec<f64>,
    touched: Vec<u32>,
    heap: BinaryHeap<Queued>,
}

impl Search {
    pub fn new(n: usize) -> Self {
        Search {
            dist: vec![f64::INFINITY; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Settles every node within `cutoff` minutes of `source`, calling `visit` in settle order.
    pub fn for_each_within(
        &mut self,
        adj: &Adjacency,
        source: u32,
        cutoff: f64,
        mut visit: impl FnMut(u32, f64),
    ) {
        self.for_each_until(adj, source, cutoff, |v, d| {
            visit(v, d);
            true
        });
    }

    /// [`Search::for_each_within`] that stops when `visit` returns `false`.
    pub fn for_each_until(
        &mut self,
        adj: &Adjacency,
        source: u32,
        cutoff: f64,
        mut visit: impl FnMut(u32, f64) -> bool,
    ) {
        self.dist[source as usize] = 0.0;
        self.touched.push(source);
        self.heap.push(Queued {
            minutes: 0.0,
            node: source,
        });
        while let Some(Queued { minutes, node }) = self.heap.pop() {
            if minutes > self.dist[node as usize] {
                continue; // stale entry
            }
            if !visit(node, minutes) {
                self.heap.clear();
                break;
            }
            let (lo, hi) = (
                adj.offsets[node as usize] as usize,
                adj.offsets[node as usize + 1] as usize,
            );
            for k in lo..hi {
                let next = adj.heads[k];
                let d = minutes + adj.minutes[k];
                if d <= cutoff && d < self.dist[next as usize] {
                    if self.dist[next as usize].is_infinite() {
                        self.touched.push(next);
                    }
                    self.dist[next as usize] = d;
                    self.heap.push(Queued {
                        minutes: d,
                        node: next,
                    });
                }
            }
        }
        for &v in &self.touched {
            self.dist[v as usize] = f64::INFINITY;
        }
        self.touched.clear();
    }

    pub fn run(&mut self, adj: &Adjacency, source: u32, cutoff: f64) -> ShortestPaths {
        let mut reached = Vec::new();
        self.for_each_within(adj, source, cutoff, |v, d| reached.push((v, d)));
        ShortestPaths { reached }
    }
}
