//! The inputs and results of one service's model, shared by the model ([`super::milp`]), its
//! decomposition, the travel tie-break and the dominance rules: the sites a service may use,
//! its roving-team options, the demand and reach of every settlement, what a plan serves, and
//! the service's plan. [`super::service`] prepares the inputs and assembles the plan.

use super::context::Context;
use super::hierarchy::HierarchyPlan;
use crate::model::Status;
use crate::scenario::{Demand, Level, Measure, Service, SiteCount, Target};
use geo::Point;
use petgraph::graph::NodeIndex;
use serde::Serialize;
use std::collections::HashMap;

/// Where a plan site comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum SiteOrigin {
    /// An existing facility (index into the data set's facilities).
    Existing(usize),
    /// A candidate facility from the data.
    Candidate(usize),
    /// A new site the scenario allows at a settlement (index into settlements).
    New(usize),
    /// A new site in the building of a facility converted to this service (`decisions.convert`;
    /// index into the data set's facilities).
    Converted(usize),
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanSite {
    pub id: String,
    pub name: String,
    pub level: u32,
    pub level_name: String,
    pub origin: SiteOrigin,
    #[serde(skip)]
    pub node: NodeIndex,
    pub island: usize,
    #[serde(skip)]
    pub location: Point<f64>,
    pub capacity: Option<f64>,
    pub annual_cost: f64,
    pub open_cost: f64,
    pub close_cost: f64,
    pub cost_per_unit: f64,
    pub expand_max: f64,
    /// Capacity the scenario's `decisions.expand` adds at the least.
    pub expand_min: f64,
    pub expand_cost_per_unit: f64,
    /// `Some(true)`: must be open (data `must_stay`, a level the scenario does not plan, a
    /// decision); `Some(false)`: must be closed (a decision, or a tier that may not host it).
    pub fixed: Option<bool>,
    /// Closed by a scenario decision (exempt from open-before-close).
    pub decided_closure: bool,
    /// The island's tier may host this level.
    pub allowed: bool,
}

impl PlanSite {
    pub fn is_existing(&self) -> bool {
        matches!(self.origin, SiteOrigin::Existing(_))
    }
}

/// A roving team sent from a community leader to a small island.
#[derive(Debug, Clone, Serialize)]
pub struct MobileVisit {
    pub island: usize,
    pub base: usize,
    pub one_way_minutes: f64,
    pub annual_cost: f64,
    /// On a chartered boat (no scheduled day trip fits; `mobile.charter_cost_per_trip`).
    pub charter: bool,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Costs {
    pub running: f64,
    pub opening: f64,
    pub closing: f64,
    pub expansion: f64,
    pub per_unit: f64,
    pub mobile: f64,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetResult {
    pub name: String,
    pub service: String,
    pub measure: Measure,
    pub minutes: f64,
    pub required: f64,
    pub achieved: f64,
    pub met: bool,
    /// Count targets: the bounds (`required` is the lower one, else the upper one).
    pub at_least: Option<f64>,
    pub at_most: Option<f64>,
}

/// What a settlement gets from a service.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementService {
    /// Demand of the settlement for this service.
    pub demand: f64,
    /// Share of the demand served within the standard.
    pub covered: f64,
    /// Main serving site (largest share, else the nearest open site).
    pub site: Option<usize>,
    pub minutes: Option<f64>,
    /// Served by a roving team.
    pub mobile: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServicePlan {
    pub service: String,
    pub label: String,
    /// The named hierarchy the service follows (`None`: `[hierarchy]`).
    pub hierarchy: Option<String>,
    pub standard_minutes: f64,
    pub sites: Vec<PlanSite>,
    pub open: Vec<bool>,
    pub expansion: Vec<f64>,
    pub load: Vec<f64>,
    /// For each open site, the open higher-level site it refers to in its community (up the
    /// chain of leaders), if any.
    pub refers_to: Vec<Option<usize>>,
    pub mobile: Vec<MobileVisit>,
    /// By position in `Context::settlements`.
    pub settlements: Vec<SettlementService>,
    /// Share of each settlement's demand served at each site: (settlement pos, site, share).
    pub flows: Vec<(usize, usize, f64)>,
    pub costs: Costs,
    pub objective: f64,
    pub bound: f64,
    pub status: Status,
    /// How the model was solved (one MILP, or components and target prices).
    pub method: String,
    pub seconds: f64,
    pub variables: usize,
    pub targets: Vec<TargetResult>,
}

/// The demand of settlement `i` for a service.
pub fn demand_of(ctx: &Context, demand: Demand, i: usize) -> f64 {
    let s = &ctx.ds.settlements[i];
    match demand {
        Demand::Population => s.population as f64,
        Demand::Children => s.children as f64,
        Demand::Elderly => s.elderly as f64,
        Demand::Villages => {
            if s.population > 0 {
                1.0
            } else {
                0.0
            }
        }
        Demand::Households => s.households.unwrap_or(0) as f64,
        Demand::Preschool | Demand::Primary | Demand::Junior | Demand::Care | Demand::Pupils => {
            demand
                .group_fields()
                .iter()
                .map(|f| s.groups.get(f).unwrap_or(0))
                .sum::<u64>() as f64
        }
    }
}

pub(crate) fn measure_weight(ctx: &Context, service: &Service, measure: Measure, i: usize) -> f64 {
    match measure {
        Measure::Villages => demand_of(ctx, Demand::Villages, i),
        Measure::Population => demand_of(ctx, Demand::Population, i),
        Measure::Demand | Measure::Islands => demand_of(ctx, service.demand, i),
        Measure::Sites | Measure::Towns => 0.0,
    }
}

/// Whether a count target counts site `j` in this state (open or not; with at least one seat
/// added or not): its level, its status (open, new, kept, closed or expanded) and its place in
/// the unit set (the site's island, township and facility id).
pub(crate) fn site_counts(
    ctx: &Context,
    data: &ServiceData,
    t: &Target,
    j: usize,
    open: bool,
    expanded: bool,
) -> bool {
    let s = &data.sites[j];
    let status = match t.sites.unwrap_or_default() {
        SiteCount::Open => open,
        SiteCount::New => open && !s.is_existing(),
        SiteCount::Kept => open && s.is_existing(),
        SiteCount::Closed => !open && s.is_existing(),
        SiteCount::Expanded => open && expanded && s.is_existing(),
    };
    status && t.level.is_none_or(|l| l == s.level) && site_in_units(ctx, data, t, j)
}

/// Whether site `j` is in a count target's unit set.
fn site_in_units(ctx: &Context, data: &ServiceData, t: &Target, j: usize) -> bool {
    let Some(u) = &t.units else { return true };
    let s = &data.sites[j];
    island_in_units(ctx, t, s.island)
        && u.towns.as_ref().is_none_or(|list| {
            data.site_town[j]
                .as_ref()
                .is_some_and(|town| list.contains(town))
        })
        && u.facilities.as_ref().is_none_or(|ids| ids.contains(&s.id))
}

/// A site counts as expanded when at least this many seats are added (less float noise).
pub const EXPANDED_SEATS: f64 = 1.0 - 1e-6;

/// A settlement's township (its `town` property).
pub(crate) fn settlement_town<'a>(ctx: &Context<'a>, i: usize) -> Option<&'a str> {
    ctx.ds.settlements[i]
        .properties
        .get("town")
        .and_then(serde_json::Value::as_str)
}

/// The township each site is in: its settlement's (a new site), else the facility's own
/// `town` property, else that of the nearest settlement on its island (the planned
/// settlements indexed by island once: a scan of every settlement per site took 8% of a
/// 100,000-settlement plan).
pub(crate) fn site_towns(ctx: &Context, sites: &[PlanSite]) -> Vec<Option<String>> {
    use geo::{Distance, Euclidean};
    let mut on_island: HashMap<usize, Vec<usize>> = HashMap::new();
    for &i in &ctx.settlements {
        on_island
            .entry(ctx.ds.settlements[i].island)
            .or_default()
            .push(i);
    }
    let town = |site: &PlanSite| {
        let own = match site.origin {
            SiteOrigin::New(i) => return settlement_town(ctx, i).map(str::to_string),
            SiteOrigin::Existing(f) | SiteOrigin::Candidate(f) | SiteOrigin::Converted(f) => {
                ctx.ds.facilities[f]
                    .properties
                    .get("town")
                    .and_then(serde_json::Value::as_str)
            }
        };
        if let Some(t) = own {
            return Some(t.to_string());
        }
        on_island
            .get(&site.island)
            .into_iter()
            .flatten()
            .min_by(|&&a, &&b| {
                let d =
                    |i: usize| Euclidean.distance(ctx.ds.settlements[i].location, site.location);
                d(a).total_cmp(&d(b)).then(a.cmp(&b))
            })
            .and_then(|&i| settlement_town(ctx, i).map(str::to_string))
    };
    sites.iter().map(town).collect()
}

/// The townships a township target counts: those of the planned settlements with residents
/// (a township emptied by relocation needs nothing), less those its unit set leaves out,
/// ascending.
pub(crate) fn target_towns<'a>(ctx: &Context<'a>, t: &Target) -> Vec<&'a str> {
    let mut towns: Vec<&str> = ctx
        .settlements
        .iter()
        .filter(|&&i| ctx.ds.settlements[i].population > 0)
        .filter_map(|&i| settlement_town(ctx, i))
        .filter(|town| {
            t.units
                .as_ref()
                .and_then(|u| u.towns.as_ref())
                .is_none_or(|list| list.iter().any(|x| x == town))
        })
        .collect();
    towns.sort_unstable();
    towns.dedup();
    towns
}

/// Whether an achieved value meets the target: a count within its bounds, a share at least
/// the required share (less [`MET_SLACK`]).
pub fn target_met(t: &Target, achieved: f64) -> bool {
    if t.is_count() {
        let (lo, hi) = t.count_bounds();
        achieved + 1e-9 >= lo && achieved <= hi + 1e-9
    } else {
        achieved + MET_SLACK >= t.share()
    }
}

/// The target with a unit set's `tiers` restated as the islands on those tiers (within its
/// `islands`, when it lists some) under the hierarchy `hier`: what the unit-set tests below
/// read. Targets without tiers come back as they are.
pub fn resolve_tier_units(ctx: &Context, hier: &HierarchyPlan, t: &Target) -> Target {
    let mut t = t.clone();
    if let Some(u) = t.units.as_mut()
        && let Some(tiers) = u.tiers.take()
    {
        let names = &ctx.scenario.hierarchy.tiers;
        let on: Vec<String> = ctx
            .ds
            .islands
            .iter()
            .enumerate()
            .filter(|(k, island)| !island.external && tiers.contains(&names[hier.tier[*k]].name))
            .map(|(_, island)| island.id.clone())
            .filter(|id| u.islands.as_ref().is_none_or(|l| l.contains(id)))
            .collect();
        u.islands = Some(on);
    }
    t
}

/// Whether settlement `i` (data set index) is in the target's unit set.
pub(crate) fn in_units(ctx: &Context, t: &Target, i: usize) -> bool {
    let Some(u) = &t.units else { return true };
    let s = &ctx.ds.settlements[i];
    let town = s.properties.get("town").and_then(serde_json::Value::as_str);
    u.kind
        .as_ref()
        .is_none_or(|ks| s.kind.as_ref().is_some_and(|k| ks.contains(k)))
        && u.towns
            .as_ref()
            .is_none_or(|ts| town.is_some_and(|x| ts.iter().any(|t| t == x)))
        && u.islands
            .as_ref()
            .is_none_or(|is| is.contains(&ctx.ds.islands[s.island].id))
        && u.remote.is_none_or(|r| ctx.remote[s.island] == r)
        && u.min_population.is_none_or(|m| s.population >= m)
        && u.max_population.is_none_or(|m| s.population <= m)
}

/// Whether inhabited island `k` counts for an island target (its unit set).
pub(crate) fn island_in_units(ctx: &Context, t: &Target, k: usize) -> bool {
    let Some(u) = &t.units else { return true };
    let p = ctx.island_population[k];
    u.islands
        .as_ref()
        .is_none_or(|is| is.contains(&ctx.ds.islands[k].id))
        && u.remote.is_none_or(|r| ctx.remote[k] == r)
        && u.min_population.is_none_or(|m| p >= m)
        && u.max_population.is_none_or(|m| p <= m)
}

/// The measure settlement `i` carries for target `t`: 0 outside its unit set.
pub(crate) fn target_measure(ctx: &Context, service: &Service, t: &Target, i: usize) -> f64 {
    if in_units(ctx, t, i) {
        measure_weight(ctx, service, t.measure, i)
    } else {
        0.0
    }
}

/// The inhabited islands an island target counts.
pub(crate) fn target_islands<'a>(
    ctx: &'a Context,
    t: &'a Target,
) -> impl Iterator<Item = usize> + 'a {
    ctx.inhabited_islands
        .iter()
        .copied()
        .filter(move |&k| island_in_units(ctx, t, k))
}

pub(crate) fn tier_allows(
    ctx: &Context,
    hier: &HierarchyPlan,
    level: Option<&Level>,
    island: usize,
) -> bool {
    let Some(level) = level else { return true };
    let Some(tiers) = &level.tiers else {
        return true;
    };
    let name = &ctx.scenario.hierarchy.tiers[hier.tier[island]].name;
    tiers.iter().any(|t| t == name)
}

/// Whether leader island `l` must host a site of `level`: a `per_leader` level its tier
/// allows, and one of the level's `per_leader_tiers` when it names them.
pub(crate) fn leader_must_host(
    ctx: &Context,
    hier: &HierarchyPlan,
    level: &Level,
    l: usize,
) -> bool {
    level.per_leader
        && tier_allows(ctx, hier, Some(level), l)
        && level
            .per_leader_tiers
            .as_ref()
            .is_none_or(|ts| ts.contains(&ctx.scenario.hierarchy.tiers[hier.tier[l]].name))
}

/// Inputs of one service's model, precomputed once (also used to explain infeasibility).
pub struct ServiceData<'c> {
    pub service: &'c Service,
    pub targets: Vec<&'c Target>,
    pub sites: Vec<PlanSite>,
    /// Demand per settlement position.
    pub demand: Vec<f64>,
    /// Reachable sites per settlement position: (site, minutes), ascending site.
    pub reach: Vec<Vec<(usize, f64)>>,
    /// For sites of the supplied level: sites of the supplying level within the supply time.
    pub suppliers: HashMap<usize, Vec<usize>>,
    pub mobile_options: Vec<MobileVisit>,
    pub standards: Vec<f64>,
    /// The township each site is in (see [`site_towns`]).
    pub site_town: Vec<Option<String>>,
    /// Settlements each existing site serves today (see [`catchments`]), found once.
    pub catchments: Vec<(usize, usize)>,
}

impl ServiceData<'_> {
    /// Index into `standards` of a target's travel-time standard.
    pub fn standard_index(&self, t: &Target) -> usize {
        let m = t.minutes.unwrap_or(self.service.standard_minutes);
        self.standards.iter().position(|&s| s == m).unwrap_or(0)
    }
}

/// Settlements each existing site serves today: (settlement position, site) where the site is
/// the settlement's nearest existing site within the standard. Sites closed by a decision are
/// left out (the planner has decided).
pub(crate) fn catchments(
    service: &Service,
    sites: &[PlanSite],
    reach: &[Vec<(usize, f64)>],
) -> Vec<(usize, usize)> {
    let standard = service.standard_minutes;
    let mut out = Vec::new();
    for (a, row) in reach.iter().enumerate() {
        let nearest = row
            .iter()
            .filter(|&&(j, d)| d <= standard && sites[j].is_existing())
            .min_by(|p, q| p.1.total_cmp(&q.1).then(p.0.cmp(&q.0)));
        if let Some(&(j, _)) = nearest
            && !sites[j].decided_closure
        {
            out.push((a, j));
        }
    }
    out
}

/// What a plan serves, for measuring targets on the plan itself (not off model variables).
pub(crate) struct Served<'a> {
    /// Whether site j is open.
    pub open: &'a dyn Fn(usize) -> bool,
    /// Whether a roving team serves island k.
    pub roving: &'a dyn Fn(usize) -> bool,
    /// Capacity services: the shares of each settlement's demand seated at each site.
    pub seated: Option<&'a HashMap<usize, Vec<(usize, f64)>>>,
    /// Seats added at site j.
    pub expansion: &'a dyn Fn(usize) -> f64,
}

/// A target is met when its achieved share is at least the required share less this: model
/// rows hold to the solvers' feasibility tolerance, and seat shares are read on a 1e-9 grid
/// (several per settlement), so an exactly tight target may read a few 1e-9 short. Far below
/// the 0.1% any report shows; `archiplan check` judges `met` by the same rule.
pub const MET_SLACK: f64 = 1e-7;

/// Total of a target's measure over the archipelago (islands: inhabited island count).
pub fn target_total(ctx: &Context, data: &ServiceData, t: &Target) -> f64 {
    if t.is_count() {
        // Counts are not shares: the achieved value is the count itself.
        1.0
    } else if t.measure == Measure::Islands {
        target_islands(ctx, t).count() as f64
    } else if t.measure == Measure::Towns {
        target_towns(ctx, t).len() as f64
    } else {
        ctx.settlements
            .iter()
            .map(|&i| target_measure(ctx, data.service, t, i))
            .sum()
    }
}

/// Covered measure of a target among these settlement positions (or these islands, for an
/// island target): a settlement counts when an open site is within the target's standard; for
/// capacity services, by the share of its demand seated within it.
pub(crate) fn covered_measure(
    ctx: &Context,
    data: &ServiceData,
    t: &Target,
    settlements: &[usize],
    islands: &[usize],
    served: &Served,
) -> f64 {
    if t.is_count() {
        return (0..data.sites.len())
            .filter(|&j| {
                site_counts(
                    ctx,
                    data,
                    t,
                    j,
                    (served.open)(j),
                    (served.expansion)(j) >= EXPANDED_SEATS,
                )
            })
            .count() as f64;
    }
    if t.measure == Measure::Towns {
        return target_towns(ctx, t)
            .iter()
            .filter(|&&town| {
                (0..data.sites.len())
                    .any(|j| (served.open)(j) && data.site_town[j].as_deref() == Some(town))
            })
            .count() as f64;
    }
    if t.measure == Measure::Islands {
        // The islands with an open site, in one pass over the sites (not one per island:
        // 10,000 islands by 150,000 sites took minutes).
        let with_site: std::collections::HashSet<usize> = data
            .sites
            .iter()
            .enumerate()
            .filter(|&(j, _)| (served.open)(j))
            .map(|(_, s)| s.island)
            .collect();
        return islands
            .iter()
            .filter(|&&k| island_in_units(ctx, t, k))
            .filter(|&&k| (served.roving)(k) || with_site.contains(&k))
            .count() as f64;
    }
    let m = t.minutes.unwrap_or(data.service.standard_minutes);
    settlements
        .iter()
        .map(|&a| {
            let v = target_measure(ctx, data.service, t, ctx.settlements[a]);
            if v <= 0.0 {
                return 0.0;
            }
            let share = match served.seated {
                Some(seated) if data.demand[a] > 0.0 => seated.get(&a).map_or(0.0, |list| {
                    list.iter()
                        .filter(|&&(j, _)| data.reach[a].iter().any(|&(k, d)| k == j && d <= m))
                        .map(|&(_, share)| share)
                        .sum::<f64>()
                        .min(1.0)
                }),
                _ => {
                    if data.reach[a]
                        .iter()
                        .any(|&(j, d)| d <= m && (served.open)(j))
                    {
                        1.0
                    } else {
                        0.0
                    }
                }
            };
            v * share
        })
        .sum()
}
