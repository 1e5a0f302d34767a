//! The transportation problem of a capacitated plan once its sites are chosen: every
//! customer's demand split over the open sites it may use, each site's seats filled first at
//! no cost and then, up to a limit, at a cost per added seat, at the least total cost.
//!
//! Solved exactly as a min-cost flow by successive shortest paths. The flow starts from each
//! customer's cheapest arc (no residual cycle of negative cost: every customer sits on its
//! cheapest arc, and added seats are not used yet); what overloads a site is then routed on
//! shortest residual paths to free seats, which keeps the flow of least cost for what it
//! carries. The paths are found by Dijkstra's search on reduced costs: the starting flow has
//! node potentials that make every residual arc's reduced cost non-negative (a customer's
//! potential is minus its cheapest arc's cost, every other node's zero), each search stops
//! at the first free seat it settles, and the potentials move by the distances it found
//! (capped at the sink's), so each search explores only the neighbourhood of the overload.
//! When some demand cannot be routed, the customers it is stuck with are returned, for the
//! caller to open more sites.
//!
//! Added seats must not cost less than nothing (`extra_cost >= 0`; the scenario's money
//! fields are validated non-negative).

use super::Deadline;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One customer's allowed arc: (site, cost per unit of demand).
pub type Arc = (usize, f64);

/// A site's seats: `free` at no cost, then up to `extra` at `extra_cost` per seat.
#[derive(Debug, Clone, Copy)]
pub struct Seats {
    pub free: f64,
    pub extra: f64,
    pub extra_cost: f64,
}

/// The least-cost flow: per customer, (site, units) on each arc used; per site, the added
/// seats used; the total cost.
#[derive(Debug, Clone, Default)]
pub struct Flow {
    pub per_customer: Vec<Vec<(usize, f64)>>,
    pub added: Vec<f64>,
    pub cost: f64,
}

/// The residual network: customers `0..n`, sites `n..n+m`, the sink, the source.
struct Net {
    to: Vec<usize>,
    cap: Vec<f64>,
    cost: Vec<f64>,
    adj: Vec<Vec<usize>>,
}

impl Net {
    fn new(nodes: usize) -> Self {
        Net {
            to: Vec::new(),
            cap: Vec::new(),
            cost: Vec::new(),
            adj: vec![Vec::new(); nodes],
        }
    }

    /// An arc and its reverse (arc `e`'s reverse is `e ^ 1`); returns the forward arc.
    fn add(&mut self, from: usize, to: usize, cap: f64, cost: f64) -> usize {
        let e = self.to.len();
        self.to.extend([to, from]);
        self.cap.extend([cap, 0.0]);
        self.cost.extend([cost, -cost]);
        self.adj[from].push(e);
        self.adj[to].push(e + 1);
        e
    }

    fn push(&mut self, e: usize, amount: f64) {
        self.cap[e] -= amount;
        self.cap[e ^ 1] += amount;
    }
}

/// Dijkstra's search on reduced costs, its state kept between searches: node potentials
/// (`potential[v] + offset` is node `v`'s; the offset moves every node at once), and the
/// labels of the nodes the last search touched.
struct Paths {
    potential: Vec<f64>,
    offset: f64,
    dist: Vec<f64>,
    via: Vec<Option<usize>>,
    settled: Vec<bool>,
    touched: Vec<usize>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
}

impl Paths {
    fn new(potential: Vec<f64>) -> Self {
        let n = potential.len();
        Paths {
            potential,
            offset: 0.0,
            dist: vec![f64::INFINITY; n],
            via: vec![None; n],
            settled: vec![false; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reduced(&self, net: &Net, e: usize, u: usize) -> f64 {
        // Rounding may leave a zero reduced cost slightly negative: Dijkstra needs >= 0.
        (net.cost[e] + self.potential[u] - self.potential[net.to[e]]).max(0.0)
    }

    /// The shortest residual path from `s` to `sink` (`true` when the sink is reached);
    /// moves the potentials by the distances found, capped at the sink's.
    fn search(&mut self, net: &Net, s: usize, sink: usize, eps: f64) -> bool {
        for &v in &self.touched {
            self.dist[v] = f64::INFINITY;
            self.via[v] = None;
            self.settled[v] = false;
        }
        self.touched.clear();
        self.dist[s] = 0.0;
        self.touched.push(s);
        // Distances are >= 0, so their bit patterns order as the numbers do.
        self.heap.clear();
        self.heap.push(Reverse((0f64.to_bits(), s)));
        let mut reached = f64::INFINITY;
        while let Some(Reverse((bits, u))) = self.heap.pop() {
            let d = f64::from_bits(bits);
            if self.settled[u] || d > self.dist[u] {
                continue;
            }
            self.settled[u] = true;
            if u == sink {
                reached = d;
                break;
            }
            for &e in &net.adj[u] {
                let v = net.to[e];
                if net.cap[e] <= eps || self.settled[v] {
                    continue;
                }
                let dv = d + self.reduced(net, e, u);
                if dv < self.dist[v] {
                    if self.dist[v].is_infinite() {
                        self.touched.push(v);
                    }
                    self.dist[v] = dv;
                    self.via[v] = Some(e);
                    self.heap.push(Reverse((dv.to_bits(), v)));
                }
            }
        }
        if reached.is_finite() {
            // potential += min(dist, reached) for every node: `reached` for all through the
            // offset, the difference for the nodes settled nearer.
            self.offset += reached;
            for &v in &self.touched {
                if self.settled[v] {
                    self.potential[v] += self.dist[v] - reached;
                }
            }
        }
        reached.is_finite()
    }
}

/// Why a transportation problem has no flow.
#[derive(Debug, Clone, PartialEq)]
pub enum NoFlow {
    /// These customers have demand and no arc: none of their sites is open.
    Unserved(Vec<usize>),
    /// The demand cannot all be seated: `short` units of it have no residual path to a free
    /// seat, stuck with these customers (open more sites they reach).
    Stuck { customers: Vec<usize>, short: f64 },
    /// Rounding broke the search (a path longer than the network): no answer.
    Numerical,
    /// The deadline came first: no answer.
    Stopped,
}

/// Searches between two looks at the deadline.
const SEARCHES_PER_LOOK: usize = 32;

/// A seating by construction, not the least-cost one: customers with the fewest arcs first,
/// each taking the free seats of its sites cheapest arc first, then (for what is left) the
/// added seats, cheapest arc plus seat cost first; then whatever demand that leaves short is
/// seated by a maximum flow over the residual network (petgraph's Dinic: short customers to
/// their sites, customers already seated there moving to their other sites, sites with seats
/// left to the sink). `Err(Unserved)` when customers with demand have no arc; else
/// `Err(Stuck)` exactly when no seating exists: the customers on the source side of the
/// minimum cut and the demand short. Milliseconds where the successive
/// shortest paths take a minute (the 100,000-settlement hub: 30,601 villages, 1,897 schools).
pub fn greedy(demand: &[f64], arcs: &[Vec<Arc>], seats: &[Seats]) -> Result<Flow, NoFlow> {
    construct(demand, arcs, seats, true)
}

/// [`greedy`] with (`complete`) or without the maximum flow: without it, `Err(Stuck)` when the
/// construction leaves someone short (those customers and the demand they miss), which does
/// not prove that no seating exists (the maximum flow took seconds on the hub's 30,601
/// villages, the construction milliseconds).
pub fn construct(
    demand: &[f64],
    arcs: &[Vec<Arc>],
    seats: &[Seats],
    complete_short: bool,
) -> Result<Flow, NoFlow> {
    let eps = tolerance(demand);
    let unserved: Vec<usize> = (0..demand.len())
        .filter(|&a| arcs[a].is_empty() && demand[a] > eps)
        .collect();
    if !unserved.is_empty() {
        return Err(NoFlow::Unserved(unserved));
    }
    let mut order: Vec<(usize, usize)> = (0..demand.len()).map(|a| (arcs[a].len(), a)).collect();
    order.sort_unstable();
    let mut free: Vec<f64> = seats.iter().map(|s| s.free).collect();
    let mut extra: Vec<f64> = seats.iter().map(|s| s.extra).collect();
    let mut units: Vec<Vec<(usize, f64)>> = vec![Vec::new(); demand.len()];
    let mut need: Vec<f64> = demand.to_vec();
    for paid in [false, true] {
        for &(_, a) in &order {
            if need[a] <= eps {
                continue;
            }
            let mut row = arcs[a].clone();
            let price = |&(j, c): &(usize, f64)| if paid { c + seats[j].extra_cost } else { c };
            row.sort_by(|p, q| price(p).total_cmp(&price(q)).then(p.0.cmp(&q.0)));
            for (j, _) in row {
                let left = if paid { &mut extra[j] } else { &mut free[j] };
                let take = need[a].min(*left);
                if take <= 0.0 {
                    continue;
                }
                *left -= take;
                need[a] -= take;
                add_units(&mut units[a], j, take);
                if need[a] <= eps {
                    break;
                }
            }
        }
    }
    if !complete_short && need.iter().any(|&w| w > eps) {
        let customers: Vec<usize> = (0..demand.len()).filter(|&a| need[a] > eps).collect();
        let short = customers.iter().map(|&a| need[a]).sum();
        return Err(NoFlow::Stuck { customers, short });
    }
    if need.iter().any(|&w| w > eps) {
        let left: Vec<f64> = free.iter().zip(&extra).map(|(f, x)| f + x).collect();
        complete(&mut units, &need, arcs, &left, eps)?;
    }
    Ok(priced(units, arcs, seats))
}

fn add_units(row: &mut Vec<(usize, f64)>, j: usize, amount: f64) {
    match row.iter_mut().find(|u| u.0 == j) {
        Some(u) => u.1 += amount,
        None => row.push((j, amount)),
    }
}

/// A seating's flow: its cost, and the added seats each site uses (its load beyond the free
/// seats).
fn priced(units: Vec<Vec<(usize, f64)>>, arcs: &[Vec<Arc>], seats: &[Seats]) -> Flow {
    let mut load = vec![0.0; seats.len()];
    let mut cost = 0.0;
    for (a, row) in units.iter().enumerate() {
        for &(j, u) in row {
            load[j] += u;
            cost += u * arcs[a]
                .iter()
                .find(|arc| arc.0 == j)
                .map_or(0.0, |arc| arc.1);
        }
    }
    let added: Vec<f64> = load
        .iter()
        .zip(seats)
        .map(|(&l, s)| (l - s.free).max(0.0))
        .collect();
    cost += added
        .iter()
        .zip(seats)
        .map(|(x, s)| x * s.extra_cost)
        .sum::<f64>();
    Flow {
        per_customer: units,
        added,
        cost,
    }
}

/// Seats the demand `need` left short on top of the seating `units` by a maximum flow over
/// the residual network (seats `left` at each site); `Err(Stuck)` when it cannot.
fn complete(
    units: &mut [Vec<(usize, f64)>],
    need: &[f64],
    arcs: &[Vec<Arc>],
    left: &[f64],
    eps: f64,
) -> Result<(), NoFlow> {
    use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
    use petgraph::visit::EdgeRef;
    let (n, m) = (units.len(), left.len());
    let total: f64 = need.iter().filter(|&&w| w > eps).sum();
    let mut g: DiGraph<(), f64> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..n + m + 2).map(|_| g.add_node(())).collect();
    let (source, sink) = (nodes[n + m], nodes[n + m + 1]);
    // (edge, customer, site, +1 onto the site / -1 off it)
    let mut moves: Vec<(EdgeIndex, usize, usize, f64)> = Vec::new();
    for a in 0..n {
        if need[a] > eps {
            g.add_edge(source, nodes[a], need[a]);
        }
        for &(j, _) in &arcs[a] {
            let e = g.add_edge(nodes[a], nodes[n + j], total);
            moves.push((e, a, j, 1.0));
        }
        for &(j, u) in units[a].iter() {
            let e = g.add_edge(nodes[n + j], nodes[a], u);
            moves.push((e, a, j, -1.0));
        }
    }
    for (j, &l) in left.iter().enumerate() {
        if l > eps {
            g.add_edge(nodes[n + j], sink, l.min(total));
        }
    }
    let (flow, on) = petgraph::algo::dinics(&g, source, sink);
    if flow >= total - eps {
        for &(e, a, j, sign) in &moves {
            let x = on[e.index()];
            if x > 0.0 {
                add_units(&mut units[a], j, sign * x);
            }
        }
        for row in units.iter_mut() {
            row.retain(|u| u.1 > eps);
        }
        return Ok(());
    }
    // The source side of the minimum cut: reachable on residual capacity.
    let mut reached = vec![false; g.node_count()];
    let mut stack = vec![source];
    reached[source.index()] = true;
    while let Some(u) = stack.pop() {
        let forward = g
            .edges(u)
            .filter(|e| e.weight() - on[e.id().index()] > eps)
            .map(|e| e.target());
        let backward = g
            .edges_directed(u, petgraph::Direction::Incoming)
            .filter(|e| on[e.id().index()] > eps)
            .map(|e| e.source());
        let next: Vec<NodeIndex> = forward.chain(backward).collect();
        for v in next {
            if !reached[v.index()] {
                reached[v.index()] = true;
                stack.push(v);
            }
        }
    }
    Err(NoFlow::Stuck {
        customers: (0..n).filter(|&a| reached[a]).collect(),
        short: total - flow,
    })
}

/// Demand below this counts as none: a billionth of the largest demand (at least 1).
fn tolerance(demand: &[f64]) -> f64 {
    1e-9 * demand.iter().fold(1.0f64, |s, &w| s.max(w))
}

/// Routes every customer's `demand[a]` over its `arcs[a]` within the sites' `seats` at the
/// least cost, or says why there is no such flow (or that the deadline came first).
pub fn solve(
    demand: &[f64],
    arcs: &[Vec<Arc>],
    seats: &[Seats],
    deadline: Deadline,
) -> Result<Flow, NoFlow> {
    let (n, m) = (demand.len(), seats.len());
    let (sink, source) = (n + m, n + m + 1);
    let eps = tolerance(demand);
    let mut net = Net::new(n + m + 2);
    let mut arc_ids: Vec<Vec<(usize, usize)>> = Vec::with_capacity(n);
    let mut inflow = vec![0.0; m];
    let mut potential = vec![0.0; n + m + 2];
    // Whether any seating exists at all, first (customers without arcs, then the construction
    // and its maximum flow): the paths alone found that out only after routing all they could
    // (29 s on an open set far too small for the 100,000-settlement hub).
    greedy(demand, arcs, seats)?;
    for (a, row) in arcs.iter().enumerate() {
        let mut ids = Vec::with_capacity(row.len());
        let cheapest = row
            .iter()
            .enumerate()
            .min_by(|p, q| p.1.1.total_cmp(&q.1.1).then(p.1.0.cmp(&q.1.0)))
            .map(|(i, _)| i);
        for (i, &(j, c)) in row.iter().enumerate() {
            let e = net.add(a, n + j, f64::INFINITY, c);
            if Some(i) == cheapest {
                potential[a] = -c;
                if demand[a] > 0.0 {
                    net.push(e, demand[a]);
                    inflow[j] += demand[a];
                }
            }
            ids.push((j, e));
        }
        arc_ids.push(ids);
    }
    let mut extra_arcs = Vec::with_capacity(m);
    let mut excess = 0.0;
    for (j, s) in seats.iter().enumerate() {
        let free = net.add(n + j, sink, s.free, 0.0);
        net.push(free, inflow[j].min(s.free));
        extra_arcs.push(net.add(n + j, sink, s.extra, s.extra_cost.max(0.0)));
        let over = inflow[j] - s.free;
        if over > eps {
            net.add(source, n + j, over, 0.0);
            excess += over;
        }
    }
    let mut paths = Paths::new(potential);
    let mut searches = 0usize;
    while excess > eps {
        searches += 1;
        if searches.is_multiple_of(SEARCHES_PER_LOOK) && deadline.expired() {
            return Err(NoFlow::Stopped);
        }
        if !paths.search(&net, source, sink, eps) {
            let customers = (0..n).filter(|&a| paths.settled[a]).collect();
            return Err(NoFlow::Stuck {
                customers,
                short: excess,
            });
        }
        let mut path = Vec::new();
        let mut v = sink;
        while let Some(e) = paths.via[v] {
            path.push(e);
            v = net.to[e ^ 1];
            if path.len() > net.adj.len() {
                return Err(NoFlow::Numerical);
            }
        }
        let amount = path.iter().map(|&e| net.cap[e]).fold(excess, f64::min);
        for &e in &path {
            net.push(e, amount);
        }
        excess -= amount;
    }
    let mut flow = Flow {
        per_customer: Vec::with_capacity(n),
        added: vec![0.0; m],
        cost: 0.0,
    };
    for (a, ids) in arc_ids.iter().enumerate() {
        let mut used = Vec::new();
        for (&(j, e), &(_, c)) in ids.iter().zip(&arcs[a]) {
            let units = net.cap[e ^ 1];
            if units > eps {
                flow.cost += units * c;
                used.push((j, units));
            }
        }
        flow.per_customer.push(used);
    }
    for (j, &e) in extra_arcs.iter().enumerate() {
        let units = net.cap[e ^ 1];
        if units > eps {
            flow.added[j] = units;
            flow.cost += units * seats[j].extra_cost;
        }
    }
    Ok(flow)
}
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The same transportation problem as an LP through good_lp (microlp): the reference.
    fn by_lp(demand: &[f64], arcs: &[Vec<Arc>], seats: &[Seats]) -> Option<f64> {
        use good_lp::{Expression, ProblemVariables, Solution, SolverModel, variable};
        let mut vars = ProblemVariables::new();
        let mut cost = Expression::default();
        let mut load: Vec<Expression> = vec![Expression::default(); seats.len()];
        let mut rows = Vec::new();
        for (a, row) in arcs.iter().enumerate() {
            let mut sent = Expression::default();
            for &(j, c) in row {
                let x = vars.add(variable().min(0));
                cost.add_mul(c, x);
                sent.add_mul(1.0, x);
                load[j].add_mul(1.0, x);
            }
            rows.push(sent.eq(demand[a]));
        }
        for (j, s) in seats.iter().enumerate() {
            let e = vars.add(variable().min(0).max(s.extra));
            cost.add_mul(s.extra_cost, e);
            rows.push((load[j].clone() - e).leq(s.free));
        }
        let mut model = vars.minimise(cost.clone()).using(good_lp::microlp);
        for r in rows {
            model = model.with(r);
        }
        model.solve().ok().map(|s| s.eval(&cost))
    }

    fn instance() -> impl Strategy<Value = (Vec<f64>, Vec<Vec<Arc>>, Vec<Seats>)> {
        (1usize..7, 1usize..25).prop_flat_map(|(m, n)| {
            let seats = prop::collection::vec((0u8..40, 0u8..20, 0u8..30), m).prop_map(|v| {
                v.into_iter()
                    .map(|(f, x, c)| Seats {
                        free: f64::from(f),
                        extra: f64::from(x),
                        extra_cost: f64::from(c),
                    })
                    .collect::<Vec<_>>()
            });
            let customers = prop::collection::vec(
                (
                    1u8..15,
                    prop::collection::btree_map(0..m, -20i16..50, 1..=m),
                ),
                n,
            );
            (customers, seats).prop_map(|(cs, seats)| {
                let demand = cs.iter().map(|c| f64::from(c.0)).collect();
                let arcs = cs
                    .iter()
                    .map(|c| c.1.iter().map(|(&j, &k)| (j, f64::from(k))).collect())
                    .collect();
                (demand, arcs, seats)
            })
        })
    }

    /// The seating by construction fails here (each customer takes its cheapest free seat and
    /// the third finds both of its sites full) while a flow exists: the maximum flow decides,
    /// and the transport is the LP's. One seat fewer: stuck, the whole demand short by one.
    #[test]
    fn the_maximum_flow_decides_where_the_construction_fails() {
        let demand = [1.0, 1.0, 1.0];
        let arcs = vec![
            vec![(0, 1.0), (1, 2.0)],
            vec![(1, 1.0), (2, 2.0)],
            vec![(0, 1.0), (1, 2.0)],
        ];
        let seat = |free| Seats {
            free,
            extra: 0.0,
            extra_cost: 0.0,
        };
        let seats = [seat(1.0), seat(1.0), seat(1.0)];
        let flow = solve(&demand, &arcs, &seats, Deadline::none()).expect("a flow exists");
        let lp = by_lp(&demand, &arcs, &seats).expect("the LP has a plan");
        assert!((flow.cost - lp).abs() < 1e-9, "flow {} lp {lp}", flow.cost);
        let fewer = [seat(1.0), seat(1.0), seat(0.0)];
        match solve(&demand, &arcs, &fewer, Deadline::none()) {
            Err(NoFlow::Stuck { customers, short }) => {
                assert_eq!(customers, vec![0, 1, 2]);
                assert!((short - 1.0).abs() < 1e-9);
            }
            other => panic!("expected stuck, got {other:?}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Least cost equal to the LP's; every customer's demand routed on its own arcs, no
        /// site over its seats; infeasible exactly when the LP is.
        #[test]
        fn the_flow_is_the_least_cost_transport((demand, arcs, seats) in instance()) {
            let reference = by_lp(&demand, &arcs, &seats);
            match solve(&demand, &arcs, &seats, Deadline::none()) {
                Ok(flow) => {
                    let lp = reference.expect("the LP finds a plan where the flow does");
                    prop_assert!((flow.cost - lp).abs() <= 1e-6 * (1.0 + lp.abs()), "flow {} lp {}", flow.cost, lp);
                    let mut load = vec![0.0; seats.len()];
                    for (a, used) in flow.per_customer.iter().enumerate() {
                        let total: f64 = used.iter().map(|u| u.1).sum();
                        prop_assert!((total - demand[a]).abs() < 1e-6);
                        for &(j, u) in used {
                            prop_assert!(arcs[a].iter().any(|arc| arc.0 == j));
                            load[j] += u;
                        }
                    }
                    for (j, s) in seats.iter().enumerate() {
                        prop_assert!(load[j] <= s.free + flow.added[j] + 1e-6);
                        prop_assert!(flow.added[j] <= s.extra + 1e-6);
                    }
                }
                Err(NoFlow::Stuck { customers, short }) => {
                    prop_assert!(reference.is_none(), "flow refused a feasible transport");
                    prop_assert!(!customers.is_empty() && short > 0.0);
                }
                Err(NoFlow::Unserved(customers)) => {
                    prop_assert!(reference.is_none(), "flow refused a feasible transport");
                    prop_assert!(customers.iter().all(|&a| arcs[a].is_empty()));
                }
                Err(NoFlow::Numerical) => prop_assert!(false, "rounding on whole numbers"),
                Err(NoFlow::Stopped) => prop_assert!(false, "no deadline"),
            }
            // The construction: a seating within the seats, never below the least cost, and
            // never one where the LP finds none.
            let quick = greedy(&demand, &arcs, &seats);
            prop_assert_eq!(quick.is_ok(), reference.is_some());
            if let Ok(flow) = quick {
                let lp = reference.expect("the LP finds a plan where the construction does");
                prop_assert!(flow.cost >= lp - 1e-6 * (1.0 + lp.abs()));
                let mut load = vec![0.0; seats.len()];
                let mut cost = 0.0;
                for (a, used) in flow.per_customer.iter().enumerate() {
                    let total: f64 = used.iter().map(|u| u.1).sum();
                    prop_assert!((total - demand[a]).abs() < 1e-6);
                    for &(j, u) in used {
                        let arc = arcs[a].iter().find(|arc| arc.0 == j);
                        prop_assert!(arc.is_some());
                        cost += u * arc.map_or(0.0, |arc| arc.1);
                        load[j] += u;
                    }
                }
                for (j, s) in seats.iter().enumerate() {
                    let added = (load[j] - s.free).max(0.0);
                    prop_assert!(added <= s.extra + 1e-6);
                    prop_assert!((flow.added[j] - added).abs() < 1e-6);
                    cost += added * s.extra_cost;
                }
                prop_assert!((cost - flow.cost).abs() <= 1e-6 * (1.0 + cost.abs()));
            }
        }
    }
}
