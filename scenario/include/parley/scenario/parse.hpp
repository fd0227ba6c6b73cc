// Reading scenarios: YAML text or file → validated Scenario. Never throws: every problem comes
// back in Error::message, one line each, as `file:line:col: field.path: what is wrong`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parley/error.hpp"
#include "parley/scenario/scenario.hpp"

namespace parley::scenario {

// `key.path=value` strings applied to the YAML tree before typed parsing, so an override is
// validated exactly like the file (value is YAML: `population.users=10000000`,
// `workload.profile={kind: constant}`; a numeric segment indexes a list: `faults.schedule.0.at_s=5`).
using Overrides = std::vector<std::string>;

// At most this many problems are reported; the rest are counted in a last line.
inline constexpr std::size_t diagnostics_max = 50;
// A scenario is a page of YAML; anything this big is a mistake (or an attack on the parser).
inline constexpr std::size_t scenario_bytes_max = 1 << 20;

Result<Scenario> parse_file(const std::string& path, const Overrides& overrides = {});
// `source` names the text in messages (a path, "<string>", ...); the name defaults to its stem.
Result<Scenario> parse_string(std::string_view yaml, std::string_view source = "<string>",
                              const Overrides& overrides = {});

}  // namespace parley::scenario
