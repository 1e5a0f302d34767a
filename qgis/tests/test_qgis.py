"""The QGIS Processing provider, run headless by QGIS itself (qgis_process, and
processing.runAndLoadResults into a project); the layers are read back with GDAL (pyogrio)
and the plans audited with `archiplan check`."""

import json
from pathlib import Path

import geopandas as gpd
import pytest


ROOT = Path(__file__).resolve().parents[2]
DAISHAN = ROOT / "data" / "daishan"

SCENARIO = DAISHAN / "scenario-2024.toml"
LAYERS = ("islands", "settlements", "ferries", "facilities", "ports")
PLAN_LAYERS = ("facilities", "settlements", "assignments", "islands", "routes")


@pytest.fixture(scope="module")
def cli_plan(tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("cli") / "plan"
    cli("plan", DAISHAN, "--scenario", SCENARIO, "-o", out, "--quiet")
    return out


def features(path):
    return len(json.loads(path.read_text())["features"])


def test_the_provider_has_its_four_algorithms(qgis_process):
    listing = qgis_process("list").stdout
    for alg, title in [("plan", "Plan services"), ("validate", "Validate data set"),
                       ("sweep", "Run sweep"), ("check", "Check plan")]:
        assert f"archiplan:{alg}\t{title}" in listing, listing[-2000:]


def test_qgis_process_plans_daishan_as_the_cli_does(tmp_path, qgis_process, cli, cli_plan):
    r = qgis_process.algorithm("archiplan:plan", DATA=DAISHAN, SCENARIO=SCENARIO, OUTPUT=tmp_path / "plan")
    summary = json.loads((cli_plan / "summary.json").read_text())
    assert r["COST"] == summary["cost"] and r["STATUS"] == "optimal" and r["GAP"] == 0
    assert r["TARGETS_MET"] == r["TARGETS"] == len(summary["targets"])
    for layer in PLAN_LAYERS:
        read = gpd.read_file(r[layer.upper()])  # GDAL, the reader QGIS itself uses
        assert len(read) == features(cli_plan / f"{layer}.geojson") > 0, layer
        assert read.crs.to_epsg() == 4326
    facilities = gpd.read_file(r["FACILITIES"])
    assert {"id", "service", "status", "marker-color", "island"} <= set(facilities.columns)
    assert {"open", "new", "kept"} & set(facilities["status"])
    audit = cli("check", DAISHAN, tmp_path / "plan", "--scenario", SCENARIO, "--json")
    assert json.loads(audit.stdout)["ok"] is True


def test_the_plan_is_added_to_the_project_styled_with_archiplan_colours(tmp_path, in_project, cli_plan):
    out = in_project("archiplan:plan", DATA=str(DAISHAN), SCENARIO=str(SCENARIO), OUTPUT=str(tmp_path / "plan"))
    layers = {layer["name"]: layer for layer in out["layers"]}
    assert set(layers) == set(PLAN_LAYERS), layers.keys()
    for name in PLAN_LAYERS:
        layer = layers[name]
        assert layer["valid"] and layer["crs"] == "EPSG:4326"
        assert layer["features"] == features(cli_plan / f"{name}.geojson"), name
        # The QML style draws each feature in the colour archiplan wrote into it.
        assert layer["first"]["drawn"] == layer["first"]["property"].lower(), (name, layer["first"])
    assert "marker-color" in layers["facilities"]["fields"]
    assert "population" in layers["settlements"]["fields"]


def test_layers_in_a_geopackage_in_another_crs_plan_the_same(tmp_path, qgis_process, cli_plan, cli):
    gpkg = tmp_path / "daishan-3857.gpkg"
    for name in LAYERS:
        gpd.read_file(DAISHAN / f"{name}.geojson").to_crs(3857).to_file(gpkg, layer=name, driver="GPKG")
    params = {name.upper(): f"{gpkg}|layername={name}" for name in LAYERS}
    r = qgis_process.algorithm("archiplan:plan", SCENARIO=SCENARIO, OUTPUT=tmp_path / "plan", **params)
    assert r["COST"] == json.loads((cli_plan / "summary.json").read_text())["cost"]
    assert len(gpd.read_file(r["FACILITIES"])) == features(cli_plan / "facilities.geojson")


def test_validate_names_the_layer_feature_and_field(tmp_path, qgis_process):
    data = tmp_path / "data"
    data.mkdir()
    for name in LAYERS:
        (data / f"{name}.geojson").write_bytes((DAISHAN / f"{name}.geojson").read_bytes())
    ok = qgis_process.algorithm("archiplan:validate", DATA=data)
    assert ok["VALID"] is True and ok["ERRORS"] == 0 and ok["POPULATION"] == 207_982
    fc = json.loads((data / "settlements.geojson").read_text())
    fc["features"][3]["properties"]["population"] = -5
    (data / "settlements.geojson").write_text(json.dumps(fc))
    bad = qgis_process.algorithm("archiplan:validate", DATA=data)
    assert bad["VALID"] is False and bad["ERRORS"] >= 1
    first = json.loads(bad["REPORT"])["errors"][0]
    assert (first["file"], first["feature"], first["field"]) == ("settlements.geojson", 3, "population")
    # Planning the bad data fails with archiplan's own message and exit code.
    p = qgis_process("run", "archiplan:plan", "--", f"DATA={data}", f"OUTPUT={tmp_path / 'plan'}", ok=False)
    assert p.returncode != 0
    assert "exited with 2" in p.stdout + p.stderr and "population" in p.stdout + p.stderr
    assert not (tmp_path / "plan").exists()


def test_check_plan_accepts_a_plan_and_catches_a_tampered_one(tmp_path, qgis_process, cli_plan):
    plan = tmp_path / "plan"
    plan.mkdir()
    for f in cli_plan.iterdir():
        (plan / f.name).write_bytes(f.read_bytes())
    assert qgis_process.algorithm("archiplan:check", DATA=DAISHAN, PLAN=plan, SCENARIO=SCENARIO)["OK"] is True
    summary = json.loads((plan / "summary.json").read_text())
    summary["cost"] *= 0.9
    (plan / "summary.json").write_text(json.dumps(summary))
    r = qgis_process.algorithm("archiplan:check", DATA=DAISHAN, PLAN=plan, SCENARIO=SCENARIO)
    assert r["OK"] is False and json.loads(r["REPORT"])["ok"] is False


def test_run_sweep_writes_the_results_table(tmp_path, qgis_process, cli):
    for name in ("scenario-2024.toml", "scenario-2025.toml"):
        (tmp_path / name).write_text((DAISHAN / name).read_text())
    sweep = (DAISHAN / "sweep-relocation.toml").read_text().replace(
        "values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]", "values = [0.0, 1.0]")
    (tmp_path / "sweep.toml").write_text(sweep)
    r = qgis_process.algorithm("archiplan:sweep", DATA=DAISHAN, SWEEP=tmp_path / "sweep.toml", OUTPUT=tmp_path / "out")
    assert r["SCENARIOS"] == 4
    assert len(gpd.read_file(r["RESULTS"])) == 4
    audit = cli("check", DAISHAN, tmp_path / "out", "--json")
    assert json.loads(audit.stdout)["ok"] is True


def test_the_zip_of_the_readme_installs_into_a_profile(tmp_path, qgis_env, qgis_process):
    """The README's zip, unpacked where QGIS's "Install from ZIP" puts it (the profile's
    python/plugins), is found and enabled without QGIS_PLUGINPATH."""
    import shutil
    import subprocess
    import sys
    import zipfile

    from conftest import _qgis_process

    qgis = ROOT / "qgis"
    archive = tmp_path / "archiplan_qgis.zip"
    subprocess.run([sys.executable, "-m", "zipfile", "-c", str(archive), "archiplan_qgis/"],
                   cwd=qgis, check=True)
    env = dict(qgis_env, HOME=str(tmp_path / "home"))
    env.pop("QGIS_PLUGINPATH")
    plugins = tmp_path / "home/.local/share/QGIS/QGIS3/profiles/default/python/plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(archive) as z:
        assert "archiplan_qgis/metadata.txt" in z.namelist()
        z.extractall(plugins)
    shutil.rmtree(plugins / "archiplan_qgis" / "__pycache__", ignore_errors=True)
    binary = _qgis_process()
    enable = subprocess.run([binary, "plugins", "enable", "archiplan_qgis"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert enable.returncode == 0, enable.stdout + enable.stderr
    listing = subprocess.run([binary, "list"], env=env, capture_output=True, text=True, timeout=300)
    assert "archiplan:plan\tPlan services" in listing.stdout
