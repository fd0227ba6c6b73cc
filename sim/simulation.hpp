// One simulation of a scenario: platform, bulk load, traced sample, faults, per-second series.
// The SimGrid engine owns time: one driver actor on the control host runs the calendar and sleeps
// SimGrid's clock forward to each event, so host state and route latencies are SimGrid's.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker.hpp"
#include "parley/metrics/run_results.hpp"
#include "deployment.hpp"
#include "load_model.hpp"
#include "platform.hpp"
#include "sample_clients.hpp"
#include "sim_run.hpp"

namespace parley::sim {

struct UtilisationRow {
  double t_s = 0;
  std::array<double, component_count> utilisation{};
  std::array<double, component_count> backlog_ms{};
  std::array<double, component_count> hosts_up{};
  double bulk_messages_per_s = 0;
  double bulk_deliveries_per_s = 0;
  double bulk_reconnects_per_s = 0;
};

struct FaultRecord {
  scenario::Fault fault;
  std::uint32_t target = 0;
  bool modelled = true;            // false: this kind is not injected (listed, not silent)
  bool from_swarm = false;
  std::string note;                // why it did nothing, when it did nothing
  FaultEffect sample;              // gateway crash: the sampled clients' reconnects
  std::uint64_t bulk_devices_affected = 0;
  FaultCounters deployment;        // what it did inside the deployment
  std::uint64_t missing_acknowledged = 0;  // traced deliveries of acked messages it lost
  // redis_failover: time from the end of the failover until presence held every online sampled
  // user again (-1: not within the run), and how many it still missed at the last check.
  double presence_converged_after_s = -1;
  std::uint64_t presence_missing = 0;
  // hot_group: the hot chat host's load, and the traced deliveries of the hot group vs the rest.
  std::uint32_t hot_chat_host = 0;
  double hot_peak_utilisation = 0, hot_peak_backlog_ms = 0, hot_bulk_messages_per_s = 0;
  HotEffect hot;
  std::optional<NetworkFaults::LinkPeak> link;  // link_degradation with bandwidth_factor < 1
};

struct SimulationResult {
  CheckerCounts checker;
  std::vector<CheckerCounts> checker_per_second;  // cumulative counts at the end of each second
  std::uint64_t presence_missing_at_end = 0;      // online sampled users presence did not hold
  bool presence_checked = true;                   // false: a failover ended too close to the end
  std::uint64_t errors = 0;
  metrics::Histogram ack, delivery;
  std::vector<metrics::TimeseriesRow> timeseries;
  std::vector<std::uint64_t> late_per_second;  // traced deliveries after the delivery SLO
  std::vector<UtilisationRow> utilisation;
  std::vector<FaultRecord> faults;
  std::array<double, component_count> peak_utilisation{};
  std::array<double, component_count> peak_busy_us_per_s{};
  double peak_messages_per_s = 0;
  double mean_recipients = 0;
  bool planned_traffic = false;               // the sample traced the scenario's own plan
  double deliveries_per_message = 0;          // the shared expectation (workload/recipients.hpp)
  double peak_hot_group_messages_per_s = 0;   // into the scenario's hot groups (bulk)
  double hot_groups_chat_peak_utilisation = 0;  // the busiest chat host with its hot groups
  double online_devices = 0;  // connections the gateways must hold
  DeploymentStats deployment;
  std::uint64_t sample_users = 0, sample_devices = 0, sample_gateways = 0, bytes_per_device = 0;
  UserEventCounts user_events;  // the sample's churn, history reads and searches
  std::uint64_t events = 0, hosts = 0;
  double simulated_s = 0;
};

SimulationResult simulate(const scenario::Scenario& scenario, const Calibration& calibration,
                          const SimRunOptions& options, std::uint64_t seed);

}  // namespace parley::sim
