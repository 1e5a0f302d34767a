//! Ferry-outage report files: `resilience.csv` (one row per route and service) and
//! `resilience.json`.

use crate::error::{Error, Result};
use crate::plan::resilience::RouteOutage;
use crate::report::csv_text;
use std::path::Path;

pub fn write(dir: &Path, outages: &[RouteOutage]) -> Result<()> {
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
    let json = crate::report::json_pretty(outages)?;
    // A folder of its own, owned like a plan folder: replaced only when it is an earlier one.
    crate::io::replace_dir(dir, crate::io::owned::RESILIENCE, |tmp| {
        for (name, bytes) in [("resilience.csv", &csv), ("resilience.json", &json)] {
            let path = tmp.join(name);
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    })
}
