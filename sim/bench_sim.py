#!/usr/bin/env python3
"""Simulator benchmarks, measured in one run (issue 5): the bare SimGrid mailbox ping-pong as the
reference, sim-smoke, and seed-peak for a given simulated span. Wall time and peak RSS come from
/usr/bin/time -v; counts from each run's summary.json. Writes results/sim-bench.json.

usage: python3 sim/bench_sim.py [PARLEY_SIM] [SEED_PEAK_SECONDS]   (from the source directory)
"""
import json
import os
import platform
import re
import subprocess
import sys
import tempfile


def timed(cmd):
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): (\S+)", proc.stderr).group(1)) for k in ("User", "System"))
    return proc, seconds, rss_kb, cpu


def sim_run(sim, scenario, out, *extra):
    proc, wall, rss, cpu = timed([sim, "run", scenario, "--out", out, "--quiet", *extra])
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    e = summary["extra"]
    return {
        "scenario": scenario, "args": list(extra), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "peak_rss_mb": round(rss / 1024, 1), "simulated_s": summary["duration_s"],
        "events": e["deployment"]["events"],
        "traced_messages": e["checker"]["sent"], "traced_deliveries": e["checker"]["delivered"],
        "traced_messages_per_wall_s": round(e["checker"]["sent"] / wall, 1),
        "traced_deliveries_per_wall_s": round(e["checker"]["delivered"] / wall, 1),
        "events_per_wall_s": round(e["deployment"]["events"] / wall, 1),
        "bulk_peak_messages_per_s": e["capacity"]["peak_messages_per_s"],
        "simulated_speed_vs_real_time": round(summary["duration_s"] / wall, 3),
        "exit_status": proc.returncode,
    }


def main():
    sim = sys.argv[1] if len(sys.argv) > 1 else "build/sim/parley-sim"
    span = sys.argv[2] if len(sys.argv) > 2 else "60"
    work = tempfile.mkdtemp(prefix="parley-sim-bench-")
    pingpong = json.loads(subprocess.run([sim, "pingpong", "200000"], capture_output=True,
                                         text=True, check=True).stdout)
    results = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores (shared with builds)",
        "simgrid_mailbox_pingpong": pingpong,
        "sim_smoke": sim_run(sim, "scenarios/sim-smoke.yaml", os.path.join(work, "smoke")),
        "seed_peak": sim_run(sim, "scenarios/seed-peak.yaml", os.path.join(work, "peak"),
                             "--set", f"duration_s={span}"),
    }
    with open("results/sim-bench.json", "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
