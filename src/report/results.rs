//! The results of a sweep as every reader sees them: one typed row per scenario, the Pareto
//! marks, and the names of a sweep folder's files. The sweep writes them; reports, charts and
//! the HTML page read them.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SCENARIOS_DIR: &str = "scenarios";
pub const ROW_FILE: &str = "row.json";
pub const MANIFEST_FILE: &str = "sweep.json";
/// Per-scenario wall-clock seconds (the one file of a sweep that differs between runs).
pub const TIMING_FILE: &str = "timing.json";

/// One row of `results.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub index: usize,
    pub scenario: String,
    pub id: String,
    /// `optimal`, `time_limit`, `infeasible` or `invalid` (a transform did not apply).
    pub status: String,
    pub cost: Option<f64>,
    pub gap: Option<f64>,
    /// Open sites per service (kept + new), roving teams not included.
    pub facilities: Vec<(String, usize)>,
    /// Roving teams per service.
    pub mobile: Vec<(String, usize)>,
    /// Achieved share per target.
    pub coverage: Vec<(String, f64)>,
    pub targets_met: Option<bool>,
    /// Demand-weighted minutes to the serving site per service: mean, 95th percentile, max.
    pub travel: Vec<TravelStats>,
    /// Residents of the small (last-tier) islands after the transforms.
    pub small_island_population: Option<u64>,
    /// Why there is no plan (infeasible or invalid scenarios).
    pub message: Option<String>,
    /// Not dominated on (cost, mean coverage, mean travel) by another scenario of the sweep
    /// with the same targets and services.
    pub pareto: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelStats {
    pub service: String,
    pub mean: f64,
    pub p95: f64,
    pub max: f64,
}

/// The targets (and services) a row is measured on: scenarios are comparable only when these
/// are the same, since "mean coverage" over other targets is another yardstick.
pub fn yardstick(r: &Row) -> (Vec<&str>, Vec<&str>) {
    (
        r.coverage.iter().map(|c| c.0.as_str()).collect(),
        r.travel.iter().map(|t| t.service.as_str()).collect(),
    )
}

/// Mean achieved share over a row's targets (1 when it has none).
pub fn mean_coverage(r: &Row) -> f64 {
    if r.coverage.is_empty() {
        1.0
    } else {
        r.coverage.iter().map(|c| c.1).sum::<f64>() / r.coverage.len() as f64
    }
}

/// Marks the rows that no comparable row (same targets and services, see [`yardstick`])
/// beats on cost, mean coverage and mean travel time together.
pub fn mark_pareto(rows: &mut [Row]) {
    let key = |r: &Row| -> Option<(f64, f64, f64)> {
        let cost = r.cost?;
        let travel = if r.travel.is_empty() {
            0.0
        } else {
            r.travel.iter().map(|t| t.mean).sum::<f64>() / r.travel.len() as f64
        };
        Some((cost, mean_coverage(r), travel))
    };
    let keys: Vec<Option<(f64, f64, f64)>> = rows.iter().map(key).collect();
    let sticks: Vec<_> = rows.iter().map(yardstick).collect();
    let efficient: Vec<bool> = (0..rows.len())
        .map(|i| match keys[i] {
            None => false,
            Some(a) => !keys.iter().enumerate().any(|(j, k)| {
                j != i
                    && sticks[j] == sticks[i]
                    && k.is_some_and(|b| {
                        let no_worse = b.0 <= a.0 && b.1 >= a.1 && b.2 <= a.2;
                        let better = b.0 < a.0 || b.1 > a.1 || b.2 < a.2;
                        no_worse && better
                    })
            }),
        })
        .collect();
    for (r, e) in rows.iter_mut().zip(efficient) {
        r.pareto = e;
    }
}

/// The rows of a sweep folder's `results.json`.
pub fn read_results(out: &Path) -> Result<Vec<Row>> {
    let path = out.join("results.json");
    let bytes = crate::limits::read_file(&path, crate::limits::MAX_OUTPUT_BYTES)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Usage(format!("{}: not sweep results: {e}", path.display())))
}

/// The services and targets seen in any row, in first-seen order (the sweep's columns).
pub fn columns(rows: &[Row]) -> (Vec<String>, Vec<String>) {
    let mut services: Vec<String> = Vec::new();
    let mut targets: Vec<String> = Vec::new();
    for r in rows {
        for (s, _) in &r.facilities {
            if !services.contains(s) {
                services.push(s.clone());
            }
        }
        for (t, _) in &r.coverage {
            if !targets.contains(t) {
                targets.push(t.clone());
            }
        }
    }
    (services, targets)
}
