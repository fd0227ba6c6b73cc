// How the send rate varies over a run: the scenario's profile (constant, diurnal, piecewise) times
// a linear ramp from 0 over ramp_s (connections come up at a steady rate during the ramp).
#pragma once

#include <array>
#include <vector>

#include "parley/scenario/scenario.hpp"

namespace parley::workload {

class RateProfile {
 public:
  RateProfile() = default;  // constant 1, no ramp
  explicit RateProfile(const scenario::RateProfile& spec, double ramp_s = 0);

  // The rate multiplier at t_s seconds after the run's start (>= 0).
  double multiplier_at(double t_s) const;
  // An upper bound of multiplier_at over all t (the thinning envelope).
  double max_multiplier() const { return max_; }
  // ∫ multiplier over [from_s, to_s), by the trapezoid rule on `steps` slices (tests, reports).
  double integral(double from_s, double to_s, int steps = 100'000) const;

 private:
  double shape_at(double t_s) const;

  scenario::ProfileKind kind_ = scenario::ProfileKind::constant;
  std::array<double, 24> hourly_{};              // diurnal, resolved: mean 1, max = peak factor
  double start_s_ = 0;                           // diurnal: time of day at t = 0
  std::vector<scenario::ProfilePoint> points_;   // piecewise
  double ramp_s_ = 0;
  double max_ = 1;
};

}  // namespace parley::workload
