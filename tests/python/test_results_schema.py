"""The run-directory format (results/README.md): the example written by the C++ results writer
(results/example-run, kept byte-identical to the writer's output by tests/scenario/results_test.cpp)
validates against the JSON schemas, and the schemas reject what they should."""
import copy
import csv
import json
import pathlib

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "results" / "schema"
EXAMPLE = ROOT / "results" / "example-run"
TIMESERIES_HEADER = ["t_s", "sends", "acks", "deliveries", "errors", "connections",
                     "ack_p50_us", "ack_p99_us", "delivery_p50_us", "delivery_p99_us",
                     "typing", "history_reads", "searches"]


def load(path):
    return json.loads(path.read_text())


def validator(name):
    schema = load(SCHEMAS / f"{name}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["manifest", "summary"])
def test_example_validates(name):
    errors = list(validator(name).iter_errors(load(EXAMPLE / f"{name}.json")))
    assert not errors, [e.message for e in errors]


def test_histograms_validate_and_add_up():
    check = validator("histogram")
    files = sorted((EXAMPLE / "histograms").glob("*.json"))
    assert [f.stem for f in files] == ["ack", "delivery", "fanout_skew"]
    summary = load(EXAMPLE / "summary.json")
    for path in files:
        doc = load(path)
        check.validate(doc)
        lows = [low for low, _ in doc["buckets"]]
        assert lows == sorted(set(lows)), f"{path.name}: buckets not strictly increasing"
        assert sum(n for _, n in doc["buckets"]) == doc["count"]
        assert doc["min"] <= doc["max"]
        latency = summary["latency_us"][path.stem]
        assert latency["count"] == doc["count"] and latency["max"] == doc["max"]


def test_timeseries_csv():
    with open(EXAMPLE / "timeseries.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == TIMESERIES_HEADER
    seconds = [float(r[0]) for r in rows[1:]]
    assert seconds == sorted(seconds) and len(seconds) == 20
    counts = load(EXAMPLE / "summary.json")["counts"]
    assert sum(int(r[1]) for r in rows[1:]) == counts["sent"]
    assert sum(int(r[3]) for r in rows[1:]) == counts["delivered"]


def test_summary_verdict_matches_slos():
    summary = load(EXAMPLE / "summary.json")
    assert summary["pass"] == all(s["pass"] for s in summary["slos"])
    assert [s["name"] for s in summary["slos"]] == [
        "p99_delivery_ms", "p99_ack_ms", "zero_loss", "max_error_rate"]


def broken(doc, path, value=None, delete=False):
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize("name,path,value,delete", [
    ("manifest", ["seed"], None, True),
    ("manifest", ["seed"], -1, False),
    ("manifest", ["format"], "other", False),
    ("manifest", ["started_at"], "yesterday", False),
    ("manifest", ["shard", "count"], 0, False),
    ("manifest", ["scenario", "name"], "has space", False),
    ("manifest", ["surprise"], 1, False),
    ("summary", ["counts", "missing"], -1, False),
    ("summary", ["counts", "missing"], None, True),
    ("summary", ["pass"], "yes", False),
    ("summary", ["latency_us", "ack", "p99"], 1.5, False),
    ("summary", ["latency_us", "Bad Name"], {}, False),
    ("summary", ["slos", 0, "pass"], None, True),
    ("summary", ["extra"], [], False),
])
def test_schemas_reject_broken_documents(name, path, value, delete):
    doc = broken(load(EXAMPLE / f"{name}.json"), path, value, delete)
    assert list(validator(name).iter_errors(doc)), f"{name}: {path} accepted"
