//! `revsim` for Python: the engine behind a small extension module, `revsim._revsim`. The
//! Python package (`python/revsim/__init__.py`) turns what it returns into pandas DataFrames
//! (through Arrow, from the same Parquet tables `revsim run` writes) and a dict, so a notebook
//! gets the CLI's numbers bit for bit.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};

use revsim::engine::Control;
use revsim::sketch::EXACT_BYTES;
use revsim::{InputError, Scenario as Loaded};

create_exception!(
    _revsim,
    RevsimError,
    PyException,
    "A scenario or option revsim refuses: `file`, `line`, `column`, `key`, `message` and `help` \
     say where and how to fix it; str() is the message the command line prints."
);

/// The Python exception for an input error, with its location and fix as attributes.
fn input_error(py: Python<'_>, e: &InputError) -> PyErr {
    let err = RevsimError::new_err(e.report(false));
    let value = err.value(py);
    let (line, column) = match e.line_col() {
        Some((l, c)) => (Some(l), Some(c)),
        None => (None, None),
    };
    let set = |k: &str, v: Bound<'_, PyAny>| {
        let _ = value.setattr(k, v);
    };
    set("file", PyString::new(py, &e.file).into_any());
    set("line", line.into_pyobject(py).expect("an int").into_any());
    set(
        "column",
        column.into_pyobject(py).expect("an int").into_any(),
    );
    set(
        "key",
        e.key.clone().into_pyobject(py).expect("a str").into_any(),
    );
    set("message", PyString::new(py, &e.message).into_any());
    set(
        "help",
        e.help.clone().into_pyobject(py).expect("a list").into_any(),
    );
    err
}

/// `set={...}` as the command line's `--set key=value` strings: numbers and booleans as TOML
/// writes them, strings as they are (what a user would type after `=`).
fn overrides(set: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let Some(set) = set else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (k, v) in set.iter() {
        let key: String = k.extract()?;
        let value = if v.is_instance_of::<PyBool>() {
            if v.extract::<bool>()? {
                "true"
            } else {
                "false"
            }
            .to_string()
        } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
            v.str()?.to_string()
        } else if v.is_instance_of::<PyString>() {
            v.extract()?
        } else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "set[{key:?}] is a {}; give a number, a bool or a string as you would write it \
                 after `--set {key}=`",
                v.get_type().name()?
            )));
        };
        out.push(format!("{key}={value}"));
    }
    Ok(out)
}

/// A scenario file, read and checked with its `extends` chain and overrides.
#[pyclass(frozen, module = "revsim._revsim")]
struct Scenario {
    inner: Loaded,
    path: PathBuf,
    set: Vec<String>,
}

#[pymethods]
impl Scenario {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// The file it was read from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The overrides applied, as `key=value` strings.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.set.clone()
    }

    /// The scenario's own trial count (`simulation.trials`).
    #[getter]
    fn trials(&self) -> u64 {
        self.inner.trials
    }

    /// The scenario's own seed (`simulation.seed`).
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Runs the scenario (the GIL released; Ctrl-C stops it and raises KeyboardInterrupt).
    /// Returns the summary as JSON text and the trials, monthly and period tables as Parquet.
    #[pyo3(signature = (trials=None, seed=None, threads=None))]
    fn _run(
        &self,
        py: Python<'_>,
        trials: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
    ) -> PyResult<Py<PyDict>> {
        let s = &self.inner;
        let trials = trials.unwrap_or(s.trials);
        if trials == 0 || trials > revsim::scenario::MAX_TRIALS {
            let e = InputError::file(
                "trials",
                format!(
                    "{trials} trials: a run needs from 1 to {}",
                    revsim::scenario::MAX_TRIALS
                ),
            )
            .help(revsim::scenario::MAX_TRIALS_HELP);
            return Err(input_error(py, &e));
        }
        let trials = trials as usize;
        let seed = seed.unwrap_or(s.seed);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.unwrap_or(0))
            .build()
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        let stop = AtomicBool::new(false);
        let done = AtomicBool::new(false);
        let mut interrupted: Option<PyErr> = None;
        let outcome = py.detach(|| {
            std::thread::scope(|scope| {
                let work = scope.spawn(|| {
                    let out = pool.install(|| run_tables(s, trials, seed, &stop));
                    done.store(true, Ordering::Release);
                    out
                });
                // Python handles Ctrl-C on its main thread: look at its signals while the
                // workers simulate, and stop them at their next block.
                while !done.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(20));
                    if interrupted.is_none()
                        && let Err(e) = Python::attach(|py| py.check_signals())
                    {
                        stop.store(true, Ordering::Release);
                        interrupted = Some(e);
                    }
                }
                work.join().expect("the simulation thread does not panic")
            })
        });
        if let Some(e) = interrupted {
            return Err(e);
        }
        let Some(t) = outcome else {
            return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(
                "the run was stopped",
            ));
        };
        let d = PyDict::new(py);
        d.set_item("summary_json", t.summary_json)?;
        d.set_item("trials", PyBytes::new(py, &t.trials))?;
        d.set_item("monthly", PyBytes::new(py, &t.monthly))?;
        d.set_item("periods", PyBytes::new(py, &t.periods))?;
        Ok(d.unbind())
    }

    fn __repr__(&self) -> String {
        format!(
            "revsim.Scenario({:?}, path={:?}, overrides={:?})",
            self.inner.name, self.path, self.set
        )
    }
}

/// What a run gives back: the CLI's `summary.json` and its tables as Parquet bytes.
struct Tables {
    summary_json: String,
    trials: Vec<u8>,
    monthly: Vec<u8>,
    periods: Vec<u8>,
}

/// The trials, summary and tables of a run, exactly as `revsim run` computes them; `None` if
/// stopped.
fn run_tables(s: &Loaded, trials: usize, seed: u64, stop: &AtomicBool) -> Option<Tables> {
    let control = Control {
        progress: &|_| (),
        stop: Some(stop),
        exact_bytes: EXACT_BYTES,
    };
    let r = revsim::engine::simulate_with(s, 0..trials, seed, &control).ok()?;
    let calm = revsim::engine::without_leadership(s, r.trials, seed, &|_| ());
    if stop.load(Ordering::Acquire) {
        return None;
    }
    let mut summary = revsim::summarize(s, &r, calm.as_ref());
    let monthly = revsim::summary::monthly(&r);
    summary.spread_by_layer = revsim::layers::attribute(s, &r, seed, &|_| ());
    let mut summary_json = serde_json::to_string_pretty(&summary).expect("a summary serialises");
    summary_json.push('\n');
    let mut trials_pq = Vec::new();
    revsim::report::write_trials_parquet(&mut trials_pq, s, &r, calm.as_ref())
        .expect("writing to memory");
    let monthly_pq = revsim::tables::parquet_bytes(&revsim::report::monthly_table(s, &monthly))
        .expect("writing to memory");
    let mut periods: Vec<&revsim::summary::PeriodSummary> = vec![&summary.horizon];
    periods.extend(summary.fiscal_years.iter());
    let periods_pq =
        revsim::tables::parquet_bytes(&revsim::report::period_table(&periods, summary.trials))
            .expect("writing to memory");
    Some(Tables {
        summary_json,
        trials: trials_pq,
        monthly: monthly_pq,
        periods: periods_pq,
    })
}

/// Reads a scenario file with its `extends` chain; `set` overrides keys as `--set` does.
#[pyfunction]
#[pyo3(signature = (path, set=None))]
fn load(py: Python<'_>, path: PathBuf, set: Option<&Bound<'_, PyDict>>) -> PyResult<Scenario> {
    let set = overrides(set)?;
    match Loaded::load_with(&path, &set) {
        Ok(inner) => Ok(Scenario { inner, path, set }),
        Err(e) => Err(input_error(py, &e)),
    }
}

/// Runs a revsim command from its arguments (without the program name), as the binary does but
/// without its signal handler, with the GIL released: `compare`, `sweep` and `solve` from
/// Python, writing their usual files. Errors raise RevsimError (an input error with its
/// location); a goal seek with no answer raises it with `no_answer = True`.
#[pyfunction]
fn _cli(py: Python<'_>, args: Vec<String>) -> PyResult<()> {
    use clap::Parser;
    let parsed =
        revsim::cli::Cli::try_parse_from(std::iter::once("revsim".to_string()).chain(args))
            .map_err(|e| {
                let err = RevsimError::new_err(e.render().to_string());
                let _ = err.value(py).setattr("no_answer", false);
                err
            })?;
    let result = py.detach(|| revsim::cli::execute(parsed.command));
    let Err(e) = result else {
        return Ok(());
    };
    let err = match e.downcast_ref::<InputError>() {
        Some(input) if e.chain().count() == 1 => input_error(py, input),
        _ => RevsimError::new_err(format!("error: {e:#}")),
    };
    let no_answer = revsim::cli::exit_code(&e) == revsim::batch::solve::NO_ANSWER_EXIT;
    err.value(py).setattr("no_answer", no_answer)?;
    Err(err)
}

#[pymodule]
fn _revsim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("RESULTS_VERSION", revsim::RESULTS_VERSION)?;
    m.add("RevsimError", m.py().get_type::<RevsimError>())?;
    m.add_class::<Scenario>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(_cli, m)?)?;
    Ok(())
}
