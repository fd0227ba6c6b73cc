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

// A client-side fault parley-load drives itself (the scenario format's fault kinds all act on the
// server side): from at_s for duration_s, a seeded share `fraction` of this shard's devices stops
// reading and writing (partition: half-open from the server's view) or reads one frame per
// delay_ms (slow: a slow consumer). docs/loadgen.md, Client faults.
struct ClientFault {
  enum class Kind { partition, slow };
  Kind kind = Kind::partition;
  double at_s = 0;
  double duration_s = 0;
  double fraction = 0;
  double delay_ms = 0;  // slow only
  bool operator==(const ClientFault&) const = default;
};

// "AT_S:DURATION_S:FRACTION" (partition) or "AT_S:DURATION_S:FRACTION:DELAY_MS" (slow).
Result<ClientFault> parse_client_fault(ClientFault::Kind kind, const std::string& text);

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
  std::vector<ClientFault> client_faults;   // --client-partition, --slow-consumers (repeatable)
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
