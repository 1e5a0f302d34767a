//! `archiplan bench plan`: generated archipelagos of given sizes, each planned with the
//! scenario `generate` writes (`count = "auto"` sub-centres), measured: seconds, peak memory,
//! model size, gap, status, targets met; then each plan is written and audited by
//! `archiplan check`'s own re-derivation (its seconds, peak memory and verdict). The
//! researcher's table of how the plan scales.

use crate::error::{Error, Result};
use crate::plan::PlanOptions;
use crate::planner::Planner;
use crate::synth::{SCENARIO_FILE, SynthParams, generate};
use serde::Serialize;

/// One size's measurement.
#[derive(Debug, Clone, Serialize)]
pub struct PlanBenchRow {
    pub settlements: usize,
    pub islands: usize,
    pub leaders: usize,
    /// Candidate sites over all services (existing and new), after dominance.
    pub sites: usize,
    /// MILP variables built over all services (summed over decomposed parts).
    pub variables: usize,
    /// Generating, writing and loading the data set (not planning).
    pub setup_seconds: f64,
    /// The plan's whole budget (seconds).
    pub time_limit: f64,
    /// The plan itself (network, leaders, services).
    pub seconds: f64,
    /// The process's peak resident memory so far (sizes run in the order given).
    pub peak_mb: f64,
    pub cost: f64,
    pub gap: f64,
    pub status: String,
    pub targets_met: usize,
    pub targets: usize,
    /// Writing the plan folder and auditing it ([`crate::audit::audit`]).
    pub check_seconds: f64,
    /// Peak resident memory after the audit (the process's, so at least `peak_mb`).
    pub check_peak_mb: f64,
    /// Disagreements the audit found (0: the plan agrees).
    pub findings: usize,
}

/// The whole-plan budget `bench plan` gives a size when no `--time-limit` is given: the
/// scale the planner aims at (issue #14): a minute up to 20,000 settlements, five minutes at
/// 100,000, in proportion between and beyond. (A plan proven optimal ends sooner.)
pub fn default_time_limit(settlements: usize) -> f64 {
    const SMALL: f64 = 20_000.0;
    let n = settlements as f64;
    if n <= SMALL {
        60.0
    } else {
        60.0 + (n - SMALL) * (300.0 - 60.0) / (100_000.0 - SMALL)
    }
}

/// Generates and plans each size (settlements; islands are a tenth of them) with `seed`,
/// within `time_limit` seconds each (`None`: [`default_time_limit`] of the size).
pub fn plan_sizes(
    sizes: &[usize],
    seed: u64,
    time_limit: Option<f64>,
    on_row: &dyn Fn(&PlanBenchRow),
) -> Result<Vec<PlanBenchRow>> {
    if sizes.is_empty() || sizes.contains(&0) {
        return Err(Error::Usage(
            "sizes: give one or more settlement counts, each at least 1".into(),
        ));
    }
    let mut rows = Vec::new();
    for &n in sizes {
        let islands = (n / 10).max(1);
        let started = std::time::Instant::now();
        let dir =
            std::env::temp_dir().join(format!("archiplan-bench-{}-{n}-{seed}", std::process::id()));
        generate(SynthParams {
            islands,
            settlements: n,
            seed,
        })?
        .write(&dir)?;
        // Planned as `generate` then `plan DIR --scenario DIR/scenario.toml` would be.
        let loaded = crate::layers::DataSet::load(&dir);
        let scenario = crate::scenario::Scenario::load(&dir.join(SCENARIO_FILE));
        // The folder is this run's own: removed whatever the loads say.
        let _ = std::fs::remove_dir_all(&dir);
        let ((ds, _), scenario) = (loaded?, scenario?);
        let setup_seconds = started.elapsed().as_secs_f64();
        let t0 = std::time::Instant::now();
        let planner = Planner::new(&ds, &scenario)?;
        let limit = time_limit.unwrap_or_else(|| default_time_limit(n));
        let output = planner.plan(PlanOptions {
            time_limit: Some(limit),
            ..Default::default()
        })?;
        let plan = &output.plan;
        let mut row = PlanBenchRow {
            settlements: n,
            islands,
            leaders: plan.hierarchy.leaders.len(),
            sites: plan.services.iter().map(|s| s.sites.len()).sum(),
            variables: plan.services.iter().map(|s| s.variables).sum(),
            setup_seconds,
            time_limit: limit,
            seconds: t0.elapsed().as_secs_f64(),
            peak_mb: peak_mb(),
            cost: output.summary.cost,
            gap: plan.gap,
            status: plan.status.as_str().to_string(),
            targets_met: plan.targets.iter().filter(|t| t.met).count(),
            targets: plan.targets.len(),
            check_seconds: 0.0,
            check_peak_mb: 0.0,
            findings: 0,
        };
        let t1 = std::time::Instant::now();
        let folder = dir.with_extension("plan");
        // On disk, the audit reads the plan as `check` does; the plan itself is no longer needed.
        output.write(&folder)?;
        drop(output);
        let audited = crate::audit::audit(&ds, &scenario, &folder);
        // Written by this run just now (a folder there before that holds anything archiplan
        // did not write makes the write fail, and is left alone): removed whatever the audit
        // says.
        let _ = std::fs::remove_dir_all(&folder);
        row.findings = audited?.disagreements.len();
        row.check_seconds = t1.elapsed().as_secs_f64();
        row.check_peak_mb = peak_mb();
        on_row(&row);
        rows.push(row);
    }
    Ok(rows)
}

/// Peak resident memory of this process in MB (0 where the system does not say).
fn peak_mb() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0;
    if ok {
        usage.ru_maxrss as f64 / 1024.0
    } else {
        0.0
    }
}

/// The rows as a text table.
pub fn table(rows: &[PlanBenchRow]) -> String {
    let mut out = format!(
        "{:>11} {:>8} {:>8} {:>8} {:>10} {:>9} {:>9} {:>9} {:>8} {:>8} {:>11} {:>8} {:>8} {:>8} {:>8}\n",
        "settlements",
        "islands",
        "leaders",
        "sites",
        "variables",
        "setup s",
        "limit s",
        "plan s",
        "peak MB",
        "gap",
        "status",
        "targets",
        "check s",
        "check MB",
        "audit"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>11} {:>8} {:>8} {:>8} {:>10} {:>9.1} {:>9.0} {:>9.1} {:>8.0} {:>7.2}% {:>11} {:>8} {:>8.1} {:>8.0} {:>8}\n",
            r.settlements,
            r.islands,
            r.leaders,
            r.sites,
            r.variables,
            r.setup_seconds,
            r.time_limit,
            r.seconds,
            r.peak_mb,
            100.0 * r.gap,
            r.status,
            format!("{}/{}", r.targets_met, r.targets),
            r.check_seconds,
            r.check_peak_mb,
            if r.findings == 0 {
                "agrees".to_string()
            } else {
                format!("{} diff", r.findings)
            }
        ));
    }
    out
}
