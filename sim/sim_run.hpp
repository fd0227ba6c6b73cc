// `parley-sim run`: a whole deployment from a scenario file. The hybrid model (docs/simulator.md):
// the bulk of the users is aggregate load (LoadModel), a seeded traced sample runs through the real
// core roles on SimGrid hosts (Deployment, SampleClients), and the reported latencies are the
// sample's. Faults from the scenario's schedule hit both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "calibration.hpp"
#include "parley/scenario/scenario.hpp"

namespace parley::sim {

struct SimRunOptions {
  std::string scenario_path;
  std::vector<std::string> overrides;     // --set key=value
  std::optional<std::uint64_t> seed;      // --seed, else the scenario's
  std::string out_dir;                    // empty: results/runs/<name>-<seed>
  std::uint32_t sample_users = 2000;      // traced users (capped at the online users)
  double traced_per_s = 100;              // traced sends per second at least (the sample's users
                                          // send faster than real ones when the scenario is sparse)
  std::uint32_t sample_gateways = 32;     // gateways the sample lives on (capped at the count)
  std::string calibration_path = "results/calibration.json";  // missing file: built-in figures
  std::vector<std::string> cost_overrides;  // --cost key=value
  bool checker = true;
  bool progress = true;
  double grace_s = 15;                    // after the last send: redeliveries and reconnects finish
  std::vector<std::string> command_line;
};

// Runs the simulation and writes the run directory; returns the exit status (0 pass, 1 SLO or
// checker failure, 2 usage or input error).
int run_simulation(const SimRunOptions& options);

// The subcommand's argument parsing (argv after "run"); prints usage on error.
int run_command(int argc, char** argv);

}  // namespace parley::sim
