//! The data layers of an archipelago as plain typed structs, read and validated from a
//! data-set folder of GeoJSON files (see `docs/data-format.md`).
//!
//! [`DataSet::load`] reads every layer, runs every check and returns either a data set with
//! its warnings or the full list of problems.

mod facility;
mod gpkg;
mod island;
mod locate;
mod port;
pub mod read;
mod route;
mod settlement;
pub mod shape;
pub mod source;
mod tabular;
pub mod timetable;
mod validate;

/// The diagnostics module, where it was before it served more than the layers.
pub use crate::diagnostics;
pub use crate::diagnostics::{Diagnostic, Diagnostics, InvalidData, Severity};
pub use facility::{Facility, FacilityStatus};
pub use island::{Island, Tier};
pub use port::Port;
pub use route::{BEAUFORT_MAX, Endpoint, Route, RouteMode};
pub use settlement::{Groups, Settlement};
pub use timetable::Timetable;

use std::path::{Path, PathBuf};

pub const ISLANDS_FILE: &str = "islands.geojson";
pub const SETTLEMENTS_FILE: &str = "settlements.geojson";
pub const FERRIES_FILE: &str = "ferries.geojson";
pub const PORTS_FILE: &str = "ports.geojson";
pub const FACILITIES_FILE: &str = "facilities.geojson";
/// Every layer file a data set may have, in reading order.
pub const LAYER_FILES: [&str; 5] = [
    ISLANDS_FILE,
    SETTLEMENTS_FILE,
    FERRIES_FILE,
    PORTS_FILE,
    FACILITIES_FILE,
];
/// The layers without which a folder is no data set.
pub const REQUIRED_LAYER_FILES: [&str; 3] = [ISLANDS_FILE, SETTLEMENTS_FILE, FERRIES_FILE];

/// How far (km) a point may lie outside its island before it is an error rather than a warning:
/// simplified coastlines cut off harbour-side villages and piers.
pub const SNAP_TOLERANCE_KM: f64 = 1.0;

/// Default on-island travel speed (km/h): buses and cars on rural island roads (assumption).
pub const DEFAULT_ROAD_SPEED_KMH: f64 = 30.0;
/// Default road circuity (road km per straight-line km); rural road networks measure 1.2-1.4.
pub const DEFAULT_CIRCUITY: f64 = 1.3;
/// Default hours per day over which a route's departures are spread.
pub const DEFAULT_SERVICE_HOURS: f64 = 12.0;

/// A validated archipelago: every cross-reference is resolved to an index.
#[derive(Debug, Clone)]
pub struct DataSet {
    pub source: PathBuf,
    pub islands: Vec<Island>,
    pub settlements: Vec<Settlement>,
    pub ports: Vec<Port>,
    pub routes: Vec<Route>,
    pub facilities: Vec<Facility>,
    /// Index of the hub island (tier `hub`, else the most populous planned island).
    pub hub: usize,
}

/// The outcome of validating a folder: always the diagnostics, and the data set when usable.
#[derive(Debug, Clone)]
pub struct Validation {
    pub dataset: Option<DataSet>,
    pub diagnostics: Diagnostics,
    pub counts: Counts,
    /// Total population of the planned (non-external) settlements that loaded.
    pub population: u64,
}

/// Features that loaded, per layer.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Counts {
    pub islands: usize,
    pub settlements: usize,
    pub facilities: usize,
    pub routes: usize,
    pub ports: usize,
}

impl DataSet {
    /// The data set as the clock sees it on weekday `day` (Monday 0): a timetabled route whose
    /// `days` leave that day out has no departures (its expected-wait leg stays). Borrowed as
    /// it is when every timetable runs every day.
    pub fn for_weekday(&self, day: usize) -> std::borrow::Cow<'_, DataSet> {
        if !self.routes.iter().any(|r| r.idle_on(day)) {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut ds = self.clone();
        ds.keep_weekday(day);
        std::borrow::Cow::Owned(ds)
    }

    /// [`DataSet::for_weekday`] in place, for a data set already owned.
    pub fn keep_weekday(&mut self, day: usize) {
        for r in self.routes.iter_mut().filter(|r| r.idle_on(day)) {
            r.timetable = Some(Timetable::default());
        }
    }

    /// Loads and validates a data-set folder; warnings come back with the data.
    pub fn load(dir: impl AsRef<Path>) -> Result<(DataSet, Diagnostics), InvalidData> {
        let v = validate::validate(dir.as_ref());
        match v.dataset {
            Some(ds) => Ok((ds, v.diagnostics)),
            None => Err(InvalidData {
                source: dir.as_ref().to_path_buf(),
                diagnostics: v.diagnostics,
            }),
        }
    }

    /// The files the data set at `data` is read from (each layer's GeoJSON or CSV file that
    /// exists, or the GeoPackage), for digests of a run's inputs.
    pub fn input_files(data: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = LAYER_FILES
            .iter()
            .map(|f| source::Source::of(data, f).path().to_path_buf())
            .filter(|p| p.is_file())
            .collect();
        files.dedup();
        files
    }

    /// Runs every check and reports, even when the data set is unusable.
    pub fn validate(dir: impl AsRef<Path>) -> Validation {
        validate::validate(dir.as_ref())
    }

    /// Whether the island counts for planning (not external).
    pub fn is_planned(&self, island: usize) -> bool {
        !self.islands[island].external
    }

    /// Residents per island (planned settlements only).
    pub fn island_population(&self) -> Vec<u64> {
        let mut pop = vec![0; self.islands.len()];
        for s in &self.settlements {
            pop[s.island] += s.population;
        }
        pop
    }

    pub fn population(&self) -> u64 {
        self.settlements
            .iter()
            .filter(|s| self.is_planned(s.island))
            .map(|s| s.population)
            .sum()
    }
}
