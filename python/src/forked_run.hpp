// parley.run's engine room: one `parley-sim run` in a forked child of the Python process. SimGrid
// keeps one Engine and its global state per process, so every run gets a fresh process; the parent
// keeps the GIL released while it waits, relays progress and honours Ctrl-C (docs/python.md).
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "sim_run.hpp"

namespace parley::python {

struct ForkedRunOutcome {
  int exit_code = -1;    // run_simulation's status (0 pass, 1 SLO/checker failure, 2 bad input)
  int signal = 0;        // non-zero: the child died of this signal
  std::string log;       // the child's stdout and stderr, progress lines left out
};

// Runs run_simulation(options) in a child process and waits for it. `progress` (None or a
// callable(simulated_s, total_s)) is called from this thread with the GIL held. A KeyboardInterrupt
// (or an exception from `progress`) kills the child, reaps it and propagates.
ForkedRunOutcome run_forked(const sim::SimRunOptions& options, const pybind11::object& progress);

}  // namespace parley::python
