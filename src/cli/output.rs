//! What the command line shows: results on stdout (text or JSON), progress and log lines on
//! stderr, and the small steps every command shares (loading a data set, a default scenario).

use archiplan::error::exit;
use archiplan::layers::DataSet;
use archiplan::{Error, Result};
use std::path::Path;

/// The library's log records on stderr, one line each (broken stderr ignored).
pub struct StderrLog;

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
pub fn init_log(verbose: u8) {
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

pub fn load(data: &Path) -> Result<DataSet> {
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
pub fn emit(text: &str) {
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
pub fn respond<T: serde::Serialize>(
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
pub fn plan_progress(
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

/// The scenario for `data`: `--scenario`, else the data folder's own `scenario.toml` (said
/// on stderr), else the built-in template.
pub fn scenario_for(data: &Path, given: Option<&Path>) -> Result<archiplan::scenario::Scenario> {
    use archiplan::scenario::ScenarioSource;
    let source = ScenarioSource::resolve(data, given);
    if let ScenarioSource::Folder(p) = &source {
        archiplan::note!("scenario: {} (the data folder's own)", p.display());
    }
    source.load()
}

pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let s = serde_json::to_string_pretty(value).map_err(|e| Error::Internal(e.to_string()))?;
    emit(&s);
    emit("\n");
    Ok(())
}

/// A bar on a terminal's stderr while a sweep runs; where stderr is a log (a batch job's
/// output file), one line per finished scenario instead: shard, scenario, status, seconds.
pub fn sweep_progress(
    quiet: bool,
    shard: Option<archiplan::sweep::Shard>,
) -> (
    indicatif::ProgressBar,
    Option<archiplan::sweep::SweepProgress>,
) {
    use archiplan::sweep::SweepEvent;
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    if quiet && terminal {
        return (indicatif::ProgressBar::hidden(), None);
    }
    let bar = if terminal {
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} scenarios {pos}/{len} [{bar:30}] elapsed {elapsed_precise}, ETA {eta_precise}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let shard = shard.map_or("all".to_string(), |s| format!("{}/{}", s.index, s.count));
    let shown = bar.clone();
    let progress = move |e: SweepEvent| match e {
        SweepEvent::Todo(n) => shown.set_length(n as u64),
        SweepEvent::Finished {
            id,
            status,
            seconds,
        } => {
            shown.inc(1);
            if !terminal {
                archiplan::note!("shard {shard} scenario {id} {status} {seconds:.2} s");
            }
        }
    };
    (bar, Some(std::sync::Arc::new(progress)))
}
