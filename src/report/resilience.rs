//! Ferry-outage report files: `resilience.csv` (one row per route and service) and
//! `resilience.json`; storms: `weather.csv` (one row per wind force and service),
//! `weather-days.csv` (one row per settlement and service losing days) and `weather.json`.

use crate::error::{Error, Result};
use crate::plan::resilience::RouteOutage;
use crate::plan::weather::WeatherReport;
use crate::report::csv_text;
use std::path::Path;

pub fn write(dir: &Path, outages: &[RouteOutage]) -> Result<()> {
    let csv = crate::report::csv_table(
        &[
            "route",
            "name",
            "mode",
            "service",
            "population_losing_cover",
            "settlements_losing_cover",
            "islands_losing_roving_team",
            "population_losing_any_service",
        ],
        outages.iter().flat_map(|o| {
            o.losses.iter().map(|l| {
                vec![
                    csv_text(&o.route),
                    csv_text(o.name.as_deref().unwrap_or_default()),
                    o.mode.to_string(),
                    csv_text(&l.service),
                    l.population.to_string(),
                    l.settlements.to_string(),
                    l.roving_islands.to_string(),
                    o.population_any.to_string(),
                ]
            })
        }),
    )?;
    let json = crate::report::json_pretty(outages)?;
    write_files(dir, &[("resilience.csv", &csv), ("resilience.json", &json)])
}

/// A folder of its own, owned like a plan folder: replaced only when it is an earlier one.
fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> Result<()> {
    crate::io::replace_dir(dir, crate::io::owned::RESILIENCE, |tmp| {
        for (name, bytes) in files {
            let path = tmp.join(name);
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    })
}

pub fn write_weather(dir: &Path, report: &WeatherReport) -> Result<()> {
    let wind = crate::report::csv_table(
        &[
            "wind",
            "routes_cancelled",
            "service",
            "population_losing_cover",
            "settlements_losing_cover",
            "islands_losing_roving_team",
            "population_losing_any_service",
        ],
        report.wind.iter().flat_map(|w| {
            w.losses.iter().map(|l| {
                vec![
                    w.wind.to_string(),
                    csv_text(&w.routes_cancelled.join(" ")),
                    csv_text(&l.service),
                    l.population.to_string(),
                    l.settlements.to_string(),
                    l.roving_islands.to_string(),
                    w.population_any.to_string(),
                ]
            })
        }),
    )?;
    let days = crate::report::csv_table(
        &[
            "service",
            "settlement",
            "island",
            "population",
            "days_without_cover",
        ],
        report.settlements.iter().map(|s| {
            vec![
                csv_text(&s.service),
                csv_text(&s.settlement),
                csv_text(&s.island),
                s.population.to_string(),
                format!("{:.1}", s.days),
            ]
        }),
    )?;
    let json = crate::report::json_pretty(report)?;
    write_files(
        dir,
        &[
            ("weather.csv", &wind),
            ("weather-days.csv", &days),
            ("weather.json", &json),
        ],
    )
}
