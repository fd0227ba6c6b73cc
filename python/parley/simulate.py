"""parley.run: one simulation in a forked child of this process (SimGrid allows one engine per
process), the GIL released while it runs, progress relayed, Ctrl-C honoured. docs/python.md."""
import tempfile
from pathlib import Path

from . import _parley
from .results import load_results
from .scenarios import override_strings, resolve, validate

PACKAGE_DIR = Path(__file__).resolve().parent
CALIBRATION = PACKAGE_DIR / "data" / "calibration.json"


class SimulationError(RuntimeError):
    """The simulator stopped without writing a result (bad input it found itself, or a crash).
    `.log` holds its output."""

    def __init__(self, message, log=""):
        super().__init__(message)
        self.log = log


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class _Progress:
    """Turns progress=True/False/callable into the callback the native runner calls."""

    def __init__(self, progress, description):
        self.callback = progress if callable(progress) else None
        self.bar_class = _tqdm() if progress is True else None
        self.description, self.bar = description, None

    def __call__(self, simulated_s, total_s):
        if self.callback is not None:
            self.callback(simulated_s, total_s)
        if self.bar_class is not None:
            if self.bar is None:
                self.bar = self.bar_class(total=total_s, desc=self.description, unit="sim s", leave=False)
            self.bar.update(simulated_s - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _options(path, overrides, seed, out, settings):
    options = _parley.SimRunOptions()
    options.scenario_path = str(path)
    options.overrides = overrides
    if seed is not None:
        options.seed = int(seed)
    options.out_dir = str(out)
    options.calibration_path = str(settings.pop("calibration", None) or CALIBRATION)
    options.cost_overrides = [f"{k}={v}" for k, v in (settings.pop("cost", None) or {}).items()]
    options.checker = bool(settings.pop("checker", True))
    for name, value in settings.items():
        if value is not None:
            setattr(options, name, value)
    options.command_line = ["parley.run", str(path), *(f"--set={o}" for o in overrides)]
    return options


def run(scenario, *, seed=None, out=None, progress=True, overrides=None, sample_users=None,
        traced_per_s=None, sample_gateways=None, grace_s=None, calibration=None, cost=None,
        checker=True, **more_overrides):
    """Simulates `scenario` (a path, YAML text, a dict or a shipped scenario's name) and returns
    its Result. Overrides are dotted keys: run(s, **{"population.users": 10_000_000}) or
    run(s, population__users=10_000_000) or overrides={...}. `out` is the run directory (default: a
    new temporary directory). progress: True (a tqdm bar when tqdm is installed), False, or a
    callable(simulated_s, total_s). Raises ScenarioError for a bad scenario, SimulationError when
    the simulator fails; an SLO failure is a Result with .passed False."""
    strings = override_strings(overrides) + override_strings(more_overrides)
    validate(scenario, strings)  # a ScenarioError naming the field, before any process starts
    text, source, path = resolve(scenario)
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="parley-run-"))
    settings = dict(sample_users=sample_users, traced_per_s=traced_per_s, sample_gateways=sample_gateways,
                    grace_s=grace_s, calibration=calibration, cost=cost, checker=checker)
    with tempfile.TemporaryDirectory(prefix="parley-scenario-") as scratch:
        if path is None:  # the child reads a file: the name stays the one the parser would give
            path = Path(scratch) / "scenario.yaml"
            path.write_text(text)
        options = _options(path, strings, seed, out, settings)
        reporter = _Progress(progress, source if len(source) < 40 else Path(source).name)
        try:
            outcome = _parley.simulate(options, reporter)
        finally:
            reporter.close()
    if outcome["signal"]:
        raise SimulationError(f"the simulator died of signal {outcome['signal']}", outcome["log"])
    if outcome["exit_code"] not in (0, 1):
        raise SimulationError(f"the simulator failed (exit {outcome['exit_code']}): "
                              f"{outcome['log'].strip()}", outcome["log"])
    result = load_results(out)
    result.log = outcome["log"]
    return result
