"""archiplan: where an archipelago puts its public services.

The same engine as the ``archiplan`` command line, with pandas and geopandas at the edges::

    import archiplan
    data = archiplan.load("data/daishan")
    scenario = archiplan.Scenario.from_toml("data/daishan/scenario-2024.toml")
    plan = archiplan.plan(data, scenario)
    plan.summary["cost"], plan.targets, plan.facilities   # dict, DataFrame, GeoDataFrame
    plan.write("out/daishan-2024")                         # audited, as `archiplan plan --check`

Researchers' location models take cost matrices or GeoDataFrames, as spopt's do::

    archiplan.PMedian.from_cost_matrix(cost, weights, p=3).solve().objective

Errors are exceptions: :class:`InvalidInput` (the command line's exit code 2) lists every
problem with its file, feature and field; :class:`Infeasible` (exit code 3) explains why no
plan exists; both derive from :class:`ArchiplanError`.
"""

from ._archiplan import ArchiplanError, Infeasible, InvalidInput, __version__
from .core import CheckResult, DataSet, Plan, Scenario, check, load, plan, sweep
from .models import LSCP, MCLP, PCenter, PMedian

__all__ = [
    "ArchiplanError",
    "CheckResult",
    "DataSet",
    "Infeasible",
    "InvalidInput",
    "LSCP",
    "MCLP",
    "PCenter",
    "PMedian",
    "Plan",
    "Scenario",
    "check",
    "load",
    "plan",
    "sweep",
    "__version__",
]
