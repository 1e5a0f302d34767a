"""Location models for researchers, in the style of PySAL spopt's ``locate``.

Each model is built from a demand x site cost matrix (``from_cost_matrix``) or from two
GeoDataFrames (``from_geodataframe``), and ``solve()`` runs archiplan's solvers (fast paths
with Lagrangian bounds, branch and bound, or a MILP backend) and sets:

- ``objective``, ``bound`` (proven), ``gap``, ``status`` (``optimal``, ``time_limit``, ...),
  ``solver``, ``seconds``;
- ``open_sites``: indices of the open sites (ascending), and ``open_labels`` for
  GeoDataFrames (the sites' index labels);
- ``assignment``: the site serving (or covering) each demand point, ``-1`` if none;
- ``fac2cli`` / ``cli2fac``: the same as spopt's lists.

A cost that is not a finite number means "unreachable": the pair is left out, never
replaced by a big number.
"""

from __future__ import annotations

import json
import math
from typing import Optional, Sequence

from . import _archiplan as _core


def _sparse(cost, radius: Optional[float] = None):
    """Rows of (site, cost) pairs; pairs beyond ``radius`` are dropped where the model
    only asks "within the radius" (the coverage models)."""
    rows = []
    n_sites = None
    for i, row in enumerate(cost):
        row = [float(c) for c in row]
        if n_sites is None:
            n_sites = len(row)
        elif len(row) != n_sites:
            raise ValueError(f"cost matrix row {i} has {len(row)} columns, row 0 has {n_sites}")
        rows.append([(j, c) for j, c in enumerate(row)
                     if math.isfinite(c) and (radius is None or c <= radius)])
    if n_sites is None:
        raise ValueError("the cost matrix has no rows (no demand points)")
    return rows, n_sites


class _Model:
    model = ""

    def __init__(self, rows, n_sites: int, weights: Sequence[float], p=None, radius=None,
                 sites_index=None):
        self._rows, self.n_sites = rows, n_sites
        self.weights = [float(w) for w in weights]
        if len(self.weights) != len(rows):
            raise ValueError(f"{len(self.weights)} weights for {len(rows)} demand points")
        self.p, self.radius = p, radius
        self._sites_index = sites_index
        self.result: Optional[dict] = None

    @classmethod
    def _from_matrix(cls, cost, weights, p=None, radius=None, sites_index=None):
        if hasattr(cost, "to_numpy"):  # a DataFrame iterates over its column labels
            cost = cost.to_numpy()
        if hasattr(cost, "tolist"):
            cost = cost.tolist()
        rows, n = _sparse(cost, radius)
        weights = [1.0] * len(rows) if weights is None else list(weights)
        return cls(rows, n, weights, p=p, radius=radius, sites_index=sites_index)

    @classmethod
    def _from_gdf(cls, demand, sites, weights_col, p=None, radius=None, metric="auto"):
        cost = distance_matrix(demand, sites, metric)
        weights = None if weights_col is None else demand[weights_col].tolist()
        return cls._from_matrix(cost, weights, p=p, radius=radius,
                                sites_index=list(sites.index))

    def solve(self, time_limit: Optional[float] = None, solver: str = "auto"):
        """Solves the model; the GIL is released meanwhile. Returns ``self``."""
        text = _core.solve(self.model, self._rows, self.n_sites, self.weights, self.p,
                           self.radius, time_limit, solver)
        self.result = json.loads(text)
        return self

    def _get(self, key):
        if self.result is None:
            raise RuntimeError("call solve() first")
        return self.result[key]

    objective = property(lambda self: self._get("objective"))
    bound = property(lambda self: self._get("bound"))
    gap = property(lambda self: self._get("gap"))
    status = property(lambda self: self._get("status"))
    solver = property(lambda self: self._get("solver"))
    seconds = property(lambda self: self._get("seconds"))
    open_sites = property(lambda self: list(self._get("open")))

    @property
    def assignment(self) -> list:
        return [-1 if a is None else a for a in self._get("assignment")]

    @property
    def open_labels(self) -> list:
        index = self._sites_index or list(range(self.n_sites))
        return [index[j] for j in self.open_sites]

    @property
    def fac2cli(self) -> list:
        out = [[] for _ in range(self.n_sites)]
        for i, j in enumerate(self.assignment):
            if j >= 0:
                out[j].append(i)
        return out

    @property
    def cli2fac(self) -> list:
        return [[] if j < 0 else [j] for j in self.assignment]

    def __repr__(self) -> str:
        state = "unsolved" if self.result is None else (
            f"objective {self.objective:g}, gap {self.gap:.2%}, {self.status}")
        return f"{type(self).__name__}({len(self._rows)} x {self.n_sites}; {state})"


class PMedian(_Model):
    """Minimise the weighted sum of costs with exactly ``p`` open sites."""

    model = "p-median"

    @classmethod
    def from_cost_matrix(cls, cost, weights=None, p: int = 1) -> "PMedian":
        return cls._from_matrix(cost, weights, p=p)

    @classmethod
    def from_geodataframe(cls, demand, sites, weights_col=None, p: int = 1,
                          metric: str = "auto") -> "PMedian":
        return cls._from_gdf(demand, sites, weights_col, p=p, metric=metric)


class PCenter(_Model):
    """Minimise the largest cost from a demand point to its site, with ``p`` open sites."""

    model = "p-center"

    @classmethod
    def from_cost_matrix(cls, cost, p: int = 1) -> "PCenter":
        return cls._from_matrix(cost, None, p=p)

    @classmethod
    def from_geodataframe(cls, demand, sites, p: int = 1, metric: str = "auto") -> "PCenter":
        return cls._from_gdf(demand, sites, None, p=p, metric=metric)


class MCLP(_Model):
    """Maximise the weight within ``service_radius`` of ``p`` open sites."""

    model = "mclp"

    @classmethod
    def from_cost_matrix(cls, cost, weights=None, service_radius: float = 0.0,
                         p: int = 1) -> "MCLP":
        return cls._from_matrix(cost, weights, p=p, radius=float(service_radius))

    @classmethod
    def from_geodataframe(cls, demand, sites, weights_col=None, service_radius: float = 0.0,
                          p: int = 1, metric: str = "auto") -> "MCLP":
        return cls._from_gdf(demand, sites, weights_col, p=p, radius=float(service_radius),
                             metric=metric)


class LSCP(_Model):
    """The fewest sites that put every demand point within ``service_radius``."""

    model = "lscp"

    @classmethod
    def from_cost_matrix(cls, cost, service_radius: float = 0.0) -> "LSCP":
        return cls._from_matrix(cost, None, radius=float(service_radius))

    @classmethod
    def from_geodataframe(cls, demand, sites, service_radius: float = 0.0,
                          metric: str = "auto") -> "LSCP":
        return cls._from_gdf(demand, sites, None, radius=float(service_radius), metric=metric)


EARTH_RADIUS_KM = 6371.0088


def distance_matrix(demand, sites, metric: str = "auto"):
    """Demand x site distances between the geometries' representative points.

    ``metric="euclidean"``: straight lines in the layers' CRS units (as spopt);
    ``"great_circle"``: kilometres on the sphere (lon/lat layers); ``"auto"``: great circle
    for a geographic CRS (or none), else Euclidean. Both layers must share a CRS.
    """
    if demand.crs != sites.crs:
        raise ValueError(f"demand CRS {demand.crs} differs from sites CRS {sites.crs}")
    if metric == "auto":
        metric = "great_circle" if demand.crs is None or demand.crs.is_geographic else "euclidean"
    if metric not in ("euclidean", "great_circle"):
        raise ValueError(f"metric {metric!r}: euclidean, great_circle or auto")
    a = [(p.x, p.y) for p in demand.geometry.representative_point()]
    b = [(p.x, p.y) for p in sites.geometry.representative_point()]
    if metric == "euclidean":
        return [[math.hypot(x - u, y - v) for (u, v) in b] for (x, y) in a]
    return [[_haversine(x, y, u, v) for (u, v) in b] for (x, y) in a]


def _haversine(lon1, lat1, lon2, lat2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))
