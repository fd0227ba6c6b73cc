"""Scenario input for parley.run and friends: a path, a YAML string, a dict or a shipped scenario's
name, plus dotted-key overrides, validated by the same C++ parser `parley-sim` uses."""
import json
import os
import re
from pathlib import Path

from . import _parley

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

# One diagnostic line of the C++ parser: `where: field.path: what` (docs/scenarios.md).
_DIAGNOSTIC = re.compile(r"^(?:override '(?P<override>.*?)': |(?P<source>.*?):(?P<line>\d+):(?P<column>\d+): )?"
                         r"(?P<field>[A-Za-z_][\w.\[\]]*): (?P<message>.*)$")


class ScenarioError(ValueError):
    """A scenario (or an override) the parser refused. `.field` names the first offending field
    (dotted path, None for a YAML syntax error), `.line` its line in the file; `.errors` lists every
    problem as dicts {field, message, line, column, override}."""

    def __init__(self, text):
        super().__init__(text)
        self.errors = [_diagnostic(line) for line in text.splitlines() if line.strip()]
        first = self.errors[0] if self.errors else {}
        self.field = first.get("field")
        self.line = first.get("line")


def _diagnostic(line):
    match = _DIAGNOSTIC.match(line)
    if not match:
        return {"field": None, "message": line, "line": None, "column": None, "override": None}
    number = lambda name: int(match.group(name)) if match.group(name) else None
    return {"field": match.group("field"), "message": match.group("message"),
            "line": number("line"), "column": number("column"), "override": match.group("override")}


def shipped():
    """Names of the scenarios shipped with the package (the repository's scenarios/*.yaml)."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def resolve(scenario):
    """(yaml_text, source, path_or_None) for a path, YAML text, a dict or a shipped name."""
    if isinstance(scenario, dict):
        return json.dumps(scenario), "<dict>", None  # JSON is YAML
    if isinstance(scenario, os.PathLike):
        path = Path(scenario)
        return path.read_text(), str(path), path
    if not isinstance(scenario, str):
        raise TypeError(f"scenario: expected a path, YAML text or a dict, got {type(scenario).__name__}")
    if "\n" in scenario or scenario.lstrip().startswith("{"):
        return scenario, "<string>", None
    for path in (Path(scenario), SCENARIO_DIR / scenario, SCENARIO_DIR / f"{scenario}.yaml"):
        if path.is_file():
            return path.read_text(), str(path), path
    raise FileNotFoundError(f"scenario '{scenario}': no such file and not a shipped scenario "
                            f"(shipped: {', '.join(shipped())})")


def _yaml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float, str)):
        return str(value) if not isinstance(value, float) else repr(value)
    return json.dumps(value)  # lists and dicts as YAML flow collections


def override_strings(overrides):
    """`key.path=value` strings for the parser. Keys are dotted paths; `__` stands for a dot so
    that keyword arguments work (population__users=10_000 is population.users=10000)."""
    if overrides is None:
        return []
    if isinstance(overrides, dict):
        return [f"{key.replace('__', '.')}={_yaml_value(value)}" for key, value in overrides.items()]
    return [str(text) for text in overrides]  # already `key=value` strings


def validate(scenario, overrides=None, **more):
    """Parse and validate a scenario with its overrides; returns the canonical YAML (defaults filled
    in, overrides applied). Raises ScenarioError naming the field on any problem."""
    text, source, _ = resolve(scenario)
    ok, output = _parley.check_scenario(text, source, override_strings(overrides) + override_strings(more))
    if not ok:
        raise ScenarioError(output)
    return output
