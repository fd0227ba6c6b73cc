// simulate(): see simulation.hpp. Everything is scheduled on one calendar; a second-long "pulse"
// updates the bulk model, closes the time series row and prints progress.
#include "simulation.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "nhpp.hpp"
#include "send_planner.hpp"
#include "parley/limits.hpp"
#include "substream.hpp"
#include "swarm.hpp"

namespace parley::sim {
namespace {

namespace sg4 = simgrid::s4u;

constexpr TimeUs second_us = 1'000'000;
constexpr TimeUs tick_us = 100'000;
constexpr TimeUs ping_every_us = 25'000'000;
constexpr TimeUs traffic_start_us = 1'000'000;   // after connects (0–0.5 s) and groups (0.6 s)
constexpr double storm_window_s = 2;             // the bulk's reconnects after a crash spread here
constexpr double hot_traced_per_s_max = 20;      // traced sends into a hot group (the bulk is uncapped)
constexpr TimeUs settled_us = 2'000'000;         // presence is checked for devices online this long
constexpr TimeUs presence_converge_us = static_cast<TimeUs>(limits::heartbeat_interval_ms) * 1000 + ping_every_us + settled_us;
constexpr double hot_tail_s = 10;                // a hot group's skew is watched this long after it
constexpr TimeUs fault_overrun_max_us = 60'000'000;  // a fault past the traffic extends the run this much at most

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
    // Heartbeats repopulate presence within a heartbeat interval plus a ping period of a failover;
    // a run that ends sooner cannot judge convergence (reported as not checked).
    result_.presence_checked = last_failover_us_ < 0 || end_us_ - last_failover_us_ >= presence_converge_us;
    if (result_.presence_checked) result_.presence_missing_at_end = presence_missing();
    checker_.finish([this](std::uint32_t device, ConversationId conv) { return clients_.newest(device, conv); },
                    [this](TimeUs intended, std::uint32_t device, ConversationId conv, MessageId id) {
                      return blame(intended, device, conv, id);
                    },
                    [this](std::uint32_t device) { return clients_.settled_online(device, Deployment::registry_settle_us); },
                    end_us_ - Deployment::registry_settle_us);
    for (const auto& [fault, n] : checker_.missing_by_fault()) result_.faults[fault].missing_acknowledged = n;
    result_.checker = checker_.counts();
    result_.ack = clients_.ack_histogram();
    result_.delivery = clients_.delivery_histogram();
    result_.deployment = deployment_.stats();
    result_.mean_recipients = load_.mean_recipients_per_message();
    result_.deliveries_per_message = load_.expectation().per_send;
    result_.planned_traffic = clients_.planned();
    result_.online_devices = static_cast<double>(scenario::online_users(scenario_.population)) * load_.devices_per_user();
    result_.sample_users = sample_users(scenario_, options_);
    result_.sample_devices = clients_.device_count();
    result_.sample_gateways = sample_config(scenario_, options_).gateways;
    result_.bytes_per_device = clients_.bytes_per_device();
    result_.user_events = clients_.user_events();
    result_.events = calendar_.executed();
    result_.hosts = platform_.total_hosts();
    result_.simulated_s = static_cast<double>(end_us_) / 1e6;
    for (std::size_t k = 0; k < result_.faults.size() && k < clients_.faults().size(); ++k) {
      result_.faults[k].sample = clients_.faults()[k];
    }
    for (std::size_t k = 0; k < result_.faults.size(); ++k) {
      result_.faults[k].deployment = deployment_.fault_counters().at(k);
      result_.faults[k].link = deployment_.network().link_peak(k);
      if (auto it = clients_.hot_effects().find(k); it != clients_.hot_effects().end()) result_.faults[k].hot = it->second;
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

  // Reorders of messages in flight around a partition, a chat crash or a Redis failover are
  // delayed fan-outs and redeliveries arriving after newer live deliveries (the client orders by
  // id): counted apart, like a reconnect's replay.
  bool reorder_excused(TimeUs sent, TimeUs acked) const {
    using scenario::FaultKind;
    for (const auto& f : result_.faults) {
      const auto k = f.fault.kind;
      if (!f.modelled || (k != FaultKind::partition && k != FaultKind::chat_crash && k != FaultKind::redis_failover)) continue;
      const auto from = static_cast<TimeUs>(f.fault.at_s * 1e6) - 2'000'000;
      const auto to = static_cast<TimeUs>((f.fault.at_s + f.fault.duration_s) * 1e6) + 1'000'000;
      if (acked >= from && sent <= to) return true;
    }
    return false;
  }

  void schedule() {
    checker_.set_reorder_excuse([this](TimeUs sent, TimeUs acked) { return reorder_excused(sent, acked); });
    duration_us_ = static_cast<TimeUs>(scenario_.duration_s * 1e6);
    const auto swarm = expand_swarm(scenario_, seed_);
    // A fault still on when traffic stops keeps the run going until it is over, then the grace:
    // what it left behind (redeliveries, re-fan-outs, reconnects) gets the same time to settle as
    // a fault that ended earlier. At most fault_overrun_max_us more.
    TimeUs faults_end_us = 0;
    auto note_end = [&faults_end_us](const scenario::Fault& f) {
      faults_end_us = std::max(faults_end_us, static_cast<TimeUs>((f.at_s + f.duration_s) * 1e6));
    };
    std::for_each(scenario_.faults.schedule.begin(), scenario_.faults.schedule.end(), note_end);
    std::for_each(swarm.begin(), swarm.end(), note_end);
    end_us_ = duration_us_ + std::clamp<TimeUs>(faults_end_us - duration_us_, 0, fault_overrun_max_us) +
              static_cast<TimeUs>(options_.grace_s * 1e6);
    if (clients_.planned()) {  // the sample is every online user: trace the scenario's own plan
      planner_.emplace(scenario_);
      clients_.connect_planned(*planner_);
      calendar_.at(600'000, [this] { clients_.create_planned_groups(); });
      next_planned_send();
    } else {
      clients_.connect_all(500'000);
      const auto groups = static_cast<std::uint32_t>(
          scenario_.workload.group_share > 0 ? std::clamp<std::uint64_t>(sample_users(scenario_, options_) / 10, 1, 500) : 0);
      calendar_.at(600'000, [this, groups] { clients_.create_groups(groups); });
      next_send();
    }
    start_user_events();
    every(tick_us, tick_us, [this] { deployment_.tick_all(); });
    every(ping_every_us, ping_every_us, [this] { clients_.heartbeat_all(); });
    load_.update(0, 0);
    every(second_us, second_us, [this] { pulse(); });
    deployment_.set_fault_count(scenario_.faults.schedule.size() + swarm.size());
    for (const auto& fault : scenario_.faults.schedule) schedule_fault(fault, false);
    for (const auto& fault : swarm) schedule_fault(fault, true);
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

  // Churn, history reads and searches from the shared planner (workload/user_events.hpp): in plan
  // mode the scenario's own events, as parley-load runs them; in sample mode those of a scenario
  // the sample's size (same rates per user). Events due before traffic starts wait for it.
  void start_user_events() {
    scenario::Scenario own = scenario_;
    if (!clients_.planned()) {
      own.population.users = clients_.user_count();
      own.population.concurrency = 1;
    }
    user_events_.emplace(own);
    next_user_event();
  }

  void next_user_event() {
    const auto event = user_events_->next();
    if (!event) return;
    const TimeUs at_us = std::max<TimeUs>(event->at_us, traffic_start_us);
    if (at_us >= duration_us_) return;
    calendar_.at(at_us, [this, event = *event] {
      clients_.user_event(event.kind, static_cast<std::uint32_t>(event.user % std::max<std::uint32_t>(clients_.user_count(), 1)),
                          user_event_rng_);
      next_user_event();
    });
  }

  // The plan's sends at their planned times; those due before the sample has connected and made
  // its groups (traffic_start_us) are held until then, so every planned send is traced.
  void next_planned_send() {
    const auto send = planner_->next();
    if (!send) return;
    const TimeUs at_us = std::max<TimeUs>(send->at_us, traffic_start_us);
    calendar_.at(at_us, [this, send = *send, at_us] {
      clients_.send_planned(send, at_us);
      next_planned_send();
    });
  }

  // Every kind is injected. Crash kinds turn a host off and lose its role's state; network kinds
  // change NetworkFaults; clock_step moves one host's clock; hot_group adds a celebrity group's
  // load to the bulk and the sample; reconnect_storm drops clients that come back at once.
  void schedule_fault(const scenario::Fault& fault, bool from_swarm) {
    using scenario::FaultKind;
    const std::size_t index = result_.faults.size();
    FaultRecord record{fault, 0, true, from_swarm, {}, {}, 0, {}};
    Random pick(workload::mix(seed_, workload::Stream::user_event_attributes, index));
    const auto count = target_count(fault);
    record.target = static_cast<std::uint32_t>(fault.target.index.value_or(pick.uniform(std::max<std::uint64_t>(count, 1))) %
                                               std::max<std::uint64_t>(count, 1));
    if (fault.kind == FaultKind::partition && count < 2) {
      record.modelled = false;
      record.note = "one zone: nothing to cut apart";
    }
    result_.faults.push_back(record);
    if (!result_.faults.back().modelled) return;
    const auto at = static_cast<TimeUs>(fault.at_s * 1e6);
    const auto until = static_cast<TimeUs>((fault.at_s + fault.duration_s) * 1e6);
    const auto target = record.target;
    switch (fault.kind) {
      case FaultKind::gateway_crash:
      case FaultKind::chat_crash:
      case FaultKind::store_node_loss:
      case FaultKind::redis_failover: {
        const HostRef host{crash_component(fault.kind), target};
        calendar_.at(at, [this, host, index] { fail(host, index); });
        calendar_.at(until, [this, host, index] { recover(host, index); });
        break;
      }
      case FaultKind::partition:
        calendar_.at(at, [this, target, index] { deployment_.network().cut(target, index); });
        calendar_.at(until, [this, target] {
          deployment_.network().heal(target);
          // Presence writes lost across the cut come back with the next heartbeats, as after a
          // Redis failover: presence is checked once they have had time to.
          last_failover_us_ = calendar_.now_us();
        });
        break;
      case FaultKind::link_degradation: {
        NetworkFaults::Degradation d;
        if (fault.target.kind == scenario::TargetKind::zone) d.zone = target;
        d.latency_ms_add = fault.params.latency_ms_add;
        d.loss_rate = fault.params.loss_rate;
        d.bandwidth_factor = fault.params.bandwidth_factor;
        d.until_us = until;
        d.fault = index;
        calendar_.at(at, [this, d] { deployment_.network().degrade(d); });
        calendar_.at(until, [this, index] { deployment_.network().restore(index); });
        break;
      }
      case FaultKind::clock_step: {
        const HostRef host{fault.target.kind == scenario::TargetKind::gateway ? Component::gateway : Component::chat, target};
        const auto ms = static_cast<std::int64_t>(fault.params.step_ms);
        calendar_.at(at, [this, host, ms, index] { deployment_.step_clock(host, ms, index); });
        break;
      }
      case FaultKind::hot_group:
        calendar_.at(at, [this, index] { start_hot(index); });
        break;
      case FaultKind::reconnect_storm:
        calendar_.at(at, [this, index] { start_storm(index); });
        break;
    }
  }

  // The fault that explains a lost delivery of message `id` to `device`: a store node loss that
  // took the acknowledged message out of the store (lose_unsynced_writes with no other replica
  // holding it), or a Redis failover or a partition that left the device out of the registry
  // (its RegistryConnect failed) until the end of the run: the gateway retries the connect and has
  // the device sync once it is in, so only a device still out then can be missing a message.
  std::optional<std::size_t> blame(TimeUs intended, std::uint32_t device, ConversationId conv, MessageId id) const {
    if (auto fault = deployment_.forgotten_by(conv, id)) return fault;
    return deployment_.unregistered_by(clients_.device_ref(device), intended);
  }

  static Component crash_component(scenario::FaultKind kind) {
    switch (kind) {
      case scenario::FaultKind::chat_crash: return Component::chat;
      case scenario::FaultKind::store_node_loss: return Component::store;
      case scenario::FaultKind::redis_failover: return Component::presence;
      default: return Component::gateway;
    }
  }

  std::uint64_t target_count(const scenario::Fault& fault) const {
    switch (fault.target.kind) {
      case scenario::TargetKind::gateway: return platform_.count(Component::gateway);
      case scenario::TargetKind::chat_node: return platform_.count(Component::chat);
      case scenario::TargetKind::redis_shard: return platform_.count(Component::presence);
      case scenario::TargetKind::store_node: return platform_.count(Component::store);
      case scenario::TargetKind::zone: return scenario_.topology.network.zones;
      case scenario::TargetKind::group: return std::max<std::uint64_t>(clients_.group_count(), 1);
      case scenario::TargetKind::all: return 1;
    }
    return 1;
  }

  void fail(HostRef host, std::size_t index) {
    if (!platform_.is_on(host)) {  // already down (overlapping faults)
      result_.faults[index].note = "the host was already down";
      return;
    }
    const auto& fault = result_.faults[index].fault;
    deployment_.crash(host, index, fault.params.lose_unsynced_writes);
    load_.set_hosts_down(host.kind, ++down_[static_cast<std::size_t>(host.kind)]);
    if (host.kind != Component::gateway) return;
    clients_.gateway_crashed(host.index, index);
    const double bulk = static_cast<double>(scenario::online_users(scenario_.population)) *
                        load_.devices_per_user() / static_cast<double>(platform_.count(Component::gateway));
    result_.faults[index].bulk_devices_affected = static_cast<std::uint64_t>(bulk);
    add_storm(bulk, storm_window_s);
  }

  // The bulk's reconnects of a crash or a storm: `devices` spread evenly over `window_s` from the
  // next second's start (the bulk's rates are set per second, and this one's are).
  void add_storm(double devices, double window_s) {
    const double from = std::ceil(static_cast<double>(calendar_.now_us()) / 1e6);
    storms_.push_back({from, from + window_s, devices / window_s});
  }

  // reconnect_storm: `fraction` of the target's connections (one gateway's, or every gateway's)
  // drop and come back at uniform times within `duration_s` (at least a second: the bulk's
  // resolution). The sample's devices do it for real through the core's Gateway.
  void start_storm(std::size_t index) {
    auto& record = result_.faults[index];
    const auto& fault = record.fault;
    const bool one_gateway = fault.target.kind == scenario::TargetKind::gateway;
    const double window_s = std::max(fault.duration_s, 1.0);
    const double online = static_cast<double>(scenario::online_users(scenario_.population)) * load_.devices_per_user();
    const double bulk = online * fault.params.fraction /
                        (one_gateway ? static_cast<double>(platform_.count(Component::gateway)) : 1.0);
    record.bulk_devices_affected = static_cast<std::uint64_t>(bulk);
    add_storm(bulk, window_s);
    const auto window_us = static_cast<TimeUs>(fault.duration_s * 1e6);
    if (one_gateway && record.target >= sample_config(scenario_, options_).gateways) {
      record.note = "no sampled client on this gateway: the bulk alone shows the storm";
      return;
    }
    clients_.storm(one_gateway ? std::optional<std::uint32_t>(record.target) : std::nullopt,
                   fault.params.fraction, window_us, index, storm_rng_);
  }

  void recover(HostRef host, std::size_t index) {
    if (platform_.is_on(host)) return;
    deployment_.restart(host);
    load_.set_hosts_down(host.kind, --down_[static_cast<std::size_t>(host.kind)]);
    if (host.kind == Component::presence) {
      last_failover_us_ = calendar_.now_us();
      watch_presence(index, calendar_.now_us());
    }
  }

  // After a failover, heartbeats repopulate presence: check every second until it holds every
  // settled online sampled user again.
  void watch_presence(std::size_t index, TimeUs restored_us) {
    calendar_.after(second_us, [this, index, restored_us] {
      auto& record = result_.faults[index];
      record.presence_missing = presence_missing();
      if (record.presence_missing == 0) {
        record.presence_converged_after_s = static_cast<double>(calendar_.now_us() - restored_us) / 1e6;
      } else if (calendar_.now_us() + second_us <= end_us_) {
        watch_presence(index, restored_us);
      }
    });
  }

  std::uint64_t presence_missing() {
    std::uint64_t missing = 0;
    for (const auto user : clients_.settled_online_users(settled_us)) missing += deployment_.presence_online(user) ? 0 : 1;
    return missing;
  }

  // hot_group: a sampled group turns celebrity. The bulk: rate_multiplier × a regular group's
  // message rate into a group of `members`, all on its conversation's chat node; the sample: the
  // same multiplier on the group's traced rate (at most hot_traced_per_s_max).
  void start_hot(std::size_t index) {
    auto& record = result_.faults[index];
    if (!record.fault.target.index) record.target = clients_.largest_group();  // "any": the most visible
    const auto conv = clients_.group_conversation_of(record.target % std::max<std::uint32_t>(clients_.group_count(), 1));
    if (!conv) {
      record.note = "no sampled group exists (the scenario sends no group messages)";
      return;
    }
    const auto& p = record.fault.params;
    const double groups = static_cast<double>(std::max<std::uint64_t>(
        scenario_.population.groups.count + scenario_.population.hot_groups.count, 1));
    const double bulk_rate = load_.rates().messages * scenario_.workload.group_share / groups * p.rate_multiplier;
    const double traced_base = arrivals_rate() * scenario_.workload.group_share / std::max<std::uint32_t>(clients_.group_count(), 1);
    const double traced_rate = std::min(traced_base * p.rate_multiplier, hot_traced_per_s_max);
    record.hot_chat_host = deployment_.chat_host_of(*conv);
    record.hot_bulk_messages_per_s = bulk_rate;
    load_.set_hot_chat(record.hot_chat_host, bulk_rate, static_cast<double>(p.members));
    if (load_.queued_fanout(p.members)) load_.set_queued_conversation(*conv);  // its extra hop
    hot_faults_.push_back(index);
    clients_.watch_hot(*conv, index);
    const auto end_us = static_cast<TimeUs>((record.fault.at_s + record.fault.duration_s) * 1e6);
    hot_send(index, traced_rate, end_us);
    calendar_.at(end_us, [this, host = record.hot_chat_host] { load_.set_hot_chat(host, 0, 0); });
    calendar_.at(end_us + static_cast<TimeUs>(hot_tail_s * 1e6), [this, conv = *conv] { clients_.unwatch_hot(conv); });
  }

  void hot_send(std::size_t index, double rate_per_s, TimeUs end_us) {
    if (rate_per_s <= 0) return;
    const auto gap = static_cast<TimeUs>(-std::log(1 - hot_rng_.unit()) / rate_per_s * 1e6);
    if (calendar_.now_us() + gap >= std::min(end_us, duration_us_)) return;
    calendar_.after(gap, [this, index, rate_per_s, end_us] {
      clients_.send_to_group(hot_rng_, result_.faults[index].target % clients_.group_count(), index);
      hot_send(index, rate_per_s, end_us);
    });
  }

  double arrivals_rate() const {
    if (clients_.planned()) return scenario_.workload.messages_per_user_per_s * static_cast<double>(sample_users(scenario_, options_));
    return std::max(scenario_.workload.messages_per_user_per_s * static_cast<double>(sample_users(scenario_, options_)),
                    options_.traced_per_s);
  }

  void pulse() {
    const double t_s = static_cast<double>(calendar_.now_us()) / 1e6;
    // The second starting now gets each storm's rate times its overlap with the second.
    double storm = 0;
    for (const auto& span : storms_) storm += span.rate_per_s * std::max(0.0, std::min(span.until_s, t_s + 1) - std::max(span.from_s, t_s));
    std::erase_if(storms_, [t_s](const StormSpan& span) { return span.until_s <= t_s; });
    row(t_s);
    result_.checker_per_second.push_back(checker_.counts());
    load_.update(t_s, storm);
    deployment_.network().set_link_load(load_.link_bits_per_s(), load_.envelope_bits());
    for (const auto index : hot_faults_) {
      auto& record = result_.faults[index];
      if (load_.hot_chat() != record.hot_chat_host) continue;
      record.hot_peak_utilisation = std::max(record.hot_peak_utilisation, load_.hot_state().utilisation);
      record.hot_peak_backlog_ms = std::max(record.hot_peak_backlog_ms, load_.hot_state().backlog_s * 1000);
    }
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
    result_.peak_hot_group_messages_per_s = std::max(result_.peak_hot_group_messages_per_s, load_.rates().hot_messages);
    result_.hot_groups_chat_peak_utilisation =
        std::max(result_.hot_groups_chat_peak_utilisation, load_.hot_groups_state().utilisation);
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
  Random hot_rng_{workload::substream(seed_, workload::Stream::send_attributes, 0x407)};
  std::vector<std::size_t> hot_faults_;
  TimeUs last_failover_us_ = -1;
  workload::NhppArrivals arrivals_;
  std::optional<workload::SendPlanner> planner_;  // planned mode only
  std::optional<workload::UserEventPlanner> user_events_;
  Random user_event_rng_{workload::substream(seed_, workload::Stream::user_event_attributes, 0x5e7)};
  TimeUs duration_us_ = 0, end_us_ = 0;
  std::array<std::uint64_t, component_count> down_{};
  struct StormSpan {
    double from_s = 0, until_s = 0, rate_per_s = 0;
  };
  std::vector<StormSpan> storms_;
  Random storm_rng_{workload::substream(seed_, workload::Stream::user_event_attributes, 0x5707)};
  SimulationResult result_;
  std::chrono::steady_clock::time_point wall_start_;
};

}  // namespace

SimulationResult simulate(const scenario::Scenario& scenario, const Calibration& calibration,
                          const SimRunOptions& options, std::uint64_t seed) {
  return Simulation(scenario, calibration, options, seed).run();
}

}  // namespace parley::sim
