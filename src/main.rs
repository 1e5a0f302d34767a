//! The `archiplan` command line: argument parsing and calls into the library, nothing more.

use archiplan::error::exit;
use archiplan::layers::DataSet;
use archiplan::network::{Network, network_geojson, summarize};
use archiplan::orlib::{self, OrlibModel};
use archiplan::report::{ValidationReport, text};
use archiplan::solve::{Backend, SolveOptions};
use archiplan::synth::{SynthParams, generate};
use archiplan::{Error, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "archiplan",
    version,
    about = "Plan where an archipelago puts its public services: schools, clinics, elder meals, couriers.",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More detail on stderr: -v the solver's progress per component and priced round (also
    /// RUST_LOG=debug, or the older ARCHIPLAN_DEBUG=1), -vv everything.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

/// The library's log records on stderr, one line each (broken stderr ignored).
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            archiplan::note!("{}", r.args());
        }
    }

    fn flush(&self) {}
}

/// Log level from `-v` (count), else `RUST_LOG` (error, warn, info, debug, trace), else
/// `ARCHIPLAN_DEBUG` (debug); warnings by default.
fn init_log(verbose: u8) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<log::LevelFilter>().ok())
        .or_else(|| std::env::var_os("ARCHIPLAN_DEBUG").map(|_| log::LevelFilter::Debug));
    let level = match verbose {
        0 => from_env.unwrap_or(log::LevelFilter::Warn),
        1 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    };
    if log::set_logger(&StderrLog).is_ok() {
        log::set_max_level(level);
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check a data-set folder and list every problem (exit 0 valid, 2 invalid).
    Validate {
        /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
        data: PathBuf,
        /// Print one JSON object on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Build the ferry-route network and report reachability and travel times to the hub.
    Network {
        /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
        data: PathBuf,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Also write the network (routes and nodes) as GeoJSON to this file.
        #[arg(long, value_name = "FILE")]
        geojson: Option<PathBuf>,
        /// Travel-time cutoff (minutes) of the sparse matrix statistics.
        #[arg(long, default_value_t = 60.0)]
        cutoff: f64,
        /// Replace an existing file that archiplan did not write (never an input, a layer, or
        /// a file inside a plan or sweep folder).
        #[arg(long)]
        force: bool,
    },
    /// Plan schools, clinics, elder meals and couriers under the "1+4+N" scheme.
    Plan {
        /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
        data: PathBuf,
        /// Scenario file (TOML); default: the built-in template (`archiplan scenario init`).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Output folder: facilities/settlements/assignments/islands GeoJSON, summary JSON/CSV.
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// Print the summary object as JSON on stdout.
        #[arg(long)]
        json: bool,
        /// Seconds each service's solve may take; the incumbent and its gap are reported.
        #[arg(long)]
        time_limit: Option<f64>,
        /// Worker threads (default: all cores). The plan does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// No progress display on stderr (it shows only on a terminal anyway).
        #[arg(long)]
        quiet: bool,
        /// Audit the plan (as `archiplan check` does) before it is moved into place; a
        /// disagreement writes nothing and exits 1.
        #[arg(long)]
        check: bool,
    },
    /// Audit a plan folder (or a sweep, or one sweep scenario) independently: every minute,
    /// site, load, cost and target re-derived from the data; exit 0 when all agree, 2 if not.
    Check {
        /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
        data: PathBuf,
        /// Plan folder, sweep output folder, or sweep scenario folder.
        out: PathBuf,
        /// Scenario the plan was made with (a sweep's: its base scenario); default: the
        /// sweep file's, or the built-in template.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Also re-derive every service's optimum with the audit's own MILP and test the
        /// plan's objective, bound and status against it (`proofs` in --json).
        #[arg(long)]
        prove: bool,
        /// Seconds each service's re-solve may take under --prove (default 600); a re-solve
        /// cut short is reported as unfinished, neither a pass nor a failure.
        #[arg(long, value_name = "S", requires = "prove")]
        time_limit: Option<f64>,
    },
    /// Scenario files: `scenario init` writes the commented template.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Plan many scenarios (relocations, timetables, targets...) in parallel; one row each.
    Sweep {
        /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
        data: PathBuf,
        /// Sweep file (TOML): named runs and/or a grid of parameters.
        #[arg(long)]
        sweep: PathBuf,
        /// Output folder: scenarios/<id>/, results.csv, results.json.
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only shard I of N (1-based), e.g. `--shard 2/4`; join shards with `merge`.
        #[arg(long, value_name = "I/N")]
        shard: Option<archiplan::sweep::Shard>,
        /// Continue an interrupted sweep: solve only the scenarios not finished yet.
        #[arg(long)]
        resume: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Audit every scenario's plan (as `archiplan check` does) before its folder is
        /// moved into place; a disagreement stops the sweep with exit 1.
        #[arg(long)]
        check: bool,
        /// Print the results rows as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Join the output folders of sweep shards (into the first, or into --out).
    Merge {
        /// Sweep output folders of the shards to join (each made with `--shard I/N`).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Folder of the merged sweep (default: the first folder, replaced whole).
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare two plans (plan folders or sweep scenario folders): sites, coverage, cost.
    Compare {
        /// First plan folder (or sweep scenario folder).
        a: PathBuf,
        /// Second plan folder (or sweep scenario folder).
        b: PathBuf,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Cancel each ferry route in turn and report who loses cover within each standard.
    Resilience {
        /// Data-set folder (islands.geojson, settlements.geojson, ferries.geojson, ...).
        data: PathBuf,
        /// Scenario file (TOML); default: the built-in template (`archiplan scenario init`).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Also write resilience.csv and resilience.json into this folder.
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Seconds each service's solve of the plan under test may take.
        #[arg(long)]
        time_limit: Option<f64>,
        /// Worker threads (default: all cores). The result does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Draw a plan as a map, or a sweep as its Pareto chart (SVG or PNG by the file name).
    Render {
        /// A plan output folder, a sweep scenario folder, or a sweep output folder.
        out: PathBuf,
        /// The picture to write: a file name ending in .svg or .png.
        #[arg(short = 'o', long = "out")]
        picture: PathBuf,
        /// Service whose travel times colour the settlements (default: the plan's first).
        #[arg(long)]
        service: Option<String>,
        /// Replace an existing file that archiplan did not write (never an input, a layer, or
        /// a file inside a plan or sweep folder).
        #[arg(long)]
        force: bool,
    },
    /// Write one self-contained HTML report (works offline) of a plan or a sweep.
    Report {
        /// A plan output folder, a sweep scenario folder, or a sweep output folder.
        out: PathBuf,
        /// The HTML file to write.
        #[arg(short = 'o', long = "out")]
        html: PathBuf,
        /// Service whose travel times colour the map (default: the plan's first).
        #[arg(long)]
        service: Option<String>,
        /// Replace an existing file that archiplan did not write (never an input, a layer, or
        /// a file inside a plan or sweep folder).
        #[arg(long)]
        force: bool,
    },
    /// Generate a synthetic archipelago data set (same seed, same bytes).
    Generate {
        /// Number of islands.
        #[arg(long)]
        islands: usize,
        /// Number of settlements (villages), spread over the islands.
        #[arg(long)]
        settlements: usize,
        /// Random seed (same seed, same result).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (must not exist or be empty).
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
    },
    /// Solve an OR-Library p-median instance (n, edges, p, then `i j cost` lines).
    Orlib {
        /// OR-Library instance file (`n edges p`, then `i j cost` lines).
        file: PathBuf,
        #[command(flatten)]
        solve: SolveArgs,
        /// Override the file's p.
        #[arg(long)]
        p: Option<usize>,
        /// Coverage radius for `--model mclp` (inclusive: d <= R covers).
        #[arg(long)]
        radius: Option<f64>,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run benchmarks and print a table.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Print a shell completion script (e.g. `archiplan completions bash > ~/.local/share/bash-completion/completions/archiplan`).
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (`archiplan man > archiplan.1; man ./archiplan.1`).
    Man,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Solve every OR-Library file of a folder (known optima from pmedopt.txt beside them).
    Orlib {
        /// Folder of OR-Library instance files (`pmedopt.txt` with the known optima beside them).
        dir: PathBuf,
        #[command(flatten)]
        solve: SolveArgs,
        /// Coverage radius for `--model mclp` (inclusive: d <= R covers).
        #[arg(long)]
        radius: Option<f64>,
        /// Print JSON rows instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Solve one random planar instance (uniform points, Euclidean times, weights 1..=100).
    Random {
        /// Number of demand points.
        #[arg(long, default_value_t = 2000)]
        demand: usize,
        /// Number of candidate sites.
        #[arg(long, default_value_t = 2000)]
        sites: usize,
        /// Number of facilities to open.
        #[arg(long, default_value_t = 20)]
        p: usize,
        /// Coverage radius (mclp, lscp); also the matrix cutoff for them.
        #[arg(long)]
        radius: Option<f64>,
        #[command(flatten)]
        solve: SolveArgs,
        /// Print the result as JSON on stdout instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// A facility-location model by its command-line name.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ModelArg {
    #[value(name = "p-median")]
    PMedian,
    #[value(name = "p-center")]
    PCenter,
    Mclp,
    /// bench random only
    Lscp,
}

/// A solver backend by its command-line name.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SolverArg {
    /// the purpose-built fast path where the model has one, else microlp
    Auto,
    Microlp,
    /// only when built with --features highs
    Highs,
}

impl std::fmt::Display for ModelArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum;
        let v = self.to_possible_value().ok_or(std::fmt::Error)?;
        f.write_str(v.get_name())
    }
}

#[derive(clap::Args)]
struct SolveArgs {
    /// The model (orlib: p-median, p-center or mclp; bench random also lscp).
    #[arg(long, value_enum, default_value_t = ModelArg::PMedian)]
    model: ModelArg,
    /// Wall-clock limit in seconds; on expiry the best plan is reported with its gap.
    #[arg(long, value_name = "S")]
    time_limit: Option<f64>,
    /// The solver backend.
    #[arg(long, value_enum, default_value_t = SolverArg::Auto)]
    solver: SolverArg,
    /// Random seed (same seed, same result).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl SolveArgs {
    fn options(&self) -> Result<SolveOptions> {
        Ok(SolveOptions {
            backend: Backend::parse(match self.solver {
                SolverArg::Auto => "auto",
                SolverArg::Microlp => "microlp",
                SolverArg::Highs => "highs",
            })?,
            time_limit: self
                .time_limit
                .map(|t| archiplan::limits::time_limit("--time-limit", t))
                .transpose()?,
            seed: self.seed,
            root_iterations: None,
        })
    }

    fn model(&self, radius: Option<f64>) -> Result<OrlibModel> {
        match self.model {
            ModelArg::PMedian => Ok(OrlibModel::PMedian),
            ModelArg::PCenter => Ok(OrlibModel::PCenter),
            ModelArg::Mclp => {
                let radius = radius.ok_or_else(|| {
                    Error::Usage("--model mclp needs --radius R (covering distance)".into())
                })?;
                Ok(OrlibModel::Mclp { radius })
            }
            ModelArg::Lscp => Err(Error::Usage(
                "orlib runs p-median, p-center or mclp (lscp: bench random)".into(),
            )),
        }
    }
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Write the commented scenario template (every field, its default and its basis).
    Init {
        /// Write to this file instead of stdout (refuses to overwrite an existing file).
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
        /// Replace an existing file (never an input layer or a file of an output folder).
        #[arg(long)]
        force: bool,
    },
}

fn load(data: &Path) -> Result<DataSet> {
    let (ds, warnings) = DataSet::load(data)?;
    let n = warnings.warnings().count();
    if n > 0 {
        archiplan::note!(
            "{}: {n} warning(s); run `archiplan validate {}` to list them",
            data.display(),
            data.display()
        );
    }
    Ok(ds)
}

/// Writes the command's result to stdout; a closed pipe (`| head`) ends quietly.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(exit::OK);
        }
        archiplan::note!("archiplan: cannot write to stdout: {e}");
        std::process::exit(exit::INTERNAL);
    }
}

/// Prints a command's result: JSON when asked, else its text form; exit 0.
fn respond<T: serde::Serialize>(
    json: bool,
    value: &T,
    text: impl FnOnce(&T) -> String,
) -> Result<i32> {
    if json {
        print_json(value)?;
    } else {
        emit(&text(value));
    }
    Ok(exit::OK)
}

/// A spinner on a terminal's stderr while the services are planned, reporting each one as it
/// is ready: large archipelagos can take minutes, and silence looks like a hang.
fn plan_progress(
    services: usize,
    time_limit: Option<f64>,
    quiet: bool,
) -> (indicatif::ProgressBar, Option<archiplan::plan::ServiceDone>) {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return (indicatif::ProgressBar::hidden(), None);
    }
    let bar = indicatif::ProgressBar::new(services as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} planning: {pos}/{len} services ready, {elapsed} {msg}",
    ) {
        bar.set_style(style);
    }
    if time_limit.is_none() {
        bar.set_message("(no --time-limit: solving to proven optima)");
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let shown = bar.clone();
    let done = move |p: &archiplan::plan::ServicePlan| {
        shown.println(format!(
            "  {} planned: {}, gap {:.2}%, {:.1} s ({})",
            p.service,
            p.status.as_str(),
            100.0 * archiplan::model::relative_gap(p.objective, p.bound),
            p.seconds,
            p.method
        ));
        shown.inc(1);
    };
    (bar, Some(std::sync::Arc::new(done)))
}

/// The scenario file given, or the built-in template.
fn scenario_or_default(path: Option<&Path>) -> Result<archiplan::scenario::Scenario> {
    match path {
        Some(p) => archiplan::scenario::Scenario::load(p),
        None => Ok(archiplan::scenario::Scenario::default()),
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let s = serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    emit(&s);
    emit("\n");
    Ok(())
}

fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "archiplan", &mut out);
            emit(&String::from_utf8_lossy(&out));
            Ok(exit::OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::Internal(format!("man page: {e}")))?;
            emit(&String::from_utf8_lossy(&out));
            Ok(exit::OK)
        }
        Command::Validate { data, json } => {
            let v = DataSet::validate(&data);
            let report = ValidationReport::new(&data.display().to_string(), &v);
            if json {
                print_json(&report)?;
            } else {
                emit(&text::validation(&report));
            }
            Ok(if report.ok {
                exit::OK
            } else {
                exit::INVALID_INPUT
            })
        }
        Command::Network {
            data,
            json,
            geojson,
            cutoff,
            force,
        } => {
            archiplan::limits::minutes("--cutoff", cutoff)?;
            if let Some(path) = &geojson {
                archiplan::io::file_target(path, &[&data], force)?;
            }
            let ds = load(&data)?;
            let started = std::time::Instant::now();
            let net = Network::try_build(&ds)?;
            let summary = summarize(&ds, &net, cutoff);
            archiplan::note!(
                "built network and {cutoff}-minute matrix in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            if let Some(path) = geojson {
                let fc = network_geojson(&ds, &net);
                archiplan::io::write_atomic(&path, &archiplan::io::geojson_marked_bytes(&fc))?;
                archiplan::note!("wrote {}", path.display());
            }
            respond(json, &summary, text::network)
        }
        Command::Plan {
            data,
            scenario,
            out,
            json,
            time_limit,
            threads,
            quiet,
            check,
        } => archiplan::limits::in_pool(threads, || {
            if let Some(t) = time_limit {
                archiplan::limits::time_limit("--time-limit", t)?;
            }
            let mut inputs: Vec<&Path> = vec![&data];
            inputs.extend(scenario.as_deref());
            archiplan::io::refuse_dir_over_inputs(&out, &inputs)?;
            let scenario = scenario_or_default(scenario.as_deref())?;
            let ds = load(&data)?;
            let ctx = archiplan::plan::Context::new(&ds, &scenario)?;
            for w in &ctx.warnings {
                archiplan::note!("warning: {w}");
            }
            let (bar, on_service_done) = plan_progress(scenario.services.len(), time_limit, quiet);
            let plan = archiplan::plan::plan_in(
                &ctx,
                archiplan::plan::PlanOptions {
                    time_limit,
                    on_service_done,
                    ..Default::default()
                },
            );
            bar.finish_and_clear();
            let plan = plan?;
            let summary = archiplan::report::plan_out::summarize(&ctx, &plan);
            let verify = |dir: &Path| {
                if check {
                    archiplan::audit::verify(&ds, &scenario, dir)
                } else {
                    Ok(())
                }
            };
            archiplan::report::plan_out::write_plan_verified(&ctx, &plan, &summary, &out, &verify)?;
            if check {
                archiplan::note!("audit: the plan agrees with an independent re-derivation");
            }
            archiplan::note!("planned in {:.2} s; wrote {}", plan.seconds, out.display());
            respond(json, &summary, text::plan)
        }),
        Command::Check {
            data,
            out,
            scenario,
            json,
            prove,
            time_limit,
        } => {
            let prove = if prove {
                let time_limit = match time_limit {
                    Some(t) => archiplan::limits::time_limit("--time-limit", t)?,
                    None => archiplan::audit::PROVE_TIME_LIMIT,
                };
                Some(archiplan::audit::ProveOptions { time_limit })
            } else {
                None
            };
            let report =
                archiplan::check::check_dir_proving(&data, &out, scenario.as_deref(), prove)?;
            if json {
                print_json(&report)?;
            } else {
                emit(&report.text());
            }
            Ok(if report.ok() {
                exit::OK
            } else {
                exit::INVALID_INPUT
            })
        }
        Command::Scenario(ScenarioCommand::Init { out, force }) => {
            match out {
                None => emit(archiplan::scenario::TEMPLATE),
                Some(path) => {
                    // A template is edited into someone's scenario: never replaced unasked.
                    if !force && std::fs::symlink_metadata(&path).is_ok() {
                        return Err(Error::Usage(format!(
                            "{} already exists; choose another name, or add --force to replace it",
                            path.display()
                        )));
                    }
                    archiplan::io::file_target(&path, &[], true)?;
                    archiplan::io::write_atomic(&path, archiplan::scenario::TEMPLATE.as_bytes())?;
                    archiplan::note!("wrote {}", path.display());
                }
            }
            Ok(exit::OK)
        }
        Command::Sweep {
            data,
            sweep,
            out,
            threads,
            shard,
            resume,
            quiet,
            check,
            json,
        } => {
            let opts = archiplan::sweep::SweepOptions {
                threads,
                shard,
                resume,
                quiet,
                check,
            };
            let started = std::time::Instant::now();
            let report = archiplan::sweep::run_sweep(&data, &sweep, &out, &opts)?;
            archiplan::note!(
                "{} scenario(s) in the sweep, {} in this shard: {} solved, {} already done; {:.1} s; wrote {}",
                report.scenarios,
                report.in_shard,
                report.solved,
                report.skipped,
                started.elapsed().as_secs_f64(),
                out.display()
            );
            let rows = archiplan::sweep::read_results(&out)?;
            respond(json, &rows, |v| text::sweep(v))
        }
        Command::Merge { dirs, out, json } => {
            let into = out.unwrap_or_else(|| dirs[0].clone());
            let rows = archiplan::sweep::merge(&dirs, &into)?;
            archiplan::note!("merged {} folder(s) into {}", dirs.len(), into.display());
            respond(json, &rows, |v| text::sweep(v))
        }
        Command::Compare { a, b, json } => {
            let c = archiplan::report::compare::compare(&a, &b)?;
            respond(json, &c, text::comparison)
        }
        Command::Resilience {
            data,
            scenario: scenario_path,
            out,
            json,
            time_limit,
            threads,
        } => archiplan::limits::in_pool(threads, || {
            if let Some(t) = time_limit {
                archiplan::limits::time_limit("--time-limit", t)?;
            }
            let mut inputs: Vec<&Path> = vec![&data];
            inputs.extend(scenario_path.as_deref());
            if let Some(dir) = &out {
                archiplan::io::refuse_dir_over_inputs(dir, &inputs)?;
            }
            let scenario = scenario_or_default(scenario_path.as_deref())?;
            let ds = load(&data)?;
            let ctx = archiplan::plan::Context::new(&ds, &scenario)?;
            let options = archiplan::plan::PlanOptions {
                time_limit,
                ..Default::default()
            };
            let plan = archiplan::plan::plan_in(&ctx, options)?;
            let outages = archiplan::plan::resilience::outages(&ctx, &plan);
            if let Some(dir) = out {
                archiplan::report::resilience::write(&dir, &outages)?;
                archiplan::note!("wrote {}", dir.display());
            }
            respond(json, &outages, |v| text::resilience(v))
        }),
        Command::Render {
            out,
            picture,
            service,
            force,
        } => {
            archiplan::io::file_target(&picture, &[&out], force)?;
            let info = archiplan::report::render::render(&out, &picture, service.as_deref())?;
            archiplan::note!(
                "drew the {} ({}x{} px) into {}",
                info.kind,
                info.width,
                info.height,
                picture.display()
            );
            Ok(exit::OK)
        }
        Command::Report {
            out,
            html,
            service,
            force,
        } => {
            archiplan::io::file_target(&html, &[&out], force)?;
            let page = archiplan::report::html::report(&out, service.as_deref())?;
            archiplan::io::write_atomic(&html, page.html.as_bytes())?;
            archiplan::note!("wrote {} ({} KB)", html.display(), page.html.len() / 1024);
            Ok(exit::OK)
        }
        Command::Generate {
            islands,
            settlements,
            seed,
            out,
        } => {
            let layers = generate(SynthParams {
                islands,
                settlements,
                seed,
            })?;
            layers.write(&out)?;
            archiplan::note!(
                "wrote {} ({islands} islands, {settlements} settlements, seed {seed})",
                out.display()
            );
            Ok(exit::OK)
        }
        Command::Orlib {
            file,
            solve,
            p,
            radius,
            json,
        } => {
            let opts = solve.options()?;
            let model = solve.model(radius)?;
            let r = orlib::run(&file, model, p, &opts)?;
            if json {
                print_json(&r)?;
            } else {
                emit(&format!(
                    "{} {} n={} p={}: objective {} bound {} gap {:.3e} {} ({}, {:.2} s)\nfacilities: {}\n",
                    r.instance,
                    r.model,
                    r.n,
                    r.p,
                    r.objective,
                    r.bound,
                    r.gap,
                    r.status,
                    r.solver,
                    r.seconds,
                    r.facilities
                        .iter()
                        .map(|f| f.to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            Ok(exit::OK)
        }
        Command::Bench {
            what:
                BenchCommand::Orlib {
                    dir,
                    solve,
                    radius,
                    json,
                },
        } => {
            let opts = solve.options()?;
            let model = solve.model(radius)?;
            let rows = orlib::bench(&dir, model, &opts, |r| {
                archiplan::note!(
                    "{}: {} {} gap {:.2e} {:.2} s",
                    r.instance,
                    r.objective,
                    r.status,
                    r.gap,
                    r.seconds
                )
            })?;
            if json {
                print_json(&rows)?;
            } else {
                emit(&orlib::table(&rows));
            }
            Ok(exit::OK)
        }
        Command::Bench {
            what:
                BenchCommand::Random {
                    demand,
                    sites,
                    p,
                    radius,
                    solve,
                    json,
                },
        } => {
            use archiplan::model::{Lscp, Mclp, Model, PCenter, PMedian, Problem};
            let opts = solve.options()?;
            let need_radius = || {
                radius
                    .ok_or_else(|| Error::Usage(format!("--model {} needs --radius", solve.model)))
            };
            let (model, cutoff) = match solve.model {
                ModelArg::PMedian => (Model::PMedian(PMedian::new(p)), None),
                ModelArg::PCenter => (Model::PCenter(PCenter::new(p)), None),
                ModelArg::Mclp => (Model::Mclp(Mclp::with_p(need_radius()?, p)), radius),
                ModelArg::Lscp => (Model::Lscp(Lscp::new(need_radius()?)), radius),
            };
            let t0 = std::time::Instant::now();
            let inst = archiplan::synth::random_points(demand, sites, cutoff, solve.seed)?;
            let (nnz, mb) = (inst.times.nnz(), inst.times.bytes() as f64 / 1e6);
            let built = t0.elapsed().as_secs_f64();
            let sol = archiplan::solve::solve(&Problem::new(inst, model), &opts)?;
            if json {
                print_json(&serde_json::json!({
                    "model": sol.model, "demand": demand, "sites": sites, "p": p,
                    "radius": radius, "seed": solve.seed, "pairs": nnz, "matrix_mb": mb,
                    "build_seconds": built, "objective": sol.objective, "bound": sol.bound,
                    "gap": sol.gap, "status": sol.status.as_str(), "solver": sol.solver,
                    "seconds": sol.seconds, "open": sol.open.len(),
                }))?;
            } else {
                emit(&format!(
                    "{} demand={demand} sites={sites} p={p} pairs={nnz} ({mb:.1} MB, built in {built:.2} s): objective {} bound {} gap {:.3e} {} ({}, {:.2} s)\n",
                    sol.model,
                    sol.objective,
                    sol.bound,
                    sol.gap,
                    sol.status.as_str(),
                    sol.solver,
                    sol.seconds
                ));
            }
            Ok(exit::OK)
        }
    }
}

fn main() {
    let cli = Cli::parse();
    init_log(cli.verbose);
    let code = match archiplan::limits::env_threads().and_then(|_| run(cli)) {
        Ok(code) => code,
        Err(e) => {
            archiplan::note!("archiplan: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of every command says what it is in `--help`.
    #[test]
    fn every_argument_has_a_help_line() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() {
                    missing.push(format!("{path} {} (no about)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "archiplan", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }
}
