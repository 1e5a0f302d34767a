//! One function per command: check the arguments, call the library, show the result. The
//! work itself (loading, planning, writing, auditing) is the library's.

use super::args::*;
use super::output::{emit, load, plan_progress, print_json, respond, scenario_for, sweep_progress};
use archiplan::error::exit;
use archiplan::layers::DataSet;
use archiplan::network::{Network, network_geojson, summarize};
use archiplan::orlib;
use archiplan::plan::PlanOptions;
use archiplan::planner::Planner;
use archiplan::report::{ValidationReport, text};
use archiplan::synth::{SynthParams, generate};
use archiplan::{Error, Result};
use std::path::Path;

/// `--time-limit` checked once, with the flag's name in the message.
fn time_limit(run: &RunArgs) -> Result<Option<f64>> {
    run.time_limit
        .map(|t| archiplan::limits::time_limit("--time-limit", t))
        .transpose()
}

/// `--threads` checked once, with the flag's name in the message.
fn threads(run: &RunArgs) -> Result<Option<usize>> {
    run.threads
        .map(|n| archiplan::limits::threads("--threads", n))
        .transpose()
}

/// Plan options from the shared planning arguments.
fn plan_options(run: &RunArgs) -> Result<PlanOptions> {
    Ok(PlanOptions {
        time_limit: time_limit(run)?,
        solver: run.solver.backend()?,
        ..Default::default()
    })
}

pub fn validate(a: ValidateArgs) -> Result<i32> {
    let v = DataSet::validate(&a.data);
    let report = ValidationReport::new(&a.data.display().to_string(), &v);
    if a.json {
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

pub fn network(a: NetworkArgs) -> Result<i32> {
    archiplan::limits::minutes("--cutoff", a.cutoff)?;
    if let Some(path) = &a.geojson {
        archiplan::io::file_target(path, &[&a.data], a.force)?;
    }
    let ds = load(&a.data)?;
    let started = std::time::Instant::now();
    let net = Network::try_build(&ds)?;
    let mut summary = summarize(&ds, &net, a.cutoff);
    let clock_of = |flag: &str, s: &str| {
        archiplan::layers::timetable::parse_clock(s)
            .map_err(|e| Error::Usage(format!("{flag}: {e}")))
    };
    use archiplan::network::ClockQuery;
    let query = match (&a.depart, &a.arrive_by) {
        (Some(d), _) => Some(match d.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (clock_of("--depart", a)?, clock_of("--depart", b)?);
                if b < a {
                    return Err(Error::Usage(format!(
                        "--depart {d}: the window ends before it starts"
                    )));
                }
                ClockQuery::Window(a, b)
            }
            None => ClockQuery::Depart(clock_of("--depart", d)?),
        }),
        (None, Some(b)) => Some(ClockQuery::ArriveBy(clock_of("--arrive-by", b)?)),
        (None, None) => None,
    };
    if let Some(q) = query {
        archiplan::network::add_clock_trips(&ds, &net, &mut summary, q);
    }
    if let Some(onsite) = a.day_trip {
        archiplan::limits::minutes("--day-trip", onsite)?;
        let clock = |s: &str| clock_of("--working-day", s);
        let (from, to) = a.working_day.split_once('-').ok_or_else(|| {
            Error::Usage(format!(
                "--working-day: `{}` is not HH:MM-HH:MM",
                a.working_day
            ))
        })?;
        let day = (clock(from)?, clock(to)?);
        if day.1 <= day.0 {
            return Err(Error::Usage(format!(
                "--working-day: `{}` ends before it starts",
                a.working_day
            )));
        }
        archiplan::network::add_day_trips(&ds, &net, &mut summary, day, onsite);
    }
    archiplan::note!(
        "built network and {}-minute matrix in {:.2} s",
        a.cutoff,
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = a.geojson {
        let fc = network_geojson(&ds, &net);
        archiplan::io::write_atomic(&path, &archiplan::io::geojson_marked_bytes(&fc))?;
        archiplan::note!("wrote {}", path.display());
    }
    respond(a.json, &summary, text::network)
}

pub fn plan(a: PlanArgs) -> Result<i32> {
    if a.scenario.len() > 1 {
        return plan_phases(a);
    }
    let mut options = plan_options(&a.run)?;
    archiplan::limits::in_pool(threads(&a.run)?, || {
        let mut inputs: Vec<&Path> = vec![&a.data];
        inputs.extend(a.scenario.iter().map(std::path::PathBuf::as_path));
        archiplan::io::refuse_dir_over_inputs(&a.out, &inputs)?;
        let scenario = scenario_for(&a.data, a.scenario.first().map(std::path::PathBuf::as_path))?;
        let ds = load(&a.data)?;
        let planner = Planner::new(&ds, &scenario)?;
        for w in planner.warnings() {
            archiplan::note!("warning: {w}");
        }
        let (bar, on_service_done) =
            plan_progress(scenario.services.len(), options.time_limit, a.run.quiet);
        options.on_service_done = on_service_done;
        let output = planner.plan(options.clone());
        bar.finish_and_clear();
        let output = output?;
        if a.check {
            output.write_checked(&a.out)?;
            archiplan::note!("audit: the plan agrees with an independent re-derivation");
        } else {
            output.write(&a.out)?;
        }
        archiplan::note!(
            "planned in {:.2} s ({}); wrote {}",
            output.plan.seconds,
            output.plan.solver,
            a.out.display()
        );
        respond(a.run.json, &output.summary, text::plan)
    })
}

/// `plan DATA --scenario A --scenario B ...`: consecutive years, see [`archiplan::phase`].
fn plan_phases(a: PlanArgs) -> Result<i32> {
    let mut options = plan_options(&a.run)?;
    archiplan::limits::in_pool(threads(&a.run)?, || {
        let mut inputs: Vec<&Path> = vec![&a.data];
        inputs.extend(a.scenario.iter().map(std::path::PathBuf::as_path));
        archiplan::io::refuse_dir_over_inputs(&a.out, &inputs)?;
        let names = archiplan::phase::names(&a.scenario)?;
        let mut phases = Vec::with_capacity(names.len());
        for (name, path) in names.into_iter().zip(&a.scenario) {
            phases.push(archiplan::phase::Phase {
                name,
                path: path.display().to_string(),
                scenario: archiplan::scenario::Scenario::load(path)?,
            });
        }
        let ds = load(&a.data)?;
        let services = phases.iter().map(|p| p.scenario.services.len()).sum();
        let (bar, on_service_done) = plan_progress(services, options.time_limit, a.run.quiet);
        options.on_service_done = on_service_done;
        let manifest = archiplan::phase::run(&ds, &phases, &options, &a.out, a.check);
        bar.finish_and_clear();
        let manifest = manifest?;
        if a.check {
            archiplan::note!("audit: every year's plan agrees with an independent re-derivation");
        }
        archiplan::note!("wrote {}", a.out.display());
        respond(a.run.json, &manifest, archiplan::phase::text)
    })
}

pub fn check(a: CheckArgs) -> Result<i32> {
    let prove = if a.prove {
        let time_limit = match a.time_limit {
            Some(t) => archiplan::limits::time_limit("--time-limit", t)?,
            None => archiplan::audit::PROVE_TIME_LIMIT,
        };
        Some(archiplan::audit::ProveOptions { time_limit })
    } else {
        None
    };
    let report =
        archiplan::check::check_dir_proving(&a.data, &a.out, a.scenario.as_deref(), prove)?;
    if a.json {
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

pub fn scenario(c: ScenarioCommand) -> Result<i32> {
    let ScenarioCommand::Init(a) = c;
    match a.out {
        None => emit(archiplan::scenario::TEMPLATE),
        Some(path) => {
            // A template is edited into someone's scenario: never replaced unasked.
            if !a.force && std::fs::symlink_metadata(&path).is_ok() {
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

pub fn sweep(a: SweepArgs) -> Result<i32> {
    let (bar, progress) = sweep_progress(a.run.quiet, a.shard);
    let opts = archiplan::sweep::SweepOptions {
        threads: threads(&a.run)?,
        shard: a.shard,
        resume: a.resume,
        check: a.check,
        time_limit: time_limit(&a.run)?,
        solver: a.run.solver.backend()?,
        progress,
    };
    let started = std::time::Instant::now();
    let report =
        archiplan::sweep::Sweep::from_file(&a.data, &a.sweep).and_then(|s| s.run(&a.out, &opts));
    bar.finish_and_clear();
    let report = report?;
    archiplan::note!(
        "{} scenario(s) in the sweep, {} in this shard: {} solved, {} already done; {:.1} s; wrote {}",
        report.scenarios,
        report.in_shard,
        report.solved,
        report.skipped,
        started.elapsed().as_secs_f64(),
        a.out.display()
    );
    let rows = archiplan::sweep::read_results(&a.out)?;
    respond(a.run.json, &rows, |v| text::sweep(v))
}

pub fn merge(a: MergeArgs) -> Result<i32> {
    let into = a.out.unwrap_or_else(|| a.dirs[0].clone());
    let rows = archiplan::sweep::merge(&a.dirs, &into)?;
    archiplan::note!("merged {} folder(s) into {}", a.dirs.len(), into.display());
    respond(a.json, &rows, |v| text::sweep(v))
}

pub fn compare(a: CompareArgs) -> Result<i32> {
    let c = archiplan::report::compare::compare(&a.a, &a.b)?;
    respond(a.json, &c, text::comparison)
}

pub fn resilience(a: ResilienceArgs) -> Result<i32> {
    let mut options = plan_options(&a.run)?;
    archiplan::limits::in_pool(threads(&a.run)?, || {
        let mut inputs: Vec<&Path> = vec![&a.data];
        inputs.extend(a.scenario.as_deref());
        if let Some(dir) = &a.out {
            archiplan::io::refuse_dir_over_inputs(dir, &inputs)?;
        }
        let scenario = scenario_for(&a.data, a.scenario.as_deref())?;
        let ds = load(&a.data)?;
        let planner = Planner::new(&ds, &scenario)?;
        let (bar, on_service_done) =
            plan_progress(scenario.services.len(), options.time_limit, a.run.quiet);
        options.on_service_done = on_service_done;
        let output = planner.plan(options.clone());
        bar.finish_and_clear();
        let plan = output?.plan;
        if a.weather {
            let report = planner.weather(&plan);
            if let Some(dir) = a.out {
                archiplan::report::resilience::write_weather(&dir, &report)?;
                archiplan::note!("wrote {}", dir.display());
            }
            return respond(a.run.json, &report, text::weather);
        }
        let outages = planner.resilience(&plan);
        if let Some(dir) = a.out {
            archiplan::report::resilience::write(&dir, &outages)?;
            archiplan::note!("wrote {}", dir.display());
        }
        respond(a.run.json, &outages, |v| text::resilience(v))
    })
}

pub fn render(a: RenderArgs) -> Result<i32> {
    archiplan::io::file_target(&a.picture, &[&a.out], a.force)?;
    use archiplan::report::{map::MapOptions, render::Size};
    let opts = MapOptions {
        service: a.service.clone(),
        label_field: a.label_field.clone(),
        village_labels: a.village_labels,
    };
    let size = match (a.width, a.dpi) {
        (Some(w), _) => Size::Width(w),
        (None, Some(d)) => Size::Dpi(d),
        (None, None) => Size::AsDrawn,
    };
    let info = archiplan::report::render::render(&a.out, &a.picture, &opts, size)?;
    archiplan::note!(
        "drew the {} ({}x{} px) into {}",
        info.kind,
        info.width,
        info.height,
        a.picture.display()
    );
    Ok(exit::OK)
}

pub fn report(a: ReportArgs) -> Result<i32> {
    archiplan::io::file_target(&a.html, &[&a.out], a.force)?;
    let page = archiplan::report::html::report(&a.out, a.service.as_deref())?;
    archiplan::io::write_atomic(&a.html, page.html.as_bytes())?;
    archiplan::note!("wrote {} ({} KB)", a.html.display(), page.html.len() / 1024);
    Ok(exit::OK)
}

pub fn generate_data(a: GenerateArgs) -> Result<i32> {
    let (islands, settlements, seed) = (a.islands, a.settlements, a.seed);
    if islands == 0 || settlements == 0 {
        return Err(Error::Usage(
            "--islands and --settlements must both be at least 1".into(),
        ));
    }
    let layers = generate(SynthParams {
        islands,
        settlements,
        seed,
    })?;
    layers.write(&a.out)?;
    archiplan::note!(
        "wrote {} ({islands} islands, {settlements} settlements, seed {seed})",
        a.out.display()
    );
    Ok(exit::OK)
}

pub fn import(c: ImportCommand) -> Result<i32> {
    let ImportCommand::Gtfs(a) = c;
    archiplan::io::refuse_dir_over_inputs(&a.out, &[&a.data, &a.feed])?;
    let ds = load(&a.data)?;
    let summary = archiplan::import::gtfs::import(&a.feed, &a.data, &ds, &a.out, a.weekday)?;
    archiplan::note!(
        "wrote {}: {} trips, {} departures; timetables on {} route(s), {} route(s) added",
        a.out.display(),
        summary.trips,
        summary.departures,
        summary.routes_timetabled.len(),
        summary.routes_added.len()
    );
    if a.json {
        respond(true, &summary, |_| String::new())?;
    }
    Ok(exit::OK)
}

pub fn solve(a: SolveFileArgs) -> Result<i32> {
    use archiplan::instances::{self, LoadOptions};
    let opts = a.solve.options()?;
    let model = a.solve.model(a.radius)?;
    let load = LoadOptions {
        format: a.format.map(FormatArg::format),
        rounding: a.round.map(RoundArg::rounding),
        max_distance: a.max_distance,
        weights: a.weights.clone(),
    };
    let r = instances::run(&a.file, &load, model, a.p, &opts)?;
    respond(a.json, &r, solved_text)
}

/// A solved instance file for people: the result line, the distances, the open sites.
fn solved_text(r: &archiplan::instances::RunReport) -> String {
    let within = r
        .max_distance
        .map_or(String::new(), |m| format!(", pairs within {m}"));
    format!(
        "{} ({}) {} n={} sites={} p={}: objective {} bound {} gap {:.3e} {} ({}, {:.2} s)\n\
         distances: {}{within} ({} pairs)\nfacilities: {}\n",
        r.instance,
        r.format.name(),
        r.model,
        r.n,
        r.sites,
        r.p,
        r.objective,
        r.bound,
        r.gap,
        r.status,
        r.solver,
        r.seconds,
        r.distance,
        r.pairs,
        r.facility_ids.join(" ")
    )
}

pub fn orlib(a: OrlibArgs) -> Result<i32> {
    let opts = a.solve.options()?;
    let model = a.solve.model(a.radius)?;
    let r = orlib::run(&a.file, model, a.p, &opts)?;
    respond(a.json, &r, solved_text)
}

pub fn bench(c: BenchCommand) -> Result<i32> {
    match c {
        BenchCommand::Plan(a) => bench_plan(a),
        BenchCommand::Orlib(a) => bench_orlib(a),
        BenchCommand::Random(a) => bench_random(a),
    }
}

fn bench_plan(a: BenchPlanArgs) -> Result<i32> {
    let time_limit = a
        .time_limit
        .map(|t| archiplan::limits::time_limit("--time-limit", t))
        .transpose()?;
    let rows = archiplan::bench::plan_sizes(&a.sizes, a.seed, time_limit, &|r| {
        archiplan::note!(
            "{} settlements: {} in {:.1} s, gap {:.2}%, {:.0} MB peak",
            r.settlements,
            r.status,
            r.seconds,
            100.0 * r.gap,
            r.peak_mb
        );
        archiplan::note!(
            "{} settlements: the audit {} in {:.1} s, {:.0} MB peak",
            r.settlements,
            if r.findings == 0 {
                "agrees".to_string()
            } else {
                format!("disagrees ({} findings)", r.findings)
            },
            r.check_seconds,
            r.check_peak_mb
        )
    })?;
    let code = respond(a.json, &rows, |rows| archiplan::bench::table(rows))?;
    // A plan the audit rejects is the planner's fault: the table is printed, the run fails.
    let rejected: Vec<String> = rows
        .iter()
        .filter(|r| r.findings > 0)
        .map(|r| r.settlements.to_string())
        .collect();
    if rejected.is_empty() {
        Ok(code)
    } else {
        Err(archiplan::Error::Internal(format!(
            "the audit disagrees with the plan of {} settlements (seed {}): `generate` that \
             size and run `plan --check` to see where",
            rejected.join(", "),
            a.seed
        )))
    }
}

fn bench_orlib(a: BenchOrlibArgs) -> Result<i32> {
    let opts = a.solve.options()?;
    let model = a.solve.model(a.radius)?;
    let rows = orlib::bench(&a.dir, model, &opts, |r| {
        archiplan::note!(
            "{}: {} {} gap {:.2e} {:.2} s",
            r.instance,
            r.objective,
            r.status,
            r.gap,
            r.seconds
        )
    })?;
    respond(a.json, &rows, |rows| orlib::table(rows))
}

fn bench_random(a: BenchRandomArgs) -> Result<i32> {
    use archiplan::model::{Lscp, Mclp, Model, PCenter, PMedian, Problem};
    let opts = a.solve.options()?;
    let (demand, sites, p, radius, seed) = (a.demand, a.sites, a.p, a.radius, a.solve.seed);
    let need_radius =
        || radius.ok_or_else(|| Error::Usage(format!("--model {} needs --radius", a.solve.model)));
    let (model, cutoff) = match a.solve.model {
        ModelArg::PMedian => (Model::PMedian(PMedian::new(p)), None),
        ModelArg::PCenter => (Model::PCenter(PCenter::new(p)), None),
        ModelArg::Mclp => (Model::Mclp(Mclp::with_p(need_radius()?, p)), radius),
        ModelArg::Lscp => (Model::Lscp(Lscp::new(need_radius()?)), radius),
    };
    let t0 = std::time::Instant::now();
    let inst = archiplan::synth::random_points(demand, sites, cutoff, seed)?;
    let (nnz, mb) = (inst.times.nnz(), inst.times.bytes() as f64 / 1e6);
    let built = t0.elapsed().as_secs_f64();
    let sol = archiplan::solve::solve(&Problem::new(inst, model), &opts)?;
    let row = serde_json::json!({
        "model": sol.model, "demand": demand, "sites": sites, "p": p,
        "radius": radius, "seed": seed, "pairs": nnz, "matrix_mb": mb,
        "build_seconds": built, "objective": sol.objective, "bound": sol.bound,
        "gap": sol.gap, "status": sol.status.as_str(), "solver": sol.solver,
        "seconds": sol.seconds, "open": sol.open.len(),
    });
    respond(a.json, &row, |_| {
        format!(
            "{} demand={demand} sites={sites} p={p} pairs={nnz} ({mb:.1} MB, built in {built:.2} s): objective {} bound {} gap {:.3e} {} ({}, {:.2} s)\n",
            sol.model,
            sol.objective,
            sol.bound,
            sol.gap,
            sol.status.as_str(),
            sol.solver,
            sol.seconds
        )
    })
}
