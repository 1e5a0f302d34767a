"""examples/daishan.py, run as a newcomer runs it: the plan folder and the picture."""

import json
from pathlib import Path
import subprocess
import sys

import pytest


ROOT = Path(__file__).resolve().parents[2]
DAISHAN = ROOT / "data" / "daishan"

pytest.importorskip("matplotlib", reason="matplotlib is not installed: the example's picture is skipped")


def test_the_daishan_example_writes_an_audited_plan_and_a_png(tmp_path, cli):
    p = subprocess.run([sys.executable, str(ROOT / "examples" / "daishan.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "CNY/yr, optimal" in p.stdout
    png = (tmp_path / "daishan-plan.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    audit = cli("check", DAISHAN, tmp_path / "plan", "--scenario", DAISHAN / "scenario-2024.toml", "--json")
    assert json.loads(audit.stdout)["ok"] is True
