//! Everything users read: terminal text, JSON objects, GeoJSON maps, pictures and the HTML report.

pub mod compare;
pub mod files;
pub mod html;
pub mod map;
pub mod pareto;
pub mod plan_out;
pub mod render;
pub mod resilience;
pub mod text;

use crate::layers::{Diagnostic, Validation};
use serde::Serialize;

/// The `archiplan validate --json` object (a contract: keys are never renamed).
#[derive(Debug, Serialize)]
pub struct ValidationReport<'a> {
    pub dataset: String,
    pub ok: bool,
    pub errors: Vec<&'a Diagnostic>,
    pub warnings: Vec<&'a Diagnostic>,
    pub counts: crate::layers::Counts,
    pub population: u64,
}

impl<'a> ValidationReport<'a> {
    pub fn new(dataset: &str, v: &'a Validation) -> Self {
        ValidationReport {
            dataset: dataset.to_string(),
            ok: !v.diagnostics.has_errors(),
            errors: v.diagnostics.errors().collect(),
            warnings: v.diagnostics.warnings().collect(),
            counts: v.counts,
            population: v.population,
        }
    }
}
