//! The "1+4+N" plan: island tiers and service communities, then every service planned to its
//! standards and targets at least annual cost, checked against the budget.
//!
//! Stages: [`hierarchy::choose`] picks the hub's sub-centres and the community of every island;
//! each service is then one MILP given the hierarchy ([`service`]), solved in parallel. The plan
//! is optimal when every service's MILP is proven optimal (given the hierarchy); the reported
//! bound and gap are the sums over services.

mod budget;
pub mod context;
pub mod coverage;
pub mod data;
pub mod decompose;
pub mod dominance;
pub mod evaluate;
pub mod hierarchy;
pub mod inputs;
pub mod lagrangian;
pub mod milp;
pub mod resilience;
pub mod service;
mod trim;
pub mod weather;

/// A capacitated service's weight in the services' share of the budget (a coverage service
/// weighs 1; see `plan` for the measurements).
const CAPACITY_SHARE: f64 = 2.0;

pub use crate::model::{Status, relative_gap};
pub use context::Context;
pub use hierarchy::HierarchyPlan;
pub use service::{ServicePlan, SiteOrigin, TargetResult};

use crate::error::{Error, Result};
use crate::layers::DataSet;
use crate::scenario::Scenario;
use crate::solve::Backend;
use rayon::prelude::*;
use serde::Serialize;

/// Called from a worker thread as each service's plan is ready (progress displays).
pub type ServiceDone = std::sync::Arc<dyn Fn(&ServicePlan) + Send + Sync>;

#[derive(Clone)]
pub struct PlanOptions {
    /// Seconds the whole plan may take (the choice of leaders at most a sixth of it, then the
    /// services, in parallel, sharing the rest equally); the best plan found and its proven
    /// gap are reported after. The fallbacks that keep a plan when a solve finds none
    /// may overrun it by a few seconds.
    pub time_limit: Option<f64>,
    /// Services with more binary variables than this are split into priced components
    /// (see [`decompose`]); smaller ones are one exact MILP.
    pub whole_max_binaries: usize,
    /// Told of each service as it is planned.
    pub on_service_done: Option<ServiceDone>,
    /// The MILP backend every service is solved with (`Auto`: microlp).
    pub solver: Backend,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            time_limit: None,
            whole_max_binaries: decompose::WHOLE_MAX_BINARIES,
            on_service_done: None,
            solver: Backend::Auto,
        }
    }
}

impl std::fmt::Debug for PlanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanOptions")
            .field("time_limit", &self.time_limit)
            .field("whole_max_binaries", &self.whole_max_binaries)
            .field("on_service_done", &self.on_service_done.is_some())
            .field("solver", &self.solver)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub scenario: String,
    pub hierarchy: HierarchyPlan,
    /// The leaders of each named hierarchy a service uses (`[hierarchies.NAME]`).
    pub hierarchies: std::collections::BTreeMap<String, HierarchyPlan>,
    pub services: Vec<ServicePlan>,
    /// Every scenario target, in scenario order.
    pub targets: Vec<TargetResult>,
    /// Total annual cost (CNY/year).
    pub cost: f64,
    pub budget: Option<f64>,
    /// Objective (cost + travel tie-break) and its proven lower bound, summed over services.
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub status: Status,
    /// The MILP backend that solved the services (`microlp` or `highs`).
    pub solver: String,
    pub seconds: f64,
}

/// Plans every service of the scenario on the data set.
pub fn plan(ds: &DataSet, scenario: &Scenario, options: PlanOptions) -> Result<Plan> {
    let ctx = Context::new(ds, scenario)?;
    plan_in(&ctx, options)
}

/// A service's model size for scheduling: its site-settlement pairs, sites and roving teams.
fn service_size(data: &service::ServiceData) -> usize {
    data.reach.iter().map(Vec::len).sum::<usize>() + data.sites.len() + data.mobile_options.len()
}

/// Logs (with `-v`) when a service's data are ready and how large they are.
fn ready(data: service::ServiceData, started: std::time::Instant) -> service::ServiceData {
    log::debug!(
        "[plan] service {}: data ready at {:.1} s ({} sites, {} settlement-site pairs, {} roving options)",
        data.service.name,
        started.elapsed().as_secs_f64(),
        data.sites.len(),
        data.reach.iter().map(Vec::len).sum::<usize>(),
        data.mobile_options.len()
    );
    data
}

/// Plans within a prepared context (the network and island facts already built).
pub fn plan_in(ctx: &Context, options: PlanOptions) -> Result<Plan> {
    let started = std::time::Instant::now();
    if let Some(t) = options.time_limit {
        crate::limits::time_limit("time_limit", t)?;
    }
    let scenario = ctx.scenario;
    // One deadline for the whole run: the leaders may use a sixth of it, the services share
    // what is left.
    let deadline = crate::solve::Deadline::after(options.time_limit);
    let named = scenario.used_hierarchies();
    let share = |r: f64| r / 6.0 / (1 + named.len()) as f64;
    let hier = hierarchy::choose_within(ctx, deadline.remaining().map(share))?;
    log::debug!(
        "[plan] leaders chosen at {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        hier.method
    );
    // Each named hierarchy: the scenario seen through it, its context (the network shared)
    // and its own choice of leaders.
    let views: Vec<Scenario> = named.iter().filter_map(|n| scenario.view(n)).collect();
    let (view_ctx, hierarchies) =
        choose_named(ctx, (&named, &views), || deadline.remaining().map(share))?;
    // Each service with the context and leaders of its hierarchy.
    let frame = |s: &crate::scenario::Service| -> (&Context, &HierarchyPlan) {
        match s
            .hierarchy
            .as_deref()
            .and_then(|n| named.iter().position(|m| *m == n))
        {
            Some(v) => (&view_ctx[v], &hierarchies[named[v]]),
            None => (ctx, &hier),
        }
    };
    // Each service's targets, tier unit sets read on its hierarchy.
    let targets: Vec<Vec<crate::scenario::Target>> = scenario
        .services
        .iter()
        .map(|s| {
            let (c, h) = frame(s);
            let of = scenario.targets_of(&s.name);
            of.map(|t| data::resolve_tier_units(c, h, t)).collect()
        })
        .collect();
    let prepared: Vec<service::ServiceData> = scenario
        .services
        .par_iter()
        .zip(&targets)
        .map(|(s, ts)| {
            let (c, h) = frame(s);
            service::prepare(c, h, s, ts.iter().collect()).map(|d| ready(d, started))
        })
        .collect::<Result<_>>()?;
    // The services share what is left of the budget, a capacitated one twice as much as a
    // coverage one (model size says little of the time a service needs: at 20,000 settlements
    // the capacitated schools, a fifth of the courier's size, need longer; twice: gap 3.03-3.07%
    // instead of 3.17-3.24%, four times: 6.42%, the coverage services starved), largest first: the small ones run beside the largest
    // instead of queueing behind it, and none starts with nothing left (the plan itself does
    // not depend on the order).
    let sizes: Vec<f64> = prepared.iter().map(|d| service_size(d) as f64).collect();
    let solve_all = |travel_weight: f64| -> Result<Vec<ServicePlan>> {
        // A twentieth of the budget is kept back for what follows a service's deadline (the
        // seat polish, the last evaluation), so the whole run ends near the limit.
        let left = deadline
            .remaining()
            .map(|r| r - deadline.span().unwrap_or(0.0) / 20.0);
        let weights: Vec<f64> = prepared
            .iter()
            .map(|d| match d.service.assign {
                crate::scenario::Assign::Capacity => CAPACITY_SHARE,
                crate::scenario::Assign::Coverage => 1.0,
            })
            .collect();
        let shares = budget::Shares::new(weights, &sizes, left.map(|r| r.max(0.05)));
        let mut solved: Vec<(usize, ServicePlan)> = shares
            .order
            .par_iter()
            .with_max_len(1)
            .map(|&i| {
                let data = &prepared[i];
                let (ctx, hier) = frame(data.service);
                let mut mine = options.clone();
                mine.time_limit = shares.seconds_for(i);
                match service::solve(ctx, hier, data, travel_weight, &mine)? {
                    Some(mut p) => {
                        judge(&mut p, mine.time_limit, started);
                        if let Some(done) = &options.on_service_done {
                            done(&p);
                        }
                        Ok((i, p))
                    }
                    None => Err(Error::Infeasible(service::explain_infeasible(
                        ctx, hier, data,
                    ))),
                }
            })
            .collect::<Result<_>>()?;
        solved.sort_by_key(|(i, _)| *i);
        Ok(solved.into_iter().map(|(_, p)| p).collect())
    };
    let mut services = solve_all(scenario.objective.travel_weight)?;
    let mut cost: f64 = services.iter().map(|s| s.costs.total).sum();
    if let Some(budget) = scenario.budget
        && cost > budget
        && scenario.objective.travel_weight > 0.0
    {
        // The travel tie-break may have bought shorter trips: retry on cost alone.
        services = solve_all(0.0)?;
        cost = services.iter().map(|s| s.costs.total).sum();
    }
    if let Some(budget) = scenario.budget
        && cost > budget * (1.0 + 1e-9)
    {
        return Err(over_budget(&services, cost, budget));
    }
    let mut plan = assemble(scenario, (hier, hierarchies), services, cost);
    plan.solver = options.solver.milp_name().to_string();
    plan.seconds = started.elapsed().as_secs_f64();
    Ok(plan)
}

/// The plan of solved services: targets in scenario order, sums, the weakest status.
fn assemble(
    scenario: &Scenario,
    (hier, hierarchies): (
        HierarchyPlan,
        std::collections::BTreeMap<String, HierarchyPlan>,
    ),
    services: Vec<ServicePlan>,
    cost: f64,
) -> Plan {
    let targets = scenario
        .targets
        .iter()
        .filter_map(|t| {
            services
                .iter()
                .flat_map(|s| &s.targets)
                .find(|r| r.name == t.name)
                .cloned()
        })
        .collect();
    let objective: f64 = services.iter().map(|s| s.objective).sum();
    let bound: f64 = services.iter().map(|s| s.bound).sum();
    let status = services
        .iter()
        .fold(Status::Optimal, |acc, s| acc.and(s.status));
    Plan {
        scenario: scenario.name.clone(),
        hierarchy: hier,
        hierarchies,
        services,
        targets,
        cost,
        budget: scenario.budget,
        objective,
        bound,
        gap: relative_gap(objective, bound),
        status,
        solver: String::new(),
        seconds: 0.0,
    }
}

/// A solved service judged against the time it was given (`Status::honest`), and logged.
fn judge(p: &mut ServicePlan, given: Option<f64>, started: std::time::Instant) {
    p.status = p.status.honest(given, p.seconds);
    log::debug!(
        "[plan] service {} done at {:.1} s (given {:?} s, took {:.1} s)",
        p.service,
        started.elapsed().as_secs_f64(),
        given,
        p.seconds
    );
}

/// Why the cheapest plan found is no plan: it costs more than the budget.
fn over_budget(services: &[ServicePlan], cost: f64, budget: f64) -> Error {
    let proven = services.iter().all(|s| s.status == Status::Optimal);
    let parts: Vec<String> = services
        .iter()
        .map(|s| format!("{} {}", s.service, money(s.costs.total)))
        .collect();
    Error::Infeasible(format!(
        "budget: the {} plan meeting every target costs {} per year ({}), above the budget of \
         {}; raise the budget or lower targets{}",
        if proven { "cheapest" } else { "best found" },
        money(cost),
        parts.join(", "),
        money(budget),
        if proven {
            ""
        } else {
            " (the cost is not proven minimal: see each service's status and gap)"
        }
    ))
}

/// Each named hierarchy: the scenario seen through it (`views`, in `named` order), its context
/// (the network shared) and its own choice of leaders within `budget()` seconds.
fn choose_named<'b>(
    ctx: &Context<'b>,
    (named, views): (&[&str], &'b [Scenario]),
    budget: impl Fn() -> Option<f64>,
) -> Result<(
    Vec<Context<'b>>,
    std::collections::BTreeMap<String, HierarchyPlan>,
)> {
    let mut contexts = Vec::with_capacity(views.len());
    let mut hierarchies = std::collections::BTreeMap::new();
    for (name, view) in named.iter().zip(views) {
        let in_view = |e: Error| match e {
            Error::Usage(m) => {
                Error::Usage(m.replace("hierarchy.", &format!("hierarchies.{name}.")))
            }
            Error::Infeasible(m) => Error::Infeasible(format!("hierarchy `{name}`: {m}")),
            other => other,
        };
        let c = ctx.view(view).map_err(in_view)?;
        let h = hierarchy::choose_within(&c, budget()).map_err(in_view)?;
        hierarchies.insert(name.to_string(), h);
        contexts.push(c);
    }
    Ok((contexts, hierarchies))
}

/// 12345678.9 -> "12,345,679 CNY".
pub fn money(x: f64) -> String {
    format!("{} CNY", crate::numbers::amount(x))
}
