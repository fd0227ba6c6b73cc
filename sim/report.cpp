// Report: see report.hpp. Every figure in summary.json is a function of the seed (no wall time),
// so two runs of one seed give the same bytes.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "parley/metrics/results_writer.hpp"
#include "parley/metrics/summary.hpp"
#include "parley/random.hpp"
#include "sampler.hpp"

namespace parley::sim {
namespace {

using Json = nlohmann::ordered_json;
constexpr double target_utilisation = 0.7;  // the capacity verdict's headroom

double price(const scenario::Cost& cost, Component c) {
  switch (c) {
    case Component::gateway: return cost.gateway_per_hour;
    case Component::chat: return cost.chat_node_per_hour;
    case Component::store: return cost.store_node_per_hour;
    case Component::presence: return cost.redis_shard_per_hour;
    case Component::push: return cost.push_per_hour;
    case Component::fanout: return cost.chat_node_per_hour;  // the same host class as chat nodes
  }
  return 0;
}

double round6(double v) { return std::round(v * 1e6) / 1e6; }

// The p99 the access network alone imposes (no server time at all): an ack crosses the sender's
// access link twice, a delivery the sender's and the recipient's once each. Seeded Monte Carlo, so
// the figure is the same every run. A latency SLO below it fails whatever the host counts.
std::pair<double, double> access_floor_ms(const scenario::Scenario& s) {
  const workload::Sampler access(s.topology.network.client_latency_ms);
  Random rng(0xf100dULL);
  metrics::Histogram ack, delivery;
  for (int i = 0; i < 100'000; ++i) {
    const double a = access.sample(rng), b = access.sample(rng);
    ack.record(static_cast<std::uint64_t>(2 * a * 1000));
    delivery.record(static_cast<std::uint64_t>((a + b) * 1000));
  }
  return {static_cast<double>(ack.percentile(99)) / 1000, static_cast<double>(delivery.percentile(99)) / 1000};
}

Json capacity(const scenario::Scenario& s, const SimulationResult& r, bool slos_pass, std::string& line) {
  Json components = Json::object();
  bool fits = true;
  double cost_now = 0, cost_needed = 0;
  std::ostringstream text;
  std::ostringstream short_of_headroom;  // hosts that run but above the 70 % planning target
  for (std::size_t k = 0; k < component_count; ++k) {
    const auto c = static_cast<Component>(k);
    const auto have = hosts_of(s.topology, c);
    if (have == 0) continue;  // the fan-out tier exists only in queue mode
    const double per_host_us = target_utilisation * cores_of(s.topology, c) * 1e6;
    auto needed = static_cast<std::uint64_t>(std::ceil(r.peak_busy_us_per_s[k] / per_host_us));
    if (c == Component::store) needed = std::max<std::uint64_t>(needed, s.topology.store.replication_factor);
    if (c == Component::gateway) {  // a gateway holds at most connections_each open WebSockets
      const auto by_connections = static_cast<std::uint64_t>(
          std::ceil(r.online_devices / static_cast<double>(std::max<std::uint64_t>(s.topology.gateways.connections_each, 1))));
      needed = std::max(needed, by_connections);
      fits &= by_connections <= have;
    }
    needed = std::max<std::uint64_t>(needed, 1);
    fits &= r.peak_utilisation[k] < 1;
    if (c == Component::chat) fits &= r.hot_groups_chat_peak_utilisation < 1;  // one host's hot groups
    cost_now += static_cast<double>(have) * price(s.cost, c);
    cost_needed += static_cast<double>(needed) * price(s.cost, c);
    components[std::string(to_string(c))] = {{"hosts", have},
                                            {"peak_utilisation", round6(r.peak_utilisation[k])},
                                            {"hosts_needed_at_70pct", needed}};
    text << " " << to_string(c) << " " << have << " (needs " << needed << ", peak "
         << std::lround(r.peak_utilisation[k] * 100) << "%)";
    if (needed > have) short_of_headroom << " " << to_string(c) << " +" << needed - have;
  }
  const bool ok = fits && slos_pass;
  const auto [ack_floor, delivery_floor] = access_floor_ms(s);
  const bool floor_breaks_slo = ack_floor > s.slos.p99_ack_ms || delivery_floor > s.slos.p99_delivery_ms;
  line = std::string(ok ? "capacity OK:" : fits ? "hosts suffice, SLOs missed:" : "capacity NOT OK:") + text.str();
  if (fits && !short_of_headroom.str().empty())
    line += "; above the 70 % headroom target, add:" + short_of_headroom.str();
  if (floor_breaks_slo) {
    std::ostringstream floor;
    floor << "; the access network alone gives p99 ack " << std::lround(ack_floor) << " ms, delivery "
          << std::lround(delivery_floor) << " ms (SLOs " << s.slos.p99_ack_ms << " / "
          << s.slos.p99_delivery_ms << " ms)";
    line += floor.str();
  }
  return {{"verdict", ok ? "sufficient" : "insufficient"},
          {"hosts_sufficient", fits},
          {"slos_pass", slos_pass},
          {"access_network_p99_floor_ms", {{"ack", round6(ack_floor)}, {"delivery", round6(delivery_floor)}}},
          {"latency_slo_below_access_floor", floor_breaks_slo},
          {"peak_messages_per_s", round6(r.peak_messages_per_s)},
          {"components", components},
          {"cost", {{"currency", s.cost.currency},
                    {"per_hour", round6(cost_now)},
                    {"per_month_730h", round6(cost_now * 730)},
                    {"per_hour_at_70pct", round6(cost_needed)}}}};
}

// A fault's report window: from its start to 10 s after its end (the aftermath).
constexpr double aftermath_s = 10;
bool in_window(double t_s, const FaultRecord& f) {
  return t_s >= f.fault.at_s && t_s < f.fault.at_s + f.fault.duration_s + aftermath_s;
}

// What a fault did to the traced sample, from the per-second series: the delivery p99 of every
// second in the window [at, at + duration + 10 s) (latency over time), its worst second against
// the median second before the fault, deliveries after the SLO (delayed) and redeliveries.
Json fault_window(const SimulationResult& r, const FaultRecord& f) {
  const auto from = static_cast<std::size_t>(f.fault.at_s);
  const auto to = static_cast<std::size_t>(f.fault.at_s + f.fault.duration_s + aftermath_s);
  std::vector<std::uint64_t> before;
  std::uint64_t worst = 0, late = 0, deliveries = 0;
  Json series = Json::array();
  for (std::size_t i = 0; i < r.timeseries.size(); ++i) {
    const auto p99 = r.timeseries[i].delivery_p99_us;
    if (i < from && p99 > 0) before.push_back(p99);
    if (i >= from && i < to) {
      worst = std::max(worst, p99);
      late += i < r.late_per_second.size() ? r.late_per_second[i] : 0;
      deliveries += r.timeseries[i].deliveries;
      series.push_back(p99 / 1000);
    }
  }
  auto cumulative = [&](std::size_t second) {
    return second == 0 || r.checker_per_second.empty()
               ? CheckerCounts{}
               : r.checker_per_second[std::min(second, r.checker_per_second.size()) - 1];
  };
  const auto redelivered = cumulative(to).redelivered - cumulative(from).redelivered;
  std::sort(before.begin(), before.end());
  return {{"window_s", {from, to}},
          {"delivery_p99_us_before", before.empty() ? 0 : before[before.size() / 2]},
          {"delivery_p99_us_worst_second", worst},
          {"delivery_p99_ms_per_second", series},
          {"deliveries_in_window", deliveries},
          {"delivered_after_slo_in_window", late},
          {"redelivered_in_window", redelivered}};
}

// The fluid backlog of the component a fault hit, at its worst in the fault's window.
double peak_backlog_ms(const SimulationResult& r, const FaultRecord& f, std::optional<Component> component) {
  double peak = 0;
  for (const auto& u : r.utilisation) {
    if (!in_window(u.t_s, f)) continue;
    for (std::size_t k = 0; k < component_count; ++k) {
      if (!component || static_cast<std::size_t>(*component) == k) peak = std::max(peak, u.backlog_ms[k]);
    }
  }
  return round6(peak);
}

// The bulk's side of a crash or a storm: its reconnects at their peak and what they cost the
// components a reconnect touches (gateway: the handshake; presence: the registry and presence
// writes; store: the replay reads), at their worst in the fault's window.
Json reconnect_bulk(const SimulationResult& r, const FaultRecord& f) {
  double reconnects = 0;
  std::array<double, component_count> peak{};
  for (const auto& u : r.utilisation) {
    if (!in_window(u.t_s, f)) continue;
    reconnects = std::max(reconnects, u.bulk_reconnects_per_s);
    for (std::size_t k = 0; k < component_count; ++k) peak[k] = std::max(peak[k], u.utilisation[k]);
  }
  auto at = [&](Component c) { return round6(peak[static_cast<std::size_t>(c)]); };
  return {{"reconnects_peak_per_s", round6(reconnects)},
          {"gateway_peak_utilisation", at(Component::gateway)},
          {"presence_peak_utilisation", at(Component::presence)},
          {"store_peak_utilisation", at(Component::store)}};
}

Json counters_json(const FaultCounters& c) {
  return {{"envelopes_lost", c.envelopes_lost}, {"envelopes_delayed", c.envelopes_delayed},
          {"tcp_retransmits", c.retransmits}, {"store_ops_unavailable", c.store_ops_unavailable},
          {"registry_ops_unavailable", c.registry_ops_unavailable},
          {"store_completions_lost", c.store_completions_lost},
          {"writes_lost_unsynced", c.writes_lost_unsynced},
          {"unsynced_appends_on_node", c.unsynced_appends_on_node},
          {"messages_lost_acknowledged", c.messages_lost_acknowledged}};
}

std::optional<Component> component_of(scenario::FaultKind kind) {
  using scenario::FaultKind;
  switch (kind) {
    case FaultKind::gateway_crash:
    case FaultKind::reconnect_storm: return Component::gateway;
    case FaultKind::chat_crash: return Component::chat;
    case FaultKind::store_node_loss: return Component::store;
    case FaultKind::redis_failover: return Component::presence;
    default: return std::nullopt;
  }
}

// Kind-specific figures: reconnects, presence convergence, id monotonicity, the hot group's skew.
void kind_figures(Json& one, const SimulationResult& r, const FaultRecord& f) {
  using scenario::FaultKind;
  const auto& p = f.fault.params;
  switch (f.fault.kind) {
    case FaultKind::reconnect_storm:
      one["fraction"] = p.fraction;
      [[fallthrough]];
    case FaultKind::gateway_crash:
      one["bulk"] = reconnect_bulk(r, f);
      one["sampled_devices_affected"] = f.sample.affected_devices;
      one["sampled_devices_reconnected"] = f.sample.reconnected;
      one["sampled_devices_superseded"] = f.sample.superseded;
      one["reconnect_attempts"] = f.sample.reconnect_attempts;
      one["last_reconnect_after_ms"] = f.sample.last_reconnect_us / 1000;
      one["bulk_devices_affected"] = f.bulk_devices_affected;
      break;
    case FaultKind::chat_crash:
    case FaultKind::store_node_loss:
      one["lose_unsynced_writes"] = p.lose_unsynced_writes;
      break;
    case FaultKind::redis_failover:
      one["presence"] = {{"entries_lost", f.deployment.presence_entries_lost},
                         {"converged_after_s", round6(f.presence_converged_after_s)},
                         {"sampled_users_missing_at_last_check", f.presence_missing}};
      break;
    case FaultKind::link_degradation:
      one["params"] = {{"latency_ms_add", p.latency_ms_add}, {"loss_rate", p.loss_rate},
                       {"bandwidth_factor", p.bandwidth_factor}};
      if (f.link) {
        one["link"] = {{"capacity_gbps", round6(f.link->capacity_gbps)},
                       {"peak_utilisation", round6(f.link->utilisation)},
                       {"peak_backlog_ms", round6(f.link->backlog_ms)}};
      }
      break;
    case FaultKind::clock_step:
      one["step_ms"] = p.step_ms;
      one["ids"] = {{"issued_after_step", f.deployment.ids_after_step},
                    {"not_monotonic", f.deployment.ids_not_monotonic}};
      break;
    case FaultKind::hot_group:
      one["hot"] = {{"rate_multiplier", p.rate_multiplier}, {"members", p.members},
                    {"chat_host", f.hot_chat_host},
                    {"bulk_messages_per_s", round6(f.hot_bulk_messages_per_s)},
                    {"chat_host_peak_utilisation", round6(f.hot_peak_utilisation)},
                    {"chat_host_peak_backlog_ms", round6(f.hot_peak_backlog_ms)},
                    {"traced_sends", f.hot.sends}, {"sampled_members", f.hot.members},
                    {"delivery_p50_us", f.hot.hot.percentile(50)}, {"delivery_p99_us", f.hot.hot.percentile(99)},
                    {"others_delivery_p50_us", f.hot.others.percentile(50)},
                    {"others_delivery_p99_us", f.hot.others.percentile(99)}};
      break;
    default: break;
  }
}

// The fault's outcome in one word per message class: lost (acknowledged, counted with its
// reason), lost never acknowledged (lose_unsynced_writes), delayed, or never at risk.
Json outcome(const FaultRecord& f, const Json& latency) {
  const auto delayed = latency.value("delivered_after_slo_in_window", std::uint64_t{0});
  const bool store_lost = f.deployment.messages_lost_acknowledged > 0;
  Json lost = Json::object();
  lost["acknowledged"] = f.missing_acknowledged;
  if (f.fault.kind == scenario::FaultKind::store_node_loss) {
    lost["acknowledged_messages_gone_from_store"] = f.deployment.messages_lost_acknowledged;
  }
  if (store_lost) {
    lost["acknowledged_reason"] =
        "the store node lost the appends of its last commit-log sync period (lose_unsynced_writes) and no other "
        "replica held them (replication_factor, or the other replicas were down when they were written): gone from "
        "history, and from every device that had not received them yet";
  } else if (f.missing_acknowledged > 0) {
    lost["acknowledged_reason"] =
        "registry unreachable: a device whose RegistryConnect failed was still out of the registry at the end of the "
        "run (the gateway retries the connect and has the device sync once in), so no live delivery reached it";
  }
  lost["never_acknowledged"] = f.deployment.messages_lost_unacked;
  if (f.deployment.messages_lost_unacked > 0) {
    lost["never_acknowledged_reason"] = "in flight to the store when the chat node died (lose_unsynced_writes); the sender resent them";
  }
  lost["envelopes_in_transit"] = f.deployment.envelopes_lost;
  std::string verdict;
  if (store_lost) {
    verdict = "acknowledged messages lost from the store";
  } else if (f.missing_acknowledged > 0) {
    verdict = "acknowledged messages lost for online recipients";
  } else if (delayed > 0 || f.deployment.envelopes_lost > 0 || f.deployment.store_ops_unavailable > 0) {
    verdict = "messages delayed, none acknowledged lost";
  } else {
    verdict = "no traced message at risk";
  }
  return {{"verdict", verdict}, {"delayed_after_slo", delayed}, {"lost", lost}};
}

Json faults_json(const SimulationResult& r) {
  Json out = Json::array();
  for (const auto& f : r.faults) {
    Json one = {{"kind", std::string(scenario::to_string(f.fault.kind))},
                {"target", f.target},
                {"at_s", f.fault.at_s},
                {"duration_s", f.fault.duration_s},
                {"modelled", f.modelled},
                {"from_swarm", f.from_swarm}};
    if (!f.note.empty()) one["note"] = f.note;
    if (!f.modelled) {
      out.push_back(std::move(one));
      continue;
    }
    kind_figures(one, r, f);
    one["deployment"] = counters_json(f.deployment);
    one["latency"] = fault_window(r, f);
    // A hot group's backlog builds on its own chat node, which has a queue of its own.
    one["peak_backlog_ms"] = std::max(peak_backlog_ms(r, f, component_of(f.fault.kind)),
                                      f.fault.kind == scenario::FaultKind::hot_group ? round6(f.hot_peak_backlog_ms) : 0.0);
    one["outcome"] = outcome(f, one["latency"]);
    out.push_back(std::move(one));
  }
  return out;
}

Json checker_json(const CheckerCounts& c, bool on, bool passed) {
  return {{"enabled", on}, {"passed", passed}, {"sent", c.sent}, {"acked", c.acked},
          {"unacked_at_end", c.unacked}, {"expected_deliveries", c.expected},
          {"pending_at_end", c.pending},
          {"delivered", c.delivered}, {"redelivered_same_id", c.redelivered},
          {"duplicated", c.duplicated}, {"reordered", c.reordered},
          {"reordered_while_recovering", c.reordered_recovering}, {"own_echo", c.own_echo}, {"unexpected", c.unexpected},
          {"missing", c.missing}, {"missing_behind_newer", c.missing_behind_newer},
          {"missing_blamed_on_faults", c.missing_blamed},
          {"delivered_after_slo", c.delivered_late}};
}

}  // namespace

Report make_report(const scenario::Scenario& s, const Calibration& calibration,
                   const SimulationResult& r, bool checker_on) {
  Report report;
  metrics::Counts counts;
  counts.sent = r.checker.sent;
  counts.acked = r.checker.acked;
  counts.delivered = r.checker.delivered;
  counts.duplicated = r.checker.duplicated;
  counts.reordered = r.checker.reordered;
  counts.missing = r.checker.missing;
  counts.errors = r.errors;
  std::map<std::string, metrics::Histogram> histograms{{"ack", r.ack}, {"delivery", r.delivery}};
  report.summary = metrics::make_summary(r.simulated_s, counts, histograms, s.slos);
  // Losses a fault explains are counted, not failures; presence must hold every settled online
  // sampled user again by the end (it converges after a failover).
  report.checker_passed = !checker_on || (r.checker.missing - r.checker.missing_blamed + r.checker.duplicated +
                                              r.checker.reordered + r.checker.unexpected + r.presence_missing_at_end +
                                              r.deployment.ids_not_monotonic == 0);
  Json extra;
  extra["engine"] = "simgrid-hybrid";
  const auto& ue = r.user_events;
  extra["sample"] = {{"users", r.sample_users}, {"devices", r.sample_devices},
                     {"gateways", r.sample_gateways}, {"bytes_per_device", r.bytes_per_device},
                     {"churn_reconnects", ue.churn_reconnects},
                     {"history_reads", {{"sent", ue.history_sent}, {"answered", ue.history_answered}}},
                     {"searches", {{"sent", ue.searches_sent}, {"answered", ue.searches_answered},
                                   {"foreign_hits", ue.search_foreign_hits}}},
                     {"typing", {{"sent", ue.typing_sent}, {"received", ue.typing_received},
                                 {"misdirected", ue.typing_misdirected}}},
                     {"read_marks", {{"sent", ue.reads_sent}, {"receipts_received", ue.receipts_received},
                                     {"receipts_misdirected", ue.receipts_misdirected}}}};
  extra["capacity"] = capacity(s, r, report.summary.pass, report.capacity_line);
  extra["faults"] = faults_json(r);
  extra["checker"] = checker_json(r.checker, checker_on, report.checker_passed);
  extra["checker"]["presence_missing_at_end"] = r.presence_missing_at_end;
  extra["checker"]["presence_checked"] = r.presence_checked;
  extra["deployment"] = {{"hosts", r.hosts}, {"role_instances", r.deployment.role_instances},
                         {"envelopes", r.deployment.envelopes},
                         {"envelopes_lost_host_down", r.deployment.envelopes_lost_host_down},
                         {"store_ops", r.deployment.store_ops},
                         {"store_completions_lost", r.deployment.store_completions_lost},
                         {"store_ops_degraded", r.deployment.store_ops_degraded},
                         {"store_ops_unavailable", r.deployment.store_ops_unavailable},
                         {"envelopes_lost_partition", r.deployment.envelopes_lost_partition},
                         {"registry_ops_unavailable", r.deployment.registry_ops_unavailable},
                         {"writes_lost_unsynced", r.deployment.writes_lost_unsynced},
                         {"ids_not_monotonic", r.deployment.ids_not_monotonic},
                         {"pushes", r.deployment.pushes}, {"events", r.events}};
  extra["bulk"] = {{"mean_recipients_per_message", round6(r.mean_recipients)},
                   {"deliveries_per_message", round6(r.deliveries_per_message)},
                   {"hot_group_messages_per_s_peak", round6(r.peak_hot_group_messages_per_s)},
                   {"hot_groups_chat_host_peak_utilisation", round6(r.hot_groups_chat_peak_utilisation)}};
  extra["traffic"] = r.planned_traffic ? "plan" : "sample";
  Json costs = Json::object();
  for (const auto& [k, v] : calibration.as_map()) costs[k] = v;
  extra["calibration_us"] = costs;
  report.summary.extra_json = extra.dump();
  report.summary.pass = report.summary.pass && report.checker_passed;
  return report;
}

metrics::Status write_report(const std::string& dir, const metrics::Manifest& manifest,
                             const Report& report, const SimulationResult& r) {
  metrics::RunResults results;
  results.manifest = manifest;
  results.summary = report.summary;
  results.histograms = {{"ack", r.ack}, {"delivery", r.delivery}};
  results.timeseries = r.timeseries;
  auto status = metrics::write_run(dir, results);
  if (!status.ok()) return status;
  std::ofstream out(dir + "/utilisation.csv");
  // The fan-out tier's columns only when it exists (queue mode), so direct mode's file is unchanged.
  const bool tier = std::any_of(r.utilisation.begin(), r.utilisation.end(), [](const UtilisationRow& u) {
    return u.hosts_up[static_cast<std::size_t>(Component::fanout)] > 0;
  });
  const auto shown = [&](std::size_t k) { return tier || k != static_cast<std::size_t>(Component::fanout); };
  out << "t_s";
  for (std::size_t k = 0; k < component_count; ++k) {
    if (!shown(k)) continue;
    const std::string c(to_string(static_cast<Component>(k)));
    out << "," << c << "_utilisation," << c << "_backlog_ms," << c << "_hosts_up";
  }
  out << ",bulk_messages_per_s,bulk_deliveries_per_s,bulk_reconnects_per_s\n";
  for (const auto& u : r.utilisation) {
    out << u.t_s;
    for (std::size_t k = 0; k < component_count; ++k) {
      if (!shown(k)) continue;
      out << "," << round6(u.utilisation[k]) << "," << round6(u.backlog_ms[k]) << "," << u.hosts_up[k];
    }
    out << "," << round6(u.bulk_messages_per_s) << "," << round6(u.bulk_deliveries_per_s) << ","
        << round6(u.bulk_reconnects_per_s) << "\n";
  }
  if (!out) return Error{ErrorCode::internal, "cannot write " + dir + "/utilisation.csv"};
  return metrics::ok_status();
}

}  // namespace parley::sim
