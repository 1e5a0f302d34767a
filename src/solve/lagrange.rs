//! A Lagrangian branch-and-bound engine shared by the fast paths (p-median, MCLP, LSCP).
//!
//! Every fast path relaxes its assignment or coverage constraints so that what remains is a
//! choice of sites: open the `p` sites with the smallest Lagrangian values `rho_j` (or, without
//! a cardinality, every site with `rho_j < 0`), plus a constant. The bound `constant + sum of
//! chosen rho` is valid at every multiplier vector, so the subgradient ascent can stop
//! anywhere. All problems are in minimisation form here (MCLP minimises minus the coverage).
//!
//! The engine: subgradient ascent with a Polyak step and step halving; a heuristic on the
//! Lagrangian site choice every few iterations; site fixing from the Lagrangian penalties
//! (a site whose forced-open or forced-closed bound exceeds the incumbent is fixed); then a
//! depth-first branch-and-bound on site variables, each node bounded by a warm-started ascent.
//! Optimality is declared only when the bound meets the incumbent: exactly for integer data
//! (objectives differ by at least 1), within a relative `tolerance` otherwise.

use super::Deadline;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) const FREE: u8 = 0;
pub(crate) const OPEN: u8 = 1;
pub(crate) const CLOSED: u8 = 2;

/// A site-selection Lagrangian relaxation of one model.
pub(crate) trait Relaxation: Send {
    fn sites(&self) -> usize;
    /// Exact number of open sites, or `None` for "any number" (set covering).
    fn p(&self) -> Option<usize>;
    /// Fills the site values for these multipliers and returns the constant part.
    fn values(&mut self, mult: &[f64], rho: &mut [f64]) -> f64;
    /// Subgradient of the bound at these multipliers and site choice; returns its squared norm.
    /// Called with the multipliers of the last [`Self::values`] (it may reuse that pass).
    fn subgradient(&mut self, mult: &[f64], open: &[bool], g: &mut [f64]) -> f64;
    /// `mult += t * g`, projected onto the multipliers' domain.
    fn step(&self, mult: &mut [f64], g: &[f64], t: f64);
    /// Starting multipliers, given the incumbent's open sites.
    fn initial(&self, open: &[usize]) -> Vec<f64>;
    /// Objective of an open set (minimisation form); `None` when infeasible.
    fn cost(&mut self, open: &[usize]) -> Option<f64>;
    /// Local search from `open`, never moving fixed sites; returns a set no worse and its cost.
    fn improve(&mut self, open: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)>;
    /// Completes a partial open set (the sites the relaxation really wants) into a solution
    /// and polishes it; by default the local search alone.
    fn complete(&mut self, partial: Vec<usize>, state: &[u8]) -> Option<(Vec<usize>, f64)> {
        self.improve(partial, state)
    }
    /// True when every objective value is an integer (so bounds may be rounded up).
    fn integral(&self) -> bool;
    /// Drops what the bound `lb` at `mult` proves useless against `cutoff`, and the sites
    /// `state` has closed for the rest of the search (optional).
    fn reduce(&mut self, _mult: &[f64], _lb: f64, _cutoff: f64, _state: &[u8]) {}
    /// A second, independent copy for a parallel worker (sharing what never changes), or
    /// `None` when the search should stay on one worker.
    fn fork(&self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

/// Engine knobs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    pub root_iters: usize,
    pub root_patience: usize,
    pub node_iters: usize,
    pub node_patience: usize,
    pub node_pi: f64,
    pub heuristic_every: usize,
    /// The root's heuristics run every `heuristic_every << idle` iterations, `idle` the
    /// number of their last runs in a row that found nothing better, up to this (0: always
    /// every `heuristic_every`). Worth it where they are dear and soon find nothing more
    /// (the p-median's local search); the coverage models' greedy plans are cheap and
    /// their incumbents end feasibility searches.
    pub heuristic_backoff: u32,
    /// Node ascents check their pace every this many iterations (0 = never stop early).
    pub node_window: usize,
    /// Relative optimality tolerance for non-integer data.
    pub tolerance: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            root_iters: 6000,
            root_patience: 40,
            node_iters: 300,
            node_patience: 20,
            node_pi: 2.0,
            heuristic_every: 10,
            heuristic_backoff: 0,
            node_window: 15,
            tolerance: 1e-6,
        }
    }
}

/// What the engine found.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Best open set found (`None` if none beat the initial cutoff).
    pub open: Option<Vec<usize>>,
    pub objective: f64,
    /// Proven lower bound (rounded up for integer data).
    pub bound: f64,
    /// The search finished: `bound` is exact (no better solution than the incumbent, or than
    /// the initial cutoff when no incumbent was found).
    pub proven: bool,
    /// The root's best multipliers (a warm start for a like instance).
    pub root_mult: Option<Vec<f64>>,
}

struct Node {
    state: Vec<u8>,
    mult: Vec<f64>,
    lb: f64,
}

/// What a node's bounding starts from and what it leaves: the incumbent and the
/// heuristics' memory of the sets they last polished.
struct Memory {
    ub: f64,
    best: Option<Vec<usize>>,
    last_polished: Option<Vec<usize>>,
    last_partial: Option<Vec<usize>>,
}

impl Memory {
    fn of<R: Relaxation>(e: &Engine<'_, R>) -> Self {
        Memory {
            ub: e.ub,
            best: e.best.clone(),
            last_polished: e.last_polished.clone(),
            last_partial: e.last_partial.clone(),
        }
    }

    fn restore<R: Relaxation>(&self, e: &mut Engine<'_, R>) {
        e.ub = self.ub;
        e.best.clone_from(&self.best);
        e.last_polished.clone_from(&self.last_polished);
        e.last_partial.clone_from(&self.last_partial);
    }
}

/// Nodes bounded at a time when the relaxation forks (shared by two workers as they come
/// free: more than two, so one long ascent does not leave the other worker idle). A batch
/// reaches down the depth-first stack, so the larger it is, the more nodes it bounds that a
/// better incumbent found deeper would have pruned. Measured (2 cores): 16 is the fastest on
/// p-medians whose incumbent is optimal from the root (pmed36 1.09 s, 8: 1.10 s, 2: 1.59 s;
/// MCLP pmed36 R = 15: 12.5 s, 13.3 s, 16.1 s) but LSCP pmed23 R = 20, whose incumbent comes
/// from the tree, needs 2,059 nodes at 16 against 243 depth first (0.66 s, 8: 0.37 s, 2:
/// 0.25 s; one worker depth first: 0.19 s).
const BATCH: usize = 8;

fn is_root(iters: usize, root_iters: usize) -> bool {
    iters >= root_iters
}

/// Result of one ascent.
struct Ascent {
    lb: f64,
    /// Site choice at the best multipliers.
    chosen: Vec<bool>,
    rho: Vec<f64>,
    /// The relaxation's choice is feasible with cost = bound: the node is solved.
    solved: bool,
}

pub(crate) struct Engine<'a, R: Relaxation> {
    rel: &'a mut R,
    params: Params,
    deadline: &'a Deadline,
    ub: f64,
    best: Option<Vec<usize>>,
    /// Stop as soon as a solution at or below this value is found.
    stop_at: f64,
    stopped: bool,
    integral: bool,
    /// Last sets given to the local search and to the rebuild (repeats are skipped).
    last_polished: Option<Vec<usize>>,
    last_partial: Option<Vec<usize>>,
    root_mult: Option<Vec<f64>>,
    // scratch
    rho: Vec<f64>,
    g: Vec<f64>,
    chosen: Vec<bool>,
    idx: Vec<usize>,
}

impl<'a, R: Relaxation> Engine<'a, R> {
    /// `ub` is the value to beat (the incumbent's, or a target); `start` the incumbent.
    pub fn new(
        rel: &'a mut R,
        params: Params,
        deadline: &'a Deadline,
        start: Option<(Vec<usize>, f64)>,
        ub: f64,
        stop_at: f64,
    ) -> Self {
        let m = rel.sites();
        let integral = rel.integral();
        let (best, ub) = match start {
            Some((open, c)) if c <= ub => (Some(open), c),
            _ => (None, ub),
        };
        Engine {
            rel,
            params,
            deadline,
            ub,
            best,
            stop_at,
            stopped: false,
            integral,
            last_polished: None,
            last_partial: None,
            root_mult: None,
            rho: vec![0.0; m],
            g: Vec::new(),
            chosen: vec![false; m],
            idx: Vec::with_capacity(m),
        }
    }

    /// Nodes whose bound exceeds this cannot hold a solution better than the incumbent.
    fn cutoff(&self) -> f64 {
        if !self.ub.is_finite() {
            return f64::INFINITY;
        }
        let scale = self.ub.abs().max(1.0);
        if self.integral {
            self.ub - 1.0 + 1e-7 * scale
        } else {
            self.ub - self.params.tolerance * scale
        }
    }

    fn offer(&mut self, open: Vec<usize>, cost: f64) {
        if cost < self.ub - 1e-12 * self.ub.abs().max(1.0)
            || (self.best.is_none() && cost <= self.ub)
        {
            self.ub = cost;
            self.best = Some(open);
            if cost <= self.stop_at {
                self.stopped = true;
            }
        }
    }

    /// Tries the relaxation's site choice as a solution, polishing it when promising.
    /// Offers the relaxation's raw choice when it beats the incumbent.
    fn offer_choice(&mut self, chosen: &[bool]) {
        let open: Vec<usize> = (0..chosen.len()).filter(|&j| chosen[j]).collect();
        if let Some(c) = self.rel.cost(&open)
            && (c < self.ub || self.best.is_none())
        {
            self.offer(open, c);
        }
    }

    /// `deep`: also rebuild from the sites with a negative value (ties among idle sites
    /// are arbitrary in the relaxation) and polish, whatever the raw choice costs.
    fn heuristic(&mut self, chosen: &[bool], state: &[u8], deep: bool) {
        if self.deadline.expired() && self.best.is_some() {
            return;
        }
        let open: Vec<usize> = (0..chosen.len()).filter(|&j| chosen[j]).collect();
        let raw = self.rel.cost(&open);
        if let Some(c) = raw
            && (c < self.ub || self.best.is_none())
        {
            self.offer(open.clone(), c);
        }
        let promising = raw
            .is_some_and(|c| !self.ub.is_finite() || c <= self.ub + 0.002 * self.ub.abs().max(1.0))
            && self.last_polished.as_deref() != Some(&open[..]);
        if promising {
            self.last_polished = Some(open.clone());
        }
        if promising && let Some((o, c2)) = self.rel.improve(open.clone(), state) {
            self.offer(o, c2);
        }
        if deep {
            let partial: Vec<usize> = open
                .into_iter()
                .filter(|&j| self.rho[j] < 0.0 || state[j] == OPEN)
                .collect();
            // The same partial set rebuilds to the same solution: skip repeats.
            if self.last_partial.as_deref() != Some(&partial[..]) {
                self.last_partial = Some(partial.clone());
                if let Some((o, c2)) = self.rel.complete(partial, state) {
                    self.offer(o, c2);
                }
            }
        }
    }

    /// Chooses sites for `rho` under `state`; returns the sum of chosen values or `None`
    /// when the state admits no choice.
    fn choose(&mut self, state: &[u8], chosen: &mut [bool]) -> Option<f64> {
        let rho = &self.rho;
        let mut sum = 0.0;
        let mut n_open = 0;
        self.idx.clear();
        for j in 0..state.len() {
            chosen[j] = false;
            match state[j] {
                OPEN => {
                    chosen[j] = true;
                    sum += rho[j];
                    n_open += 1;
                }
                FREE => self.idx.push(j),
                _ => {}
            }
        }
        match self.rel.p() {
            Some(p) => {
                if n_open > p || n_open + self.idx.len() < p {
                    return None;
                }
                let k = p - n_open;
                if k > 0 {
                    if k < self.idx.len() {
                        self.idx.select_nth_unstable_by(k - 1, |&a, &b| {
                            rho[a].total_cmp(&rho[b]).then(a.cmp(&b))
                        });
                    }
                    for &j in &self.idx[..k] {
                        chosen[j] = true;
                        sum += rho[j];
                    }
                }
            }
            None => {
                for &j in &self.idx {
                    if rho[j] < 0.0 {
                        chosen[j] = true;
                        sum += rho[j];
                    }
                }
            }
        }
        Some(sum)
    }

    /// Subgradient ascent from `mult` (left at the best multipliers found).
    fn ascend(
        &mut self,
        state: &[u8],
        mult: &mut [f64],
        iters: usize,
        mut pi: f64,
        patience: usize,
    ) -> Option<Ascent> {
        let m = state.len();
        let root = is_root(iters, self.params.root_iters);
        let mut chosen = std::mem::take(&mut self.chosen);
        chosen.resize(m, false);
        if self.g.len() != mult.len() {
            self.g = vec![0.0; mult.len()];
        }
        let mut best_lb = f64::NEG_INFINITY;
        let mut best_mult = mult.to_vec();
        let mut best_chosen = vec![false; m];
        let mut stale = 0;
        let mut mark = f64::NEG_INFINITY;
        let mut solved = false;
        let mut idle: u32 = 0;
        for it in 0..iters.max(1) {
            if it > 0 && it % 8 == 0 && self.deadline.expired() {
                break;
            }
            let constant = self.rel.values(mult, &mut self.rho);
            let Some(sel) = self.choose(state, &mut chosen) else {
                self.chosen = chosen;
                return None;
            };
            let lb = constant + sel;
            if best_lb == f64::NEG_INFINITY || lb > best_lb + 1e-12 * best_lb.abs().max(1.0) {
                best_lb = lb;
                best_mult.copy_from_slice(mult);
                best_chosen.copy_from_slice(&chosen);
                stale = 0;
            } else {
                stale += 1;
                if stale >= patience {
                    pi *= 0.5;
                    stale = 0;
                    if pi < 1e-5 {
                        break;
                    }
                }
            }
            if best_lb > self.cutoff() {
                break;
            }
            // A node whose bound will not reach the cutoff at its recent pace is branched
            // now rather than after all its iterations.
            let window = self.params.node_window;
            if !root && window > 0 && it > 0 && it % window == 0 {
                let pace = best_lb - mark;
                let left = (iters - it) as f64 / window as f64;
                if best_lb + pace * left < self.cutoff() {
                    break;
                }
                mark = best_lb;
            }
            let mut g = std::mem::take(&mut self.g);
            let norm = self.rel.subgradient(mult, &chosen, &mut g);
            if norm == 0.0 {
                // The relaxed choice is primal feasible at cost == bound: optimal here.
                self.g = g;
                best_lb = best_lb.max(lb);
                best_mult.copy_from_slice(mult);
                best_chosen.copy_from_slice(&chosen);
                solved = true;
                break;
            }
            if it % (self.params.heuristic_every << idle.min(self.params.heuristic_backoff)) == 0 {
                if root {
                    let deep = it % (10 * self.params.heuristic_every) == 0;
                    let before = self.ub;
                    self.heuristic(&chosen, state, deep);
                    // A heuristic that stopped finding better plans runs half as often.
                    idle = if self.ub < before { 0 } else { idle + 1 };
                } else {
                    // Nodes are many: only the raw choice here, the search at the end.
                    self.offer_choice(&chosen);
                }
                if self.stopped {
                    self.g = g;
                    break;
                }
            }
            let target = if self.ub.is_finite() {
                self.ub
            } else {
                lb + 0.1 * lb.abs().max(1.0)
            };
            let gap = (target - lb).max(1e-9 * lb.abs().max(1.0));
            let t = pi * gap / norm;
            self.rel.step(mult, &g, t);
            self.g = g;
        }
        mult.copy_from_slice(&best_mult);
        // Values at the best multipliers, for the penalties.
        self.rel.values(mult, &mut self.rho);
        // The thorough rebuild only at the root: nodes are many and mostly pruned.
        self.heuristic(&best_chosen, state, root);
        if solved {
            let open: Vec<usize> = (0..m).filter(|&j| best_chosen[j]).collect();
            if let Some(c) = self.rel.cost(&open) {
                self.offer(open, c);
            }
        }
        self.chosen = chosen;
        Some(Ascent {
            lb: best_lb,
            chosen: best_chosen,
            rho: self.rho.clone(),
            solved,
        })
    }

    /// Fixes sites whose forced-open or forced-closed bound exceeds the cutoff; returns
    /// false when the state became infeasible.
    fn fix(&self, state: &mut [u8], a: &Ascent) -> bool {
        let cut = self.cutoff();
        let rho = &a.rho;
        let free_sel: Vec<usize> = (0..state.len())
            .filter(|&j| state[j] == FREE && a.chosen[j])
            .collect();
        let free_un: Vec<usize> = (0..state.len())
            .filter(|&j| state[j] == FREE && !a.chosen[j])
            .collect();
        match self.rel.p() {
            Some(_) => {
                let last = free_sel
                    .iter()
                    .map(|&j| rho[j])
                    .fold(f64::NEG_INFINITY, f64::max);
                let next = free_un
                    .iter()
                    .map(|&j| rho[j])
                    .fold(f64::INFINITY, f64::min);
                for &j in &free_un {
                    // Open j instead of the worst chosen free site.
                    if free_sel.is_empty() || a.lb - last + rho[j] > cut {
                        state[j] = CLOSED;
                    }
                }
                for &j in &free_sel {
                    if free_un.is_empty() || a.lb - rho[j] + next > cut {
                        state[j] = OPEN;
                    }
                }
            }
            None => {
                for &j in &free_un {
                    if a.lb + rho[j].max(0.0) > cut {
                        state[j] = CLOSED;
                    }
                }
                for &j in &free_sel {
                    if a.lb - rho[j].min(0.0) > cut {
                        state[j] = OPEN;
                    }
                }
            }
        }
        if let Some(p) = self.rel.p() {
            let open = state.iter().filter(|&&s| s == OPEN).count();
            let free = state.iter().filter(|&&s| s == FREE).count();
            return open <= p && open + free >= p;
        }
        true
    }

    /// A node with no choice left: evaluates its only open set.
    fn leaf(&mut self, state: &[u8]) {
        let n_open = state.iter().filter(|&&s| s == OPEN).count();
        // Either the open sites fill p (the free ones stay closed) or every free one is needed.
        let keep_free = self.rel.p().is_some_and(|p| n_open < p);
        let open: Vec<usize> = (0..state.len())
            .filter(|&j| state[j] == OPEN || (keep_free && state[j] == FREE))
            .collect();
        if let Some(c) = self.rel.cost(&open) {
            self.offer(open, c);
        }
    }

    fn decided(&self, state: &[u8]) -> bool {
        let open = state.iter().filter(|&&s| s == OPEN).count();
        let free = state.iter().filter(|&&s| s == FREE).count();
        match self.rel.p() {
            Some(p) => open == p || open + free == p,
            None => free == 0,
        }
    }

    fn round(&self, lb: f64) -> f64 {
        if self.integral && lb.is_finite() {
            (lb - 1e-7 * lb.abs().max(1.0)).ceil()
        } else {
            lb
        }
    }

    /// Runs the whole search from the initial fixing `state`.
    ///
    /// The tree is explored depth first. Where the relaxation can [`Relaxation::fork`] and
    /// the search has no stopping value, [`BATCH`] nodes are bounded at a time (the top of
    /// the stack, shared by this engine and a second worker, each node from the incumbent of
    /// before the batch); their finds are merged in the batch's order, so the search is the
    /// same whatever the number of threads, only faster with two.
    pub fn run(mut self, mut state: Vec<u8>) -> Outcome {
        let (root_iters, root_patience) = (self.params.root_iters, self.params.root_patience);
        let start: Vec<usize> = self.best.clone().unwrap_or_default();
        let mut mult = self.rel.initial(&start);
        let root = self.ascend(&state, &mut mult, root_iters, 2.0, root_patience);
        self.root_mult = Some(mult.clone());
        let Some(root) = root else {
            return self.finish(f64::INFINITY, true, 1, f64::INFINITY);
        };
        let root_lb = root.lb;
        if root_lb > self.cutoff() || root.solved || self.stopped {
            let done = !self.stopped || root_lb > self.cutoff();
            return self.finish(root_lb, done, 1, root_lb);
        }
        if !self.fix(&mut state, &root) {
            return self.finish(root_lb, true, 1, root_lb);
        }
        let cut = self.cutoff();
        self.rel.reduce(&mult, root_lb, cut, &state);
        // The root was just bounded: after fixing, a short re-ascent (not counted as a node).
        let mut stack = self.expand(Node {
            state,
            mult,
            lb: root_lb,
        });
        let mut nodes = 1;
        // A search that stops at its first plan good enough (p-center's radius tests) dives
        // depth first on one worker: bounding nodes in batches goes broad before deep
        // (pmed19's second radius: 1,759 nodes against 159).
        let mut fork = if self.stop_at == f64::NEG_INFINITY {
            self.rel.fork()
        } else {
            None
        };
        let mut helper = fork.as_mut().map(|rel| self.helper(rel));
        while let Some(node) = self.next(&mut stack) {
            if self.stopped || self.deadline.expired() {
                stack.push(node);
                // Children inherit their parent's bound, so every pending bound >= root's.
                let lb = stack.iter().map(|n| n.lb).fold(f64::INFINITY, f64::min);
                return self.finish(lb, false, nodes, root_lb);
            }
            let Some(h) = helper.as_mut() else {
                nodes += 1;
                let children = self.expand(node);
                stack.extend(children);
                continue;
            };
            let mut batch = vec![node];
            while batch.len() < BATCH
                && let Some(n) = self.next(&mut stack)
            {
                batch.push(n);
            }
            nodes += batch.len();
            let results = self.expand_batch(h, batch);
            // The first node's children on top: the same depth-first order.
            for children in results.into_iter().rev() {
                stack.extend(children);
            }
        }
        let done = !self.stopped;
        let bound = if self.stopped { root_lb } else { self.ub };
        self.finish(bound, done, nodes, root_lb)
    }

    /// Bounds the nodes of `batch` on two workers (this engine and `helper`), each node
    /// from the same incumbent (the one before the batch) and the same heuristic memory,
    /// whichever worker takes it: its result depends on the node alone, so the workers may
    /// share the nodes as they come free. Their finds are merged in the batch's order.
    /// Returns each node's children.
    fn expand_batch(&mut self, helper: &mut Engine<'_, R>, batch: Vec<Node>) -> Vec<Vec<Node>> {
        let start = Memory::of(self);
        let queue: Vec<Mutex<Option<Node>>> =
            batch.into_iter().map(|n| Mutex::new(Some(n))).collect();
        let taken = AtomicUsize::new(0);
        let (mut mine, theirs) = rayon::join(
            || self.drain(&queue, &taken, &start),
            || helper.drain(&queue, &taken, &start),
        );
        mine.extend(theirs);
        mine.sort_unstable_by_key(|r| r.0);
        start.restore(self);
        let mut out = Vec::with_capacity(mine.len());
        for (_, children, memory) in mine {
            if let Some(open) = memory.best {
                self.offer(open, memory.ub);
            }
            self.last_polished = memory.last_polished;
            self.last_partial = memory.last_partial;
            out.push(children);
        }
        out
    }

    /// Expands the batch's nodes as this worker takes them, each from `start`.
    fn drain(
        &mut self,
        queue: &[Mutex<Option<Node>>],
        taken: &AtomicUsize,
        start: &Memory,
    ) -> Vec<(usize, Vec<Node>, Memory)> {
        let mut out = Vec::new();
        loop {
            let i = taken.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = queue.get(i) else { break };
            let node = slot.lock().ok().and_then(|mut n| n.take());
            let Some(node) = node else { continue };
            start.restore(self);
            let children = self.expand(node);
            out.push((i, children, Memory::of(self)));
        }
        out
    }

    /// A second worker over a fork of the relaxation, with this engine's settings.
    fn helper<'b>(&self, rel: &'b mut R) -> Engine<'b, R>
    where
        'a: 'b,
    {
        let mut h = Engine::new(rel, self.params, self.deadline, None, self.ub, self.stop_at);
        h.best.clone_from(&self.best);
        h
    }

    /// Pops the next node whose bound may still beat the incumbent.
    fn next(&self, stack: &mut Vec<Node>) -> Option<Node> {
        while let Some(node) = stack.pop() {
            if node.lb <= self.cutoff() {
                return Some(node);
            }
        }
        None
    }

    /// Bounds `node` (a warm-started ascent, fixing) and returns its children to explore,
    /// the closed branch first (so the opened one is explored first).
    fn expand(&mut self, mut node: Node) -> Vec<Node> {
        if self.decided(&node.state) {
            self.leaf(&node.state);
            return Vec::new();
        }
        let p = self.params;
        let a = self.ascend(
            &node.state,
            &mut node.mult,
            p.node_iters,
            p.node_pi,
            p.node_patience,
        );
        let Some(a) = a else { return Vec::new() };
        let lb = a.lb.max(node.lb);
        if lb > self.cutoff() || a.solved {
            return Vec::new();
        }
        let mut state = node.state;
        if !self.fix(&mut state, &a) {
            return Vec::new();
        }
        if self.decided(&state) {
            self.leaf(&state);
            return Vec::new();
        }
        // Branch on the chosen free site with the largest forced-close penalty (the
        // smallest value); with nothing chosen free (set covering), on the cheapest free.
        let pick = (0..state.len())
            .filter(|&j| state[j] == FREE && a.chosen[j])
            .min_by(|&x, &y| a.rho[x].total_cmp(&a.rho[y]).then(x.cmp(&y)))
            .or_else(|| {
                (0..state.len())
                    .filter(|&j| state[j] == FREE)
                    .min_by(|&x, &y| a.rho[x].total_cmp(&a.rho[y]).then(x.cmp(&y)))
            });
        let Some(j) = pick else { return Vec::new() };
        let mut closed = state.clone();
        closed[j] = CLOSED;
        let mut opened = state;
        opened[j] = OPEN;
        vec![
            Node {
                state: closed,
                mult: node.mult.clone(),
                lb,
            },
            Node {
                state: opened,
                mult: node.mult,
                lb,
            },
        ]
    }

    fn finish(self, lb: f64, proven: bool, nodes: usize, root_lb: f64) -> Outcome {
        let bound = if proven {
            // Nothing better than the incumbent (or the initial cutoff) exists.
            self.ub
        } else {
            self.round(lb).min(self.ub)
        };
        log::debug!("lagrangian search: root bound {root_lb}, {nodes} nodes");
        Outcome {
            open: self.best,
            objective: self.ub,
            bound,
            proven,
            root_mult: self.root_mult,
        }
    }
}
