// Seeded arrival processes shared by parley-load and parley-sim (STYLE.md habit 6): the same seed
// and rates give the same planned sends, so a prediction and a measurement describe one traffic.
#pragma once

#include <cstdint>

#include "parley/clock.hpp"
#include "parley/random.hpp"

namespace parley::workload {

// A Poisson process for a population of `users`, each sending at `rate_per_user_per_s`. The
// superposition is one Poisson process of rate users × rate; each arrival picks its user
// uniformly, which is exactly the per-user Poisson model, at O(1) per arrival.
class PoissonArrivals {
 public:
  struct Arrival {
    TimeMs at_ms = 0;
    std::uint64_t user_index = 0;  // 0 .. users-1
  };

  PoissonArrivals(std::uint64_t seed, std::uint64_t users, double rate_per_user_per_s,
                  TimeMs start_ms);

  Arrival next();
  // Sub-millisecond precision is kept internally so high rates are not rounded away.
  double next_time_us() const { return next_us_; }

 private:
  Random rng_;
  std::uint64_t users_;
  double mean_gap_us_;
  double next_us_;
};

}  // namespace parley::workload
