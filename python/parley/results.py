"""Run directories (results/README.md) as Python objects: one Result type for a simulated run
(parley-sim, parley.run) and a measured one (parley-load), and compare() to line two up."""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

_KINDS = {"parley-sim": "simulated", "parley-load": "measured"}
_LINEAR_LIMIT = 256       # histogram buckets are one µs wide below this
_SUB_BUCKET_BITS = 7      # then 128 buckets per power of two


class Histogram:
    """One latency histogram: `bounds` (lowest value of each non-empty bucket) and `counts` as numpy
    arrays, in `unit` (µs); min, max and sum are exact."""

    def __init__(self, name, data):
        self.name = name
        self.unit = data.get("unit", "us")
        buckets = np.asarray(data.get("buckets", []), dtype=np.int64).reshape(-1, 2)
        self.bounds, self.counts = buckets[:, 0].copy(), buckets[:, 1].copy()
        self.count, self.sum = int(data["count"]), int(data["sum"])
        self.min, self.max = int(data["min"]), int(data["max"])
        self.saturated = int(data.get("saturated", 0))

    @property
    def mean(self):
        return self.sum / self.count if self.count else 0.0

    @staticmethod
    def _middle(low):
        if low < _LINEAR_LIMIT:
            return low
        width = 1 << (int(low).bit_length() - 1 - _SUB_BUCKET_BITS)
        return low + (width - 1) // 2

    def percentile(self, percent):
        """The percentile as the tools report it (the bucket's midpoint clamped to min/max), in µs."""
        if self.count == 0:
            return 0
        if not percent > 0:
            return self.min
        if percent >= 100:
            return self.max
        rank = min(max(math.ceil(percent / 100.0 * self.count), 1), self.count)
        index = int(np.searchsorted(np.cumsum(self.counts), rank))
        return int(min(max(self._middle(int(self.bounds[index])), self.min), self.max))

    def cdf(self):
        """DataFrame (value_ms, fraction): the share of recordings at or below each bucket."""
        return pd.DataFrame({"value_ms": self.bounds / 1000.0,
                             "fraction": np.cumsum(self.counts) / max(self.count, 1)})

    def __repr__(self):
        return (f"Histogram({self.name!r}, count={self.count}, p50={self.percentile(50) / 1000:.1f} ms, "
                f"p99={self.percentile(99) / 1000:.1f} ms)")


class Result:
    """A run directory: .manifest and .summary (dicts), .histograms (name -> Histogram),
    .timeseries (DataFrame, one row per second), .tables (other CSVs by stem, e.g. the simulator's
    `utilisation`), .kind ("simulated" or "measured"), .path. `.log` holds a simulated run's output."""

    def __init__(self, path):
        self.path = Path(path)
        self.manifest = _read_json(self.path / "manifest.json", "parley-run")
        self.summary = _read_json(self.path / "summary.json", "parley-summary")
        self.kind = _KINDS.get(self.manifest.get("tool"), "unknown")
        self.histograms = {p.stem: Histogram(p.stem, json.loads(p.read_text()))
                           for p in sorted((self.path / "histograms").glob("*.json"))}
        self.timeseries = pd.read_csv(self.path / "timeseries.csv")
        self.tables = {p.stem: pd.read_csv(p) for p in sorted(self.path.glob("*.csv"))
                       if p.stem != "timeseries"}
        self.log = ""

    @property
    def seed(self):
        return self.manifest["seed"]

    @property
    def scenario_name(self):
        return self.manifest["scenario"]["name"]

    @property
    def passed(self):
        return bool(self.summary["pass"])

    @property
    def slos(self):
        """The SLO verdicts as a DataFrame (name, target, observed, pass)."""
        return pd.DataFrame(self.summary.get("slos", []))

    @property
    def faults(self):
        """The simulator's per-fault report (summary extra.faults) flattened into a DataFrame, one
        row per injected fault: kind, at_s, target, modelled, outcome.*, latency.*, ... (empty for a
        run without faults or a measured run)."""
        faults = self.summary.get("extra", {}).get("faults", [])
        return pd.json_normalize(faults) if faults else pd.DataFrame()

    def metrics(self):
        """The key figures as one flat dict (what compare() and sweep() tabulate)."""
        counts, latency = self.summary["counts"], self.summary.get("latency_us", {})
        expected = counts["delivered"] + counts["missing"]
        sending = self.timeseries[self.timeseries["sends"] > 0]["t_s"] if len(self.timeseries) else []
        seconds = (sending.max() - sending.min() + 1) if len(sending) else 0
        row = {"pass": self.passed, "sent": counts["sent"], "acked": counts["acked"],
               "delivered": counts["delivered"], "missing": counts["missing"],
               "duplicated": counts["duplicated"], "reordered": counts["reordered"],
               "errors": counts["errors"], "loss": counts["missing"] / expected if expected else 0.0,
               "sent_per_s": counts["sent"] / seconds if seconds else 0.0}
        for name in ("ack", "delivery", "fanout_skew"):
            for p in ("p50", "p99", "max"):
                if name in latency:
                    row[f"{name}_{p}_ms"] = latency[name][p] / 1000.0
        row.update(_capacity_figures(self.summary.get("extra", {})))
        return row

    def __repr__(self):
        m = self.metrics()
        return (f"<parley.Result {self.kind} {self.scenario_name!r} seed={self.seed} "
                f"{'PASS' if self.passed else 'FAIL'}: sent {m['sent']}, delivery p99 "
                f"{m.get('delivery_p99_ms', float('nan')):.1f} ms, missing {m['missing']} at {self.path}>")


def _capacity_figures(extra):
    """The simulator's capacity verdict flattened: hosts needed per component, cost per hour."""
    capacity = extra.get("capacity")
    if not isinstance(capacity, dict):
        return {}
    row = {"verdict": capacity.get("verdict"),
           "peak_messages_per_s": capacity.get("peak_messages_per_s")}
    for component, figures in sorted(capacity.get("components", {}).items()):
        row[f"{component}_hosts"] = figures.get("hosts")
        row[f"{component}_hosts_needed"] = figures.get("hosts_needed_at_70pct")
        row[f"{component}_peak_utilisation"] = figures.get("peak_utilisation")
    cost = capacity.get("cost", {})
    row["cost_per_hour"] = cost.get("per_hour")
    row["cost_per_hour_at_70pct"] = cost.get("per_hour_at_70pct")
    return row


def _read_json(path, expected_format):
    if not path.is_file():
        raise FileNotFoundError(f"{path.parent}: not a run directory (no {path.name})")
    data = json.loads(path.read_text())
    if data.get("format") != expected_format:
        raise ValueError(f"{path}: format is {data.get('format')!r}, expected {expected_format!r}")
    return data


def load_results(path):
    """Reads a run directory written by parley-sim, parley-load or parley.run into a Result."""
    return Result(path)


_COMPARED = ["sent", "sent_per_s", "delivered", "missing", "loss", "duplicated", "errors",
             "ack_p50_ms", "ack_p99_ms", "delivery_p50_ms", "delivery_p99_ms"]


def compare(a, b, labels=None):
    """Lines two results up, one row per key metric: the two values and their ratio b / a
    (e.g. compare(prediction, measurement) shows how far the measurement is from the prediction)."""
    if labels is None:
        labels = (a.kind, b.kind) if a.kind != b.kind else ("a", "b")
    ma, mb = a.metrics(), b.metrics()
    names = [n for n in _COMPARED if n in ma and n in mb]
    frame = pd.DataFrame({labels[0]: [float(ma[n]) for n in names],
                          labels[1]: [float(mb[n]) for n in names]}, index=pd.Index(names, name="metric"))
    frame["ratio"] = frame[labels[1]] / frame[labels[0]].where(frame[labels[0]] != 0)
    return frame
