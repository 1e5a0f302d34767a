//! Sparse source x target travel-time matrix in compressed-row form.
//!
//! Only pairs within the cutoff are stored (target index `u32`, minutes `f32`: 8 bytes a
//! pair), so memory grows with what is reachable, not with n². Rows are computed in parallel,
//! one bounded Dijkstra per source, and assembled in source order: the result does not depend
//! on the thread count.
//!
//! Columns belong to targets, not to graph nodes: any number of targets may share a node (a
//! new village school and a new village clinic at one settlement, co-located candidates), and
//! each gets its own column with the node's minutes.

use super::dijkstra::{Adjacency, Search};
use petgraph::graph::NodeIndex;
use rayon::prelude::*;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TravelTimes {
    row_start: Vec<usize>,
    cols: Vec<u32>,
    minutes: Vec<f32>,
    n_cols: usize,
    cutoff: f64,
}

/// Sources per parallel batch: bounds the temporary per-row buffers.
const BATCH: usize = 2048;

/// The target columns at each graph node, in compressed form: node `v`'s columns are
/// `cols[start[v]..start[v + 1]]`, ascending. Several targets may share one node.
struct ColumnsAt {
    start: Vec<u32>,
    cols: Vec<u32>,
}

impl ColumnsAt {
    fn new(node_count: usize, targets: &[NodeIndex]) -> Self {
        let mut start = vec![0u32; node_count + 1];
        for t in targets {
            start[t.index() + 1] += 1;
        }
        for v in 0..node_count {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut cols = vec![0u32; targets.len()];
        for (c, t) in targets.iter().enumerate() {
            let at = &mut fill[t.index()];
            cols[*at as usize] = c as u32;
            *at += 1;
        }
        ColumnsAt { start, cols }
    }

    fn at(&self, v: usize) -> &[u32] {
        &self.cols[self.start[v] as usize..self.start[v + 1] as usize]
    }
}

pub(super) fn compute(
    adj: &Adjacency,
    sources: &[NodeIndex],
    targets: &[NodeIndex],
    cutoff: f64,
) -> TravelTimes {
    compute_until(adj, sources, targets, cutoff, |_| |_, _| true)
}

/// [`compute`] with each source's search ended early: `start(i)` gives source `i` a judge
/// that sees each target reached, in the order of the search (nearest first), and answers
/// whether to keep it and go on (`false`: the target is left out and the search ends).
pub(super) fn compute_until<F, K>(
    adj: &Adjacency,
    sources: &[NodeIndex],
    targets: &[NodeIndex],
    cutoff: f64,
    start: F,
) -> TravelTimes
where
    F: Fn(usize) -> K + Sync,
    K: FnMut(u32, f32) -> bool,
{
    let n = adj.node_count();
    let columns = ColumnsAt::new(n, targets);
    let mut tt = TravelTimes {
        row_start: Vec::with_capacity(sources.len() + 1),
        cols: Vec::new(),
        minutes: Vec::new(),
        n_cols: targets.len(),
        cutoff,
    };
    tt.row_start.push(0);
    // "Within T" is judged on the stored f32 minutes (what models read), so the search runs a
    // hair past the cutoff and the rounding decides at the boundary.
    let keep_at_most = cutoff as f32;
    let search_cutoff = cutoff * (1.0 + 1e-6) + 1e-6;
    for (b, batch) in sources.chunks(BATCH).enumerate() {
        let rows: Vec<Vec<(u32, f32)>> = batch
            .par_iter()
            .enumerate()
            .map_init(
                || Search::new(n),
                |search, (i, s)| {
                    let mut row = Vec::new();
                    let mut keep = start(b * BATCH + i);
                    search.for_each_until(adj, s.index() as u32, search_cutoff, |v, d| {
                        if d as f32 <= keep_at_most {
                            for &c in columns.at(v as usize) {
                                if !keep(c, d as f32) {
                                    return false;
                                }
                                row.push((c, d as f32));
                            }
                        }
                        true
                    });
                    row.sort_unstable_by_key(|&(c, _)| c);
                    row
                },
            )
            .collect();
        for row in rows {
            tt.cols.extend(row.iter().map(|&(c, _)| c));
            tt.minutes.extend(row.iter().map(|&(_, d)| d));
            tt.row_start.push(tt.cols.len());
        }
    }
    tt.cols.shrink_to_fit();
    tt.minutes.shrink_to_fit();
    tt
}

/// The number of pairs [`compute`] would store, counted without storing any: memory is one
/// search buffer per thread, whatever the cutoff.
pub(super) fn count(
    adj: &Adjacency,
    sources: &[NodeIndex],
    targets: &[NodeIndex],
    cutoff: f64,
) -> u64 {
    let columns = ColumnsAt::new(adj.node_count(), targets);
    let keep_at_most = cutoff as f32;
    let search_cutoff = cutoff * (1.0 + 1e-6) + 1e-6;
    sources
        .par_iter()
        .map_init(
            || Search::new(adj.node_count()),
            |search, s| {
                let mut pairs = 0u64;
                search.for_each_within(adj, s.index() as u32, search_cutoff, |v, d| {
                    if d as f32 <= keep_at_most {
                        pairs += columns.at(v as usize).len() as u64;
                    }
                });
                pairs
            },
        )
        .sum()
}

/// Heap bytes of a matrix of `rows` rows and `pairs` stored pairs.
pub fn bytes_for(rows: usize, pairs: u64) -> u64 {
    (rows as u64 + 1) * std::mem::size_of::<usize>() as u64 + pairs * 8
}

impl TravelTimes {
    /// Builds a matrix from explicit rows of `(column, minutes)`; rows are sorted by column.
    pub fn from_rows(rows: Vec<Vec<(u32, f32)>>, n_cols: usize, cutoff: f64) -> Self {
        let mut tt = TravelTimes {
            row_start: vec![0],
            cols: Vec::new(),
            minutes: Vec::new(),
            n_cols,
            cutoff,
        };
        for mut row in rows {
            row.sort_unstable_by_key(|&(c, _)| c);
            tt.cols.extend(row.iter().map(|&(c, _)| c));
            tt.minutes.extend(row.iter().map(|&(_, d)| d));
            tt.row_start.push(tt.cols.len());
        }
        tt
    }

    pub fn rows(&self) -> usize {
        self.row_start.len() - 1
    }

    pub fn cols(&self) -> usize {
        self.n_cols
    }

    pub fn cutoff(&self) -> f64 {
        self.cutoff
    }

    /// Stored (reachable within cutoff) pairs.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }

    /// Heap bytes held by the matrix.
    pub fn bytes(&self) -> usize {
        self.row_start.capacity() * std::mem::size_of::<usize>()
            + self.cols.capacity() * 4
            + self.minutes.capacity() * 4
    }

    /// The reachable targets of row `i` (sorted) and their minutes.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.row_start[i], self.row_start[i + 1]);
        (&self.cols[a..b], &self.minutes[a..b])
    }

    /// Minutes from source row `i` to target column `j`; `None` when beyond the cutoff.
    pub fn get(&self, i: usize, j: usize) -> Option<f32> {
        let (cols, mins) = self.row(i);
        cols.binary_search(&(j as u32)).ok().map(|k| mins[k])
    }
}
