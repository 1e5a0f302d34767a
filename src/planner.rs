//! The library's front door: a data set and a scenario in, a plan and its output folder out.
//!
//! ```no_run
//! use archiplan::{DataSet, planner::Planner, plan::PlanOptions, scenario::Scenario};
//! use std::path::Path;
//! # fn main() -> archiplan::Result<()> {
//! let (ds, _warnings) = DataSet::load(Path::new("data/daishan"))?;
//! let scenario = Scenario::load(Path::new("data/daishan/scenario-2024.toml"))?;
//! let planner = Planner::new(&ds, &scenario)?;
//! let output = planner.plan(PlanOptions::default())?;
//! println!("{} CNY/yr, {}", output.summary.cost, output.summary.status.as_str());
//! output.write_checked(Path::new("out/daishan-2024"))?; // audited before it is moved into place
//! # Ok(())
//! # }
//! ```
//!
//! The command line, the sweep (one planner per scenario) and any binding go through these
//! calls, so the pipeline layers → network → plan → report is assembled in one place.

use crate::error::Result;
use crate::layers::DataSet;
use crate::plan::resilience::RouteOutage;
use crate::plan::{Context, Plan, PlanOptions};
use crate::report::plan_out::{PlanSummary, summarize, write_plan_verified};
use crate::scenario::Scenario;
use std::path::Path;

/// A data set and a scenario, with the network and island facts built once.
pub struct Planner<'a> {
    ctx: Context<'a>,
}

impl<'a> Planner<'a> {
    /// Checks the scenario against the data and builds the travel network; errors name the
    /// file, feature and field at fault.
    pub fn new(ds: &'a DataSet, scenario: &'a Scenario) -> Result<Self> {
        Ok(Planner {
            ctx: Context::new(ds, scenario)?,
        })
    }

    /// What is allowed but probably not meant (a target no settlement can meet, ...).
    pub fn warnings(&self) -> &[String] {
        &self.ctx.warnings
    }

    /// The prepared network, island facts and inputs (for reports and what-if runs).
    pub fn context(&self) -> &Context<'a> {
        &self.ctx
    }

    /// Plans every service of the scenario: tiers and communities, then each service at
    /// least cost to its standards and targets (exit-3 errors: no feasible plan, explained).
    pub fn plan(&self, options: PlanOptions) -> Result<PlanOutput<'_, 'a>> {
        let plan = crate::plan::plan_in(&self.ctx, options)?;
        let summary = summarize(&self.ctx, &plan);
        Ok(PlanOutput {
            ctx: &self.ctx,
            plan,
            summary,
        })
    }

    /// Cancels each ferry route of the data in turn and reports who loses cover under `plan`.
    pub fn resilience(&self, plan: &Plan) -> Vec<RouteOutage> {
        crate::plan::resilience::outages(&self.ctx, plan)
    }

    /// Storms under `plan`: who loses cover at each wind force that stops ferries, and the
    /// expected days a year without cover from the routes' reliabilities.
    pub fn weather(&self, plan: &Plan) -> crate::plan::weather::WeatherReport {
        crate::plan::weather::weather(&self.ctx, plan)
    }
}

/// A plan with its typed summary (what `summary.json` holds), ready to be written.
pub struct PlanOutput<'p, 'a> {
    ctx: &'p Context<'a>,
    pub plan: Plan,
    pub summary: PlanSummary,
}

impl PlanOutput<'_, '_> {
    /// Writes the plan folder (GeoJSON layers, summary.json/csv, targets.csv) atomically: a
    /// folder archiplan did not write is never replaced.
    pub fn write(&self, dir: &Path) -> Result<()> {
        self.write_verified(dir, &|_| Ok(()))
    }

    /// Writes the plan folder, audited independently ([`crate::audit`]) before it is moved
    /// into place; a disagreement leaves `dir` as it was and is the error.
    pub fn write_checked(&self, dir: &Path) -> Result<()> {
        let (ds, scenario) = (self.ctx.ds, self.ctx.scenario);
        self.write_verified(dir, &|tmp| crate::audit::verify(ds, scenario, tmp))
    }

    /// Writes the plan folder; `verify` sees the complete folder before it is renamed into
    /// place, and an error there leaves `dir` as it was.
    pub fn write_verified(&self, dir: &Path, verify: &dyn Fn(&Path) -> Result<()>) -> Result<()> {
        write_plan_verified(self.ctx, &self.plan, &self.summary, dir, verify)
    }

    /// The plan folder's files, by name, in memory (what [`PlanOutput::write`] writes).
    pub fn files(&self) -> Result<Vec<(&'static str, Vec<u8>)>> {
        crate::report::plan_out::plan_files(self.ctx, &self.plan, &self.summary)
    }

    /// Reads a plan folder's summary back, typed (the file and any missing field named).
    pub fn read(dir: &Path) -> Result<PlanSummary> {
        PlanSummary::read(dir)
    }
}
