// See histogram_json.hpp. Buckets are keyed by their lowest value rather than an index so the
// files stay readable (and usable from Python) without knowing the layout's arithmetic.
#include "parley/metrics/histogram_json.hpp"

#include <nlohmann/json.hpp>

namespace parley::metrics {
namespace {

constexpr int histogram_format_version = 1;

Error bad(const std::string& message) {
  return Error{ErrorCode::invalid_value, "histogram JSON: " + message};
}

}  // namespace

std::string to_json(const Histogram& h) {
  nlohmann::ordered_json buckets = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < Histogram::bucket_count && h.count(); ++i) {
    if (const auto n = h.bucket_count_at(i)) buckets.push_back({Histogram::bucket_low(i), n});
  }
  nlohmann::ordered_json out = {
      {"format", "parley-histogram"}, {"format_version", histogram_format_version},
      {"unit", "us"},                 {"sub_bucket_bits", Histogram::sub_bucket_bits},
      {"count", h.count()},           {"min", h.min()},
      {"max", h.max()},               {"sum", h.sum()},
      {"saturated", h.saturated()},   {"buckets", std::move(buckets)}};
  return out.dump() + "\n";
}

Result<Histogram> histogram_from_json(std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
  try {
    if (doc.value("format", "") != "parley-histogram") return bad("format is not parley-histogram");
    if (doc.at("format_version").get<int>() != histogram_format_version ||
        doc.at("sub_bucket_bits").get<int>() != Histogram::sub_bucket_bits ||
        doc.value("unit", "") != "us") {
      return bad("unsupported layout (version, unit or sub_bucket_bits)");
    }
    Histogram h;
    for (const auto& row : doc.at("buckets")) {
      const auto low = row.at(0).get<std::uint64_t>();
      const auto index = Histogram::bucket_of(low);
      if (low > Histogram::value_max || Histogram::bucket_low(index) != low) {
        return bad("bucket bound " + std::to_string(low) + " is not a bucket's lowest value");
      }
      h.restore(index, row.at(1).get<std::uint64_t>());
    }
    if (h.count() != doc.at("count").get<std::uint64_t>()) {
      return bad("bucket counts add up to " + std::to_string(h.count()) + ", not count");
    }
    const auto min = doc.at("min").get<std::uint64_t>();
    const auto max = doc.at("max").get<std::uint64_t>();
    if (h.count() && (min > max || Histogram::bucket_of(max) < Histogram::bucket_of(min))) {
      return bad("min/max inconsistent");
    }
    h.restore_stats(min, max, doc.at("sum").get<std::uint64_t>(),
                    doc.at("saturated").get<std::uint64_t>());
    return h;
  } catch (const nlohmann::json::exception& e) {
    return bad(e.what());
  }
}

}  // namespace parley::metrics
