// A value distribution as a scenario writes it (payload sizes, group sizes, latencies). Plain data:
// sampling lives in loadgen/workload (sampler.hpp) so the parser needs no random source.
#pragma once

#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace parley::scenario {

// Every variant is fully resolved after parsing: bounds the file left out are filled with the
// field's own bounds, so a distribution never samples outside what its field allows.
struct Fixed {
  double value = 0;
  bool operator==(const Fixed&) const = default;
};

struct Uniform {  // integer fields: every integer in [min, max] equally likely
  double min = 0;
  double max = 0;
  bool operator==(const Uniform&) const = default;
};

struct LogNormal {  // exp(N(ln median, sigma²)), redrawn (then clamped) outside [min, max]
  double median = 1;
  double sigma = 1;
  double min = 0;
  double max = 0;
  bool operator==(const LogNormal&) const = default;
};

struct Zipf {  // integer fields only: P(k) ∝ k^-exponent for k in [min, max]
  double exponent = 1;
  double min = 1;
  double max = 1;
  bool operator==(const Zipf&) const = default;
};

struct Discrete {  // (value, weight) rows; weights need not sum to 1
  std::vector<std::pair<double, double>> table;
  bool operator==(const Discrete&) const = default;
};

using Distribution = std::variant<Fixed, Uniform, LogNormal, Zipf, Discrete>;

std::string_view kind_name(const Distribution& distribution);
double lowest_value(const Distribution& distribution);
double highest_value(const Distribution& distribution);

}  // namespace parley::scenario
