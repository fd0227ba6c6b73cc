// Entry points: YAML text → tree → overrides → typed Scenario. yaml-cpp exceptions stop here
// (parse.hpp promises a Result, never a throw).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "overrides.hpp"
#include "parley/scenario/parse.hpp"
#include "sections.hpp"

namespace parley::scenario {
namespace detail {

void read_slos(MapReader& parent, Slos& out) {
  MapReader r(parent.ctx(), parent.take("slos"), parent.path_of("slos"));
  r.read("p99_delivery_ms", out.p99_delivery_ms, Range{0, 3'600'000, true});
  r.read("p99_ack_ms", out.p99_ack_ms, Range{0, 3'600'000, true});
  r.read("zero_loss", out.zero_loss);
  r.read("max_error_rate", out.max_error_rate, fraction());
}

void read_cost(MapReader& parent, Cost& out) {
  MapReader r(parent.ctx(), parent.take("cost"), parent.path_of("cost"));
  if (r.read("currency", out.currency) && out.currency.empty()) {
    r.ctx().error(r.take("currency"), r.path_of("currency"), "must not be empty");
  }
  MapReader prices(r.ctx(), r.take("per_host_hour"), r.path_of("per_host_hour"));
  prices.read("gateway", out.gateway_per_hour, at_least(0));
  prices.read("chat_node", out.chat_node_per_hour, at_least(0));
  prices.read("redis_shard", out.redis_shard_per_hour, at_least(0));
  prices.read("store_node", out.store_node_per_hour, at_least(0));
  prices.read("push", out.push_per_hour, at_least(0));
}

namespace {

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void read_header(MapReader& r, Scenario& out) {
  if (r.read("version", out.version, Range{}) && out.version != format_version) {
    r.ctx().error(r.take("version"), r.path_of("version"),
                  "unsupported format version " + std::to_string(out.version) +
                      " (this build reads version " + std::to_string(format_version) + ")");
  }
  if (r.read("name", out.name) && !valid_name(out.name)) {
    r.ctx().error(r.take("name"), r.path_of("name"),
                  "must be 1-64 characters of A-Z a-z 0-9 . _ - (got '" + out.name + "')");
  }
  r.read("description", out.description);
  r.read("seed", out.seed, Range{});
  r.read("duration_s", out.duration_s, Range{0, duration_s_max, true});
  if (r.read("ramp_s", out.ramp_s, at_least(0)) && out.ramp_s > out.duration_s) {
    r.ctx().error(r.take("ramp_s"), r.path_of("ramp_s"),
                  "must be <= duration_s (got " + format_number(out.ramp_s) + " > " +
                      format_number(out.duration_s) + ")");
  }
}

void read_scenario(Context& ctx, const YAML::Node& root, Scenario& out) {
  MapReader r(ctx, root, "");
  read_header(r, out);
  read_population(r, out.population);
  read_workload(r, out.population, out.workload);
  read_topology(r, out.topology);
  read_faults(r, out, out.faults);
  read_slos(r, out.slos);
  read_cost(r, out.cost);
}

std::string default_name(std::string_view source) {
  if (source.empty() || source.front() == '<') return "scenario";
  const std::string stem = std::filesystem::path(source).stem().string();
  return valid_name(stem) ? stem : "scenario";
}

Error invalid(std::string message) { return Error{ErrorCode::invalid_value, std::move(message)}; }

std::string mark_text(const std::string& source, const YAML::Mark& mark) {
  if (mark.is_null()) return source;
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Result<Scenario> parse_tree(std::string_view yaml, const std::string& source,
                            const Overrides& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return invalid(mark_text(source, e.mark) + ": YAML syntax error: " + e.msg);
  }
  auto origins = apply_overrides(root, overrides);
  if (!origins) return origins.error();
  Context ctx(source, std::move(origins.value()));
  Scenario scenario;
  scenario.name = default_name(source);
  read_scenario(ctx, root, scenario);
  if (ctx.failed()) return invalid(ctx.report());
  return scenario;
}

}  // namespace
}  // namespace detail

Result<Scenario> parse_string(std::string_view yaml, std::string_view source,
                              const Overrides& overrides) {
  const std::string name(source);
  if (yaml.size() > scenario_bytes_max) {
    return detail::invalid(name + ": " + std::to_string(yaml.size()) + " bytes is over the " +
                           std::to_string(scenario_bytes_max) + "-byte limit for a scenario");
  }
  try {
    return detail::parse_tree(yaml, name, overrides);
  } catch (const YAML::Exception& e) {
    return detail::invalid(detail::mark_text(name, e.mark) + ": " + e.msg);
  } catch (const std::exception& e) {
    return detail::invalid(name + ": " + e.what());
  }
}

Result<Scenario> parse_file(const std::string& path, const Overrides& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, path + ": cannot open the scenario file"};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{ErrorCode::internal, path + ": read error"};
  return parse_string(text.str(), path, overrides);
}

}  // namespace parley::scenario
