//! `archiplan check`: an independent audit of a plan folder.
//!
//! The audit trusts nothing the planner computed. From the data set, the scenario and the
//! folder's own list of open sites, closed sites, roving teams, tiers and seat assignments, it
//! re-derives every number the folder reports and lists each disagreement. Travel times are
//! rebuilt by petgraph's own Dijkstra from each site on the network graph ([`times`]), never
//! through the planner's sparse matrix or its bounded search, so an error there (such as two
//! sites on one node sharing one matrix column) cannot hide behind a checker that reads the
//! same numbers.
//!
//! What is re-derived, per service: every settlement's minutes, serving site and covered flag;
//! every site's load, capacity and cost; roving teams (tier, base, day trip, cost); cost lines;
//! coverage and mean minutes; targets (achieved share, met); levels on allowed tiers, one
//! higher-level site per leader, referrals, hub-and-spoke supply, open-before-close, decisions.
//! For the plan: tiers and communities (nearest leader, minutes to it), total cost, budget,
//! and the CSV tables.

mod claims;
mod clock;
pub(crate) mod folder;
mod hierarchy;
mod prove;
mod service;
mod sites;
mod times;
mod units;

pub use folder::PlanFolder;
pub use prove::{DEFAULT_TIME_LIMIT as PROVE_TIME_LIMIT, Proof, ProveOptions};

use crate::error::Result;
use crate::layers::DataSet;
use crate::scenario::Scenario;
use serde::Serialize;
use std::path::Path;

/// One value the folder reports that the audit recomputes differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// File of the plan folder (e.g. `settlements.geojson`).
    pub file: String,
    /// Feature or row id (settlement, site, service, target).
    pub feature: String,
    /// Property or column.
    pub field: String,
    pub reported: String,
    pub recomputed: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} `{}`: reported {}, recomputed {}",
            self.file, self.feature, self.field, self.reported, self.recomputed
        )
    }
}

/// How much the audit looked at.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checked {
    pub services: usize,
    pub settlements: usize,
    pub sites: usize,
    pub roving_teams: usize,
    pub targets: usize,
    /// Individual values compared.
    pub values: usize,
}

/// The `archiplan check --json` object.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub folder: String,
    pub scenario: String,
    pub ok: bool,
    pub checked: Checked,
    pub disagreements: Vec<Finding>,
    /// `check --prove`: each service's optimum re-derived by the audit's own model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proofs: Option<Vec<Proof>>,
}

/// Audits the plan folder `dir` (a plan output folder, or a sweep scenario folder holding
/// `plan/`) against the data set and scenario it was planned from.
pub fn audit(ds: &DataSet, scenario: &Scenario, dir: &Path) -> Result<Audit> {
    audit_proving(ds, scenario, dir, None)
}

/// [`audit`], and with `prove`, every service's optimum re-derived ([`prove`]).
pub fn audit_proving(
    ds: &DataSet,
    scenario: &Scenario,
    dir: &Path,
    prove: Option<ProveOptions>,
) -> Result<Audit> {
    let folder = PlanFolder::read(dir)?;
    audit_folder_proving(ds, scenario, &folder, prove)
}

impl Audit {
    /// The terminal text: a verdict line, then every disagreement and proof.
    pub fn text(&self) -> String {
        let c = &self.checked;
        let mut out = format!(
            "{}: {} ({} services, {} settlements, {} sites, {} roving teams, {} targets; {} values compared)\n",
            self.folder,
            if self.ok {
                "the plan agrees with the audit".to_string()
            } else {
                format!("{} disagreement(s)", self.disagreements.len())
            },
            c.services,
            c.settlements,
            c.sites,
            c.roving_teams,
            c.targets,
            c.values
        );
        for f in &self.disagreements {
            out.push_str(&format!("  {f}\n"));
        }
        for p in self.proofs.iter().flatten() {
            out.push_str(&format!(
                "  prove {}: {} ({} variables, {:.1} s): {}\n",
                p.service, p.verdict, p.size.variables, p.size.seconds, p.reason
            ));
        }
        out
    }
}

/// For `plan --check` and `sweep --check`: audits a freshly written folder and turns any
/// disagreement into an error (the planner, not the user, is at fault: exit 1).
pub fn verify(ds: &DataSet, scenario: &Scenario, dir: &Path) -> Result<()> {
    let a = audit(ds, scenario, dir)?;
    if a.ok {
        return Ok(());
    }
    let mut text = String::new();
    for f in a.disagreements.iter().take(20) {
        text.push_str(&format!("\n  {f}"));
    }
    if a.disagreements.len() > 20 {
        text.push_str(&format!("\n  and {} more", a.disagreements.len() - 20));
    }
    Err(crate::Error::Internal(format!(
        "the plan failed its independent audit ({} disagreement(s)); nothing was written:{text}",
        a.disagreements.len()
    )))
}

/// Audits an already read plan folder.
pub fn audit_folder(ds: &DataSet, scenario: &Scenario, folder: &PlanFolder) -> Result<Audit> {
    audit_folder_proving(ds, scenario, folder, None)
}

/// [`audit_folder`], and with `prove`, every service's optimum re-derived.
pub fn audit_folder_proving(
    ds: &DataSet,
    scenario: &Scenario,
    folder: &PlanFolder,
    prove: Option<ProveOptions>,
) -> Result<Audit> {
    let mut log = Log::default();
    let mut world = World::new(ds, scenario)?;
    let tiers = hierarchy::audit_all(&mut world, folder, &mut log);
    // Unit sets by tier count the islands the (audited) folder puts on those tiers.
    let resolved = units::with_tier_islands(&world, &tiers);
    let mut world = match &resolved {
        Some(sc) => World {
            scenario: sc,
            ..world
        },
        None => world,
    };
    let mut outcomes = Vec::new();
    for s in &scenario.services {
        outcomes.push(service::audit(&mut world, tiers.of(s), folder, s, &mut log));
        log.checked.services += 1;
    }
    let total_cost: f64 = outcomes.iter().map(|o| o.cost).sum();
    let total_err: f64 = outcomes.iter().map(|o| o.cost_err).sum();
    let summary = &folder.summary;
    log.text(
        "summary.json",
        "plan",
        "scenario",
        summary
            .get("scenario")
            .and_then(|v| v.as_str())
            .unwrap_or_default(),
        &scenario.name,
    );
    log.num(
        "summary.json",
        "plan",
        "cost",
        summary.get("cost").and_then(|v| v.as_f64()),
        Some(total_cost),
        service::FEN + total_err,
    );
    if let Some(budget) = scenario.budget
        && total_cost > budget + cost_tolerance(budget)
    {
        log.finding(
            "summary.json",
            "plan",
            "cost",
            fmt_num(total_cost),
            format!("at most the budget {}", fmt_num(budget)),
        );
    }
    tables(folder, scenario, &outcomes, total_cost, &mut log);
    let names: Vec<String> = scenario.services.iter().map(|s| s.name.clone()).collect();
    claims::audit(folder, &names, &mut log);
    let proofs = prove.map(|o| prove::prove(&mut world, &tiers, folder, o, &mut log));
    log.checked.settlements = world.planned.len();
    Ok(Audit {
        folder: dir_name(folder),
        scenario: scenario.name.clone(),
        ok: log.findings.is_empty(),
        checked: log.checked,
        disagreements: log.findings,
        proofs,
    })
}

/// `targets.csv` and `summary.csv` against the recomputed targets and costs.
fn tables(
    folder: &PlanFolder,
    scenario: &Scenario,
    outcomes: &[service::Outcome],
    total: f64,
    log: &mut Log,
) {
    const TARGETS: &str = "targets.csv";
    const SUMMARY: &str = "summary.csv";
    let cell = |row: &std::collections::HashMap<String, String>, col: &str| {
        row.get(col).cloned().unwrap_or_default()
    };
    for t in outcomes.iter().flat_map(|o| &o.targets) {
        let row = folder
            .targets_csv
            .iter()
            .find(|r| cell(r, "target") == t.name && cell(r, "service") == t.service);
        let Some(row) = row else {
            log.finding(
                TARGETS,
                &t.name,
                "target",
                "(missing)".into(),
                "a row".into(),
            );
            continue;
        };
        let achieved = cell(row, "achieved").parse::<f64>().ok();
        log.num(
            TARGETS,
            &t.name,
            "achieved",
            achieved,
            Some(t.achieved),
            5.1e-5,
        );
        log.text(
            TARGETS,
            &t.name,
            "met",
            &cell(row, "met"),
            &t.met.to_string(),
        );
    }
    for (s, o) in scenario.services.iter().zip(outcomes) {
        let row = folder
            .summary_csv
            .iter()
            .find(|r| cell(r, "service") == s.name);
        let reported = row.and_then(|r| cell(r, "total_cny").parse::<f64>().ok());
        log.num(
            SUMMARY,
            &s.name,
            "total_cny",
            reported,
            Some(o.cost),
            service::FEN + o.cost_err,
        );
    }
    // The table holds services only: its total_cny column sums to the plan's cost.
    let column: Option<f64> = folder
        .summary_csv
        .iter()
        .map(|r| cell(r, "total_cny").parse::<f64>().ok())
        .sum();
    let err: f64 = outcomes.iter().map(|o| o.cost_err).sum();
    log.num(
        SUMMARY,
        "(all rows)",
        "total_cny",
        column,
        Some(total),
        service::FEN + err,
    );
    if folder.summary_csv.len() != scenario.services.len() {
        log.finding(
            SUMMARY,
            "(all rows)",
            "service",
            format!("{} rows", folder.summary_csv.len()),
            format!("one row per service ({})", scenario.services.len()),
        );
    }
}

fn dir_name(folder: &PlanFolder) -> String {
    folder.dir.display().to_string()
}

/// What the audit derives once from the data and scenario alone.
pub(crate) struct World<'a> {
    pub ds: &'a DataSet,
    pub scenario: &'a Scenario,
    pub times: times::Times,
    /// Settlements on planned (not external) islands, ascending: the rows the plan reports.
    pub planned: Vec<usize>,
    pub island_population: Vec<u64>,
    /// The most populous settlement of each inhabited island (first on ties).
    pub centre: Vec<Option<usize>>,
    pub inhabited: Vec<usize>,
    pub hub: Option<usize>,
    /// Island index by id.
    pub island_index: std::collections::HashMap<&'a str, usize>,
    /// Per island: reached from the hub by ferry only (see [`units::remote`]).
    pub remote: Vec<bool>,
}

impl<'a> World<'a> {
    fn new(ds: &'a DataSet, scenario: &'a Scenario) -> Result<Self> {
        let planned: Vec<usize> = (0..ds.settlements.len())
            .filter(|&i| !ds.islands[ds.settlements[i].island].external)
            .collect();
        let mut island_population = vec![0u64; ds.islands.len()];
        let mut centre: Vec<Option<usize>> = vec![None; ds.islands.len()];
        for &i in &planned {
            let s = &ds.settlements[i];
            island_population[s.island] += s.population;
            if centre[s.island].is_none_or(|c| s.population > ds.settlements[c].population) {
                centre[s.island] = Some(i);
            }
        }
        let inhabited = (0..ds.islands.len())
            .filter(|&k| !ds.islands[k].external && island_population[k] > 0)
            .collect();
        let island_index: std::collections::HashMap<&str, usize> = ds
            .islands
            .iter()
            .enumerate()
            .map(|(k, i)| (i.id.as_str(), k))
            .collect();
        let hub = match &scenario.hierarchy.hub {
            None => Some(ds.hub),
            Some(id) => island_index.get(id.as_str()).copied(),
        };
        let mut world = World {
            ds,
            scenario,
            times: times::Times::new(&ds.for_weekday(scenario.weekday_index()))?,
            planned,
            island_population,
            centre,
            inhabited,
            hub,
            island_index,
            remote: Vec::new(),
        };
        world.remote = units::remote(&world);
        Ok(world)
    }
}

/// Collects findings and counts compared values.
#[derive(Debug, Default)]
pub(crate) struct Log {
    pub findings: Vec<Finding>,
    pub checked: Checked,
}

impl Log {
    pub fn finding(
        &mut self,
        file: &str,
        feature: &str,
        field: &str,
        reported: String,
        recomputed: String,
    ) {
        self.findings.push(Finding {
            file: file.to_string(),
            feature: feature.to_string(),
            field: field.to_string(),
            reported,
            recomputed,
        });
    }

    /// Compares a reported number (absent or not a number: `None`) with its recomputed value.
    pub fn num(
        &mut self,
        file: &str,
        feature: &str,
        field: &str,
        reported: Option<f64>,
        recomputed: Option<f64>,
        tolerance: f64,
    ) {
        self.checked.values += 1;
        let agree = match (reported, recomputed) {
            (Some(r), Some(c)) => (r - c).abs() <= tolerance,
            (None, None) => true,
            _ => false,
        };
        if !agree {
            self.finding(file, feature, field, opt_num(reported), opt_num(recomputed));
        }
    }

    pub fn text(
        &mut self,
        file: &str,
        feature: &str,
        field: &str,
        reported: &str,
        recomputed: &str,
    ) {
        self.checked.values += 1;
        if reported != recomputed {
            self.finding(file, feature, field, quoted(reported), quoted(recomputed));
        }
    }
}

fn quoted(s: &str) -> String {
    if s.is_empty() {
        "(none)".to_string()
    } else {
        format!("`{s}`")
    }
}

/// Tolerance of an annual cost compared in CNY: a cent, or a part in 10^9 of large sums
/// (the same sums added in another order).
pub(crate) fn cost_tolerance(x: f64) -> f64 {
    (1e-9 * x.abs()).max(0.01)
}

/// A number as the audit prints it: integers plainly, others with up to 4 decimals.
pub(crate) fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x.abs() >= 1e15 {
        return format!("{x:e}");
    }
    let s = format!("{:.4}", x + 0.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn opt_num(x: Option<f64>) -> String {
    x.map_or("(none)".to_string(), fmt_num)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_short_and_never_negative_zero() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(-0.0), "0");
        assert_eq!(fmt_num(0.12345), "0.1235");
        assert_eq!(fmt_num(1e308), "1e308");
    }

    #[test]
    fn a_missing_value_disagrees_with_a_present_one() {
        let mut log = Log::default();
        log.num("f", "x", "load", None, Some(1.0), 0.1);
        log.num("f", "x", "load", Some(1.04), Some(1.0), 0.05);
        assert_eq!(log.findings.len(), 1);
        assert_eq!(log.findings[0].reported, "(none)");
        assert_eq!(log.checked.values, 2);
    }
}
