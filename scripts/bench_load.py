#!/usr/bin/env python3
"""Throughput benchmarks through the real server and of the load generator (issues #3 and #4;
docs/benchmarks.md).

With the server pinned to core 0 and parley-load to core 1 (taskset), in one run:
  1. parley-server (one worker, WAL synced, group commit): the highest 1:1 rate at which the ack
     p99 stays under 10 ms, by a search over stepped open-loop rates (bench/scenarios/bench-1to1.yaml);
  2. the same search against parley-echo-server (bench/echo_server.cpp), the "no work" reference:
     parley's rate as a fraction of it;
  3. group fan-out: deliveries per second for one 500-member group (bench/scenarios/bench-fanout.yaml),
     the highest group message rate with every message delivered and delivery p99 under 100 ms;
  4. the generator's cost: CPU seconds per 1 000 messages (getrusage of parley-load, the difference
     between two rates) and memory per open connection (peak RSS difference between two idle runs).
Writes results/server-throughput.json and results/loadgen-bench.json.
Exit: 0 measured, 1 a step could not run, 2 usage, 77 cannot run here (binaries or 2 cores missing).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

ACK_P99_MAX_US = 10_000
FANOUT_DELIVERY_P99_MAX_US = 100_000
SCEN_1TO1 = bc.ROOT / "bench/scenarios/bench-1to1.yaml"
SCEN_FANOUT = bc.ROOT / "bench/scenarios/bench-fanout.yaml"


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = Path(args.build_dir)
        self.load_bin = self.build / "loadgen/parley-load"
        self.work = bc.temp_dir("parley-bench-load-")
        self.step_no = 0
        self.source = 20  # each step binds fresh 127.0.0.x source addresses (TIME_WAIT)

    # One parley-load run, pinned; returns its summary, per-second rows and rusage.
    def run_load(self, scenario, port, sets, users):
        self.step_no += 1
        out = Path(self.work.name) / f"step-{self.step_no}"
        addrs = 2
        if self.source + addrs > 250:
            self.source = 20
        cmd = ["taskset", "-c", str(self.args.load_cpu), str(self.load_bin), "run", str(scenario),
               "--target", f"ws://127.0.0.1:{port}/", "--out", str(out), "--quiet", "--threads", "1",
               "--grace-s", str(self.args.grace_s), "--source-addrs", str(addrs), "--source-first", str(self.source),
               "--token-secret", bc.SECRET,
               "--set", f"duration_s={self.args.step_s + self.args.ramp_s}", "--set", f"ramp_s={self.args.ramp_s}",
               "--set", f"population.users={users}"]
        for s in sets:
            cmd += ["--set", s]
        self.source += addrs
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + self.args.step_s + self.args.ramp_s + self.args.grace_s + 120
        status = None
        while time.monotonic() < deadline:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise RuntimeError("parley-load step exceeded its deadline")
        stderr = proc.stderr.read()
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1) or not (out / "summary.json").exists():
            raise RuntimeError(f"parley-load failed ({code}): {stderr.strip()[-500:]}")
        summary = json.loads((out / "summary.json").read_text())
        with open(out / "timeseries.csv") as f:
            rows = list(csv.DictReader(f))
        return summary, rows, rusage, " ".join(cmd)

    def steady_rows(self, rows):
        first, end = self.args.ramp_s + 1, self.args.ramp_s + self.args.step_s
        return [r for r in rows if first <= int(r["t_s"]) < end]

    # One 1:1 step at `rate` messages per second against the server on `port`.
    def step_1to1(self, port, rate):
        users = self.args.users
        summary, rows, ru, cmd = self.run_load(
            SCEN_1TO1, port, [f"workload.messages_per_user_per_s={rate / users:.6g}"], users)
        steady = self.steady_rows(rows)
        worst = max((int(r["ack_p99_us"]) for r in steady), default=0)
        c = summary["counts"]
        acks = sum(int(r["acks"]) for r in steady)
        ok = (worst < ACK_P99_MAX_US and c["errors"] == 0 and c["missing"] == 0 and c["acked"] == c["sent"]
              and c["sent"] >= 0.9 * rate * (self.args.step_s + self.args.ramp_s / 2) and len(steady) > 0)
        sends = sum(int(r["sends"]) for r in steady)
        sustained = (c["missing"] == 0 and c["errors"] == 0 and c["acked"] == c["sent"] and len(steady) > 0
                     and sends >= 0.8 * rate * len(steady) and acks >= 0.9 * sends)
        return {
            "offered_rate": rate, "pass": ok, "sustained": sustained, "sent": c["sent"], "acked": c["acked"], "missing": c["missing"],
            "errors": c["errors"], "acked_per_s_steady": round(acks / max(1, len(steady)), 1),
            "ack_p99_us_worst_steady_second": worst,
            "ack_p50_us_median_steady_second": median([int(r["ack_p50_us"]) for r in steady]),
            "ack_us_whole_run": summary["latency_us"].get("ack", {}),
            "loadgen_cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "loadgen_maxrss_bytes": ru.ru_maxrss * 1024,
            "load_average": bc.load_average(), "error_detail": error_detail(summary), "command": cmd,
        }

    def step_fanout(self, port, rate):
        summary, rows, ru, cmd = self.run_load(
            SCEN_FANOUT, port, [f"workload.messages_per_user_per_s={rate / 500:.6g}"], 500)
        steady = self.steady_rows(rows)
        worst = max((int(r["delivery_p99_us"]) for r in steady), default=0)
        c = summary["counts"]
        deliveries = sum(int(r["deliveries"]) for r in steady)
        ok = (worst < FANOUT_DELIVERY_P99_MAX_US and c["errors"] == 0 and c["missing"] == 0 and len(steady) > 0
              and c["sent"] > 0)
        sends = sum(int(r["sends"]) for r in steady)
        sustained = (c["errors"] == 0 and c["missing"] == 0 and len(steady) > 0
                     and sends >= 0.5 * rate * len(steady) and deliveries >= 0.9 * 499 * sends)
        return {
            "group_messages_per_s": rate, "pass": ok, "sustained": sustained, "sent": c["sent"], "delivered": c["delivered"],
            "missing": c["missing"], "errors": c["errors"],
            "deliveries_per_s_steady": round(deliveries / max(1, len(steady)), 1),
            "delivery_p99_us_worst_steady_second": worst,
            "delivery_us_whole_run": summary["latency_us"].get("delivery", {}),
            "fanout_skew_us_whole_run": summary["latency_us"].get("fanout_skew", {}),
            "loadgen_cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "load_average": bc.load_average(),
            "error_detail": error_detail(summary), "command": cmd,
        }

    # From `start`: doubling while steps pass (up to `cap`), or halving while they fail (down to
    # `floor`), then bisection `refine` times between the highest pass and the lowest fail.
    def search(self, label, step, start, cap, floor, refine):
        steps = []

        def run(rate):
            r = step(rate)
            steps.append(r)
            self.say(label, r)
            return r["pass"]

        best = bad = None
        rate = start
        if run(rate):
            best = rate
            while rate * 2 <= cap and len(steps) < 12:
                rate *= 2
                if not run(rate):
                    bad = rate
                    break
                best = rate
        else:
            bad = rate
            while rate // 2 >= floor and len(steps) < 12:
                rate //= 2
                if run(rate):
                    best = rate
                    break
                bad = rate
        lo, hi = best, bad
        for _ in range(refine):
            if lo is None or hi is None or hi - lo <= max(1, lo // 20):
                break
            mid = (lo + hi) // 2
            if run(mid):
                lo = mid
            else:
                hi = mid
        return lo, hi, steps

    # Capacity whatever the latency: doubling from `start` while every send is acknowledged within
    # the step and the steady acks keep up with the offered rate (at most `max_steps` steps).
    def capacity(self, label, step, start, cap, max_steps=4):
        steps, best, rate = [], None, start
        while rate <= cap and len(steps) < max_steps:
            r = step(rate)
            steps.append(r)
            self.say(label + "+", r)
            if not r["sustained"]:
                break
            best = rate
            rate *= 2
        return best, steps

    def say(self, label, r):
        if self.args.quiet:
            return
        rate = r.get("offered_rate", r.get("group_messages_per_s"))
        lat = r.get("ack_p99_us_worst_steady_second", r.get("delivery_p99_us_worst_steady_second"))
        verdict = ("pass" if r["pass"] else "FAIL") + (" sustained" if r.get("sustained") else "")
        print(f"  {label:8s} rate {rate:>7} /s  {verdict:14s}  worst-second p99 {lat / 1000:8.2f} ms"
              f"  missing {r['missing']} errors {r['errors']}  load {r['load_average'][0]}", flush=True)

    def parley_server(self, name):
        data = Path(self.work.name) / f"data-{name}"
        port = bc.free_port()
        proc, cmd = bc.start_server(self.build, port, data, cpu=self.args.server_cpu, workers=1)
        return proc, port, " ".join(cmd)

    def echo_server(self):
        cmd = ["taskset", "-c", str(self.args.server_cpu), str(self.build / "bench/parley-echo-server"), "0"]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            bc.stop(proc)
            raise RuntimeError("parley-echo-server did not start")
        return proc, int(line[1]), " ".join(cmd)


def error_detail(summary):
    """parley-load's own account of a step's errors (empty when there were none)."""
    x = summary.get("extra", {})
    keys = ("error_codes", "close_reasons", "connect_failures", "dropped_sends", "unacked_sends", "disconnects")
    return {k: x[k] for k in keys if x.get(k)}


def max_acked(steps):
    """The most acks per steady second any step got: the saturation throughput once a step offers
    more than the server carries."""
    return max((s["acked_per_s_steady"] for s in steps), default=None)


def max_sustained(steps, key="offered_rate"):
    rates = [s[key] for s in steps if s.get("sustained")]
    return max(rates) if rates else None


def f_cap_best(steps):
    return max_sustained(steps, "group_messages_per_s")


def f_cap_deliveries(steps):
    best = f_cap_best(steps)
    return next((s["deliveries_per_s_steady"] for s in steps if s.get("sustained") and s["group_messages_per_s"] == best),
                None)


def capacity_start(steps, floor, key="offered_rate"):
    best = max_sustained(steps, key)
    return 2 * best if best else floor


def fraction(a, b):
    return round(a / b, 3) if a and b else None


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


def generator_cost(b, port, steps):
    """CPU per 1 000 messages from the lowest and highest sustained 1:1 steps (the difference: fixed
    costs cancel; latency is not what this measures), and
    memory per connection from two idle runs with different connection counts."""
    passing = sorted((s for s in steps if s.get("sustained")), key=lambda s: s["offered_rate"])
    cpu = None
    if len(passing) >= 2:
        lo, hi = passing[0], passing[-1]
        if hi["sent"] > lo["sent"]:
            cpu = {"cpu_s_per_1000_messages": round(1000 * (hi["loadgen_cpu_s"] - lo["loadgen_cpu_s"]) / (hi["sent"] - lo["sent"]), 4),
                   "from_steps": [lo["offered_rate"], hi["offered_rate"]],
                   "whole_run_cpu_s_per_1000_messages_at_highest": round(1000 * hi["loadgen_cpu_s"] / hi["sent"], 4),
                   "note": "a message is one send, its ack, one delivery and its delivered frame"}
    n_lo, n_hi = b.args.mem_connections
    rss = {}
    for n in (n_lo, n_hi):
        summary, rows, ru, cmd = b.run_load(SCEN_1TO1, port, ["workload.messages_per_user_per_s=0.001"], n)
        rss[n] = ru.ru_maxrss * 1024
    mem = {"connections": [n_lo, n_hi], "peak_rss_bytes": [rss[n_lo], rss[n_hi]],
           "bytes_per_connection": round((rss[n_hi] - rss[n_lo]) / (n_hi - n_lo), 1),
           "target": "a few KB", "load_average": bc.load_average()}
    return cpu, mem


def search_1to1(b, args, name, port):
    """The latency-bounded search, then the sustained-capacity search, of 1:1 steps against one
    server: (lowest failing, highest passing, steps, capacity, capacity steps)."""
    step = lambda r: b.step_1to1(port, r)  # noqa: E731
    lo, hi, steps = b.search(name, step, args.start_rate, args.max_rate, args.min_rate, args.refine)
    cap, cap_steps = b.capacity(name, step, capacity_start(steps, args.min_rate), args.max_rate,
                                args.capacity_steps)
    return lo, hi, steps, cap, cap_steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=str(bc.ROOT / "build"))
    ap.add_argument("--out-dir", default=str(bc.ROOT / "results"))
    ap.add_argument("--users", type=int, default=2000, help="online users of the 1:1 steps (one connection each)")
    ap.add_argument("--step-s", type=int, default=10, help="steady seconds per step (after the ramp)")
    ap.add_argument("--ramp-s", type=int, default=2)
    ap.add_argument("--grace-s", type=int, default=2)
    ap.add_argument("--start-rate", type=int, default=500)
    ap.add_argument("--max-rate", type=int, default=64000)
    ap.add_argument("--min-rate", type=int, default=60, help="the search halves down to this when the start fails")
    ap.add_argument("--refine", type=int, default=3, help="bisection steps after the doubling")
    ap.add_argument("--capacity-steps", type=int, default=4,
                    help="steps of the capacity probe (acks keep up, latency not judged) after each 1:1 search")
    ap.add_argument("--fanout-start", type=int, default=5, help="group messages per second of the first fan-out step")
    ap.add_argument("--fanout-max", type=int, default=640)
    ap.add_argument("--fanout-min", type=int, default=1)
    ap.add_argument("--mem-connections", type=int, nargs=2, default=[1000, 5000])
    ap.add_argument("--server-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    ap.add_argument("--smoke", action="store_true", help="one short step of each part, seconds; for ctest")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    if args.smoke:
        args.users, args.step_s, args.ramp_s, args.grace_s = 100, 2, 1, 1
        args.start_rate = args.max_rate = args.min_rate = 100
        args.refine = 0
        args.capacity_steps = 0
        args.fanout_start = args.fanout_max = args.fanout_min = 2  # smoke: one step each
        args.mem_connections = [50, 150]
    for b in ("core/server/parley-server", "loadgen/parley-load", "bench/parley-echo-server"):
        if not (Path(args.build_dir) / b).exists():
            print(f"bench_load: {b} is not built", file=sys.stderr)
            return 77
    if (os.cpu_count() or 1) <= max(args.server_cpu, args.load_cpu):
        print("bench_load: needs the two cores it pins to", file=sys.stderr)
        return 77
    b = Bench(args)
    started = bc.utc_now()
    machine = bc.machine()
    servers = []
    try:
        fsync_before = bc.fsync_latency(b.work.name)
        srv, port, srv_cmd = b.parley_server("1to1")
        servers.append(srv)
        if not args.quiet:
            print(f"parley-server (core {args.server_cpu}, 1 worker, WAL synced) ← parley-load (core {args.load_cpu})")
        p_lo, p_hi, p_steps, p_cap, p_cap_steps = search_1to1(b, args, "parley", port)
        cpu, mem = generator_cost(b, port, p_steps + p_cap_steps)
        bc.stop(srv)
        fsync_after = bc.fsync_latency(b.work.name)
        srv, port, fan_cmd = b.parley_server("fanout")
        servers.append(srv)
        f_lo, f_hi, f_steps = b.search("fan-out", lambda r: b.step_fanout(port, r), args.fanout_start, args.fanout_max,
                                       args.fanout_min, args.refine)
        f_cap, f_cap_steps = b.capacity("fan-out", lambda r: b.step_fanout(port, r),
                                        capacity_start(f_steps, args.fanout_min, "group_messages_per_s"),
                                        args.fanout_max, args.capacity_steps)
        bc.stop(srv)
        echo, eport, echo_cmd = b.echo_server()
        servers.append(echo)
        if not args.quiet:
            print(f"parley-echo-server (core {args.server_cpu}) ← parley-load (core {args.load_cpu})")
        e_lo, e_hi, e_steps, e_cap, e_cap_steps = search_1to1(b, args, "echo", eport)
        bc.stop(echo)
    except RuntimeError as e:
        print(f"bench_load: {e}", file=sys.stderr)
        return 1
    finally:
        for s in servers:
            bc.stop(s)
        b.work.cleanup()
    best_p = next((s for s in p_steps if s["offered_rate"] == p_lo), None)
    best_f = next((s for s in f_steps if s["group_messages_per_s"] == f_lo), None)
    common = {"machine": machine, "measured_at": started, "command": " ".join(sys.argv), "smoke": args.smoke,
              "pinning": {"server_cpu": args.server_cpu, "loadgen_cpu": args.load_cpu},
              "step": {"steady_s": args.step_s, "ramp_s": args.ramp_s, "grace_s": args.grace_s}}
    throughput = dict(common, benchmark="server-throughput",
                      what="acknowledged 1:1 messages per second through parley-server (1 worker, WAL synced, group "
                           "commit), open loop; a step passes when every steady second's ack p99 is under 10 ms, "
                           "nothing is missing and there are no errors",
                      server_command=srv_cmd, scenario=str(SCEN_1TO1.relative_to(bc.ROOT)),
                      figures={"highest_passing_rate": p_lo, "lowest_failing_rate": p_hi,
                               "acked_per_s_at_highest": best_p["acked_per_s_steady"] if best_p else None,
                               "ack_us_at_highest": best_p["ack_us_whole_run"] if best_p else None,
                               "load_average_at_highest": best_p["load_average"] if best_p else None,
                               "highest_sustained_rate": max_sustained(p_steps + p_cap_steps),
                               "disk_fsync_512b_before": fsync_before, "disk_fsync_512b_after": fsync_after},
                      steps=p_steps, capacity_steps=p_cap_steps)
    ratio = round(p_lo / e_lo, 3) if p_lo and e_lo else None
    loadgen = dict(common, benchmark="loadgen-bench",
                   what="parley vs the no-work echo reference under the same pinned generator; 500-member group "
                        "fan-out; parley-load's CPU per 1 000 messages and memory per connection",
                   echo_command=echo_cmd, fanout_server_command=fan_cmd,
                   figures={"parley_highest_1to1_rate": p_lo, "echo_highest_1to1_rate": e_lo,
                            "echo_lowest_failing_rate": e_hi,
                            "parley_fraction_of_echo": ratio,
                            "parley_max_acked_per_s": max_acked(p_steps + p_cap_steps),
                            "echo_max_acked_per_s": max_acked(e_steps + e_cap_steps),
                            "parley_fraction_of_echo_max_acked": fraction(max_acked(p_steps + p_cap_steps),
                                                                          max_acked(e_steps + e_cap_steps)),
                            "parley_highest_sustained_rate": max_sustained(p_steps + p_cap_steps),
                            "echo_highest_sustained_rate": max_sustained(e_steps + e_cap_steps),
                            "parley_fraction_of_echo_sustained": fraction(max_sustained(p_steps + p_cap_steps),
                                                                          max_sustained(e_steps + e_cap_steps)),
                            "fanout_highest_group_messages_per_s": f_lo,
                            "fanout_deliveries_per_s_at_highest": best_f["deliveries_per_s_steady"] if best_f else None,
                            "fanout_delivery_us_at_highest": best_f["delivery_us_whole_run"] if best_f else None,
                            "fanout_skew_us_at_highest": best_f["fanout_skew_us_whole_run"] if best_f else None,
                            "fanout_highest_sustained_group_messages_per_s": f_cap_best(f_steps + f_cap_steps),
                            "fanout_deliveries_per_s_at_sustained": f_cap_deliveries(f_steps + f_cap_steps),
                            "generator_cpu": cpu, "generator_memory": mem},
                   echo_steps=e_steps, echo_capacity_steps=e_cap_steps, fanout_steps=f_steps,
                   fanout_capacity_steps=f_cap_steps)
    out = Path(args.out_dir)
    suffix = "-smoke" if args.smoke else ""
    bc.write_json(out / f"server-throughput{suffix}.json", throughput)
    bc.write_json(out / f"loadgen-bench{suffix}.json", loadgen)
    for name, keys in ((f"server-throughput{suffix}.json", ["machine", "steps", "highest_passing_rate"]),
                       (f"loadgen-bench{suffix}.json", ["machine", "parley_fraction_of_echo", "generator_memory"])):
        bc.check_json(out / name, keys)
    f = loadgen["figures"]
    print(f"parley 1:1: {p_lo} msg/s with p99 ack < 10 ms (first failing step {p_hi})")
    print(f"disk: 512-byte append + fdatasync p99 {fsync_before['p99_us'] / 1000:.2f} ms before, "
          f"{fsync_after['p99_us'] / 1000:.2f} ms after the parley steps (the floor under a durable ack)")
    print(f"echo   1:1: {e_lo} msg/s (first failing step {e_hi}); parley / echo = {ratio}")
    print(f"sustained (acks keep up, latency not judged): parley {f['parley_highest_sustained_rate']}, "
          f"echo {f['echo_highest_sustained_rate']}; parley / echo = {f['parley_fraction_of_echo_sustained']}")
    print(f"most acks per steady second: parley {f['parley_max_acked_per_s']}, echo {f['echo_max_acked_per_s']}; "
          f"parley / echo = {f['parley_fraction_of_echo_max_acked']}")
    print(f"fan-out 500: {f_lo} group msg/s with delivery p99 < 100 ms, {f['fanout_deliveries_per_s_at_highest']} deliveries/s; "
          f"sustained {f['fanout_highest_sustained_group_messages_per_s']} group msg/s, "
          f"{f['fanout_deliveries_per_s_at_sustained']} deliveries/s")
    if cpu:
        print(f"parley-load: {cpu['cpu_s_per_1000_messages']} CPU s per 1 000 messages")
    print(f"parley-load: {mem['bytes_per_connection']} B per connection (peak RSS, {mem['connections']} connections)")
    print(f"wrote {out / f'server-throughput{suffix}.json'} and {out / f'loadgen-bench{suffix}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
