"""Fixtures of the QGIS tests: qgis_process with the plugin enabled in a throw-away profile,
QGIS's own Python, and the archiplan command line (found as the Python tests find it)."""

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DAISHAN = ROOT / "data" / "daishan"

_spec = importlib.util.spec_from_file_location("python_conftest", ROOT / "python" / "tests" / "conftest.py")
_python = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_python)
cli = _python.cli  # the same fixture: `archiplan` as `cargo test` built it


def _qgis_process():
    # Debian's /usr/bin/qgis_process wrapper passes `--noversioncheck`, which qgis_process
    # 3.22 refuses; the binary beside it takes the arguments as given.
    for name in ("qgis_process.bin", "qgis_process"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def qgis_env(tmp_path_factory):
    binary = _python._cli()
    if binary is None:
        pytest.skip("no archiplan binary (run `cargo build` first or set ARCHIPLAN_BIN)")
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path_factory.mktemp("qgis-home")),
               XDG_RUNTIME_DIR=str(tmp_path_factory.mktemp("qgis-runtime")),
               QGIS_PLUGINPATH=str(ROOT / "qgis"), ARCHIPLAN_BIN=str(Path(binary).resolve()))
    return env


@pytest.fixture(scope="session")
def qgis_process(qgis_env):
    """`qgis_process --json run ALG -- K=V ...` with the archiplan plugin enabled: returns the
    parsed results (or the failed process with `ok=False`)."""
    binary = _qgis_process()
    if binary is None:
        pytest.skip("qgis_process not found: QGIS (Debian's qgis + python3-qgis) is not installed")
    enable = subprocess.run([binary, "plugins", "enable", "archiplan_qgis"], env=qgis_env,
                            capture_output=True, text=True, timeout=300)
    assert enable.returncode == 0, enable.stdout + enable.stderr

    def run(*args, ok=True):
        p = subprocess.run([binary, *map(str, args)], env=qgis_env, capture_output=True,
                           text=True, timeout=600)
        if not ok:
            return p
        assert p.returncode == 0, f"qgis_process {' '.join(map(str, args))}:\n{p.stdout}\n{p.stderr}"
        return p

    def algorithm(alg, **params):
        p = run("--json", "run", alg, "--", *[f"{k}={v}" for k, v in params.items()])
        return json.loads(p.stdout)["results"]

    run.algorithm = algorithm
    return run


@pytest.fixture(scope="session")
def in_project(qgis_env):
    """Runs an algorithm with processing.runAndLoadResults in QGIS's Python; returns the
    results and the layers the project then holds."""
    python = "/usr/bin/python3"
    check = subprocess.run([python, "-c", "import qgis.core"], env=qgis_env, capture_output=True)
    if check.returncode != 0:
        pytest.skip("QGIS's Python (python3-qgis) is not installed")

    def run(alg, **params):
        p = subprocess.run([python, str(HERE / "in_project.py"), alg, json.dumps(params)],
                           env=qgis_env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stdout + p.stderr
        return json.loads(p.stdout.strip().splitlines()[-1])

    return run
