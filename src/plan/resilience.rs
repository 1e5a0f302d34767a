//! Ferry-outage resilience: with the plan's sites fixed, cancel each route in turn and count
//! who loses cover within each service's standard.
//!
//! A settlement loses cover when, without the route, no open site of the service is within the
//! standard (capacities aside: this asks whether anyone could still reach a site in time). An
//! island served by a roving team loses it when the team can no longer make the round trip in a
//! working day. Routes are cancelled in parallel; the report is ordered like the routes.

use super::service::ServicePlan;
use super::{Context, Plan};
use crate::layers::{DataSet, RouteMode};
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

fn service_loss(
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
    let mut lost = vec![false; ctx.settlements.len()];
    for (a, &i) in ctx.settlements.iter().enumerate() {
        let before = &sp.settlements[a];
        if before.covered <= 0.0 || before.demand <= 0.0 {
            continue;
        }
        if tt.row(a).0.is_empty() {
            lost[a] = true;
            loss.settlements += 1;
            loss.population += ds.settlements[i].population;
        }
    }
    if let Some(mobile) = ctx
        .scenario
        .service(&sp.service)
        .and_then(|s| s.mobile.as_ref())
    {
        for m in &sp.mobile {
            let (Some(c_base), Some(c_island)) = (ctx.centre[m.base], ctx.centre[m.island]) else {
                continue;
            };
            let t = net
                .shortest_from(net.settlement_nodes[c_base], mobile.day_minutes)
                .minutes_to(net.settlement_nodes[c_island]);
            if t.is_none_or(|t| !mobile.reachable(t)) {
                loss.roving_islands += 1;
            }
        }
    }
    (loss, lost)
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
            let net = Network::build(&cut);
            let mut any = vec![false; ctx.settlements.len()];
            let losses = plan
                .services
                .iter()
                .map(|sp| {
                    let (loss, lost) = service_loss(ctx, &net, &cut, sp);
                    for (a, l) in lost.into_iter().enumerate() {
                        any[a] |= l;
                    }
                    loss
                })
                .collect();
            RouteOutage {
                route: route.id.clone(),
                name: route.name.clone(),
                mode: match route.mode {
                    RouteMode::Bridge => "bridge",
                    RouteMode::FastFerry => "fast_ferry",
                    RouteMode::Ferry => "ferry",
                },
                losses,
                population_any: ctx
                    .settlements
                    .iter()
                    .zip(&any)
                    .filter(|(_, l)| **l)
                    .map(|(&i, _)| ds.settlements[i].population)
                    .sum(),
            }
        })
        .collect()
}
