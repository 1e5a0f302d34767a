"""archiplan's location models give spopt's optima (spopt + pulp's CBC; skipped where they
are not installed)."""

import pytest

import archiplan
from test_models import instance

spopt = pytest.importorskip("spopt.locate", reason="spopt is not installed: the comparison with spopt is skipped")
pulp = pytest.importorskip("pulp", reason="pulp (spopt's solver interface) is not installed")


@pytest.mark.parametrize("seed", range(4))
def test_the_same_answers_as_spopt(seed):
    import numpy as np

    cost, w = instance(seed, n=14, m=8)
    c, weights = np.array(cost), np.array(w)
    solver = pulp.PULP_CBC_CMD(msg=False)
    ours = archiplan.PMedian.from_cost_matrix(cost, w, p=3).solve()
    theirs = spopt.PMedian.from_cost_matrix(c, weights, p_facilities=3).solve(solver)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), rel=1e-5)
    ours = archiplan.PCenter.from_cost_matrix(cost, p=2).solve()
    theirs = spopt.PCenter.from_cost_matrix(c, p_facilities=2).solve(solver)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), rel=1e-5)
    ours = archiplan.MCLP.from_cost_matrix(cost, w, service_radius=30, p=2).solve()
    theirs = spopt.MCLP.from_cost_matrix(c, weights, service_radius=30, p_facilities=2).solve(solver)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), rel=1e-5)
    if all(any(x <= 45 for x in row) for row in cost):
        ours = archiplan.LSCP.from_cost_matrix(cost, service_radius=45).solve()
        theirs = spopt.LSCP.from_cost_matrix(c, service_radius=45).solve(solver)
        assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))
