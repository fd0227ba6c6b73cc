// See rate_profile.hpp. The diurnal curve is linear between hour midpoints (h + 0.5) and wraps at
// midnight, which keeps the daily mean of the resolved hourly values (1) exact.
#include "rate_profile.hpp"

#include <algorithm>
#include <cmath>

#include "parley/scenario/profile.hpp"

namespace parley::workload {

RateProfile::RateProfile(const scenario::RateProfile& spec, double ramp_s)
    : kind_(spec.kind), start_s_(spec.start_hour * 3600.0), points_(spec.points), ramp_s_(ramp_s) {
  if (kind_ == scenario::ProfileKind::diurnal) {
    hourly_ = scenario::resolved_hourly(spec.hourly, spec.peak_factor);
    max_ = *std::max_element(hourly_.begin(), hourly_.end());
  } else if (kind_ == scenario::ProfileKind::piecewise) {
    max_ = 0;
    for (const auto& p : points_) max_ = std::max(max_, p.multiplier);
  }
}

double RateProfile::shape_at(double t_s) const {
  switch (kind_) {
    case scenario::ProfileKind::constant: return 1;
    case scenario::ProfileKind::diurnal: {
      const double hours = std::fmod(start_s_ + t_s, 86'400.0) / 3600.0 - 0.5;
      const double below = std::floor(hours);
      const double frac = hours - below;
      const auto i = static_cast<int>((static_cast<int>(below) + 24) % 24);
      return hourly_[i] * (1 - frac) + hourly_[(i + 1) % 24] * frac;
    }
    case scenario::ProfileKind::piecewise: {
      if (points_.empty()) return 0;
      if (t_s <= points_.front().t_s) return points_.front().multiplier;
      if (t_s >= points_.back().t_s) return points_.back().multiplier;
      const auto after = std::upper_bound(
          points_.begin(), points_.end(), t_s,
          [](double t, const scenario::ProfilePoint& p) { return t < p.t_s; });
      const auto before = after - 1;
      const double frac = (t_s - before->t_s) / (after->t_s - before->t_s);
      return before->multiplier * (1 - frac) + after->multiplier * frac;
    }
  }
  return 1;
}

double RateProfile::multiplier_at(double t_s) const {
  const double ramp = ramp_s_ > 0 && t_s < ramp_s_ ? std::max(0.0, t_s) / ramp_s_ : 1.0;
  return shape_at(t_s) * ramp;
}

double RateProfile::integral(double from_s, double to_s, int steps) const {
  const double width = (to_s - from_s) / steps;
  double sum = (multiplier_at(from_s) + multiplier_at(to_s)) / 2;
  for (int i = 1; i < steps; ++i) sum += multiplier_at(from_s + i * width);
  return sum * width;
}

}  // namespace parley::workload
