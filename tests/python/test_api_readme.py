"""README's five-line Python example, extracted from README.md and run exactly as written (from a
scratch directory whose `build` points at this build tree)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import parley

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(parley.__file__).resolve().parents[2]  # build/python/parley/__init__.py


def readme_example():
    text = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "parley.run(" in b]
    assert len(blocks) == 1, "README should hold one Python example that calls parley.run"
    return blocks[0]


def test_readme_example_is_five_lines_and_runs_as_written(tmp_path):
    code = readme_example()
    assert len(code.strip().splitlines()) == 5
    (tmp_path / "build").symlink_to(BUILD)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "delivery p99 ms:" in done.stdout and "'missing': 0" in done.stdout
    assert (tmp_path / "latency.png").stat().st_size > 10_000
