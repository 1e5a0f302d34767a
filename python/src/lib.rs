//! The compiled core of the `archiplan` Python package: thin wrappers over the library's
//! front door ([`archiplan::planner::Planner`]), its sweep, audit and location models.
//!
//! Everything here converts at the edge and nothing more: data and plans stay Rust values,
//! layers and tables cross as the exact bytes the command line writes (GeoJSON, CSV, JSON),
//! and the pure-Python package (`python/archiplan`) turns those into pandas and geopandas
//! objects. Long calls release the GIL.

use archiplan::error::{Error, exit};
use archiplan::layers::{DataSet, Diagnostic};
use archiplan::model::{Instance, Lscp, Mclp, Model, PCenter, PMedian, Problem};
use archiplan::network::TravelTimes;
use archiplan::plan::PlanOptions;
use archiplan::planner::Planner;
use archiplan::scenario::Scenario;
use archiplan::solve::{Backend, SolveOptions};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

create_exception!(
    _archiplan,
    ArchiplanError,
    PyException,
    "An archiplan error; `exit_code` is the command line's exit code for it."
);
create_exception!(
    _archiplan,
    InvalidInput,
    ArchiplanError,
    "Invalid input (exit code 2): `diagnostics` lists every problem with file, feature, field."
);
create_exception!(
    _archiplan,
    Infeasible,
    ArchiplanError,
    "A valid problem without a feasible plan (exit code 3); the message explains why."
);

/// The Python exception for a library error, carrying what the command line would print:
/// the message, the exit code and, for invalid data, every diagnostic (and the first
/// error's file, feature, id and field as attributes).
fn to_py(e: Error) -> PyErr {
    Python::attach(|py| {
        let code = e.exit_code();
        let message = e.to_string();
        let err = match code {
            exit::INVALID_INPUT => InvalidInput::new_err(message),
            exit::INFEASIBLE => Infeasible::new_err(message),
            _ => ArchiplanError::new_err(message),
        };
        if let Err(inner) = annotate(py, &err, &e, code) {
            return inner;
        }
        err
    })
}

fn annotate(py: Python<'_>, err: &PyErr, e: &Error, code: i32) -> PyResult<()> {
    let value = err.value(py);
    value.setattr("exit_code", code)?;
    let (mut file, mut feature, mut id, mut field) = (None, None, None, None);
    let diagnostics = PyList::empty(py);
    match e {
        Error::InvalidData(d) => {
            for item in d.diagnostics.all() {
                diagnostics.append(diagnostic(py, item)?)?;
            }
            if let Some(first) = d.diagnostics.errors().next() {
                file = Some(first.file.clone());
                feature = first.feature;
                id = first.id.clone();
                field = first.field.clone();
            }
        }
        Error::Io { path, .. } => file = Some(path.display().to_string()),
        _ => {}
    }
    value.setattr("diagnostics", diagnostics)?;
    value.setattr("file", file)?;
    value.setattr("feature", feature)?;
    value.setattr("id", id)?;
    value.setattr("field", field)?;
    Ok(())
}

fn diagnostic<'py>(py: Python<'py>, d: &Diagnostic) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("severity", format!("{:?}", d.severity).to_lowercase())?;
    out.set_item("code", d.code)?;
    out.set_item("file", &d.file)?;
    out.set_item("feature", d.feature)?;
    out.set_item("id", &d.id)?;
    out.set_item("field", &d.field)?;
    out.set_item("message", &d.message)?;
    Ok(out)
}

/// A validated data set (the layers of one archipelago).
#[pyclass(frozen, module = "archiplan._archiplan")]
struct DataSetCore {
    ds: Arc<DataSet>,
    warnings: Vec<String>,
}

#[pymethods]
impl DataSetCore {
    /// Loads and validates a data-set folder (islands.geojson, settlements.geojson, ...).
    #[staticmethod]
    fn load(py: Python<'_>, folder: PathBuf) -> PyResult<Self> {
        let loaded = py.detach(|| DataSet::load(&folder));
        let (ds, diagnostics) = loaded.map_err(|e| to_py(e.into()))?;
        Ok(DataSetCore {
            ds: Arc::new(ds),
            warnings: diagnostics.warnings().map(|d| d.to_string()).collect(),
        })
    }

    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    #[getter]
    fn source(&self) -> PathBuf {
        self.ds.source.clone()
    }

    /// Features per layer and residents of the planned islands.
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        out.set_item("islands", self.ds.islands.len())?;
        out.set_item("settlements", self.ds.settlements.len())?;
        out.set_item("ferries", self.ds.routes.len())?;
        out.set_item("ports", self.ds.ports.len())?;
        out.set_item("facilities", self.ds.facilities.len())?;
        out.set_item("population", self.ds.population())?;
        Ok(out)
    }
}

/// A planning scenario (services, standards, targets, costs), parsed and checked.
#[pyclass(frozen, module = "archiplan._archiplan")]
struct ScenarioCore {
    scenario: Arc<Scenario>,
    origin: String,
}

#[pymethods]
impl ScenarioCore {
    /// Reads a scenario TOML file (a `base = "..."` is followed as on the command line).
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        let scenario = Scenario::load(&path).map_err(to_py)?;
        Ok(ScenarioCore {
            scenario: Arc::new(scenario),
            origin: path.display().to_string(),
        })
    }

    /// Parses scenario TOML text; `origin` names it in error messages.
    #[staticmethod]
    fn parse(text: &str, origin: &str) -> PyResult<Self> {
        let scenario = Scenario::parse(text, origin).map_err(to_py)?;
        Ok(ScenarioCore {
            scenario: Arc::new(scenario),
            origin: origin.to_string(),
        })
    }

    #[getter]
    fn origin(&self) -> String {
        self.origin.clone()
    }

    /// The services the scenario plans, in its order.
    #[getter]
    fn services(&self) -> Vec<String> {
        self.scenario
            .services
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }
}

/// The scenario template (`archiplan scenario template`): every option, commented.
#[pyfunction]
fn template() -> &'static str {
    archiplan::scenario::TEMPLATE
}

fn backend(solver: &str) -> PyResult<Backend> {
    Backend::parse(solver).map_err(to_py)
}

/// A plan held in memory: its folder's files, and the data and scenario it was made for.
#[pyclass(frozen, module = "archiplan._archiplan")]
struct PlanCore {
    ds: Arc<DataSet>,
    scenario: Arc<Scenario>,
    files: Vec<(&'static str, Vec<u8>)>,
    seconds: f64,
    solver: String,
}

#[pymethods]
impl PlanCore {
    /// File names of the plan folder, in writing order.
    fn names(&self) -> Vec<&'static str> {
        self.files.iter().map(|(n, _)| *n).collect()
    }

    /// One file of the plan folder, exactly as `archiplan plan -o` writes it.
    fn file<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        match self.files.iter().find(|(n, _)| *n == name) {
            Some((_, bytes)) => Ok(PyBytes::new(py, bytes)),
            None => Err(pyo3::exceptions::PyKeyError::new_err(format!(
                "a plan folder has no file {name}; it has {}",
                self.names().join(", ")
            ))),
        }
    }

    #[getter]
    fn seconds(&self) -> f64 {
        self.seconds
    }

    #[getter]
    fn solver(&self) -> String {
        self.solver.clone()
    }

    /// Writes the plan folder atomically; with `check`, audited independently first (a
    /// disagreement leaves `folder` as it was). A folder archiplan did not write, or one
    /// over the data set's own folder, is refused.
    #[pyo3(signature = (folder, check=true))]
    fn write(&self, py: Python<'_>, folder: PathBuf, check: bool) -> PyResult<()> {
        py.detach(|| {
            archiplan::io::refuse_dir_over_inputs(&folder, &[self.ds.source.as_path()])?;
            let (ds, scenario) = (&*self.ds, &*self.scenario);
            let verify = |tmp: &std::path::Path| {
                if check {
                    archiplan::audit::verify(ds, scenario, tmp)
                } else {
                    Ok(())
                }
            };
            archiplan::report::plan_out::write_plan_files(&self.files, &folder, &verify)
        })
        .map_err(to_py)
    }
}

/// Plans every service of `scenario` on `data` (what `archiplan plan` does), in memory.
/// `progress(service, status, gap, seconds)` is called as each service is planned.
#[pyfunction]
#[pyo3(signature = (data, scenario, time_limit=None, threads=None, solver="auto", progress=None))]
fn plan(
    py: Python<'_>,
    data: &DataSetCore,
    scenario: &ScenarioCore,
    time_limit: Option<f64>,
    threads: Option<usize>,
    solver: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<PlanCore> {
    let mut options = PlanOptions {
        time_limit,
        solver: backend(solver)?,
        ..PlanOptions::default()
    };
    let failed: Failed = Arc::default();
    if let Some(cb) = progress {
        let failed = failed.clone();
        options.on_service_done = Some(Arc::new(move |s: &archiplan::plan::ServicePlan| {
            let gap = archiplan::model::relative_gap(s.objective, s.bound);
            call_back(
                &cb,
                &failed,
                (s.service.as_str(), s.status.as_str(), gap, s.seconds),
            );
        }));
    }
    let (ds, sc) = (data.ds.clone(), scenario.scenario.clone());
    let result = py.detach(|| {
        archiplan::limits::in_pool(threads, || {
            let planner = Planner::new(&ds, &sc)?;
            let output = planner.plan(options)?;
            Ok((
                output.files()?,
                output.plan.seconds,
                output.plan.solver.to_string(),
            ))
        })
    });
    raise_failed(&failed)?;
    let (files, seconds, solver) = result.map_err(to_py)?;
    Ok(PlanCore {
        ds,
        scenario: sc,
        files,
        seconds,
        solver,
    })
}

/// Audits a plan folder against the data and scenario, sharing no planning code (what
/// `archiplan check` does): `(ok, text, json)`.
#[pyfunction]
fn check(
    py: Python<'_>,
    data: &DataSetCore,
    scenario: &ScenarioCore,
    folder: PathBuf,
) -> PyResult<(bool, String, String)> {
    py.detach(|| {
        let audit = archiplan::audit::audit(&data.ds, &scenario.scenario, &folder)?;
        let json = serde_json::to_string(&audit)
            .map_err(|e| Error::Internal(format!("audit as JSON: {e}")))?;
        Ok((audit.ok, audit.text(), json))
    })
    .map_err(to_py)
}

/// A callback's first error, kept to be raised once the Rust call returns (a callback that
/// raises stops nothing mid-run).
type Failed = Arc<Mutex<Option<PyErr>>>;

fn call_back<A: for<'py> pyo3::call::PyCallArgs<'py>>(cb: &Py<PyAny>, failed: &Failed, args: A) {
    Python::attach(|py| {
        if let Err(e) = cb.call1(py, args)
            && let Ok(mut slot) = failed.lock()
        {
            slot.get_or_insert(e);
        }
    })
}

fn raise_failed(failed: &Failed) -> PyResult<()> {
    match failed.lock().ok().and_then(|mut slot| slot.take()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs a sweep file over a data-set folder into `out` (what `archiplan sweep` does); the
/// results table is `out/results.csv`. `progress(folder, status, seconds)` is called as
/// each scenario's folder (`out/scenarios/<folder>`) is written. Returns the run's counts as JSON.
#[pyfunction]
#[pyo3(signature = (data, sweep_file, out, threads=None, time_limit=None, solver="auto", check=false, resume=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    data: PathBuf,
    sweep_file: PathBuf,
    out: PathBuf,
    threads: Option<usize>,
    time_limit: Option<f64>,
    solver: &str,
    check: bool,
    resume: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let failed: Failed = Arc::default();
    let mut opts = archiplan::sweep::SweepOptions {
        threads,
        resume,
        check,
        time_limit,
        solver: backend(solver)?,
        ..Default::default()
    };
    if let Some(cb) = progress {
        let failed = failed.clone();
        opts.progress = Some(Arc::new(move |event: archiplan::sweep::SweepEvent| {
            if let archiplan::sweep::SweepEvent::Finished {
                id,
                status,
                seconds,
            } = event
            {
                call_back(&cb, &failed, (id, status, seconds));
            }
        }));
    }
    let result = py.detach(|| {
        let report = archiplan::sweep::Sweep::from_file(&data, &sweep_file)?.run(&out, &opts)?;
        serde_json::to_string(&report).map_err(|e| Error::Internal(format!("sweep report: {e}")))
    });
    raise_failed(&failed)?;
    result.map_err(to_py)
}

/// Solves a location model on a sparse cost matrix: `rows[i]` lists `(site, cost)` for
/// demand point `i` (a missing pair is unreachable). Returns the solution as JSON.
#[pyfunction]
#[pyo3(signature = (model, rows, n_sites, weights, p=None, radius=None, time_limit=None, solver="auto"))]
#[allow(clippy::too_many_arguments)]
fn solve(
    py: Python<'_>,
    model: &str,
    rows: Vec<Vec<(u32, f64)>>,
    n_sites: usize,
    weights: Vec<f64>,
    p: Option<usize>,
    radius: Option<f64>,
    time_limit: Option<f64>,
    solver: &str,
) -> PyResult<String> {
    let need_p = || {
        p.ok_or_else(|| Error::Usage(format!("the {model} model needs p (the number of sites)")))
    };
    let need_radius =
        || radius.ok_or_else(|| Error::Usage(format!("the {model} model needs a service radius")));
    let opts = SolveOptions {
        backend: backend(solver)?,
        time_limit,
        ..SolveOptions::default()
    };
    py.detach(|| {
        let model = match model {
            "p-median" => Model::PMedian(PMedian::new(need_p()?)),
            "p-center" => Model::PCenter(PCenter::new(need_p()?)),
            "mclp" => Model::Mclp(Mclp::with_p(need_radius()?, need_p()?)),
            "lscp" => Model::Lscp(Lscp::new(need_radius()?)),
            other => {
                return Err(Error::Usage(format!(
                    "unknown model {other:?}: p-median, p-center, mclp or lscp"
                )));
            }
        };
        if let Some(j) = rows.iter().flatten().find(|(j, _)| *j as usize >= n_sites) {
            return Err(Error::Usage(format!(
                "site {} is beyond the {n_sites} sites",
                j.0
            )));
        }
        let rows: Vec<Vec<(u32, f32)>> = rows
            .into_iter()
            .map(|r| r.into_iter().map(|(j, c)| (j, c as f32)).collect())
            .collect();
        let times = TravelTimes::from_rows(rows, n_sites, f64::INFINITY);
        let problem = Problem::new(Instance::uncapacitated(weights, times)?, model);
        let solution = archiplan::solve::solve(&problem, &opts)?;
        serde_json::to_string(&solution).map_err(|e| Error::Internal(format!("solution: {e}")))
    })
    .map_err(to_py)
}

#[pymodule]
fn _archiplan(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ArchiplanError", py.get_type::<ArchiplanError>())?;
    m.add("InvalidInput", py.get_type::<InvalidInput>())?;
    m.add("Infeasible", py.get_type::<Infeasible>())?;
    m.add_class::<DataSetCore>()?;
    m.add_class::<ScenarioCore>()?;
    m.add_class::<PlanCore>()?;
    m.add_function(wrap_pyfunction!(template, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(solve, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
