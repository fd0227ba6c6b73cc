#!/usr/bin/python3
"""Runs parley's benchmark suite and compares it with the committed baseline (docs/benchmarks.md).

Every benchmark's time is divided by the calibration kernel's (BM_Calibration, compiled into every
bench executable) measured in the same process runs, with repetitions randomly interleaved, so a
slower machine moves both and the ratio stays. Each time is the fastest of many short repetitions
over several process runs (see bench_measure.Measurements for why not the median); a regression beyond a
benchmark's threshold is re-measured before it fails (confirmation runs), so one noisy stretch on
a shared machine does not fail CI.

  scripts/bench_compare.py --quick                    # about a minute: what ctest runs (label perf)
  scripts/bench_compare.py                            # the full suite, longer runs
  scripts/bench_compare.py --quick --update-baseline  # retake the quick baseline on purpose
  scripts/bench_compare.py --quick --trials 10        # the flake check: 10 comparisons in a row

Exit status: 0 no regression, 1 regression (or a benchmark missing or failing), 2 usage or setup
error, 77 not judged (ctest reports it skipped): the baseline is from another CPU, compiler or
build type, or a benchmark over its threshold was measured while the whole machine was in a slow
phase (its kernel itself 20 % slower than at baseline time, or the disk's 50 %, even after more
runs).
Standard library only; run it with /usr/bin/python3.
"""
import argparse
import json
import os
import re
import statistics
import sys

from bench_measure import ROOT, Measurements, bench_settings, describe_machine, load_json, measure

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, EXIT_SKIP = 0, 1, 2, 77
# What must match between the baseline's machine and this one for ratios to be comparable.
COMPARABLE_KEYS = ("cpu_model", "cores", "compiler", "build_type")


# ---- comparing ------------------------------------------------------------------------------

def natural_key(name):
    """BM_GroupFanout/10 after BM_GroupFanout/1 and before BM_GroupFanout/100."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def compare(config, baseline_benchmarks, measurements, name_filter, executables):
    rows = []
    names = sorted(set(baseline_benchmarks) | measurements.names() | set(measurements.errors), key=natural_key)
    for name in names:
        if not re.fullmatch(name_filter, name):
            continue
        if name not in measurements.names() and name not in measurements.errors and \
                baseline_benchmarks[name].get("executable", "") not in executables:
            continue  # its executable was not asked for (--executables)
        s = bench_settings(config, name)
        row = {"name": name, "threshold_pct": s["threshold_pct"], "metric": s["metric"], "kernel": s["calibration"],
               "base": baseline_benchmarks.get(name, {}).get("ratio"), "current": None, "change_pct": None}
        if name in measurements.errors:
            row["verdict"] = "ERROR"
            row["note"] = measurements.errors[name]
        elif name not in measurements.names():
            row["verdict"] = "MISSING"
        else:
            row["current"] = measurements.ratio(name)
            row["time_ns"] = measurements.time_ns(name)
            row["runs"] = len(measurements.run_ratios[name])
            row["run_ratios"] = [round(x, 6) for x in measurements.run_ratios[name]]
            base_calibration = baseline_benchmarks.get(name, {}).get("calibration_ns")
            if base_calibration:
                row["calibration_factor"] = measurements.calibration_ns(name) / base_calibration
            base_slow_kernel = baseline_benchmarks.get(name, {}).get("slow_phase_kernel_ns")
            if base_slow_kernel and measurements.slow_kernel_ns(name):
                row["slow_kernel_factor"] = measurements.slow_kernel_ns(name) / base_slow_kernel
            if row["base"] is None:
                row["verdict"] = "new"
            else:
                row["change_pct"] = 100.0 * (row["current"] / row["base"] - 1.0)
                slow = slow_phase(config, s, row)
                if row["change_pct"] > s["threshold_pct"] and slow:
                    row["verdict"] = "UNSURE"
                    row["note"] = slow
                elif row["change_pct"] > s["threshold_pct"]:
                    row["verdict"] = "REGRESSED"
                elif row["change_pct"] < -s["threshold_pct"]:
                    row["verdict"] = "improved"
                else:
                    row["verdict"] = "ok"
        rows.append(row)
    return rows


def slow_phase(config, settings, row):
    """Why the machine was in a slow phase during this benchmark's measurement, or "".

    Even the fastest calibration repetition was much slower than at baseline time: the machine
    spent the whole measurement in a slow phase (seen here as 1.5x on every benchmark, for minutes,
    caused from outside the VM). Benchmarks are not slowed alike in such a phase (a tight ALU loop
    suffers 2x, the kernel 1.5x), so the ratios cannot be trusted to the threshold. The same holds
    for the disk: a synced append waits on a disk other builds share (10x for minutes, seen)."""
    kernel = row.get("calibration_factor")
    own_pct = config.get("degraded_calibration_pct", 20) if row["kernel"] == config["calibration"] \
        else settings["slow_phase_pct"]
    if kernel is not None and kernel > 1.0 + own_pct / 100.0:
        return f"machine slow: {row['kernel']} at {kernel:.2f}x its baseline time"
    disk = row.get("slow_kernel_factor")
    if disk is not None and disk > 1.0 + settings["slow_phase_pct"] / 100.0:
        return f"disk slow: {settings['slow_phase_kernel']} at {disk:.2f}x its baseline time"
    return ""


def failing(rows):
    return [r for r in rows if r["verdict"] in ("REGRESSED", "MISSING", "ERROR")]


def format_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def print_table(rows, out=sys.stdout):
    header = ("benchmark", "time", "baseline ratio", "current ratio", "change", "limit", "verdict")
    lines = []
    for r in rows:
        lines.append((
            r["name"],
            format_time(r["time_ns"]) if r.get("time_ns") else "-",
            f"{r['base']:.5g}" if r["base"] is not None else "-",
            f"{r['current']:.5g}" if r["current"] is not None else "-",
            f"{r['change_pct']:+.1f} %" if r["change_pct"] is not None else "-",
            f"±{r['threshold_pct']:g} %",
            r["verdict"] + (f" ({r['note']})" if r.get("note") else ""),
        ))
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:{'<' if i in (0, 6) else '>'}{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*header), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for line in lines:
        print(fmt.format(*line), file=out)


def summary_line(rows):
    bad = failing(rows)
    improved = [r for r in rows if r["verdict"] == "improved"]
    if improved:
        names = ", ".join(f"{r['name']} ({r['change_pct']:+.1f} %)" for r in improved)
        print(f"improved beyond the threshold: {names} — retake the baseline on purpose if this is expected "
              "(scripts/bench_compare.py --quick --update-baseline, and without --quick)")
    unsure = [r for r in rows if r["verdict"] == "UNSURE"]
    for r in unsure:
        print(f"  {r['name']}: {r['change_pct']:+.1f} % (limit +{r['threshold_pct']:g} %) not judged: {r['note']}")
    if not bad and unsure:
        print(f"NOT JUDGED: {len(unsure)} benchmark(s) over their threshold while the machine was in a slow "
              "phase; rerun when it is quieter (the rest passed)")
        return
    if not bad:
        print(f"PASS: {len(rows)} benchmarks within their thresholds of the baseline")
        return
    print(f"FAIL: {len(bad)} benchmark(s) regressed or could not be measured:")
    for r in bad:
        if r["verdict"] == "REGRESSED":
            print(f"  {r['name']}: {r['change_pct']:+.1f} % slower relative to the calibration kernel "
                  f"(ratio {r['base']:.5g} -> {r['current']:.5g}, limit +{r['threshold_pct']:g} %, "
                  f"best of {r['runs']} process runs)")
        else:
            print(f"  {r['name']}: {r['verdict']} {r.get('note', '(in the baseline, not measured)')}")


# ---- baseline -------------------------------------------------------------------------------

def comparable(base_machine, machine):
    return [k for k in COMPARABLE_KEYS if str(base_machine.get(k)) != str(machine.get(k))]


def slow_phase_against_old_baseline(config, path, trials):
    """The new measurements' calibration time over the committed baseline's (any mode, same
    machine), if it is beyond degraded_calibration_pct; else None."""
    if not os.path.exists(path):
        return None
    old = [b["calibration_ns"] for mode in load_json(path)["modes"].values() for b in mode["benchmarks"].values()
           if "calibration_ns" in b]
    new = [statistics.median(t.calibration_ns(n) for t in trials) for n in trials[0].names()]
    if not old or not new:
        return None
    factor = statistics.median(new) / statistics.median(old)
    return factor if factor > 1.0 + config.get("degraded_calibration_pct", 20) / 100.0 else None


def write_baseline(path, mode, machine, settings, runs, trials):
    """The baseline of a mode: per benchmark, the median over independent measurements (trials)
    taken with the very settings the check uses, so the check's estimate scatters around it."""
    baseline = load_json(path) if os.path.exists(path) else {"schema": 1, "modes": {}}
    benchmarks = {}
    for name in sorted(trials[0].names(), key=natural_key):
        ratios = [t.ratio(name) for t in trials]
        benchmarks[name] = {
            "ratio": round(statistics.median(ratios), 6),
            "time_ns": round(statistics.median(t.time_ns(name) for t in trials), 3),
            "calibration_ns": round(statistics.median(t.calibration_ns(name) for t in trials), 1),
            "executable": trials[0].executable[name],
            **({"slow_phase_kernel_ns": round(statistics.median(t.slow_kernel_ns(name) for t in trials), 1)}
               if trials[0].slow_kernel_ns(name) else {}),
            "trial_spread_pct": round(100.0 * (max(ratios) - min(ratios)) / statistics.median(ratios), 2),
        }
    baseline["modes"][mode] = {"machine": machine, "settings": dict(settings, runs=runs, trials=len(trials)),
                               "benchmarks": benchmarks}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(baseline, f, indent=2)
        f.write("\n")


# ---- main -----------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the short mode ctest runs (settings in the config)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    p.add_argument("--baseline", default=os.path.join(ROOT, "results", "bench", "baseline.json"))
    p.add_argument("--config", default=os.path.join(ROOT, "results", "bench", "thresholds.json"))
    p.add_argument("--update-baseline", action="store_true", help="measure and rewrite this mode's baseline")
    p.add_argument("--filter", default=".*", help="regex of benchmark names to run (full match)")
    p.add_argument("--executables", help="comma-separated subset of the config's bench executables")
    p.add_argument("--runs", type=int, help="process runs per executable (overrides the mode)")
    p.add_argument("--repetitions", type=int, help="repetitions per process run (overrides the mode)")
    p.add_argument("--min-time", type=float, help="seconds per repetition (overrides the mode)")
    p.add_argument("--trials", type=int, default=1, help="repeat the whole comparison; prints the spread")
    p.add_argument("--ignore-machine", action="store_true", help="compare even if the machine differs")
    p.add_argument("--force", action="store_true", help="with --update-baseline: write it even in a slow phase")
    p.add_argument("--json-out", help="write the comparison rows (all trials) to this file")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p.parse_args(argv)


def mode_settings(config, args):
    mode = "quick" if args.quick else "full"
    m = dict(config["modes"][mode])
    runs = args.runs or m.pop("runs")
    m.pop("runs", None)
    confirm = m.pop("confirm_runs", 0)
    degraded_runs = m.pop("degraded_runs", 0)
    baseline_trials = m.pop("baseline_trials", 3)
    if args.repetitions:
        m["repetitions"] = args.repetitions
    if args.min_time:
        m["min_time_s"] = args.min_time
    return mode, m, runs, confirm, degraded_runs, baseline_trials


def remeasure(config, args, exes, settings, runs, m, suspects, why, log):
    """More process runs of the suspects alone; the best repetition over all runs counts."""
    log(f"  {why}: {runs} more run(s) of {', '.join(suspects)}")
    suspect_exes = [e for e in exes if any(m.executable.get(n) == e for n in suspects)]
    measure(config, args.build_dir, suspect_exes, settings, runs, "|".join(map(re.escape, suspects)), m, log)


def one_trial(config, args, exes, settings, runs, confirm, degraded_runs, base_benchmarks, log):
    m = Measurements(config)
    measure(config, args.build_dir, exes, settings, runs, args.filter, m, log)
    rows = compare(config, base_benchmarks, m, args.filter, exes)
    suspects = [r["name"] for r in rows if r["verdict"] in ("REGRESSED", "UNSURE")]
    if suspects and confirm > 0:
        remeasure(config, args, exes, settings, confirm, m, suspects, "confirming", log)
        rows = compare(config, base_benchmarks, m, args.filter, exes)
    unsure = [r["name"] for r in rows if r["verdict"] == "UNSURE"]
    if unsure and degraded_runs > 0:
        remeasure(config, args, exes, settings, degraded_runs, m, unsure,
                  "machine in a slow phase, looking for an undisturbed stretch", log)
        rows = compare(config, base_benchmarks, m, args.filter, exes)
    return rows


def print_spread(trials):
    print(f"\nspread over {len(trials)} trials (max |change| against the baseline):")
    names = sorted({r["name"] for rows in trials for r in rows}, key=natural_key)
    print(f"{'benchmark':<32} {'max |change|':>12} {'limit':>7}  failed")
    for name in names:
        rs = [r for rows in trials for r in rows if r["name"] == name]
        changes = [abs(r["change_pct"]) for r in rs if r["change_pct"] is not None]
        worst = f"{max(changes):.1f} %" if changes else "-"
        fails = sum(r in failing([r]) for r in rs)
        unsure = sum(r["verdict"] == "UNSURE" for r in rs)
        limit = f"±{rs[0]['threshold_pct']:g} %"
        print(f"{name:<32} {worst:>12} {limit:>7}  {fails}/{len(rs)}" + (f" ({unsure} not judged)" if unsure else ""))


def main(argv):
    args = parse_args(argv)
    config = load_json(args.config)
    mode, settings, runs, confirm, degraded_runs, baseline_trials = mode_settings(config, args)
    exes = args.executables.split(",") if args.executables else config["executables"]
    unknown = sorted(set(exes) - set(config["executables"]))
    if unknown:
        print(f"unknown bench executable(s): {', '.join(unknown)}; the config lists {config['executables']}")
        return EXIT_USAGE
    log = (lambda _msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    machine = describe_machine(args.build_dir)
    print(f"bench_compare: mode {mode}, {runs} run(s) x {settings['repetitions']} repetitions x "
          f"{settings['min_time_s']} s; {machine['cpu_model']}, {machine['cores']} cores, "
          f"load {machine['load_average']:.2f}, {machine['git_revision']}", flush=True)

    if args.update_baseline:
        if args.executables or args.filter != ".*":
            print("--update-baseline measures the whole suite: drop --executables and --filter")
            return EXIT_USAGE
        trials = []
        for t in range(baseline_trials):
            log(f"baseline measurement {t + 1}/{baseline_trials}")
            m = Measurements(config)
            measure(config, args.build_dir, exes, settings, runs, args.filter, m, log)
            if m.errors:
                print("not writing a baseline: " + "; ".join(f"{k}: {v}" for k, v in m.errors.items()))
                return EXIT_REGRESSION
            trials.append(m)
        slow = slow_phase_against_old_baseline(config, args.baseline, trials)
        if slow and not args.force:
            print(f"not writing a baseline: the calibration kernel ran at x{slow:.2f} of the committed baseline's "
                  "time, so this machine is in a slow phase and the ratios would be off; rerun later "
                  "(or --force if this machine is simply slower)")
            return EXIT_REGRESSION
        write_baseline(args.baseline, mode, machine, settings, runs, trials)
        base = load_json(args.baseline)["modes"][mode]["benchmarks"]
        for t, m in enumerate(trials):
            print(f"\nmeasurement {t + 1}/{baseline_trials} against the new baseline:")
            print_table(compare(config, base, m, args.filter, exes))
        print(f"wrote the {mode} baseline ({len(base)} benchmarks, median of {baseline_trials} measurements) "
              f"to {os.path.relpath(args.baseline, ROOT)}")
        return EXIT_OK

    if not os.path.exists(args.baseline) or mode not in load_json(args.baseline)["modes"]:
        print(f"no {mode} baseline in {args.baseline}: take one with --update-baseline"
              f"{' --quick' if args.quick else ''}")
        return EXIT_USAGE
    base = load_json(args.baseline)["modes"][mode]
    mismatched = comparable(base["machine"], machine)
    for key in mismatched:
        print(f"warning: baseline {key} is '{base['machine'].get(key)}', this machine's is '{machine.get(key)}'")

    trials = []
    for t in range(args.trials):
        if args.trials > 1:
            log(f"trial {t + 1}/{args.trials}")
        rows = one_trial(config, args, exes, settings, runs, confirm, degraded_runs, base["benchmarks"], log)
        trials.append(rows)
        print(f"\nbaseline: {base['machine'].get('git_revision')} of {base['machine'].get('date')}; "
              f"ratio = time / {config['calibration']} time in the same process (lower is faster)")
        print_table(rows)
        others = sorted({f"{r['name']} / {r['kernel']}" for r in rows if r["kernel"] != config["calibration"]})
        if others:
            print("divided by another kernel: " + ", ".join(others))
        factors = [r["calibration_factor"] for r in rows
                   if "calibration_factor" in r and r["kernel"] == config["calibration"]]
        if factors:
            print(f"calibration kernel: x{min(factors):.2f} to x{max(factors):.2f} of its baseline time "
                  f"(a slow phase above x{1 + config.get('degraded_calibration_pct', 20) / 100:.2f})")
        summary_line(rows)
    if args.trials > 1:
        print_spread(trials)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump({"machine": machine, "mode": mode, "trials": trials}, f, indent=2)
    if any(failing(rows) for rows in trials):
        if mismatched and not args.ignore_machine:
            print("not failing: the baseline was taken on a different machine or build "
                  "(--ignore-machine to fail anyway; --update-baseline to take one here)")
            return EXIT_SKIP
        return EXIT_REGRESSION
    if any(r["verdict"] == "UNSURE" for rows in trials for r in rows):
        return EXIT_SKIP
    return EXIT_OK


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (RuntimeError, OSError, KeyError, ValueError) as e:
        print(f"bench_compare: error: {e}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
