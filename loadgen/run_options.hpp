// The command line of `parley-load run` as a plain struct, parsed without Boost so that a bad flag
// is reported (exit 2) before anything touches the network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parley/error.hpp"
#include "shard.hpp"

namespace parley::load {

struct Target {
  std::string host = "127.0.0.1";  // an IPv4/IPv6 literal or a name resolved once at start
  std::uint16_t port = 7700;
  std::string path = "/";
};

struct RunOptions {
  std::string scenario_path;
  std::optional<Target> target;          // --target; default: the scenario's first topology target
  std::vector<std::string> overrides;    // --set k=v, in order
  std::string out_dir;                   // --out; default results/runs/<scenario>-<seed>-<shard>
  std::optional<std::uint64_t> seed;     // --seed overrides the scenario's seed
  workload::Shard shard;                 // --shard i/n
  bool quiet = false;
  std::string token_secret;              // --token-secret, else $PARLEY_TOKEN_SECRET
  std::uint32_t threads = 1;             // --threads: one io_context per thread
  std::uint32_t source_addresses = 4;    // --source-addrs: how many loopback source addresses
  std::uint32_t source_first = 2;        // --source-first: they are 127.0.0.<first> and up
  std::uint32_t processes = 1;           // --processes: worker processes, one shard each
  double grace_s = 6;                    // --grace-s: wait for deliveries after the last send
  std::optional<std::int64_t> start_at_ms;  // --start-at-ms: common start of all shards (Unix ms)
};

inline constexpr std::uint32_t threads_max = 64;
inline constexpr std::uint32_t source_addresses_max = 250;
inline constexpr std::uint32_t processes_max = 64;

// "ws://host:port/path" (plain ws only; wss is refused with a clear message).
Result<Target> parse_target(const std::string& url);
// argv after "run"; errors name the flag.
Result<RunOptions> parse_run_options(const std::vector<std::string>& args);

std::string run_usage();

}  // namespace parley::load
