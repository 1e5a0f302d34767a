"""The plan through Python: the command line's files, its audit, its errors."""

import json
from pathlib import Path
import threading

import geopandas as gpd
import pandas as pd
import pytest

import archiplan

ROOT = Path(__file__).resolve().parents[2]
DAISHAN = ROOT / "data" / "daishan"
MICRO = ROOT / "tests" / "fixtures" / "plan-micro"


def test_daishan_plan_through_python_equals_the_cli_files(tmp_path, cli, daishan_plan):
    daishan_plan.write(tmp_path / "py")
    cli("plan", DAISHAN, "--scenario", DAISHAN / "scenario-2024.toml", "-o", tmp_path / "cli", "--quiet")
    names = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert sorted(p.name for p in (tmp_path / "py").iterdir()) == names
    assert "summary.json" in names and "facilities.geojson" in names
    for name in names:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    # The in-memory files are the written ones, and the command line's audit accepts them.
    for name in daishan_plan.files:
        assert daishan_plan.file(name) == (tmp_path / "py" / name).read_bytes(), name
    audit = cli("check", DAISHAN, tmp_path / "py", "--scenario", DAISHAN / "scenario-2024.toml", "--json")
    assert json.loads(audit.stdout)["ok"] is True


def test_plan_objects_are_the_files_as_pandas(daishan_plan):
    s = daishan_plan.summary
    assert s["status"] == "optimal" and s["cost"] > 0
    targets = daishan_plan.targets
    assert isinstance(targets, pd.DataFrame) and len(targets) == len(s["targets"]) > 0
    assert targets["met"].all()
    fc = json.loads(daishan_plan.file("facilities.geojson"))
    for layer, name in [(daishan_plan.facilities, "facilities.geojson"),
                        (daishan_plan.settlements, "settlements.geojson"),
                        (daishan_plan.assignments, "assignments.geojson"),
                        (daishan_plan.islands, "islands.geojson")]:
        assert isinstance(layer, gpd.GeoDataFrame)
        assert layer.crs.to_epsg() == 4326
        assert len(layer) == len(json.loads(daishan_plan.file(name))["features"]), name
    assert len(daishan_plan.settlements) == 87 and len(daishan_plan.islands) == 14
    # Every open site of the summary is a facility feature with its service.
    opened = daishan_plan.facilities
    assert set(opened["service"]) <= {sv["service"] for sv in s["services"]}
    assert len(set(opened["service"])) >= 10
    assert len(opened) == len(fc["features"])


def test_check_audits_independently_and_catches_a_tampered_folder(tmp_path, daishan_plan):
    assert daishan_plan.check().ok
    out = daishan_plan.write(tmp_path / "plan")
    summary = json.loads((out / "summary.json").read_text())
    summary["cost"] = summary["cost"] * 0.9
    (out / "summary.json").write_text(json.dumps(summary))
    result = archiplan.check(DAISHAN, DAISHAN / "scenario-2024.toml", out)
    assert not result.ok and "cost" in result.text


def test_from_geodataframes_plans_like_the_folder(cli, tmp_path, daishan_plan):
    layers = {name: gpd.read_file(DAISHAN / f"{name}.geojson")
              for name in ("islands", "settlements", "ferries", "facilities", "ports")}
    # A projected copy is brought back to EPSG:4326.
    layers["settlements"] = layers["settlements"].to_crs(32651)
    data = archiplan.DataSet.from_geodataframes(**layers)
    assert data.counts == archiplan.load(DAISHAN).counts
    p = archiplan.plan(data, DAISHAN / "scenario-2024.toml")
    assert p.summary["cost"] == daishan_plan.summary["cost"]
    assert p.targets.equals(daishan_plan.targets)
    # Audited by the command line against the layers the GeoDataFrames became.
    p.write(tmp_path / "plan")
    audit = cli("check", data.source, tmp_path / "plan", "--scenario", DAISHAN / "scenario-2024.toml", "--json")
    assert json.loads(audit.stdout)["ok"] is True


def test_bad_geodataframe_names_layer_feature_and_field():
    layers = {name: gpd.read_file(DAISHAN / f"{name}.geojson")
              for name in ("islands", "settlements", "ferries", "facilities", "ports")}
    layers["settlements"].loc[3, "population"] = -5
    with pytest.raises(archiplan.InvalidInput) as err:
        archiplan.DataSet.from_geodataframes(**layers)
    e = err.value
    assert e.exit_code == 2
    assert (e.file, e.feature, e.field) == ("settlements.geojson", 3, "population")
    assert e.id == layers["settlements"].loc[3, "id"]
    assert any(d["field"] == "population" and d["severity"] == "error" for d in e.diagnostics)
    assert "population" in str(e)


def test_missing_folder_and_bad_scenario_are_invalid_input(tmp_path):
    with pytest.raises(archiplan.InvalidInput) as err:
        archiplan.load(tmp_path / "nowhere")
    assert err.value.exit_code == 2
    with pytest.raises(archiplan.InvalidInput) as err:
        archiplan.Scenario.from_toml('[[service]]\nname = "school"\nstandard_minutes = "soon"\n')
    assert "standard_minutes" in str(err.value) and "line 3" in str(err.value)
    with pytest.raises(archiplan.ArchiplanError):
        archiplan.plan(DAISHAN, DAISHAN / "scenario-2024.toml", solver="gurobi")


def test_no_feasible_plan_is_infeasible_with_the_reason():
    text = ((MICRO / "scenario.toml").read_text()
            .replace("new_sites = true", "new_sites = false")
            .replace("max_island_population = 500", "max_island_population = 5"))
    with pytest.raises(archiplan.Infeasible) as err:
        archiplan.plan(MICRO, archiplan.Scenario.from_toml(text))
    assert err.value.exit_code == 3
    assert "medical cover" in str(err.value) and "`M`" in str(err.value)


def test_write_never_replaces_a_folder_archiplan_did_not_write(tmp_path, daishan_plan):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.json").write_text("{}")  # looks like a plan, is not archiplan's
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(archiplan.ArchiplanError) as err:
        daishan_plan.write(mine)
    assert err.value.exit_code == 2
    assert (mine / "notes.txt").read_text() == "keep me"
    assert (mine / "summary.json").read_text() == "{}"
    # A plan folder archiplan wrote is replaced.
    daishan_plan.write(tmp_path / "plan")
    daishan_plan.write(tmp_path / "plan")
    # Never over the data set's own folder.
    with pytest.raises(archiplan.ArchiplanError):
        daishan_plan.write(DAISHAN)


def test_progress_is_told_of_each_service_and_its_errors_surface():
    seen = []
    p = archiplan.plan(DAISHAN, DAISHAN / "scenario-2024.toml",
                       progress=lambda service, status, gap, seconds: seen.append((service, status)))
    assert sorted(s for s, _ in seen) == sorted(p.scenario.services)
    assert all(status == "optimal" for _, status in seen)

    def boom(*_):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        archiplan.plan(DAISHAN, DAISHAN / "scenario-2024.toml", progress=boom)


def test_the_gil_is_released_while_planning():
    data = archiplan.load(DAISHAN)
    scenario = archiplan.Scenario.from_toml(DAISHAN / "scenario-2024.toml")
    done = []
    worker = threading.Thread(target=lambda: done.append(archiplan.plan(data, scenario, threads=1)))
    ticks = 0
    worker.start()
    while worker.is_alive():
        ticks += 1
    worker.join()
    assert done and done[0].summary["status"] == "optimal"
    # Python ran on this thread while Rust planned on the other: hundreds of thousands of
    # loop turns in the plan's ~0.2 s (a held GIL allows a handful).
    assert ticks > 1000, ticks


def test_threads_do_not_change_the_plan(daishan_plan):
    one = archiplan.plan(DAISHAN, DAISHAN / "scenario-2024.toml", threads=1)
    for name in daishan_plan.files:
        assert one.file(name) == daishan_plan.file(name), name


def test_scenario_template_and_default():
    text = archiplan.Scenario.template()
    assert "[service." in text
    assert archiplan.Scenario.default().services == archiplan.Scenario.from_toml(text).services


def test_sweep_returns_the_results_table(tmp_path, cli):
    for name in ("scenario-2024.toml", "scenario-2025.toml"):
        (tmp_path / name).write_text((DAISHAN / name).read_text())
    sweep = (DAISHAN / "sweep-relocation.toml").read_text().replace(
        "values = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]", "values = [0.0, 1.0]")
    (tmp_path / "sweep.toml").write_text(sweep)
    seen = []  # (scenario folder, status)
    table = archiplan.sweep(DAISHAN, tmp_path / "sweep.toml", tmp_path / "out", check=True,
                            progress=lambda scenario, status, seconds: seen.append((scenario, status)))
    assert len(table) == 4
    # One call per scenario, naming its folder.
    assert sorted(s for s, _ in seen) == sorted(p.name for p in (tmp_path / "out" / "scenarios").iterdir())
    assert all(status == "optimal" for _, status in seen), seen
    assert table.equals(pd.read_csv(tmp_path / "out" / "results.csv"))
    audit = cli("check", DAISHAN, tmp_path / "out", "--json")
    assert json.loads(audit.stdout)["ok"] is True


def test_a_geopackage_and_a_settlements_table_plan_as_the_folder(tmp_path, daishan_plan, cli):
    layers = {name: gpd.read_file(DAISHAN / f"{name}.geojson")
              for name in ("islands", "settlements", "ferries", "facilities", "ports")}
    gpkg = tmp_path / "daishan.gpkg"
    for name, gdf in layers.items():
        gdf.to_file(gpkg, layer=name, driver="GPKG")  # GDAL writes it, archiplan reads SQLite
    from_gpkg = archiplan.plan(archiplan.load(gpkg), DAISHAN / "scenario-2024.toml")
    assert from_gpkg.summary["cost"] == daishan_plan.summary["cost"]
    from_gpkg.write(tmp_path / "plan-gpkg")
    audit = cli("check", gpkg, tmp_path / "plan-gpkg", "--scenario", DAISHAN / "scenario-2024.toml", "--json")
    assert json.loads(audit.stdout)["ok"] is True
    # Settlements as a spreadsheet: a DataFrame with lon/lat columns.
    s = layers["settlements"]
    table = pd.DataFrame(s.drop(columns="geometry")).assign(lon=s.geometry.x, lat=s.geometry.y)
    data = archiplan.DataSet.from_geodataframes(**{**layers, "settlements": table})
    assert data.counts["settlements"] == 87
    assert archiplan.plan(data, DAISHAN / "scenario-2024.toml").summary["cost"] == daishan_plan.summary["cost"]
    bad = table.copy()
    bad.loc[3, "population"] = -5
    with pytest.raises(archiplan.InvalidInput) as err:
        archiplan.DataSet.from_geodataframes(**{**layers, "settlements": bad})
    assert (err.value.file, err.value.feature, err.value.field) == ("settlements.csv", 3, "population")
