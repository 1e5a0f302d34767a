//! Ferry-outage report files: `resilience.csv` (one row per route and service) and
//! `resilience.json`.

use crate::error::{Error, Result};
use crate::plan::resilience::RouteOutage;
use crate::report::csv_text;
use std::path::Path;

pub fn write(dir: &Path, outages: &[RouteOutage]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "route",
        "name",
        "mode",
        "service",
        "population_losing_cover",
        "settlements_losing_cover",
        "islands_losing_roving_team",
        "population_losing_any_service",
    ])
    .map_err(to_err)?;
    for o in outages {
        for l in &o.losses {
            w.write_record([
                csv_text(&o.route),
                csv_text(o.name.as_deref().unwrap_or_default()),
                o.mode.to_string(),
                csv_text(&l.service),
                l.population.to_string(),
                l.settlements.to_string(),
                l.roving_islands.to_string(),
                o.population_any.to_string(),
            ])
            .map_err(to_err)?;
        }
    }
    let csv = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))?;
    crate::io::write_atomic(&dir.join("resilience.csv"), &csv)?;
    let json = crate::report::json_pretty(outages)?;
    crate::io::write_atomic(&dir.join("resilience.json"), &json)
}
