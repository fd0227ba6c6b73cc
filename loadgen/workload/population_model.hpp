// The scenario's population as pure functions of (seed, index): devices and contacts per user,
// group sizes and members. Nothing is stored per user, so it works for 500 M users; group sizes
// are cached (2 bytes a group) up to group_size_cache_max groups.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "parley/random.hpp"
#include "parley/scenario/scenario.hpp"
#include "sampler.hpp"

namespace parley::workload {

inline constexpr std::uint64_t group_size_cache_max = 64'000'000;  // 128 MB of sizes at most

class PopulationModel {
 public:
  explicit PopulationModel(const scenario::Scenario& scenario);

  std::uint64_t users() const { return users_; }
  // Users 0 .. online()-1 are the ones connected once the ramp is over (scenario concurrency).
  std::uint64_t online() const { return online_; }
  std::uint32_t devices(std::uint64_t user) const;

  // Contact lists are directed and drawn with replacement; never the user itself.
  std::uint64_t contact_count(std::uint64_t user) const;
  std::uint64_t contact(std::uint64_t user, std::uint64_t k) const;

  // Groups 0 .. hot_groups-1 are the hot ones; then the regular groups.
  std::uint64_t group_count() const { return hot_count_ + regular_count_; }
  bool is_hot(std::uint64_t group) const { return group < hot_count_; }
  std::uint64_t group_size(std::uint64_t group) const;  // within [2, users] (users >= 2)
  // The k-th member (k < group_size): distinct members by an affine permutation of the users.
  std::uint64_t member(std::uint64_t group, std::uint64_t k) const;

  // A group with probability ∝ size × rate multiplier (every member sends at the same rate, a
  // hot group's members at rate_multiplier times that). Requires group_count() > 0.
  std::uint64_t pick_group(Random& rng) const;
  // A member of `group` among users [0, connected), or nullopt after a few tries.
  std::optional<std::uint64_t> pick_sender(std::uint64_t group, std::uint64_t connected,
                                           Random& rng) const;

 private:
  std::uint64_t sampled_group_size(std::uint64_t group) const;
  std::uint64_t size_floor() const { return users_ < 2 ? users_ : 2; }  // a group has 2 members

  std::uint64_t seed_;
  std::uint64_t users_;
  std::uint64_t online_;
  Sampler devices_;
  Sampler contacts_;
  Sampler group_sizes_;
  std::uint64_t hot_count_;
  std::uint64_t hot_size_;
  std::uint64_t regular_count_;
  std::uint64_t regular_size_max_;   // rejection envelope
  double hot_share_;                 // probability that pick_group picks a hot group
  std::vector<std::uint16_t> size_cache_;
};

}  // namespace parley::workload
