//! Ferry-outage resilience: with the plan's sites fixed, cancel each route in turn and count
//! who loses cover within each service's standard.
//!
//! A settlement loses cover when, without the route, no open site of the service is within the
//! standard (capacities aside: this asks whether anyone could still reach a site in time). An
//! island served by a roving team loses it when the team can no longer make the round trip in a
//! working day. Routes are cancelled in parallel; the report is ordered like the routes.

use super::service::ServicePlan;
use super::{Context, Plan};
use crate::layers::DataSet;
use crate::network::Network;
use rayon::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ServiceLoss {
    pub service: String,
    /// Residents of settlements that lose cover.
    pub population: u64,
    /// Settlements that lose cover.
    pub settlements: usize,
    /// Inhabited islands that lose their roving team.
    pub roving_islands: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteOutage {
    pub route: String,
    pub name: Option<String>,
    pub mode: &'static str,
    pub losses: Vec<ServiceLoss>,
    /// Residents losing cover in at least one service.
    pub population_any: u64,
}

/// Who among the plan's covered settlements loses the service on `net` (the plan's sites fixed):
/// a settlement reached by a fixed site loses it when no open site is left within the standard;
/// one served by a roving team when the team's round trip no longer fits in a working day and
/// no open site is within the standard either.
pub(super) fn service_loss(
    ctx: &Context,
    net: &Network,
    ds: &DataSet,
    sp: &ServicePlan,
) -> (ServiceLoss, Vec<bool>) {
    let standard = sp.standard_minutes;
    let open_nodes: Vec<_> = sp
        .sites
        .iter()
        .zip(&sp.open)
        .filter(|(_, o)| **o)
        .map(|(s, _)| s.node)
        .collect();
    let sources: Vec<_> = ctx
        .settlements
        .iter()
        .map(|&i| net.settlement_nodes[i])
        .collect();
    let tt = net.travel_times(&sources, &open_nodes, standard);
    let mut loss = ServiceLoss {
        service: sp.service.clone(),
        population: 0,
        settlements: 0,
        roving_islands: 0,
    };
    let mut team_lost = vec![false; ds.islands.len()];
    if let Some(mobile) = ctx
        .scenario
        .service(&sp.service)
        .and_then(|s| s.mobile.as_ref())
    {
        for m in &sp.mobile {
            let (Some(c_base), Some(c_island)) = (ctx.centre[m.base], ctx.centre[m.island]) else {
                continue;
            };
            let nodes = (net.settlement_nodes[c_base], net.settlement_nodes[c_island]);
            let fits = if m.charter {
                net.no_wait_minutes(nodes.0, nodes.1)
                    .is_some_and(|c| mobile.reachable(c))
            } else {
                super::service::roving_fits(net, mobile, nodes, || {
                    net.shortest_from(nodes.0, mobile.day_minutes)
                        .minutes_to(nodes.1)
                })
            };
            if !fits {
                loss.roving_islands += 1;
                team_lost[m.island] = true;
            }
        }
    }
    let mut lost = vec![false; ctx.settlements.len()];
    for (a, &i) in ctx.settlements.iter().enumerate() {
        let before = &sp.settlements[a];
        if !has_cover(before) {
            continue;
        }
        let no_site = tt.row(a).0.is_empty();
        if no_site && (!before.mobile || team_lost[ds.settlements[i].island]) {
            lost[a] = true;
            loss.settlements += 1;
            loss.population += ds.settlements[i].population;
        }
    }
    (loss, lost)
}

/// Whether the plan serves the settlement at all: demand met within the standard by a fixed
/// site, or visited by a roving team.
pub(super) fn has_cover(st: &super::data::SettlementService) -> bool {
    st.demand > 0.0 && (st.covered > 0.0 || st.mobile)
}

/// The losses of every service on `cut` (the data set with some routes gone), and the residents
/// losing at least one service.
pub(super) fn losses_on(ctx: &Context, plan: &Plan, cut: &DataSet) -> (Vec<ServiceLoss>, u64) {
    let net = Network::build(cut);
    let mut any = vec![false; ctx.settlements.len()];
    let losses = plan
        .services
        .iter()
        .map(|sp| {
            let (loss, lost) = service_loss(ctx, &net, cut, sp);
            for (a, l) in lost.into_iter().enumerate() {
                any[a] |= l;
            }
            loss
        })
        .collect();
    let population_any = ctx
        .settlements
        .iter()
        .zip(&any)
        .filter(|(_, l)| **l)
        .map(|(&i, _)| cut.settlements[i].population)
        .sum();
    (losses, population_any)
}

/// Cancels every route in turn and reports the losses of cover per service.
pub fn outages(ctx: &Context, plan: &Plan) -> Vec<RouteOutage> {
    let ds = ctx.ds;
    ds.routes
        .par_iter()
        .enumerate()
        .map(|(ri, route)| {
            let mut cut = ds.clone();
            cut.routes.remove(ri);
            cut.keep_weekday(ctx.scenario.weekday_index());
            let (losses, population_any) = losses_on(ctx, plan, &cut);
            RouteOutage {
                route: route.id.clone(),
                name: route.name.clone(),
                mode: route.mode.name(),
                losses,
                population_any,
            }
        })
        .collect()
}
