"""Reference run: PySAL spopt p-median (PuLP model) solved by HiGHS, on OR-Library files.

Usage: python3 benches/reference/spopt_pmedian.py [--time-limit S] FILE...
Needs: pip install spopt pulp highspy scipy
Prints one line per instance: name, n, p, objective, status, build seconds, solve seconds.
Reads the file like archiplan does: `n edges p`, then `i j cost` lines, undirected, the LAST
occurrence of a repeated edge wins, all-pairs shortest paths.
"""
import sys
import time

import numpy as np
import pulp
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path
from spopt.locate import PMedian


def read(path):
    with open(path) as f:
        tokens = f.read().split()
    n, m, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
    edges = {}
    vals = tokens[3 : 3 + 3 * m]
    for k in range(m):
        i, j, c = int(vals[3 * k]) - 1, int(vals[3 * k + 1]) - 1, float(vals[3 * k + 2])
        edges[(min(i, j), max(i, j))] = c  # last occurrence wins
    rows = [a for (a, b) in edges] + [b for (a, b) in edges]
    cols = [b for (a, b) in edges] + [a for (a, b) in edges]
    data = list(edges.values()) * 2
    graph = csr_matrix((data, (rows, cols)), shape=(n, n))
    return n, p, shortest_path(graph, directed=False)


def main(argv):
    limit = 300.0
    if argv[:1] == ["--time-limit"]:
        limit, argv = float(argv[1]), argv[2:]
    for path in argv:
        name = path.rsplit("/", 1)[-1].removesuffix(".txt")
        n, p, dist = read(path)
        t0 = time.perf_counter()
        model = PMedian.from_cost_matrix(dist, np.ones(n), p_facilities=p, name=name)
        t1 = time.perf_counter()
        try:
            model = model.solve(pulp.HiGHS(msg=False, timeLimit=limit))
            status = pulp.LpStatus[model.problem.status]
            obj = f"{pulp.value(model.problem.objective):.0f}"
        except RuntimeError as e:  # spopt raises when PuLP reports "Not Solved"
            status, obj = f"error ({e})", "-"
        t2 = time.perf_counter()
        print(f"{name} n={n} p={p} objective={obj} status={status} "
              f"build={t1 - t0:.1f}s solve={t2 - t1:.1f}s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
