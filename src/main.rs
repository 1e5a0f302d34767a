//! The `archiplan` command line: argument parsing and calls into the library, nothing more.

use archiplan::error::exit;
use archiplan::layers::DataSet;
use archiplan::network::{Network, network_geojson, summarize};
use archiplan::report::{ValidationReport, text};
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
        data: PathBuf,
        #[arg(long)]
        json: bool,
        /// Also write the network (routes and nodes) as GeoJSON to this file.
        #[arg(long, value_name = "FILE")]
        geojson: Option<PathBuf>,
        /// Travel-time cutoff (minutes) of the sparse matrix statistics.
        #[arg(long, default_value_t = 60.0)]
        cutoff: f64,
    },
    /// Plan schools, clinics, elder meals and couriers under the "1+4+N" scheme.
    Plan {
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
    },
    /// Scenario files: `scenario init` writes the commented template.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// Generate a synthetic archipelago data set (same seed, same bytes).
    Generate {
        #[arg(long)]
        islands: usize,
        #[arg(long)]
        settlements: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder (must not exist or be empty).
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Write the commented scenario template (every field, its default and its basis).
    Init {
        /// Write to this file instead of stdout (refuses to overwrite an existing file).
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
    },
}

fn load(data: &Path) -> Result<DataSet> {
    let (ds, warnings) = DataSet::load(data)?;
    let n = warnings.warnings().count();
    if n > 0 {
        eprintln!(
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
        eprintln!("archiplan: cannot write to stdout: {e}");
        std::process::exit(exit::INTERNAL);
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
        } => {
            if cutoff.is_nan() || cutoff <= 0.0 {
                return Err(Error::Usage(
                    "--cutoff must be a positive number of minutes".into(),
                ));
            }
            let ds = load(&data)?;
            let started = std::time::Instant::now();
            let net = Network::build(&ds);
            let summary = summarize(&ds, &net, cutoff);
            eprintln!(
                "built network and {cutoff}-minute matrix in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            if let Some(path) = geojson {
                let fc = network_geojson(&ds, &net);
                archiplan::io::write_atomic(&path, &archiplan::io::geojson_bytes(&fc))?;
                eprintln!("wrote {}", path.display());
            }
            if json {
                print_json(&summary)?;
            } else {
                emit(&text::network(&summary));
            }
            Ok(exit::OK)
        }
        Command::Plan {
            data,
            scenario,
            out,
            json,
            time_limit,
        } => {
            if let Some(t) = time_limit
                && !(t.is_finite() && t > 0.0)
            {
                return Err(Error::Usage(
                    "--time-limit must be a positive number of seconds".into(),
                ));
            }
            let scenario = match &scenario {
                Some(path) => archiplan::scenario::Scenario::load(path)?,
                None => archiplan::scenario::Scenario::default(),
            };
            let ds = load(&data)?;
            let ctx = archiplan::plan::Context::new(&ds, &scenario)?;
            let plan = archiplan::plan::plan_in(
                &ctx,
                archiplan::plan::PlanOptions {
                    time_limit,
                    ..Default::default()
                },
            )?;
            let summary = archiplan::report::plan_out::summarize(&ctx, &plan);
            archiplan::report::plan_out::write_plan(&ctx, &plan, &summary, &out)?;
            eprintln!("planned in {:.2} s; wrote {}", plan.seconds, out.display());
            if json {
                print_json(&summary)?;
            } else {
                emit(&text::plan(&summary));
            }
            Ok(exit::OK)
        }
        Command::Scenario(ScenarioCommand::Init { out }) => {
            match out {
                None => emit(archiplan::scenario::TEMPLATE),
                Some(path) => {
                    if path.exists() {
                        return Err(Error::Usage(format!(
                            "{} already exists; choose another name or remove it",
                            path.display()
                        )));
                    }
                    archiplan::io::write_atomic(&path, archiplan::scenario::TEMPLATE.as_bytes())?;
                    eprintln!("wrote {}", path.display());
                }
            }
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
            eprintln!(
                "wrote {} ({islands} islands, {settlements} settlements, seed {seed})",
                out.display()
            );
            Ok(exit::OK)
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("archiplan: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
