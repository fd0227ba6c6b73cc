// faults: a schedule checked against the topology it acts on (a target index must exist) and a
// seeded swarm. Each kind accepts only its own params, so a misplaced param is an error.
#include <algorithm>

#include "parley/limits.hpp"
#include "sections.hpp"

namespace parley::scenario::detail {
namespace {

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (FaultKind kind : all_fault_kinds) names.emplace_back(to_string(kind));
  return names;
}

std::optional<FaultKind> read_kind(Context& ctx, const YAML::Node& node, const std::string& path) {
  auto text = read_string(ctx, node, path);
  if (!text) return std::nullopt;
  if (auto kind = fault_kind_from_string(*text)) return kind;
  std::string message = "unknown fault kind '" + *text + "'";
  if (auto near = suggest(*text, kind_names())) message += " (did you mean '" + *near + "'?)";
  ctx.error(node, path, message);
  return std::nullopt;
}

// How many hosts (zones, groups) of a target kind the scenario has.
std::uint64_t available(TargetKind kind, const Scenario& s) {
  switch (kind) {
    case TargetKind::gateway: return s.topology.gateways.count;
    case TargetKind::chat_node: return s.topology.chat_nodes.count;
    case TargetKind::redis_shard: return s.topology.redis_shards.count;
    case TargetKind::store_node: return s.topology.store.nodes;
    case TargetKind::zone: return s.topology.network.zones;
    case TargetKind::group: return s.population.groups.count + s.population.hot_groups.count;
    case TargetKind::all: return 1;
  }
  return 0;
}

std::string allowed_text(FaultKind kind) {
  std::string text;
  for (TargetKind target : allowed_targets(kind)) {
    if (!text.empty()) text += ", ";
    text += target == TargetKind::all ? "all" : std::string(to_string(target)) + ":<index|any>";
  }
  return text;
}

void read_target(MapReader& r, FaultKind kind, const Scenario& s, FaultTarget& out) {
  out = default_target(kind);
  std::string text = to_string(out);
  const bool given = r.read("target", text);
  const YAML::Node node = r.take("target");
  const auto target = fault_target_from_string(text);
  const auto allowed = allowed_targets(kind);
  if (!target || std::find(allowed.begin(), allowed.end(), target->kind) == allowed.end()) {
    if (given) r.ctx().error(node, r.path_of("target"), "a " + std::string(to_string(kind)) +
                                                            " targets " + allowed_text(kind) +
                                                            " (got '" + text + "')");
    return;
  }
  out = *target;
  const std::uint64_t count = available(target->kind, s);
  const std::string where = given ? r.path_of("target") : r.path_of("kind");
  const YAML::Node at = given ? node : r.take("kind");
  if (target->index && *target->index >= count) {
    r.ctx().error(at, where, "'" + text + "' does not exist: the scenario has " +
                                 std::to_string(count) + " " +
                                 std::string(to_string(target->kind)) + " (indices from 0)");
  } else if (target->kind == TargetKind::zone && count < 2) {
    r.ctx().error(at, where, "needs topology.network.zones >= 2 (got " + std::to_string(count) + ")");
  } else if (count == 0) {
    r.ctx().error(at, where, "needs at least one " + std::string(to_string(target->kind)) +
                                 " (the scenario has none)");
  }
}

void read_params(MapReader& parent, FaultKind kind, FaultParams& out) {
  MapReader r(parent.ctx(), parent.take("params"), parent.path_of("params"));
  switch (kind) {
    case FaultKind::chat_crash:
    case FaultKind::store_node_loss:
      r.read("lose_unsynced_writes", out.lose_unsynced_writes);
      break;
    case FaultKind::link_degradation:
      r.read("latency_ms_add", out.latency_ms_add, between(0, 600'000));
      r.read("loss_rate", out.loss_rate, fraction());
      r.read("bandwidth_factor", out.bandwidth_factor, Range{0, 1, true, false});
      break;
    case FaultKind::clock_step:
      r.read("step_ms", out.step_ms, between(-86'400'000.0, 86'400'000.0));
      break;
    case FaultKind::hot_group:
      r.read("rate_multiplier", out.rate_multiplier, Range{0, 1e6, true, false});
      r.read("members", out.members, between(2, static_cast<double>(limits::group_members_max)));
      break;
    case FaultKind::reconnect_storm:
      r.read("fraction", out.fraction, Range{0, 1, true, false});
      break;
    case FaultKind::gateway_crash:
    case FaultKind::redis_failover:
    case FaultKind::partition:
      break;
  }
}

std::optional<Fault> read_fault(Context& ctx, const YAML::Node& node, const std::string& path,
                                const Scenario& s) {
  MapReader r(ctx, node, path);
  Fault fault;
  if (r.read("at_s", fault.at_s, at_least(0)) && fault.at_s > s.duration_s) {
    ctx.error(r.take("at_s"), r.path_of("at_s"), "must be <= duration_s (got " +
                                                     format_number(fault.at_s) + " > " +
                                                     format_number(s.duration_s) + ")");
  }
  const YAML::Node kind_node = r.take("kind");
  if (!kind_node.IsDefined()) {
    ctx.error(node, r.path_of("kind"), "missing (one of " + [] {
      std::string all;
      for (const auto& name : kind_names()) all += (all.empty() ? "" : ", ") + name;
      return all;
    }() + ")");
  }
  const auto kind = kind_node.IsDefined() ? read_kind(ctx, kind_node, r.path_of("kind"))
                                          : std::nullopt;
  if (!kind) {
    r.accept_rest();
    return std::nullopt;
  }
  fault.kind = *kind;
  read_target(r, fault.kind, s, fault.target);
  if (fault.kind == FaultKind::clock_step) {
    fault.duration_s = 0;  // a step is instantaneous; duration_s is not one of its keys
  } else {
    r.read("duration_s", fault.duration_s, between(0, duration_s_max));
  }
  read_params(r, fault.kind, fault.params);
  return fault;
}

void read_schedule(MapReader& parent, const Scenario& s, std::vector<Fault>& out) {
  const YAML::Node node = parent.take("schedule");
  const std::string path = parent.path_of("schedule");
  if (!node.IsDefined() || node.IsNull() || !expect_sequence(parent.ctx(), node, path)) return;
  if (node.size() > schedule_faults_max) {
    parent.ctx().error(node, path, "at most " + std::to_string(schedule_faults_max) +
                                       " faults (got " + std::to_string(node.size()) + ")");
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (auto fault = read_fault(parent.ctx(), node[i], index_path(path, i), s)) {
      out.push_back(*fault);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Fault& a, const Fault& b) { return a.at_s < b.at_s; });
}

void read_swarm(MapReader& parent, FaultSwarm& out) {
  MapReader r(parent.ctx(), parent.take("swarm"), parent.path_of("swarm"));
  r.read("faults_per_hour", out.faults_per_hour, between(0, 3'600));
  r.read("mean_duration_s", out.mean_duration_s, Range{0, duration_s_max, true, false});
  const YAML::Node kinds = r.take("kinds");
  const std::string path = r.path_of("kinds");
  if (!kinds.IsDefined() || !expect_sequence(r.ctx(), kinds, path)) return;
  if (kinds.size() == 0) {
    r.ctx().error(kinds, path, "needs at least one fault kind");
    return;
  }
  out.kinds.clear();
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (auto kind = read_kind(r.ctx(), kinds[i], index_path(path, i))) out.kinds.push_back(*kind);
  }
}

}  // namespace

void read_faults(MapReader& parent, const Scenario& scenario, Faults& out) {
  MapReader r(parent.ctx(), parent.take("faults"), parent.path_of("faults"));
  read_schedule(r, scenario, out.schedule);
  read_swarm(r, out.swarm);
}

}  // namespace parley::scenario::detail
