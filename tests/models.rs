//! Every model and every solver against brute-force enumeration on small random instances.
//!
//! The reference here is written independently of the library: it enumerates every open set
//! (and, for the capacitated models, every single-source assignment) and keeps the best.

use archiplan::Error;
use archiplan::model::{
    CapCoverage, CapPMedian, Instance, Lscp, Mclp, Model, PCenter, PMedian, Problem, Sense, Site,
    SiteStatus, Status, verify,
};
use archiplan::network::TravelTimes;
use archiplan::solve::{Backend, SolveOptions, solve};
use proptest::prelude::*;

/// A small random instance: sparse integer travel times, some zero weights, mixed sites.
#[derive(Debug, Clone)]
struct Raw {
    weights: Vec<f64>,
    rows: Vec<Vec<(u32, f32)>>,
    sites: Vec<Site>,
}

fn raw(max_n: usize, max_m: usize, statuses: bool) -> impl Strategy<Value = Raw> {
    (2..=max_n, 2..=max_m).prop_flat_map(move |(n, m)| {
        let weights = prop::collection::vec(prop_oneof![1 => Just(0u32), 4 => 1u32..6], n);
        let pairs = prop::collection::vec(prop::option::weighted(0.8, 0u32..25), n * m);
        let sites = prop::collection::vec(
            (
                if statuses { 0u8..6 } else { 0u8..1 },
                0u32..10,
                0u32..6,
                prop::option::weighted(0.7, 2u32..14),
            ),
            m,
        );
        (weights, pairs, sites).prop_map(move |(w, pairs, sites)| Raw {
            weights: w.into_iter().map(f64::from).collect(),
            rows: (0..n)
                .map(|i| {
                    (0..m)
                        .filter_map(|j| pairs[i * m + j].map(|d| (j as u32, d as f32)))
                        .collect()
                })
                .collect(),
            sites: sites
                .into_iter()
                .map(|(s, open, close, cap)| Site {
                    status: match s {
                        4 => SiteStatus::Existing,
                        5 => SiteStatus::Required,
                        _ => SiteStatus::Candidate,
                    },
                    open_cost: open as f64,
                    close_cost: close as f64,
                    capacity: cap.map(f64::from),
                })
                .collect(),
        })
    })
}

impl Raw {
    fn instance(&self) -> Instance {
        let m = self.sites.len();
        let times = TravelTimes::from_rows(self.rows.clone(), m, f64::INFINITY);
        Instance::new(self.weights.clone(), self.sites.clone(), times).unwrap()
    }
    fn d(&self, i: usize, j: usize) -> Option<f64> {
        self.rows[i]
            .iter()
            .find(|(c, _)| *c as usize == j)
            .map(|(_, d)| *d as f64)
    }
}

/// The reference optimum of `model` by enumeration (`None`: no feasible plan).
fn brute(r: &Raw, model: &Model) -> Option<f64> {
    let n = r.weights.len();
    let m = r.sites.len();
    let served: Vec<usize> = (0..n).filter(|&i| r.weights[i] > 0.0).collect();
    let any_cost = r
        .sites
        .iter()
        .any(|s| s.open_cost > 0.0 || (s.status == SiteStatus::Existing && s.close_cost > 0.0));
    let mut best: Option<f64> = None;
    let maximise = model.sense() == Sense::Maximise;
    for mask in 0u32..(1 << m) {
        let open: Vec<bool> = (0..m).map(|j| mask & (1 << j) != 0).collect();
        if (0..m).any(|j| r.sites[j].status == SiteStatus::Required && !open[j]) {
            continue;
        }
        if let Some(p) = model.p()
            && open.iter().filter(|&&o| o).count() != p
        {
            continue;
        }
        let cost: f64 = (0..m)
            .map(|j| match (open[j], r.sites[j].status) {
                (true, _) => r.sites[j].open_cost,
                (false, SiteStatus::Existing) => r.sites[j].close_cost,
                _ => 0.0,
            })
            .sum();
        if let Some(b) = model.budget()
            && cost > b + 1e-9
        {
            continue;
        }
        let near = |i: usize, radius: Option<f64>| -> Option<f64> {
            (0..m)
                .filter(|&j| open[j])
                .filter_map(|j| r.d(i, j))
                .filter(|d| radius.is_none_or(|rr| *d <= rr))
                .fold(None, |a: Option<f64>, d| Some(a.map_or(d, |a| a.min(d))))
        };
        let value: Option<f64> = match model {
            Model::PMedian(_) => served
                .iter()
                .map(|&i| near(i, None).map(|d| d * r.weights[i]))
                .sum(),
            Model::PCenter(_) => served
                .iter()
                .map(|&i| near(i, None))
                .try_fold(0.0f64, |a, d| d.map(|d| a.max(d))),
            Model::Mclp(c) => Some(
                served
                    .iter()
                    .filter(|&&i| near(i, Some(c.radius)).is_some())
                    .map(|&i| r.weights[i])
                    .sum(),
            ),
            Model::Lscp(l) => {
                let total: f64 = r.weights.iter().sum();
                let covered: f64 = served
                    .iter()
                    .filter(|&&i| near(i, Some(l.radius)).is_some())
                    .map(|&i| r.weights[i])
                    .sum();
                let ok = if l.alpha >= 1.0 {
                    served.iter().all(|&i| near(i, Some(l.radius)).is_some())
                } else {
                    covered + 1e-9 >= l.alpha * total
                };
                ok.then(|| {
                    if any_cost {
                        cost
                    } else {
                        open.iter().filter(|&&o| o).count() as f64
                    }
                })
            }
            Model::CapPMedian(_) | Model::CapCoverage(_) => {
                let radius = model.radius();
                let must = matches!(model, Model::CapPMedian(_));
                best_assignment(r, &served, &open, radius, must)
            }
        };
        if let Some(v) = value {
            let better = match best {
                None => true,
                Some(b) => (maximise && v > b) || (!maximise && v < b),
            };
            if better {
                best = Some(v);
            }
        }
    }
    best
}

/// Best single-source assignment of `served` to open sites within capacities.
fn best_assignment(
    r: &Raw,
    served: &[usize],
    open: &[bool],
    radius: Option<f64>,
    must: bool,
) -> Option<f64> {
    #[allow(clippy::too_many_arguments)]
    fn go(
        k: usize,
        r: &Raw,
        served: &[usize],
        open: &[bool],
        radius: Option<f64>,
        must: bool,
        load: &mut Vec<f64>,
        acc: f64,
        best: &mut Option<f64>,
    ) {
        if k == served.len() {
            let better = match best {
                None => true,
                Some(b) => (must && acc < *b) || (!must && acc > *b),
            };
            if better {
                *best = Some(acc);
            }
            return;
        }
        let i = served[k];
        let w = r.weights[i];
        if !must {
            go(k + 1, r, served, open, radius, must, load, acc, best);
        }
        for j in 0..open.len() {
            if !open[j] {
                continue;
            }
            let Some(d) = r.d(i, j) else { continue };
            if radius.is_some_and(|rr| d > rr) {
                continue;
            }
            if r.sites[j].capacity.is_some_and(|c| load[j] + w > c + 1e-9) {
                continue;
            }
            load[j] += w;
            let add = if must { w * d } else { w };
            go(k + 1, r, served, open, radius, must, load, acc + add, best);
            load[j] -= w;
        }
    }
    let mut best = None;
    let mut load = vec![0.0; open.len()];
    go(0, r, served, open, radius, must, &mut load, 0.0, &mut best);
    best
}

fn check(r: &Raw, model: Model, backend: Backend) -> Result<(), TestCaseError> {
    check_with(r, model, backend, None)
}

fn check_with(
    r: &Raw,
    model: Model,
    backend: Backend,
    root_iterations: Option<usize>,
) -> Result<(), TestCaseError> {
    let problem = Problem::new(r.instance(), model.clone());
    let expected = brute(r, &model);
    let opts = SolveOptions {
        backend,
        time_limit: None,
        seed: 1,
        root_iterations,
        start: None,
    };
    match (solve(&problem, &opts), expected) {
        (Ok(sol), Some(opt)) => {
            prop_assert!(
                (sol.objective - opt).abs() <= 1e-6 * opt.abs().max(1.0),
                "{backend:?} {}: objective {} but brute force {opt}",
                model.name(),
                sol.objective
            );
            prop_assert_eq!(sol.status, Status::Optimal);
            match sol.sense {
                Sense::Minimise => prop_assert!(sol.bound <= sol.objective + 1e-9),
                Sense::Maximise => prop_assert!(sol.bound >= sol.objective - 1e-9),
            }
            let again = verify(&problem, &sol.open, &sol.assignment)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}", model.name())))?;
            prop_assert!((again - sol.objective).abs() <= 1e-6 * opt.abs().max(1.0));
        }
        (Err(Error::Infeasible(_)), None) => {}
        (Ok(sol), None) => {
            return Err(TestCaseError::fail(format!(
                "{backend:?} {}: found {} but brute force has no plan",
                model.name(),
                sol.objective
            )));
        }
        (Err(e), opt) => {
            return Err(TestCaseError::fail(format!(
                "{backend:?} {}: error `{e}`, brute force {opt:?}",
                model.name()
            )));
        }
    }
    Ok(())
}

fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Auto, Backend::Microlp];
    if cfg!(feature = "highs") {
        b.push(Backend::Highs);
    }
    b
}

fn models(m: usize, p: usize, radius: f64, budget: f64, alpha: f64) -> Vec<Model> {
    let p = p.clamp(1, m);
    vec![
        Model::PMedian(PMedian::new(p)),
        Model::PMedian(PMedian {
            p,
            budget: Some(budget),
        }),
        Model::PCenter(PCenter::new(p)),
        Model::Mclp(Mclp::with_p(radius, p)),
        Model::Mclp(Mclp {
            radius,
            p: None,
            budget: Some(budget),
        }),
        Model::Lscp(Lscp::new(radius)),
        Model::Lscp(Lscp { radius, alpha }),
        Model::CapPMedian(CapPMedian::new(p)),
        Model::CapCoverage(CapCoverage::with_p(radius, p)),
        Model::CapCoverage(CapCoverage {
            radius,
            p: None,
            budget: Some(budget),
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every model, every backend, existing/required sites, costs and capacities.
    #[test]
    fn every_model_matches_brute_force(
        r in raw(6, 4, true),
        p in 1usize..4,
        radius in 3.0f64..25.0,
        budget in 0.0f64..25.0,
        alpha in 0.3f64..0.95,
    ) {
        for model in models(r.sites.len(), p, radius.floor(), budget.floor(), alpha) {
            for b in backends() {
                check(&r, model.clone(), b)?;
            }
        }
    }

    /// Larger uncapacitated instances where the Lagrangian search has to branch: random
    /// (non-metric) costs have real duality gaps.
    #[test]
    fn fast_paths_match_brute_force_when_branching(
        r in raw(40, 12, false),
        p in 2usize..6,
        radius in 5.0f64..15.0,
    ) {
        let m = r.sites.len();
        for model in [
            Model::PMedian(PMedian::new(p.min(m))),
            Model::PCenter(PCenter::new(p.min(m))),
            Model::Mclp(Mclp::with_p(radius.floor(), p.min(m))),
            Model::Lscp(Lscp::new(radius.floor())),
        ] {
            check(&r, model.clone(), Backend::Auto)?;
            // A short root leaves the proof to fixing and branching.
            check_with(&r, model.clone(), Backend::Auto, Some(3))?;
            check_with(&r, model, Backend::Auto, Some(20))?;
        }
    }
}
