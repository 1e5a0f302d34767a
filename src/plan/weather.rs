//! Weather resilience: storms stop many ferries at once, not one route at a time.
//!
//! Two views, the plan's sites fixed (as in [`super::resilience`]):
//! - **Wind**: for each Beaufort force at which some ferry stops (one above a route's
//!   `max_wind`), every ferry that does not sail in it is cancelled at once (bridges and sheltered
//!   routes stay), and each service counts the residents who lose cover.
//! - **Days a year**: routes carry `reliability`, the share of days they run. Bad weather is one
//!   shock shared by the whole archipelago, so the days are taken as one scale: on the worst
//!   `1 - r` of the days a route of reliability `r` stops, and so does every less reliable route
//!   (a comonotone model: routes in series lose as many days as the least reliable one, parallel
//!   routes as many as the most reliable one). A settlement's expected days a year without cover
//!   = 365 x the share of days on which the routes still running leave it without cover.

use super::resilience::{ServiceLoss, has_cover, losses_on, service_loss};
use super::{Context, Plan};
use crate::layers::DataSet;
use crate::network::Network;
use rayon::prelude::*;
use serde::Serialize;

/// Days in the year the expected days are counted over.
pub const DAYS_A_YEAR: f64 = 365.0;

/// One wind force and what it costs each service.
#[derive(Debug, Clone, Serialize)]
pub struct WindLoss {
    /// Beaufort force.
    pub wind: u8,
    /// Routes that do not sail in it (bridges and sheltered routes never appear).
    pub routes_cancelled: Vec<String>,
    pub losses: Vec<ServiceLoss>,
    /// Residents losing cover in at least one service.
    pub population_any: u64,
}

/// Expected days a year without cover, per service.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDays {
    pub service: String,
    /// Residents of the settlements the plan covers.
    pub residents_covered: u64,
    /// Of those, residents who lose cover on some days.
    pub residents_losing_cover: u64,
    /// Residents x expected days without cover, summed.
    pub resident_days: f64,
    /// `resident_days / residents_covered`.
    pub mean_days: f64,
    /// The worst settlement's expected days.
    pub max_days: f64,
}

/// One settlement's expected days a year without one service (only those above zero).
#[derive(Debug, Clone, Serialize)]
pub struct SettlementDays {
    pub service: String,
    pub settlement: String,
    pub island: String,
    pub population: u64,
    pub days: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeatherReport {
    pub wind: Vec<WindLoss>,
    /// Distinct route reliabilities below 1 (the days model's weather states); 0: every route
    /// runs every day as far as the data says, so no days are lost.
    pub reliability_levels: usize,
    pub days: Vec<ServiceDays>,
    pub settlements: Vec<SettlementDays>,
}

/// The forces worth asking about: one above each ferry's `max_wind`, ascending.
fn stopping_forces(ds: &DataSet) -> Vec<u8> {
    let mut forces: Vec<u8> = ds
        .routes
        .iter()
        .filter(|r| !r.sails_in(crate::layers::BEAUFORT_MAX))
        .map(|r| r.max_wind + 1)
        .collect();
    forces.sort_unstable();
    forces.dedup();
    forces
}

fn wind_losses(ctx: &Context, plan: &Plan) -> Vec<WindLoss> {
    let ds = ctx.ds;
    stopping_forces(ds)
        .into_par_iter()
        .map(|wind| {
            let mut cut = ds.clone();
            cut.routes.retain(|r| r.sails_in(wind));
            cut.keep_weekday(ctx.scenario.weekday_index());
            let (losses, population_any) = losses_on(ctx, plan, &cut);
            WindLoss {
                wind,
                routes_cancelled: ds
                    .routes
                    .iter()
                    .filter(|r| !r.sails_in(wind))
                    .map(|r| r.id.clone())
                    .collect(),
                losses,
                population_any,
            }
        })
        .collect()
}

/// The weather states of the days model: for each distinct reliability `a_j < 1` (ascending),
/// the routes of reliability `<= a_j` stop, on a share `a_{j+1} - a_j` of the days (`a_{m+1} =
/// 1`). Returns (highest reliability that stops, share of days).
fn day_states(ds: &DataSet) -> Vec<(f64, f64)> {
    let mut levels: Vec<f64> = ds
        .routes
        .iter()
        .map(|r| r.reliability)
        .filter(|&r| r < 1.0)
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    (0..levels.len())
        .map(|j| {
            let next = levels.get(j + 1).copied().unwrap_or(1.0);
            (levels[j], next - levels[j])
        })
        .collect()
}

/// Expected days a year without cover: per service (in the plan's order) and per settlement
/// position, the share of days lost.
fn lost_shares(ctx: &Context, plan: &Plan, states: &[(f64, f64)]) -> Vec<Vec<f64>> {
    let ds = ctx.ds;
    let per_state: Vec<(f64, Vec<Vec<bool>>)> = states
        .par_iter()
        .copied()
        .map(|(stops, share)| {
            let mut cut = ds.clone();
            cut.routes.retain(|r| r.reliability > stops);
            cut.keep_weekday(ctx.scenario.weekday_index());
            let net = Network::build(&cut);
            let lost = plan
                .services
                .iter()
                .map(|sp| service_loss(ctx, &net, &cut, sp).1)
                .collect();
            (share, lost)
        })
        .collect();
    let mut shares = vec![vec![0.0; ctx.settlements.len()]; plan.services.len()];
    for (share, lost) in &per_state {
        for (s, flags) in lost.iter().enumerate() {
            for (a, &l) in flags.iter().enumerate() {
                if l {
                    shares[s][a] += share;
                }
            }
        }
    }
    shares
}

/// The weather report of a plan.
pub fn weather(ctx: &Context, plan: &Plan) -> WeatherReport {
    let ds = ctx.ds;
    let states = day_states(ds);
    let shares = lost_shares(ctx, plan, &states);
    let mut days = Vec::with_capacity(plan.services.len());
    let mut settlements = Vec::new();
    for (sp, shares) in plan.services.iter().zip(&shares) {
        let mut d = ServiceDays {
            service: sp.service.clone(),
            residents_covered: 0,
            residents_losing_cover: 0,
            resident_days: 0.0,
            mean_days: 0.0,
            max_days: 0.0,
        };
        for (a, &i) in ctx.settlements.iter().enumerate() {
            let st = &sp.settlements[a];
            if !has_cover(st) {
                continue;
            }
            let s = &ds.settlements[i];
            d.residents_covered += s.population;
            let lost_days = DAYS_A_YEAR * shares[a];
            if lost_days > 0.0 {
                d.residents_losing_cover += s.population;
                d.resident_days += s.population as f64 * lost_days;
                d.max_days = d.max_days.max(lost_days);
                settlements.push(SettlementDays {
                    service: sp.service.clone(),
                    settlement: s.id.clone(),
                    island: ds.islands[s.island].id.clone(),
                    population: s.population,
                    days: lost_days,
                });
            }
        }
        if d.residents_covered > 0 {
            d.mean_days = d.resident_days / d.residents_covered as f64;
        }
        days.push(d);
    }
    WeatherReport {
        wind: wind_losses(ctx, plan),
        reliability_levels: states.len(),
        days,
        settlements,
    }
}
