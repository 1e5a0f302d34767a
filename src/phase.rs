//! Phased plans: consecutive years (`plan DATA --scenario 2024.toml --scenario 2025.toml`)
//! planned in turn, each from what the years before left standing.
//!
//! A later year plans with its own scenario plus decisions carried from the year before: every
//! site the earlier plan kept or opened stays open (`keep`, or `open` for candidates and new
//! sites, named by their plan ids), every existing site it closed stays closed (`close`, a
//! decided closure), its conversions stand, and seats it added are added at the least
//! (`expand`), unless the later scenario itself closes or converts the site. A later scenario
//! that keeps what an earlier year closed is a contradiction, reported as such. Costs stay
//! annual, as in a single plan: a site opened in 2024 carries its annualised opening cost in
//! 2025 too. Roving teams and the choice of leaders are decided again each year.

use crate::error::{Error, Result};
use crate::layers::DataSet;
use crate::plan::{Plan, SiteOrigin};
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The manifest of a phased output folder.
pub const MANIFEST_FILE: &str = "phases.json";
/// What changes when: one row per site opened, closed or expanded in each phase.
pub const CHANGES_FILE: &str = "phases.csv";

/// One year of a phased plan.
#[derive(Debug, Clone)]
pub struct Phase {
    /// The folder name of its plan (the scenario file's stem).
    pub name: String,
    /// The scenario file as given.
    pub path: String,
    pub scenario: Scenario,
}

/// `phases.json`: each phase's folder, its scenario files and figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub phases: Vec<PhaseEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseEntry {
    pub name: String,
    /// The scenario file given for the phase.
    pub scenario: String,
    /// The scenario the phase was planned with (the given one plus the carried decisions),
    /// written beside the plan folder: `NAME.scenario.toml`.
    pub effective_scenario: String,
    pub folder: String,
    pub costs: crate::plan::service::Costs,
    pub budget: Option<f64>,
    pub targets_met: usize,
    pub targets: usize,
    pub gap: f64,
    /// The carried decisions: how many sites stay open, stay closed, keep added seats.
    pub carried_open: usize,
    pub carried_closed: usize,
    pub carried_expanded: usize,
    /// Sites opened, closed and expanded in this phase (rows of `phases.csv`).
    pub opened: usize,
    pub closed: usize,
    pub expanded: usize,
}

/// One row of `phases.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub phase: String,
    pub service: String,
    pub site: String,
    pub name: String,
    pub island: String,
    pub level: u32,
    /// `opened`, `closed` or `expanded`.
    pub change: &'static str,
    /// Seats added (expanded; the capacity of an opened site), else 0.
    pub seats: f64,
    pub annual_cost: f64,
    pub open_cost: f64,
    pub close_cost: f64,
}

/// Phase names: the scenario files' stems, which must differ (they name the folders).
pub fn names(paths: &[std::path::PathBuf]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(paths.len());
    for p in paths {
        let stem = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.is_empty() && !s.starts_with('.'))
            .ok_or_else(|| {
                Error::Usage(format!("{}: a scenario file needs a name", p.display()))
            })?;
        if names.contains(&stem) {
            return Err(Error::Usage(format!(
                "two phases are named `{stem}` (the scenario files' names name the year \
                 folders): rename one of the files"
            )));
        }
        names.push(stem);
    }
    Ok(names)
}

/// What the carry added to a scenario.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    pub open: usize,
    pub closed: usize,
    pub expanded: usize,
    /// Sites the later scenario cannot carry (its services or levels no longer plan them).
    pub notes: Vec<String>,
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_string());
    }
}

/// The scenario `next` plans with after `prev` (planned with `prev_sc`): `next` plus the
/// carried decisions (see the module doc), checked as any scenario file is.
pub fn carry(
    (prev_name, prev_sc, prev): (&str, &Scenario, &Plan),
    (next_name, next): (&str, &Scenario),
) -> Result<(Scenario, Carried)> {
    let mut sc = next.clone();
    let given = &next.decisions;
    let mut carried = Carried::default();
    let mut errors = Vec::new();
    // Conversions stand: the building stays the other service's.
    for (id, to) in &prev_sc.decisions.convert {
        if given.keep.contains(id) || given.expand.contains_key(id) {
            errors.push(format!(
                "decisions of {next_name} keep `{id}`, which {prev_name} converted"
            ));
        }
        sc.decisions
            .convert
            .entry(id.clone())
            .or_insert_with(|| to.clone());
    }
    let decided = |id: &str| given.close.iter().any(|c| c == id) || given.convert.contains_key(id);
    for sp in &prev.services {
        let Some(service) = next.service(&sp.service) else {
            carried.notes.push(format!(
                "{next_name} does not plan `{}`: its sites are not carried",
                sp.service
            ));
            continue;
        };
        for (j, site) in sp.sites.iter().enumerate() {
            let id = site.id.as_str();
            // What an earlier year built stands: closing it later pays its closing cost.
            if sp.open[j] && matches!(site.origin, SiteOrigin::Candidate(_) | SiteOrigin::New(_)) {
                push_unique(&mut sc.decisions.built, id);
            }
            if matches!(site.origin, SiteOrigin::Converted(_)) || decided(id) {
                continue;
            }
            if sc.decisions.convert.contains_key(id) {
                continue;
            }
            match (site.origin, sp.open[j]) {
                (SiteOrigin::Existing(_), true) => {
                    push_unique(&mut sc.decisions.keep, id);
                    carried.open += 1;
                    if sp.expansion[j] > 0.0 {
                        let e = sc.decisions.expand.entry(id.to_string()).or_insert(0.0);
                        *e = e.max(sp.expansion[j]);
                        carried.expanded += 1;
                    }
                }
                (SiteOrigin::Existing(_), false) => {
                    if given.keep.iter().any(|k| k == id) || given.expand.contains_key(id) {
                        errors.push(format!(
                            "decisions of {next_name} keep `{id}`, which {prev_name} closed; \
                             a phase cannot reopen a closed site"
                        ));
                    }
                    push_unique(&mut sc.decisions.close, id);
                    carried.closed += 1;
                }
                (SiteOrigin::New(_), true)
                    if !service.level(site.level).is_some_and(|l| l.new_sites) =>
                {
                    carried.notes.push(format!(
                        "{next_name}: `{}` level {} allows no new sites, so `{id}` (opened by \
                         {prev_name}) is not carried",
                        sp.service, site.level
                    ));
                }
                (_, true) => {
                    push_unique(&mut sc.decisions.open, id);
                    carried.open += 1;
                }
                (_, false) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Usage(format!(
            "phase {next_name}: {}",
            errors.join("; ")
        )));
    }
    // Written and read back: the file beside the plan is exactly what was planned, and the
    // carried scenario passes every check a scenario file does.
    let text = effective_text(&sc)?;
    let sc = Scenario::parse(&text, &format!("phase {next_name} (carried decisions)"))?;
    Ok((sc, carried))
}

/// The TOML of a scenario, as written beside each phase's plan.
pub fn effective_text(sc: &Scenario) -> Result<String> {
    toml::to_string(sc).map_err(|e| Error::Internal(format!("scenario to TOML: {e}")))
}

/// What `plan` changes against `prev` (the year before), or against the data for the first
/// phase: sites opened, closed, expanded.
pub fn changes(ds: &DataSet, phase: &str, prev: Option<&Plan>, plan: &Plan) -> Vec<Change> {
    let before: HashMap<(&str, &str), (bool, f64)> = prev
        .map(|p| {
            p.services
                .iter()
                .flat_map(|sp| {
                    sp.sites.iter().enumerate().map(move |(j, s)| {
                        (
                            (sp.service.as_str(), s.id.as_str()),
                            (sp.open[j], sp.expansion[j]),
                        )
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for sp in &plan.services {
        for (j, s) in sp.sites.iter().enumerate() {
            let (was_open, was_added) = match prev {
                Some(_) => before
                    .get(&(sp.service.as_str(), s.id.as_str()))
                    .copied()
                    .unwrap_or((false, 0.0)),
                None => (s.is_existing(), 0.0),
            };
            let (open, added) = (sp.open[j], sp.expansion[j]);
            let change = match (was_open, open) {
                (false, true) => Some(("opened", s.capacity.unwrap_or(0.0) + added)),
                (true, false) => Some(("closed", 0.0)),
                (true, true) if added > was_added + 1e-9 => Some(("expanded", added - was_added)),
                _ => None,
            };
            if let Some((change, seats)) = change {
                out.push(Change {
                    phase: phase.to_string(),
                    service: sp.service.clone(),
                    site: s.id.clone(),
                    name: s.name.clone(),
                    island: ds.islands[s.island].id.clone(),
                    level: s.level,
                    change,
                    seats,
                    annual_cost: s.annual_cost,
                    open_cost: s.open_cost,
                    close_cost: s.close_cost,
                });
            }
        }
    }
    out
}

/// Plans every phase in turn and writes the phased folder `out` (owned as a whole): one plan
/// folder per phase, each phase's effective scenario beside it, `phases.csv` and
/// `phases.json`. `check`: each plan folder is audited before anything is moved into place.
/// A time limit is shared equally by the phases.
pub fn run(
    ds: &DataSet,
    phases: &[Phase],
    options: &crate::plan::PlanOptions,
    out: &std::path::Path,
    check: bool,
) -> Result<Manifest> {
    let mut manifest = Manifest { phases: Vec::new() };
    let mut rows = Vec::new();
    let mut options = options.clone();
    options.time_limit = options.time_limit.map(|t| t / phases.len().max(1) as f64);
    crate::io::replace_dir(out, crate::io::owned::PHASES, |tmp| {
        let mut prev: Option<(&str, Scenario, Plan)> = None;
        for phase in phases {
            let (sc, carried) = match &prev {
                Some((name, psc, plan)) => {
                    carry((name, psc, plan), (&phase.name, &phase.scenario))?
                }
                None => (phase.scenario.clone(), Carried::default()),
            };
            for n in &carried.notes {
                crate::note!("note: {n}");
            }
            let planner = crate::planner::Planner::new(ds, &sc)?;
            let output = planner
                .plan(options.clone())
                .map_err(|e| in_phase(&phase.name, e))?;
            let folder = tmp.join(&phase.name);
            if check {
                output.write_checked(&folder)
            } else {
                output.write(&folder)
            }
            .map_err(|e| in_phase(&phase.name, e))?;
            let effective = format!("{}.scenario.toml", phase.name);
            let path = tmp.join(&effective);
            std::fs::write(&path, effective_text(&sc)?).map_err(|e| Error::io(&path, e))?;
            let changed = changes(ds, &phase.name, prev.as_ref().map(|p| &p.2), &output.plan);
            let count = |c: &str| changed.iter().filter(|x| x.change == c).count();
            let s = &output.summary;
            manifest.phases.push(PhaseEntry {
                name: phase.name.clone(),
                scenario: phase.path.clone(),
                effective_scenario: effective,
                folder: phase.name.clone(),
                costs: s.costs.clone(),
                budget: s.budget,
                targets_met: s.targets.iter().filter(|t| t.met).count(),
                targets: s.targets.len(),
                gap: s.gap,
                carried_open: carried.open,
                carried_closed: carried.closed,
                carried_expanded: carried.expanded,
                opened: count("opened"),
                closed: count("closed"),
                expanded: count("expanded"),
            });
            rows.extend(changed);
            let plan = output.plan;
            prev = Some((&phase.name, sc, plan));
        }
        let csv = changes_csv(&rows)?;
        let path = tmp.join(CHANGES_FILE);
        std::fs::write(&path, csv).map_err(|e| Error::io(&path, e))?;
        let path = tmp.join(MANIFEST_FILE);
        std::fs::write(&path, crate::report::json_pretty(&manifest)?)
            .map_err(|e| Error::io(&path, e))
    })?;
    Ok(manifest)
}

/// An error of one phase, saying which.
fn in_phase(name: &str, e: Error) -> Error {
    match e {
        Error::Usage(m) => Error::Usage(format!("phase {name}: {m}")),
        Error::Infeasible(m) => Error::Infeasible(format!("phase {name}: {m}")),
        Error::Internal(m) => Error::Internal(format!("phase {name}: {m}")),
        other => other,
    }
}

/// `phases.csv`: one row per change, in phase and plan order.
pub fn changes_csv(rows: &[Change]) -> Result<Vec<u8>> {
    use crate::report::csv_text;
    crate::report::csv_table(
        &[
            "phase",
            "service",
            "site",
            "name",
            "island",
            "level",
            "change",
            "seats",
            "annual_cost",
            "open_cost",
            "close_cost",
        ],
        rows.iter().map(|r| {
            vec![
                csv_text(&r.phase),
                csv_text(&r.service),
                csv_text(&r.site),
                csv_text(&r.name),
                csv_text(&r.island),
                r.level.to_string(),
                r.change.to_string(),
                format!("{:.1}", r.seats),
                format!("{:.0}", r.annual_cost),
                format!("{:.0}", r.open_cost),
                format!("{:.0}", r.close_cost),
            ]
        }),
    )
}

/// A phased plan: per year its costs, targets and what changed.
pub fn text(m: &Manifest) -> String {
    use crate::numbers::amount;
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<20} {:>16} {:>14} {:>9} {:>7} {:>7} {:>8} {:>7}",
        "phase", "total CNY/yr", "opening", "targets", "opened", "closed", "expanded", "gap"
    );
    for p in &m.phases {
        let _ = writeln!(
            out,
            "{:<20} {:>16} {:>14} {:>9} {:>7} {:>7} {:>8} {:>6.2}%",
            p.name,
            amount(p.costs.total),
            amount(p.costs.opening),
            format!("{}/{}", p.targets_met, p.targets),
            p.opened,
            p.closed,
            p.expanded,
            100.0 * p.gap
        );
    }
    let _ = writeln!(
        out,
        "(each later year keeps what the years before opened, closed and expanded unless its own scenario closes it; what changes when: phases.csv)"
    );
    out
}
