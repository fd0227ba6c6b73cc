// Diurnal profile arithmetic shared by validation (parser) and sampling (loadgen/workload): the
// shape comes from 24 hourly values, the amplitude from peak_factor.
#pragma once

#include <array>
#include <vector>

namespace parley::scenario {

// A typical messaging day (local time): quiet at 4 h, a plateau through the day, peak at 20 h.
std::array<double, 24> default_hourly();

// max / mean of the curve as written: its peak factor without reshaping.
double natural_peak_factor(const std::vector<double>& hourly);

// The range of peak factors a curve can be reshaped to: from 24 / (hours > 0) (all non-zero
// hours equal) up to 24 / (hours at the maximum) (all traffic in the peak hours).
double peak_factor_min(const std::vector<double>& hourly);
double peak_factor_max(const std::vector<double>& hourly);

// Hourly multipliers with mean exactly 1 and maximum peak_factor: m'_h ∝ (m_h / max)^γ with γ
// found by bisection. A power keeps the order of the hours and never goes negative; γ = 1 is the
// curve as written. Preconditions (checked by the parser): 24 values >= 0 with a positive sum and
// peak_factor_min <= peak_factor <= peak_factor_max.
std::array<double, 24> resolved_hourly(const std::vector<double>& hourly, double peak_factor);

}  // namespace parley::scenario
