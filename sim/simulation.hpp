// One simulation of a scenario: platform, bulk load, traced sample, faults, per-second series.
// The SimGrid engine owns time: one driver actor on the control host runs the calendar and sleeps
// SimGrid's clock forward to each event, so host state and route latencies are SimGrid's.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
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
  bool modelled = true;            // false: this kind is not injected yet (listed, not silent)
  FaultEffect sample;              // gateway crash: the sampled clients' reconnects
  std::uint64_t bulk_devices_affected = 0;
};

struct SimulationResult {
  CheckerCounts checker;
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
  double online_devices = 0;  // connections the gateways must hold
  DeploymentStats deployment;
  std::uint64_t sample_users = 0, sample_devices = 0, sample_gateways = 0, bytes_per_device = 0;
  std::uint64_t events = 0, hosts = 0;
  double simulated_s = 0;
};

SimulationResult simulate(const scenario::Scenario& scenario, const Calibration& calibration,
                          const SimRunOptions& options, std::uint64_t seed);

}  // namespace parley::sim
