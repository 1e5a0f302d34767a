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
            for &k in members {
                if k == j || out[k] || r.closed[k] {
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
