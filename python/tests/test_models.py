"""The spopt-style location models, against brute force and, where installed, spopt."""

import itertools
import math
import random

import geopandas as gpd
import pytest
from shapely.geometry import Point

import archiplan


def instance(seed, n=9, m=6):
    rng = random.Random(seed)
    demand = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(n)]
    sites = [(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(m)]
    cost = [[round(math.dist(a, b), 3) for b in sites] for a in demand]
    weights = [rng.randint(1, 50) for _ in range(n)]
    return cost, weights


def best(cost, weights, p, value):
    """Brute force over every set of p sites: (best value, its sets)."""
    sets = list(itertools.combinations(range(len(cost[0])), p))
    scores = [value(s) for s in sets]
    return scores, sets


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_p_median_and_p_center_equal_brute_force(seed, p):
    cost, w = instance(seed)
    median = lambda s: sum(wi * min(row[j] for j in s) for wi, row in zip(w, cost))
    center = lambda s: max(min(row[j] for j in s) for row in cost)
    m = archiplan.PMedian.from_cost_matrix(cost, w, p=p).solve()
    assert m.status == "optimal" and m.gap == 0
    assert m.objective == pytest.approx(min(median(s) for s in itertools.combinations(range(6), p)), rel=1e-5)
    assert len(m.open_sites) == p
    # The reported assignment is the open set's: each point at its nearest open site.
    assert m.objective == pytest.approx(median(m.open_sites), rel=1e-5)
    assert all(a in m.open_sites and cost[i][a] == pytest.approx(min(cost[i][j] for j in m.open_sites), rel=1e-5)
               for i, a in enumerate(m.assignment))
    c = archiplan.PCenter.from_cost_matrix(cost, p=p).solve()
    assert c.objective == pytest.approx(min(center(s) for s in itertools.combinations(range(6), p)), rel=1e-5)
    assert c.objective == pytest.approx(center(c.open_sites), rel=1e-5)


@pytest.mark.parametrize("seed", range(6))
def test_mclp_and_lscp_equal_brute_force(seed):
    cost, w = instance(seed)
    r = 35.0
    covered = lambda s: sum(wi for wi, row in zip(w, cost) if any(row[j] <= r for j in s))
    for p in (1, 2, 3):
        m = archiplan.MCLP.from_cost_matrix(cost, w, service_radius=r, p=p).solve()
        assert m.objective == pytest.approx(max(covered(s) for s in itertools.combinations(range(6), p)))
        assert m.objective == pytest.approx(covered(m.open_sites))
    reachable = all(any(c <= r for c in row) for row in cost)
    if not reachable:
        with pytest.raises(archiplan.ArchiplanError):
            archiplan.LSCP.from_cost_matrix(cost, service_radius=r).solve()
        return
    fewest = next(k for k in range(1, 7)
                  if any(all(any(row[j] <= r for j in s) for row in cost)
                         for s in itertools.combinations(range(6), k)))
    lscp = archiplan.LSCP.from_cost_matrix(cost, service_radius=r).solve()
    assert lscp.objective == fewest and len(lscp.open_sites) == fewest
    assert all(any(row[j] <= r for j in lscp.open_sites) for row in cost)


def test_unreachable_pairs_are_left_out_never_a_big_number():
    inf = float("inf")
    cost = [[1.0, inf], [inf, 2.0], [5.0, 1.0]]
    m = archiplan.PMedian.from_cost_matrix(cost, [1, 1, 1], p=2).solve()
    assert m.objective == pytest.approx(4.0) and m.open_sites == [0, 1]
    with pytest.raises(archiplan.Infeasible) as err:
        archiplan.PMedian.from_cost_matrix(cost, [1, 1, 1], p=1).solve()
    assert err.value.exit_code == 3


def test_bad_models_raise_clear_errors():
    with pytest.raises(ValueError, match="row 1 has 2 columns"):
        archiplan.PMedian.from_cost_matrix([[1, 2, 3], [1, 2]], [1, 1], p=1)
    with pytest.raises(ValueError, match="3 weights for 2"):
        archiplan.PMedian.from_cost_matrix([[1, 2], [1, 2]], [1, 1, 1], p=1)
    with pytest.raises(archiplan.InvalidInput) as err:
        archiplan.PMedian.from_cost_matrix([[1, 2], [1, 2]], [1, -1], p=1).solve()
    assert "weight" in str(err.value) and err.value.exit_code == 2
    with pytest.raises(archiplan.InvalidInput, match="p"):
        archiplan.PMedian.from_cost_matrix([[1, 2], [1, 2]], [1, 1], p=5).solve()


def test_from_geodataframe_uses_the_crs_units_or_great_circle_km():
    cost, w = instance(3)
    rng = random.Random(3)
    demand_pts = [Point(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(9)]
    site_pts = [Point(rng.uniform(0, 100), rng.uniform(0, 100)) for _ in range(6)]
    demand = gpd.GeoDataFrame({"w": w}, geometry=demand_pts, crs=32651)
    sites = gpd.GeoDataFrame({"name": list("abcdef")}, geometry=site_pts, crs=32651).set_index("name")
    m = archiplan.PMedian.from_geodataframe(demand, sites, "w", p=2).solve()
    matrix = [[d.distance(s) for s in site_pts] for d in demand_pts]
    ref = archiplan.PMedian.from_cost_matrix(matrix, w, p=2).solve()
    assert m.objective == pytest.approx(ref.objective, rel=1e-5)
    assert m.open_labels == [sites.index[j] for j in ref.open_sites]
    # Lon/lat: kilometres on the sphere (one degree of latitude is ~111.2 km).
    a = gpd.GeoDataFrame(geometry=[Point(122.0, 30.0)], crs=4326)
    b = gpd.GeoDataFrame(geometry=[Point(122.0, 31.0)], crs=4326)
    one = archiplan.PCenter.from_geodataframe(a, b, p=1).solve()
    assert one.objective == pytest.approx(111.195, rel=1e-4)


def test_numpy_and_pandas_matrices_are_read_as_the_lists_they_hold():
    import numpy as np
    import pandas as pd

    cost, w = instance(2)
    ref = archiplan.PMedian.from_cost_matrix(cost, w, p=2).solve()
    for matrix in (np.array(cost), pd.DataFrame(cost, columns=[f"s{j}" for j in range(6)])):
        m = archiplan.PMedian.from_cost_matrix(matrix, w, p=2).solve()
        assert (m.objective, m.open_sites) == (ref.objective, ref.open_sites)
