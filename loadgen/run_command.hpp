// `parley-load run` and `parley-load merge`: from the command line to a run directory and an exit
// code (0 pass, 1 SLO failed, 2 usage or scenario error).
#pragma once

#include <string>
#include <vector>

namespace parley::load {

inline constexpr int exit_pass = 0;
inline constexpr int exit_slo_failed = 1;
inline constexpr int exit_usage = 2;

int run_command(const std::vector<std::string>& args, const std::vector<std::string>& argv);
int merge_command(const std::vector<std::string>& args);

}  // namespace parley::load
