// workload.profile: constant, diurnal (24 hourly values reshaped to a peak factor) or piecewise
// (t_s, multiplier) points. `profile: diurnal` alone is shorthand for the default day.
#include <algorithm>

#include "parley/scenario/profile.hpp"
#include "sections.hpp"

namespace parley::scenario::detail {
namespace {

const std::vector<std::string> kinds = {"constant", "diurnal", "piecewise"};

std::vector<double> read_hourly(MapReader& r) {
  const YAML::Node node = r.take("hourly");
  const auto fallback = default_hourly();
  std::vector<double> hourly(fallback.begin(), fallback.end());
  const std::string path = r.path_of("hourly");
  if (!node.IsDefined() || !expect_sequence(r.ctx(), node, path)) return hourly;
  if (node.size() != 24) {
    r.ctx().error(node, path, "needs 24 values, one per hour (got " +
                                  std::to_string(node.size()) + ")");
    return hourly;
  }
  std::vector<double> values;
  for (std::size_t h = 0; h < 24; ++h) {
    auto value = read_double(r.ctx(), node[h], index_path(path, h), at_least(0));
    if (!value) return hourly;
    values.push_back(*value);
  }
  if (*std::max_element(values.begin(), values.end()) <= 0) {
    r.ctx().error(node, path, "needs at least one hour with a rate > 0");
    return hourly;
  }
  return values;
}

void read_diurnal(MapReader& r, RateProfile& out) {
  out.hourly = read_hourly(r);
  out.peak_factor = natural_peak_factor(out.hourly);
  if (const YAML::Node node = r.take("peak_factor"); node.IsDefined()) {
    const Range reachable = between(peak_factor_min(out.hourly), peak_factor_max(out.hourly));
    auto value = read_double(r.ctx(), node, r.path_of("peak_factor"), at_least(1));
    if (value && reachable.violation(*value)) {
      r.ctx().error(node, r.path_of("peak_factor"),
                    "for this hourly curve the peak factor " + *reachable.violation(*value));
    } else if (value) {
      out.peak_factor = *value;
    }
  }
  r.read("start_hour", out.start_hour, Range{0, 24, false, true});
}

void read_points(MapReader& r, RateProfile& out) {
  const YAML::Node node = r.take("points");
  const std::string path = r.path_of("points");
  if (!node.IsDefined()) {
    r.ctx().error(r.node(), path, "missing (a list of {t_s, multiplier} points)");
    return;
  }
  if (!expect_sequence(r.ctx(), node, path)) return;
  if (node.size() == 0 || node.size() > profile_points_max) {
    r.ctx().error(node, path, "needs 1 to " + std::to_string(profile_points_max) +
                                  " points (got " + std::to_string(node.size()) + ")");
    return;
  }
  double peak = 0;
  for (std::size_t i = 0; i < node.size(); ++i) {
    MapReader p(r.ctx(), node[i], index_path(path, i));
    ProfilePoint point;
    const bool has_t = p.read("t_s", point.t_s, at_least(0));
    p.read("multiplier", point.multiplier, at_least(0));
    if (has_t && !out.points.empty() && point.t_s <= out.points.back().t_s) {
      r.ctx().error(p.take("t_s"), p.path_of("t_s"),
                    "must increase from point to point (got " + format_number(point.t_s) +
                        " after " + format_number(out.points.back().t_s) + ")");
    }
    peak = std::max(peak, point.multiplier);
    out.points.push_back(point);
  }
  if (peak <= 0) r.ctx().error(node, path, "needs at least one multiplier > 0");
}

}  // namespace

void read_profile(MapReader& parent, RateProfile& out) {
  const YAML::Node node = parent.take("profile");
  const std::string path = parent.path_of("profile");
  std::string kind = "constant";
  MapReader r(parent.ctx(), node.IsDefined() && node.IsScalar() ? YAML::Node() : node, path);
  if (node.IsDefined() && node.IsScalar()) {
    kind = node.Scalar();  // `profile: diurnal`
  } else if (!r.read("kind", kind) && r.has("kind")) {
    r.accept_rest();
    return;
  }
  const YAML::Node kind_node = node.IsDefined() && node.IsScalar() ? node : r.take("kind");
  out = RateProfile{};
  if (kind == "constant") {
    out.kind = ProfileKind::constant;
  } else if (kind == "diurnal") {
    out.kind = ProfileKind::diurnal;
    read_diurnal(r, out);
  } else if (kind == "piecewise") {
    out.kind = ProfileKind::piecewise;
    read_points(r, out);
  } else {
    std::string message = "unknown profile '" + kind + "'";
    if (auto near = suggest(kind, kinds)) message += " (did you mean '" + *near + "'?)";
    parent.ctx().error(kind_node, join_path(path, "kind"),
                       message + "; one of constant, diurnal, piecewise");
    r.accept_rest();
  }
}

}  // namespace parley::scenario::detail
