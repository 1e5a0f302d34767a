//! Priced covering at any size: the coverage services' components (courier points, meal
//! points and their canteens, village clinics) as a prize-collecting set cover with side rows,
//! solved by Lagrangian relaxation ([`super::lagrange`]'s engine) instead of a MILP.
//!
//! The instance: sites `y_j` (cost `c_j`, may be negative, some decided), points `z_a` in
//! `[0, 1]` earning a prize `pi_a`, and rows `lhs <= sum_{j in R} y_j` whose left side is the
//! constant 1 (a point that must be covered, a site a leader must host), a point (it counts as
//! covered only when all its rows hold) or a site (a meal point needs an open canteen).
//! Minimise `constant + sum c_j y_j - sum pi_a z_a`.
//!
//! Relaxing every row with `mu_r >= 0` leaves
//! `L = constant + sum_{r: lhs 1} mu_r + sum_a min(0, sum_{r: lhs a} mu_r - pi_a)
//!      + sum_j min(0, rho_j)`, `rho_j = c_j + sum_{r: lhs j} mu_r - sum_{r: j in R_r} mu_r`,
//! a valid lower bound at every `mu`. Plans: the relaxation's sites repaired (every row with
//! a constant or an open site on its left made to hold by the cheapest site that may open),
//! then an add/drop local search on the exact objective.

use super::Deadline;
use super::lagrange::{CLOSED, Engine, FREE, OPEN, Params, Relaxation};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

/// A move's worth, ordered (ties by the site index that goes with it in the heap).
#[derive(Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The left side of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lhs {
    /// The row must hold: some site of it open.
    One,
    /// Point `a` counts as covered only if the row holds.
    Point(u32),
    /// Site `j` may open only if the row holds.
    Site(u32),
}

/// A priced covering instance (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct Instance {
    /// Per site: cost when open, and `Some(open)` when decided.
    pub cost: Vec<f64>,
    pub state: Vec<Option<bool>>,
    /// Per point: the prize for covering it (points of prize <= 0 are never counted; a point
    /// without rows counts as covered).
    pub prize: Vec<f64>,
    /// Rows `lhs <= sum of y_j` over the listed sites.
    pub rows: Vec<(Lhs, Vec<u32>)>,
    pub constant: f64,
}

/// The best plan found and the proven bound.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub open: Vec<bool>,
    pub objective: f64,
    pub bound: f64,
    /// The bound is within the asked gap of the objective (the search finished).
    pub proven: bool,
}

/// Rows of at most this many sites make their sites neighbours for the local search's swaps
/// (longer ones, such as the sites that reach a meal point's canteens, would make it slow).
const NEAR_ROW: usize = 64;

/// The instance in compressed rows and columns.
struct Compiled {
    m: usize,
    cost: Vec<f64>,
    prize: Vec<f64>,
    lhs: Vec<Lhs>,
    row_start: Vec<usize>,
    row_sites: Vec<u32>,
    /// Rows each site is on the right side of.
    col_start: Vec<usize>,
    col_rows: Vec<u32>,
    /// Rows whose left side is each site / each point.
    site_lhs_start: Vec<usize>,
    site_lhs: Vec<u32>,
    point_start: Vec<usize>,
    point_rows: Vec<u32>,
}

fn csr(n: usize, pairs: impl Iterator<Item = (usize, u32)> + Clone) -> (Vec<usize>, Vec<u32>) {
    let mut start = vec![0usize; n + 1];
    for (k, _) in pairs.clone() {
        start[k + 1] += 1;
    }
    for k in 0..n {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    let mut out = vec![0u32; start[n]];
    for (k, v) in pairs {
        out[fill[k]] = v;
        fill[k] += 1;
    }
    (start, out)
}

/// The largest `g` of which every cost and prize is a whole multiple, when all are whole.
fn granule(inst: &Instance) -> Option<f64> {
    let g = super::whole_gcd(inst.cost.iter().chain(&inst.prize).copied(), 0.0)?;
    Some(g.max(1) as f64)
}

impl Compiled {
    /// The instance with costs and prizes divided by `scale` and without its constant.
    fn new(inst: &Instance, scale: f64) -> Self {
        let m = inst.cost.len();
        let np = inst.prize.len();
        // Rows of points that earn nothing never matter.
        let rows: Vec<&(Lhs, Vec<u32>)> = inst
            .rows
            .iter()
            .filter(|(l, _)| !matches!(l, Lhs::Point(a) if inst.prize[*a as usize] <= 0.0))
            .collect();
        let lhs: Vec<Lhs> = rows.iter().map(|r| r.0).collect();
        let mut row_start = Vec::with_capacity(rows.len() + 1);
        row_start.push(0);
        let mut row_sites = Vec::new();
        for (_, sites) in &rows {
            row_sites.extend_from_slice(sites);
            row_start.push(row_sites.len());
        }
        let entries =
            (0..rows.len()).flat_map(|r| rows[r].1.iter().map(move |&j| (j as usize, r as u32)));
        let (col_start, col_rows) = csr(m, entries);
        let by_site = lhs.iter().enumerate().filter_map(|(r, l)| match l {
            Lhs::Site(j) => Some((*j as usize, r as u32)),
            _ => None,
        });
        let (site_lhs_start, site_lhs) = csr(m, by_site);
        let by_point = lhs.iter().enumerate().filter_map(|(r, l)| match l {
            Lhs::Point(a) => Some((*a as usize, r as u32)),
            _ => None,
        });
        let (point_start, point_rows) = csr(np, by_point);
        Compiled {
            m,
            cost: inst.cost.iter().map(|c| c / scale).collect(),
            prize: inst.prize.iter().map(|p| p / scale).collect(),
            lhs,
            row_start,
            row_sites,
            col_start,
            col_rows,
            site_lhs_start,
            site_lhs,
            point_start,
            point_rows,
        }
    }

    fn rows(&self) -> usize {
        self.lhs.len()
    }

    fn sites_of(&self, r: usize) -> &[u32] {
        &self.row_sites[self.row_start[r]..self.row_start[r + 1]]
    }

    fn rows_of(&self, j: usize) -> &[u32] {
        &self.col_rows[self.col_start[j]..self.col_start[j + 1]]
    }

    fn needs_of(&self, j: usize) -> &[u32] {
        &self.site_lhs[self.site_lhs_start[j]..self.site_lhs_start[j + 1]]
    }

    fn point_rows_of(&self, a: usize) -> &[u32] {
        &self.point_rows[self.point_start[a]..self.point_start[a + 1]]
    }
}

/// A plan under local search: open sites, open sites per row, unheld rows per point.
struct Work<'c> {
    c: &'c Compiled,
    open: Vec<bool>,
    count: Vec<u32>,
    unheld: Vec<u32>,
    /// Scratch: per point, rows a move makes hold; per row, the move that last counted it.
    hits: Vec<u32>,
    row_mark: Vec<u32>,
    point_mark: Vec<u32>,
    stamp: u32,
    /// Sites that may open (see [`Work::mark_possible`]).
    possible: Vec<bool>,
}

impl<'c> Work<'c> {
    fn new(c: &'c Compiled) -> Self {
        let np = c.prize.len();
        let unheld = (0..np).map(|a| c.point_rows_of(a).len() as u32).collect();
        Work {
            c,
            open: vec![false; c.m],
            count: vec![0; c.rows()],
            unheld,
            hits: vec![0; np],
            row_mark: vec![0; c.rows()],
            point_mark: vec![0; np],
            stamp: 0,
            possible: vec![true; c.m],
        }
    }

    fn set(&mut self, j: usize, on: bool) {
        if self.open[j] == on {
            return;
        }
        self.open[j] = on;
        for &r in self.c.rows_of(j) {
            let r = r as usize;
            if on {
                self.count[r] += 1;
                if self.count[r] == 1
                    && let Lhs::Point(a) = self.c.lhs[r]
                {
                    self.unheld[a as usize] -= 1;
                }
            } else {
                self.count[r] -= 1;
                if self.count[r] == 0
                    && let Lhs::Point(a) = self.c.lhs[r]
                {
                    self.unheld[a as usize] += 1;
                }
            }
        }
    }

    fn next_stamp(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.row_mark.fill(0);
            self.point_mark.fill(0);
            self.stamp = 1;
        }
        self.stamp
    }

    /// The cheapest site of row `r` that may open (ties: the lowest index).
    fn cheapest(&self, r: usize) -> Option<usize> {
        self.c
            .sites_of(r)
            .iter()
            .map(|&j| j as usize)
            .filter(|&j| self.possible[j])
            .min_by(|&a, &b| self.c.cost[a].total_cmp(&self.c.cost[b]).then(a.cmp(&b)))
    }

    /// Marks the sites that may open under `state`: not closed, and each of their rows
    /// held by some site that may open itself.
    fn mark_possible(&mut self, state: &[u8]) {
        let c = self.c;
        self.possible = state.iter().map(|&s| s != CLOSED).collect();
        let mut changed = true;
        while changed {
            changed = false;
            for j in 0..c.m {
                if self.possible[j]
                    && c.needs_of(j).iter().any(|&r| {
                        !c.sites_of(r as usize)
                            .iter()
                            .any(|&k| self.possible[k as usize])
                    })
                {
                    self.possible[j] = false;
                    changed = true;
                }
            }
        }
    }

    /// Makes every row with a constant or an open site on its left hold, opening the
    /// cheapest site of each unheld one that may open (which may need rows of its own, all
    /// of which some site that may open holds). False when a row has no such site: then no
    /// plan exists under `state` with the sites open now.
    fn repair(&mut self) -> bool {
        let mut queue: Vec<usize> = (0..self.c.rows())
            .filter(|&r| self.c.lhs[r] == Lhs::One)
            .collect();
        queue.extend(
            (0..self.c.m)
                .filter(|&j| self.open[j])
                .flat_map(|j| self.c.needs_of(j).iter().map(|&r| r as usize)),
        );
        while let Some(r) = queue.pop() {
            if self.count[r] > 0 {
                continue;
            }
            let Some(j) = self.cheapest(r) else {
                return false;
            };
            self.set(j, true);
            queue.extend(self.c.needs_of(j).iter().map(|&r| r as usize));
        }
        true
    }

    /// The change of objective from closing open site `j`, or `None` when a row needs it.
    fn drop_delta(&mut self, j: usize) -> Option<f64> {
        let c = self.c;
        let stamp = self.next_stamp();
        let mut lost = 0.0;
        for &r in c.rows_of(j) {
            let r = r as usize;
            if self.count[r] != 1 {
                continue;
            }
            match c.lhs[r] {
                Lhs::One => return None,
                Lhs::Site(k) if self.open[k as usize] && k as usize != j => return None,
                Lhs::Site(_) => {}
                Lhs::Point(a) => {
                    let a = a as usize;
                    if self.unheld[a] == 0 && self.point_mark[a] != stamp {
                        self.point_mark[a] = stamp;
                        lost += c.prize[a];
                    }
                }
            }
        }
        Some(lost - c.cost[j])
    }

    /// The change of objective from opening the closed sites `add` (together).
    fn add_delta(&mut self, add: &[usize]) -> f64 {
        let c = self.c;
        let stamp = self.next_stamp();
        let mut delta: f64 = add.iter().map(|&j| c.cost[j]).sum();
        for &j in add {
            for &r in c.rows_of(j) {
                let r = r as usize;
                if self.count[r] > 0 || self.row_mark[r] == stamp {
                    continue;
                }
                self.row_mark[r] = stamp;
                if let Lhs::Point(a) = c.lhs[r] {
                    let a = a as usize;
                    if self.point_mark[a] != stamp {
                        self.point_mark[a] = stamp;
                        self.hits[a] = 0;
                    }
                    self.hits[a] += 1;
                    if self.hits[a] == self.unheld[a] {
                        delta -= c.prize[a];
                    }
                }
            }
        }
        delta
    }

    /// Sites that opening `j` needs opened with it (the cheapest site of each of its unheld
    /// rows), or `None` when one has none that may open or needs more itself.
    fn with_needs(&self, j: usize) -> Option<Vec<usize>> {
        if !self.possible[j] {
            return None;
        }
        let mut add = vec![j];
        for &r in self.c.needs_of(j) {
            let r = r as usize;
            let held = self
                .c
                .sites_of(r)
                .iter()
                .any(|&k| add.contains(&(k as usize)));
            if self.count[r] == 0 && !held {
                let k = self.cheapest(r)?;
                if self
                    .c
                    .needs_of(k)
                    .iter()
                    .any(|&q| self.count[q as usize] == 0)
                {
                    return None;
                }
                add.push(k);
            }
        }
        Some(add)
    }

    /// Greedy steps: closes the open sites whose closing pays most first, then opens the
    /// sites whose opening pays most first (lazily: a move's worth only falls as the plan
    /// moves the same way, so a re-costed move still at the top is the best).
    fn greedy(&mut self, state: &[u8]) {
        let free = |j: usize| state[j] == FREE;
        let mut heap: BinaryHeap<(Reverse<Key>, usize)> = BinaryHeap::new();
        for j in 0..self.c.m {
            if !free(j) || !self.open[j] {
                continue;
            }
            if let Some(d) = self.drop_delta(j) {
                heap.push((Reverse(Key(d)), j));
            }
        }
        while let Some((Reverse(Key(old)), j)) = heap.pop() {
            if old >= 0.0 {
                break;
            }
            let Some(d) = self.drop_delta(j) else {
                continue;
            };
            if d <= old + 1e-9 * old.abs() || heap.peek().is_none_or(|t| d <= t.0.0.0) {
                if d < -1e-9 * self.c.cost[j].abs().max(1.0) {
                    self.set(j, false);
                }
            } else {
                heap.push((Reverse(Key(d)), j));
            }
        }
        let mut heap: BinaryHeap<(Reverse<Key>, usize)> = BinaryHeap::new();
        for j in 0..self.c.m {
            if !free(j) || self.open[j] {
                continue;
            }
            if let Some(add) = self.with_needs(j) {
                heap.push((Reverse(Key(self.add_delta(&add))), j));
            }
        }
        while let Some((Reverse(Key(old)), j)) = heap.pop() {
            if old >= 0.0 {
                break;
            }
            if self.open[j] {
                continue;
            }
            let Some(add) = self.with_needs(j) else {
                continue;
            };
            let d = self.add_delta(&add);
            if d <= old + 1e-9 * old.abs() || heap.peek().is_none_or(|t| d <= t.0.0.0) {
                if d < -1e-9 * self.c.cost[j].abs().max(1.0) {
                    for k in add {
                        self.set(k, true);
                    }
                }
            } else {
                heap.push((Reverse(Key(d)), j));
            }
        }
    }

    /// First-improvement add/drop passes until none improves (at most `passes`).
    fn local_search(&mut self, state: &[u8], passes: usize) {
        self.greedy(state);
        let eps = |x: f64| 1e-9 * x.abs().max(1.0);
        for _ in 0..passes {
            let mut moved = false;
            for (j, &s) in state.iter().enumerate() {
                if s != FREE {
                    continue;
                }
                if self.open[j] {
                    if let Some(d) = self.drop_delta(j)
                        && d < -eps(self.c.cost[j])
                    {
                        self.set(j, false);
                        moved = true;
                    }
                } else if let Some(add) = self.with_needs(j) {
                    let d = self.add_delta(&add);
                    if d < -eps(self.c.cost[j]) {
                        for k in add {
                            self.set(k, true);
                        }
                        moved = true;
                    } else if self.swap_in(&add, d, state) {
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Opens `add` (worth `added` alone) and closes the open sites near it that it makes
    /// worth closing; keeps the move when it improves the plan, else undoes it.
    fn swap_in(&mut self, add: &[usize], added: f64, state: &[u8]) -> bool {
        let c = self.c;
        let mut near: Vec<usize> = Vec::new();
        for &k in add {
            for &r in c.rows_of(k) {
                let sites = c.sites_of(r as usize);
                if sites.len() <= NEAR_ROW {
                    near.extend(
                        sites
                            .iter()
                            .map(|&j| j as usize)
                            .filter(|&j| self.open[j] && state[j] == FREE && !add.contains(&j)),
                    );
                }
            }
        }
        near.sort_unstable();
        near.dedup();
        let eps = 1e-9 * added.abs().max(1.0);
        // Even closing every one of them at no loss would not pay for `add`.
        if added - near.iter().map(|&j| c.cost[j].max(0.0)).sum::<f64>() >= -eps {
            return false;
        }
        for &k in add {
            self.set(k, true);
        }
        let mut total = added;
        let mut closed = Vec::new();
        for &j in &near {
            if let Some(d) = self.drop_delta(j)
                && d < -eps
            {
                self.set(j, false);
                total += d;
                closed.push(j);
            }
        }
        if total < -eps {
            return true;
        }
        for j in closed {
            self.set(j, true);
        }
        for &k in add {
            self.set(k, false);
        }
        false
    }

    fn objective(&self) -> f64 {
        let c = self.c;
        let mut v = 0.0;
        for j in 0..c.m {
            if self.open[j] {
                v += c.cost[j];
            }
        }
        for a in 0..c.prize.len() {
            if self.unheld[a] == 0 && c.prize[a] > 0.0 {
                v -= c.prize[a];
            }
        }
        v
    }

    fn feasible(&self) -> bool {
        (0..self.c.rows()).all(|r| {
            self.count[r] > 0
                || match self.c.lhs[r] {
                    Lhs::One => false,
                    Lhs::Site(j) => !self.open[j as usize],
                    Lhs::Point(_) => true,
                }
        })
    }

    fn open_list(&self) -> Vec<usize> {
        (0..self.c.m).filter(|&j| self.open[j]).collect()
    }
}

/// Multipliers a solve leaves for the next solve of a like instance (the same rows, other
/// costs or prizes: a priced component in the next round of its price search), so its ascent
/// starts where the last one ended instead of from the cold heuristic.
#[derive(Debug, Default)]
pub struct Warm(Mutex<Option<Saved>>);

#[derive(Debug)]
struct Saved {
    lhs: Vec<Lhs>,
    /// Each point's prize and each row's multiplier, in the instance's units.
    prize: Vec<f64>,
    mult: Vec<f64>,
}

impl Warm {
    /// Starting multipliers for `c` (in its units, `scale`): the saved ones when they were
    /// left by the same rows, a point's rows scaled as its prize changed.
    fn start(&self, c: &Compiled, scale: f64) -> Option<Vec<f64>> {
        let guard = self.0.lock().ok()?;
        let saved = guard.as_ref().filter(|x| x.lhs == c.lhs)?;
        let mult = c
            .lhs
            .iter()
            .zip(&saved.mult)
            .map(|(l, &m)| match *l {
                Lhs::Point(a) => {
                    let (old, new) = (saved.prize[a as usize], c.prize[a as usize] * scale);
                    if old > 0.0 { m * new / old } else { m }
                }
                Lhs::One | Lhs::Site(_) => m,
            })
            .map(|m| m / scale)
            .collect();
        Some(mult)
    }

    fn save(&self, c: &Compiled, scale: f64, mult: &[f64]) {
        if let Ok(mut guard) = self.0.lock() {
            *guard = Some(Saved {
                lhs: c.lhs.clone(),
                prize: c.prize.iter().map(|p| p * scale).collect(),
                mult: mult.iter().map(|m| m * scale).collect(),
            });
        }
    }
}

/// The relaxation the engine drives.
#[derive(Clone)]
struct Rel {
    c: Arc<Compiled>,
    /// Starting multipliers handed in ([`Warm`]); else [`Relaxation::initial`]'s heuristic.
    warm: Option<Vec<f64>>,
    /// The instance's decided sites (every plan honours them).
    fixed: Arc<Vec<u8>>,
    /// Per point: the multipliers on its rows (scratch) and whether the relaxation covers it.
    point_mu: Vec<f64>,
    z: Vec<bool>,
    integral: bool,
}

impl Rel {
    fn plan(&self, open: &[usize], state: &[u8], passes: usize) -> Option<(Vec<usize>, f64)> {
        let mut w = Work::new(&self.c);
        w.mark_possible(state);
        for &j in open {
            if w.possible[j] {
                w.set(j, true);
            }
        }
        for (j, &s) in state.iter().enumerate() {
            if s == OPEN {
                w.set(j, true);
            }
        }
        if !w.repair() {
            return None;
        }
        w.local_search(state, passes);
        Some((w.open_list(), w.objective()))
    }
}

impl Relaxation for Rel {
    fn sites(&self) -> usize {
        self.c.m
    }

    fn p(&self) -> Option<usize> {
        None
    }

    fn values(&mut self, mult: &[f64], rho: &mut [f64]) -> f64 {
        let c = &*self.c;
        rho.copy_from_slice(&c.cost);
        self.point_mu.fill(0.0);
        let mut constant = 0.0;
        for (r, &mu) in mult.iter().enumerate() {
            if mu == 0.0 {
                continue;
            }
            for &j in c.sites_of(r) {
                rho[j as usize] -= mu;
            }
            match c.lhs[r] {
                Lhs::One => constant += mu,
                Lhs::Site(j) => rho[j as usize] += mu,
                Lhs::Point(a) => self.point_mu[a as usize] += mu,
            }
        }
        for (a, (&mu, &pi)) in self.point_mu.iter().zip(&c.prize).enumerate() {
            let v = mu - pi;
            self.z[a] = pi > 0.0 && v < 0.0;
            if self.z[a] {
                constant += v;
            }
        }
        constant
    }

    fn subgradient(&mut self, mult: &[f64], open: &[bool], g: &mut [f64]) -> f64 {
        let c = &*self.c;
        let mut norm = 0.0;
        for r in 0..c.rows() {
            let have = c.sites_of(r).iter().filter(|&&j| open[j as usize]).count() as f64;
            let left = match c.lhs[r] {
                Lhs::One => 1.0,
                Lhs::Point(a) => f64::from(u8::from(self.z[a as usize])),
                Lhs::Site(j) => f64::from(u8::from(open[j as usize])),
            };
            let mut gr = left - have;
            if mult[r] <= 0.0 && gr < 0.0 {
                gr = 0.0;
            }
            g[r] = gr;
            norm += gr * gr;
        }
        norm
    }

    fn step(&self, mult: &mut [f64], g: &[f64], t: f64) {
        for (m, &gr) in mult.iter_mut().zip(g) {
            *m = (*m + t * gr).max(0.0);
        }
    }

    fn initial(&self, _open: &[usize]) -> Vec<f64> {
        if let Some(m) = &self.warm {
            return m.clone();
        }
        let c = &*self.c;
        // Each site's cost spread over the rows it may hold.
        let share: Vec<f64> = (0..c.m)
            .map(|j| c.cost[j].max(0.0) / c.rows_of(j).len().max(1) as f64)
            .collect();
        (0..c.rows())
            .map(|r| {
                let cheapest = c
                    .sites_of(r)
                    .iter()
                    .map(|&j| share[j as usize])
                    .fold(f64::INFINITY, f64::min);
                match c.lhs[r] {
                    Lhs::One => cheapest.min(1e15),
                    Lhs::Point(a) => {
                        let a = a as usize;
                        cheapest.min(c.prize[a] / c.point_rows_of(a).len().max(1) as f64)
                    }
                    Lhs::Site(_) => 0.0,
                }
            })
            .map(|v| if v.is_finite() { v } else { 0.0 })
            .collect()
    }

    fn cost(&mut self, open: &[usize]) -> Option<f64> {
        let mut w = Work::new(&self.c);
        for &j in open {
            if self.fixed[j] == CLOSED {
                return None;
            }
            w.set(j, true);
        }
        if (0..self.c.m).any(|j| self.fixed[j] == OPEN && !w.open[j]) || !w.feasible() {
            return None;
        }
        Some(w.objective())
    }

    fn improve(&mut self, open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.plan(&open, state, 20)
    }

    fn integral(&self) -> bool {
        self.integral
    }

    fn fork(&self) -> Option<Self> {
        Some(self.clone())
    }
}

/// Solves `inst` until the bound is within the relative `gap` of the plan (0: exactly), or
/// the deadline. `None` when no plan exists (a row that must hold has no site that may open).
///
/// Searched exactly (gap 0) with whole costs and prizes, the instance is solved in units of
/// their greatest common divisor, so that a bound within one unit of the plan proves it
/// (equal-cost covers are common, and a subgradient ascent only nears the LP bound).
pub fn solve(inst: &Instance, deadline: &Deadline, gap: f64) -> Option<Outcome> {
    solve_warm(inst, deadline, gap, None)
}

/// [`solve`], its ascent started from `warm`'s multipliers where they fit the instance, and
/// the root's multipliers left there.
pub fn solve_warm(
    inst: &Instance,
    deadline: &Deadline,
    gap: f64,
    warm: Option<&Warm>,
) -> Option<Outcome> {
    let g = granule(inst).filter(|_| gap == 0.0);
    let scale = g.unwrap_or(1.0);
    let c = Arc::new(Compiled::new(inst, scale));
    // Relative gaps are judged with the constant in; bounds and plans are found without.
    let value = |x: f64| inst.constant + scale * x;
    let state: Vec<u8> = inst
        .state
        .iter()
        .map(|s| match s {
            Some(true) => OPEN,
            Some(false) => CLOSED,
            None => FREE,
        })
        .collect();
    let mut rel = Rel {
        warm: warm.and_then(|w| w.start(&c, scale)),
        point_mu: vec![0.0; c.prize.len()],
        z: vec![false; c.prize.len()],
        integral: g.is_some(),
        fixed: Arc::new(state.clone()),
        c: Arc::clone(&c),
    };
    let start = rel.plan(&[], &state, 20)?;
    let params = Params {
        heuristic_backoff: 4,
        // The engine's tolerance is relative to the objective without the constant.
        tolerance: gap.max(1e-9) * value(start.1).abs().max(1.0) / start.1.abs().max(1.0),
        ..Params::default()
    };
    let ub = start.1;
    let out = Engine::new(
        &mut rel,
        params,
        deadline,
        Some(start),
        ub,
        f64::NEG_INFINITY,
    )
    .run(state);
    if let (Some(w), Some(mult)) = (warm, &out.root_mult) {
        w.save(&c, scale, mult);
    }
    let mut open = vec![false; c.m];
    for j in out.open? {
        open[j] = true;
    }
    Some(Outcome {
        objective: value(out.objective),
        open,
        bound: value(out.bound.min(out.objective)),
        proven: out.proven,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The optimum by enumerating every open set, read straight from the rows' definition
    /// (no code shared with the solver); `None` when no set satisfies them.
    fn brute_force(inst: &Instance) -> Option<f64> {
        let m = inst.cost.len();
        let mut best: Option<f64> = None;
        'sets: for mask in 0u32..(1 << m) {
            let open = |j: u32| mask >> j & 1 == 1;
            for (j, s) in inst.state.iter().enumerate() {
                if s.is_some_and(|o| o != open(j as u32)) {
                    continue 'sets;
                }
            }
            let holds = |sites: &Vec<u32>| sites.iter().any(|&j| open(j));
            let mut covered = vec![true; inst.prize.len()];
            for (lhs, sites) in &inst.rows {
                match *lhs {
                    Lhs::One if !holds(sites) => continue 'sets,
                    Lhs::Site(j) if open(j) && !holds(sites) => continue 'sets,
                    Lhs::Point(a) if !holds(sites) => covered[a as usize] = false,
                    _ => {}
                }
            }
            let mut v = inst.constant;
            for (j, c) in inst.cost.iter().enumerate() {
                if open(j as u32) {
                    v += c;
                }
            }
            for (a, &p) in inst.prize.iter().enumerate() {
                if covered[a] && p > 0.0 {
                    v -= p;
                }
            }
            best = Some(best.map_or(v, |b: f64| b.min(v)));
        }
        best
    }

    fn instance() -> impl Strategy<Value = Instance> {
        (1usize..10, 1usize..10).prop_flat_map(|(m, np)| {
            let sites = prop::collection::vec((-20i32..80, 0u8..12), m);
            let prizes = prop::collection::vec(-5i32..60, np);
            let row = (
                0u8..10,
                0..np as u32,
                0..m as u32,
                prop::collection::btree_set(0..m as u32, 0..=m.min(4)),
            );
            let rows = prop::collection::vec(row, 0..2 * np + 3);
            (sites, prizes, rows, -10i32..10).prop_map(|(sites, prizes, rows, k)| Instance {
                cost: sites.iter().map(|s| f64::from(s.0)).collect(),
                state: sites
                    .iter()
                    .map(|s| match s.1 {
                        0 => Some(true),
                        1 => Some(false),
                        _ => None,
                    })
                    .collect(),
                prize: prizes.into_iter().map(f64::from).collect(),
                rows: rows
                    .into_iter()
                    .map(|(kind, a, j, sites)| {
                        let lhs = match kind {
                            0 => Lhs::One,
                            1 | 2 => Lhs::Site(j),
                            _ => Lhs::Point(a),
                        };
                        (lhs, sites.into_iter().collect())
                    })
                    .collect(),
                constant: f64::from(k),
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Without a limit and at gap 0 the plan is the brute-force optimum, its objective is
        /// its own (re-evaluated by the brute force's rules), the bound equals it, and the
        /// search finds a plan exactly when one exists.
        #[test]
        fn the_search_proves_the_brute_force_optimum(inst in instance()) {
            let optimum = brute_force(&inst);
            match (solve(&inst, &Deadline::none(), 0.0), optimum) {
                (None, None) => {}
                (Some(out), Some(opt)) => {
                    let tol = 1e-6 * (1.0 + opt.abs());
                    let mut only = inst.clone();
                    only.state = out.open.iter().map(|&o| Some(o)).collect();
                    let again = brute_force(&only);
                    prop_assert!(again.is_some_and(|v| (v - out.objective).abs() <= tol),
                        "plan claims {} but is worth {:?}", out.objective, again);
                    prop_assert!((out.objective - opt).abs() <= tol, "plan {} optimum {}", out.objective, opt);
                    prop_assert!(out.bound <= opt + tol && out.bound >= opt - tol, "bound {} optimum {}", out.bound, opt);
                    prop_assert!(out.proven);
                }
                (found, opt) => prop_assert!(false, "search {:?} vs brute force {:?}", found.map(|o| o.objective), opt),
            }
        }

        /// Solved again from the multipliers of the same rows at other prizes (a price search's
        /// next round), the search still proves the brute-force optimum, and a bound cut short
        /// from them still stays below it.
        #[test]
        fn a_warm_start_from_other_prizes_proves_the_same_optimum(
            inst in instance(), factor in 0.2f64..5.0, seed in 0usize..7,
        ) {
            let warm = Warm::default();
            let first = solve_warm(&inst, &Deadline::none(), 0.0, Some(&warm));
            let mut next = inst.clone();
            for (a, p) in next.prize.iter_mut().enumerate() {
                // Whole prizes, some scaled and some not, so the saved multipliers are off.
                *p = if (a + seed) % 3 == 0 { *p } else { (*p * factor).round() };
            }
            let left = warm.start(&Compiled::new(&next, 1.0), 1.0);
            // Multipliers are left where the first search had a plan to start from, and fit
            // only an instance with the same rows.
            prop_assert_eq!(left.is_some(), first.is_some() && Compiled::new(&inst, 1.0).lhs == Compiled::new(&next, 1.0).lhs);
            let optimum = brute_force(&next);
            let again = solve_warm(&next, &Deadline::none(), 0.0, Some(&warm));
            match (again, optimum) {
                (None, None) => {}
                (Some(out), Some(opt)) => {
                    let tol = 1e-6 * (1.0 + opt.abs());
                    prop_assert!((out.objective - opt).abs() <= tol, "plan {} optimum {}", out.objective, opt);
                    prop_assert!((out.bound - opt).abs() <= tol, "bound {} optimum {}", out.bound, opt);
                }
                (found, opt) => prop_assert!(false, "search {:?} vs brute force {:?}", found.map(|o| o.objective), opt),
            }
            if let (Some(out), Some(opt)) = (solve_warm(&next, &Deadline::after(Some(0.0)), 0.0, Some(&warm)), optimum) {
                prop_assert!(out.bound <= opt + 1e-6 * (1.0 + opt.abs()), "bound {} optimum {}", out.bound, opt);
            }
        }

        /// A bound cut short (a one-iteration root, no tree) never exceeds the optimum.
        #[test]
        fn an_early_bound_stays_below_the_optimum(inst in instance()) {
            if let (Some(out), Some(opt)) = (solve(&inst, &Deadline::after(Some(0.0)), 0.0), brute_force(&inst)) {
                prop_assert!(out.bound <= opt + 1e-6 * (1.0 + opt.abs()), "bound {} optimum {}", out.bound, opt);
                prop_assert!(out.objective >= opt - 1e-6 * (1.0 + opt.abs()));
            }
        }
    }
}
