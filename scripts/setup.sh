#!/usr/bin/env bash
# Installs exactly the Debian 12 packages parley builds, tests and runs with.
# Idempotent and non-interactive: when everything is present it prints nothing and exits 0.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost-dev libboost-program-options-dev
  nlohmann-json3-dev libyaml-cpp-dev libssl-dev
  libsimgrid-dev librocksdb-dev libhiredis-dev
  pybind11-dev python3-dev python3-numpy python3-pandas python3-matplotlib python3-munkres
  python3-ipykernel python3-nbclient python3-nbconvert python3-pytest python3-websockets
  python3-jsonschema python3-tqdm
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "parley setup: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
