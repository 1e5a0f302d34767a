//! The p-median fast path: Lagrangian relaxation of the assignment constraints (Beasley
//! 1993), greedy plus fast interchange for incumbents (Whitaker 1983, Resende and Werneck
//! 2004), Lagrangian site fixing and pair elimination, and branch-and-bound on the sites.
//!
//! Relaxing `sum_j x_ij = 1` with multipliers `lambda_i` leaves
//! `L = sum_i lambda_i + sum of the p smallest rho_j`, `rho_j = sum_i min(0, c_ij - lambda_i)`.
//! Each demand point's costs are sorted once, so `rho` only visits the pairs cheaper than
//! `lambda_i`: near the optimum that is a few sites per point, not all of them.

use super::lagrange::{CLOSED, OPEN, Relaxation};
use rayon::prelude::*;
use std::sync::Arc;

/// Demand rows per parallel block (fixed, so results do not depend on the thread count).
const BLOCK: usize = 128;
/// Below this many demand points the relaxation runs on one thread (measured: at n = 900 the
/// thread hand-offs cost more than the second core gives).
const PARALLEL_MIN: usize = 1500;

/// Rows of (cost, site) pairs in increasing cost, packed, and the same pairs by site.
#[derive(Default)]
struct Rows {
    start: Vec<usize>,
    cost: Vec<f64>,
    site: Vec<u32>,
    col_start: Vec<usize>,
    col_dem: Vec<u32>,
    col_cost: Vec<f64>,
    /// Position of each column entry in its row.
    col_pos: Vec<u32>,
}

impl Rows {
    /// Fills the columns from the rows.
    fn with_columns(mut self, m: usize) -> Self {
        let mut fill = vec![0usize; m + 1];
        for &j in &self.site {
            fill[j as usize + 1] += 1;
        }
        for j in 0..m {
            fill[j + 1] += fill[j];
        }
        self.col_start.clone_from(&fill);
        self.col_dem = vec![0; self.site.len()];
        self.col_cost = vec![0.0; self.site.len()];
        self.col_pos = vec![0; self.site.len()];
        for i in 0..self.start.len() - 1 {
            for k in self.start[i]..self.start[i + 1] {
                let j = self.site[k] as usize;
                self.col_dem[fill[j]] = i as u32;
                self.col_cost[fill[j]] = self.cost[k];
                self.col_pos[fill[j]] = (k - self.start[i]) as u32;
                fill[j] += 1;
            }
        }
        self
    }
}

/// Sorted cost rows of the served demand points, plus columns for the local search.
///
/// The matrix is shared (`Arc`): a [`Relaxation::fork`] for the branch-and-bound's second
/// worker copies only the scratch.
#[derive(Clone)]
pub(crate) struct PMedianData {
    m: usize,
    p: usize,
    /// Every pair of the matrix (column positions honour the rows' truncation by `len`).
    full: Arc<Rows>,
    /// Pairs kept in the relaxation (a prefix of each sorted row, shrunk by `reduce`).
    len: Vec<usize>,
    /// Once the root has fixed sites: the relaxation's rows without the pairs `reduce`
    /// dropped (too dear, or to a site closed for the whole search), so the tree's many
    /// ascents visit only pairs that can matter. `None`: the sorted rows' `len` prefixes.
    compact: Option<Arc<Rows>>,
    integral: bool,
    /// Pairs the last `values` pass visited: the row-wise subgradient costs as much.
    last_work: usize,
    /// Each row's prefix cheaper than its multiplier at the last `values` pass.
    cheap: Vec<u32>,
    // scratch
    flags: Vec<bool>,
    nearest: Vec<f64>,
    block_rho: Vec<Vec<f64>>,
}

impl PMedianData {
    /// `rows[i]` lists `(site, cost)` of demand point `i` (any order).
    pub fn new(mut rows: Vec<Vec<(u32, f64)>>, m: usize, p: usize) -> Self {
        rows.par_iter_mut()
            .for_each(|row| row.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0))));
        let mut full = Rows::default();
        full.start.reserve(rows.len() + 1);
        full.start.push(0);
        let nnz: usize = rows.iter().map(Vec::len).sum();
        full.cost.reserve(nnz);
        full.site.reserve(nnz);
        let mut integral = true;
        for row in rows {
            for (j, c) in row {
                integral &= c.fract() == 0.0 && c.abs() < 1e15;
                full.cost.push(c);
                full.site.push(j);
            }
            full.start.push(full.cost.len());
        }
        let full = full.with_columns(m);
        let n = full.start.len() - 1;
        let len = (0..n).map(|i| full.start[i + 1] - full.start[i]).collect();
        PMedianData {
            m,
            p,
            full: Arc::new(full),
            len,
            compact: None,
            integral,
            last_work: usize::MAX,
            cheap: vec![0; n],
            flags: vec![false; m],
            nearest: Vec::new(),
            block_rho: Vec::new(),
        }
    }

    fn n(&self) -> usize {
        self.full.start.len() - 1
    }

    /// Row `i` of the relaxation: its (cost, site) pairs in increasing cost.
    #[inline(always)]
    fn relaxed_row(&self, i: usize) -> (&[f64], &[u32]) {
        match &self.compact {
            Some(r) => {
                let (a, b) = (r.start[i], r.start[i + 1]);
                (&r.cost[a..b], &r.site[a..b])
            }
            None => {
                let (a, b) = (self.full.start[i], self.full.start[i] + self.len[i]);
                (&self.full.cost[a..b], &self.full.site[a..b])
            }
        }
    }

    /// Adds rows `rows` into `rho` and leaves in `cheap` the length of each row's prefix
    /// cheaper than its multiplier; returns the sum of their multipliers.
    fn values_rows(
        &self,
        rows: std::ops::Range<usize>,
        mult: &[f64],
        rho: &mut [f64],
        cheap: &mut [u32],
    ) -> (f64, usize) {
        let mut constant = 0.0;
        let mut work = 0;
        for (i, k) in rows.zip(cheap) {
            let lam = mult[i];
            constant += lam;
            let (costs, sites) = self.relaxed_row(i);
            // Slices zipped: one bounds check per row, not two per pair.
            let mut visited = 0;
            for (&c, &j) in costs.iter().zip(sites) {
                if c >= lam {
                    break;
                }
                rho[j as usize] += c - lam;
                visited += 1;
            }
            *k = visited as u32;
            work += visited;
        }
        (constant, work)
    }

    /// Subgradient of rows `first..first + g.len()` (their cheap prefixes as the last
    /// `values` left them); returns their squared norm.
    fn subgradient_rows(&self, first: usize, open: &[bool], g: &mut [f64]) -> f64 {
        let mut norm = 0.0;
        for (off, gi) in g.iter_mut().enumerate() {
            let i = first + off;
            let (_, sites) = self.relaxed_row(i);
            let cnt = sites[..self.cheap[i] as usize]
                .iter()
                .filter(|&&j| open[j as usize])
                .count();
            *gi = 1.0 - cnt as f64;
            norm += *gi * *gi;
        }
        norm
    }

    /// Greedy construction from the fixed-open sites (largest saving first, lazily
    /// re-evaluated), then fast interchange.
    pub fn greedy(&mut self, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.greedy_from(Vec::new(), state)
    }

    /// Greedy completion of `open` (plus the fixed-open sites) to p sites, then interchange.
    fn greedy_from(&mut self, mut open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        let n = self.n();
        let m = self.m;
        open.extend((0..m).filter(|&j| state[j] == OPEN));
        open.sort_unstable();
        open.dedup();
        open.retain(|&j| state[j] != CLOSED);
        open.truncate(self.p);
        let mut is_open = vec![false; m];
        let mut best = vec![f64::INFINITY; n];
        for &j in &open {
            is_open[j] = true;
        }
        for (i, b) in best.iter_mut().enumerate() {
            for k in self.full.start[i]..self.full.start[i + 1] {
                if is_open[self.full.site[k] as usize] {
                    *b = self.full.cost[k];
                    break;
                }
            }
        }
        // Gain of opening u: (newly served points, saving minus new costs).
        let gain = |u: usize, best: &[f64]| -> (usize, f64) {
            let mut served = 0;
            let mut g = 0.0;
            for k in self.full.col_start[u]..self.full.col_start[u + 1] {
                let i = self.full.col_dem[k] as usize;
                let c = self.full.col_cost[k];
                if best[i].is_infinite() {
                    served += 1;
                    g -= c;
                } else if c < best[i] {
                    g += best[i] - c;
                }
            }
            (served, g)
        };
        let better = |a: (usize, f64), b: (usize, f64)| a.0 > b.0 || (a.0 == b.0 && a.1 > b.1);
        let mut cand: Vec<(usize, (usize, f64))> = (0..m)
            .filter(|&j| state[j] != CLOSED && !is_open[j])
            .map(|j| (j, gain(j, &best)))
            .collect();
        while open.len() < self.p && !cand.is_empty() {
            // Lazy greedy: re-evaluate the best stale candidate until it stays on top.
            loop {
                let (top, _) = cand
                    .iter()
                    .enumerate()
                    .fold((0, cand[0].1), |(bi, bg), (k, c)| {
                        if better(c.1, bg) { (k, c.1) } else { (bi, bg) }
                    });
                let fresh = gain(cand[top].0, &best);
                let stale = cand[top].1;
                cand[top].1 = fresh;
                if fresh == stale
                    || cand
                        .iter()
                        .enumerate()
                        .all(|(k, c)| k == top || !better(c.1, fresh))
                {
                    let u = cand.swap_remove(top).0;
                    open.push(u);
                    is_open[u] = true;
                    for k in self.full.col_start[u]..self.full.col_start[u + 1] {
                        let i = self.full.col_dem[k] as usize;
                        best[i] = best[i].min(self.full.col_cost[k]);
                    }
                    break;
                }
            }
        }
        if open.len() < self.p {
            return None;
        }
        self.improve(open, state)
    }

    /// Cost of an open set from its sites' columns (nearest open site of each point).
    fn cost_by_columns(&mut self, open: &[usize]) -> Option<f64> {
        let mut best = std::mem::take(&mut self.nearest);
        best.clear();
        best.resize(self.n(), f64::INFINITY);
        for &j in open {
            let col = self.full.col_start[j]..self.full.col_start[j + 1];
            for (&i, &c) in self.full.col_dem[col.clone()]
                .iter()
                .zip(&self.full.col_cost[col])
            {
                let b = &mut best[i as usize];
                if c < *b {
                    *b = c;
                }
            }
        }
        let sum = best.iter().sum::<f64>();
        self.nearest = best;
        sum.is_finite().then_some(sum)
    }

    /// Cost of an open set over the full rows (nearest open site of each point).
    fn full_cost(&self, is_open: &[bool]) -> Option<f64> {
        let mut sum = 0.0;
        for i in 0..self.n() {
            let mut found = false;
            for k in self.full.start[i]..self.full.start[i + 1] {
                if is_open[self.full.site[k] as usize] {
                    sum += self.full.cost[k];
                    found = true;
                    break;
                }
            }
            if !found {
                return None;
            }
        }
        Some(sum)
    }
}

impl Relaxation for PMedianData {
    fn sites(&self) -> usize {
        self.m
    }

    fn p(&self) -> Option<usize> {
        Some(self.p)
    }

    fn values(&mut self, mult: &[f64], rho: &mut [f64]) -> f64 {
        let n = self.n();
        if n < PARALLEL_MIN {
            rho.fill(0.0);
            let mut cheap = std::mem::take(&mut self.cheap);
            let (constant, work) = self.values_rows(0..n, mult, rho, &mut cheap);
            self.cheap = cheap;
            self.last_work = work;
            return constant;
        }
        // Fixed-size row blocks, each into its own buffer, summed in block order: the same
        // floating-point result at any thread count.
        let mut bufs = std::mem::take(&mut self.block_rho);
        let blocks = n.div_ceil(BLOCK);
        bufs.resize_with(blocks, || vec![0.0; self.m]);
        let mut cheap = std::mem::take(&mut self.cheap);
        let this = &*self;
        let parts: Vec<(f64, usize)> = bufs
            .par_iter_mut()
            .zip(cheap.par_chunks_mut(BLOCK))
            .enumerate()
            .map(|(b, (buf, k))| {
                buf.fill(0.0);
                this.values_rows(b * BLOCK..((b + 1) * BLOCK).min(n), mult, buf, k)
            })
            .collect();
        self.cheap = cheap;
        rho.fill(0.0);
        for buf in &bufs {
            for (r, v) in rho.iter_mut().zip(buf) {
                *r += v;
            }
        }
        self.block_rho = bufs;
        self.last_work = parts.iter().map(|p| p.1).sum();
        parts.iter().map(|p| p.0).sum()
    }

    fn subgradient(&mut self, mult: &[f64], open: &[bool], g: &mut [f64]) -> f64 {
        let n = self.n();
        // With few open sites their columns are shorter than the rows' cheap prefixes. The
        // counts are small integers, so both ways give bit-identical results.
        let open_sites: Vec<usize> = (0..self.m).filter(|&j| open[j]).collect();
        // The relaxation's own columns once the root has compacted it (every pair in them
        // counts when cheap enough), else the matrix's, honouring the rows' truncation.
        let cols: &Rows = self.compact.as_deref().unwrap_or(&self.full);
        let col_work: usize = open_sites
            .iter()
            .map(|&j| cols.col_start[j + 1] - cols.col_start[j])
            .sum();
        if col_work < self.last_work {
            g.fill(1.0);
            // Branch-free: whether a pair is cheap enough is a coin toss to the predictor.
            for &j in &open_sites {
                let col = cols.col_start[j]..cols.col_start[j + 1];
                let pairs = cols.col_dem[col.clone()]
                    .iter()
                    .zip(&cols.col_cost[col.clone()]);
                if self.compact.is_some() {
                    for (&i, &c) in pairs {
                        let i = i as usize;
                        g[i] -= f64::from(u8::from(c < mult[i]));
                    }
                } else {
                    for ((&i, &c), &pos) in pairs.zip(&cols.col_pos[col]) {
                        let i = i as usize;
                        let kept = (pos as usize) < self.len[i];
                        g[i] -= f64::from(u8::from((c < mult[i]) & kept));
                    }
                }
            }
            return g.iter().map(|x| x * x).sum();
        }
        if n < PARALLEL_MIN {
            return self.subgradient_rows(0, open, g);
        }
        let this = &*self;
        let norms: Vec<f64> = g
            .par_chunks_mut(BLOCK)
            .enumerate()
            .map(|(b, gb)| this.subgradient_rows(b * BLOCK, open, gb))
            .collect();
        norms.iter().sum()
    }

    fn step(&self, mult: &mut [f64], g: &[f64], t: f64) {
        for i in 0..mult.len() {
            mult[i] += t * g[i];
            // Below the cheapest pair a multiplier only loosens the bound.
            let lo = self.full.cost[self.full.start[i]];
            if mult[i] < lo {
                mult[i] = lo;
            }
        }
    }

    fn initial(&self, open: &[usize]) -> Vec<f64> {
        let mut is_open = vec![false; self.m];
        for &j in open {
            is_open[j] = true;
        }
        (0..self.n())
            .map(|i| {
                let row = self.full.start[i]..self.full.start[i + 1];
                let near = row
                    .clone()
                    .find(|&k| is_open[self.full.site[k] as usize])
                    .map(|k| self.full.cost[k]);
                // Nearest incumbent site, else the second-nearest site.
                near.unwrap_or_else(|| self.full.cost[(self.full.start[i] + 1).min(row.end - 1)])
            })
            .collect()
    }

    fn cost(&mut self, open: &[usize]) -> Option<f64> {
        // A row is read up to its first open site, about m / |open| pairs: with few open
        // sites their columns are shorter. Both give each point's least cost, summed in
        // point order, so the same value bit for bit.
        if open.len() * (open.len() + 1) < self.m {
            return self.cost_by_columns(open);
        }
        let mut flags = std::mem::take(&mut self.flags);
        for &j in open {
            flags[j] = true;
        }
        let c = self.full_cost(&flags);
        for &j in open {
            flags[j] = false;
        }
        self.flags = flags;
        c
    }

    fn improve(&mut self, open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        fast_interchange(self, open, state)
    }

    fn complete(&mut self, partial: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.greedy_from(partial, state)
    }

    fn integral(&self) -> bool {
        self.integral
    }

    fn reduce(&mut self, mult: &[f64], lb: f64, cutoff: f64, state: &[u8]) {
        // Any solution using pair (i, k) costs at least lb + c_ik - lambda_i.
        if !cutoff.is_finite() {
            return;
        }
        let slack = cutoff - lb;
        for (i, &lam) in mult.iter().enumerate() {
            let a = self.full.start[i];
            let full = self.full.start[i + 1] - a;
            let keep = self.full.cost[a..a + full].partition_point(|&c| c - lam <= slack);
            self.len[i] = keep.max(1).min(full);
        }
        // The kept pairs to sites still open to choice, copied once (a prefix of each row
        // after the bound's cut, without the sites the root closed).
        let mut rows = Rows::default();
        rows.start.push(0);
        for i in 0..self.n() {
            let (a, b) = (self.full.start[i], self.full.start[i] + self.len[i]);
            for (&c, &j) in self.full.cost[a..b].iter().zip(&self.full.site[a..b]) {
                if state[j as usize] != CLOSED {
                    rows.cost.push(c);
                    rows.site.push(j);
                }
            }
            rows.start.push(rows.cost.len());
        }
        self.compact = Some(Arc::new(rows.with_columns(self.m)));
    }

    fn fork(&self) -> Option<Self> {
        Some(self.clone())
    }
}

/// No site (in [`fast_interchange`]'s nearest-site arrays).
const NONE: u32 = u32::MAX;

/// Demand `i`'s nearest and second-nearest open sites: (minutes to the nearest, to the
/// second, the nearest site or [`NONE`]).
fn nearest_two(d: &PMedianData, i: usize, is_open: &[bool], out: (&mut f64, &mut f64, &mut u32)) {
    let (d1, d2, c1) = out;
    *d1 = f64::INFINITY;
    *d2 = f64::INFINITY;
    *c1 = NONE;
    for k in d.full.start[i]..d.full.start[i + 1] {
        let j = d.full.site[k] as usize;
        if is_open[j] {
            if *c1 == NONE {
                *d1 = d.full.cost[k];
                *c1 = j as u32;
            } else {
                *d2 = d.full.cost[k];
                return;
            }
        }
    }
}

/// The current open set's nearest-site arrays and removal losses, read by the swap scan.
struct SwapView<'a> {
    d: &'a PMedianData,
    state: &'a [u8],
    open: &'a [usize],
    is_open: &'a [bool],
    d1: &'a [f64],
    d2: &'a [f64],
    c1: &'a [u32],
    loss: &'a [f64],
    orphans: &'a [u32],
    tol: f64,
}

/// Per-scan scratch of [`SwapView::best_in`] (left zeroed after each candidate).
struct SwapScratch {
    extra: Vec<f64>,
    fixed_orphans: Vec<u32>,
    mark: Vec<bool>,
    touched: Vec<usize>,
}

impl SwapScratch {
    fn new(m: usize) -> Self {
        SwapScratch {
            extra: vec![0.0; m],
            fixed_orphans: vec![0; m],
            mark: vec![false; m],
            touched: Vec::new(),
        }
    }
}

/// Candidates scanned per parallel block of the swap search (fixed, so the chosen swap does
/// not depend on the thread count).
const SWAP_BLOCK: usize = 64;
/// Below this many matrix pairs the swap scan stays on one thread.
const SWAP_PARALLEL_MIN: usize = 200_000;

impl SwapView<'_> {
    /// The most profitable swap (profit, inserted, removed) inserting a site of `cands`;
    /// the first in candidate order among equals.
    fn best_in(
        &self,
        cands: std::ops::Range<usize>,
        s: &mut SwapScratch,
    ) -> Option<(f64, usize, usize)> {
        let d = self.d;
        let mut best: Option<(f64, usize, usize)> = None;
        for u in cands {
            if self.is_open[u] || self.state[u] == CLOSED {
                continue;
            }
            let mut gain = 0.0;
            for k in d.full.col_start[u]..d.full.col_start[u + 1] {
                let i = d.full.col_dem[k] as usize;
                let du = d.full.col_cost[k];
                let (d1, d2) = (self.d1[i], self.d2[i]);
                let f = self.c1[i] as usize;
                if du < d1 {
                    gain += d1 - du;
                    if d2.is_finite() {
                        s.extra[f] -= d2 - d1;
                    } else {
                        s.fixed_orphans[f] += 1;
                    }
                } else if du < d2 {
                    if d2.is_finite() {
                        s.extra[f] -= d2 - du;
                    } else {
                        s.fixed_orphans[f] += 1;
                        s.extra[f] += du - d1;
                    }
                } else {
                    continue;
                }
                if !s.mark[f] {
                    s.mark[f] = true;
                    s.touched.push(f);
                }
            }
            for &f in self.open {
                if self.state[f] == OPEN || self.orphans[f] > s.fixed_orphans[f] {
                    continue;
                }
                let profit = gain - (self.loss[f] + s.extra[f]);
                if profit > self.tol && best.is_none_or(|(b, _, _)| profit > b) {
                    best = Some((profit, u, f));
                }
            }
            for &f in &s.touched {
                s.extra[f] = 0.0;
                s.fixed_orphans[f] = 0;
                s.mark[f] = false;
            }
            s.touched.clear();
        }
        best
    }

    /// [`Self::best_in`] over every site; large instances in fixed blocks on all threads,
    /// the blocks' bests merged in block order (the same swap as one thread would pick).
    fn best(&self, scratch: &mut SwapScratch) -> Option<(f64, usize, usize)> {
        let m = self.d.m;
        if self.d.full.cost.len() < SWAP_PARALLEL_MIN {
            return self.best_in(0..m, scratch);
        }
        let blocks: Vec<Option<(f64, usize, usize)>> = (0..m.div_ceil(SWAP_BLOCK))
            .into_par_iter()
            .map_init(
                || SwapScratch::new(m),
                |s, b| self.best_in(b * SWAP_BLOCK..((b + 1) * SWAP_BLOCK).min(m), s),
            )
            .collect();
        blocks.into_iter().flatten().fold(None, |acc, x| match acc {
            Some(a) if x.0 <= a.0 => Some(a),
            _ => Some(x),
        })
    }
}

/// Best-improvement swap local search with Whitaker's O(n) evaluation of all removals per
/// inserted site. Fixed-open sites never leave; fixed-closed sites never enter.
fn fast_interchange(
    d: &PMedianData,
    mut open: Vec<usize>,
    state: &[u8],
) -> Option<(Vec<usize>, f64)> {
    let n = d.n();
    let m = d.m;
    let mut is_open = vec![false; m];
    for &j in &open {
        is_open[j] = true;
    }
    let mut d1 = vec![f64::INFINITY; n];
    let mut d2 = vec![f64::INFINITY; n];
    let mut c1 = vec![NONE; n];
    let nearest_two =
        |i: usize, is_open: &[bool], d1: &mut [f64], d2: &mut [f64], c1: &mut [u32]| {
            nearest_two(d, i, is_open, (&mut d1[i], &mut d2[i], &mut c1[i]))
        };
    for i in 0..n {
        nearest_two(i, &is_open, &mut d1, &mut d2, &mut c1);
        if c1[i] == NONE {
            return None;
        }
    }
    let mut loss = vec![0.0; m];
    let mut orphans = vec![0u32; m];
    let mut scratch = SwapScratch::new(m);
    let mut total: f64 = d1.iter().sum();
    loop {
        loss.fill(0.0);
        orphans.fill(0);
        for i in 0..n {
            let f = c1[i] as usize;
            if d2[i].is_finite() {
                loss[f] += d2[i] - d1[i];
            } else {
                orphans[f] += 1;
            }
        }
        let view = SwapView {
            d,
            state,
            open: &open,
            is_open: &is_open,
            d1: &d1,
            d2: &d2,
            c1: &c1,
            loss: &loss,
            orphans: &orphans,
            tol: 1e-10 * total.abs().max(1.0),
        };
        let Some((_, u, f)) = view.best(&mut scratch) else {
            break;
        };
        is_open[f] = false;
        is_open[u] = true;
        if let Some(pos) = open.iter().position(|&x| x == f) {
            open[pos] = u;
        }
        for i in 0..n {
            nearest_two(i, &is_open, &mut d1, &mut d2, &mut c1);
        }
        total = d1.iter().sum();
    }
    open.sort_unstable();
    let c = d.full_cost(&is_open)?;
    Some((open, c))
}

/// Solves an uncapacitated p-median (no budget) with the Lagrangian fast path.
pub(crate) fn solve(
    problem: &crate::model::Problem,
    p: usize,
    params: super::lagrange::Params,
    deadline: &super::Deadline,
    started: std::time::Instant,
    warm: Option<&[usize]>,
) -> crate::Result<crate::model::Solution> {
    use super::lagrange::Engine;
    let inst = &problem.instance;
    let rows: Vec<Vec<(u32, f64)>> = (0..inst.demands())
        .filter(|&i| inst.weights[i] > 0.0)
        .map(|i| {
            let w = inst.weights[i];
            let (cols, mins) = inst.times.row(i);
            cols.iter()
                .zip(mins)
                .map(|(&j, &d)| (j, w * d as f64))
                .collect()
        })
        .collect();
    let state = super::root_state(problem);
    let mut data = PMedianData::new(rows, inst.site_count(), p);
    let start = data.greedy(&state);
    // A caller's plan, completed and improved the same way; the better of the two starts.
    let warm = warm
        .filter(|s| s.len() <= p && s.iter().all(|&j| j < inst.site_count()))
        .and_then(|s| data.greedy_from(s.to_vec(), &state));
    let start = match (start, warm) {
        (Some(a), Some(b)) => Some(if b.1 < a.1 { b } else { a }),
        (a, b) => a.or(b),
    };
    let ub = start.as_ref().map_or(f64::INFINITY, |s| s.1);
    // The local search is dear and, after the first rounds, rarely finds better: back off.
    let params = super::lagrange::Params {
        heuristic_backoff: 4,
        ..params
    };
    let engine = Engine::new(&mut data, params, deadline, start, ub, f64::NEG_INFINITY);
    let out = engine.run(state);
    let Some(open) = out.open else {
        return Err(if out.proven {
            crate::Error::Infeasible(format!(
                "no set of {p} sites reaches every demand point with positive weight"
            ))
        } else {
            crate::Error::Internal("time limit reached before any feasible plan was found".into())
        });
    };
    super::finish(
        problem,
        &open,
        out.bound,
        out.proven,
        "lagrangian-bnb",
        started,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::lagrange::FREE;

    /// Manhattan distance between points `a` and `b` of a `side` x `side` grid.
    fn manhattan(side: usize, a: usize, b: usize) -> f64 {
        ((a % side).abs_diff(b % side) + (a / side).abs_diff(b / side)) as f64
    }

    /// The grid with every point a demand and a site: whole costs with many equal swaps,
    /// and enough pairs for the parallel swap scan.
    fn grid(side: usize, p: usize) -> PMedianData {
        let n = side * side;
        let rows = (0..n)
            .map(|a| (0..n).map(|b| (b as u32, manhattan(side, a, b))).collect())
            .collect();
        PMedianData::new(rows, n, p)
    }

    /// Best-improvement swaps on the grid, each plan costed from the coordinates, in the order
    /// the fast interchange breaks ties (inserted site, then the open list's order).
    fn brute_force_swaps(side: usize, mut open: Vec<usize>) -> Vec<usize> {
        let n = side * side;
        let cost = |open: &[usize]| -> f64 {
            (0..n)
                .map(|a| {
                    open.iter()
                        .map(|&j| manhattan(side, a, j))
                        .fold(f64::INFINITY, f64::min)
                })
                .sum()
        };
        loop {
            let total = cost(&open);
            let mut best: Option<(f64, usize, usize)> = None;
            for u in (0..n).filter(|u| !open.contains(u)) {
                for pos in 0..open.len() {
                    let mut next = open.clone();
                    next[pos] = u;
                    let profit = total - cost(&next);
                    if profit > 0.5 && best.is_none_or(|(b, _, _)| profit > b) {
                        best = Some((profit, u, pos));
                    }
                }
            }
            let Some((_, u, pos)) = best else { break };
            open[pos] = u;
        }
        open.sort_unstable();
        open
    }

    #[test]
    fn the_swap_search_matches_a_brute_force_at_any_thread_count() {
        let side = 22; // 484 points, 234,256 pairs: above SWAP_PARALLEL_MIN
        let mut d = grid(side, 4);
        assert!(d.full.cost.len() >= SWAP_PARALLEL_MIN);
        let state = vec![FREE; d.m];
        let start = vec![0, 1, 2, 3];
        let expected = brute_force_swaps(side, start.clone());
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool");
            let (open, c) = pool
                .install(|| fast_interchange(&d, start.clone(), &state))
                .expect("a plan");
            assert_eq!(open, expected, "{threads} threads");
            assert_eq!(Some(c), d.cost(&open));
        }
    }
}
