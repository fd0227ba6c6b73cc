"""parley.sweep: a parameter grid simulated in parallel worker processes, one DataFrame row per
point. A point that fails keeps its row, with the reason in the `error` column."""
import itertools
import multiprocessing
import os
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd

from .simulate import run


def grid_points(grid):
    """A dict of lists is a Cartesian product (keys vary last-fastest); a list of dicts is taken as is."""
    if isinstance(grid, dict):
        keys = list(grid)
        return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]
    return [dict(point) for point in grid]


def _run_point(task):
    """One grid point in a worker: the Result's key figures, or the error that stopped it."""
    scenario, point, out, settings = task
    overrides = dict(settings.pop("overrides", None) or {})
    point = dict(point)
    seed = point.pop("seed", settings.pop("seed", None))
    overrides.update(point)
    try:
        result = run(scenario, seed=seed, out=out, progress=False, overrides=overrides, **settings)
    except Exception as error:  # reported in the row, never dropped
        return {"error": f"{type(error).__name__}: {error}".strip()}
    return {"error": None, **result.metrics(), "seed": result.seed, "path": str(result.path)}


def sweep(scenario, grid, processes=None, out=None, **settings):
    """Simulates every point of `grid` (dotted keys -> values, e.g. {"population.users": [1e4, 1e5]},
    or a list of dicts; a "seed" key sets the seed) and returns one DataFrame, one row per point in
    grid order: the point's values, `error` (None when it ran), then Result.metrics() and `path`.
    processes: worker processes (default: the CPU count). Other keyword arguments go to run()
    (seed, overrides, sample_users, traced_per_s, ...)."""
    points = grid_points(grid)
    base = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="parley-sweep-"))
    tasks = [(scenario, p, base / f"point-{i:03d}", dict(settings)) for i, p in enumerate(points)]
    processes = max(1, min(processes or os.cpu_count() or 1, len(tasks) or 1))
    if processes == 1:
        rows = [_run_point(task) for task in tasks]
    else:
        rows = _run_parallel(tasks, processes)
    frame = pd.DataFrame([{**point, **row} for point, row in zip(points, rows)])
    leading = list(dict.fromkeys([k for p in points for k in p] + ["error"]))
    return frame[leading + [c for c in frame.columns if c not in leading]]


def _run_parallel(tasks, processes):
    # spawn: a fresh interpreter per worker, nothing inherited from a notebook's threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [pool.submit(_run_point, task) for task in tasks]
        rows = []
        for future in futures:
            try:
                rows.append(future.result())
            except BrokenProcessPool as error:
                rows.append({"error": f"worker process died: {error}"})
            except Exception:  # noqa: BLE001 - reported in the row
                rows.append({"error": traceback.format_exc(limit=1).strip()})
    return rows
