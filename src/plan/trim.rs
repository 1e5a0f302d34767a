//! Closing what a priced coverage plan does not need. The price search of a decomposed
//! service ([`super::decompose`]) settles for the cheapest round that meets every target, but a
//! component cannot be split between rounds: on the 100,000-settlement archipelago the hub's
//! meal component covers either 79,410 or 84,457 villages around the target's price (80,000
//! needed), so the plan kept 4,457 villages of cover it pays for and does not need. This pass
//! closes new sites, the most money per unit of lost cover first, while every target stays met.
//!
//! Only where the cover rule is plain: a coverage service without open-before-close, roving
//! teams or per-person costs whose targets are all priced settlement shares (villages,
//! population, demand), so a settlement counts exactly when an open site is within the
//! target's minutes. A site closes only if it is new (no closing cost,
//! nothing decided), its level hosts no per-leader duty, and every open site it supplies keeps
//! another open supplier.

use super::context::Context;
use super::data::{ServiceData, SiteOrigin};
use super::milp::{Scope, ScopeSolution, covered_by, target_weight};
use crate::scenario::{Assign, Measure};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Whether this service's plans may be trimmed here (see the module notes).
fn applies(data: &ServiceData, priced: &[usize]) -> bool {
    // Open-before-close ties a closed site to the new ones near it, and per-person costs
    // move with the sites: neither is the plain rule.
    data.service.assign == Assign::Coverage
        && !data.service.open_before_close
        && data.sites.iter().all(|s| s.cost_per_unit <= 0.0)
        && !priced.is_empty()
        && data.mobile_options.is_empty()
        && data.targets.iter().enumerate().all(|(t, tg)| {
            priced.contains(&t)
                && !tg.is_count()
                && !matches!(tg.measure, Measure::Islands | Measure::Towns)
        })
}

/// The sites that may close: open, new, free of decisions and duties.
fn closable(data: &ServiceData, open: &[bool]) -> Vec<usize> {
    let duty: Vec<u32> = data
        .service
        .levels
        .iter()
        .filter(|l| l.per_leader)
        .map(|l| l.level)
        .collect();
    (0..data.sites.len())
        .filter(|&j| {
            let s = &data.sites[j];
            open[j]
                && matches!(s.origin, SiteOrigin::New(_))
                && s.fixed.is_none()
                && s.close_cost <= 0.0
                && !s.decided_closure
                && !duty.contains(&s.level)
        })
        .collect()
}

/// What a service's trims share, found once per price search (not per plan it considers):
/// each target's minutes, each settlement's measure per target, and which sites each site
/// supplies.
pub(super) struct Trim {
    minutes: Vec<f64>,
    /// Per target, per settlement position: its measure.
    weight: Vec<Vec<f64>>,
    supplies: HashMap<usize, Vec<usize>>,
}

impl Trim {
    /// `None` where the rule does not apply (see the module notes).
    pub(super) fn new(ctx: &Context, data: &ServiceData, priced: &[usize]) -> Option<Self> {
        if !applies(data, priced) {
            return None;
        }
        let n = data.reach.len();
        let mut supplies: HashMap<usize, Vec<usize>> = HashMap::new();
        for (&j, from) in &data.suppliers {
            for &c in from {
                supplies.entry(c).or_default().push(j);
            }
        }
        Some(Trim {
            minutes: data
                .targets
                .iter()
                .map(|t| t.minutes.unwrap_or(data.service.standard_minutes))
                .collect(),
            weight: (0..data.targets.len())
                .map(|t| (0..n).map(|a| target_weight(ctx, data, t, a)).collect())
                .collect(),
            supplies,
        })
    }
}

/// Open sites covering each settlement within each target's minutes, and the targets' slack
/// (cover beyond the need).
struct Cover<'t> {
    trim: &'t Trim,
    count: Vec<Vec<u32>>,
    slack: Vec<f64>,
}

impl Cover<'_> {
    /// Per target, the measure a site's closure loses (the settlements it alone covers).
    fn loss(&self, by_site: &[(usize, f64)]) -> Vec<f64> {
        let Trim {
            minutes, weight, ..
        } = self.trim;
        (0..minutes.len())
            .map(|t| {
                by_site
                    .iter()
                    .filter(|&&(a, d)| d <= minutes[t] && self.count[t][a] == 1)
                    .map(|&(a, _)| weight[t][a])
                    .sum()
            })
            .collect()
    }

    fn close(&mut self, by_site: &[(usize, f64)], loss: &[f64]) {
        for (t, m) in self.trim.minutes.iter().enumerate() {
            for &(a, d) in by_site {
                if d <= *m {
                    self.count[t][a] -= 1;
                }
            }
            self.slack[t] -= loss[t];
        }
    }

    fn affordable(&self, loss: &[f64]) -> bool {
        loss.iter().zip(&self.slack).all(|(l, s)| *l <= *s)
    }

    /// Lost cover as a share of the need, summed over the targets.
    fn weighted(loss: &[f64], need: &[f64]) -> f64 {
        loss.iter().zip(need).map(|(l, n)| l / n.max(1.0)).sum()
    }
}

impl Trim {
    /// `parts` (one per scope, meeting every priced target `need`) with the new sites they do
    /// not need closed; `None` when nothing closes. Every part's cover is measured again by the
    /// plan's own rule ([`covered_by`]) and the result refused unless every target and every
    /// supply still holds.
    pub(super) fn surplus(
        &self,
        ctx: &Context,
        data: &ServiceData,
        scopes: &[Scope],
        parts: &[ScopeSolution],
        (need, priced): (&[f64], &[usize]),
    ) -> Option<Vec<ScopeSolution>> {
        let mut open = vec![false; data.sites.len()];
        for p in parts {
            for &j in &p.open {
                open[j] = true;
            }
        }
        let candidates = closable(data, &open);
        if candidates.is_empty() {
            return None;
        }
        let closed = self.greedy(data, parts, (&candidates, &mut open), need);
        rebuilt(ctx, data, scopes, parts, &closed, (need, priced))
    }

    /// The lazy greedy over `candidates` (closing them in `open`); which sites it closed.
    fn greedy(
        &self,
        data: &ServiceData,
        parts: &[ScopeSolution],
        (candidates, open): (&[usize], &mut [bool]),
        need: &[f64],
    ) -> Vec<bool> {
        let n_targets = data.targets.len();
        let n = data.reach.len();
        let mut cover = Cover {
            trim: self,
            count: vec![vec![0; n]; n_targets],
            slack: (0..n_targets)
                .map(|t| parts.iter().map(|p| p.covered[t]).sum::<f64>() - need[t])
                .collect(),
        };
        let slot: HashMap<usize, usize> = candidates
            .iter()
            .enumerate()
            .map(|(c, &j)| (j, c))
            .collect();
        let mut by_site: Vec<Vec<(usize, f64)>> = vec![Vec::new(); candidates.len()];
        for (a, row) in data.reach.iter().enumerate() {
            for &(j, d) in row.iter().filter(|p| open[p.0]) {
                for t in 0..n_targets {
                    if d <= self.minutes[t] {
                        cover.count[t][a] += 1;
                    }
                }
                if let Some(&c) = slot.get(&j) {
                    by_site[c].push((a, d));
                }
            }
        }
        let saving = |j: usize| data.sites[j].annual_cost + data.sites[j].open_cost;
        // Lazy greedy, least lost cover per unit of money first: a site's loss only grows as
        // others close, so a stale key is never too late.
        let key = |x: f64| x.max(0.0).to_bits();
        let mut heap: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
        for (c, &j) in candidates.iter().enumerate() {
            if saving(j) > 0.0 {
                let loss = cover.loss(&by_site[c]);
                heap.push(Reverse((key(Cover::weighted(&loss, need) / saving(j)), c)));
            }
        }
        let mut closed = vec![false; data.sites.len()];
        while let Some(Reverse((stale, c))) = heap.pop() {
            let j = candidates[c];
            let loss = cover.loss(&by_site[c]);
            let now = key(Cover::weighted(&loss, need) / saving(j));
            if now > stale {
                heap.push(Reverse((now, c)));
                continue;
            }
            let still_supplied = self.supplies.get(&j).is_none_or(|dependants| {
                dependants.iter().filter(|&&k| open[k]).all(|k| {
                    data.suppliers[k]
                        .iter()
                        .any(|&other| other != j && open[other])
                })
            });
            if !cover.affordable(&loss) || !still_supplied {
                // Losses only grow and slack only shrinks: never affordable again. (A supplier
                // whose dependants later close is not tried again: the pass stays one sweep.)
                continue;
            }
            cover.close(&by_site[c], &loss);
            open[j] = false;
            closed[j] = true;
        }
        closed
    }
}

/// The parts without the closed sites, their cost and cover measured again; `None` when
/// nothing closed or a target would fail.
fn rebuilt(
    ctx: &Context,
    data: &ServiceData,
    scopes: &[Scope],
    parts: &[ScopeSolution],
    closed: &[bool],
    (need, priced): (&[f64], &[usize]),
) -> Option<Vec<ScopeSolution>> {
    let mut any = false;
    let out: Vec<ScopeSolution> = parts
        .iter()
        .zip(scopes)
        .map(|(p, scope)| {
            if !p.open.iter().any(|&j| closed[j]) {
                return p.clone();
            }
            any = true;
            let mut q = p.clone();
            q.open.retain(|&j| !closed[j]);
            let saved: f64 = p
                .open
                .iter()
                .filter(|&&j| closed[j])
                .map(|&j| data.sites[j].annual_cost + data.sites[j].open_cost)
                .sum();
            // The priced objective moves by the money saved (the cover lost is within what
            // the targets spare; the search's prices are not charged for it here).
            q.cost -= saved;
            q.objective -= saved;
            q.covered = covered_by(ctx, data, scope, &q);
            q.bound = q.bound.min(q.objective);
            q
        })
        .collect();
    let met = priced.iter().all(|&t| {
        let got: f64 = out.iter().map(|p| p.covered[t]).sum();
        got + 1e-9 * need[t].max(1.0) >= need[t]
    });
    // Every open supplied site keeps an open supplier.
    let open: std::collections::HashSet<usize> =
        out.iter().flat_map(|p| p.open.iter().copied()).collect();
    let supplied = data
        .suppliers
        .iter()
        .all(|(j, from)| !open.contains(j) || from.iter().any(|c| open.contains(c)));
    (any && met && supplied).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::super::milp::tests::generated;
    use super::super::milp::{Limits, Targets, solve_scope};
    use super::*;
    use crate::scenario::Scenario;
    use crate::solve::{Backend, Deadline};

    /// Generated archipelagos planned component by component at a price far above what the
    /// meal and courier targets need (every village covered): the trim closes sites, and by a
    /// count restated here (an open site within the target's minutes) every target still
    /// holds, only new sites closed, each open meal point keeps an open canteen, and the cost
    /// fell by exactly the closed sites' money.
    #[test]
    fn trimmed_plans_still_meet_their_targets() {
        let scenario =
            Scenario::parse(&crate::synth::scenario_text(), "generated").expect("scenario");
        let mut trimmed = 0;
        for seed in [1, 2, 3] {
            let (_dir, ds) = generated(12, 150, seed);
            let ctx = Context::new(&ds, &scenario).expect("context");
            let hier = super::super::hierarchy::choose(&ctx).expect("hierarchy");
            for name in ["meal", "courier"] {
                let service = scenario.service(name).expect("service");
                let targets = scenario.targets_of(name).collect();
                let data =
                    super::super::service::prepare(&ctx, &hier, service, targets).expect("data");
                let scopes = super::super::decompose::components(&ctx, &hier, &data);
                let need: Vec<f64> = (0..data.targets.len())
                    .map(|t| {
                        data.targets[t].share() * super::super::milp::target_total(&ctx, &data, t)
                    })
                    .collect();
                let priced: Vec<usize> = (0..need.len()).collect();
                let price = vec![1e7; need.len()];
                let parts: Vec<ScopeSolution> = scopes
                    .iter()
                    .map(|s| {
                        let limits = Limits {
                            deadline: Deadline::none(),
                            mip_gap: 0.0,
                            backend: Backend::Microlp,
                            warm: None,
                        };
                        solve_scope(&ctx, &hier, &data, s, Targets::Price(&price), 0.0, limits)
                            .expect("solves")
                            .expect("a plan")
                    })
                    .collect();
                let trim = Trim::new(&ctx, &data, &priced).expect("a plain coverage service");
                let Some(out) = trim.surplus(&ctx, &data, &scopes, &parts, (&need, &priced)) else {
                    continue;
                };
                trimmed += 1;
                let open_before: Vec<usize> = parts.iter().flat_map(|p| p.open.clone()).collect();
                let open: Vec<usize> = out.iter().flat_map(|p| p.open.clone()).collect();
                let is_open = |j: usize| open.contains(&j);
                let closed: Vec<usize> = open_before
                    .iter()
                    .copied()
                    .filter(|&j| !is_open(j))
                    .collect();
                assert!(!closed.is_empty(), "seed {seed} {name}");
                for &j in &closed {
                    assert!(matches!(data.sites[j].origin, SiteOrigin::New(_)));
                }
                for (t, tg) in data.targets.iter().enumerate() {
                    let m = tg.minutes.unwrap_or(service.standard_minutes);
                    let got: f64 = (0..data.reach.len())
                        .filter(|&a| data.reach[a].iter().any(|&(j, d)| d <= m && is_open(j)))
                        .map(|a| target_weight(&ctx, &data, t, a))
                        .sum();
                    assert!(
                        got >= need[t] - 1e-6,
                        "seed {seed} {name}: {got} < {}",
                        need[t]
                    );
                }
                for (&j, from) in &data.suppliers {
                    if is_open(j) {
                        assert!(
                            from.iter().any(|&c| is_open(c)),
                            "seed {seed}: {j} unsupplied"
                        );
                    }
                }
                let money: f64 = closed
                    .iter()
                    .map(|&j| data.sites[j].annual_cost + data.sites[j].open_cost)
                    .sum();
                let (before, after): (f64, f64) = (
                    parts.iter().map(|p| p.cost).sum(),
                    out.iter().map(|p| p.cost).sum(),
                );
                assert!(
                    (before - after - money).abs() <= 1e-6 * before,
                    "seed {seed} {name}"
                );
            }
        }
        assert!(
            trimmed >= 3,
            "the trim closed sites in {trimmed} of 6 plans"
        );
    }
}
