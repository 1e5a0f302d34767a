//! The command line's grammar: every command, argument and its help text (clap derive).

use archiplan::orlib::OrlibModel;
use archiplan::solve::{Backend, SolveOptions};
use archiplan::{Error, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "archiplan",
    version,
    about = "Plan where an archipelago puts its public services: schools, clinics, elder meals, couriers.",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More detail on stderr: -v the solver's progress per component and priced round (also
    /// RUST_LOG=debug, or the older ARCHIPLAN_DEBUG=1), -vv everything.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check a data-set folder and list every problem (exit 0 valid, 2 invalid).
    Validate(ValidateArgs),
    /// Build the ferry-route network and report reachability and travel times to the hub.
    Network(NetworkArgs),
    /// Plan schools, clinics, elder meals and couriers under the "1+4+N" scheme.
    Plan(PlanArgs),
    /// Audit a plan folder (or a sweep, or one sweep scenario) independently: every minute,
    /// site, load, cost and target re-derived from the data; exit 0 when all agree, 2 if not.
    Check(CheckArgs),
    /// Scenario files: `scenario init` writes the commented template.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Plan many scenarios (relocations, timetables, targets...) in parallel; one row each.
    Sweep(SweepArgs),
    /// Join the output folders of sweep shards (into the first, or into --out).
    Merge(MergeArgs),
    /// Compare two plans (plan folders or sweep scenario folders): sites, coverage, cost.
    Compare(CompareArgs),
    /// Cancel each ferry route in turn and report who loses cover within each standard.
    Resilience(ResilienceArgs),
    /// Draw a plan as a map, or a sweep as its Pareto chart (SVG or PNG by the file name).
    Render(RenderArgs),
    /// Write one self-contained HTML report (works offline) of a plan or a sweep.
    Report(ReportArgs),
    /// Generate a synthetic archipelago data set (same seed, same bytes).
    Generate(GenerateArgs),
    /// Bring data from other formats onto a data set: `import gtfs` lays a GTFS feed's ferry
    /// timetables onto its routes.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Solve a facility-location instance file (p-median, p-center, MCLP, LSCP): OR-Library,
    /// TSPLIB, CSV points or a cost matrix (CSV, Matrix Market).
    Solve(SolveFileArgs),
    /// Solve an OR-Library p-median instance (n, edges, p, then `i j cost` lines); the same
    /// as `solve --format orlib`.
    Orlib(OrlibArgs),
    /// Run benchmarks and print a table.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Print a shell completion script (e.g. `archiplan completions bash > ~/.local/share/bash-completion/completions/archiplan`).
    Completions(CompletionsArgs),
    /// Print the manual page in roff (`archiplan man > archiplan.1; man ./archiplan.1`).
    Man,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
    pub data: PathBuf,
    /// Print one JSON object on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct NetworkArgs {
    /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
    pub data: PathBuf,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the network (routes and nodes) as GeoJSON to this file.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// Travel-time cutoff (minutes) of the sparse matrix statistics.
    #[arg(long, default_value_t = 60.0)]
    pub cutoff: f64,
    /// Also give each island's trip to the hub leaving its largest settlement at this clock
    /// time (HH:MM), or the shortest trip leaving within a window (HH:MM-HH:MM), by the
    /// routes' timetables (`departures`) where they have one and the expected wait elsewhere.
    #[arg(long, value_name = "HH:MM", conflicts_with = "arrive_by")]
    pub depart: Option<String>,
    /// Instead of `--depart`: each island's latest departure to the hub that still arrives by
    /// this clock time (HH:MM), e.g. school at 08:30.
    #[arg(long, value_name = "HH:MM")]
    pub arrive_by: Option<String>,
    /// Also say for each island whether a team from the hub can spend this many minutes on it
    /// within the working day, by the timetables (leave, arrive, leave again, back; or which
    /// sailing makes it impossible).
    #[arg(long, value_name = "MINUTES")]
    pub day_trip: Option<f64>,
    /// The working day of `--day-trip` (HH:MM-HH:MM).
    #[arg(long, value_name = "HH:MM-HH:MM", default_value = "07:00-18:00")]
    pub working_day: String,
    /// Replace an existing file that archiplan did not write (never an input, a layer, or
    /// a file inside a plan or sweep folder).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
    pub data: PathBuf,
    /// Scenario file (TOML); default: DATA/scenario.toml when the data folder holds one (as
    /// `generate` writes), else the built-in template (`archiplan scenario init`).
    /// Given more than once, a phased plan: consecutive years planned in turn, each keeping
    /// what the years before opened, closed and expanded unless its own scenario closes it;
    /// one plan folder per year (named after the file) and phases.csv, phases.json in OUT.
    #[arg(long)]
    pub scenario: Vec<PathBuf>,
    /// Output folder: facilities/settlements/assignments/islands GeoJSON, summary JSON/CSV.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub run: RunArgs,
    /// Audit the plan (as `archiplan check` does) before it is moved into place; a
    /// disagreement writes nothing and exits 1.
    #[arg(long)]
    pub check: bool,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
    pub data: PathBuf,
    /// Plan folder, sweep output folder, or sweep scenario folder.
    pub out: PathBuf,
    /// Scenario the plan was made with (a sweep's: its base scenario); default: the
    /// sweep file's, else DATA/scenario.toml when the data folder holds one, else the
    /// built-in template.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also re-derive every service's optimum with the audit's own MILP and test the
    /// plan's objective, bound and status against it (`proofs` in --json).
    #[arg(long)]
    pub prove: bool,
    /// Seconds each service's re-solve may take under --prove (default 600); a re-solve
    /// cut short is reported as unfinished, neither a pass nor a failure.
    #[arg(long, value_name = "S", requires = "prove")]
    pub time_limit: Option<f64>,
}

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
    pub data: PathBuf,
    /// Sweep file (TOML): named runs and/or a grid of parameters.
    #[arg(long)]
    pub sweep: PathBuf,
    /// Output folder: scenarios/<id>/, results.csv, results.json.
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// Run only shard I of N (1-based), e.g. `--shard 2/4`; join shards with `merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<archiplan::sweep::Shard>,
    /// Continue an interrupted sweep: solve only the scenarios not finished yet.
    #[arg(long)]
    pub resume: bool,
    /// Audit every scenario's plan (as `archiplan check` does) before its folder is
    /// moved into place; a disagreement stops the sweep with exit 1.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Sweep output folders of the shards to join (each made with `--shard I/N`).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder of the merged sweep (default: the first folder, replaced whole).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// First plan folder (or sweep scenario folder).
    pub a: PathBuf,
    /// Second plan folder (or sweep scenario folder).
    pub b: PathBuf,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct ResilienceArgs {
    /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
    pub data: PathBuf,
    /// Scenario file (TOML); default: DATA/scenario.toml when the data folder holds one (as
    /// `generate` writes), else the built-in template (`archiplan scenario init`).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Also write the report's files into this folder (resilience.csv and resilience.json;
    /// with --weather weather.csv, weather-days.csv and weather.json).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Storms instead of single routes: at each Beaufort force that stops ferries (one above a
    /// route's `max_wind`), cancel all of them at once; and the expected days a year without
    /// cover from the routes' `reliability` (bad days shared: the least reliable stop first).
    #[arg(long)]
    pub weather: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(clap::Args)]
pub struct RenderArgs {
    /// A plan output folder, a sweep scenario folder, or a sweep output folder.
    pub out: PathBuf,
    /// The picture to write: a file name ending in .svg or .png.
    #[arg(short = 'o', long = "out")]
    pub picture: PathBuf,
    /// Service whose travel times colour the settlements and whose sites alone are drawn
    /// (default: the plan's first colours them; every service's sites are drawn).
    #[arg(long)]
    pub service: Option<String>,
    /// Island and village property the labels show, e.g. name_zh (default: name; a
    /// feature without it shows its name). Chinese labels need a CJK font for PNG.
    #[arg(long, value_name = "PROPERTY")]
    pub label_field: Option<String>,
    /// Also label villages where room is left after the islands.
    #[arg(long)]
    pub village_labels: bool,
    /// Picture width in pixels (the height follows); default: as drawn (1,170 px for a map).
    #[arg(long, value_name = "PX", conflicts_with = "dpi")]
    pub width: Option<u32>,
    /// Resolution: 96 is as drawn, 300 for print.
    #[arg(long)]
    pub dpi: Option<f64>,
    /// Replace an existing file that archiplan did not write (never an input, a layer, or
    /// a file inside a plan or sweep folder).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// A plan output folder, a sweep scenario folder, or a sweep output folder.
    pub out: PathBuf,
    /// The HTML file to write.
    #[arg(short = 'o', long = "out")]
    pub html: PathBuf,
    /// Service whose travel times colour the map (default: the plan's first).
    #[arg(long)]
    pub service: Option<String>,
    /// Replace an existing file that archiplan did not write (never an input, a layer, or
    /// a file inside a plan or sweep folder).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Number of islands.
    #[arg(long)]
    pub islands: usize,
    /// Number of settlements (villages), spread over the islands.
    #[arg(long)]
    pub settlements: usize,
    /// Random seed (same seed, same result).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (must not exist or be empty).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct OrlibArgs {
    /// OR-Library instance file (`n edges p`, then `i j cost` lines).
    pub file: PathBuf,
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Override the file's p.
    #[arg(long)]
    pub p: Option<usize>,
    /// Coverage radius for `--model mclp` (inclusive: d <= R covers).
    #[arg(long)]
    pub radius: Option<f64>,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct SolveFileArgs {
    /// Instance file: OR-Library (`n edges p`, then `i j cost`), TSPLIB (.tsp), CSV points
    /// (`id,x,y,weight` or `id,lon,lat,weight`), a CSV cost matrix (dense, or
    /// `demand,site,cost` rows) or Matrix Market (.mtx).
    pub file: PathBuf,
    /// The file's format (default: detected from its first line and extension).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Number of facilities (needed unless the file gives it, as OR-Library files do; not
    /// for lscp).
    #[arg(short = 'p', long = "p")]
    pub p: Option<usize>,
    /// Coverage radius of mclp and lscp (inclusive: d <= R covers); pairs beyond it are
    /// never computed.
    #[arg(long)]
    pub radius: Option<f64>,
    /// Rounding of distances between coordinates (default: TSPLIB's own definition for
    /// TSPLIB files, none for CSV points). The p-median literature rounds TSPLIB down.
    #[arg(long, value_enum)]
    pub round: Option<RoundArg>,
    /// Keep only pairs at most D apart, found through a spatial index: for point sets whose
    /// full matrix is too large. The result is optimal for the instance without the others.
    #[arg(long, value_name = "D")]
    pub max_distance: Option<f64>,
    /// Demand weights: one number per line, in the file's demand order (default 1; CSV
    /// points carry a `weight` column instead).
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// An instance file format by its command-line name.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Orlib,
    Tsplib,
    /// CSV points with coordinates
    Points,
    /// CSV cost matrix (dense or demand,site,cost rows)
    Matrix,
    #[value(name = "matrix-market")]
    MatrixMarket,
}

impl FormatArg {
    pub fn format(self) -> archiplan::instances::Format {
        use archiplan::instances::Format;
        match self {
            FormatArg::Orlib => Format::Orlib,
            FormatArg::Tsplib => Format::Tsplib,
            FormatArg::Points => Format::Points,
            FormatArg::Matrix => Format::Matrix,
            FormatArg::MatrixMarket => Format::MatrixMarket,
        }
    }
}

/// A distance rounding by its command-line name.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoundArg {
    /// to the nearest integer, halves up (TSPLIB EUC_2D)
    Nearest,
    /// down (the large-scale p-median literature on TSPLIB instances)
    Floor,
    /// up (TSPLIB CEIL_2D)
    Ceil,
    /// not rounded (single precision)
    None,
}

impl RoundArg {
    pub fn rounding(self) -> archiplan::instances::Rounding {
        use archiplan::instances::Rounding;
        match self {
            RoundArg::Nearest => Rounding::Nearest,
            RoundArg::Floor => Rounding::Floor,
            RoundArg::Ceil => Rounding::Ceil,
            RoundArg::None => Rounding::None,
        }
    }
}

#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: clap_complete::Shell,
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generate archipelagos of the given sizes and plan each with the scenario `generate`
    /// writes: seconds, peak memory, model size, gap, status, targets met.
    Plan(BenchPlanArgs),
    /// Solve every OR-Library file of a folder (known optima from pmedopt.txt beside them).
    Orlib(BenchOrlibArgs),
    /// Solve one random planar instance (uniform points, Euclidean times, weights 1..=100).
    Random(BenchRandomArgs),
}

#[derive(clap::Args)]
pub struct BenchPlanArgs {
    /// Settlement counts, comma-separated (islands are a tenth of them), e.g. 1500,5000,20000.
    #[arg(long, value_delimiter = ',', required = true)]
    pub sizes: Vec<usize>,
    /// Random seed of the generated archipelagos (same seed, same data).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Seconds each plan may take (the whole plan's budget); default: 60 up to 20,000
    /// settlements, 300 at 100,000, in proportion between and beyond.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// Print JSON rows instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct BenchOrlibArgs {
    /// Folder of OR-Library instance files (`pmedopt.txt` with the known optima beside them).
    pub dir: PathBuf,
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Coverage radius for `--model mclp` (inclusive: d <= R covers).
    #[arg(long)]
    pub radius: Option<f64>,
    /// Print JSON rows instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct BenchRandomArgs {
    /// Number of demand points.
    #[arg(long, default_value_t = 2000)]
    pub demand: usize,
    /// Number of candidate sites.
    #[arg(long, default_value_t = 2000)]
    pub sites: usize,
    /// Number of facilities to open.
    #[arg(long, default_value_t = 20)]
    pub p: usize,
    /// Coverage radius (mclp, lscp); also the matrix cutoff for them.
    #[arg(long)]
    pub radius: Option<f64>,
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A facility-location model by its command-line name.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    #[value(name = "p-median")]
    PMedian,
    #[value(name = "p-center")]
    PCenter,
    Mclp,
    Lscp,
}

/// A solver backend by its command-line name.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SolverArg {
    /// the purpose-built fast path where the model has one, else microlp
    Auto,
    Microlp,
    /// only when built with --features highs
    Highs,
}

impl SolverArg {
    /// The library's backend; HiGHS is refused, saying how to build it in, when it is not.
    pub fn backend(self) -> Result<Backend> {
        Backend::parse(match self {
            SolverArg::Auto => "auto",
            SolverArg::Microlp => "microlp",
            SolverArg::Highs => "highs",
        })
    }
}

impl std::fmt::Display for ModelArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum;
        let v = self.to_possible_value().ok_or(std::fmt::Error)?;
        f.write_str(v.get_name())
    }
}

/// What every command that plans takes alike (`plan`, `sweep`, `resilience`).
#[derive(clap::Args)]
pub struct RunArgs {
    /// Seconds the whole plan may take (a sweep: each scenario's plan, in place of its file's
    /// time_limit); the best plan found and its proven gap are reported. Default: solve to
    /// proven optima.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// The solver of the services' models (auto: large capacitated components by Lagrangian
    /// relaxation, the rest by microlp; microlp or highs: every model as one MILP).
    #[arg(long, value_enum, default_value_t = SolverArg::Auto)]
    pub solver: SolverArg,
    /// No progress display on stderr (it shows only on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
    /// Print the result as JSON on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct SolveArgs {
    /// The model.
    #[arg(long, value_enum, default_value_t = ModelArg::PMedian)]
    pub model: ModelArg,
    /// Wall-clock limit in seconds; on expiry the best plan is reported with its gap.
    #[arg(long, value_name = "S")]
    pub time_limit: Option<f64>,
    /// The solver backend.
    #[arg(long, value_enum, default_value_t = SolverArg::Auto)]
    pub solver: SolverArg,
    /// Random seed (same seed, same result).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl SolveArgs {
    pub fn options(&self) -> Result<SolveOptions> {
        Ok(SolveOptions {
            backend: self.solver.backend()?,
            time_limit: self
                .time_limit
                .map(|t| archiplan::limits::time_limit("--time-limit", t))
                .transpose()?,
            seed: self.seed,
            root_iterations: None,
            start: None,
        })
    }

    pub fn model(&self, radius: Option<f64>) -> Result<OrlibModel> {
        match self.model {
            ModelArg::PMedian => Ok(OrlibModel::PMedian),
            ModelArg::PCenter => Ok(OrlibModel::PCenter),
            ModelArg::Mclp => {
                let radius = radius.ok_or_else(|| {
                    Error::Usage("--model mclp needs --radius R (covering distance)".into())
                })?;
                Ok(OrlibModel::Mclp { radius })
            }
            ModelArg::Lscp => {
                let radius = radius.ok_or_else(|| {
                    Error::Usage("--model lscp needs --radius R (covering distance)".into())
                })?;
                Ok(OrlibModel::Lscp { radius })
            }
        }
    }
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Lay a GTFS feed's ferry timetables onto a data set's routes and write the data set,
    /// with the new ferries.geojson, into a new folder.
    Gtfs(ImportGtfsArgs),
}

#[derive(clap::Args)]
pub struct ImportGtfsArgs {
    /// The GTFS feed: a zip file or a folder of its .txt tables.
    pub feed: PathBuf,
    /// The data set whose ferry routes get the timetables (its layers are copied, never
    /// changed).
    #[arg(long)]
    pub data: PathBuf,
    /// New data-set folder to write (must not exist, or be empty).
    #[arg(short = 'o', long = "out")]
    pub out: PathBuf,
    /// The weekday whose trips are imported (by calendar.txt): mon, tue, wed, thu, fri, sat
    /// or sun.
    #[arg(long, default_value = "mon", value_parser = weekday)]
    pub weekday: archiplan::import::gtfs::Weekday,
    /// Print what was imported as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

fn weekday(s: &str) -> std::result::Result<archiplan::import::gtfs::Weekday, String> {
    s.parse()
}

#[derive(Subcommand)]
pub enum ScenarioCommand {
    /// Write the commented scenario template (every field, its default and its basis).
    Init(ScenarioInitArgs),
}

#[derive(clap::Args)]
pub struct ScenarioInitArgs {
    /// Write to this file instead of stdout (refuses to overwrite an existing file).
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Replace an existing file (never an input layer or a file of an output folder).
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every command (and subcommand) says what it is for in `--help`.
    #[test]
    fn every_argument_has_a_help_line() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in cmd.get_arguments() {
                let id = a.get_id().as_str();
                if ["help", "version"].contains(&id) {
                    continue;
                }
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "archiplan", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }
}
