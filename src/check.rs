//! What `archiplan check` audits: a plan folder, a sweep scenario folder (the sweep's transforms
//! applied to the data and scenario first), or a whole sweep folder. The audit itself
//! ([`crate::audit`]) knows plan folders only; this module sits above the sweep, which reads
//! its manifests, and the audit, which it calls.

use crate::audit::{Audit, ProveOptions, audit_proving};
use crate::error::Result;
use crate::layers::DataSet;
use crate::scenario::Scenario;
use serde::Serialize;
use std::path::Path;

/// The audits of a sweep output folder, one per scenario that has a plan.
#[derive(Debug, Clone, Serialize)]
pub struct SweepAudit {
    pub folder: String,
    pub ok: bool,
    pub scenarios: Vec<Audit>,
    /// Scenario folders without a plan (infeasible or invalid), with their status.
    pub without_plan: Vec<String>,
}

/// The audits of a phased output folder: each year's plan against its data and effective
/// scenario, and what carries from one year to the next, read from the plan folders' files.
#[derive(Debug, Clone, Serialize)]
pub struct PhasesAudit {
    pub folder: String,
    pub ok: bool,
    pub phases: Vec<Audit>,
    /// Sites a year kept or opened that the next year closed though its scenario did not,
    /// sites a year closed that the next year has open, seats that went missing.
    pub carry_findings: Vec<String>,
}

/// What `archiplan check` prints: one audit, or one per sweep scenario or phase.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CheckReport {
    Plan(Audit),
    Sweep(SweepAudit),
    Phases(PhasesAudit),
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        match self {
            CheckReport::Plan(a) => a.ok,
            CheckReport::Sweep(s) => s.ok,
            CheckReport::Phases(p) => p.ok,
        }
    }

    /// The terminal text: a verdict line per folder, then every disagreement.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let audits: Vec<&Audit> = match self {
            CheckReport::Plan(a) => vec![a],
            CheckReport::Sweep(s) => s.scenarios.iter().collect(),
            CheckReport::Phases(p) => p.phases.iter().collect(),
        };
        for a in audits {
            out.push_str(&a.text());
        }
        if let CheckReport::Phases(p) = self {
            for f in &p.carry_findings {
                out.push_str(&format!("carry: {f}\n"));
            }
            let bad = p.phases.iter().filter(|a| !a.ok).count();
            out.push_str(&format!(
                "{} of {} year plan(s) agree with the audit; {} carry finding(s) across years\n",
                p.phases.len() - bad,
                p.phases.len(),
                p.carry_findings.len()
            ));
        }
        if let CheckReport::Sweep(s) = self {
            if !s.without_plan.is_empty() {
                out.push_str(&format!(
                    "no plan to check (infeasible or invalid): {}\n",
                    s.without_plan.join(", ")
                ));
            }
            let bad = s.scenarios.iter().filter(|a| !a.ok).count();
            out.push_str(&format!(
                "{} of {} scenario plan(s) agree with the audit\n",
                s.scenarios.len() - bad,
                s.scenarios.len()
            ));
        }
        out
    }
}

/// Audits whatever `dir` is, as `archiplan check DATA DIR [--scenario FILE]` does:
/// - a plan folder: against the data at `data` and `scenario` (default: the template);
/// - a sweep scenario folder (`OUT/scenarios/ID`): the sweep's transforms for that scenario
///   (from `OUT/sweep.json`) are applied to the data and to the base scenario (`scenario`, or
///   the one the sweep file names) first;
/// - a sweep output folder: every scenario folder, the same way.
pub fn check_dir(data: &Path, dir: &Path, scenario: Option<&Path>) -> Result<CheckReport> {
    check_dir_proving(data, dir, scenario, None)
}

/// [`check_dir`], and with `prove`, every plan's optimum re-derived (`check --prove`).
pub fn check_dir_proving(
    data: &Path,
    dir: &Path,
    scenario: Option<&Path>,
    prove: Option<ProveOptions>,
) -> Result<CheckReport> {
    use crate::sweep::{MANIFEST_FILE, Manifest, ROW_FILE, SCENARIOS_DIR};
    let (ds, _) = DataSet::load(data)?;
    if let Some(report) = check_phases(&ds, dir, scenario, prove)? {
        return Ok(report);
    }
    let read_manifest = |path: &Path| -> Result<Manifest> {
        let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            crate::Error::Usage(format!("{}: not a sweep manifest: {e}", path.display()))
        })
    };
    let sweep_root = if dir.join(MANIFEST_FILE).is_file() {
        Some(dir.to_path_buf())
    } else if dir.join(ROW_FILE).is_file() {
        dir.parent().and_then(Path::parent).map(Path::to_path_buf)
    } else {
        None
    };
    let Some(root) = sweep_root else {
        let sc = crate::scenario::ScenarioSource::resolve(data, scenario).load()?;
        return Ok(CheckReport::Plan(audit_proving(&ds, &sc, dir, prove)?));
    };
    let manifest = read_manifest(&root.join(MANIFEST_FILE))?;
    let sweep_path = Path::new(&manifest.sweep);
    let base_dir = sweep_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let base = match scenario {
        Some(p) => Scenario::load(p)?,
        None => {
            let file = crate::sweep::SweepFile::load(sweep_path)?;
            match &file.scenario {
                Some(p) => Scenario::load(&base_dir.join(p))?,
                None => Scenario::default(),
            }
        }
    };
    let one = |folder: &Path| -> Result<Option<Audit>> {
        let id = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spec = manifest
            .scenarios
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| {
                crate::Error::Usage(format!(
                    "{}: no scenario `{id}` in {}",
                    folder.display(),
                    root.join(MANIFEST_FILE).display()
                ))
            })?;
        if !folder.join("plan").join("summary.json").is_file() {
            return Ok(None);
        }
        let (mut d, mut s) = (ds.clone(), base.clone());
        for t in &spec.transforms {
            t.apply(&mut d, &mut s, &base_dir)?;
        }
        audit_proving(&d, &s, folder, prove).map(Some)
    };
    if dir.join(ROW_FILE).is_file() {
        return match one(dir)? {
            Some(a) => Ok(CheckReport::Plan(a)),
            None => Err(crate::Error::Usage(format!(
                "{}: this sweep scenario has no plan (see its row.json status)",
                dir.display()
            ))),
        };
    }
    let mut audits = Vec::new();
    let mut without_plan = Vec::new();
    let scen_dir = root.join(SCENARIOS_DIR);
    for spec in &manifest.scenarios {
        let folder = scen_dir.join(&spec.id);
        if !folder.join(ROW_FILE).is_file() {
            continue;
        }
        match one(&folder)? {
            Some(a) => audits.push(a),
            None => without_plan.push(spec.id.clone()),
        }
    }
    Ok(CheckReport::Sweep(SweepAudit {
        folder: dir.display().to_string(),
        ok: audits.iter().all(|a| a.ok),
        scenarios: audits,
        without_plan,
    }))
}

fn read_phases(root: &Path) -> Result<crate::phase::Manifest> {
    let path = root.join(crate::phase::MANIFEST_FILE);
    let bytes = crate::limits::read_file(&path, crate::limits::MAX_OUTPUT_BYTES)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| crate::Error::Usage(format!("{}: not a phases manifest: {e}", path.display())))
}

/// A phased folder (`phases.json` inside) or one year's folder of it: each year audited with
/// the scenario it was planned with (written beside it; `scenario`, when given, replaces it
/// for a single year), and the carry across years checked from the files. `None`: neither.
fn check_phases(
    ds: &DataSet,
    dir: &Path,
    scenario: Option<&Path>,
    prove: Option<ProveOptions>,
) -> Result<Option<CheckReport>> {
    use crate::phase::MANIFEST_FILE;
    let year = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let parent = dir.parent().filter(|p| p.join(MANIFEST_FILE).is_file());
    if let (Some(root), Some(year)) = (parent, year) {
        let manifest = read_phases(root)?;
        if let Some(e) = manifest.phases.iter().find(|p| p.folder == year) {
            let sc = match scenario {
                Some(p) => Scenario::load(p)?,
                None => Scenario::load(&root.join(&e.effective_scenario))?,
            };
            return audit_proving(ds, &sc, dir, prove).map(|a| Some(CheckReport::Plan(a)));
        }
    }
    if !dir.join(MANIFEST_FILE).is_file() {
        return Ok(None);
    }
    let manifest = read_phases(dir)?;
    let mut phases = Vec::new();
    let mut scenarios = Vec::new();
    for e in &manifest.phases {
        let sc = Scenario::load(&dir.join(&e.effective_scenario))?;
        phases.push(audit_proving(ds, &sc, &dir.join(&e.folder), prove)?);
        scenarios.push(sc);
    }
    let mut carry_findings = Vec::new();
    for (k, pair) in manifest.phases.windows(2).enumerate() {
        let before = site_states(&dir.join(&pair[0].folder))?;
        let after = site_states(&dir.join(&pair[1].folder))?;
        carried(
            (&pair[0].name, &before),
            (&pair[1].name, &after, &scenarios[k + 1]),
            &mut carry_findings,
        );
    }
    Ok(Some(CheckReport::Phases(PhasesAudit {
        folder: dir.display().to_string(),
        ok: phases.iter().all(|a| a.ok) && carry_findings.is_empty(),
        phases,
        carry_findings,
    })))
}

/// (service, site) -> (status, seats added), from a plan folder's facilities.geojson.
type States = std::collections::BTreeMap<(String, String), (String, f64)>;

fn site_states(dir: &Path) -> Result<States> {
    use crate::audit::folder::{PlanFolder, id_of, prop_f64, prop_str};
    let folder = PlanFolder::read(dir)?;
    Ok(folder
        .facilities
        .iter()
        .filter_map(|f| {
            let service = prop_str(f, "service")?.to_string();
            let status = prop_str(f, "status")?.to_string();
            let added = prop_f64(f, "expansion").unwrap_or(0.0);
            Some(((service, id_of(f)), (status, added)))
        })
        .collect())
}

/// What a year kept or opened stays open the next (unless the next year's scenario closes or
/// converts it), with its added seats; what a year closed stays closed.
fn carried(
    (prev_name, before): (&str, &States),
    (next_name, after, next): (&str, &States, &Scenario),
    findings: &mut Vec<String>,
) {
    let open = |status: &str| status == "kept" || status == "new";
    let d = &next.decisions;
    for ((service, id), (status, added)) in before {
        let now = after.get(&(service.clone(), id.clone()));
        let now_open = now.is_some_and(|(s, _)| open(s));
        if open(status) {
            let closed_by_scenario = d.close.contains(id) || d.convert.contains_key(id);
            if !now_open && !closed_by_scenario && next.service(service).is_some() {
                findings.push(format!(
                    "`{id}` ({service}) is open in {prev_name} but not in {next_name}, whose \
                     scenario does not close it"
                ));
            }
            if now_open && now.is_some_and(|(_, a)| a + 1e-6 < *added) {
                findings.push(format!(
                    "`{id}` ({service}) has {added} added seats in {prev_name}, fewer in \
                     {next_name}"
                ));
            }
        } else if status == "closed" && now_open {
            findings.push(format!(
                "`{id}` ({service}) is closed in {prev_name} and open again in {next_name}"
            ));
        }
    }
}
