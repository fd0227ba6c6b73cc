// `parley-load run --processes N`: one process holds at most its open-file limit of connections
// (TOOLCHAIN.md: 20 000 here), so a bigger run starts N copies of itself, each one shard (--shard
// j/N) on its own loopback source addresses with a common start time, then merges their results.
#pragma once

#include <string>

#include "run_options.hpp"

namespace parley::load {

inline constexpr std::int64_t process_start_lead_ms = 5'000;  // time for every child's group setup

// Returns the exit code: 2 if a child reports a usage error, else the merged run's verdict.
int run_processes(const RunOptions& options, const std::string& out_dir);

}  // namespace parley::load
