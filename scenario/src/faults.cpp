// Names of fault kinds and targets as scenario files spell them, and which targets each kind takes.
#include "parley/scenario/faults.hpp"

#include <charconv>

namespace parley::scenario {
namespace {

struct TargetName {
  TargetKind kind;
  std::string_view name;
};
constexpr TargetName target_names[] = {
    {TargetKind::gateway, "gateway"},       {TargetKind::chat_node, "chat_node"},
    {TargetKind::redis_shard, "redis_shard"}, {TargetKind::store_node, "store_node"},
    {TargetKind::zone, "zone"},             {TargetKind::group, "group"},
    {TargetKind::all, "all"}};

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::gateway_crash: return "gateway_crash";
    case FaultKind::chat_crash: return "chat_crash";
    case FaultKind::store_node_loss: return "store_node_loss";
    case FaultKind::redis_failover: return "redis_failover";
    case FaultKind::partition: return "partition";
    case FaultKind::link_degradation: return "link_degradation";
    case FaultKind::clock_step: return "clock_step";
    case FaultKind::hot_group: return "hot_group";
    case FaultKind::reconnect_storm: return "reconnect_storm";
  }
  return "gateway_crash";
}

std::optional<FaultKind> fault_kind_from_string(std::string_view text) {
  for (FaultKind kind : all_fault_kinds) {
    if (to_string(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(TargetKind kind) {
  for (const auto& entry : target_names) {
    if (entry.kind == kind) return entry.name;
  }
  return "all";
}

std::string to_string(const FaultTarget& target) {
  if (target.kind == TargetKind::all) return "all";
  return std::string(to_string(target.kind)) + ":" +
         (target.index ? std::to_string(*target.index) : std::string("any"));
}

std::optional<FaultTarget> fault_target_from_string(std::string_view text) {
  if (text == "all") return FaultTarget{TargetKind::all, std::nullopt};
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view name = text.substr(0, colon);
  const std::string_view which = text.substr(colon + 1);
  for (const auto& entry : target_names) {
    if (entry.name != name || entry.kind == TargetKind::all) continue;
    if (which == "any") return FaultTarget{entry.kind, std::nullopt};
    std::uint64_t index = 0;
    auto [end, ec] = std::from_chars(which.data(), which.data() + which.size(), index);
    if (ec != std::errc{} || end != which.data() + which.size() || which.empty()) {
      return std::nullopt;
    }
    return FaultTarget{entry.kind, index};
  }
  return std::nullopt;
}

std::vector<TargetKind> allowed_targets(FaultKind kind) {
  switch (kind) {
    case FaultKind::gateway_crash: return {TargetKind::gateway};
    case FaultKind::chat_crash: return {TargetKind::chat_node};
    case FaultKind::store_node_loss: return {TargetKind::store_node};
    case FaultKind::redis_failover: return {TargetKind::redis_shard};
    case FaultKind::partition: return {TargetKind::zone};
    case FaultKind::link_degradation: return {TargetKind::all, TargetKind::zone};
    case FaultKind::clock_step: return {TargetKind::chat_node, TargetKind::gateway};
    case FaultKind::hot_group: return {TargetKind::group};
    case FaultKind::reconnect_storm: return {TargetKind::all, TargetKind::gateway};
  }
  return {TargetKind::all};
}

FaultTarget default_target(FaultKind kind) {
  return FaultTarget{allowed_targets(kind).front(), std::nullopt};
}

}  // namespace parley::scenario
