// See recipients.hpp.
#include "recipients.hpp"

#include <algorithm>

namespace parley::workload {
namespace {

constexpr std::uint64_t users_scanned_max = 10'000;   // mean devices over the first users
constexpr std::uint64_t groups_scanned_max = 20'000;  // size-biased size over the first groups

double mean_devices(const PopulationModel& people) {
  const std::uint64_t n = std::min(people.users(), users_scanned_max);
  double sum = 0;
  for (std::uint64_t u = 0; u < n; ++u) sum += people.devices(u);
  return n ? sum / static_cast<double>(n) : 1;
}

struct GroupMix {
  double size_biased = 2;  // S_b
  double hot_share = 0;    // of group sends, those into a hot group
  double hot_size = 0;
};

// E[s²]/E[s] over the regular groups (pick_group chooses a regular group ∝ its size), mixed
// with the hot groups by pick_group's own weights (count × size × rate multiplier).
GroupMix group_mix(const PopulationModel& people, const scenario::Scenario& s) {
  std::uint64_t hot = 0;
  while (hot < people.group_count() && people.is_hot(hot)) ++hot;
  const std::uint64_t regular = people.group_count() - hot;
  const std::uint64_t n = std::min(regular, groups_scanned_max);
  double s1 = 0, s2 = 0;
  for (std::uint64_t g = hot; g < hot + n; ++g) {
    const auto size = static_cast<double>(people.group_size(g));
    s1 += size;
    s2 += size * size;
  }
  const double regular_biased = s1 > 0 ? s2 / s1 : 2;
  if (hot == 0) return {regular_biased, 0, 0};
  const double hot_size = static_cast<double>(people.group_size(0));
  const double hot_weight = static_cast<double>(hot) * hot_size * s.population.hot_groups.rate_multiplier;
  // pick_group weighs the regular groups by the size distribution's mean (as the model does).
  const double regular_mean = n > 0 ? s1 / static_cast<double>(n) : 0;
  const double regular_weight = static_cast<double>(regular) * regular_mean;
  const double hot_share = hot_weight + regular_weight > 0 ? hot_weight / (hot_weight + regular_weight) : 0;
  return {hot_share * hot_size + (1 - hot_share) * regular_biased, hot_share, hot_size};
}

}  // namespace

std::uint64_t recipient_devices(const PopulationModel& people, const PlannedSend& send) {
  std::uint64_t n = 0;
  for_each_recipient(people, send, [&](std::uint64_t, std::uint32_t) { ++n; });
  return n;
}

DeliveryExpectation expected_deliveries(const PopulationModel& people, const scenario::Scenario& s) {
  DeliveryExpectation e;
  e.devices_per_user = mean_devices(people);
  const double g = people.group_count() > 0 ? s.workload.group_share : 0;
  const GroupMix mix = people.group_count() > 0 ? group_mix(people, s) : GroupMix{};
  e.group_size_biased = mix.size_biased;
  e.recipient_users = (1 - g) * 1 + g * (e.group_size_biased - 1);
  e.online_share = people.users() > 0
                       ? static_cast<double>(people.online()) / static_cast<double>(people.users())
                       : 1;
  const double others = e.devices_per_user - 1;  // the sender's other devices
  e.per_send = e.recipient_users * e.online_share * e.devices_per_user + others;
  e.hot_send_share = g * mix.hot_share;
  e.hot_per_send = mix.hot_size > 0 ? (mix.hot_size - 1) * e.online_share * e.devices_per_user + others : 0;
  return e;
}

}  // namespace parley::workload
