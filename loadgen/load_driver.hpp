// The network side of `parley-load run`: creates the scenario's groups, ramps up one connection
// per online device of this shard (one io_context per thread), sends every planned send at its
// intended time (open loop), acks deliveries, and records everything into a Recorder. A plain
// interface: Asio and Beast stay inside load_driver.cpp, group_setup.cpp and ws_connection.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <functional>
#include <optional>
#include <string>

#include "parley/error.hpp"
#include "parley/metrics/run_results.hpp"
#include "parley/scenario/scenario.hpp"
#include "recorder.hpp"
#include "run_options.hpp"
#include "shard.hpp"

namespace parley::load {

struct DriverConfig {
  scenario::Scenario scenario;
  workload::Shard shard;
  Target target;
  std::string token_secret;
  std::uint32_t threads = 1;
  std::uint32_t source_addresses = 4;
  std::uint32_t source_first = 2;
  double grace_s = 6;
  std::uint64_t connections_max = 0;  // from RLIMIT_NOFILE
  std::optional<std::int64_t> start_at_ms;  // Unix ms of t = 0, shared by all shards
  std::vector<ClientFault> client_faults;   // driven by parley-load (run_options.hpp)
  // Called on the calling thread once per second of the run (after the second closes).
  std::function<void(const metrics::TimeseriesRow&, const Progress&)> on_second;
};

struct DriverOutcome {
  double duration_s = 0;        // the run proper: sends plus the grace period
  std::uint64_t connections = 0;  // planned connections of this shard
  std::uint64_t groups = 0;       // groups created by this shard
  std::uint64_t storms = 0;       // reconnect_storm faults executed
  std::uint64_t faults_not_executed = 0;  // other kinds of the schedule: recorded, not driven
  std::uint64_t churn_reconnects = 0;     // planned reconnects of users (workload churn)
  std::uint64_t history_reads_planned = 0, searches_planned = 0;  // of this shard's users
  std::uint64_t client_faults = 0;        // --client-partition / --slow-consumers executed
  // Faults of the schedule parley-load cannot drive (server-side kinds), by kind: recorded only.
  std::map<std::string, std::uint64_t> faults_not_executable;
};

// Errors: the target cannot be resolved, too many connections for the open-file limit, group
// creation failed. The run itself never fails here: what goes wrong is counted in the Recorder.
Result<DriverOutcome> run_load(const DriverConfig& config, Recorder& recorder);

}  // namespace parley::load
