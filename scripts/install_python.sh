#!/bin/sh
# Installs the `parley` Python package (the _parley extension is built for /usr/bin/python3) into a
# Python's site-packages: a virtual environment made from /usr/bin/python3, or the system Python.
#   scripts/install_python.sh [PYTHON]          default /usr/bin/python3 (/usr/local/lib/... , root)
#   /usr/bin/python3 -m venv --system-site-packages ~/parley-venv && scripts/install_python.sh ~/parley-venv/bin/python
# PARLEY_SKIP_BUILD=1 installs what build/python holds without running ninja first.
set -eu
python=${1:-/usr/bin/python3}
root=$(cd "$(dirname "$0")/.." && pwd)
package="$root/build/python/parley"
if [ "${PARLEY_SKIP_BUILD:-0}" != 1 ]; then
  ninja -C "$root/build" -j2 _parley parley_python_package
fi
suffix=$("$python" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
if [ ! -f "$package/_parley$suffix" ]; then
  echo "install_python.sh: $python wants _parley$suffix, but the build has $(ls "$package" | grep '^_parley') (use a Python made from /usr/bin/python3)" >&2
  exit 2
fi
site=$("$python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
mkdir -p "$site"
rm -rf "$site/parley"
cp -R "$package" "$site/parley"
rm -rf "$site/parley/__pycache__"
cd / && "$python" -c "import parley; print('parley', 'installed in', parley.__path__[0])"
