"""Measuring for scripts/bench_compare.py: the configuration, the machine description, and the
bench executables' runs (every repetition's time, per process run, with the calibration kernels).
Standard library only."""
import datetime
import fnmatch
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


# ---- configuration --------------------------------------------------------------------------

def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def bench_settings(config, name):
    """Threshold, metric, kernel and slow-phase detector of one benchmark: the first matching
    pattern in config["benchmarks"]. calibration names the kernel it is divided by (default: the
    CPU kernel); slow_phase_kernel names a kernel (the disk's) whose best time, when over
    slow_phase_pct of its baseline time, marks the machine as in a slow phase."""
    settings = {"threshold_pct": config["default_threshold_pct"], "metric": "cpu_time",
                "calibration": config["calibration"], "slow_phase_kernel": None,
                "slow_phase_pct": config.get("degraded_calibration_pct", 20)}
    for pattern, override in config.get("benchmarks", {}).items():
        if fnmatch.fnmatchcase(name, pattern):
            settings.update({k: v for k, v in override.items() if k in settings})
            break
    return settings


# ---- the machine ----------------------------------------------------------------------------

def cmake_cache(build_dir):
    values = {}
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line.strip())
                if m:
                    values[m.group(1)] = m.group(2)
    except OSError:
        pass
    return values


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT).stdout
        return out.splitlines()[0].strip() if out else ""
    except OSError:
        return ""


def proc_value(path, key):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def describe_machine(build_dir):
    cache = cmake_cache(build_dir)
    compiler = cache.get("CMAKE_CXX_COMPILER", "c++")
    dirty = first_line(["git", "status", "--porcelain", "--untracked-files=no"]) != ""
    return {
        "cpu_model": proc_value("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": proc_value("/proc/meminfo", "MemTotal"),
        "compiler": first_line([compiler, "--version"]),
        "build_type": cache.get("CMAKE_BUILD_TYPE", ""),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_revision": first_line(["git", "rev-parse", "--short", "HEAD"]) + ("+dirty" if dirty else ""),
        "load_average": os.getloadavg()[0],
    }


# ---- measuring ------------------------------------------------------------------------------

def kernels(config):
    """The calibration kernel and every slow-phase detector kernel: measured, never compared."""
    names = {config["calibration"]}
    for override in config.get("benchmarks", {}).values():
        names.update(override[k] for k in ("calibration", "slow_phase_kernel") if override.get(k))
    return names


def run_executable(path, settings, bench_filter):
    """One process run; returns {name: {"real_time": [ns...], "cpu_time": [ns...], "error": str}}."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [path, f"--benchmark_out={out.name}", "--benchmark_out_format=json",
               f"--benchmark_repetitions={settings['repetitions']}",
               f"--benchmark_min_time={settings['min_time_s']}",
               "--benchmark_enable_random_interleaving=true", f"--benchmark_filter={bench_filter}"]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{os.path.basename(path)} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
        report = load_json(out.name)
    results = {}
    for b in report.get("benchmarks", []):
        entry = results.setdefault(b.get("run_name", b["name"]), {"real_time": [], "cpu_time": [], "error": ""})
        if b.get("error_occurred"):
            entry["error"] = b.get("error_message", "error")
        elif b.get("run_type", "iteration") == "iteration":
            scale = UNIT_NS[b.get("time_unit", "ns")]
            entry["real_time"].append(b["real_time"] * scale)
            entry["cpu_time"].append(b["cpu_time"] * scale)
    return results


class Measurements:
    """Every repetition's time of every benchmark and of the calibration kernel, per process run.

    The estimate is the fastest repetition over all process runs, divided by the fastest
    calibration repetition: on a shared machine a repetition is only ever slowed down (another
    tenant on the core, a context switch, a cold cache), and those slow stretches mostly come and
    go faster than a benchmark runs, so the minimum of many short repetitions finds the undisturbed
    speed where a median drifts with the machine's load (bench_compare.slow_phase handles the
    long ones). One ratio per process run is kept as well, to show how much the runs disagree.
    """

    def __init__(self, config):
        self.config = config
        self.samples, self.calibration, self.run_ratios, self.errors = {}, {}, {}, {}
        self.slow_kernel = {}  # benchmark name -> samples of its slow-phase detector kernel
        self.executable = {}  # benchmark name -> the executable that holds it

    def add_process(self, results, executable):
        if not results.get(self.config["calibration"], {}).get("cpu_time"):
            raise RuntimeError(f"no {self.config['calibration']} in {executable}'s output")
        for name, entry in results.items():
            if name in kernels(self.config):
                continue
            self.executable[name] = executable
            settings = bench_settings(self.config, name)
            calib = results.get(settings["calibration"])
            if entry["error"] or not calib or calib["error"]:
                self.errors[name] = entry["error"] or f"no {settings['calibration']} in {executable}'s output"
                continue
            metric = settings["metric"]
            self.samples.setdefault(name, []).extend(entry[metric])
            self.calibration.setdefault(name, []).extend(calib[metric])
            self.run_ratios.setdefault(name, []).append(min(entry[metric]) / min(calib[metric]))
            detector = results.get(settings["slow_phase_kernel"] or "")
            if detector and detector["real_time"]:
                self.slow_kernel.setdefault(name, []).extend(detector["real_time"])

    def names(self):
        return set(self.samples)

    def time_ns(self, name):
        return min(self.samples[name])

    def calibration_ns(self, name):
        return min(self.calibration[name])

    def slow_kernel_ns(self, name):
        return min(self.slow_kernel[name]) if name in self.slow_kernel else None

    def ratio(self, name):
        return self.time_ns(name) / self.calibration_ns(name)

    def spread_pct(self, name):
        r = self.run_ratios[name]
        return 100.0 * (max(r) - min(r)) / statistics.median(r)


def measure(config, build_dir, executables, settings, runs, name_filter, measurements, log):
    """runs process runs of every executable, rotating their order so none always goes first."""
    exes = [os.path.join(build_dir, "bench", exe) for exe in executables]
    missing = [e for e in exes if not os.access(e, os.X_OK)]
    if missing:
        raise RuntimeError("not built: " + ", ".join(missing) + " (run scripts/build.sh)")
    bench_filter = "^(" + "|".join(map(re.escape, sorted(kernels(config)))) + f"|{name_filter})$"
    for run in range(runs):
        for exe in exes[run % len(exes):] + exes[:run % len(exes)]:
            log(f"  run {run + 1}/{runs}: {os.path.basename(exe)}")
            measurements.add_process(run_executable(exe, settings, bench_filter), os.path.basename(exe))
