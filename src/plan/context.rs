//! What every planning step reads: the data, the scenario, the travel network, and the
//! island-level facts derived from them once.

use crate::error::{Error, Result};
use crate::layers::DataSet;
use crate::network::Network;
use crate::scenario::Scenario;
use petgraph::graph::NodeIndex;
use rayon::prelude::*;
use std::collections::HashMap;

pub struct Context<'a> {
    pub ds: &'a DataSet,
    pub scenario: &'a Scenario,
    pub net: Network,
    pub hub: usize,
    /// Planned islands with residents, ascending.
    pub inhabited_islands: Vec<usize>,
    pub island_population: Vec<u64>,
    /// The most populous settlement of each inhabited island: where island-to-island times
    /// are measured from and where roving teams land.
    pub centre: Vec<Option<usize>>,
    /// Planned settlements (not on external islands), ascending.
    pub settlements: Vec<usize>,
    island_ids: HashMap<String, usize>,
    /// What the scenario leaves out of the data (shown, not fatal).
    pub warnings: Vec<String>,
    /// Centre-to-centre minutes between inhabited islands (row-major, `None` = unreachable).
    island_times: Vec<Option<f64>>,
}

impl<'a> Context<'a> {
    pub fn new(ds: &'a DataSet, scenario: &'a Scenario) -> Result<Self> {
        let warnings = super::inputs::check(ds, scenario)?;
        let net = Network::build(ds);
        let island_ids: HashMap<String, usize> = ds
            .islands
            .iter()
            .enumerate()
            .map(|(k, i)| (i.id.clone(), k))
            .collect();
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
        let n = ds.islands.len();
        let rows: Vec<Vec<Option<f64>>> = (0..n)
            .into_par_iter()
            .map(|k| {
                let mut row = vec![None; n];
                if let Some(c) = centre[k].filter(|_| island_population[k] > 0) {
                    let sp = net.shortest_from(net.settlement_nodes[c], f64::INFINITY);
                    let dense = sp.dense(net.node_count());
                    for l in 0..n {
                        if let Some(cl) = centre[l] {
                            let d = dense[net.settlement_nodes[cl].index()];
                            if d.is_finite() {
                                row[l] = Some(d);
                            }
                        }
                    }
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
            centre,
            settlements,
            island_ids,
            warnings,
            island_times: rows.into_iter().flatten().collect(),
        })
    }

    pub fn island_index(&self, id: &str) -> Option<usize> {
        self.island_ids.get(id).copied()
    }

    /// Centre-to-centre minutes between two inhabited islands.
    pub fn island_minutes(&self, from: usize, to: usize) -> Option<f64> {
        self.island_times[from * self.ds.islands.len() + to]
    }

    pub fn settlement_node(&self, i: usize) -> NodeIndex {
        self.net.settlement_nodes[i]
    }
}
