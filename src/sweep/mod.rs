//! Sweeps: many scenarios (named ones and grids of parameters) planned in parallel, each
//! written atomically to its own folder, summarised one row per scenario.
//!
//! A sweep is deterministic (each scenario is solved on its own, rows are ordered by scenario
//! index, no wall-clock time enters `results.*`), resumable (a scenario counts as done only when
//! its folder exists under its final name, which happens by one rename after everything in it
//! was written), and shardable (`--shard i/n` takes every n-th scenario; `merge` joins shard
//! folders into the same bytes an unsharded run writes).

use crate::error::{Error, Result};
use crate::layers::DataSet;
use crate::plan::{Context, Plan, PlanOptions};
use crate::planner::Planner;
use crate::report::csv_text;
use crate::report::plan_out::PlanSummary;
use crate::scenario::Scenario;
use crate::scenario::transform::Transform;
use crate::solve::Backend;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The sweep file (TOML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// Scenario file every run starts from (relative to the sweep file); default: the
    /// built-in template.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Seconds each service's solve may take (results then depend on machine speed).
    #[serde(default)]
    pub time_limit: Option<f64>,
    /// Named scenarios.
    #[serde(default, rename = "run")]
    pub runs: Vec<RunSpec>,
    #[serde(default)]
    pub grid: Option<Grid>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    pub name: String,
    #[serde(default)]
    pub transforms: Vec<toml::Value>,
}

/// Every combination of the axes' values is one scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    #[serde(rename = "axis")]
    pub axes: Vec<Axis>,
}

/// One parameter of a grid: its values, and the transforms it drives (where the string
/// `"$value"` stands for the value).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    pub name: String,
    pub values: Vec<toml::Value>,
    pub transforms: Vec<toml::Value>,
}

/// One expanded scenario of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSpec {
    pub index: usize,
    /// Folder name: index and a slug of the name.
    pub id: String,
    pub name: String,
    pub transforms: Vec<Transform>,
}

/// What `sweep.json` records: the expanded scenarios, so shards and resumed runs can check
/// they belong to the same sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub data: String,
    pub sweep: String,
    pub scenarios: Vec<ScenarioSpec>,
    /// The shard this folder was made for (absent: the whole sweep, or a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// SHA-256 of everything the results depend on, by name (each data layer, the base
    /// scenario, the sweep file, every scenario file a run uses, the time limit, the tool
    /// version): shards of one sweep agree on every entry. Absent in folders of older versions.
    #[serde(default)]
    pub inputs: std::collections::BTreeMap<String, String>,
}

/// The digests recorded in a sweep's [`Manifest::inputs`].
pub fn input_digests(
    data: &Path,
    sweep_path: &Path,
    file: &SweepFile,
    specs: &[ScenarioSpec],
) -> Result<std::collections::BTreeMap<String, String>> {
    use sha2::{Digest, Sha256};
    let hex = |bytes: &[u8]| -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let mut out = std::collections::BTreeMap::new();
    for path in crate::layers::DataSet::input_files(data) {
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let bytes = crate::limits::read_file(&path, crate::limits::MAX_LAYER_BYTES)?;
        out.insert(format!("data {name}"), hex(&bytes));
    }
    let base_dir = sweep_path.parent().unwrap_or(Path::new("."));
    let toml = |path: &Path| crate::limits::read_file(path, crate::limits::MAX_TOML_BYTES);
    out.insert("sweep file".into(), hex(&toml(sweep_path)?));
    let mut scenario_files: Vec<&str> = file.scenario.iter().map(String::as_str).collect();
    for spec in specs {
        for t in &spec.transforms {
            if let Transform::UseScenario { path } = t {
                scenario_files.push(path);
            }
        }
    }
    scenario_files.sort_unstable();
    scenario_files.dedup();
    for f in scenario_files {
        out.insert(format!("scenario {f}"), hex(&toml(&base_dir.join(f))?));
    }
    out.insert(
        "time limit".into(),
        file.time_limit.map_or("none".into(), |t| format!("{t:?}")),
    );
    out.insert(
        "archiplan version".into(),
        env!("CARGO_PKG_VERSION").to_string(),
    );
    Ok(out)
}

/// The entries on which two input digests differ, as `name` list.
pub fn digest_differences(
    a: &std::collections::BTreeMap<String, String>,
    b: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

fn substitute(v: &toml::Value, value: &toml::Value) -> toml::Value {
    match v {
        toml::Value::String(s) if s == "$value" => value.clone(),
        toml::Value::Array(a) => {
            toml::Value::Array(a.iter().map(|x| substitute(x, value)).collect())
        }
        toml::Value::Table(t) => toml::Value::Table(
            t.iter()
                .map(|(k, x)| (k.clone(), substitute(x, value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn transform_of(v: toml::Value, origin: &str) -> Result<Transform> {
    v.try_into()
        .map_err(|e: toml::de::Error| Error::Usage(format!("sweep {origin}: {e}")))
}

fn value_label(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.trim_end_matches(".toml").to_string(),
        toml::Value::Float(f) => format!("{f}"),
        other => other.to_string(),
    }
}

/// A folder-safe slug.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').chars().take(60).collect()
}

impl SweepFile {
    pub fn load(path: &Path) -> Result<SweepFile> {
        let text = crate::limits::read_text(path, crate::limits::MAX_TOML_BYTES)
            .map_err(|e| Error::Usage(format!("cannot read sweep file {}: {e}", path.display())))?;
        let s: SweepFile = toml::from_str(&text)
            .map_err(|e| Error::Usage(format!("sweep {}: {e}", path.display())))?;
        if s.runs.is_empty() && s.grid.as_ref().is_none_or(|g| g.axes.is_empty()) {
            return Err(Error::Usage(format!(
                "sweep {}: defines no scenario (add [[run]] entries or [[grid.axis]])",
                path.display()
            )));
        }
        if let Some(t) = s.time_limit {
            crate::limits::time_limit(&format!("sweep {}: time_limit", path.display()), t)?;
        }
        Ok(s)
    }

    /// The scenarios in order: named runs first, then the grid (last axis varying fastest).
    pub fn expand(&self, origin: &str) -> Result<Vec<ScenarioSpec>> {
        let mut out: Vec<(String, Vec<Transform>)> = Vec::new();
        if self.runs.len() > crate::limits::MAX_SWEEP_SCENARIOS {
            return Err(Error::Usage(format!(
                "sweep {origin}: {} runs are more than the {} scenarios a sweep may have; split the sweep",
                self.runs.len(),
                crate::limits::MAX_SWEEP_SCENARIOS
            )));
        }
        for (ri, r) in self.runs.iter().enumerate() {
            let ts = r
                .transforms
                .iter()
                .map(|v| transform_of(v.clone(), &format!("{origin} run[{ri}] `{}`", r.name)))
                .collect::<Result<Vec<_>>>()?;
            out.push((r.name.clone(), ts));
        }
        if let Some(grid) = &self.grid {
            for (ai, a) in grid.axes.iter().enumerate() {
                if a.values.is_empty() {
                    return Err(Error::Usage(format!(
                        "sweep {origin}: grid.axis[{ai}] `{}` has no values",
                        a.name
                    )));
                }
            }
            // Count before expanding: a few long axes multiply into more scenarios than memory
            // holds.
            let max = crate::limits::MAX_SWEEP_SCENARIOS;
            let total = grid
                .axes
                .iter()
                .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
                .and_then(|g| g.checked_add(self.runs.len()))
                .filter(|&t| t <= max);
            if total.is_none() {
                let sizes: Vec<String> = grid
                    .axes
                    .iter()
                    .map(|a| a.values.len().to_string())
                    .collect();
                return Err(Error::Usage(format!(
                    "sweep {origin}: the grid ({} values) and {} run(s) expand into more than {max} scenarios; split the sweep",
                    sizes.join(" x "),
                    self.runs.len()
                )));
            }
            let mut pick = vec![0usize; grid.axes.len()];
            'combos: loop {
                let mut names = Vec::new();
                let mut ts = Vec::new();
                for (ai, a) in grid.axes.iter().enumerate() {
                    let v = &a.values[pick[ai]];
                    names.push(format!("{}={}", a.name, value_label(v)));
                    for t in &a.transforms {
                        ts.push(transform_of(
                            substitute(t, v),
                            &format!("{origin} grid.axis[{ai}] `{}`", a.name),
                        )?);
                    }
                }
                // A scenario replacement goes first: other transforms change what it loads.
                ts.sort_by_key(|t| !matches!(t, Transform::UseScenario { .. }));
                out.push((names.join(","), ts));
                for ai in (0..pick.len()).rev() {
                    pick[ai] += 1;
                    if pick[ai] < grid.axes[ai].values.len() {
                        continue 'combos;
                    }
                    pick[ai] = 0;
                }
                break;
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (name, _) in &out {
            if !seen.insert(name.clone()) {
                return Err(Error::Usage(format!(
                    "sweep {origin}: scenario name `{name}` appears twice"
                )));
            }
        }
        Ok(out
            .into_iter()
            .enumerate()
            .map(|(index, (name, transforms))| ScenarioSpec {
                index,
                id: format!("{index:04}-{}", slug(&name)),
                name,
                transforms,
            })
            .collect())
    }
}

/// `i/n` (1-based) as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: a shard is I/N, e.g. 2/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: I is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: N is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("`{s}`: need 1 <= I <= N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    pub fn takes(&self, scenario_index: usize) -> bool {
        scenario_index % self.count == self.index - 1
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Demand-weighted mean, 95th percentile and maximum of minutes.
fn travel_stats(service: &str, mut pairs: Vec<(f64, f64)>) -> TravelStats {
    pairs.retain(|&(w, m)| w > 0.0 && m.is_finite());
    if pairs.is_empty() {
        return TravelStats {
            service: service.to_string(),
            mean: 0.0,
            p95: 0.0,
            max: 0.0,
        };
    }
    pairs.sort_by(|a, b| a.1.total_cmp(&b.1));
    let total: f64 = pairs.iter().map(|p| p.0).sum();
    let mean = pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / total;
    let mut acc = 0.0;
    let mut p95 = pairs[pairs.len() - 1].1;
    for &(w, m) in &pairs {
        acc += w;
        if acc >= 0.95 * total {
            p95 = m;
            break;
        }
    }
    TravelStats {
        service: service.to_string(),
        mean: round(mean, 2),
        p95: round(p95, 2),
        max: round(pairs[pairs.len() - 1].1, 2),
    }
}

fn row_of(spec: &ScenarioSpec, ctx: &Context, plan: &Plan, summary: &PlanSummary) -> Row {
    let last = ctx.scenario.hierarchy.tiers.len() - 1;
    let small: u64 = ctx
        .inhabited_islands
        .iter()
        .filter(|&&k| plan.hierarchy.tier[k] == last)
        .map(|&k| ctx.island_population[k])
        .sum();
    Row {
        index: spec.index,
        scenario: spec.name.clone(),
        id: spec.id.clone(),
        status: plan.status.as_str().to_string(),
        cost: Some(round(plan.cost, 2)),
        gap: Some(plan.gap),
        facilities: summary
            .services
            .iter()
            .map(|s| (s.service.clone(), s.new + s.kept))
            .collect(),
        mobile: summary
            .services
            .iter()
            .map(|s| (s.service.clone(), s.mobile))
            .collect(),
        // Cover per share target (count targets are not cover; they count in `targets_met`).
        coverage: summary
            .targets
            .iter()
            .filter(|t| !t.is_count())
            .map(|t| (t.name.clone(), t.achieved))
            .collect(),
        targets_met: Some(summary.targets.iter().all(|t| t.met)),
        travel: plan
            .services
            .iter()
            .map(|s| {
                travel_stats(
                    &s.service,
                    s.settlements
                        .iter()
                        .map(|x| (x.demand, x.minutes.unwrap_or(f64::INFINITY)))
                        .collect(),
                )
            })
            .collect(),
        small_island_population: Some(small),
        message: None,
        pareto: false,
    }
}

fn failed_row(spec: &ScenarioSpec, status: &str, message: String) -> Row {
    Row {
        index: spec.index,
        scenario: spec.name.clone(),
        id: spec.id.clone(),
        status: status.to_string(),
        cost: None,
        gap: None,
        facilities: Vec::new(),
        mobile: Vec::new(),
        coverage: Vec::new(),
        targets_met: None,
        travel: Vec::new(),
        small_island_population: None,
        message: Some(message),
        pareto: false,
    }
}

/// Plans one scenario and writes its folder atomically (plan outputs + `row.json`).
pub fn run_one(
    base: &DataSet,
    base_scenario: &Scenario,
    base_dir: &Path,
    spec: &ScenarioSpec,
    options: PlanOptions,
    check: bool,
    folder: &Path,
) -> Result<Row> {
    let started = std::time::Instant::now();
    let mut ds = base.clone();
    let mut sc = base_scenario.clone();
    let mut applied = Ok(());
    for t in &spec.transforms {
        applied = t.apply(&mut ds, &mut sc, base_dir);
        if applied.is_err() {
            break;
        }
    }
    let mut finished = None;
    // The folder is swapped in whole: a crash leaves the earlier result or the new one.
    crate::io::replace_dir(folder, crate::io::owned::SWEEP_SCENARIO, |tmp| {
        let row = match applied {
            Err(e) => failed_row(spec, "invalid", e.to_string()),
            Ok(()) => match Planner::new(&ds, &sc).and_then(|planner| {
                let output = planner.plan(options)?;
                let verify = |dir: &Path| {
                    if check {
                        crate::audit::verify(&ds, &sc, dir)
                            .map_err(|e| Error::Internal(format!("scenario `{}`: {e}", spec.name)))
                    } else {
                        Ok(())
                    }
                };
                output.write_verified(&tmp.join("plan"), &verify)?;
                Ok(row_of(
                    spec,
                    planner.context(),
                    &output.plan,
                    &output.summary,
                ))
            }) {
                Ok(row) => row,
                Err(Error::Infeasible(msg)) => failed_row(spec, "infeasible", msg),
                Err(e @ (Error::Usage(_) | Error::InvalidData(_))) => {
                    failed_row(spec, "invalid", e.to_string())
                }
                Err(e) => return Err(e),
            },
        };
        // Wall-clock time lives beside the row, never in it: rows and results stay byte-identical.
        let timing = format!(
            "{{\n  \"seconds\": {:.3}\n}}\n",
            started.elapsed().as_secs_f64()
        );
        std::fs::write(tmp.join(TIMING_FILE), timing).map_err(|e| Error::io(tmp, e))?;
        let bytes = crate::report::json_pretty(&row)?;
        std::fs::write(tmp.join(ROW_FILE), bytes).map_err(|e| Error::io(tmp, e))?;
        finished = Some(row);
        Ok(())
    })?;
    let row =
        finished.ok_or_else(|| Error::Internal("scenario folder written without a row".into()))?;
    Ok(row)
}

/// Reads the rows of every finished scenario folder under `out`.
pub fn read_rows(out: &Path) -> Result<Vec<Row>> {
    let dir = out.join(SCENARIOS_DIR);
    let mut rows = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(rows);
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // an unfinished scenario (temporary folder)
        }
        let path = entry.path().join(ROW_FILE);
        let Ok(bytes) = crate::limits::read_file(&path, crate::limits::MAX_OUTPUT_BYTES) else {
            continue;
        };
        let row: Row = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Usage(format!("{}: not a sweep row: {e}", path.display())))?;
        if row.id != name {
            return Err(Error::Usage(format!(
                "{}: the row names scenario `{}` but sits in folder `{name}`; the folder was \
                 edited, re-run that scenario",
                path.display(),
                row.id.escape_debug()
            )));
        }
        rows.push(row);
    }
    rows.sort_by_key(|r| r.index);
    Ok(rows)
}

/// Writes `results.json` and `results.csv` from the finished scenario folders, and
/// `timings.csv` (scenario, seconds) beside them: wall-clock time is kept out of the results so
/// that the same sweep gives the same result bytes on any machine, thread count or shard split.
pub fn write_results(out: &Path) -> Result<Vec<Row>> {
    let mut rows = read_rows(out)?;
    mark_pareto(&mut rows);
    let json = crate::report::json_pretty(&rows)?;
    crate::io::write_atomic(&out.join("results.json"), &json)?;
    crate::io::write_atomic(&out.join("results.csv"), &results_csv(&rows)?)?;
    let mut t = csv::Writer::from_writer(Vec::new());
    let to_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    t.write_record(["index", "scenario", "status", "seconds"])
        .map_err(to_err)?;
    for r in &rows {
        let path = out.join(SCENARIOS_DIR).join(&r.id).join(TIMING_FILE);
        let seconds = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["seconds"].as_f64())
            .map_or(String::new(), |s| format!("{s:.3}"));
        t.write_record([
            r.index.to_string(),
            csv_text(&r.scenario),
            r.status.clone(),
            seconds,
        ])
        .map_err(to_err)?;
    }
    let timings = t
        .into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))?;
    crate::io::write_atomic(&out.join("timings.csv"), &timings)?;
    Ok(rows)
}

fn results_csv(rows: &[Row]) -> Result<Vec<u8>> {
    // Columns: fixed ones, then one per service / target seen in any row.
    let (services, targets) = columns(rows);
    let mut header: Vec<String> = [
        "index",
        "scenario",
        "status",
        "cost",
        "gap",
        "targets_met",
        "small_island_population",
        "pareto",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in &services {
        header.push(format!("facilities_{s}"));
        header.push(format!("mobile_{s}"));
        header.push(format!("minutes_mean_{s}"));
        header.push(format!("minutes_p95_{s}"));
        header.push(format!("minutes_max_{s}"));
    }
    for t in &targets {
        header.push(format!("coverage: {t}"));
    }
    header.push("message".to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    let to_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record(&header).map_err(to_err)?;
    let opt = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v}"));
    for r in rows {
        let mut rec = vec![
            r.index.to_string(),
            csv_text(&r.scenario),
            r.status.clone(),
            opt(r.cost),
            opt(r.gap),
            r.targets_met.map_or(String::new(), |b| b.to_string()),
            r.small_island_population
                .map_or(String::new(), |p| p.to_string()),
            r.pareto.to_string(),
        ];
        for s in &services {
            let find = |list: &[(String, usize)]| {
                list.iter()
                    .find(|(n, _)| n == s)
                    .map_or(String::new(), |x| x.1.to_string())
            };
            rec.push(find(&r.facilities));
            rec.push(find(&r.mobile));
            let t = r.travel.iter().find(|t| &t.service == s);
            rec.push(opt(t.map(|t| t.mean)));
            rec.push(opt(t.map(|t| t.p95)));
            rec.push(opt(t.map(|t| t.max)));
        }
        for t in &targets {
            rec.push(opt(r
                .coverage
                .iter()
                .find(|(n, _)| n == t)
                .map(|c| round(c.1, 6))));
        }
        rec.push(csv_text(r.message.as_deref().unwrap_or_default()));
        w.write_record(&rec).map_err(to_err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("csv: {e}")))
}

/// Options of a sweep run.
#[derive(Clone, Default)]
pub struct SweepOptions {
    pub threads: Option<usize>,
    pub shard: Option<Shard>,
    pub resume: bool,
    /// Audit each plan independently before its folder is moved into place.
    pub check: bool,
    /// Seconds each service's solve may take, in place of the sweep file's `time_limit`.
    pub time_limit: Option<f64>,
    /// The MILP backend every scenario's services are solved with.
    pub solver: Backend,
    /// Told when the scenarios to solve are known and as each one is written.
    pub progress: Option<SweepProgress>,
}

impl std::fmt::Debug for SweepOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SweepOptions")
            .field("threads", &self.threads)
            .field("shard", &self.shard)
            .field("resume", &self.resume)
            .field("check", &self.check)
            .field("time_limit", &self.time_limit)
            .field("solver", &self.solver)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// What a sweep tells its caller while it runs (called from worker threads).
pub enum SweepEvent<'a> {
    /// The scenarios of this run that will be solved (the rest are done or another shard's).
    Todo(usize),
    /// A scenario's folder is in place.
    Finished {
        id: &'a str,
        status: &'a str,
        seconds: f64,
    },
}

/// A progress display or log fed by [`SweepEvent`]s.
pub type SweepProgress = std::sync::Arc<dyn Fn(SweepEvent) + Send + Sync>;

/// What a sweep run did.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    pub scenarios: usize,
    pub in_shard: usize,
    pub solved: usize,
    pub skipped: usize,
    pub rows: usize,
}

/// Runs the sweep in `sweep_path` over the data set in `data` into `out`
/// (`Sweep::from_file(data, sweep_path)?.run(out, opts)`).
pub fn run_sweep(
    data: &Path,
    sweep_path: &Path,
    out: &Path,
    opts: &SweepOptions,
) -> Result<SweepReport> {
    Sweep::from_file(data, sweep_path)?.run(out, opts)
}

/// A sweep ready to run: its data folder and its file, read and expanded into scenarios.
///
/// ```no_run
/// use archiplan::sweep::{Sweep, SweepOptions};
/// use std::path::Path;
/// let sweep = Sweep::from_file(Path::new("data/daishan"), Path::new("data/daishan/sweep-relocation.toml"))?;
/// println!("{} scenarios", sweep.scenarios().len());
/// let report = sweep.run(Path::new("out/relocation"), &SweepOptions::default())?;
/// println!("{} solved", report.solved);
/// # Ok::<(), archiplan::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Sweep {
    data: PathBuf,
    path: PathBuf,
    file: SweepFile,
    scenarios: Vec<ScenarioSpec>,
}

impl Sweep {
    /// Reads the sweep file and expands its named scenarios and grids; errors name the file.
    pub fn from_file(data: &Path, sweep_path: &Path) -> Result<Sweep> {
        let file = SweepFile::load(sweep_path)?;
        let scenarios = file.expand(&sweep_path.display().to_string())?;
        Ok(Sweep {
            data: data.to_path_buf(),
            path: sweep_path.to_path_buf(),
            file,
            scenarios,
        })
    }

    /// The scenarios, in the order their rows and folders take.
    pub fn scenarios(&self) -> &[ScenarioSpec] {
        &self.scenarios
    }

    /// Plans every scenario of this run (its shard, less those done when resuming) into `out`.
    pub fn run(&self, out: &Path, opts: &SweepOptions) -> Result<SweepReport> {
        use rayon::prelude::*;
        let (data, sweep_path) = (self.data.as_path(), self.path.as_path());
        if let Some(n) = opts.threads {
            check_threads(n)?;
        }
        let mut file = self.file.clone();
        if let Some(t) = opts.time_limit {
            file.time_limit = Some(crate::limits::time_limit("time_limit", t)?);
        }
        let base_dir = sweep_path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut inputs: Vec<PathBuf> = vec![data.to_path_buf(), sweep_path.to_path_buf()];
        inputs.extend(file.scenario.iter().map(|p| base_dir.join(p)));
        crate::io::refuse_dir_over_inputs(
            out,
            &inputs.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
        )?;
        let specs = self.scenarios.clone();
        let base_scenario = match &file.scenario {
            Some(p) => Scenario::load_indirect(&base_dir.join(p))?,
            None => Scenario::default(),
        };
        let (ds, _) = DataSet::load(data)?;
        // Check every scenario's transforms apply before solving anything.
        for spec in &specs {
            let (mut d, mut s) = (ds.clone(), base_scenario.clone());
            for t in &spec.transforms {
                t.apply(&mut d, &mut s, &base_dir)
                    .map_err(|e| Error::Usage(format!("scenario `{}`: {}", spec.name, e)))?;
            }
        }
        let manifest = Manifest {
            data: data.display().to_string(),
            sweep: sweep_path.display().to_string(),
            scenarios: specs.clone(),
            shard: opts.shard,
            inputs: input_digests(data, sweep_path, &file, &specs)?,
        };
        let scen_dir = out.join(SCENARIOS_DIR);
        prepare_out(out, &manifest, opts.resume)?;
        std::fs::create_dir_all(&scen_dir).map_err(|e| Error::io(&scen_dir, e))?;
        // Leftovers of a killed run are never results: the temporary siblings of each scenario
        // folder whose process is gone are removed (and only those).
        for spec in &specs {
            for note in crate::io::swap::recover(&scen_dir.join(&spec.id)) {
                crate::note!("archiplan: {note}");
            }
        }
        let mine: Vec<&ScenarioSpec> = specs
            .iter()
            .filter(|s| opts.shard.is_none_or(|sh| sh.takes(s.index)))
            .collect();
        let todo: Vec<&ScenarioSpec> = mine
            .iter()
            .copied()
            .filter(|s| !(opts.resume && scen_dir.join(&s.id).join(ROW_FILE).is_file()))
            .collect();
        let tell = |e: SweepEvent| {
            if let Some(progress) = &opts.progress {
                progress(e);
            }
        };
        tell(SweepEvent::Todo(todo.len()));
        let options = PlanOptions {
            time_limit: file.time_limit,
            solver: opts.solver,
            ..Default::default()
        };
        let solve = || -> Result<()> {
            todo.par_iter()
                .map(|spec| {
                    let started = std::time::Instant::now();
                    let row = run_one(
                        &ds,
                        &base_scenario,
                        &base_dir,
                        spec,
                        options.clone(),
                        opts.check,
                        &scen_dir.join(&spec.id),
                    )?;
                    tell(SweepEvent::Finished {
                        id: &spec.id,
                        status: &row.status,
                        seconds: started.elapsed().as_secs_f64(),
                    });
                    Ok(())
                })
                .collect::<Result<Vec<()>>>()
                .map(|_| ())
        };
        crate::limits::in_pool(opts.threads, solve)?;
        let rows = write_results(out)?;
        Ok(SweepReport {
            scenarios: specs.len(),
            in_shard: mine.len(),
            solved: todo.len(),
            skipped: mine.len() - todo.len(),
            rows: rows.len(),
        })
    }
}

/// `--threads` by the one thread rule ([`crate::limits::threads`]).
pub fn check_threads(n: usize) -> Result<()> {
    crate::limits::threads("threads", n).map(|_| ())
}

/// Creates the output folder with its manifest, or checks an existing one belongs to the same
/// sweep (a resumed run, or a shard writing beside others).
fn prepare_out(out: &Path, manifest: &Manifest, resume: bool) -> Result<()> {
    let path = out.join(MANIFEST_FILE);
    if path.is_file() {
        let existing: Manifest =
            serde_json::from_slice(&std::fs::read(&path).map_err(|e| Error::io(&path, e))?)
                .map_err(|e| {
                    Error::Usage(format!("{}: not a sweep manifest: {e}", path.display()))
                })?;
        if existing.scenarios != manifest.scenarios {
            return Err(Error::Usage(format!(
                "{} holds a different sweep; use another output folder",
                out.display()
            )));
        }
        let differ = digest_differences(&existing.inputs, &manifest.inputs);
        if !differ.is_empty() {
            return Err(Error::Usage(format!(
                "{} holds results of other inputs ({} changed since); use another output folder",
                out.display(),
                differ.join(", ")
            )));
        }
        if !resume && out.join(SCENARIOS_DIR).is_dir() {
            let done = read_rows(out)?.len();
            if done > 0 {
                return Err(Error::Usage(format!(
                    "{} already holds {done} finished scenario(s); resume the sweep to continue, \
                     or choose another output folder",
                    out.display()
                )));
            }
        }
        return Ok(());
    }
    if out.exists()
        && std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Usage(format!(
            "{} exists and is not a sweep folder; choose another output folder",
            out.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let bytes = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Internal(e.to_string()))?;
    crate::io::write_atomic(&path, &bytes)
}

pub mod merge;
pub use merge::merge;

pub use crate::report::results::{
    MANIFEST_FILE, ROW_FILE, Row, SCENARIOS_DIR, TIMING_FILE, TravelStats, columns, mark_pareto,
    mean_coverage, read_results, yardstick,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn row(index: usize, cost: f64, targets: &[(&str, f64)], travel: f64) -> Row {
        Row {
            index,
            scenario: format!("s{index}"),
            id: format!("{index:04}"),
            status: "optimal".into(),
            cost: Some(cost),
            gap: Some(0.0),
            facilities: Vec::new(),
            mobile: Vec::new(),
            coverage: targets.iter().map(|(n, c)| (n.to_string(), *c)).collect(),
            targets_met: Some(true),
            travel: vec![TravelStats {
                service: "school".into(),
                mean: travel,
                p95: travel,
                max: travel,
            }],
            small_island_population: None,
            message: None,
            pareto: false,
        }
    }

    #[test]
    fn only_scenarios_with_the_same_targets_dominate_each_other() {
        let (a, b) = ("meal 80%", "meal 90%");
        let mut rows = vec![
            row(0, 100.0, &[(a, 0.85)], 10.0),
            row(1, 120.0, &[(a, 0.85)], 10.0), // dominated by 0: dearer, no better
            row(2, 90.0, &[(b, 0.95)], 9.0),   // beats 0 on every number, other targets
            row(3, 95.0, &[(b, 0.95)], 9.0),   // dominated by 2
            row(4, 80.0, &[(b, 0.90)], 12.0),  // cheaper but slower and less covered
        ];
        mark_pareto(&mut rows);
        let marks: Vec<bool> = rows.iter().map(|r| r.pareto).collect();
        assert_eq!(marks, [true, false, true, false, true]);
    }

    #[test]
    fn rows_without_a_plan_are_never_efficient() {
        let mut rows = vec![row(0, 100.0, &[("t", 0.9)], 10.0)];
        rows[0].cost = None;
        mark_pareto(&mut rows);
        assert!(!rows[0].pareto);
    }
}
