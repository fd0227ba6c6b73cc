// Internal: one reader per scenario section. Each takes its key from the parent MapReader, fills
// the typed struct (defaults stay where the file is silent) and reports into the shared Context.
#pragma once

#include <string_view>

#include "parley/scenario/scenario.hpp"
#include "reader.hpp"

namespace parley::scenario::detail {

// Limits of the scenario format itself (how much a file may ask the parser to build).
inline constexpr std::size_t discrete_rows_max = 10'000;
inline constexpr double zipf_values_max = 1'000'000;  // max - min + 1 of a Zipf distribution
inline constexpr std::size_t profile_points_max = 10'000;
inline constexpr std::size_t schedule_faults_max = 10'000;
inline constexpr double duration_s_max = 30.0 * 86'400;

// What values a field's distribution may take.
struct ValueBounds {
  double lo;
  double hi;
  bool integer;
};

Distribution read_distribution(MapReader& parent, std::string_view key,
                               const Distribution& fallback, const ValueBounds& bounds);
void read_population(MapReader& parent, Population& out);
void read_workload(MapReader& parent, const Population& population, Workload& out);
void read_profile(MapReader& parent, RateProfile& out);
void read_topology(MapReader& parent, Topology& out);
void read_faults(MapReader& parent, const Scenario& scenario, Faults& out);
void read_slos(MapReader& parent, Slos& out);
void read_cost(MapReader& parent, Cost& out);

}  // namespace parley::scenario::detail
