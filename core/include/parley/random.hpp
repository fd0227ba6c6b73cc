// Seeded randomness for the core and its runtimes: xoshiro256** seeded through splitmix64.
// Same seed, same sequence, on every platform (no std::*_distribution, whose output is unspecified).
#pragma once

#include <cstdint>

namespace parley {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t next_u64();
  // Uniform in [0, bound) without modulo bias; bound > 0.
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform in [0, 1).
  double unit();
  // Exponential with the given mean (inter-arrival times of a Poisson process).
  double exponential(double mean);

 private:
  std::uint64_t s_[4];
};

}  // namespace parley
