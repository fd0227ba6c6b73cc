// See nhpp.hpp.
#include "nhpp.hpp"

#include <limits>

namespace parley::workload {

NhppArrivals::NhppArrivals(Random rng, double base_rate_per_s, RateProfile profile, double start_s)
    : rng_(rng),
      base_rate_per_s_(base_rate_per_s),
      profile_(std::move(profile)),
      envelope_per_s_(base_rate_per_s * profile_.max_multiplier()),
      t_s_(start_s) {}

double NhppArrivals::next() {
  if (!(envelope_per_s_ > 0)) return std::numeric_limits<double>::infinity();
  for (;;) {
    t_s_ += rng_.exponential(1.0 / envelope_per_s_);
    ++candidates_;
    const double rate = base_rate_per_s_ * profile_.multiplier_at(t_s_);
    if (rng_.unit() * envelope_per_s_ < rate) return t_s_;
  }
}

}  // namespace parley::workload
