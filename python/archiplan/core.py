"""Data sets, scenarios, plans, audits and sweeps: the command line's jobs as Python objects."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Optional, Union

import geopandas as gpd
import pandas as pd

from . import _archiplan as _core

PathLike = Union[str, os.PathLike]

# The layers of a data-set folder, by the keyword that passes each one.
LAYERS = ("islands", "settlements", "ferries", "facilities", "ports")


class DataSet:
    """A validated archipelago: islands, settlements, ferry routes, facilities, ports.

    Build one with :func:`load` (a folder of GeoJSON layers) or
    :meth:`DataSet.from_geodataframes`. Invalid data raises :class:`InvalidInput` listing
    every problem (``err.diagnostics``: file, feature, id, field, message).
    """

    def __init__(self, core: _core.DataSetCore, keep: Optional[tempfile.TemporaryDirectory] = None):
        self._core = core
        self._keep = keep  # the folder GeoDataFrames were written to lives as long as this

    @classmethod
    def load(cls, folder: PathLike) -> "DataSet":
        """A data-set folder (GeoJSON layers, or CSV tables for the point layers), or a
        GeoPackage file with the tables islands, settlements, ferries, ports, facilities."""
        return cls(_core.DataSetCore.load(os.fspath(folder)))

    @classmethod
    def from_geodataframes(
        cls,
        islands: gpd.GeoDataFrame,
        settlements: gpd.GeoDataFrame,
        ferries: gpd.GeoDataFrame,
        facilities: Optional[gpd.GeoDataFrame] = None,
        ports: Optional[gpd.GeoDataFrame] = None,
    ) -> "DataSet":
        """A data set from GeoDataFrames with the columns of ``docs/data-format.md``.

        Layers in another CRS are reprojected to EPSG:4326 (a layer without a CRS is taken
        as EPSG:4326). Settlements, ports and facilities may also be plain DataFrames with
        ``lon``/``lat`` columns (a spreadsheet: ``pd.read_csv``). Errors name the layer as
        ``settlements.geojson`` (or ``settlements.csv``) and the row by its position
        (``feature``, from 0) and ``id``.
        """
        layers = dict(islands=islands, settlements=settlements, ferries=ferries,
                      facilities=facilities, ports=ports)
        keep = tempfile.TemporaryDirectory(prefix="archiplan-layers-")
        for name, gdf in layers.items():
            if gdf is not None:
                _write_layer(gdf, Path(keep.name), name)
        return cls(_core.DataSetCore.load(keep.name), keep)

    @property
    def source(self) -> Path:
        """The folder the layers were read from."""
        return Path(self._core.source)

    @property
    def warnings(self) -> list:
        """What is allowed but probably not meant, as the command line prints it."""
        return list(self._core.warnings)

    @property
    def counts(self) -> dict:
        """Features per layer, and the residents of the planned islands."""
        return dict(self._core.counts())

    def __repr__(self) -> str:
        c = self.counts
        return (f"DataSet({c['islands']} islands, {c['settlements']} settlements, "
                f"{c['ferries']} ferries, {c['facilities']} facilities; {c['population']:,} residents)")


def _write_layer(gdf, folder: Path, name: str) -> None:
    """One layer into `folder`: a GeoDataFrame as GeoJSON in EPSG:4326; a plain DataFrame
    of a point layer (settlements, ports, facilities) with lon/lat columns as a CSV table."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        if isinstance(gdf, pd.DataFrame) and name in ("settlements", "ports", "facilities"):
            gdf.to_csv(folder / f"{name}.csv", index=False)
            return
        raise TypeError(f"{name}: expected a GeoDataFrame (or, for points, a DataFrame with "
                        f"lon/lat columns), got {type(gdf).__name__}")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    # Missing values are left out (a property's default applies), never written as null.
    text = gdf.to_json(na="drop", drop_id=True)
    (folder / f"{name}.geojson").write_text(text, encoding="utf-8")


def load(folder: PathLike) -> DataSet:
    """Loads and validates a data-set folder (what ``archiplan validate`` reads)."""
    return DataSet.load(folder)


class Scenario:
    """Services, standards, targets and costs to plan for (a scenario TOML)."""

    def __init__(self, core: _core.ScenarioCore):
        self._core = core

    @classmethod
    def from_toml(cls, path_or_text: Union[PathLike, str]) -> "Scenario":
        """A scenario from a ``.toml`` file or from TOML text."""
        if isinstance(path_or_text, os.PathLike) or (
            isinstance(path_or_text, str) and "\n" not in path_or_text
            and (path_or_text.endswith(".toml") or os.path.exists(path_or_text))
        ):
            return cls(_core.ScenarioCore.load(os.fspath(path_or_text)))
        return cls(_core.ScenarioCore.parse(path_or_text, "<scenario text>"))

    @staticmethod
    def template() -> str:
        """The scenario template (``archiplan scenario template``), every option commented."""
        return _core.template()

    @classmethod
    def default(cls) -> "Scenario":
        """The template's scenario, which ``archiplan plan`` uses without ``--scenario``."""
        return cls(_core.ScenarioCore.parse(_core.template(), "<template>"))

    @property
    def services(self) -> list:
        return list(self._core.services)

    def __repr__(self) -> str:
        return f"Scenario({self._core.origin}: {', '.join(self.services)})"


def _dataset(data: Union[DataSet, PathLike]) -> DataSet:
    return data if isinstance(data, DataSet) else load(data)


def _scenario(scenario: Union[Scenario, PathLike, str, None]) -> Scenario:
    if scenario is None:
        return Scenario.default()
    return scenario if isinstance(scenario, Scenario) else Scenario.from_toml(scenario)


def _features(data: bytes) -> gpd.GeoDataFrame:
    fc = json.loads(data)
    if not fc["features"]:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    return gpd.GeoDataFrame.from_features(fc["features"], crs="EPSG:4326")


class Plan:
    """A plan in memory: the files ``archiplan plan -o`` writes, as Python objects."""

    def __init__(self, core: _core.PlanCore, data: DataSet, scenario: Scenario):
        self._core = core
        self.data = data
        self.scenario = scenario

    @property
    def summary(self) -> dict:
        """``summary.json``: cost lines, status, gap, targets, per-service results."""
        return json.loads(self._core.file("summary.json"))

    @property
    def targets(self) -> pd.DataFrame:
        """``targets.csv``: each target, required and achieved, met or not."""
        return pd.read_csv(io.BytesIO(self._core.file("targets.csv")))

    @property
    def roving(self) -> pd.DataFrame:
        """``roving.csv``: the roving teams' visits and the sailings they take."""
        return pd.read_csv(io.BytesIO(self._core.file("roving.csv")), dtype=str)

    @property
    def facilities(self) -> gpd.GeoDataFrame:
        return _features(self._core.file("facilities.geojson"))

    @property
    def settlements(self) -> gpd.GeoDataFrame:
        return _features(self._core.file("settlements.geojson"))

    @property
    def assignments(self) -> gpd.GeoDataFrame:
        return _features(self._core.file("assignments.geojson"))

    @property
    def islands(self) -> gpd.GeoDataFrame:
        return _features(self._core.file("islands.geojson"))

    @property
    def routes(self) -> gpd.GeoDataFrame:
        return _features(self._core.file("routes.geojson"))

    @property
    def files(self) -> list:
        """The plan folder's file names."""
        return list(self._core.names())

    def file(self, name: str) -> bytes:
        """One file of the plan folder, byte for byte as the command line writes it."""
        return self._core.file(name)

    @property
    def seconds(self) -> float:
        return self._core.seconds

    @property
    def solver(self) -> str:
        return self._core.solver

    def write(self, folder: PathLike, check: bool = True) -> Path:
        """Writes the plan folder atomically (with ``check``, audited first, as
        ``archiplan plan --check``). A folder archiplan did not write is never replaced."""
        self._core.write(os.fspath(folder), check)
        return Path(folder)

    def check(self) -> "CheckResult":
        """The independent audit (``archiplan check``) of this plan."""
        with tempfile.TemporaryDirectory(prefix="archiplan-check-") as tmp:
            folder = Path(tmp) / "plan"
            self._core.write(os.fspath(folder), False)
            return check(self.data, self.scenario, folder)

    def __repr__(self) -> str:
        s = self.summary
        return f"Plan({s.get('cost')} CNY/yr, {s.get('status')}, {self.seconds:.2f} s)"


def plan(
    data: Union[DataSet, PathLike],
    scenario: Union[Scenario, PathLike, str, None] = None,
    time_limit: Optional[float] = None,
    threads: Optional[int] = None,
    solver: str = "auto",
    progress: Optional[Callable[[str, str, float, float], None]] = None,
) -> Plan:
    """Plans every service of ``scenario`` (default: the template) on ``data``.

    ``time_limit`` is the whole plan's budget in seconds; ``threads`` the worker threads
    (results do not depend on it); ``solver`` ``"auto"``, ``"microlp"`` or ``"highs"`` (when
    built with it). ``progress(service, status, gap, seconds)`` is called as each service is
    planned. The GIL is released while planning. Raises :class:`Infeasible` when no plan meets
    the scenario, with the reason.
    """
    data, scenario = _dataset(data), _scenario(scenario)
    core = _core.plan(data._core, scenario._core, time_limit, threads, solver, progress)
    return Plan(core, data, scenario)


class CheckResult:
    """The audit of a plan folder: ``ok``, the terminal ``text``, the full ``report``."""

    def __init__(self, ok: bool, text: str, report: dict):
        self.ok, self.text, self.report = ok, text, report

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"CheckResult(ok={self.ok})"


def check(
    data: Union[DataSet, PathLike],
    scenario: Union[Scenario, PathLike, str, None],
    folder: PathLike,
) -> CheckResult:
    """Audits a plan folder against its data and scenario, re-deriving every figure by
    routes that share no planning code (``archiplan check DATA FOLDER``)."""
    data, scenario = _dataset(data), _scenario(scenario)
    ok, text, report = _core.check(data._core, scenario._core, os.fspath(folder))
    return CheckResult(ok, text, json.loads(report))


def sweep(
    data: Union[DataSet, PathLike],
    sweep_file: PathLike,
    out: PathLike,
    threads: Optional[int] = None,
    time_limit: Optional[float] = None,
    solver: str = "auto",
    check: bool = False,
    resume: bool = False,
    progress: Optional[Callable[[str, str, float], None]] = None,
) -> pd.DataFrame:
    """Runs a sweep file (``archiplan sweep DATA SWEEP -o OUT``) and returns its results
    table (``OUT/results.csv``) as a DataFrame, one row per scenario. With ``resume``, the
    scenarios already in ``OUT`` are kept; ``progress(folder, status, seconds)`` is called as
    each scenario's folder (``OUT/scenarios/<folder>``) is written."""
    folder = data.source if isinstance(data, DataSet) else Path(data)
    _core.sweep(os.fspath(folder), os.fspath(sweep_file), os.fspath(out), threads,
                time_limit, solver, check, resume, progress)
    return pd.read_csv(Path(out) / "results.csv")
