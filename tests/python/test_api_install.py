"""The documented install: scripts/install_python.sh into a virtual environment made from
/usr/bin/python3, then `import parley` from anywhere, without PYTHONPATH, runs a simulation."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_install_into_a_venv_and_run_from_elsewhere(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True, timeout=60)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PARLEY_SKIP_BUILD"] = "1"  # the test command has built it already
    python = venv / "bin" / "python"
    done = subprocess.run([str(ROOT / "scripts" / "install_python.sh"), str(python)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert str(venv) in done.stdout
    code = ("import parley; r = parley.run('sim-smoke', duration_s=3, progress=False, "
            "grace_s=1, sample_users=100, **{'faults.schedule': []}); "
            "print(parley.__file__, r.kind, r.summary['counts']['missing'])")
    ran = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr
    location, kind, missing = ran.stdout.split()
    assert location.startswith(str(venv)) and kind == "simulated" and missing == "0"
