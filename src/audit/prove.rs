//! `archiplan check --prove`: every service's optimum re-derived by a model of the audit's own.
//!
//! The planner's optimality claims (objective, bound, status) are tested against a MILP
//! written here from the scenario's rules as the audit states them, over the audit's own
//! travel times (petgraph's Dijkstra from each site) and its own catalogue of sites; no
//! model-building code is shared with `plan`. The model is a plain facility-location MILP
//! solved through good_lp (microlp):
//!
//! - `y_j` site open (fixed by decisions, `must_stay` and tier rules), `e_j` added seats,
//!   `r_k` a roving team on island k (last tier, within the day trip and the population cap);
//! - capacity services: `x_aj` share of settlement a's demand seated at j, over the documented
//!   seating rule (one of the `nearest_sites` nearest sites within the standard, or one of the
//!   `boarding_sites` nearest sites on the community's boarding island up to `assign_minutes`),
//!   every demand seated, loads within capacity plus expansion;
//! - coverage services: a settlement is covered within m minutes when a site within m is open
//!   (and pays the cheapest per-unit cost among them);
//! - targets as constraints, open before close, one site of each `per_leader` level on every
//!   leader, hub-and-spoke supply;
//! - objective: annual cost (running, opening, closing, expansion, per unit, roving) plus the
//!   scenario's travel tie-break on seated demand (capacity services), as the plan reports it.
//!
//! The plan is then judged by its claims: a reported bound above a plan the prover found is a
//! false proof; a reported objective below the prover's proven bound cannot be right; a status
//! `optimal` needs the reported objective to equal the proven optimum. Ties in travel time are
//! resolved in the plan's favour (the planner stores minutes in f32), so the model may only be
//! a little looser than the planner's, never tighter.

use super::folder::PlanFolder;
use super::hierarchy::{TierSets, Tiers, centre_minutes, tol};
use super::service::demand;
use super::sites::{Catalogue, Site};
use super::{Log, World, fmt_num};
use crate::scenario::{Assign, Measure, Service};
use good_lp::solvers::microlp::microlp;
use good_lp::{
    Expression, IntoAffineExpression, ProblemVariables, SolverModel, Variable, variable,
};
use rayon::prelude::*;
use serde::Serialize;

const SUM: &str = "summary.json";

/// How long each service's re-solve may run.
#[derive(Debug, Clone, Copy)]
pub struct ProveOptions {
    /// Seconds per service.
    pub time_limit: f64,
}

/// Default seconds per service of `check --prove`.
pub const DEFAULT_TIME_LIMIT: f64 = 600.0;

impl Default for ProveOptions {
    fn default() -> Self {
        ProveOptions {
            time_limit: DEFAULT_TIME_LIMIT,
        }
    }
}

/// One service's proof, as `check --prove --json` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proof {
    pub service: String,
    pub reported_objective: Option<f64>,
    pub reported_bound: Option<f64>,
    pub reported_status: Option<String>,
    /// The prover's best plan's objective (`None`: infeasible, or no plan within the limit).
    pub optimum: Option<f64>,
    /// The prover's proven lower bound.
    pub optimum_bound: Option<f64>,
    /// The re-solve finished with a proof: `optimum` is the optimum.
    pub proven: bool,
    /// `agrees`, `disagrees`, or `unfinished` (the re-solve ran out of time: neither a pass nor
    /// a failure).
    pub verdict: String,
    /// What the verdict rests on, in words.
    pub reason: String,
    /// Size of the prover's model, and how long its solve took.
    #[serde(flatten)]
    pub size: Size,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Size {
    pub variables: usize,
    pub binaries: usize,
    pub constraints: usize,
    pub seconds: f64,
}

/// The prover's model of one service, ready to solve.
struct Model {
    vars: ProblemVariables,
    objective: Expression,
    rows: Vec<good_lp::Constraint>,
    /// The binary variables (open, roving).
    binaries: std::collections::HashSet<Variable>,
    /// Each site's open variable (`None`: may not open), by catalogue index.
    open: Vec<(String, Option<Variable>)>,
}

/// What a solve found.
struct Solved {
    objective: Option<f64>,
    bound: Option<f64>,
    /// The part of the objective on continuous variables (seat shares, expansions).
    continuous: f64,
    proven: bool,
    infeasible: bool,
    note: String,
    /// Ids of the sites the prover's plan opens.
    open: Vec<String>,
}

/// Proves every service of `folder`; findings for each violated claim go to `log`.
pub(crate) fn prove(
    world: &mut World,
    tiers: &TierSets,
    folder: &PlanFolder,
    options: ProveOptions,
    log: &mut Log,
) -> Vec<Proof> {
    let services = &world.scenario.services;
    let catalogues: Vec<Catalogue> = services.iter().map(|s| Catalogue::new(world, s)).collect();
    // Every search the models need: from each site, as far as its service's rules or seats
    // look (island centres were searched by the hierarchy's audit).
    for (s, c) in services.iter().zip(&catalogues) {
        let seats = s.assign_limit() + super::service::RADIUS_SLACK;
        let radius = super::service::radius(world, s).max(seats);
        world.times.ensure(c.sites.iter().map(|x| x.node), radius);
    }
    for s in services {
        super::clock::ensure_clock(world, s);
    }
    let world = &*world;
    let built: Vec<Model> = services
        .iter()
        .zip(&catalogues)
        .map(|(s, cat)| build(world, tiers.of(s), s, &cat.sites))
        .collect();
    let limit = options.time_limit;
    let solved: Vec<(Solved, Size)> = built
        .into_par_iter()
        .map(|m| {
            let started = std::time::Instant::now();
            let mut size = Size {
                variables: m.vars.len(),
                binaries: m.binaries.len(),
                constraints: m.rows.len(),
                seconds: 0.0,
            };
            let r = solve(m, limit);
            size.seconds = started.elapsed().as_secs_f64();
            (r, size)
        })
        .collect();
    services
        .iter()
        .zip(solved)
        .map(|(s, (r, size))| judge(folder, s, r, size, log))
        .collect()
}

/// Compares the folder's claims for service `s` with the re-solve.
fn judge(folder: &PlanFolder, s: &Service, r: Solved, size: Size, log: &mut Log) -> Proof {
    let row = folder.service_summary(&s.name);
    let num = |k: &str| row.and_then(|v| v.get(k)).and_then(|v| v.as_f64());
    let reported_objective = num("objective");
    let reported_bound = num("bound");
    let reported_status = row
        .and_then(|v| v.get("status"))
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let mut proof = Proof {
        service: s.name.clone(),
        reported_objective,
        reported_bound,
        reported_status: reported_status.clone(),
        optimum: r.objective,
        optimum_bound: r.bound,
        proven: r.proven,
        verdict: String::new(),
        reason: String::new(),
        size,
    };
    log.checked.values += 1;
    let broken = violations(
        folder,
        s,
        &r,
        (
            reported_objective,
            reported_bound,
            reported_status.as_deref(),
        ),
        log,
    );
    let slack = |x: f64| slack(x, r.continuous);
    let (verdict, reason) = if !broken.is_empty() {
        ("disagrees", broken.join("; "))
    } else if r.proven {
        let o = reported_objective.unwrap_or(f64::NAN);
        let p = r.objective.unwrap_or(f64::NAN);
        (
            "agrees",
            if (o - p).abs() <= slack(p) {
                format!(
                    "the reported objective {} is the proven optimum {} (to {})",
                    fmt_num(o),
                    fmt_num(p),
                    fmt_num(slack(p))
                )
            } else {
                format!(
                    "proven optimum {}; the reported objective {} lies within the reported bound",
                    fmt_num(p),
                    fmt_num(o)
                )
            },
        )
    } else {
        (
            "unfinished",
            format!(
                "the re-solve did not finish within its limit ({}); nothing contradicts the \
                 claims so far",
                r.note
            ),
        )
    };
    proof.verdict = verdict.to_string();
    proof.reason = reason;
    proof
}

/// Each claim of service `s` the re-solve contradicts, in words; a finding for each in `log`.
fn violations(
    folder: &PlanFolder,
    s: &Service,
    r: &Solved,
    (reported_objective, reported_bound, status): (Option<f64>, Option<f64>, Option<&str>),
    log: &mut Log,
) -> Vec<String> {
    let mut broken = Vec::new();
    if r.infeasible {
        // The folder holds a plan, so its rules can hold: the plan breaks some rule the
        // audit lists, or the prover's model is wrong. Either way the claim is unproven.
        broken.push(
            "the prover's model has no feasible plan, but the folder holds one (see the \
             audit's other disagreements)"
                .to_string(),
        );
        log.finding(
            SUM,
            &s.name,
            "objective",
            opt(reported_objective),
            "no plan meets the service's rules".into(),
        );
    }
    let slack = |x: f64| slack(x, r.continuous);
    if let (Some(b), Some(p)) = (reported_bound, r.objective)
        && b > p + slack(p)
    {
        let optimal = status == Some("optimal");
        broken.push(format!(
            "a plan of objective {} exists, below the reported {} {}{}",
            fmt_num(p),
            if optimal { "optimum" } else { "bound" },
            fmt_num(b),
            differences(folder, &s.name, &r.open)
        ));
        log.finding(
            SUM,
            &s.name,
            if optimal { "status" } else { "bound" },
            if optimal {
                format!("`optimal` (objective {})", fmt_num(b))
            } else {
                fmt_num(b)
            },
            format!(
                "at most {} (the prover found a plan of that objective)",
                fmt_num(p)
            ),
        );
    }
    if let (Some(o), Some(lb)) = (reported_objective, r.bound)
        && o < lb - slack(lb)
    {
        broken.push(format!(
            "the reported objective {} is below the proven optimum bound {}",
            fmt_num(o),
            fmt_num(lb)
        ));
        log.finding(
            SUM,
            &s.name,
            "objective",
            fmt_num(o),
            format!("at least {} (proven by the prover)", fmt_num(lb)),
        );
    }
    if reported_objective.is_none() {
        broken.push("summary.json has no objective for the service".into());
        log.finding(
            SUM,
            &s.name,
            "objective",
            "(missing)".into(),
            "a number".into(),
        );
    }
    broken
}

/// How the prover's plan differs from the folder's, in sites opened and closed.
fn differences(folder: &PlanFolder, service: &str, open: &[String]) -> String {
    use super::folder::{id_of, prop_str};
    let theirs: std::collections::BTreeSet<String> = folder
        .facilities
        .iter()
        .filter(|f| prop_str(f, "service") == Some(service))
        .filter(|f| matches!(prop_str(f, "status"), Some("kept" | "new")))
        .map(id_of)
        .collect();
    let mine: std::collections::BTreeSet<String> = open.iter().cloned().collect();
    let more: Vec<&str> = mine.difference(&theirs).map(String::as_str).collect();
    let fewer: Vec<&str> = theirs.difference(&mine).map(String::as_str).collect();
    if more.is_empty() && fewer.is_empty() {
        " (the same sites, other seats or expansions)".into()
    } else {
        format!(
            " (it opens {} and not {})",
            if more.is_empty() {
                "nothing else".into()
            } else {
                more.join(", ")
            },
            if fewer.is_empty() {
                "nothing of the plan's".into()
            } else {
                fewer.join(", ")
            }
        )
    }
}

/// How far two objectives of one service may differ and still be equal: a fen, float noise,
/// and the solvers' feasibility tolerance (1e-7) on the part of the objective carried by
/// continuous variables (seat shares, expansions), which both MILPs meet only to that
/// tolerance.
fn slack(objective: f64, continuous: f64) -> f64 {
    0.0101 + 1e-9 * objective.abs() + 1e-7 * continuous.abs()
}

fn opt(x: Option<f64>) -> String {
    x.map_or("(none)".into(), fmt_num)
}

/// Whether the island's tier may host a site of this level.
fn allowed_on(tiers: &Tiers, s: &Service, level: u32, island: usize) -> bool {
    match s.level(level).and_then(|l| l.tiers.as_ref()) {
        None => true,
        Some(list) => list.iter().any(|t| t == tiers.tier_name(island)),
    }
}

/// Within `m` minutes, ties in the plan's favour.
fn within(d: f64, m: f64) -> bool {
    d <= m + tol(m)
}

/// The `n` nearest of `cands` (site, minutes), plus every site tied with the n-th.
fn nearest(mut cands: Vec<(usize, f64)>, n: usize) -> Vec<(usize, f64)> {
    cands.sort_by(|p, q| p.1.total_cmp(&q.1).then(p.0.cmp(&q.0)));
    if cands.len() > n {
        let edge = if n == 0 {
            f64::NEG_INFINITY
        } else {
            cands[n - 1].1
        };
        let keep = cands
            .iter()
            .take_while(|c| c.1 <= edge + tol(edge))
            .count()
            .max(n);
        cands.truncate(keep);
    }
    cands
}

/// The prover's model of one service while it is written: the service's facts and the rows,
/// variables and objective so far.
struct Draft<'a> {
    world: &'a World<'a>,
    tiers: &'a Tiers,
    s: &'a Service,
    sites: &'a [Site],
    /// Travel-time standards the service is measured at (its own first).
    standards: Vec<f64>,
    /// Site j exists (a new site only where its level is allowed) and may be open.
    exists: Vec<bool>,
    usable: Vec<bool>,
    vars: ProblemVariables,
    rows: Vec<good_lp::Constraint>,
    binaries: std::collections::HashSet<Variable>,
    objective: Expression,
    travel: Expression,
    /// Each site's open variable (`None`: may not open).
    y: Vec<Option<Variable>>,
    /// Each expandable site's added seats.
    expansion: Vec<Option<Variable>>,
    /// Roving teams: (island, variable).
    roving: Vec<(usize, Variable)>,
    /// Supplying sites of each supplied site.
    suppliers: Vec<Option<Vec<usize>>>,
    /// Cover of each settlement position per standard (share of its demand, or 0/1).
    cover: Vec<Vec<Option<Expression>>>,
}

fn build(world: &World, tiers: &Tiers, s: &Service, sites: &[Site]) -> Model {
    let standard = s.standard_minutes;
    let mut standards: Vec<f64> = vec![standard];
    for t in world.scenario.targets_of(&s.name) {
        let m = t.minutes.unwrap_or(standard);
        if !standards.contains(&m) {
            standards.push(m);
        }
    }
    let exists: Vec<bool> = sites
        .iter()
        .map(|x| !x.new_site || allowed_on(tiers, s, x.level, x.island))
        .collect();
    let usable = (0..sites.len())
        .map(|j| {
            let x = &sites[j];
            x.forced_open
                || (!x.decided_closure && exists[j] && allowed_on(tiers, s, x.level, x.island))
        })
        .collect();
    let mut d = Draft {
        world,
        tiers,
        s,
        sites,
        cover: vec![vec![None; world.planned.len()]; standards.len()],
        standards,
        exists,
        usable,
        vars: ProblemVariables::new(),
        rows: Vec::new(),
        binaries: std::collections::HashSet::new(),
        objective: Expression::default(),
        travel: Expression::default(),
        y: Vec::new(),
        expansion: vec![None; sites.len()],
        roving: Vec::new(),
        suppliers: Vec::new(),
    };
    let seats = d.sites_and_seats();
    d.roving_teams();
    d.supply_links();
    let load = d.settlements();
    if s.assign == Assign::Capacity {
        for (j, limit) in seats.into_iter().enumerate() {
            if let Some(limit) = limit {
                d.rows.push((load[j].clone() - limit).leq(0));
            }
        }
    }
    d.open_before_close();
    d.targets();
    d.rules();
    let tw = if s.assign == Assign::Capacity {
        world.scenario.objective.travel_weight
    } else {
        0.0
    };
    let travel = std::mem::take(&mut d.travel);
    d.objective += tw * travel;
    Model {
        vars: d.vars,
        objective: d.objective,
        rows: d.rows,
        binaries: d.binaries,
        open: sites.iter().map(|x| x.id.clone()).zip(d.y).collect(),
    }
}

impl Draft<'_> {
    fn minutes(&self, j: usize, i: usize) -> Option<f64> {
        let net = &self.world.times.net;
        self.world
            .times
            .service_minutes(&self.s.name, self.sites[j].node, net.settlement_nodes[i])
    }

    /// Open variables with their costs, and each capacitated site's seats (with expansion).
    fn sites_and_seats(&mut self) -> Vec<Option<Expression>> {
        let capacity_mode = self.s.assign == Assign::Capacity;
        for (j, x) in self.sites.iter().enumerate() {
            if !self.usable[j] {
                self.objective += x.close_cost;
                self.y.push(None);
                continue;
            }
            let v = self.vars.add(if x.forced_open {
                variable().binary().min(1)
            } else {
                variable().binary()
            });
            self.binaries.insert(v);
            // Open: running and opening costs; closed: the closing cost (existing sites).
            self.objective += (x.annual_cost + x.open_cost) * v;
            self.objective += x.close_cost - x.close_cost * v;
            self.y.push(Some(v));
        }
        let mut seats: Vec<Option<Expression>> = vec![None; self.sites.len()];
        for (j, x) in self.sites.iter().enumerate() {
            let (Some(yj), Some(cap)) = (self.y[j], x.capacity) else {
                continue;
            };
            let mut limit = cap * yj;
            if capacity_mode && x.existing && x.expand_max > 0.0 {
                let e = self
                    .vars
                    .add(variable().min(x.expand_min).max(x.expand_max));
                self.rows
                    .push((Expression::from(e) - x.expand_max * yj).leq(0));
                self.objective += x.expand_cost_per_unit * e;
                limit += e;
                self.expansion[j] = Some(e);
            }
            seats[j] = Some(limit);
        }
        seats
    }

    /// Roving teams: small islands of the last tier within a day trip of their leader.
    fn roving_teams(&mut self) {
        let (world, tiers) = (self.world, self.tiers);
        let Some(m) = &self.s.mobile else { return };
        for &k in &world.inhabited {
            let Some(base) = tiers.leader[k] else {
                continue;
            };
            if tiers.tier[k] != Some(tiers.last)
                || base == k
                || world.island_population[k] > m.max_island_population
            {
                continue;
            }
            let Some(t) = centre_minutes(world, k, base) else {
                continue;
            };
            let cost = if super::service::roving_fits(world, m, Some(base), k, t) {
                m.annual_cost(t)
            } else {
                // No scheduled day trip: a chartered boat, where allowed and the trip fits.
                let charter = super::clock::no_wait_minutes(world, base, k)
                    .filter(|&c| m.reachable(c - tol(c)))
                    .and_then(|c| m.charter_annual_cost(c));
                let Some(cost) = charter else { continue };
                cost
            };
            let v = self.vars.add(variable().binary());
            self.binaries.insert(v);
            self.objective += cost * v;
            self.roving.push((k, v));
        }
    }

    /// Hub and spoke: the supplying sites within the supply time of each supplied site.
    fn supply_links(&mut self) {
        let sites = self.sites;
        self.suppliers = (0..sites.len())
            .map(|j| {
                let sup = self.s.supply.as_ref()?;
                (sites[j].level == sup.to_level).then(|| {
                    (0..sites.len())
                        .filter(|&c| sites[c].level == sup.from_level && self.y[c].is_some())
                        .filter(|&c| {
                            self.world
                                .times
                                .minutes(sites[c].node, sites[j].node)
                                .is_some_and(|d| within(d, sup.minutes))
                        })
                        .collect()
                })
            })
            .collect();
    }

    /// Every settlement seated (capacity services) or covered (coverage services); returns
    /// each site's load.
    fn settlements(&mut self) -> Vec<Expression> {
        let mut load: Vec<Expression> = vec![Expression::default(); self.sites.len()];
        for (a, &i) in self.world.planned.iter().enumerate() {
            let w = demand(self.world, self.s.demand, i);
            let reach: Vec<(usize, f64)> = (0..self.sites.len())
                .filter_map(|j| self.minutes(j, i).map(|d| (j, d)))
                .collect();
            if self.s.assign == Assign::Capacity && w > 0.0 {
                self.seat(a, i, w, &reach, &mut load);
            } else {
                self.cover_within(a, w, &reach);
            }
        }
        load
    }

    /// The documented seating rule: one of the `nearest_sites` nearest sites within the
    /// standard, or one of the `boarding_sites` nearest on the community's boarding island.
    fn seat(
        &mut self,
        a: usize,
        i: usize,
        w: f64,
        reach: &[(usize, f64)],
        load: &mut [Expression],
    ) {
        // Within the service's own standard: a target's longer minutes count seats, they do
        // not widen where one may sit (the assignment check's rule too).
        let (s, sites) = (self.s, self.sites);
        let standard = s.standard_minutes;
        let near = nearest(
            reach
                .iter()
                .copied()
                .filter(|&(j, d)| self.exists[j] && within(d, standard))
                .collect(),
            s.nearest_sites,
        );
        let island = self.world.ds.settlements[i].island;
        let boarding = boarding_island(self.world, self.tiers, island, sites, &self.usable);
        let board = nearest(
            reach
                .iter()
                .copied()
                .filter(|&(j, d)| {
                    self.exists[j]
                        && Some(sites[j].island) == boarding
                        && d > standard - tol(standard)
                        && within(d, s.assign_limit())
                })
                .collect(),
            s.boarding_sites,
        );
        let mut options: Vec<(usize, f64)> = near;
        for b in board {
            if !options.iter().any(|o| o.0 == b.0) {
                options.push(b);
            }
        }
        let mut seated = Expression::default();
        let mut x_of = Vec::new();
        for &(j, d) in &options {
            let Some(yj) = self.y[j] else { continue };
            let x = self.vars.add(variable().min(0).max(1));
            self.rows.push((Expression::from(x) - yj).leq(0));
            seated += x;
            load[j] += w * x;
            self.objective += w * sites[j].cost_per_unit * x;
            self.travel += w * d * x;
            x_of.push((d, x));
        }
        self.rows.push(seated.eq(1));
        for (si, &m) in self.standards.iter().enumerate() {
            let mut e = Expression::default();
            for &(d, x) in &x_of {
                if within(d, m) {
                    e += x;
                }
            }
            self.cover[si][a] = Some(e);
        }
    }

    /// Covered within each standard when an open site is that near (through an open supplier
    /// for supplied sites); a covered settlement pays the cheapest per-unit cost near it.
    fn cover_within(&mut self, a: usize, w: f64, reach: &[(usize, f64)]) {
        let supplied = self.s.supply.is_some() && self.s.assign != Assign::Capacity;
        for si in 0..self.standards.len() {
            let m = self.standards[si];
            let any: Expression = reach
                .iter()
                .filter(|&&(_, d)| within(d, m))
                .filter_map(|&(j, _)| self.y[j])
                .sum();
            let z = self.vars.add(variable().min(0).max(1));
            self.rows.push((Expression::from(z) - any).leq(0));
            if supplied {
                // Covered through a supplied site only with its supplier open: implied for
                // whole plans, and it tightens the LP a great deal.
                let mut via = std::collections::BTreeSet::new();
                for &(j, d) in reach {
                    if self.y[j].is_none() || !within(d, m) {
                        continue;
                    }
                    match &self.suppliers[j] {
                        Some(from) => via.extend(from.iter().copied()),
                        None => {
                            via.insert(j);
                        }
                    }
                }
                let through: Expression = via.iter().filter_map(|&c| self.y[c]).sum();
                self.rows.push((Expression::from(z) - through).leq(0));
            }
            self.cover[si][a] = Some(Expression::from(z));
        }
        let standard = self.s.standard_minutes;
        let within_std: Vec<(usize, Variable)> = reach
            .iter()
            .filter(|&&(_, d)| within(d, standard))
            .filter_map(|&(j, _)| self.y[j].map(|v| (j, v)))
            .collect();
        if w <= 0.0
            || !within_std
                .iter()
                .any(|&(j, _)| self.sites[j].cost_per_unit > 0.0)
        {
            return;
        }
        let mut paid = Expression::default();
        for &(j, yj) in &within_std {
            let x = self.vars.add(variable().min(0).max(1));
            self.rows.push((Expression::from(x) - yj).leq(0));
            self.objective += w * self.sites[j].cost_per_unit * x;
            paid += x;
        }
        self.rows.push(paid.clone().leq(1));
        for &(_, yj) in &within_std {
            self.rows.push((paid.clone() - yj).geq(0));
        }
    }

    /// Open before close: a settlement whose nearest existing site within the standard
    /// closes keeps full cover within the standard.
    fn open_before_close(&mut self) {
        if !self.s.open_before_close {
            return;
        }
        let sites = self.sites;
        for (a, &i) in self.world.planned.iter().enumerate() {
            let today = (0..sites.len())
                .filter(|&j| sites[j].existing)
                .filter_map(|j| self.minutes(j, i).map(|d| (d, j)))
                .filter(|&(d, _)| d <= self.s.standard_minutes)
                .min_by(|p, q| p.0.total_cmp(&q.0));
            let Some((_, j)) = today else { continue };
            if sites[j].decided_closure {
                continue;
            }
            let Some(c) = &self.cover[0][a] else { continue };
            let kept: Expression = self.y[j].map_or(Expression::default(), Expression::from);
            self.rows.push((c.clone() + kept).geq(1));
        }
    }

    /// A township target: `w_t <= sum of y_j` over the sites in each township, and the share
    /// of townships with a site.
    fn town_rows(&mut self, t: &crate::scenario::Target) {
        let site_town = super::units::site_towns(self.world, self.sites);
        let towns = super::units::towns(self.world, t);
        let mut got = Expression::default();
        for town in &towns {
            let w = self.vars.add(variable().min(0).max(1));
            let here: Expression = (0..self.sites.len())
                .filter(|&j| site_town[j].as_ref() == Some(town))
                .filter_map(|j| self.y[j])
                .sum();
            self.rows.push((Expression::from(w) - here).leq(0));
            got += w;
        }
        let need = t.share() * towns.len() as f64;
        self.rows.push(got.geq(need - 1e-9 * need.max(1.0)));
    }

    /// A count target: its sites open (or closed, or expanded) within its bounds.
    fn count_rows(&mut self, t: &crate::scenario::Target) {
        use crate::scenario::SiteCount;
        let state = t.sites.unwrap_or_default();
        let closed = state == SiteCount::Closed;
        let site_town = super::units::site_towns(self.world, self.sites);
        let mut got = Expression::default();
        let mut fixed = 0.0;
        for (j, site) in self.sites.iter().enumerate() {
            let as_counted = super::units::SiteState {
                open: !closed,
                expansion: f64::INFINITY,
                town: site_town[j].as_deref(),
            };
            if !super::units::counts_site(self.world, t, site, as_counted) {
                continue;
            }
            match self.y[j] {
                Some(_) if state == SiteCount::Expanded => {
                    // Counted when a whole seat is added: w <= e <= expand_max * w.
                    let Some(e) = self.expansion[j] else { continue };
                    let w = self.vars.add(variable().binary());
                    self.binaries.insert(w);
                    self.rows.push((Expression::from(w) - e).leq(0));
                    self.rows
                        .push((Expression::from(e) - site.expand_max * w).leq(0));
                    got += w;
                }
                Some(v) if closed => got += 1.0 - Expression::from(v),
                Some(v) => got += v,
                // No variable: the site's state is fixed (closed when it has none).
                None => fixed += f64::from(u8::from(closed)),
            }
        }
        let lo = t.exactly.or(t.at_least).map_or(0.0, f64::from);
        self.rows.push((got.clone() + fixed).geq(lo - 1e-9));
        if let Some(hi) = t.exactly.or(t.at_most) {
            self.rows.push((got + fixed).leq(f64::from(hi) + 1e-9));
        }
    }

    /// Every target of the service as a constraint.
    fn targets(&mut self) {
        let world = self.world;
        for t in world.scenario.targets_of(&self.s.name) {
            if t.is_count() {
                self.count_rows(t);
                continue;
            }
            if t.measure == Measure::Towns {
                self.town_rows(t);
                continue;
            }
            if t.measure == Measure::Islands {
                let mut got = Expression::default();
                let counted = super::units::counted_islands(world, t);
                for &k in &counted {
                    let u = self.vars.add(variable().min(0).max(1));
                    let mut here: Expression = (0..self.sites.len())
                        .filter(|&j| self.sites[j].island == k)
                        .filter_map(|j| self.y[j])
                        .sum();
                    for &(_, r) in self.roving.iter().filter(|p| p.0 == k) {
                        here += r;
                    }
                    self.rows.push((Expression::from(u) - here).leq(0));
                    got += u;
                }
                let need = t.share() * counted.len() as f64;
                self.rows.push(got.geq(need - 1e-9 * need.max(1.0)));
                continue;
            }
            let m = t.minutes.unwrap_or(self.s.standard_minutes);
            let si = self.standards.iter().position(|&x| x == m).unwrap_or(0);
            let (mut got, mut total) = (Expression::default(), 0.0);
            for (a, &i) in world.planned.iter().enumerate() {
                let p = world.ds.settlements[i].population;
                let v = match t.measure {
                    Measure::Villages => f64::from(u8::from(p > 0)),
                    Measure::Population => p as f64,
                    _ => demand(world, self.s.demand, i),
                };
                if v <= 0.0 || !super::units::counts_settlement(world, t, i) {
                    continue;
                }
                total += v;
                if let Some(c) = &self.cover[si][a] {
                    got += v * c.clone();
                }
            }
            let need = t.share() * total;
            self.rows.push(got.geq(need - 1e-9 * total.max(1.0)));
        }
    }

    /// One site of each per-leader level on every leader whose tier allows it; an open
    /// supplied site has an open supplier within the supply time.
    fn rules(&mut self) {
        let (tiers, sites) = (self.tiers, self.sites);
        for level in self.s.levels.iter().filter(|l| l.per_leader) {
            for &l in &tiers.leaders {
                let tier = tiers.tier_name(l);
                let on = |list: &Option<Vec<String>>| {
                    list.as_ref().is_none_or(|t| t.iter().any(|x| x == tier))
                };
                if !(on(&level.tiers) && on(&level.per_leader_tiers)) {
                    continue;
                }
                let here: Expression = (0..sites.len())
                    .filter(|&j| sites[j].island == l && sites[j].level == level.level)
                    .filter_map(|j| self.y[j])
                    .sum();
                self.rows.push(here.geq(1));
            }
        }
        for (j, from) in self.suppliers.iter().enumerate() {
            let (Some(yj), Some(from)) = (self.y[j], from) else {
                continue;
            };
            let from: Expression = from.iter().filter_map(|&c| self.y[c]).sum();
            self.rows.push((Expression::from(yj) - from).leq(0));
        }
    }
}

/// The island a settlement's pupils board on: its community's leader, or up the chain of
/// leaders the first island with a usable site.
fn boarding_island(
    world: &World,
    tiers: &Tiers,
    island: usize,
    sites: &[Site],
    usable: &[bool],
) -> Option<usize> {
    let mut at = tiers.leader[island];
    let mut steps = 0;
    while let Some(l) = at {
        if (0..sites.len()).any(|j| sites[j].island == l && usable[j]) {
            return Some(l);
        }
        at = tiers.parent[l];
        steps += 1;
        if steps > world.ds.islands.len() {
            break;
        }
    }
    None
}

fn solve(m: Model, time_limit: f64) -> Solved {
    let Model {
        vars,
        objective,
        rows,
        binaries,
        open,
    } = m;
    let handles: Vec<Variable> = vars.iter_variables_with_def().map(|(v, _)| v).collect();
    let constant = objective.constant();
    // microlp prunes a node unless it may beat the incumbent by max(eps, eps * |incumbent|).
    // With a step, every term is on a binary, so the sum of the coefficients bounds the
    // objective: scaled by it, every objective lies in [-1, 1] and the pruning slack is eps,
    // under one step. Without a step, bring the objective near 1.
    let step = step_of(&objective, &binaries);
    let coefficients = || {
        objective
            .clone()
            .linear_coefficients()
            .map(|(_, c)| c.abs())
    };
    let scale = match step {
        Some(_) => coefficients().sum::<f64>() + 1.0,
        None => coefficients().fold(1.0, f64::max),
    };
    let mut problem = vars
        .minimise((objective.clone() - constant) * (1.0 / scale))
        .using(microlp);
    for r in rows {
        problem.add_constraint(r);
    }
    let mut opts = microlp::SolveOptions::default();
    opts.time_limit = std::time::Duration::try_from_secs_f64(time_limit.max(0.01)).ok();
    if let Some(g) = step {
        // No two plans differ by less than g: a node that cannot improve by g is pruned.
        opts.tolerances.prune_epsilon = 0.999 * g / scale;
    }
    let failed = |note: String, infeasible: bool| Solved {
        objective: None,
        bound: None,
        continuous: 0.0,
        proven: false,
        infeasible,
        note,
        open: Vec::new(),
    };
    let outcome = match problem.as_inner().solve_with(opts) {
        Ok(o) => o,
        Err(microlp::Error::Infeasible) => return failed("infeasible".into(), true),
        Err(e) => return failed(format!("solver failure: {e}"), false),
    };
    let reason = outcome.termination_reason();
    let Ok(solution) = outcome.into_solution() else {
        return failed(format!("no plan found in {time_limit} s"), false);
    };
    let values: std::collections::HashMap<Variable, f64> = handles
        .iter()
        .copied()
        .zip(solution.iter().map(|(_, x)| x))
        .collect();
    let eval = |e: &Expression| {
        e.clone()
            .linear_coefficients()
            .map(|(v, c)| c * values.get(&v).copied().unwrap_or(0.0))
            .sum::<f64>()
            + e.constant()
    };
    let value = eval(&objective);
    let proven = matches!(reason, microlp::TerminationReason::ProvenOptimal);
    let mut bound = if proven {
        Some(value)
    } else {
        solution.stats().best_bound.map(|b| b * scale + constant)
    };
    if let (Some(g), Some(b)) = (step, bound) {
        // Every plan costs the constant plus a whole number of steps.
        bound = Some((((b - constant) / g) - 1e-9).ceil() * g + constant);
    }
    let bound = bound.map(|b| b.min(value));
    let proven = proven || bound.is_some_and(|b| b >= value - 1e-9 * value.abs().max(1.0));
    let open = open
        .into_iter()
        .filter(|(_, v)| v.is_some_and(|v| values.get(&v).copied().unwrap_or(0.0) > 0.5))
        .map(|(id, _)| id)
        .collect();
    Solved {
        open,
        objective: Some(value),
        bound,
        continuous: objective
            .clone()
            .linear_coefficients()
            .filter(|(v, _)| !binaries.contains(v))
            .map(|(v, c)| (c * values.get(&v).copied().unwrap_or(0.0)).abs())
            .sum(),
        proven,
        infeasible: false,
        note: if proven {
            "proven optimal".into()
        } else {
            format!("stopped: {reason:?}")
        },
    }
}

/// The step between plans' objectives: when every term of the objective is a whole number of
/// CNY on a binary variable, objectives differ by multiples of the terms' greatest common
/// divisor (round planning costs: 10,000 CNY), so a bound may be rounded up to the next step.
fn step_of(objective: &Expression, binaries: &std::collections::HashSet<Variable>) -> Option<f64> {
    let mut g = 0u64;
    for (v, c) in objective.clone().linear_coefficients() {
        let whole = c.abs().round();
        if c == 0.0 {
            continue;
        }
        if !binaries.contains(&v) || whole > 1e15 || (c.abs() - whole).abs() > 1e-9 * whole.max(1.0)
        {
            return None;
        }
        let mut b = whole as u64;
        while b != 0 {
            (g, b) = (b, g % b);
        }
    }
    (g > 1).then_some(g as f64)
}
