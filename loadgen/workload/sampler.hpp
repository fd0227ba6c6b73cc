// Draws values from a scenario Distribution with parley::Random only (no std::*_distribution,
// whose output differs between standard libraries), so a seed gives the same values everywhere.
#pragma once

#include <cstdint>
#include <vector>

#include "parley/random.hpp"
#include "parley/scenario/distribution.hpp"

namespace parley::workload {

class Sampler {
 public:
  explicit Sampler(scenario::Distribution spec);

  double sample(Random& rng) const;
  // For whole-number fields (sizes, counts): uniform draws every integer of [min, max] equally,
  // continuous kinds round to the nearest integer; always within the distribution's bounds.
  std::uint64_t sample_integer(Random& rng) const;
  // Expected value of sample() (lognormal: of the distribution truncated to [min, max]).
  double mean() const { return mean_; }
  const scenario::Distribution& spec() const { return spec_; }

 private:
  double lognormal(Random& rng) const;
  std::size_t pick(Random& rng) const;  // an index by cdf_

  scenario::Distribution spec_;
  std::vector<double> cdf_;     // zipf and discrete: cumulative probabilities, last = 1
  std::vector<double> values_;  // the value of each cdf_ entry
  double mean_ = 0;
};

// A standard normal deviate (Box–Muller, cosine branch only: one deviate per two uniforms).
double standard_normal(Random& rng);

}  // namespace parley::workload
