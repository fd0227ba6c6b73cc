# Finds every third-party dependency the standard way for Debian 12 (see ../shared/TOOLCHAIN.md
# for why each one is found the way it is).
find_package(PkgConfig REQUIRED)

find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED CONFIG COMPONENTS program_options)
find_package(nlohmann_json 3.10 REQUIRED CONFIG)
find_package(yaml-cpp REQUIRED CONFIG)
find_package(OpenSSL REQUIRED)
find_package(RocksDB 7.8 REQUIRED CONFIG)
pkg_check_modules(hiredis REQUIRED IMPORTED_TARGET hiredis>=0.14)
pkg_check_modules(SimGrid REQUIRED IMPORTED_TARGET simgrid>=3.32)
find_package(GTest 1.12 REQUIRED CONFIG)
find_package(benchmark 1.7 REQUIRED CONFIG)

if(PARLEY_BUILD_PYTHON)
  # Debian's interpreter, not the pyenv one on PATH: only it has numpy, pandas and nbclient.
  set(Python_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python for the parley module")
  find_package(Python 3.11 REQUIRED COMPONENTS Interpreter Development.Module NumPy)
  find_package(pybind11 2.10 REQUIRED CONFIG)
endif()
