// A non-homogeneous Poisson process sampled by thinning (Lewis & Shedler 1979): candidates from a
// homogeneous process at the envelope rate, each kept with probability rate(t) / envelope. Exact
// for any bounded rate function; the cost is envelope / mean rate candidates per arrival.
#pragma once

#include <cstdint>

#include "parley/random.hpp"
#include "rate_profile.hpp"

namespace parley::workload {

class NhppArrivals {
 public:
  // rate(t) = base_rate_per_s × profile.multiplier_at(t); times start at `start_s`.
  NhppArrivals(Random rng, double base_rate_per_s, RateProfile profile, double start_s = 0);

  // The next arrival time in seconds; +infinity when the rate is 0 everywhere.
  double next();
  std::uint64_t candidates() const { return candidates_; }
  const RateProfile& profile() const { return profile_; }

 private:
  Random rng_;
  double base_rate_per_s_;
  RateProfile profile_;
  double envelope_per_s_;
  double t_s_;
  std::uint64_t candidates_ = 0;
};

}  // namespace parley::workload
