//! The MILP of one service over a scope (the whole archipelago, or one independent component
//! of it), with targets either enforced as constraints or priced into the objective.
//!
//! Variables: `y_j` site open, `e_j` added capacity, `m_k` roving team for island k, `z_a`
//! settlement a covered within a standard, `u_k` island k has cover, `x_aj` share of a's demand
//! served at j. Constraints: coverage, capacities and full seating (capacity services), targets,
//! open-before-close, one higher-level site per community leader, hub-and-spoke supply, fixed
//! decisions. Objective: annual cost (plus the travel tie-break for capacity services), minus
//! the target prices when priced.

use super::context::Context;
use super::data::{
    Served, ServiceData, SiteOrigin, covered_measure, island_in_units, leader_must_host,
    target_measure,
};
use super::hierarchy::HierarchyPlan;
use crate::error::Result;
use crate::model::Status;
use crate::scenario::{Assign, Measure};
use crate::solve::mip::{Milp, MilpResult, Solved};
use crate::solve::{Backend, Deadline};
use good_lp::{Expression, Variable, variable};
use std::collections::{BTreeSet, HashMap};

/// The part of a service's model one MILP covers (indices into `ServiceData`).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Settlement positions.
    pub settlements: Vec<usize>,
    pub sites: Vec<usize>,
    /// Indices into `ServiceData::mobile_options`.
    pub mobiles: Vec<usize>,
    /// Inhabited islands (for island targets).
    pub islands: Vec<usize>,
    /// Leader islands (for one-site-per-leader rules).
    pub leaders: Vec<usize>,
}

/// How targets enter the model.
#[derive(Clone, Copy)]
pub enum Targets<'a> {
    /// `sum covered >= share * total` over the whole archipelago (scope must be whole).
    Enforce,
    /// Each target `t` with share below 1 earns `price[t]` per unit of covered measure;
    /// targets with share 1 are enforced element by element (they decompose exactly).
    Price(&'a [f64]),
}

/// A solved scope.
#[derive(Debug, Clone, Default)]
pub struct ScopeSolution {
    pub open: Vec<usize>,
    pub mobile: Vec<usize>,
    pub expansion: Vec<(usize, f64)>,
    /// (settlement position, site, share of its demand).
    pub flows: Vec<(usize, usize, f64)>,
    /// Annual cost of the scope's decisions (closing costs of its closed sites included).
    pub cost: f64,
    /// Travel term of capacity services (demand-weighted minutes).
    pub travel: f64,
    /// Covered measure per target (islands: number of covered islands).
    pub covered: Vec<f64>,
    /// Model objective and proven bound (priced: cost + travel - priced cover).
    pub objective: f64,
    pub bound: f64,
    pub status: Status,
    /// Model size (summed over parts when merged).
    pub variables: usize,
    /// Parts whose plan came from the Lagrangian solver ([`super::lagrangian`]), not the MILP.
    pub by_relaxation: usize,
}

/// The whole service as one scope.
pub fn whole_scope(ctx: &Context, hier: &HierarchyPlan, data: &ServiceData) -> Scope {
    Scope {
        settlements: (0..ctx.settlements.len()).collect(),
        sites: (0..data.sites.len()).collect(),
        mobiles: (0..data.mobile_options.len()).collect(),
        islands: ctx.inhabited_islands.clone(),
        leaders: hier.leaders.clone(),
    }
}

/// Measure of target `t` carried by settlement position `a` (0 for island targets).
pub(super) fn target_weight(ctx: &Context, data: &ServiceData, t: usize, a: usize) -> f64 {
    let target = data.targets[t];
    target_measure(ctx, data.service, target, ctx.settlements[a])
}

/// Total of target `t`'s measure over the archipelago (islands: inhabited island count).
pub fn target_total(ctx: &Context, data: &ServiceData, t: usize) -> f64 {
    super::data::target_total(ctx, data, data.targets[t])
}

/// How long a solve may run, and the relative gap at which it may stop early.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'w> {
    /// When the solve must stop (the fallback below may overrun it by a share of its span).
    pub deadline: Deadline,
    pub mip_gap: f64,
    /// The MILP backend (see [`crate::solve::Backend`]).
    pub backend: Backend,
    /// Where the priced-cover relaxation of this scope left its multipliers last time (a
    /// component of a price search, solved again at the next price).
    pub warm: Option<&'w crate::solve::pcover::Warm>,
}

/// The relative gap at which the fallback's restricted MILP (the LP's fractional sites) stops.
const COMPONENT_FALLBACK_GAP: f64 = 1e-3;

/// Values of a solved model are read on this grid (see [`MilpResult::snapped`]).
const SNAP: f64 = 1e-9;

/// Which version of the model to build.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The MILP.
    Integer,
    /// The LP relaxation (its optimum is a valid lower bound).
    Relaxed,
    /// Every site that may open is open: a feasible plan to fall back on.
    OpenAll,
}

/// Builds and solves the scope's model. `Ok(None)` = infeasible.
///
/// When the time limit comes before the MILP finds any plan, the scope falls back on opening
/// every site that may open (always feasible when anything is), with the LP relaxation's
/// optimum as the proven bound, and says so through its status. A numerical failure of the
/// backend is retried unscaled once, then takes the same fallback (status `stalled`).
pub fn solve_scope(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    targets: Targets,
    travel_weight: f64,
    limits: Limits,
) -> Result<Option<ScopeSolution>> {
    solve_scope_from(
        ctx,
        hier,
        data,
        scope,
        (targets, travel_weight),
        limits,
        None,
    )
}

/// [`solve_scope`] with a plan of the scope already in hand (`start`, with its proven bound):
/// the better of it and the MILP's plan is kept with the higher bound, and when the MILP finds
/// no plan in time `start` stands instead of the LP-rounding fallback.
pub fn solve_scope_from(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    (targets, travel_weight): (Targets, f64),
    limits: Limits,
    start: Option<ScopeSolution>,
) -> Result<Option<ScopeSolution>> {
    let Limits {
        deadline,
        mip_gap,
        backend,
        ..
    } = limits;
    let started = std::time::Instant::now();
    let build_as = |mode| build(ctx, hier, data, scope, &targets, travel_weight, mode);
    let built = build_as(Mode::Integer);
    let variables = built.milp.variable_count();
    let constraints = built.milp.constraint_count();
    let mut outcome = built
        .milp
        .solve_by(backend, deadline.remaining(), mip_gap)?;
    if let Solved::Numerical(_) = outcome
        && backend != Backend::Highs
    {
        // A numerical failure of the scaled model: the same model, unscaled, once more.
        let left = deadline.remaining().map(|t| t.max(0.05));
        outcome = build_as(Mode::Integer).milp.solve_unscaled(left, mip_gap)?;
    }
    if log::log_enabled!(log::Level::Debug) && started.elapsed().as_secs_f64() > 1.0 {
        log::debug!(
            "[plan]   {} component: {} sites, {} settlements, {variables} vars, {constraints} rows: {} after {:.2} s",
            data.service.name,
            scope.sites.len(),
            scope.settlements.len(),
            match &outcome {
                Solved::Plan(r) => format!(
                    "{:?} objective {:.0} bound {:.0} gap {:.4}",
                    r.status,
                    r.objective,
                    r.bound,
                    crate::model::relative_gap(r.objective, r.bound)
                ),
                Solved::Infeasible => "infeasible".into(),
                Solved::NoIncumbent => "no incumbent".into(),
                Solved::Numerical(m) => format!("numerical failure ({m})"),
            },
            started.elapsed().as_secs_f64()
        );
    }
    let floor = floor_bound(ctx, data, scope, &targets, travel_weight);
    match outcome {
        Solved::Plan(res) => {
            let mut sol = read(ctx, data, scope, &built.handles, &res, variables);
            sol.bound = sol.bound.max(floor).min(sol.objective);
            if let Some(l) = start
                && l.objective < sol.objective
            {
                let bound = sol.bound.max(l.bound).min(l.objective);
                sol = ScopeSolution { bound, ..l };
            }
            Ok(Some(sol))
        }
        Solved::Infeasible => Ok(None),
        Solved::NoIncumbent | Solved::Numerical(_) if start.is_some() => {
            Ok(start.map(|l| ScopeSolution {
                status: if deadline.expired() {
                    Status::TimeLimit
                } else {
                    l.status
                },
                bound: l.bound.max(floor).min(l.objective),
                ..l
            }))
        }
        fallback @ (Solved::NoIncumbent | Solved::Numerical(_)) => {
            let scope_model = ScopeModel {
                ctx,
                hier,
                data,
                scope,
                targets: &targets,
                travel_weight,
            };
            fallback_plan(&scope_model, &fallback, deadline, backend, variables)
        }
    }
}

/// One scope's model inputs, for the fallback.
struct ScopeModel<'m> {
    ctx: &'m Context<'m>,
    hier: &'m HierarchyPlan,
    data: &'m ServiceData<'m>,
    scope: &'m Scope,
    targets: &'m Targets<'m>,
    travel_weight: f64,
}

impl ScopeModel<'_> {
    fn build(&self, mode: Mode) -> Built {
        build(
            self.ctx,
            self.hier,
            self.data,
            self.scope,
            self.targets,
            self.travel_weight,
            mode,
        )
    }

    fn solve_fixed(&self, fixed: Fixed, limits: Limits) -> Result<Option<ScopeSolution>> {
        solve_fixed_then(self, fixed, limits, |_| {})
    }
}

/// A plan when the MILP found none in time (or failed numerically): the LP relaxation rounded
/// up, else every site open; the LP optimum is its proven bound.
fn fallback_plan(
    m: &ScopeModel,
    fallback: &Solved,
    deadline: Deadline,
    backend: Backend,
    variables: usize,
) -> Result<Option<ScopeSolution>> {
    let (ctx, data, scope) = (m.ctx, m.data, m.scope);
    let build_as = |mode| m.build(mode);
    let floor_value = floor_bound(ctx, data, scope, m.targets, m.travel_weight);
    // The fallback matters more than the limit: a plan with an honest gap beats no
    // plan, so each fallback solve gets at least a quarter of the limit (and 2 s).
    let floor = deadline.span().map_or(0.0, |t| (t / 4.0).max(2.0));
    let left = || deadline.remaining().map(|t| t.max(floor));
    // The LP relaxation: its optimum is the proven bound. Its whole choices make a smaller
    // MILP (sites at 1 open, at 0 closed, the fractional ones left to choose), whose plans are
    // plans of the scope; failing that, its open sites rounded up are a plan, since opening
    // more never breaks a constraint of a decomposed scope and the LP's seats still fit.
    let relaxed = build_as(Mode::Relaxed);
    let (bound, rounded) = match relaxed.milp.solve_by(backend, left(), 0.0)? {
        Solved::Plan(r) => (
            r.objective,
            lp_guided_plan(m, &relaxed.handles, &r, deadline, left(), backend)?,
        ),
        _ => (f64::NEG_INFINITY, None),
    };
    let mut sol = match rounded {
        Some(mut sol) => {
            sol.variables = variables;
            sol
        }
        None => {
            let all = build_as(Mode::OpenAll);
            match all.milp.solve_by(backend, left(), 0.0)? {
                Solved::Plan(res) => read(ctx, data, scope, &all.handles, &res, variables),
                Solved::Infeasible => return Ok(None),
                Solved::NoIncumbent => {
                    return Err(crate::Error::Infeasible(
                        "the time limit ended the solve before any feasible plan was \
                         found; allow more time (a longer time limit)"
                            .to_string(),
                    ));
                }
                Solved::Numerical(m) => {
                    return Err(crate::Error::Internal(format!(
                        "MILP solver failed on the model and on its open-every-site \
                         fallback: {m}"
                    )));
                }
            }
        }
    };
    sol.bound = bound.max(floor_value).min(sol.objective);
    // No incumbent: the limit came first (`Status::honest` renames a limit the user
    // did not set). A numerical failure: the search stalled; the fallback's plan is
    // reported with its proven gap.
    sol.status = match fallback {
        Solved::NoIncumbent => Status::TimeLimit,
        _ => Status::Stalled,
    };
    Ok(Some(sol))
}

/// A plan guided by the LP relaxation's values: its whole choices kept and its fractional
/// sites chosen by a small MILP within the time truly left, else every site the LP uses open.
fn lp_guided_plan(
    m: &ScopeModel,
    h: &Handles,
    r: &MilpResult,
    deadline: Deadline,
    left: Option<f64>,
    backend: Backend,
) -> Result<Option<ScopeSolution>> {
    let scope = m.scope;
    let split = |ids: &[usize], var: &HashMap<usize, Variable>| {
        let (mut one, mut some) = (BTreeSet::new(), BTreeSet::new());
        for &i in ids {
            let v = r.value(var[&i]);
            if v >= 1.0 - 1e-6 {
                one.insert(i);
            } else if v > 1e-6 {
                some.insert(i);
            }
        }
        (one, some)
    };
    let (open, free) = split(&scope.sites, &h.y);
    let (mobile, free_mobile) = split(&scope.mobiles, &h.mobile);
    let solve = |fixed: Fixed, seconds: Option<f64>| {
        let limits = Limits {
            deadline: Deadline::after(seconds),
            mip_gap: COMPONENT_FALLBACK_GAP,
            backend,
            warm: None,
        };
        m.solve_fixed(fixed, limits)
    };
    let none = BTreeSet::new();
    // The small MILP only within the time truly left (no floor: it is optional).
    let restricted = match deadline.remaining() {
        Some(t) if t < 0.01 => None,
        t => solve(
            Fixed {
                open: &open,
                mobile: &mobile,
                free: &free,
                free_mobile: &free_mobile,
            },
            t,
        )?,
    };
    let rounded = match restricted {
        Some(sol) => Some(sol),
        None => {
            let all_open: BTreeSet<usize> = open.union(&free).copied().collect();
            let all_mobile: BTreeSet<usize> = mobile.union(&free_mobile).copied().collect();
            let fixed = Fixed {
                open: &all_open,
                mobile: &all_mobile,
                free: &none,
                free_mobile: &none,
            };
            solve(fixed, left)?
        }
    };
    Ok(rounded)
}

/// Among the scope's plans of the proven least cost `cost` (within `slack`: half a cost
/// granule, or a rounding tolerance), the canonical one: the least total site priority (see
/// [`priority`]), found by a second exact MILP with the cost fixed. Every backend then returns
/// the same plan where several cost the same (the first solve's pick among them is the
/// backend's own), and the local travel tie-break starts from it. `Ok(None)` when the solve
/// does not finish within the limits; the caller keeps its plan.
pub fn canonical_scope(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    cost: f64,
    slack: f64,
    limits: Limits,
) -> Result<Option<ScopeSolution>> {
    let slack = slack.max(1e-7 * cost.abs());
    let mut built = build(
        ctx,
        hier,
        data,
        scope,
        &Targets::Enforce,
        0.0,
        Mode::Integer,
    );
    let h = &built.handles;
    let money = h.money.clone() + h.closing_constant;
    built.milp.constrain(money.leq(cost + slack));
    built.milp.objective = priority(ctx, data, scope, &built.handles);
    let variables = built.milp.variable_count();
    let left = limits.deadline.remaining();
    match built.milp.solve_by(limits.backend, left, 0.0)? {
        Solved::Plan(res) if res.status == Status::Optimal => {
            let mut sol = read(ctx, data, scope, &built.handles, &res, variables);
            log::debug!(
                "[plan]   {}: canonical plan among cost {cost:.2} ({} free sites): priority {:.0}, sites {:?}",
                data.service.name,
                scope
                    .sites
                    .iter()
                    .filter(|&&j| data.sites[j].fixed.is_none())
                    .count(),
                res.objective,
                sol.open
            );
            if sol.cost > cost + slack {
                return Ok(None);
            }
            sol.objective = sol.cost;
            sol.bound = sol.cost;
            Ok(Some(sol))
        }
        _ => {
            log::debug!(
                "[plan]   {}: no canonical plan within the limits",
                data.service.name
            );
            Ok(None)
        }
    }
}

/// The seats of a solved capacity scope, re-solved with its open sites and roving teams fixed:
/// what is left is a linear programme (seat shares and expansions), solved to its own optimum.
/// A branch and bound stops once no node can beat its incumbent by more than its tolerance,
/// which on Daishan's schools left 449 pupil-minutes of travel (4.49 objective units in 3.8e7)
/// on the table; this closes that. `Ok(None)` when the re-solve does not finish or finds
/// nothing better (the caller keeps its plan).
pub fn polish_seats(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    sol: &ScopeSolution,
    travel_weight: f64,
    limits: Limits,
) -> Result<Option<ScopeSolution>> {
    let open: BTreeSet<usize> = sol.open.iter().copied().collect();
    let mobile: BTreeSet<usize> = sol.mobile.iter().copied().collect();
    let none = BTreeSet::new();
    let fixed = Fixed {
        open: &open,
        mobile: &mobile,
        free: &none,
        free_mobile: &none,
    };
    let m = ScopeModel {
        ctx,
        hier,
        data,
        scope,
        targets: &Targets::Enforce,
        travel_weight,
    };
    let Some(mut polished) = m.solve_fixed(fixed, limits)? else {
        return Ok(None);
    };
    let objective = |x: &ScopeSolution| x.cost + travel_weight * x.travel;
    // Then the least travel at that cost: an LP on the travel alone is well scaled, where the
    // tie-break's minutes weigh 1e-8 of the objective beside the money and backends stop at
    // different points of the same near-flat face (microlp and HiGHS left Daishan's schools 56
    // pupil-minutes apart at equal cost).
    if travel_weight > 0.0
        && let Some(least) = least_travel(&m, &polished, fixed, limits)?
        && least.open == polished.open
        && objective(&least) <= objective(&polished) + 1e-9 * objective(&polished).abs()
    {
        polished = least;
    }
    let before = objective(sol);
    let after = objective(&polished);
    if after >= before || polished.open != sol.open {
        return Ok(None);
    }
    log::debug!(
        "[plan]   {}: seats polished with the sites fixed: objective {before:.4} -> {after:.4}",
        data.service.name
    );
    polished.variables = sol.variables;
    polished.status = sol.status;
    Ok(Some(polished))
}

/// The plan's sites with the least travel at no more than `base`'s cost (the model's own
/// objective replaced by its travel).
fn least_travel(
    m: &ScopeModel,
    base: &ScopeSolution,
    fixed: Fixed,
    limits: Limits,
) -> Result<Option<ScopeSolution>> {
    solve_fixed_then(m, fixed, limits, |built| {
        let money = built.handles.money.clone() + built.handles.closing_constant;
        built.milp.constrain(money.leq(base.cost + 1e-6));
        built.milp.objective = built.handles.travel.clone();
    })
}

/// Holds the sites and roving teams `fixed` says (rows in scope order, never a hash map's,
/// so the same inputs give the same model).
fn fix_choices(built: &mut Built, scope: &Scope, fixed: Fixed) {
    for &j in scope.sites.iter().filter(|j| !fixed.free.contains(j)) {
        let v = if fixed.open.contains(&j) { 1.0 } else { 0.0 };
        built
            .milp
            .constrain(Expression::from(built.handles.y[&j]).eq(v));
    }
    for &m in scope
        .mobiles
        .iter()
        .filter(|m| !fixed.free_mobile.contains(m))
    {
        let v = if fixed.mobile.contains(&m) { 1.0 } else { 0.0 };
        built
            .milp
            .constrain(Expression::from(built.handles.mobile[&m]).eq(v));
    }
}

/// Which sites and roving teams a re-solve holds open, which it leaves to choose (`free`);
/// all others are closed.
#[derive(Clone, Copy)]
struct Fixed<'a> {
    open: &'a BTreeSet<usize>,
    mobile: &'a BTreeSet<usize>,
    free: &'a BTreeSet<usize>,
    free_mobile: &'a BTreeSet<usize>,
}

/// The scope's model with every open/close choice fixed as `fixed` says (a linear programme
/// over seats, expansions and cover, or a small MILP over the `free` sites), `adjust` changing
/// the model (rows, objective) before the solve. `Ok(None)` when it is infeasible or does not
/// finish.
fn solve_fixed_then(
    m: &ScopeModel,
    fixed: Fixed,
    limits: Limits,
    adjust: impl FnOnce(&mut Built),
) -> Result<Option<ScopeSolution>> {
    let mut built = m.build(Mode::Integer);
    fix_choices(&mut built, m.scope, fixed);
    adjust(&mut built);
    let variables = built.milp.variable_count();
    let free = !fixed.free.is_empty() || !fixed.free_mobile.is_empty();
    match built
        .milp
        .solve_by(limits.backend, limits.deadline.remaining(), limits.mip_gap)?
    {
        Solved::Plan(res) if free || res.status == Status::Optimal => Ok(Some(read(
            m.ctx,
            m.data,
            m.scope,
            &built.handles,
            &res,
            variables,
        ))),
        _ => Ok(None),
    }
}

/// Each open site's (and roving team's) priority, a whole number below 2^22: sites that
/// bring their settlements closer come first (the high bits: 1,023 less the site's share of
/// the best site's demand-weighted minutes saved against an uncovered trip of twice the
/// standard), then a hash of the id (the low 12 bits), so the order depends on the sites,
/// not on their position in the input.
fn priority(ctx: &Context, data: &ServiceData, scope: &Scope, h: &Handles) -> Expression {
    let (sites, mobiles) = priorities(ctx, data, scope);
    let mut priority = Expression::default();
    for (&j, w) in scope.sites.iter().zip(sites) {
        priority.add_mul(w, h.y[&j]);
    }
    for (&m, w) in scope.mobiles.iter().zip(mobiles) {
        priority.add_mul(w, h.mobile[&m]);
    }
    priority
}

/// The priorities of the scope's sites and roving teams, in scope order.
fn priorities(ctx: &Context, data: &ServiceData, scope: &Scope) -> (Vec<f64>, Vec<f64>) {
    let standard = data.service.standard_minutes;
    let mut saved: HashMap<usize, f64> = HashMap::new();
    for &a in &scope.settlements {
        for &(j, d) in &data.reach[a] {
            if d <= standard {
                *saved.entry(j).or_default() += data.demand[a].max(0.0) * (2.0 * standard - d);
            }
        }
    }
    let best = saved.values().copied().fold(0.0, f64::max);
    let rank = |j: usize| {
        let share = if best > 0.0 {
            saved.get(&j).copied().unwrap_or(0.0) / best
        } else {
            0.0
        };
        1023.0 - (share * 1023.0).round()
    };
    let sites = scope
        .sites
        .iter()
        .map(|&j| rank(j) * 4096.0 + id_hash(&data.sites[j].id))
        .collect();
    let mobiles = scope
        .mobiles
        .iter()
        .map(|&m| {
            let island = &ctx.ds.islands[data.mobile_options[m].island].id;
            1023.0 * 4096.0 + id_hash(&format!("roving:{island}"))
        })
        .collect();
    (sites, mobiles)
}

/// A whole number in 1..=4096 from an id (FNV-1a, then the SplitMix64 finaliser, so ids
/// that differ in their last character land far apart).
fn id_hash(id: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    ((h >> 52) + 1) as f64
}

/// A lower bound on the scope's model that needs no solve: every site costs at least the
/// cheaper of open and closed (its fixed state when fixed), every seated demand unit at least
/// its cheapest seat (per-unit cost plus the travel tie-break), and priced cover earns at most
/// the price of all the cover in scope. The floor under a solve the time limit cut short
/// before its LP bound (a large capacitated component), instead of no bound at all.
fn floor_bound(
    ctx: &Context,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
    travel_weight: f64,
) -> f64 {
    let sites = &data.sites;
    let capacity_mode = data.service.assign == Assign::Capacity;
    let mut floor = 0.0;
    // Seats the scope may buy beyond its fixed sites: (cost per seat, seats); `None` seats
    // for an uncapacitated site.
    let mut offers: Vec<(f64, Option<f64>)> = Vec::new();
    let mut fixed_seats = 0.0;
    for &j in &scope.sites {
        let s = &sites[j];
        let open = s.annual_cost + s.open_cost;
        let closed = s.close_cost;
        let cap = s.capacity;
        match s.fixed {
            Some(true) => {
                floor += open;
                fixed_seats += cap.unwrap_or(f64::INFINITY);
            }
            Some(false) => floor += closed,
            None => {
                floor += open.min(closed);
                let extra = (open - closed).max(0.0);
                match cap {
                    Some(c) if c > 0.0 => offers.push((extra / c, Some(c))),
                    Some(_) => {}
                    None => offers.push((extra, None)),
                }
            }
        }
        if capacity_mode && s.fixed != Some(false) && s.expand_max > 0.0 && cap.is_some() {
            offers.push((s.expand_cost_per_unit, Some(s.expand_max)));
        }
    }
    if capacity_mode {
        let mut demand = 0.0;
        let seated: Vec<usize> = scope
            .settlements
            .iter()
            .copied()
            .filter(|&a| data.demand[a] > 0.0)
            .collect();
        for &a in &seated {
            let w = data.demand[a];
            demand += w;
            let cheapest = data.reach[a]
                .iter()
                .filter(|&&(j, _)| sites[j].fixed != Some(false))
                .map(|&(j, d)| sites[j].cost_per_unit + travel_weight * d)
                .fold(f64::INFINITY, f64::min);
            if cheapest.is_finite() {
                floor += w * cheapest;
            }
        }
        // Two bounds on what opening sites adds to the baseline above; the larger counts.
        let for_seats = cheapest_seats(offers, demand - fixed_seats);
        let for_cover = cover_dual_ascent(data, scope, seated);
        floor += for_seats.max(for_cover);
    }
    if let Targets::Price(price) = *targets {
        for (ti, t) in data.targets.iter().enumerate() {
            if t.share() >= 1.0 || price[ti] == 0.0 {
                continue;
            }
            let most = if t.measure == Measure::Islands {
                scope
                    .islands
                    .iter()
                    .filter(|&&k| island_in_units(ctx, t, k))
                    .count() as f64
            } else {
                scope
                    .settlements
                    .iter()
                    .map(|&a| target_weight(ctx, data, ti, a))
                    .sum()
            };
            floor -= price[ti].max(0.0) * most;
        }
    }
    floor
}

/// The cheapest way to buy `short` seats from `offers` (cost per seat, seats; `None` seats:
/// unlimited for its cost), the last offer taken in part: the LP of "capacity bought covers
/// the demand".
fn cheapest_seats(mut offers: Vec<(f64, Option<f64>)>, mut short: f64) -> f64 {
    offers.sort_by(|p, q| p.0.total_cmp(&q.0));
    let mut cost = 0.0;
    for (per_seat, seats) in offers {
        if short <= 0.0 {
            break;
        }
        match seats {
            None => {
                cost += per_seat;
                short = 0.0;
            }
            Some(n) => {
                let take = n.min(short);
                cost += per_seat * take;
                short -= take;
            }
        }
    }
    cost
}

/// Every settlement with demand needs one of its sites open: a feasible dual of that
/// set-cover LP by dual ascent (fewest choices first), each site's extra cost over closing
/// shared among the settlements it may seat.
fn cover_dual_ascent(data: &ServiceData, scope: &Scope, mut order: Vec<usize>) -> f64 {
    let sites = &data.sites;
    let mut residual: HashMap<usize, f64> = scope
        .sites
        .iter()
        .map(|&j| {
            let s = &sites[j];
            let open = s.annual_cost + s.open_cost;
            let closed = s.close_cost;
            let extra = match s.fixed {
                None => (open - closed).max(0.0),
                _ => 0.0,
            };
            (j, extra)
        })
        .collect();
    let usable = |a: usize| {
        data.reach[a]
            .iter()
            .filter(|&&(j, _)| sites[j].fixed != Some(false))
            .map(|&(j, _)| j)
    };
    order.sort_by_key(|&a| (usable(a).count(), a));
    let mut total = 0.0;
    for a in order {
        let u = usable(a)
            .map(|j| residual.get(&j).copied().unwrap_or(0.0))
            .fold(f64::INFINITY, f64::min);
        if !u.is_finite() || u <= 0.0 {
            continue;
        }
        total += u;
        for j in usable(a) {
            if let Some(r) = residual.get_mut(&j) {
                *r -= u;
            }
        }
    }
    total
}

/// Variables of a built model, to read a solution back.
struct Handles {
    y: HashMap<usize, Variable>,
    e: HashMap<usize, Variable>,
    mobile: HashMap<usize, Variable>,
    x: HashMap<usize, Vec<(usize, f64, Variable)>>,
    money: Expression,
    travel: Expression,
    closing_constant: f64,
}

struct Built {
    milp: Milp,
    handles: Handles,
}

fn read(
    ctx: &Context,
    data: &ServiceData,
    scope: &Scope,
    h: &Handles,
    res: &MilpResult,
    variables: usize,
) -> ScopeSolution {
    let res = &res.snapped(SNAP);
    let mut sol = ScopeSolution {
        objective: res.objective,
        bound: res.bound,
        status: res.status,
        variables,
        ..Default::default()
    };
    for &j in &scope.sites {
        if res.value(h.y[&j]) > 0.5 {
            sol.open.push(j);
        }
    }
    for &mi in &scope.mobiles {
        if res.value(h.mobile[&mi]) > 0.5 {
            sol.mobile.push(mi);
        }
    }
    for (&j, &ev) in &h.e {
        let v = res.value(ev);
        if v > 1e-9 {
            sol.expansion.push((j, v));
        }
    }
    sol.expansion.sort_by_key(|p| p.0);
    for &a in &scope.settlements {
        for &(j, _, v) in h.x.get(&a).map(Vec::as_slice).unwrap_or(&[]) {
            let share = res.value(v).clamp(0.0, 1.0);
            if share > 1e-9 {
                sol.flows.push((a, j, share));
            }
        }
    }
    sol.cost = res.eval(&h.money) + h.closing_constant;
    sol.travel = res.eval(&h.travel);
    sol.covered = covered_by(ctx, data, scope, &sol);
    sol
}

/// Cover per target achieved by a scope's plan, measured on the plan itself (a model's
/// cover variables may sit below the true cover when nothing rewards them).
pub(super) fn covered_by(
    ctx: &Context,
    data: &ServiceData,
    scope: &Scope,
    sol: &ScopeSolution,
) -> Vec<f64> {
    let open: std::collections::HashSet<usize> = sol.open.iter().copied().collect();
    let mut seated: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
    for &(a, j, share) in &sol.flows {
        seated.entry(a).or_default().push((j, share));
    }
    let served = Served {
        open: &|j| open.contains(&j),
        roving: &|k| {
            sol.mobile
                .iter()
                .any(|&m| data.mobile_options[m].island == k)
        },
        seated: (data.service.assign == Assign::Capacity).then_some(&seated),
        expansion: &|j| sol.expansion.iter().find(|p| p.0 == j).map_or(0.0, |p| p.1),
    };
    data.targets
        .iter()
        .map(|t| covered_measure(ctx, data, t, &scope.settlements, &scope.islands, &served))
        .collect()
}

/// The scope's model under construction: one method per family of variables and rows, called
/// in a fixed order (variable and row order decide the solver's path, so the same inputs give
/// the same plan).
struct Builder<'b> {
    ctx: &'b Context<'b>,
    hier: &'b HierarchyPlan,
    data: &'b ServiceData<'b>,
    scope: &'b Scope,
    mode: Mode,
    capacity_mode: bool,
    milp: Milp,
    money: Expression,
    travel: Expression,
    closing_constant: f64,
    /// Site open, added capacity, roving team, seat shares, cover per standard, load per site,
    /// island cover.
    y: HashMap<usize, Variable>,
    e: HashMap<usize, Variable>,
    mobile: HashMap<usize, Variable>,
    x: HashMap<usize, Vec<(usize, f64, Variable)>>,
    z: Vec<HashMap<usize, Variable>>,
    load: HashMap<usize, Expression>,
    u: HashMap<usize, Variable>,
}

fn build(
    ctx: &Context,
    hier: &HierarchyPlan,
    data: &ServiceData,
    scope: &Scope,
    targets: &Targets,
    travel_weight: f64,
    mode: Mode,
) -> Built {
    let mut b = Builder {
        ctx,
        hier,
        data,
        scope,
        mode,
        capacity_mode: data.service.assign == Assign::Capacity,
        milp: Milp::new(),
        money: Expression::default(),
        travel: Expression::default(),
        closing_constant: 0.0,
        y: HashMap::with_capacity(scope.sites.len()),
        e: HashMap::new(),
        mobile: HashMap::new(),
        x: HashMap::new(),
        z: vec![HashMap::new(); data.standards.len()],
        load: HashMap::new(),
        u: HashMap::new(),
    };
    b.sites();
    b.expansions();
    b.roving_teams();
    b.assignment_and_cover();
    b.open_before_close();
    b.capacities();
    b.island_cover();
    let cover = b.targets(targets);
    b.per_leader();
    b.supply();
    b.objective(targets, &cover, travel_weight);
    Built {
        milp: b.milp,
        handles: Handles {
            y: b.y,
            e: b.e,
            mobile: b.mobile,
            x: b.x,
            money: b.money,
            travel: b.travel,
            closing_constant: b.closing_constant,
        },
    }
}

impl Builder<'_> {
    /// A binary, or its relaxation in [0, 1].
    fn binary(&self) -> good_lp::VariableDefinition {
        match self.mode {
            Mode::Relaxed => variable().min(0).max(1),
            _ => variable().binary(),
        }
    }

    /// `y_j`: each site open (fixed sites fixed; every free site under `OpenAll`); running,
    /// opening and (saved) closing costs.
    fn sites(&mut self) {
        let (scope, sites, mode) = (self.scope, &self.data.sites, self.mode);
        for &j in &scope.sites {
            let s = &sites[j];
            let v = self.milp.add(match (s.fixed, mode) {
                (Some(true), _) | (None, Mode::OpenAll) => self.binary().min(1),
                (Some(false), _) => self.binary().max(0),
                (None, _) => self.binary(),
            });
            let saved = s.close_cost;
            self.closing_constant += saved;
            self.money.add_mul(s.annual_cost + s.open_cost - saved, v);
            self.y.insert(j, v);
        }
    }

    /// `e_j`: capacity added to an existing capacitated site, only where it is open.
    fn expansions(&mut self) {
        let (scope, sites, capacity_mode) = (self.scope, &self.data.sites, self.capacity_mode);
        for &j in &scope.sites {
            let s = &sites[j];
            if capacity_mode
                && s.expand_max > 0.0
                && s.capacity.is_some()
                && !matches!(s.origin, SiteOrigin::New(_))
            {
                // A decided expansion is a lower bound (its site is forced open).
                let v = self
                    .milp
                    .add(variable().min(s.expand_min).max(s.expand_max));
                self.milp
                    .constrain((Expression::from(v) - s.expand_max * self.y[&j]).leq(0));
                self.money.add_mul(s.expand_cost_per_unit, v);
                self.e.insert(j, v);
            }
        }
    }

    /// `m_k`: a roving team for island k.
    fn roving_teams(&mut self) {
        let (scope, data) = (self.scope, self.data);
        for &mi in &scope.mobiles {
            let v = self.milp.add(if self.mode == Mode::OpenAll {
                self.binary().min(1)
            } else {
                self.binary()
            });
            self.money.add_mul(data.mobile_options[mi].annual_cost, v);
            self.mobile.insert(mi, v);
        }
    }

    /// `x_aj` seat shares (capacity services, or per-unit costs) and `z_a` cover per
    /// standard; full seating where demand is seated.
    fn assignment_and_cover(&mut self) {
        let (ctx, data, scope) = (self.ctx, self.data, self.scope);
        let (sites, capacity_mode) = (&data.sites, self.capacity_mode);
        let standard = data.service.standard_minutes;
        let want_assignment =
            capacity_mode || scope.sites.iter().any(|&j| sites[j].cost_per_unit > 0.0);
        for &a in &scope.settlements {
            let w = data.demand[a];
            let counted = (0..data.targets.len()).any(|t| target_weight(ctx, data, t, a) > 0.0);
            if w <= 0.0 && !counted {
                continue;
            }
            let mut xa = Vec::new();
            if want_assignment && w > 0.0 {
                for &(j, d) in &data.reach[a] {
                    if !capacity_mode && d > standard {
                        continue;
                    }
                    let Some(&yj) = self.y.get(&j) else { continue };
                    let v = self.milp.add(variable().min(0).max(1));
                    self.milp.constrain((Expression::from(v) - yj).leq(0));
                    self.money.add_mul(w * sites[j].cost_per_unit, v);
                    self.travel.add_mul(w * d, v);
                    self.load.entry(j).or_default().add_mul(w, v);
                    xa.push((j, d, v));
                }
            }
            for (si, &m) in data.standards.iter().enumerate() {
                let zv = self.milp.add(variable().min(0).max(1));
                let mut rhs = Expression::default();
                if capacity_mode && w > 0.0 {
                    for &(_, d, v) in &xa {
                        if d <= m {
                            rhs.add_mul(1.0, v);
                        }
                    }
                } else {
                    for &(j, d) in &data.reach[a] {
                        if d <= m
                            && let Some(&yj) = self.y.get(&j)
                        {
                            rhs.add_mul(1.0, yj);
                        }
                    }
                }
                self.milp.constrain((Expression::from(zv) - rhs).leq(0));
                self.z[si].insert(a, zv);
            }
            let z_std = self.z[0][&a];
            if capacity_mode && w > 0.0 {
                let seated: Expression = xa.iter().map(|&(_, _, v)| v).sum();
                self.milp.constrain(seated.eq(1));
            } else if want_assignment && w > 0.0 {
                let assigned: Expression = xa.iter().map(|&(_, _, v)| v).sum();
                self.milp.constrain((assigned - z_std).eq(0));
            }
            self.x.insert(a, xa);
        }
    }

    /// A settlement in an existing site's catchment stays covered or the site stays open.
    fn open_before_close(&mut self) {
        let data = self.data;
        if data.service.open_before_close {
            for &(a, j) in &data.catchments {
                if let (Some(&zv), Some(&yj)) = (self.z[0].get(&a), self.y.get(&j)) {
                    self.milp.constrain((Expression::from(zv) + yj).geq(1));
                }
            }
        }
    }

    /// Load within capacity (plus expansion) where demand is seated.
    fn capacities(&mut self) {
        let (scope, sites) = (self.scope, &self.data.sites);
        if self.capacity_mode {
            for &j in &scope.sites {
                if let (Some(cap), Some(l)) = (sites[j].capacity, self.load.get(&j)) {
                    let mut limit = cap * self.y[&j];
                    if let Some(&ev) = self.e.get(&j) {
                        limit += ev;
                    }
                    self.milp.constrain((l.clone() - limit).leq(0));
                }
            }
        }
    }

    /// `u_k`: island cover by a site on the island or a roving team (island targets only).
    fn island_cover(&mut self) {
        let (data, scope, sites) = (self.data, self.scope, &self.data.sites);
        if data.targets.iter().any(|t| t.measure == Measure::Islands) {
            for &k in &scope.islands {
                let v = self.milp.add(variable().min(0).max(1));
                let mut rhs: Expression = scope
                    .sites
                    .iter()
                    .filter(|&&j| sites[j].island == k)
                    .map(|j| self.y[j])
                    .sum();
                for (&mi, &mv) in &self.mobile {
                    if data.mobile_options[mi].island == k {
                        rhs.add_mul(1.0, mv);
                    }
                }
                self.milp.constrain((Expression::from(v) - rhs).leq(0));
                self.u.insert(k, v);
            }
        }
    }

    /// Each target's covered measure; enforced as a row, or element by element when priced
    /// with share 1.
    fn targets(&mut self, targets: &Targets) -> Vec<Expression> {
        let (ctx, data, scope) = (self.ctx, self.data, self.scope);
        let mut cover_exprs: Vec<Expression> = Vec::with_capacity(data.targets.len());
        for (ti, t) in data.targets.iter().enumerate() {
            let mut got = Expression::default();
            if t.is_count() {
                let got = self.count(t);
                let (lo, hi) = t.count_bounds();
                self.milp.constrain(got.clone().geq(lo - 1e-9));
                if hi.is_finite() {
                    self.milp.constrain(got.clone().leq(hi + 1e-9));
                }
                cover_exprs.push(got);
                continue;
            }
            if t.measure == Measure::Towns {
                got = self.towns(t);
            } else if t.measure == Measure::Islands {
                for &k in &scope.islands {
                    if island_in_units(ctx, t, k) {
                        got.add_mul(1.0, self.u[&k]);
                    }
                }
            } else {
                let si = data.standard_index(t);
                for &a in &scope.settlements {
                    if let Some(&zv) = self.z[si].get(&a) {
                        got.add_mul(target_weight(ctx, data, ti, a), zv);
                    }
                }
            }
            match targets {
                Targets::Enforce => {
                    let total = target_total(ctx, data, ti);
                    self.milp
                        .constrain(got.clone().geq(t.share() * total - 1e-9 * total.max(1.0)));
                }
                Targets::Price(_) if t.share() >= 1.0 => {
                    if t.measure == Measure::Islands {
                        for &k in &scope.islands {
                            if island_in_units(ctx, t, k) {
                                self.milp.constrain(Expression::from(self.u[&k]).geq(1));
                            }
                        }
                    } else {
                        let si = data.standard_index(t);
                        for &a in &scope.settlements {
                            if target_weight(ctx, data, ti, a) > 0.0
                                && let Some(&zv) = self.z[si].get(&a)
                            {
                                self.milp.constrain(Expression::from(zv).geq(1));
                            }
                        }
                    }
                }
                Targets::Price(_) => {}
            }
            cover_exprs.push(got);
        }
        cover_exprs
    }

    /// A township target's townships with a site: `w_t <= sum of y_j` over the sites in town t
    /// (the scope is whole: township targets are not priced).
    fn towns(&mut self, t: &crate::scenario::Target) -> Expression {
        let (ctx, data) = (self.ctx, self.data);
        let mut got = Expression::default();
        for town in super::data::target_towns(ctx, t) {
            let w = self.milp.add(variable().min(0).max(1));
            let mut here = Expression::default();
            for &j in &self.scope.sites {
                if data.site_town[j].as_deref() == Some(town) {
                    here.add_mul(1.0, self.y[&j]);
                }
            }
            self.milp.constrain((Expression::from(w) - here).leq(0));
            got.add_mul(1.0, w);
        }
        got
    }

    /// A count target's count: `y_j` of the sites it counts open, `1 - y_j` of the existing
    /// sites it counts closed (enforced on the whole archipelago: the scope is whole).
    fn count(&mut self, t: &crate::scenario::Target) -> Expression {
        use crate::scenario::SiteCount;
        let (ctx, data) = (self.ctx, self.data);
        let state = t.sites.unwrap_or_default();
        let closed = state == SiteCount::Closed;
        let expanded = state == SiteCount::Expanded;
        let mut got = Expression::default();
        for &j in &self.scope.sites {
            if !super::data::site_counts(ctx, data, t, j, !closed, true) {
                continue;
            }
            if expanded {
                // w_j = 1 exactly when at least one seat is added: e_j >= w_j (a whole seat)
                // and e_j <= expand_max * w_j.
                let Some(&e) = self.e.get(&j) else { continue };
                let w = self.milp.add(self.binary());
                let most = data.sites[j].expand_max;
                self.milp
                    .constrain((Expression::from(w) - Expression::from(e)).leq(0));
                self.milp
                    .constrain((Expression::from(e) - most * Expression::from(w)).leq(0));
                got.add_mul(1.0, w);
            } else if closed {
                got += 1.0 - Expression::from(self.y[&j]);
            } else {
                got.add_mul(1.0, self.y[&j]);
            }
        }
        got
    }

    /// One site of each `per_leader` level on every leader island in scope.
    fn per_leader(&mut self) {
        let (ctx, hier, scope, sites) = (self.ctx, self.hier, self.scope, &self.data.sites);
        for level in self.data.service.levels.iter().filter(|l| l.per_leader) {
            for &l in &scope.leaders {
                if !leader_must_host(ctx, hier, level, l) {
                    continue;
                }
                let here: Expression = scope
                    .sites
                    .iter()
                    .filter(|&&j| sites[j].island == l && sites[j].level == level.level)
                    .map(|j| self.y[j])
                    .sum();
                self.milp.constrain(here.geq(1));
            }
        }
    }

    /// Hub-and-spoke supply, and supplied cover (see below).
    fn supply(&mut self) {
        let (data, scope, capacity_mode) = (self.data, self.scope, self.capacity_mode);
        for &j in &scope.sites {
            if let Some(from) = data.suppliers.get(&j) {
                let rhs: Expression = from.iter().filter_map(|c| self.y.get(c)).copied().sum();
                self.milp
                    .constrain((Expression::from(self.y[&j]) - rhs).leq(0));
            }
        }
        // Supplied cover: a settlement covered through a supplied site also needs that site's
        // supplier open. Implied by the rows above for integer plans, but it closes most of the
        // LP gap that fractional suppliers leave (the Daishan meal service: 0.6 s instead of 6).
        if !capacity_mode && !data.suppliers.is_empty() {
            for (si, &m) in data.standards.iter().enumerate() {
                for &a in &scope.settlements {
                    let Some(&zv) = self.z[si].get(&a) else {
                        continue;
                    };
                    let mut via: BTreeSet<usize> = BTreeSet::new();
                    for &(j, d) in &data.reach[a] {
                        if d > m || !self.y.contains_key(&j) {
                            continue;
                        }
                        match data.suppliers.get(&j) {
                            Some(from) => {
                                via.extend(from.iter().copied().filter(|c| self.y.contains_key(c)))
                            }
                            None => {
                                via.insert(j);
                            }
                        }
                    }
                    let rhs: Expression = via.iter().map(|c| self.y[c]).sum();
                    self.milp.constrain((Expression::from(zv) - rhs).leq(0));
                }
            }
        }
    }

    /// Cost, plus the travel tie-break (capacity services), minus the priced cover.
    fn objective(&mut self, targets: &Targets, cover_exprs: &[Expression], travel_weight: f64) {
        let data = self.data;
        let travel_weight = if self.capacity_mode {
            travel_weight
        } else {
            0.0
        };
        let mut objective =
            self.money.clone() + travel_weight * self.travel.clone() + self.closing_constant;
        if let Targets::Price(price) = *targets {
            for (ti, t) in data.targets.iter().enumerate() {
                if t.share() < 1.0 && price[ti] != 0.0 {
                    objective -= price[ti] * cover_exprs[ti].clone();
                }
            }
        }
        self.milp.objective = objective;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::scenario::Scenario;

    /// A generated archipelago, written and read back as a user's would be.
    pub(crate) fn generated(
        islands: usize,
        settlements: usize,
        seed: u64,
    ) -> (tempfile::TempDir, crate::layers::DataSet) {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("ds");
        crate::synth::generate(crate::synth::SynthParams {
            islands,
            settlements,
            seed,
        })
        .expect("generate")
        .write(&out)
        .expect("write");
        let (ds, _) = crate::layers::DataSet::load(&out).expect("load");
        (dir, ds)
    }

    /// The floor put under cut-short solves is a lower bound: never above the proven optimum
    /// of the same model, enforced or priced, on generated archipelagos (default scenario,
    /// travel tie-break on).
    #[test]
    fn the_floor_never_exceeds_the_optimum() {
        let mut checked = 0;
        for seed in [1, 2, 3, 4] {
            let (_dir, ds) = generated(8, 60, seed);
            let scenario = Scenario::default();
            let ctx = Context::new(&ds, &scenario).expect("context");
            let hier = super::super::hierarchy::choose(&ctx).expect("hierarchy");
            for s in &scenario.services {
                let targets = scenario.targets_of(&s.name).collect();
                let data = super::super::service::prepare(&ctx, &hier, s, targets).expect("data");
                let scope = whole_scope(&ctx, &hier, &data);
                let prices = vec![5_000.0; data.targets.len()];
                for targets in [Targets::Enforce, Targets::Price(&prices)] {
                    let floor = floor_bound(&ctx, &data, &scope, &targets, 0.01);
                    let limits = Limits {
                        deadline: Deadline::none(),
                        mip_gap: 0.0,
                        backend: crate::solve::Backend::Microlp,
                        warm: None,
                    };
                    let Some(sol) = solve_scope(&ctx, &hier, &data, &scope, targets, 0.01, limits)
                        .expect("solves")
                    else {
                        continue;
                    };
                    if sol.status == Status::Optimal {
                        assert!(
                            floor <= sol.objective + 1e-7 * sol.objective.abs() + 1e-6,
                            "seed {seed} {}: floor {floor} above the optimum {}",
                            s.name,
                            sol.objective
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 16, "only {checked} optima to compare with");
    }

    /// The canonical plan is the least-priority plan among those of least cost: checked by
    /// brute force over every open/closed choice of the free sites and roving teams, each
    /// judged by the plan's independent evaluator (`evaluate::check_coverage`, not the MILP),
    /// on tiny generated archipelagos.
    #[test]
    fn the_canonical_plan_is_the_least_priority_among_the_cheapest() {
        let mut checked = 0;
        for seed in [3, 5, 8, 13] {
            let (_dir, ds) = generated(3, 9, seed);
            let scenario =
                Scenario::parse(&crate::synth::scenario_text(), "generated").expect("scenario");
            let ctx = Context::new(&ds, &scenario).expect("context");
            let hier = super::super::hierarchy::choose(&ctx).expect("hierarchy");
            for s in scenario
                .services
                .iter()
                .filter(|s| s.assign == Assign::Coverage)
            {
                let targets = scenario.targets_of(&s.name).collect();
                let data = super::super::service::prepare(&ctx, &hier, s, targets).expect("data");
                let free: Vec<usize> = (0..data.sites.len())
                    .filter(|&j| data.sites[j].fixed.is_none())
                    .collect();
                let teams = data.mobile_options.len();
                if free.len() + teams > 16 {
                    continue;
                }
                let scope = Scope {
                    settlements: (0..ctx.settlements.len()).collect(),
                    sites: (0..data.sites.len()).collect(),
                    mobiles: (0..teams).collect(),
                    islands: ctx.inhabited_islands.clone(),
                    leaders: hier.leaders.clone(),
                };
                let limits = Limits {
                    deadline: Deadline::after(None),
                    mip_gap: 0.0,
                    backend: Backend::Microlp,
                    warm: None,
                };
                let first = solve_scope(&ctx, &hier, &data, &scope, Targets::Enforce, 0.0, limits)
                    .expect("solve");
                // Brute force: every choice, judged by the independent evaluator.
                let (site_w, team_w) = priorities(&ctx, &data, &scope);
                let mut plans: Vec<(f64, f64, Vec<usize>, Vec<usize>)> = Vec::new();
                for mask in 0u32..(1 << (free.len() + teams)) {
                    let mut open: Vec<bool> =
                        data.sites.iter().map(|s| s.fixed == Some(true)).collect();
                    for (b, &j) in free.iter().enumerate() {
                        open[j] = mask >> b & 1 == 1;
                    }
                    let mobile: Vec<bool> = (0..teams)
                        .map(|m| mask >> (free.len() + m) & 1 == 1)
                        .collect();
                    if let Ok(v) =
                        super::super::evaluate::check_coverage(&ctx, &hier, &data, &open, &mobile)
                    {
                        let o: Vec<usize> = (0..open.len()).filter(|&j| open[j]).collect();
                        let m: Vec<usize> = (0..teams).filter(|&m| mobile[m]).collect();
                        let p = o.iter().map(|&j| site_w[j]).sum::<f64>()
                            + m.iter().map(|&k| team_w[k]).sum::<f64>();
                        plans.push((v.cost, p, o, m));
                    }
                }
                let Some(first) = first else {
                    assert!(plans.is_empty(), "{}: the MILP missed a plan", s.name);
                    continue;
                };
                let least = plans.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
                assert!(
                    (first.cost - least).abs() <= 1e-6 * least.max(1.0),
                    "{}: MILP {} vs brute force {least}",
                    s.name,
                    first.cost
                );
                let slack = 1e-7 * least.abs() + 1e-6;
                let cheapest: Vec<_> = plans.iter().filter(|p| p.0 <= least + slack).collect();
                let best = cheapest.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                let winners: Vec<_> = cheapest.iter().filter(|p| p.1 == best).collect();
                assert_eq!(winners.len(), 1, "{}: priorities tie", s.name);
                let mut backends = vec![Backend::Microlp];
                if cfg!(feature = "highs") {
                    backends.push(Backend::Highs);
                }
                for backend in backends {
                    let limits = Limits { backend, ..limits };
                    let canon =
                        canonical_scope(&ctx, &hier, &data, &scope, first.cost, 0.0, limits)
                            .expect("canonical")
                            .expect("a canonical plan without a time limit");
                    let name = &s.name;
                    assert_eq!(
                        canon.open, winners[0].2,
                        "{name} seed {seed} {backend:?}: sites"
                    );
                    assert_eq!(
                        canon.mobile, winners[0].3,
                        "{name} seed {seed} {backend:?}: teams"
                    );
                }
                if cheapest.len() > 1 {
                    checked += 1;
                }
            }
        }
        assert!(
            checked >= 2,
            "only {checked} services had equal-cost plans to choose among"
        );
    }
}
