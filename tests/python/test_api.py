"""`import parley` as a notebook uses it: run() in-process (a forked child per run), Result types,
determinism by seed, overrides, scenario errors naming the field, progress, Ctrl-C, sweep,
load_results on simulated and measured run directories, compare()."""
import _thread
import json
import os
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import parley

ROOT = Path(__file__).resolve().parents[2]
MEASURED = ROOT / "results" / "example-run"  # written by parley-load
# A few simulated seconds of the shipped smoke deployment, no faults: about a second of wall time.
SMALL = {"duration_s": 4, "faults.schedule": [], "population.users": 2000}
FAST = dict(progress=False, grace_s=2, sample_users=200)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    return parley.run("sim-smoke", seed=5, out=tmp_path_factory.mktemp("run") / "a", **FAST, **SMALL)


def test_run_returns_the_documented_types(small_run):
    r = small_run
    assert isinstance(r, parley.Result) and r.kind == "simulated"
    assert isinstance(r.summary, dict) and isinstance(r.manifest, dict)
    assert r.seed == 5 and r.scenario_name == "sim-smoke" and r.manifest["tool"] == "parley-sim"
    assert r.summary["counts"]["sent"] > 0 and r.summary["counts"]["missing"] == 0
    assert isinstance(r.timeseries, pd.DataFrame)
    assert list(r.timeseries.columns[:4]) == ["t_s", "sends", "acks", "deliveries"]
    assert isinstance(r.tables["utilisation"], pd.DataFrame)
    delivery = r.histograms["delivery"]
    assert isinstance(delivery.bounds, np.ndarray) and isinstance(delivery.counts, np.ndarray)
    assert delivery.counts.sum() == delivery.count == r.summary["latency_us"]["delivery"]["count"]
    assert isinstance(r.slos, pd.DataFrame) and "p99_delivery_ms" in set(r.slos["name"])
    assert "parley-sim: seed 5" in r.log


def test_histogram_percentiles_match_the_summary(small_run):
    for name in ("ack", "delivery"):
        h, reported = small_run.histograms[name], small_run.summary["latency_us"][name]
        for p, key in ((50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p99_9")):
            assert h.percentile(p) == reported[key], (name, p)
        assert h.percentile(100) == reported["max"] and h.percentile(0) == reported["min"]
    cdf = small_run.histograms["delivery"].cdf()
    assert cdf["fraction"].is_monotonic_increasing and cdf["fraction"].iloc[-1] == 1.0


def test_same_seed_same_summary_other_seed_differs(small_run, tmp_path):
    again = parley.run("sim-smoke", seed=5, out=tmp_path / "b", **FAST, **SMALL)
    assert again.summary == small_run.summary
    pd.testing.assert_frame_equal(again.timeseries, small_run.timeseries)
    other = parley.run("sim-smoke", seed=6, out=tmp_path / "c", **FAST, **SMALL)
    assert other.summary["latency_us"] != small_run.summary["latency_us"]


def test_overrides_in_all_three_spellings_reach_the_run(tmp_path):
    r = parley.run("sim-smoke", seed=1, out=tmp_path / "r", **FAST, duration_s=3,
                   topology__gateways__count=3, overrides={"faults.schedule": []},
                   **{"population.users": 1500})
    assert r.manifest["overrides"] == ["faults.schedule=[]", "duration_s=3",  # overrides= first
                                       "topology.gateways.count=3", "population.users=1500"]
    assert "users: 1500" in r.manifest["scenario"]["yaml"]
    assert r.metrics()["gateway_hosts"] == 3


def test_scenario_as_yaml_text_and_as_dict(tmp_path):
    text = (ROOT / "scenarios" / "sim-smoke.yaml").read_text()
    from_text = parley.run(text, seed=2, out=tmp_path / "t", **FAST, **SMALL)
    assert from_text.scenario_name == "sim-smoke"
    canonical = parley.validate(text, SMALL)
    assert "users: 2000" in canonical
    minimal = {"name": "tiny", "duration_s": 3, "population": {"users": 500}}
    from_dict = parley.run(minimal, seed=2, out=tmp_path / "d", **FAST)
    assert from_dict.scenario_name == "tiny" and from_dict.summary["counts"]["sent"] > 0


def test_unknown_field_raises_scenario_error_naming_it():
    with pytest.raises(parley.ScenarioError) as caught:
        parley.run("sim-smoke", progress=False, population__userz=4)
    assert caught.value.field == "population.userz"
    assert "did you mean 'users'" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_bad_value_and_line_number_are_reported():
    with pytest.raises(parley.ScenarioError) as caught:
        parley.validate("name: x\nduration_s: 5\npopulation:\n  users: -3\n")
    assert caught.value.field == "population.users" and caught.value.line == 4
    with pytest.raises(parley.ScenarioError) as caught:
        parley.validate("sim-smoke", {"topology.gateways.count": 0, "workload.group_share": 2})
    fields = [e["field"] for e in caught.value.errors]
    assert {"topology.gateways.count", "workload.group_share"} <= set(fields)


def test_missing_scenario_and_bad_argument_types():
    with pytest.raises(FileNotFoundError, match="not a shipped scenario"):
        parley.run("no-such-scenario", progress=False)
    with pytest.raises(TypeError):
        parley.run(42, progress=False)
    assert "sim-smoke" in parley.shipped()


def test_progress_callback_sees_simulated_time_advance(tmp_path):
    seen = []
    parley.run("sim-smoke", seed=3, out=tmp_path / "p", grace_s=1, sample_users=200,
               progress=lambda s, total: seen.append((s, total)), **SMALL)
    assert len(seen) >= 3
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
    assert seen[-1][0] == seen[-1][1] == 5.0  # 4 s of traffic + 1 s grace


def test_a_failing_callback_stops_the_run(tmp_path):
    def stop(simulated_s, total_s):
        raise RuntimeError("enough")
    with pytest.raises(RuntimeError, match="enough"):
        parley.run("sim-smoke", seed=3, out=tmp_path / "x", progress=stop, sample_users=200)
    assert not _children()


def _children():
    """Live child processes of this interpreter (a killed simulation must be reaped)."""
    me, found = str(os.getpid()), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            found.append(stat.parent.name)
    return found


def test_ctrl_c_interrupts_a_long_run_and_reaps_the_child(tmp_path):
    timer = threading.Timer(1.0, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            parley.run("sim-smoke", seed=3, out=tmp_path / "i", progress=False, duration_s=3600)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 10
    assert not _children()


def test_two_runs_in_one_interpreter_after_an_interrupt_still_work(tmp_path):
    r = parley.run("sim-smoke", seed=9, out=tmp_path / "after", **FAST, **SMALL)
    assert r.summary["counts"]["missing"] == 0


def test_sweep_returns_one_row_per_point_and_keeps_failures(tmp_path):
    grid = [{"topology.gateways.count": 1}, {"topology.gateways.count": 2},
            {"topology.gateways.count": 0}, {"topology.gateways.count": 2, "seed": 11}]
    frame = parley.sweep("sim-smoke", grid, processes=2, out=tmp_path / "sweep", seed=4,
                         overrides=SMALL, grace_s=1, sample_users=200)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 4
    assert list(frame.columns[:3]) == ["topology.gateways.count", "seed", "error"]
    assert frame["error"].isna().tolist() == [True, True, False, True]
    assert "topology.gateways.count" in frame.loc[2, "error"] and "ScenarioError" in frame.loc[2, "error"]
    assert frame.loc[:1, "seed"].tolist() == [4, 4] and frame.loc[3, "seed"] == 11
    assert frame.loc[1, "gateway_hosts"] == 2 and frame.loc[0, "gateway_hosts"] == 1
    assert (frame.loc[[0, 1, 3], "sent"] > 0).all()


def test_sweep_grid_is_a_cartesian_product():
    points = parley.sweep.__globals__["grid_points"]({"a": [1, 2], "b": ["x", "y", "z"]})
    assert len(points) == 6 and points[0] == {"a": 1, "b": "x"} and points[-1] == {"a": 2, "b": "z"}


def test_load_results_reads_a_measured_run():
    m = parley.load_results(MEASURED)
    assert m.kind == "measured" and m.manifest["tool"] == "parley-load"
    assert m.histograms["delivery"].percentile(99) == m.summary["latency_us"]["delivery"]["p99"]
    assert m.metrics()["sent"] == m.summary["counts"]["sent"]


def test_load_results_refuses_what_is_not_a_run_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        parley.load_results(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ValueError, match="expected 'parley-run'"):
        parley.load_results(tmp_path)


def test_compare_lines_up_prediction_and_measurement(small_run):
    m = parley.load_results(MEASURED)
    frame = parley.compare(small_run, m)
    assert list(frame.columns) == ["simulated", "measured", "ratio"]
    assert frame.loc["delivery_p99_ms", "simulated"] == small_run.metrics()["delivery_p99_ms"]
    row = frame.loc["delivery_p99_ms"]
    assert row["ratio"] == pytest.approx(row["measured"] / row["simulated"])
    same = parley.compare(small_run, small_run)
    assert list(same.columns) == ["a", "b", "ratio"] and (same["ratio"].dropna() == 1.0).all()


def test_faults_table_lists_each_injected_fault(tmp_path):
    crash = [{"at_s": 2, "kind": "gateway_crash", "target": "gateway:1", "duration_s": 1}]
    r = parley.run("sim-smoke", seed=8, out=tmp_path / "f", **FAST, duration_s=4,
                   **{"population.users": 2000, "faults.schedule": crash})
    assert len(r.faults) == 1
    row = r.faults.iloc[0]
    assert row["kind"] == "gateway_crash" and row["at_s"] == 2 and row["outcome.lost.acknowledged"] == 0
    assert parley.load_results(MEASURED).faults.empty
