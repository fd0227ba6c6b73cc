"""Helpers shared by the process-level benchmarks (scripts/bench_idle.py, scripts/bench_load.py):
starting parley-server on loopback, reading process and kernel memory, describing the machine.
Every wait is bounded by a deadline; everything listens and connects on 127.0.0.0/8 only."""
import json
import os
import platform
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-0123456789abcdef"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline_s=30.0, proc=None):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {deadline_s} s")


def start_server(build, port, data_dir, extra=(), cpu=None, workers=None, server_bin=None):
    cmd = [str(server_bin or build / "core/server/parley-server"), "serve", "--port", str(port), "--data-dir", str(data_dir),
           "--log-level", "warn", *extra]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    env = dict(os.environ, PARLEY_TOKEN_SECRET=SECRET)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    try:
        wait_port(port, 30, proc)
    except RuntimeError:
        stop(proc)
        raise RuntimeError("parley-server did not start: " + (proc.stderr.read() if proc.stderr else ""))
    return proc, cmd


def stop(proc, deadline_s=15.0):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=deadline_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def proc_status(pid):
    """VmRSS, RssAnon, RssFile, VmHWM in bytes from /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "Threads"):
                parts = rest.split()
                out[key] = int(parts[0]) * (1024 if key != "Threads" else 1)
    return out


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Slab", "SReclaimable", "SUnreclaim", "MemAvailable"):
                out[key] = int(rest.split()[0]) * 1024
    return out


def sockstat():
    """TCP sockets in use and TCP buffer memory (bytes) from /proc/net/sockstat."""
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                parts = line.split()
                fields = dict(zip(parts[1::2], parts[2::2]))
                return {"inuse": int(fields["inuse"]), "mem_bytes": int(fields["mem"]) * os.sysconf("SC_PAGE_SIZE")}
    return {"inuse": 0, "mem_bytes": 0}


def load_average():
    return [round(x, 2) for x in os.getloadavg()]


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        rev = "unknown"
    return {"cpu": model, "cores": os.cpu_count(), "memory_bytes": mem, "kernel": platform.release(),
            "git_revision": rev}


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_json(path, doc):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)


def temp_dir(prefix):
    return tempfile.TemporaryDirectory(prefix=prefix)


def check_json(path, keys):
    """Reads a written result back: valid JSON with the given top-level and `figures` keys."""
    doc = json.loads(Path(path).read_text())
    missing = [k for k in keys if k not in doc and k not in doc.get("figures", {})]
    if missing:
        raise ValueError(f"{path}: missing {missing}")
    return doc


def fsync_latency(directory, count=200, deadline_s=20.0):
    """The disk's floor under a durable ack: `count` 512-byte appends, each followed by fdatasync,
    in `directory` (the filesystem of the server's data). Returns p50/p99/max in µs."""
    path = Path(directory) / "fsync-probe"
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        end = time.monotonic() + deadline_s
        while len(times) < count and time.monotonic() < end:
            t0 = time.perf_counter()
            os.write(fd, b"x" * 512)
            os.fdatasync(fd)
            times.append((time.perf_counter() - t0) * 1e6)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    pick = lambda q: round(times[min(len(times) - 1, int(q * len(times)))], 1)
    return {"count": len(times), "p50_us": pick(0.5), "p99_us": pick(0.99), "max_us": round(times[-1], 1)}
