//! Scenarios: the planning brief (services, standards, targets, tiers, costs), the what-if
//! transforms applied to it, and sweeps of many scenarios.

pub mod config;
pub mod transform;

pub use config::{
    Assign, Clock, ClockSpec, Decisions, Demand, Hierarchy, Level, Measure, Mobile, Objective,
    Scenario, Service, SiteCount, Supply, TEMPLATE, Target, TierCount, TierSpec, Units,
};

/// The scenario file a data folder may hold (`generate` writes one beside its layers).
pub const FOLDER_FILE: &str = "scenario.toml";

/// Where a command's scenario comes from when `--scenario` is not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    /// The file named on the command line.
    Given(std::path::PathBuf),
    /// The data folder's own `scenario.toml`.
    Folder(std::path::PathBuf),
    /// The built-in template's defaults.
    Template,
}

impl ScenarioSource {
    /// The scenario for `data`: the file given, else `DATA/scenario.toml` when `data` is a
    /// folder holding one (as `generate` writes), else the built-in template.
    pub fn resolve(data: &std::path::Path, given: Option<&std::path::Path>) -> Self {
        if let Some(p) = given {
            return Self::Given(p.to_path_buf());
        }
        let own = data.join(FOLDER_FILE);
        if data.is_dir() && own.is_file() {
            Self::Folder(own)
        } else {
            Self::Template
        }
    }

    /// The file read, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Self::Given(p) | Self::Folder(p) => Some(p),
            Self::Template => None,
        }
    }

    /// Reads the scenario.
    pub fn load(&self) -> crate::Result<Scenario> {
        match self.path() {
            Some(p) => Scenario::load(p),
            None => Ok(Scenario::default()),
        }
    }
}
