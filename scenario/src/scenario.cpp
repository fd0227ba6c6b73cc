// Small helpers over the plain scenario types.
#include "parley/scenario/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parley/overloaded.hpp"

namespace parley::scenario {
namespace {

// Lowest (sign -1) or highest (sign +1) value a discrete table can produce.
double table_extreme(const Discrete& d, double sign) {
  double best = -sign * std::numeric_limits<double>::infinity();
  for (const auto& [value, weight] : d.table) {
    if (weight > 0 && value * sign > best * sign) best = value;
  }
  return std::isinf(best) ? 0 : best;
}

}  // namespace

std::uint64_t online_users(const Population& population) {
  const double online = std::round(static_cast<double>(population.users) * population.concurrency);
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(online));
}

std::string_view kind_name(const Distribution& distribution) {
  static constexpr std::string_view names[] = {"fixed", "uniform", "lognormal", "zipf", "discrete"};
  return names[distribution.index()];
}

double lowest_value(const Distribution& distribution) {
  return std::visit(Overloaded{[](const Fixed& d) { return d.value; },
                               [](const Uniform& d) { return d.min; },
                               [](const LogNormal& d) { return d.min; },
                               [](const Zipf& d) { return d.min; },
                               [](const Discrete& d) { return table_extreme(d, -1); }},
                    distribution);
}

double highest_value(const Distribution& distribution) {
  return std::visit(Overloaded{[](const Fixed& d) { return d.value; },
                               [](const Uniform& d) { return d.max; },
                               [](const LogNormal& d) { return d.max; },
                               [](const Zipf& d) { return d.max; },
                               [](const Discrete& d) { return table_extreme(d, 1); }},
                    distribution);
}

std::string_view to_string(FanoutMode mode) {
  return mode == FanoutMode::queue ? "queue" : "direct";
}

}  // namespace parley::scenario
