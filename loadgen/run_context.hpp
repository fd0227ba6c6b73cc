// What a run records about where it ran (manifest.json): git revision, host, start time, and the
// open-file limit that caps its connections. The only place parley-load asks the environment.
#pragma once

#include <cstdint>
#include <string>

namespace parley::load {

// `git rev-parse HEAD` in the executable's directory (a build tree sits in its checkout, so this
// names the build's commit wherever the run is started from), or "unknown".
std::string git_revision();
std::string host_description();  // kernel, cores, memory
std::string utc_now_rfc3339();
// Connections this process can open: RLIMIT_NOFILE's soft limit minus a reserve for files.
std::uint64_t connections_max();

}  // namespace parley::load
