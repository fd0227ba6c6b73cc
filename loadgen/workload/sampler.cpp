// See sampler.hpp.
#include "sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "parley/overloaded.hpp"

namespace parley::workload {
namespace {

constexpr int lognormal_redraws_max = 16;  // then clamp: bounds are hard, the tail is not

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// E[X | min <= X <= max] for X = exp(N(mu, sigma²)).
double truncated_lognormal_mean(const scenario::LogNormal& d) {
  const double mu = std::log(d.median);
  const double s = d.sigma;
  const double a = d.min > 0 ? (std::log(d.min) - mu) / s : -INFINITY;
  const double b = (std::log(d.max) - mu) / s;
  const double mass = normal_cdf(b) - normal_cdf(a);
  if (!(mass > 1e-300)) return std::clamp(d.median, d.min, d.max);
  const double shifted = normal_cdf(b - s) - normal_cdf(a - s);
  return std::exp(mu + s * s / 2) * shifted / mass;
}

}  // namespace

double standard_normal(Random& rng) {
  const double u1 = 1.0 - rng.unit();  // (0, 1]: log is finite
  const double u2 = rng.unit();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Sampler::Sampler(scenario::Distribution spec) : spec_(std::move(spec)) {
  auto build_cdf = [this](const std::vector<std::pair<double, double>>& rows) {
    double total = 0;
    for (const auto& [value, weight] : rows) total += weight;
    double running = 0;
    for (const auto& [value, weight] : rows) {
      running += weight;
      cdf_.push_back(running / total);
      values_.push_back(value);
      mean_ += value * weight / total;
    }
    cdf_.back() = 1.0;
  };
  std::visit(Overloaded{[&](const scenario::Fixed& d) { mean_ = d.value; },
                        [&](const scenario::Uniform& d) { mean_ = (d.min + d.max) / 2; },
                        [&](const scenario::LogNormal& d) { mean_ = truncated_lognormal_mean(d); },
                        [&](const scenario::Zipf& d) {
                          std::vector<std::pair<double, double>> rows;
                          for (double v = d.min; v <= d.max; v += 1) {
                            rows.emplace_back(v, std::pow(v - d.min + 1, -d.exponent));
                          }
                          build_cdf(rows);
                        },
                        [&](const scenario::Discrete& d) { build_cdf(d.table); }},
             spec_);
}

double Sampler::lognormal(Random& rng) const {
  const auto& d = std::get<scenario::LogNormal>(spec_);
  double x = d.median;
  for (int i = 0; i < lognormal_redraws_max; ++i) {
    x = d.median * std::exp(d.sigma * standard_normal(rng));
    if (x >= d.min && x <= d.max) return x;
  }
  return std::clamp(x, d.min, d.max);
}

std::size_t Sampler::pick(Random& rng) const {
  const double u = rng.unit();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
}

double Sampler::sample(Random& rng) const {
  return std::visit(Overloaded{[&](const scenario::Fixed& d) { return d.value; },
                               [&](const scenario::Uniform& d) {
                                 return d.min + (d.max - d.min) * rng.unit();
                               },
                               [&](const scenario::LogNormal&) { return lognormal(rng); },
                               [&](const scenario::Zipf&) { return values_[pick(rng)]; },
                               [&](const scenario::Discrete&) { return values_[pick(rng)]; }},
                    spec_);
}

std::uint64_t Sampler::sample_integer(Random& rng) const {
  const double low = std::ceil(scenario::lowest_value(spec_));
  const double high = std::floor(scenario::highest_value(spec_));
  if (const auto* u = std::get_if<scenario::Uniform>(&spec_)) {
    const auto span = static_cast<std::uint64_t>(std::floor(u->max) - std::ceil(u->min)) + 1;
    return static_cast<std::uint64_t>(std::ceil(u->min)) + rng.uniform(span);
  }
  const double value = std::clamp(std::round(sample(rng)), low, std::max(low, high));
  return static_cast<std::uint64_t>(std::max(0.0, value));
}

}  // namespace parley::workload
