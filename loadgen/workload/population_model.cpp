// See population_model.hpp.
#include "population_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "substream.hpp"

namespace parley::workload {
namespace {

constexpr int sender_tries_max = 32;

}  // namespace

PopulationModel::PopulationModel(const scenario::Scenario& s)
    : seed_(s.seed),
      users_(s.population.users),
      online_(scenario::online_users(s.population)),
      devices_(s.population.devices_per_user),
      contacts_(s.population.contacts_per_user),
      group_sizes_(s.population.groups.size),
      hot_count_(s.population.hot_groups.count),
      hot_size_(std::min(s.population.hot_groups.size, s.population.users)),
      regular_count_(s.population.groups.count) {
  regular_size_max_ = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(scenario::highest_value(s.population.groups.size)), size_floor(),
      users_);
  const double regular_mean = std::min(group_sizes_.mean(), static_cast<double>(users_));
  const double hot_weight = static_cast<double>(hot_count_ * hot_size_) *
                            s.population.hot_groups.rate_multiplier;
  const double regular_weight = static_cast<double>(regular_count_) * regular_mean;
  hot_share_ = hot_weight + regular_weight > 0 ? hot_weight / (hot_weight + regular_weight) : 0;
  if (regular_count_ <= group_size_cache_max) {
    size_cache_.resize(regular_count_);
    for (std::uint64_t i = 0; i < regular_count_; ++i) {
      size_cache_[i] = static_cast<std::uint16_t>(sampled_group_size(hot_count_ + i));
    }
  }
}

std::uint32_t PopulationModel::devices(std::uint64_t user) const {
  Random rng = substream(seed_, Stream::devices, user);
  return static_cast<std::uint32_t>(devices_.sample_integer(rng));
}

std::uint64_t PopulationModel::contact_count(std::uint64_t user) const {
  Random rng = substream(seed_, Stream::contacts, user);
  return std::min(contacts_.sample_integer(rng), users_ - 1);
}

std::uint64_t PopulationModel::contact(std::uint64_t user, std::uint64_t k) const {
  // k-th contact: a hash of (user, k) over the other users-1 users.
  const std::uint64_t key = user * 0x9e3779b97f4a7c15ULL ^ (k + 1);
  const std::uint64_t other = mix(seed_, Stream::contacts, key) % (users_ - 1);
  return other >= user ? other + 1 : other;
}

std::uint64_t PopulationModel::sampled_group_size(std::uint64_t group) const {
  Random rng = substream(seed_, Stream::group_sizes, group);
  return std::clamp<std::uint64_t>(group_sizes_.sample_integer(rng), size_floor(), users_);
}

std::uint64_t PopulationModel::group_size(std::uint64_t group) const {
  if (is_hot(group)) return hot_size_;
  const std::uint64_t regular = group - hot_count_;
  return regular < size_cache_.size() ? size_cache_[regular] : sampled_group_size(group);
}

std::uint64_t PopulationModel::member(std::uint64_t group, std::uint64_t k) const {
  // (offset + k × stride) mod users with gcd(stride, users) = 1 visits distinct users.
  const std::uint64_t h = mix(seed_, Stream::group_members, group);
  const std::uint64_t offset = h % users_;
  std::uint64_t stride = users_ > 1 ? 1 + (h >> 32) % (users_ - 1) : 1;
  while (std::gcd(stride, users_) != 1) stride = stride % (users_ - 1) + 1;
  // No overflow: k < 500 (limits::group_members_max) and stride < users <= 2^31.
  return (k * stride + offset) % users_;
}

std::uint64_t PopulationModel::pick_group(Random& rng) const {
  if (hot_count_ > 0 && (regular_count_ == 0 || rng.unit() < hot_share_)) {
    return rng.uniform(hot_count_);
  }
  // Size-biased choice among regular groups by rejection: accept with size / largest size.
  for (;;) {
    const std::uint64_t group = hot_count_ + rng.uniform(regular_count_);
    if (rng.uniform(regular_size_max_) < group_size(group)) return group;
  }
}

std::optional<std::uint64_t> PopulationModel::pick_sender(std::uint64_t group,
                                                          std::uint64_t connected,
                                                          Random& rng) const {
  const std::uint64_t size = group_size(group);
  for (int i = 0; i < sender_tries_max; ++i) {
    const std::uint64_t user = member(group, rng.uniform(size));
    if (user < connected) return user;
  }
  return std::nullopt;
}

}  // namespace parley::workload
