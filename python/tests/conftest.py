"""Shared fixtures: the repository's data, the command-line binary to compare against."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAISHAN = ROOT / "data" / "daishan"
MICRO = ROOT / "tests" / "fixtures" / "plan-micro"


def _cli():
    """The archiplan binary: $ARCHIPLAN_BIN, else the one `cargo test` / `cargo build`
    left in target/, else one on PATH."""
    env = os.environ.get("ARCHIPLAN_BIN")
    if env:
        return env
    for profile in ("debug", "release"):
        path = ROOT / "target" / profile / "archiplan"
        if path.exists():
            return str(path)
    return shutil.which("archiplan")


@pytest.fixture(scope="session")
def cli():
    path = _cli()
    if path is None:
        pytest.skip("no archiplan binary (run `cargo build` first or set ARCHIPLAN_BIN)")

    def run(*args, ok=True):
        p = subprocess.run([path, *map(str, args)], capture_output=True, text=True, timeout=600)
        if ok and p.returncode != 0:
            raise AssertionError(f"archiplan {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}")
        return p

    return run


@pytest.fixture(scope="session")
def daishan_plan():
    import archiplan

    return archiplan.plan(archiplan.load(DAISHAN), DAISHAN / "scenario-2024.toml")
