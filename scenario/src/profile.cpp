// See profile.hpp. Normalising to mean 1 makes peak_factor a property of the curve's shape alone,
// independent of the units the hourly values were written in.
#include "parley/scenario/profile.hpp"

#include <algorithm>
#include <cmath>

namespace parley::scenario {
namespace {

double highest(const std::vector<double>& hourly) {
  return *std::max_element(hourly.begin(), hourly.end());
}

// Σ (h / max)^γ over the hours; 0^γ is 0 for every γ > 0 and counts as 0 at γ = 0 too.
double power_sum(const std::vector<double>& hourly, double gamma) {
  const double top = highest(hourly);
  double sum = 0;
  for (double h : hourly) {
    if (h > 0) sum += std::pow(h / top, gamma);
  }
  return sum;
}

double ratio(const std::vector<double>& hourly, double gamma) {
  return static_cast<double>(hourly.size()) / power_sum(hourly, gamma);
}

}  // namespace

std::array<double, 24> default_hourly() {
  return {0.55, 0.35, 0.25, 0.20, 0.18, 0.22, 0.35, 0.60, 0.85, 1.00, 1.05, 1.10,
          1.15, 1.10, 1.05, 1.05, 1.10, 1.20, 1.35, 1.50, 1.60, 1.55, 1.30, 0.90};
}

double natural_peak_factor(const std::vector<double>& hourly) { return ratio(hourly, 1); }

double peak_factor_min(const std::vector<double>& hourly) { return ratio(hourly, 0); }

double peak_factor_max(const std::vector<double>& hourly) {
  const double top = highest(hourly);
  const auto at_top = std::count(hourly.begin(), hourly.end(), top);
  return static_cast<double>(hourly.size()) / static_cast<double>(at_top);
}

std::array<double, 24> resolved_hourly(const std::vector<double>& hourly, double peak_factor) {
  // ratio(γ) grows monotonically from peak_factor_min (γ = 0) towards peak_factor_max (γ → ∞).
  double low = 0;
  double high = 1;
  while (ratio(hourly, high) < peak_factor && high < 1024) high *= 2;
  for (int i = 0; i < 200 && high - low > 1e-15 * high; ++i) {
    const double mid = (low + high) / 2;
    (ratio(hourly, mid) < peak_factor ? low : high) = mid;
  }
  const double gamma = high;
  const double scale = static_cast<double>(hourly.size()) / power_sum(hourly, gamma);
  const double top = highest(hourly);
  std::array<double, 24> out{};
  for (std::size_t h = 0; h < out.size(); ++h) {
    out[h] = hourly[h] > 0 ? std::pow(hourly[h] / top, gamma) * scale : 0;
  }
  return out;
}

}  // namespace parley::scenario
