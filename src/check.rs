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

/// What `archiplan check` prints: one audit, or one per sweep scenario.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CheckReport {
    Plan(Audit),
    Sweep(SweepAudit),
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        match self {
            CheckReport::Plan(a) => a.ok,
            CheckReport::Sweep(s) => s.ok,
        }
    }

    /// The terminal text: a verdict line per folder, then every disagreement.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let audits: Vec<&Audit> = match self {
            CheckReport::Plan(a) => vec![a],
            CheckReport::Sweep(s) => s.scenarios.iter().collect(),
        };
        for a in audits {
            out.push_str(&a.text());
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
        let sc = match scenario {
            Some(p) => Scenario::load(p)?,
            None => Scenario::default(),
        };
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
