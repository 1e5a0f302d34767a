//! Exact model reduction: a new or candidate site is dropped when another site of the same
//! level on the same island does everything it does, at least as well, for no more money.
//!
//! Site k dominates site j when: k costs no more (counting the closing cost an existing k
//! saves), reaches every settlement j reaches at least as fast (so coverage at every standard
//! and the travel tie-break are no worse), seats at least as many at no higher unit cost, and is
//! at least as well linked in the hub-and-spoke supply. Any plan using j stays feasible and no
//! worse with k instead, so removing j keeps an optimal plan. On real islands most new-site
//! candidates in a town reach the same villages, which is why this matters.

use super::data::{PlanSite, SiteOrigin};
use std::collections::HashMap;

/// Per-site data the comparison reads.
pub struct SiteReach<'a> {
    pub sites: &'a [PlanSite],
    /// For each site, (settlement position, minutes), ascending settlement.
    pub reach: Vec<Vec<(usize, f64)>>,
    /// The same pairs per settlement: (site, minutes), ascending site.
    pub by_settlement: &'a [Vec<(usize, f64)>],
    /// For supplied sites: their possible suppliers (sorted).
    pub suppliers: &'a HashMap<usize, Vec<usize>>,
    /// Sites that can never open (forced closed).
    pub closed: &'a [bool],
}

fn effective_cost(s: &PlanSite) -> f64 {
    let saved = s.close_cost;
    s.annual_cost + s.open_cost - saved
}

/// Is every (settlement, minutes) of `j` matched by `k` at no more minutes?
fn reaches_as_well(j: &[(usize, f64)], k: &[(usize, f64)]) -> bool {
    let mut it = k.iter().peekable();
    for &(a, dj) in j {
        loop {
            match it.peek() {
                Some(&&(b, _)) if b < a => {
                    it.next();
                }
                Some(&&(b, dk)) if b == a => {
                    if dk > dj {
                        return false;
                    }
                    break;
                }
                _ => return false,
            }
        }
    }
    true
}

fn subset(small: &[usize], big: &[usize]) -> bool {
    small.iter().all(|x| big.binary_search(x).is_ok())
}

/// The sites that may dominate `j`, ascending (as `members`, its group, is): only a site
/// reaching every settlement `j` reaches can, so those reaching the settlement of `j` that the
/// fewest sites reach (all of the group when `j` reaches none). On the 100,000-settlement
/// hub, 30,000 meal candidates compared pairwise took 50 s; each has a hundred rivals or so.
fn rivals<'m>(
    r: &'m SiteReach,
    members: &'m [usize],
    j: usize,
) -> Box<dyn Iterator<Item = usize> + 'm> {
    let rarest = r.reach[j]
        .iter()
        .map(|&(a, _)| &r.by_settlement[a])
        .min_by_key(|row| row.len());
    match rarest {
        Some(row) => Box::new(row.iter().map(|&(k, _)| k)),
        None => Box::new(members.iter().copied()),
    }
}

/// Returns, for each site, whether it is dominated (and may be removed).
pub fn dominated(r: &SiteReach) -> Vec<bool> {
    let sites = r.sites;
    let n = sites.len();
    // Which supplied sites each supplier serves.
    let mut supplies: HashMap<usize, Vec<usize>> = HashMap::new();
    for (&t, from) in r.suppliers {
        for &c in from {
            supplies.entry(c).or_default().push(t);
        }
    }
    for v in supplies.values_mut() {
        v.sort_unstable();
    }
    let empty: Vec<usize> = Vec::new();
    // Group by (island, level) so only comparable pairs are tested.
    let mut groups: HashMap<(usize, u32), Vec<usize>> = HashMap::new();
    for (j, s) in sites.iter().enumerate() {
        groups.entry((s.island, s.level)).or_default().push(j);
    }
    let mut out = vec![false; n];
    let mut keys: Vec<(usize, u32)> = groups.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let members = &groups[&key];
        for &j in members {
            let sj = &sites[j];
            if sj.fixed == Some(true) || sj.is_existing() || sj.close_cost > 0.0 {
                // Existing sites, and sites an earlier phase built (a closing cost), stay in
                // the plan (kept or reported closed).
                continue;
            }
            if r.closed[j] {
                out[j] = true; // a candidate that can never open: nothing to decide
                continue;
            }
            let cj = effective_cost(sj);
            for k in rivals(r, members, j) {
                if k == j || out[k] || r.closed[k] || (sites[k].island, sites[k].level) != key {
                    continue;
                }
                let sk = &sites[k];
                if effective_cost(sk) > cj + 1e-9
                    || sk.cost_per_unit > sj.cost_per_unit
                    || sk.capacity.unwrap_or(f64::INFINITY) < sj.capacity.unwrap_or(f64::INFINITY)
                {
                    continue;
                }
                if !reaches_as_well(&r.reach[j], &r.reach[k]) {
                    continue;
                }
                let sup_j = r.suppliers.get(&j).unwrap_or(&empty);
                let sup_k = r.suppliers.get(&k).unwrap_or(&empty);
                if r.suppliers.contains_key(&j) && !subset(sup_j, sup_k) {
                    continue;
                }
                if !subset(
                    supplies.get(&j).unwrap_or(&empty),
                    supplies.get(&k).unwrap_or(&empty),
                ) {
                    continue;
                }
                // Identical sites: keep the first; otherwise k strictly covers j's role.
                let mutual = effective_cost(sk) >= cj - 1e-9
                    && reaches_as_well(&r.reach[k], &r.reach[j])
                    && matches!(sk.origin, SiteOrigin::New(_) | SiteOrigin::Candidate(_));
                if mutual && k > j {
                    continue;
                }
                out[j] = true;
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn site(island: usize, level: u32, origin: SiteOrigin, cost: f64, capacity: u8) -> PlanSite {
        PlanSite {
            id: String::new(),
            name: String::new(),
            level,
            level_name: String::new(),
            origin,
            node: petgraph::graph::NodeIndex::new(0),
            island,
            location: geo::Point::new(0.0, 0.0),
            capacity: (capacity > 0).then_some(f64::from(capacity)),
            annual_cost: cost,
            open_cost: 0.0,
            close_cost: 0.0,
            cost_per_unit: 0.0,
            expand_max: 0.0,
            expand_min: 0.0,
            expand_cost_per_unit: 0.0,
            fixed: None,
            decided_closure: false,
            allowed: true,
        }
    }

    /// The definition, pair by pair over each site's whole group (what `dominated` did before
    /// it looked only at rivals reaching the same settlements).
    fn pairwise(r: &SiteReach) -> Vec<bool> {
        let s = r.sites;
        let mut out = vec![false; s.len()];
        for j in 0..s.len() {
            if s[j].is_existing() || r.closed[j] {
                out[j] = r.closed[j] && !s[j].is_existing();
                continue;
            }
            out[j] = (0..s.len()).any(|k| {
                k != j
                    && !r.closed[k]
                    && (s[k].island, s[k].level) == (s[j].island, s[j].level)
                    && effective_cost(&s[k]) <= effective_cost(&s[j]) + 1e-9
                    && s[k].capacity.unwrap_or(f64::INFINITY)
                        >= s[j].capacity.unwrap_or(f64::INFINITY)
                    && reaches_as_well(&r.reach[j], &r.reach[k])
                    && !(k > j
                        && effective_cost(&s[k]) >= effective_cost(&s[j]) - 1e-9
                        && reaches_as_well(&r.reach[k], &r.reach[j])
                        && !s[k].is_existing())
            });
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Looking only at the sites that reach a site's rarest settlement drops exactly the
        /// sites the pairwise definition drops.
        #[test]
        fn rivals_drop_what_the_pairwise_definition_drops(
            raw in prop::collection::vec(
                (0..2usize, 0..2u32, 0..4u8, 0..3u8, 0..5u8, prop::collection::vec((0..8usize, 0..4u8), 0..5)),
                1..24,
            ),
        ) {
            let sites: Vec<PlanSite> = raw
                .iter()
                .enumerate()
                .map(|(j, &(island, level, kind, cost, cap, _))| {
                    let origin = if kind == 0 { SiteOrigin::Existing(j) } else { SiteOrigin::New(j) };
                    site(island, level, origin, f64::from(cost), cap)
                })
                .collect();
            let closed: Vec<bool> = raw.iter().map(|r| r.2 == 3).collect();
            let by_site: Vec<Vec<(usize, f64)>> = raw
                .iter()
                .map(|r| {
                    let mut row: Vec<(usize, f64)> =
                        r.5.iter().map(|&(a, d)| (a, f64::from(d))).collect();
                    row.sort_by_key(|p| p.0);
                    row.dedup_by_key(|p| p.0);
                    row
                })
                .collect();
            let mut by_settlement = vec![Vec::new(); 8];
            for (j, row) in by_site.iter().enumerate() {
                for &(a, d) in row {
                    by_settlement[a].push((j, d));
                }
            }
            let suppliers = HashMap::new();
            let r = SiteReach {
                sites: &sites,
                reach: by_site,
                by_settlement: &by_settlement,
                suppliers: &suppliers,
                closed: &closed,
            };
            prop_assert_eq!(dominated(&r), pairwise(&r));
        }
    }
}
