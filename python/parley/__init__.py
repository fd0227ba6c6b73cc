"""parley: drive the chat core and its simulator from Python.

    import parley
    result = parley.run("sim-smoke", duration_s=10, seed=7)
    print(result.summary["counts"], result.histograms["delivery"].percentile(99))
    result.timeseries.plot(x="t_s", y="delivery_p99_us")

run() simulates a scenario (in a forked child; see docs/python.md), load_results() reads any run
directory (simulated or measured by parley-load), compare() lines two up, sweep() runs a grid.
"""
from . import _parley
from ._parley import (SNOWFLAKE_EPOCH_MS, direct_conversation, group_conversation,
                      snowflake_compose, snowflake_decode, validate_frame)
from .results import Histogram, Result, compare, load_results
from .scenarios import ScenarioError, shipped, validate
from .simulate import SimulationError, run
from .sweep import sweep

__all__ = ["run", "load_results", "compare", "sweep", "validate", "shipped", "Result", "Histogram",
           "ScenarioError", "SimulationError", "run_local", "snowflake_decode", "snowflake_compose",
           "direct_conversation", "group_conversation", "validate_frame", "SNOWFLAKE_EPOCH_MS"]

_FIELDS = {"seed", "users", "devices_per_user", "groups", "group_size",
           "messages_per_user_per_s", "group_share"}


def run_local(duration_s=10, **settings):
    """Run the local engine: one node of the real core, simulated clients, every message checked.

    Keyword arguments name LocalRunConfig fields (seed, users, devices_per_user, groups,
    group_size, messages_per_user_per_s, group_share). Returns the summary dict.
    """
    config = _parley.LocalRunConfig()
    for key, value in settings.items():
        if key not in _FIELDS:
            raise TypeError(f"run_local: unknown setting '{key}' (known: {', '.join(sorted(_FIELDS))})")
        setattr(config, key, value)
    if duration_s <= 0:
        raise ValueError("run_local: duration_s must be positive")
    config.duration_ms = int(duration_s * 1000)
    return _parley.run_local(config)
