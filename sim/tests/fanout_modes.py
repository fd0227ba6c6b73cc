#!/usr/bin/env python3
"""Queue-based fan-out and push digest on scenarios/hot-group.yaml (ctest sim_fanout_modes, label
`sim`, under 30 s): queue mode takes the hot group's fan-out off its chat host and onto a fan-out
worker tier that shows in the capacity report and utilisation.csv, and its traced deliveries wait
in that tier; digest mode lowers the push tier's load; the new keys are inert in direct mode (the
summary and utilisation.csv are byte-identical to a run without them).

usage: fanout_modes.py PARLEY_SIM SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SCENARIO = "scenarios/hot-group.yaml"
SHORT = ["--set", "duration_s=20"]  # the hot spell runs from 10 s to the end

RUNS = {
    "default": [],
    "direct": ["--set", "topology.chat_nodes.fanout=direct",
               "--set", "topology.chat_nodes.fanout_workers={count: 7, cores: 3}",
               "--set", "topology.chat_nodes.fanout_queue_threshold=5",
               "--set", "workload.push_digest={enabled: false, interval_s: 5}"],
    "queue": ["--set", "topology.chat_nodes.fanout=queue"],
    "starved": ["--set", "topology.chat_nodes.fanout=queue",
                "--set", "topology.chat_nodes.fanout_workers={count: 1, cores: 1}"],
    "digest": ["--set", "workload.push_digest.enabled=true"],
}


def run(sim, source, out, args):
    cmd = [sim, "run", SCENARIO, *SHORT, *args, "--out", out, "--quiet"]
    proc = subprocess.run(cmd, cwd=source, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), f"{cmd} exited {proc.returncode}: {proc.stderr}"
    with open(os.path.join(out, "summary.json"), "rb") as f:
        summary = f.read()
    with open(os.path.join(out, "utilisation.csv")) as f:
        csv = f.read()
    return summary, csv


def hot(summary):
    faults = json.loads(summary)["extra"]["faults"]
    assert faults and faults[0]["kind"] == "hot_group", faults
    return faults[0]["hot"]


def components(summary):
    return json.loads(summary)["extra"]["capacity"]["components"]


def column_peak(csv, name):
    lines = csv.splitlines()
    index = lines[0].split(",").index(name)
    return max(float(line.split(",")[index]) for line in lines[1:])


def main():
    sim, source, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run, sim, source, os.path.join(work, name), args)
                   for name, args in RUNS.items()}
        out = {name: future.result() for name, future in futures.items()}

    # Direct mode: the new keys change nothing, and no fan-out tier appears anywhere.
    assert out["direct"][0] == out["default"][0], "direct mode's summary differs from the default's"
    assert out["direct"][1] == out["default"][1], "direct mode's utilisation.csv differs"
    assert "fanout" not in components(out["default"][0])
    assert "fanout_utilisation" not in out["default"][1].splitlines()[0]

    # Queue mode: the hot chat host sheds the fan-out, the worker tier carries it.
    direct, queue = out["default"][0], out["queue"][0]
    assert hot(queue)["chat_host_peak_utilisation"] < 0.5 * hot(direct)["chat_host_peak_utilisation"], \
        (hot(direct), hot(queue))
    tier = components(queue)["fanout"]
    assert tier["hosts"] == 2 and tier["peak_utilisation"] > 0.01, tier
    assert column_peak(out["queue"][1], "fanout_utilisation") > 0.01
    assert column_peak(out["queue"][1], "chat_utilisation") < column_peak(out["default"][1], "chat_utilisation")
    assert json.loads(queue)["extra"]["capacity"]["cost"]["per_hour"] > \
        json.loads(direct)["extra"]["capacity"]["cost"]["per_hour"]
    # Its traced deliveries wait in the tier: a starved tier (1 core) makes them late.
    starved = out["starved"][0]
    assert components(starved)["fanout"]["peak_utilisation"] > 1, components(starved)["fanout"]
    assert hot(starved)["delivery_p99_us"] > 2 * hot(queue)["delivery_p99_us"], (hot(queue), hot(starved))

    # Digest mode: fewer push candidates, the rest of the deployment untouched.
    digest = out["digest"][0]
    assert components(digest)["push"]["peak_utilisation"] < 0.5 * components(direct)["push"]["peak_utilisation"], \
        (components(direct)["push"], components(digest)["push"])
    assert components(digest)["chat"] == components(direct)["chat"]
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
