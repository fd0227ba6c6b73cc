// See load_driver.hpp. The calling thread resolves the target, creates the groups, builds the
// workers, then ticks once per second (time series, progress) until the sends and the grace
// period are over; each worker's io_context runs on its own thread.
#include "load_driver.hpp"

#include <memory>
#include <thread>

#include "load_worker.hpp"
#include "parley/clock.hpp"
#include "token.hpp"
#include "user_events.hpp"

namespace parley::load {
namespace {

constexpr std::int64_t start_lead_us = 200'000;    // workers are up before the first send
constexpr std::int64_t close_wait_us = 1'000'000;  // graceful closes before the io threads stop
constexpr std::int64_t token_ttl_ms = 24 * 3600 * 1000;

Result<tcp::endpoint> resolve(const Target& target) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
  if (ec || results.empty()) {
    return Error{ErrorCode::invalid_value, "--target: cannot resolve '" + target.host + "': " + ec.message()};
  }
  return results.begin()->endpoint();
}

// 127.0.0.<first>, <first + 1>, ... for a loopback IPv4 target (TOOLCHAIN.md: ~28 k ports per source address).
std::vector<asio::ip::address> source_addresses(const tcp::endpoint& target, std::uint32_t first,
                                                std::uint32_t count) {
  std::vector<asio::ip::address> out;
  if (!target.address().is_v4() || !target.address().is_loopback()) return out;
  for (std::uint32_t i = 0; i < count; ++i) {
    out.push_back(asio::ip::address_v4((127u << 24) | (first + i)));
  }
  return out;
}

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::uint64_t planned_connections(const workload::PopulationModel& people, workload::Shard shard) {
  std::uint64_t n = 0;
  for (std::uint64_t u = 0; u < people.online(); ++u) {
    if (shard.owns(u)) n += people.devices(u);
  }
  return n;
}

void tick_seconds(const DriverConfig& config, RunShared& shared, std::int64_t end_us) {
  for (std::int64_t second = 1;; ++second) {
    std::this_thread::sleep_until(shared.start + std::chrono::seconds(second));
    const double t_s = static_cast<double>(second - 1);
    metrics::TimeseriesRow row = shared.recorder->roll_second(t_s);
    if (config.on_second) config.on_second(row, shared.recorder->progress(static_cast<double>(second)));
    if (second * 1'000'000 >= end_us) return;
  }
}

}  // namespace

Result<DriverOutcome> run_load(const DriverConfig& config, Recorder& recorder) {
  auto endpoint = resolve(config.target);
  if (!endpoint) return endpoint.error();
  workload::SendPlanner planner(config.scenario, config.shard);
  DriverOutcome outcome;
  outcome.connections = planned_connections(planner.population(), config.shard);
  if (outcome.connections + setup_connections_max > config.connections_max) {
    return Error{ErrorCode::invalid_value,
                 "this shard needs " + std::to_string(outcome.connections) +
                     " connections but the open-file limit (RLIMIT_NOFILE) allows about " +
                     std::to_string(config.connections_max) +
                     "; split the run with --shard i/n over several processes or lower "
                     "population.users / population.concurrency"};
  }
  RunShared shared;
  shared.planner = &planner;
  shared.recorder = &recorder;
  shared.heartbeat_s = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(config.scenario.workload.heartbeat_interval_s));
  shared.seed = config.scenario.seed;
  shared.run_id = config.start_at_ms ? static_cast<std::uint64_t>(*config.start_at_ms)
                                     : static_cast<std::uint64_t>(system_ms());
  recorder.set_run_id(shared.run_id);
  for (const auto& fault : config.scenario.faults.schedule) {
    if (fault.kind == scenario::FaultKind::reconnect_storm) {
      shared.storms.push_back(fault);
    } else {
      ++outcome.faults_not_executed;
      ++outcome.faults_not_executable[std::string(scenario::to_string(fault.kind))];
    }
  }
  outcome.storms = shared.storms.size();
  shared.client_faults = config.client_faults;
  outcome.client_faults = config.client_faults.size();
  shared.sources = source_addresses(endpoint.value(), config.source_first, config.source_addresses);
  const std::string secret = config.token_secret;
  shared.target = SetupTarget{endpoint.value(), config.target.host + ":" + std::to_string(config.target.port),
                              config.target.path, [secret](std::uint64_t user, std::uint32_t device) {
                                return server::mint_token(secret, TokenClaims{UserId(user + 1), DeviceId(device + 1),
                                                                              static_cast<TimeMs>(system_ms() + token_ttl_ms)});
                              }};
  auto groups = create_groups(shared.target, planner.population(), config.shard);
  if (!groups) return groups.error();
  shared.groups = std::move(groups.value());
  outcome.groups = shared.groups.size();
  std::unordered_map<std::uint64_t, std::uint64_t> group_index;  // server id → scenario index
  for (const auto& [index, id] : shared.groups) group_index.emplace(id.value, index);
  const Membership membership(planner.population(), std::move(group_index));
  shared.membership = &membership;

  std::vector<std::unique_ptr<Worker>> workers;
  for (std::uint32_t i = 0; i < config.threads; ++i) workers.push_back(std::make_unique<Worker>(shared, i));
  const auto& people = planner.population();
  for (std::uint64_t u = 0; u < people.online(); ++u) {
    if (config.shard.owns(u)) workers[(u / config.shard.count) % config.threads]->add_user(u);
  }
  std::int64_t last_send_us = 0;
  while (auto send = planner.next()) {
    workers[(send->sender / config.shard.count) % config.threads]->add_send(*send);
    last_send_us = send->at_us;
  }
  workload::UserEventPlanner events(config.scenario, config.shard);
  while (auto event = events.next()) {
    Worker& worker = *workers[(event->user / config.shard.count) % config.threads];
    switch (event->kind) {
      case workload::UserEventKind::reconnect:
        worker.add_reconnect(event->at_us, event->user);
        ++outcome.churn_reconnects;
        break;
      case workload::UserEventKind::history_read:
        worker.add_read(*event);
        ++outcome.history_reads_planned;
        break;
      case workload::UserEventKind::search:
        worker.add_read(*event);
        ++outcome.searches_planned;
        break;
    }
  }
  const std::int64_t end_us = std::max<std::int64_t>(
      static_cast<std::int64_t>(config.scenario.duration_s * 1e6), last_send_us) +
      static_cast<std::int64_t>(config.grace_s * 1e6);

  shared.start = Clock::now() + std::chrono::microseconds(start_lead_us);
  if (config.start_at_ms) {
    const std::int64_t wait_ms = *config.start_at_ms - system_ms();
    if (wait_ms * 1000 < start_lead_us) {
      return Error{ErrorCode::invalid_value, "--start-at-ms is " + std::to_string(-wait_ms) +
                                                 " ms in the past once the groups are created; pick a later start"};
    }
    shared.start = Clock::now() + std::chrono::milliseconds(wait_ms);
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    asio::post(w->io(), [worker = w.get()] { worker->start(); });
    threads.emplace_back([worker = w.get()] {
      auto guard = asio::make_work_guard(worker->io());
      worker->io().run();
    });
  }
  tick_seconds(config, shared, end_us);
  shared.stopping = true;
  for (auto& w : workers) asio::post(w->io(), [worker = w.get()] { worker->close_all(); });
  std::this_thread::sleep_for(std::chrono::microseconds(close_wait_us));
  for (auto& w : workers) w->io().stop();
  for (auto& t : threads) t.join();
  outcome.duration_s = static_cast<double>(end_us) / 1e6;
  return outcome;
}

}  // namespace parley::load
