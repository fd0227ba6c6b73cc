"""Executes the notebooks headless with Debian's nbclient and the python3 kernel (/usr/bin/python3),
as the test suite does. Figures go to PARLEY_FIGURES (default notebooks/figures/); with --out the
executed copies (outputs included) are written there for reading; the committed notebooks stay
without outputs.

    /usr/bin/python3 notebooks/execute.py [--build build] [--out DIR] [NAME ...]
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ["capacity_planning", "chaos_drill", "hot_groups", "sim_vs_real"]
CELL_TIMEOUT_S = 600


def execute(name, build_dir, out_dir=None):
    """Runs one notebook from the notebooks directory; returns the executed notebook and seconds."""
    os.environ["PARLEY_BUILD_DIR"] = str(Path(build_dir).resolve())
    notebook = nbformat.read(HERE / f"{name}.ipynb", as_version=4)
    start = time.monotonic()
    try:
        NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": str(HERE)}}).execute()
    finally:  # a failed run is worth reading too
        if out_dir is not None:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, Path(out_dir) / f"{name}.ipynb")
    return notebook, time.monotonic() - start


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=NOTEBOOKS)
    parser.add_argument("--build", default=str(HERE.parent / "build"))
    parser.add_argument("--out", default=None, help="write executed copies here")
    args = parser.parse_args(argv)
    for name in args.names:
        _, seconds = execute(name, args.build, args.out)
        print(f"{name}: executed in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
