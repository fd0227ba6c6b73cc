// Distributions: a bare number is `fixed`; otherwise a mapping with `kind`. Bounds left out are
// the field's own, so the parsed value is fully resolved (docs/scenarios.md, "Distributions").
#include <algorithm>
#include <cmath>

#include "sections.hpp"

namespace parley::scenario::detail {
namespace {

const std::vector<std::string> kinds = {"fixed", "uniform", "lognormal", "zipf", "discrete"};

std::optional<double> value_of(Context& ctx, const YAML::Node& node, const std::string& path,
                               const ValueBounds& bounds) {
  auto value = read_double(ctx, node, path, between(bounds.lo, bounds.hi));
  if (value && bounds.integer && std::floor(*value) != *value) {
    ctx.error(node, path, "must be a whole number (got " + format_number(*value) + ")");
    return std::nullopt;
  }
  return value;
}

// A value field of the distribution's mapping; `fallback` when absent (nullopt: required).
std::optional<double> field(MapReader& r, std::string_view key, const ValueBounds& bounds,
                            std::optional<double> fallback) {
  const YAML::Node node = r.take(key);
  if (!node.IsDefined()) {
    if (!fallback) r.ctx().error(r.node(), r.path_of(key), "missing (required by this kind)");
    return fallback;
  }
  return value_of(r.ctx(), node, r.path_of(key), bounds);
}

// min <= max, reported on max.
bool ordered(MapReader& r, double min, double max) {
  if (min <= max) return true;
  r.ctx().error(r.take("max"), r.path_of("max"),
                "must be >= min (got " + format_number(max) + " < " + format_number(min) + ")");
  return false;
}

std::optional<Distribution> read_lognormal(MapReader& r, const ValueBounds& bounds) {
  const auto median = field(r, "median", bounds, std::nullopt);
  std::optional<double> sigma = 1.0;
  if (const YAML::Node node = r.take("sigma"); node.IsDefined()) {
    sigma = read_double(r.ctx(), node, r.path_of("sigma"), Range{0, 5, true, false});
  }
  const auto min = field(r, "min", bounds, bounds.lo);
  const auto max = field(r, "max", bounds, bounds.hi);
  if (!median || !sigma || !min || !max || !ordered(r, *min, *max)) return std::nullopt;
  if (*median < *min || *median > *max) {
    r.ctx().error(r.take("median"), r.path_of("median"),
                  "must be within [min, max] = [" + format_number(*min) + ", " +
                      format_number(*max) + "] (got " + format_number(*median) + ")");
    return std::nullopt;
  }
  return LogNormal{*median, *sigma, *min, *max};
}

std::optional<Distribution> read_zipf(MapReader& r, const ValueBounds& bounds) {
  std::optional<double> exponent = 1.0;
  if (const YAML::Node node = r.take("exponent"); node.IsDefined()) {
    exponent = read_double(r.ctx(), node, r.path_of("exponent"), Range{0, 10, true, false});
  }
  const auto min = field(r, "min", bounds, bounds.lo);
  const auto max = field(r, "max", bounds, bounds.hi);
  if (!exponent || !min || !max || !ordered(r, *min, *max)) return std::nullopt;
  if (*max - *min + 1 > zipf_values_max) {
    r.ctx().error(r.take("max"), r.path_of("max"),
                  "a zipf spans at most " + format_number(zipf_values_max) + " values (got " +
                      format_number(*max - *min + 1) + ")");
    return std::nullopt;
  }
  return Zipf{*exponent, *min, *max};
}

std::optional<Distribution> read_discrete(MapReader& r, const ValueBounds& bounds) {
  Context& ctx = r.ctx();
  const YAML::Node table = r.take("table");
  const std::string path = r.path_of("table");
  if (!table.IsDefined()) {
    ctx.error(r.node(), path, "missing (a list of [value, weight] rows)");
    return std::nullopt;
  }
  if (!expect_sequence(ctx, table, path)) return std::nullopt;
  if (table.size() == 0 || table.size() > discrete_rows_max) {
    ctx.error(table, path, "needs 1 to " + std::to_string(discrete_rows_max) + " rows (got " +
                               std::to_string(table.size()) + ")");
    return std::nullopt;
  }
  Discrete out;
  double total = 0;
  bool ok = true;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const YAML::Node row = table[i];
    const std::string row_path = index_path(path, i);
    if (!row.IsSequence() || row.size() != 2) {
      ctx.error(row, row_path, "expected a [value, weight] pair");
      ok = false;
      continue;
    }
    const auto value = value_of(ctx, row[0], index_path(row_path, 0), bounds);
    const auto weight = read_double(ctx, row[1], index_path(row_path, 1), at_least(0));
    if (!value || !weight) {
      ok = false;
      continue;
    }
    total += *weight;
    out.table.emplace_back(*value, *weight);
  }
  if (ok && total <= 0) {
    ctx.error(table, path, "needs at least one positive weight");
    ok = false;
  }
  return ok ? std::optional<Distribution>(out) : std::nullopt;
}

std::optional<Distribution> read_kind(MapReader& r, const std::string& kind,
                                      const ValueBounds& bounds) {
  if (kind == "fixed") {
    const auto value = field(r, "value", bounds, std::nullopt);
    return value ? std::optional<Distribution>(Fixed{*value}) : std::nullopt;
  }
  if (kind == "uniform") {
    const auto min = field(r, "min", bounds, std::nullopt);
    const auto max = field(r, "max", bounds, std::nullopt);
    if (!min || !max || !ordered(r, *min, *max)) return std::nullopt;
    return Uniform{*min, *max};
  }
  if (kind == "lognormal") return read_lognormal(r, bounds);
  if (kind == "discrete") return read_discrete(r, bounds);
  if (!bounds.integer) {
    r.ctx().error(r.take("kind"), r.path_of("kind"),
                  "zipf is for whole-number fields; use lognormal or discrete here");
    r.accept_rest();
    return std::nullopt;
  }
  return read_zipf(r, bounds);
}

}  // namespace

Distribution read_distribution(MapReader& parent, std::string_view key,
                               const Distribution& fallback, const ValueBounds& bounds) {
  const YAML::Node node = parent.take(key);
  const std::string path = parent.path_of(key);
  Context& ctx = parent.ctx();
  if (!node.IsDefined()) return fallback;
  if (node.IsScalar()) {
    const auto value = value_of(ctx, node, path, bounds);
    return value ? Distribution(Fixed{*value}) : fallback;
  }
  MapReader r(ctx, node, path);
  if (!node.IsMap()) return fallback;
  const YAML::Node kind_node = r.take("kind");
  std::string kind;
  if (!kind_node.IsDefined()) {
    ctx.error(node, r.path_of("kind"), "missing (one of fixed, uniform, lognormal, zipf, discrete)");
    r.accept_rest();
    return fallback;
  }
  if (!r.read("kind", kind)) {
    r.accept_rest();
    return fallback;
  }
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    std::string message = "unknown distribution '" + kind + "'";
    if (auto near = suggest(kind, kinds)) message += " (did you mean '" + *near + "'?)";
    ctx.error(kind_node, r.path_of("kind"),
              message + "; one of fixed, uniform, lognormal, zipf, discrete");
    r.accept_rest();
    return fallback;
  }
  return read_kind(r, kind, bounds).value_or(fallback);
}

}  // namespace parley::scenario::detail
