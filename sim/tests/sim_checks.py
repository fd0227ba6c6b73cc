#!/usr/bin/env python3
"""Bounded end-to-end checks of `parley-sim run` (ctest label `sim`). Each mode runs the binary in
fresh processes (SimGrid allows one engine per process) and asserts what a user of the report
relies on: determinism, the effect of a gateway crash, the checker over many seeds, and that the
seed's full-scale scenario runs in bounded time.

usage: sim_checks.py MODE PARLEY_SIM SOURCE_DIR WORK_DIR [N]
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time


def run(sim, source, out, *args):
    cmd = [sim, "run", *args, "--out", out, "--quiet"]
    proc = subprocess.run(cmd, cwd=source, capture_output=True, text=True, timeout=300)
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    assert first.startswith("parley-sim: seed "), f"the seed is not printed first: {proc.stdout!r}"
    assert proc.returncode in (0, 1), f"{cmd} exited {proc.returncode}: {proc.stderr}"
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def checker_clean(summary, context):
    """No loss, no dedup failure, no reorder, nothing unexpected."""
    c = summary["extra"]["checker"]
    assert c["missing"] == 0 and c["duplicated"] == 0 and c["reordered"] == 0, f"{context}: {c}"
    assert c["unexpected"] == 0, f"{context}: {c}"
    assert c["sent"] > 0 and c["delivered"] == c["expected_deliveries"], f"{context}: {c}"
    assert c["passed"], f"{context}: checker failed: {c}"


def determinism(sim, source, work):
    a, b = os.path.join(work, "a"), os.path.join(work, "b")
    run(sim, source, a, "scenarios/sim-smoke.yaml")
    run(sim, source, b, "scenarios/sim-smoke.yaml")
    with open(os.path.join(a, "summary.json"), "rb") as fa, open(os.path.join(b, "summary.json"), "rb") as fb:
        assert fa.read() == fb.read(), "same seed, different summary.json"
    for name in ("manifest.json", "timeseries.csv", "utilisation.csv", "histograms/delivery.json"):
        assert os.path.exists(os.path.join(a, name)), f"missing {name}"
    summary = run(sim, source, os.path.join(work, "c"), "scenarios/sim-smoke.yaml", "--seed", "43")
    with open(os.path.join(a, "summary.json")) as f:
        assert json.load(f) != summary, "another seed gave the same summary"


def gateway_crash(sim, source, work):
    summary = run(sim, source, os.path.join(work, "crash"), "scenarios/sim-smoke.yaml",
                  "--set", "duration_s=20")
    checker_clean(summary, "gateway crash")
    faults = summary["extra"]["faults"]
    assert len(faults) == 1 and faults[0]["kind"] == "gateway_crash" and faults[0]["modelled"]
    f = faults[0]
    assert f["sampled_devices_affected"] > 0, f
    assert f["sampled_devices_reconnected"] == f["sampled_devices_affected"], f
    assert f["bulk_devices_affected"] > 0, f
    c = summary["extra"]["checker"]
    assert c["unacked_at_end"] == 0, c  # every send made while the gateway was down was resent
    assert summary["extra"]["deployment"]["envelopes_lost_host_down"] > 0  # the crash mattered


def random_faults(rng):
    """One to three faults: gateway crashes and store node losses, at seeded times and targets.
    chat_crash is left out until the core keeps redelivery state across a chat node crash
    (docs/simulator.md, known findings)."""
    faults = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["gateway_crash", "gateway_crash", "store_node_loss"])
        host = {"gateway_crash": "gateway", "chat_crash": "chat_node", "store_node_loss": "store_node"}[kind]
        target = f"{host}:{rng.randint(0, 1 if kind == 'chat_crash' else 2)}"
        faults.append(f"{{at_s: {rng.uniform(2, 8):.3f}, kind: {kind}, target: \"{target}\", "
                      f"duration_s: {rng.uniform(0.5, 6):.3f}}}")
    return "[" + ", ".join(faults) + "]"


def seed_sweep(sim, source, work, seeds):
    started = time.monotonic()
    # Seed 41 found the cumulative-ack gap (docs/simulator.md): kept as a regression point.
    chosen = sorted(set(range(1, seeds + 1)) | {41})
    for seed in chosen:
        faults = random_faults(random.Random(seed))
        out = os.path.join(work, f"seed-{seed}")
        summary = run(sim, source, out, "scenarios/sim-smoke.yaml", "--seed", str(seed),
                      "--set", "duration_s=10", "--set", "topology.gateways.count=3",
                      "--set", f"faults.schedule={faults}",
                      "--sample-users", "300", "--grace-s", "12")
        checker_clean(summary, f"seed {seed} (faults {faults})")
        assert summary["extra"]["checker"]["unacked_at_end"] == 0, (seed, faults)
        for f in summary["extra"]["faults"]:
            if f["kind"] == "gateway_crash":
                assert f["sampled_devices_reconnected"] + f["sampled_devices_superseded"] == \
                    f["sampled_devices_affected"], (seed, f)
        shutil.rmtree(out)
    print(f"{len(chosen)} seeds in {time.monotonic() - started:.1f} s, checker clean")


def seed_peak(sim, source, work):
    started = time.monotonic()
    summary = run(sim, source, os.path.join(work, "peak"), "scenarios/seed-peak.yaml",
                  "--set", "duration_s=2", "--grace-s", "5")
    wall = time.monotonic() - started
    checker_clean(summary, "seed-peak")
    capacity = summary["extra"]["capacity"]
    assert capacity["peak_messages_per_s"] > 1.4e6, capacity
    assert capacity["components"]["gateway"]["hosts_needed_at_70pct"] >= 2000, capacity
    assert capacity["cost"]["per_hour"] > 0, capacity
    assert wall < 90, f"seed-peak for 2 simulated seconds took {wall:.0f} s"


def main():
    mode, sim, source, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if mode == "determinism":
        determinism(sim, source, work)
    elif mode == "gateway-crash":
        gateway_crash(sim, source, work)
    elif mode == "seed-sweep":
        seed_sweep(sim, source, work, int(sys.argv[5]))
    elif mode == "seed-peak":
        seed_peak(sim, source, work)
    else:
        sys.exit(f"unknown mode {mode}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
