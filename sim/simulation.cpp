// simulate(): see simulation.hpp. Everything is scheduled on one calendar; a second-long "pulse"
// updates the bulk model, closes the time series row and prints progress.
#include "simulation.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <chrono>
#include <cstdio>

#include "nhpp.hpp"
#include "substream.hpp"

namespace parley::sim {
namespace {

namespace sg4 = simgrid::s4u;

constexpr TimeUs second_us = 1'000'000;
constexpr TimeUs tick_us = 100'000;
constexpr TimeUs ping_every_us = 25'000'000;
constexpr TimeUs traffic_start_us = 1'000'000;   // after connects (0–0.5 s) and groups (0.6 s)
constexpr double storm_window_s = 2;             // the bulk's reconnects after a crash spread here

class Simulation {
 public:
  Simulation(const scenario::Scenario& s, const Calibration& c, const SimRunOptions& o, std::uint64_t seed)
      : scenario_(s), options_(o), seed_(seed), engine_(make_engine()),
        platform_(*engine_, s.topology), calendar_(1'767'225'600'000ULL), population_(s), load_(s, population_, c),
        deployment_(s, c, platform_, calendar_, load_, seed),
        checker_(static_cast<std::int64_t>(s.slos.p99_delivery_ms * 1000)),
        clients_(s, population_, sample_config(s, o), deployment_, calendar_, checker_, seed),
        traffic_rng_(workload::substream(seed, workload::Stream::send_attributes, 0xface)),
        arrivals_(workload::substream(seed, workload::Stream::send_times, 0xface),
                  std::max(s.workload.messages_per_user_per_s * static_cast<double>(sample_users(s, o)),
                           o.traced_per_s),
                  workload::RateProfile(s.workload.profile, s.ramp_s), traffic_start_us / 1e6) {}

  SimulationResult run() {
    schedule();
    sg4::Actor::create("driver", platform_.control_host(), [this] { drive(); });
    wall_start_ = std::chrono::steady_clock::now();
    engine_->run();
    if (options_.progress) std::fprintf(stderr, "\n");
    checker_.finish([this](std::uint32_t device, ConversationId conv) { return clients_.newest(device, conv); });
    result_.checker = checker_.counts();
    result_.ack = clients_.ack_histogram();
    result_.delivery = clients_.delivery_histogram();
    result_.deployment = deployment_.stats();
    result_.mean_recipients = load_.mean_recipients_per_message();
    result_.online_devices = static_cast<double>(scenario::online_users(scenario_.population)) * load_.devices_per_user();
    result_.sample_users = sample_users(scenario_, options_);
    result_.sample_devices = clients_.device_count();
    result_.sample_gateways = sample_config(scenario_, options_).gateways;
    result_.bytes_per_device = clients_.bytes_per_device();
    result_.events = calendar_.executed();
    result_.hosts = platform_.total_hosts();
    result_.simulated_s = static_cast<double>(end_us_) / 1e6;
    for (std::size_t k = 0; k < result_.faults.size() && k < clients_.faults().size(); ++k) {
      result_.faults[k].sample = clients_.faults()[k];
    }
    return std::move(result_);
  }

 private:
  static std::unique_ptr<sg4::Engine> make_engine() {
    static int argc = 1;
    static char name[] = "parley-sim";
    static char* argv[] = {name, nullptr};
    xbt_log_control_set("root.thres:critical");
    auto engine = std::make_unique<sg4::Engine>(&argc, argv);
    sg4::Engine::set_config("network/model:CM02");
    sg4::Engine::set_config("contexts/guard-size:0");
    return engine;
  }
  static std::uint64_t sample_users(const scenario::Scenario& s, const SimRunOptions& o) {
    return std::min<std::uint64_t>(o.sample_users, scenario::online_users(s.population));
  }
  static SampleConfig sample_config(const scenario::Scenario& s, const SimRunOptions& o) {
    SampleConfig config;
    config.users = static_cast<std::uint32_t>(sample_users(s, o));
    config.gateways = static_cast<std::uint32_t>(std::min<std::uint64_t>(o.sample_gateways, s.topology.gateways.count));
    return config;
  }

  void drive() {
    while (!calendar_.empty() && calendar_.next_time_us() <= end_us_) {
      const double at_s = static_cast<double>(calendar_.next_time_us()) / 1e6;
      if (at_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(at_s);
      calendar_.run_next();
    }
  }

  void schedule() {
    duration_us_ = static_cast<TimeUs>(scenario_.duration_s * 1e6);
    end_us_ = duration_us_ + static_cast<TimeUs>(options_.grace_s * 1e6);
    clients_.connect_all(500'000);
    const auto groups = static_cast<std::uint32_t>(
        scenario_.workload.group_share > 0 ? std::clamp<std::uint64_t>(sample_users(scenario_, options_) / 10, 1, 500) : 0);
    calendar_.at(600'000, [this, groups] { clients_.create_groups(groups); });
    next_send();
    every(tick_us, tick_us, [this] { deployment_.tick_all(); });
    every(ping_every_us, ping_every_us, [this] { clients_.heartbeat_all(); });
    load_.update(0, 0);
    every(second_us, second_us, [this] { pulse(); });
    for (const auto& fault : scenario_.faults.schedule) schedule_fault(fault);
  }

  void every(TimeUs first, TimeUs period, std::function<void()> work) {
    calendar_.at(first, [this, period, work] {
      work();
      if (calendar_.now_us() + period <= end_us_) every(calendar_.now_us() + period, period, work);
    });
  }

  void next_send() {
    const double t_s = arrivals_.next();
    const auto at_us = static_cast<TimeUs>(t_s * 1e6);
    if (!(t_s < 1e12) || at_us >= duration_us_) return;
    calendar_.at(at_us, [this] {
      clients_.send_message(traffic_rng_, scenario_.workload.group_share);
      next_send();
    });
  }

  // Injected kinds: gateway_crash, chat_crash and store_node_loss; the others are listed as not
  // modelled.
  void schedule_fault(const scenario::Fault& fault) {
    using scenario::FaultKind;
    const bool gateway = fault.kind == FaultKind::gateway_crash;
    const bool store = fault.kind == FaultKind::store_node_loss;
    const bool chat = fault.kind == FaultKind::chat_crash;
    FaultRecord record{fault, 0, gateway || store || chat, {}, 0};
    const Component kind = store ? Component::store : chat ? Component::chat : Component::gateway;
    const auto count = platform_.count(kind);
    Random pick(workload::mix(seed_, workload::Stream::user_event_attributes, result_.faults.size()));
    record.target = static_cast<std::uint32_t>(fault.target.index.value_or(pick.uniform(count)) % count);
    const std::size_t index = result_.faults.size();
    result_.faults.push_back(record);
    if (!record.modelled) return;
    const HostRef host{kind, record.target};
    calendar_.at(static_cast<TimeUs>(fault.at_s * 1e6), [this, host, index] { fail(host, index); });
    calendar_.at(static_cast<TimeUs>((fault.at_s + fault.duration_s) * 1e6), [this, host] { recover(host); });
  }

  void fail(HostRef host, std::size_t index) {
    if (!platform_.is_on(host)) return;  // already down (overlapping faults)
    deployment_.crash(host);
    load_.set_hosts_down(host.kind, ++down_[static_cast<std::size_t>(host.kind)]);
    if (host.kind != Component::gateway) return;
    clients_.gateway_crashed(host.index, index);
    const double bulk = static_cast<double>(scenario::online_users(scenario_.population)) *
                        load_.devices_per_user() / static_cast<double>(platform_.count(Component::gateway));
    result_.faults[index].bulk_devices_affected = static_cast<std::uint64_t>(bulk);
    storm_devices_ += bulk;
    storm_until_s_ = static_cast<double>(calendar_.now_us()) / 1e6 + storm_window_s;
  }

  void recover(HostRef host) {
    if (platform_.is_on(host)) return;
    deployment_.restart(host);
    load_.set_hosts_down(host.kind, --down_[static_cast<std::size_t>(host.kind)]);
  }

  void pulse() {
    const double t_s = static_cast<double>(calendar_.now_us()) / 1e6;
    double storm = 0;
    if (t_s <= storm_until_s_ + 1e-9) {
      storm = storm_devices_ / storm_window_s;
    } else {
      storm_devices_ = 0;
    }
    row(t_s);
    load_.update(t_s, storm);
    if (options_.progress) progress(t_s);
  }

  void row(double t_s) {
    auto second = clients_.take_second();
    metrics::TimeseriesRow r;
    r.t_s = t_s - 1;
    r.sends = second.sends;
    r.acks = second.acks;
    r.deliveries = second.deliveries;
    r.errors = second.errors;
    result_.errors += second.errors;
    r.connections = clients_.connected();
    r.ack_p50_us = second.ack.percentile(50);
    r.ack_p99_us = second.ack.percentile(99);
    r.delivery_p50_us = second.delivery.percentile(50);
    r.delivery_p99_us = second.delivery.percentile(99);
    result_.late_per_second.push_back(second.late);
    result_.timeseries.push_back(r);
    UtilisationRow u;
    u.t_s = t_s - 1;
    for (std::size_t k = 0; k < component_count; ++k) {
      const auto& s = load_.state(static_cast<Component>(k));
      u.utilisation[k] = s.utilisation;
      u.backlog_ms[k] = s.backlog_s * 1000;
      u.hosts_up[k] = static_cast<double>(s.hosts_up);
      result_.peak_utilisation[k] = std::max(result_.peak_utilisation[k], s.utilisation);
      result_.peak_busy_us_per_s[k] = std::max(result_.peak_busy_us_per_s[k], s.busy_us_per_s);
    }
    u.bulk_messages_per_s = load_.rates().messages;
    u.bulk_deliveries_per_s = load_.rates().deliveries;
    u.bulk_reconnects_per_s = load_.rates().reconnects;
    result_.peak_messages_per_s = std::max(result_.peak_messages_per_s, u.bulk_messages_per_s);
    result_.utilisation.push_back(u);
  }

  void progress(double t_s) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
    const double total = static_cast<double>(end_us_) / 1e6;
    const double speed = wall > 0 ? t_s / wall : 0;
    std::fprintf(stderr, "\rparley-sim: simulated %.0f/%.0f s, %.2fx real time, ETA %.0f s   ", t_s,
                 total, speed, speed > 0 ? (total - t_s) / speed : 0.0);
  }

  scenario::Scenario scenario_;
  SimRunOptions options_;
  std::uint64_t seed_;
  std::unique_ptr<sg4::Engine> engine_;
  Platform platform_;
  EventCalendar calendar_;
  workload::PopulationModel population_;  // built once: it samples every group's size
  LoadModel load_;
  Deployment deployment_;
  Checker checker_;
  SampleClients clients_;
  Random traffic_rng_;
  workload::NhppArrivals arrivals_;
  TimeUs duration_us_ = 0, end_us_ = 0;
  std::array<std::uint64_t, component_count> down_{};
  double storm_devices_ = 0, storm_until_s_ = -1;
  SimulationResult result_;
  std::chrono::steady_clock::time_point wall_start_;
};

}  // namespace

SimulationResult simulate(const scenario::Scenario& scenario, const Calibration& calibration,
                          const SimRunOptions& options, std::uint64_t seed) {
  return Simulation(scenario, calibration, options, seed).run();
}

}  // namespace parley::sim
