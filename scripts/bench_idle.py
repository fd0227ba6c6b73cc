#!/usr/bin/env python3
"""Idle-connection memory of parley-server (issue #3 benchmark; docs/benchmarks.md).

Starts parley-server on loopback, opens N authenticated idle WebSocket connections from several
parley-idle-clients processes on their own 127.0.0.x source addresses, waits until the server's
RSS settles, and reports the server's RSS per idle connection next to the kernel's own cost per
socket (the /proc/meminfo Slab and /proc/net/sockstat TCP memory deltas over the 2 N loopback
sockets). Writes results/server-idle.json. Exit: 0 measured, 1 failed, 2 usage, 77 cannot run here.
"""
import argparse
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

HEADROOM = 500          # server fds kept free for RocksDB, the listener, epoll, logs
PER_CLIENT_MAX = 5000   # connections per client process


def settle(pid, deadline_s, quiet_s=3.0, tolerance=0.002):
    """Waits until the server's RSS changes by less than `tolerance` over `quiet_s`, at most deadline_s."""
    end = time.monotonic() + deadline_s
    last = bc.proc_status(pid)["VmRSS"]
    stable_since = time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.5)
        now = bc.proc_status(pid)["VmRSS"]
        if abs(now - last) > tolerance * last:
            stable_since = time.monotonic()
            last = now
        elif time.monotonic() - stable_since >= quiet_s:
            return True
    return False


def measure(args):
    build = Path(args.build_dir)
    clients_bin = build / "bench/parley-idle-clients"
    server_bin = Path(args.server_bin) if args.server_bin else build / "core/server/parley-server"
    for b in (clients_bin, server_bin):
        if not b.exists():
            print(f"bench_idle: {b} is not built", file=sys.stderr)
            return 77, None
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    n = args.connections if args.connections else nofile - HEADROOM
    if n + HEADROOM > nofile:
        print(f"bench_idle: {n} connections need more than the open-file limit {nofile} allows", file=sys.stderr)
        return (77 if args.smoke else 2), None  # smoke: this machine cannot run it
    procs = max(1, math.ceil(n / PER_CLIENT_MAX))
    port = bc.free_port()
    with bc.temp_dir("parley-bench-idle-") as data:
        server, server_cmd = bc.start_server(build, port, data, workers=args.workers, server_bin=server_bin)
        clients = []
        try:
            time.sleep(1.0)
            settle(server.pid, 10)
            before = {"proc": bc.proc_status(server.pid), "meminfo": bc.meminfo(), "sockstat": bc.sockstat()}
            started = time.monotonic()
            per = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
            user = 1
            for i, count in enumerate(per):
                src = f"127.0.{args.source_net}.{args.source_first + i}"
                cmd = [str(clients_bin), "--port", str(port), "--source", src, "--count", str(count),
                       "--user-first", str(user), "--secret", bc.SECRET, "--hold-s", str(args.hold_s)]
                user += count
                clients.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            opened = failed = 0
            for c in clients:  # each prints "ready <open> <failed>" once all its connects ended
                line = read_line(c, args.connect_deadline_s - (time.monotonic() - started))
                if not line.startswith("ready"):
                    raise RuntimeError(f"idle client did not get ready: {line!r} {c.stderr.read() if c.poll() is not None else ''}")
                _, o, f = line.split()
                opened += int(o)
                failed += int(f)
            connect_s = time.monotonic() - started
            settled = settle(server.pid, args.settle_deadline_s)
            after = {"proc": bc.proc_status(server.pid), "meminfo": bc.meminfo(), "sockstat": bc.sockstat()}
            alive = sum(1 for c in clients if c.poll() is None)
            load = bc.load_average()
        finally:
            for c in clients:
                bc.stop(c, 10)
            bc.stop(server)
    if opened == 0:
        print("bench_idle: no connection opened", file=sys.stderr)
        return 1, None
    rss_delta = after["proc"]["VmRSS"] - before["proc"]["VmRSS"]
    anon_delta = after["proc"]["RssAnon"] - before["proc"]["RssAnon"]
    slab_delta = after["meminfo"]["Slab"] - before["meminfo"]["Slab"]
    sock_mem_delta = after["sockstat"]["mem_bytes"] - before["sockstat"]["mem_bytes"]
    sockets = 2 * opened  # both ends of each loopback connection live in this kernel
    kernel_per_socket = (slab_delta + sock_mem_delta) / sockets
    per_conn = rss_delta / opened
    figures = {
        "connections": opened,
        "connect_failures": failed,
        "client_processes": procs,
        "connect_seconds": round(connect_s, 2),
        "rss_settled": settled,
        "server_rss_before_bytes": before["proc"]["VmRSS"],
        "server_rss_after_bytes": after["proc"]["VmRSS"],
        "server_rss_per_connection_bytes": round(per_conn, 1),
        "server_anon_rss_per_connection_bytes": round(anon_delta / opened, 1),
        "kernel_slab_delta_bytes": slab_delta,
        "kernel_tcp_mem_delta_bytes": sock_mem_delta,
        "kernel_bytes_per_socket": round(kernel_per_socket, 1),
        "kernel_bytes_per_connection_both_ends": round(2 * kernel_per_socket, 1),
        "server_total_per_connection_bytes": round(per_conn + kernel_per_socket, 1),
        "rss_above_kernel_per_socket_bytes": round(per_conn - kernel_per_socket, 1),
        "target": "server RSS per connection <= kernel bytes per socket + 2048",
        "target_bytes_max": round(kernel_per_socket + 2048, 1),
        "meets_target": per_conn <= kernel_per_socket + 2048,
        "load_average_at_measurement": load,
    }
    doc = {
        "benchmark": "server-idle",
        "what": "parley-server RSS per idle authenticated WebSocket connection vs the kernel's cost per socket",
        "machine": bc.machine(),
        "measured_at": bc.utc_now(),
        "command": " ".join(sys.argv),
        "server_command": " ".join(server_cmd),
        "figures": figures,
    }
    return (0 if alive == len(clients) and failed == 0 else 1), doc


def read_line(proc, timeout_s):
    """One stdout line of proc within timeout_s (bounded: the child is killed on timeout)."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout=max(0.1, timeout_s)):
        proc.kill()
        return "timeout"
    return proc.stdout.readline().strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--connections", type=int, default=0,
                    help="idle connections (default: the open-file limit minus %d)" % HEADROOM)
    ap.add_argument("--build-dir", default=str(bc.ROOT / "build"))
    ap.add_argument("--out", default=str(bc.ROOT / "results/server-idle.json"))
    ap.add_argument("--server-bin", default=None, help="another parley-server build to measure (A/B of a change)")
    ap.add_argument("--workers", type=int, default=None, help="server worker threads (default: its own)")
    ap.add_argument("--source-net", type=int, default=61, help="clients bind 127.0.<net>.<first+i>")
    ap.add_argument("--source-first", type=int, default=10)
    ap.add_argument("--connect-deadline-s", type=float, default=180)
    ap.add_argument("--settle-deadline-s", type=float, default=30)
    ap.add_argument("--hold-s", type=int, default=400, help="clients exit on their own after this long")
    ap.add_argument("--smoke", action="store_true", help="200 connections, seconds; for ctest")
    args = ap.parse_args()
    if args.smoke and not args.connections:
        args.connections = 200
    try:
        code, doc = measure(args)
    except RuntimeError as e:
        print(f"bench_idle: {e}", file=sys.stderr)
        return 1
    if doc is not None:
        bc.write_json(args.out, doc)
        bc.check_json(args.out, ["machine", "server_rss_per_connection_bytes", "kernel_bytes_per_socket"])
        f = doc["figures"]
        print(f"{f['connections']} idle connections ({f['client_processes']} client processes), load {f['load_average_at_measurement']}")
        print(f"  server RSS per connection   {f['server_rss_per_connection_bytes']:8.0f} B  (anon {f['server_anon_rss_per_connection_bytes']:.0f} B)")
        print(f"  kernel per socket           {f['kernel_bytes_per_socket']:8.0f} B  (Slab + TCP mem deltas / {2 * f['connections']} sockets)")
        print(f"  server total per connection {f['server_total_per_connection_bytes']:8.0f} B")
        print(f"  RSS above the kernel's cost {f['rss_above_kernel_per_socket_bytes']:8.0f} B  (target <= 2048 B: "
              f"{'met' if f['meets_target'] else 'MISSED'})")
        print(f"wrote {args.out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
