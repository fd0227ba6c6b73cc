#!/usr/bin/env python3
"""Server CPU per reconnect of parley-server, over ws:// and wss:// (the simulator's reconnect_us).

Starts parley-server on loopback (once plain, once with a self-signed RSA-2048 certificate), and
has a few devices reconnect over and over: TCP (and TLS) handshake, WebSocket upgrade, auth with a
token (HMAC check), registry connect, auth.ok, an empty sync, close (registry disconnect). The
server's user+system CPU over the run (/proc/<pid>/stat) divided by the reconnects is the figure
the simulator's calibration calls reconnect_us. Writes results/server-connect.json.
Exit: 0 measured, 1 failed, 77 cannot run here (not built, no openssl).
"""
import argparse
import asyncio
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_common as bc  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU of a process, from /proc/<pid>/stat (fields 14 and 15, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def mint(server_bin, user):
    out = subprocess.run([str(server_bin), "token", "--secret", bc.SECRET, "--user", str(user), "--device", "1"],
                         capture_output=True, timeout=10, check=True, text=True)
    return out.stdout.strip()


async def reconnect_loop(url, token, rounds, context):
    import websockets
    for _ in range(rounds):
        async with websockets.connect(url, ssl=context, open_timeout=10, close_timeout=5) as ws:
            await ws.send(json.dumps({"op": "auth", "token": token}))
            if json.loads(await asyncio.wait_for(ws.recv(), 10)).get("op") != "auth.ok":
                raise RuntimeError("auth refused")
            # A sync of a group the device is not in: answered (not_member) without a replay, so
            # the figure is the reconnect's own cost whatever history the device would have.
            await ws.send(json.dumps({"op": "sync", "rid": "s", "positions": [{"conv": "77", "after": "0"}]}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10)).get("op") not in ("sync.done", "error"):
                pass


def measure(build, server_bin, devices, rounds, tls_dir):
    """(reconnects, server CPU seconds, wall seconds) for one server, plain or TLS."""
    extra = [] if tls_dir is None else ["--tls-cert", str(tls_dir / "cert.pem"), "--tls-key", str(tls_dir / "key.pem")]
    port = bc.free_port()
    tokens = [mint(server_bin, 1 + d) for d in range(devices)]
    context = None
    if tls_dir is not None:
        context = ssl.create_default_context(cafile=str(tls_dir / "cert.pem"))
        context.check_hostname = False
    url = f"{'wss' if tls_dir else 'ws'}://127.0.0.1:{port}/"
    with bc.temp_dir("parley-bench-connect-") as data:
        server, cmd = bc.start_server(build, port, data, extra=extra, workers=1, server_bin=server_bin)
        try:
            asyncio.run(reconnect_loop(url, tokens[0], 5, context))  # warm up: first RocksDB writes, page cache
            before, started = cpu_seconds(server.pid), time.monotonic()

            async def all_devices():
                await asyncio.gather(*(reconnect_loop(url, t, rounds, context) for t in tokens))
            asyncio.run(asyncio.wait_for(all_devices(), 600))
            cpu, wall = cpu_seconds(server.pid) - before, time.monotonic() - started
        finally:
            bc.stop(server)
    return devices * rounds, cpu, wall, " ".join(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=str(bc.ROOT / "build"))
    ap.add_argument("--server-bin", default=None)
    ap.add_argument("--devices", type=int, default=20, help="devices reconnecting concurrently")
    ap.add_argument("--rounds", type=int, default=100, help="reconnects per device")
    ap.add_argument("--out", default=str(bc.ROOT / "results/server-connect.json"))
    args = ap.parse_args()
    build = Path(args.build_dir)
    server_bin = Path(args.server_bin) if args.server_bin else build / "core/server/parley-server"
    if not server_bin.exists() or shutil.which("openssl") is None:
        print(f"bench_connect: needs {server_bin} and openssl", file=sys.stderr)
        return 77
    figures = {}
    with bc.temp_dir("parley-bench-tls-") as tls:
        tls = Path(tls)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")], check=True, capture_output=True)
        for scheme, tls_dir in (("ws", None), ("wss", tls)):
            n, cpu, wall, cmd = measure(build, server_bin, args.devices, args.rounds, tls_dir)
            figures[scheme] = {"reconnects": n, "server_cpu_s": round(cpu, 3), "wall_s": round(wall, 2),
                               "server_cpu_us_per_reconnect": round(cpu / n * 1e6, 1), "server_command": cmd}
    figures["tls_share_of_wss"] = round(1 - figures["ws"]["server_cpu_us_per_reconnect"] /
                                        figures["wss"]["server_cpu_us_per_reconnect"], 3)
    doc = {
        "benchmark": "server-connect",
        "what": "parley-server CPU per reconnect (handshake, upgrade, auth, registry connect, empty sync, close), "
                "ws:// and wss:// with an RSA-2048 certificate; the simulator's reconnect_us",
        "machine": bc.machine(),
        "measured_at": bc.utc_now(),
        "command": " ".join(sys.argv),
        "load_average_at_measurement": bc.load_average(),
        "figures": figures,
    }
    bc.write_json(args.out, doc)
    for scheme in ("ws", "wss"):
        f = figures[scheme]
        print(f"{scheme:3}: {f['reconnects']} reconnects, server CPU {f['server_cpu_s']} s "
              f"= {f['server_cpu_us_per_reconnect']:.0f} us per reconnect ({f['wall_s']} s wall)")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
