//! What every planning step reads: the data, the scenario, the travel network, and the
//! island-level facts derived from them once.

use crate::error::{Error, Result};
use crate::layers::DataSet;
use crate::network::{Network, NodeKind};
use crate::scenario::Scenario;
use petgraph::graph::NodeIndex;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

pub struct Context<'a> {
    pub ds: &'a DataSet,
    pub scenario: &'a Scenario,
    /// Shared by the views of the scenario's named hierarchies ([`Context::view`]).
    pub net: Arc<Network>,
    pub hub: usize,
    /// Planned islands with residents, ascending.
    pub inhabited_islands: Vec<usize>,
    pub island_population: Vec<u64>,
    /// Per island: no chain of bridges joins it to the hub island of `[hierarchy]` (the data's
    /// `remote` property overrides).
    pub remote: Vec<bool>,
    /// The most populous settlement of each inhabited island: where island-to-island times
    /// are measured from and where roving teams land.
    pub centre: Vec<Option<usize>>,
    /// Planned settlements (not on external islands), ascending.
    pub settlements: Vec<usize>,
    island_ids: HashMap<String, usize>,
    /// What the scenario leaves out of the data (shown, not fatal).
    pub warnings: Vec<String>,
    /// Per island (inhabited ones and heads of `together` groups; empty otherwise): the
    /// possible leaders its centre reaches within `hierarchy.leader_minutes`, as (island,
    /// minutes) ascending by island.
    /// Sparse on purpose: a dense island-by-island table grows with the square of the islands
    /// (10,000 one-village islands took gigabytes).
    leader_reach: Vec<Vec<(u32, f64)>>,
}

/// Every island a target's unit set lists is in the data set.
fn unit_islands_exist(scenario: &Scenario, island_ids: &HashMap<String, usize>) -> Result<()> {
    for t in &scenario.targets {
        let listed = t.units.as_ref().and_then(|u| u.islands.as_ref());
        if let Some(id) = listed
            .into_iter()
            .flatten()
            .find(|id| !island_ids.contains_key(id.as_str()))
        {
            return Err(Error::Usage(format!(
                "scenario target `{}` units.islands: island `{id}` is not in the data set",
                t.name
            )));
        }
    }
    Ok(())
}

/// Islands no chain of bridges joins to the hub island: a ferry is the only way there. An
/// island's `remote` property (true or false) overrides.
pub fn remote_islands(ds: &DataSet, hub: usize) -> Vec<bool> {
    use crate::layers::{Endpoint, RouteMode};
    let mut joined = petgraph::unionfind::UnionFind::<usize>::new(ds.islands.len());
    let island_of = |e: &Endpoint| match *e {
        Endpoint::Port(p) => ds.ports[p].island,
        Endpoint::Landing { island, .. } => island,
    };
    for r in ds.routes.iter().filter(|r| r.mode == RouteMode::Bridge) {
        joined.union(island_of(&r.ends[0]), island_of(&r.ends[1]));
    }
    ds.islands
        .iter()
        .enumerate()
        .map(|(k, island)| {
            island
                .properties
                .get("remote")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(!joined.equiv(k, hub))
        })
        .collect()
}

/// Islands that may ever lead: the hub, islands the data or the scenario fix a tier for, and
/// those the scenario makes eligible (a superset of what the hierarchy picks from).
fn may_lead(
    ds: &DataSet,
    h: &crate::scenario::Hierarchy,
    (hub, island_ids): (usize, &HashMap<String, usize>),
    (inhabited_islands, island_population): (&[usize], &[u64]),
) -> Vec<bool> {
    let n = ds.islands.len();
    let mut candidate = vec![false; n];
    candidate[hub] = true;
    for (k, island) in ds.islands.iter().enumerate() {
        if island.tier.is_some() {
            candidate[k] = true;
        }
    }
    for id in h.fixed.keys().chain(h.eligible.iter().flatten()) {
        if let Some(&k) = island_ids.get(id) {
            candidate[k] = true;
        }
    }
    if h.eligible.is_none() {
        for &k in inhabited_islands {
            if island_population[k] >= h.min_leader_population {
                candidate[k] = true;
            }
        }
    }
    candidate
}

impl<'a> Context<'a> {
    pub fn new(ds: &'a DataSet, scenario: &'a Scenario) -> Result<Self> {
        let warnings = super::inputs::check(ds, scenario)?;
        let net = Arc::new(Network::try_build(
            &ds.for_weekday(scenario.weekday_index()),
        )?);
        Self::with_network(ds, scenario, net, (None, warnings))
    }

    /// The same data and network seen through named hierarchy `scenario` (a
    /// [`Scenario::view`]): its hub, leaders' reach and remoteness; the network is shared.
    pub fn view<'b>(&self, scenario: &'b Scenario) -> Result<Context<'b>>
    where
        'a: 'b,
    {
        // Remote islands stay those of `[hierarchy]`'s hub: a unit set means the same islands
        // whichever hierarchy a service follows.
        let remote = Some(self.remote.clone());
        Context::with_network(
            self.ds,
            scenario,
            Arc::clone(&self.net),
            (remote, Vec::new()),
        )
    }

    fn with_network(
        ds: &'a DataSet,
        scenario: &'a Scenario,
        net: Arc<Network>,
        (remote, warnings): (Option<Vec<bool>>, Vec<String>),
    ) -> Result<Self> {
        let island_ids: HashMap<String, usize> = ds
            .islands
            .iter()
            .enumerate()
            .map(|(k, i)| (i.id.clone(), k))
            .collect();
        unit_islands_exist(scenario, &island_ids)?;
        let hub = match &scenario.hierarchy.hub {
            None => ds.hub,
            Some(id) => {
                let k = *island_ids.get(id).ok_or_else(|| {
                    Error::Usage(format!(
                        "scenario hierarchy.hub: island `{id}` is not in the data set"
                    ))
                })?;
                if ds.islands[k].external {
                    return Err(Error::Usage(format!(
                        "scenario hierarchy.hub: island `{id}` is external and cannot be planned"
                    )));
                }
                k
            }
        };
        let settlements: Vec<usize> = (0..ds.settlements.len())
            .filter(|&i| !ds.islands[ds.settlements[i].island].external)
            .collect();
        let mut island_population = vec![0u64; ds.islands.len()];
        let mut centre: Vec<Option<usize>> = vec![None; ds.islands.len()];
        for &i in &settlements {
            let s = &ds.settlements[i];
            island_population[s.island] += s.population;
            let better = match centre[s.island] {
                None => true,
                Some(c) => s.population > ds.settlements[c].population,
            };
            if better {
                centre[s.island] = Some(i);
            }
        }
        let inhabited_islands: Vec<usize> = (0..ds.islands.len())
            .filter(|&k| !ds.islands[k].external && island_population[k] > 0)
            .collect();
        if !inhabited_islands.contains(&hub) {
            return Err(Error::Usage(format!(
                "the hub island `{}` has no residents to plan for",
                ds.islands[hub].id
            )));
        }
        let candidate = may_lead(
            ds,
            &scenario.hierarchy,
            (hub, &island_ids),
            (&inhabited_islands, &island_population),
        );
        let h = &scenario.hierarchy;
        let n = ds.islands.len();
        let limit = h.leader_minutes;
        // The first island of a `together` group places its group even when a relocation has
        // emptied it: its centre keeps its reach.
        let mut heads = vec![false; n];
        for group in &h.together {
            if let Some(&k) = group.first().and_then(|id| island_ids.get(id)) {
                heads[k] = true;
            }
        }
        let leader_reach: Vec<Vec<(u32, f64)>> = (0..n)
            .into_par_iter()
            .map(|k| {
                let mut row = Vec::new();
                if let Some(c) = centre[k].filter(|_| island_population[k] > 0 || heads[k]) {
                    let sp = net.shortest_from(net.settlement_nodes[c], limit);
                    for (v, d) in sp.reached {
                        if let NodeKind::Settlement(i) = net.graph[NodeIndex::new(v as usize)].kind
                        {
                            let l = ds.settlements[i].island;
                            if candidate[l] && centre[l] == Some(i) {
                                row.push((l as u32, d));
                            }
                        }
                    }
                    row.sort_unstable_by_key(|&(l, _)| l);
                    row.shrink_to_fit();
                }
                row
            })
            .collect();
        Ok(Context {
            ds,
            scenario,
            net,
            hub,
            inhabited_islands,
            island_population,
            remote: remote.unwrap_or_else(|| remote_islands(ds, hub)),
            centre,
            settlements,
            island_ids,
            warnings,
            leader_reach,
        })
    }

    pub fn island_index(&self, id: &str) -> Option<usize> {
        self.island_ids.get(id).copied()
    }

    /// Centre-to-centre minutes from inhabited island `from` to `to`, when `to` may lead (see
    /// the hierarchy's eligibility) and is within `hierarchy.leader_minutes`; `None` otherwise.
    pub fn minutes_to_leader(&self, from: usize, to: usize) -> Option<f64> {
        let row = self.leader_reach.get(from)?;
        row.binary_search_by_key(&(to as u32), |&(l, _)| l)
            .ok()
            .map(|p| row[p].1)
    }

    /// Islands that may lead whatever their population: the hub, islands with a tier in the
    /// data, and those the scenario fixes or lists as eligible (the eligibility rule of
    /// [`may_lead`] without its population threshold).
    pub fn may_lead_regardless(&self) -> Vec<bool> {
        let mut h = self.scenario.hierarchy.clone();
        h.min_leader_population = u64::MAX;
        may_lead(
            self.ds,
            &h,
            (self.hub, &self.island_ids),
            (&self.inhabited_islands, &self.island_population),
        )
    }

    /// The islands that may lead within `hierarchy.leader_minutes` of inhabited island `from`
    /// (itself included when it may lead), ascending.
    pub fn leaders_within(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
        self.leader_reach
            .get(from)
            .into_iter()
            .flatten()
            .map(|&(l, _)| l as usize)
    }

    /// Centre-to-centre minutes from inhabited island `from` to every island (`None`: not
    /// reachable, or no residents), by a shortest-path search: one row, computed when asked.
    pub fn minutes_from(&self, from: usize) -> Vec<Option<f64>> {
        let n = self.ds.islands.len();
        let mut out = vec![None; n];
        if let Some(c) = self.centre[from].filter(|_| self.island_population[from] > 0) {
            let sp = self
                .net
                .shortest_from(self.net.settlement_nodes[c], f64::INFINITY);
            let dense = sp.dense(self.net.node_count());
            for (l, slot) in out.iter_mut().enumerate() {
                if let Some(cl) = self.centre[l] {
                    let d = dense[self.net.settlement_nodes[cl].index()];
                    if d.is_finite() {
                        *slot = Some(d);
                    }
                }
            }
        }
        out
    }

    /// Centre-to-centre minutes between two inhabited islands (one shortest-path search per
    /// call: for a few pairs; [`Context::minutes_to_leader`] answers the many).
    pub fn island_minutes(&self, from: usize, to: usize) -> Option<f64> {
        self.minutes_from(from).get(to).copied().flatten()
    }

    pub fn settlement_node(&self, i: usize) -> NodeIndex {
        self.net.settlement_nodes[i]
    }
}
