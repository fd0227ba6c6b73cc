// See arrivals.hpp.
#include "arrivals.hpp"

#include "parley/assert.hpp"

namespace parley::workload {

PoissonArrivals::PoissonArrivals(std::uint64_t seed, std::uint64_t users,
                                 double rate_per_user_per_s, TimeMs start_ms)
    : rng_(seed),
      users_(users),
      mean_gap_us_(1e6 / (static_cast<double>(users) * rate_per_user_per_s)),
      next_us_(static_cast<double>(start_ms) * 1000.0) {
  PARLEY_ASSERT(users > 0 && rate_per_user_per_s > 0);
  next_us_ += rng_.exponential(mean_gap_us_);
}

PoissonArrivals::Arrival PoissonArrivals::next() {
  const Arrival arrival{static_cast<TimeMs>(next_us_ / 1000.0), rng_.uniform(users_)};
  next_us_ += rng_.exponential(mean_gap_us_);
  return arrival;
}

}  // namespace parley::workload
