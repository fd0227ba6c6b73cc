// Internal: manifest.json and summary.json ⇄ the plain structs. Keys are written in a fixed order
// and numbers in their shortest exact form, so the same results give the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "parley/error.hpp"
#include "parley/metrics/run_results.hpp"

namespace parley::metrics::detail {

nlohmann::ordered_json manifest_to_json(const Manifest& manifest);
Result<Manifest> manifest_from_json(const nlohmann::json& doc);
nlohmann::ordered_json summary_to_json(const Summary& summary);
Result<Summary> summary_from_json(const nlohmann::json& doc);

}  // namespace parley::metrics::detail
