// See results_json.hpp. The shapes here are the ones results/schema/*.schema.json describe;
// change both together (the pytest in tests/python validates a written run against the schemas).
#include "results_json.hpp"

namespace parley::metrics::detail {
namespace {

using ojson = nlohmann::ordered_json;

ojson latency_to_json(const LatencySummary& l) {
  return {{"count", l.count},     {"min", l.min_us},     {"mean", l.mean_us},
          {"p50", l.p50_us},      {"p90", l.p90_us},     {"p99", l.p99_us},
          {"p99_9", l.p999_us},   {"p99_99", l.p9999_us}, {"max", l.max_us}};
}

LatencySummary latency_from_json(const nlohmann::json& j) {
  return {j.at("count").get<std::uint64_t>(), j.at("min").get<std::uint64_t>(),
          j.at("mean").get<double>(),        j.at("p50").get<std::uint64_t>(),
          j.at("p90").get<std::uint64_t>(),  j.at("p99").get<std::uint64_t>(),
          j.at("p99_9").get<std::uint64_t>(), j.at("p99_99").get<std::uint64_t>(),
          j.at("max").get<std::uint64_t>()};
}

Error bad(const char* file, const std::string& message) {
  return Error{ErrorCode::invalid_value, std::string(file) + ": " + message};
}

}  // namespace

ojson manifest_to_json(const Manifest& m) {
  return {{"format", "parley-run"},
          {"format_version", results_format_version},
          {"tool", m.tool},
          {"tool_version", m.tool_version},
          {"scenario", {{"name", m.scenario_name}, {"yaml", m.scenario_yaml}}},
          {"seed", m.seed},
          {"overrides", m.overrides},
          {"command_line", m.command_line},
          {"git_revision", m.git_revision},
          {"host", m.host},
          {"started_at", m.started_at},
          {"shard", {{"index", m.shard_index}, {"count", m.shard_count}}},
          {"merged_from", m.merged_from}};
}

Result<Manifest> manifest_from_json(const nlohmann::json& j) {
  try {
    if (j.value("format", "") != "parley-run") return bad("manifest.json", "format is not parley-run");
    if (j.at("format_version").get<int>() != results_format_version) {
      return bad("manifest.json", "unsupported format_version");
    }
    Manifest m;
    m.tool = j.at("tool").get<std::string>();
    m.tool_version = j.at("tool_version").get<std::string>();
    m.scenario_name = j.at("scenario").at("name").get<std::string>();
    m.scenario_yaml = j.at("scenario").at("yaml").get<std::string>();
    m.seed = j.at("seed").get<std::uint64_t>();
    m.overrides = j.at("overrides").get<std::vector<std::string>>();
    m.command_line = j.at("command_line").get<std::vector<std::string>>();
    m.git_revision = j.at("git_revision").get<std::string>();
    m.host = j.at("host").get<std::string>();
    m.started_at = j.at("started_at").get<std::string>();
    m.shard_index = j.at("shard").at("index").get<std::uint32_t>();
    m.shard_count = j.at("shard").at("count").get<std::uint32_t>();
    m.merged_from = j.at("merged_from").get<std::vector<std::string>>();
    return m;
  } catch (const nlohmann::json::exception& e) {
    return bad("manifest.json", e.what());
  }
}

ojson summary_to_json(const Summary& s) {
  const Counts& c = s.counts;
  ojson latency = ojson::object();
  for (const auto& [name, summary] : s.latency) latency[name] = latency_to_json(summary);
  ojson slos = ojson::array();
  for (const auto& v : s.slos) {
    slos.push_back({{"name", v.name}, {"target", v.target}, {"observed", v.observed},
                    {"pass", v.pass}});
  }
  // Sorted keys (nlohmann::json), so a read-back extra_json is canonical; the writer has already
  // rejected text that is not a JSON object.
  auto extra = nlohmann::json::parse(s.extra_json, nullptr, false);
  if (extra.is_discarded() || !extra.is_object()) extra = nlohmann::json::object();
  return {{"format", "parley-summary"},
          {"format_version", results_format_version},
          {"pass", s.pass},
          {"duration_s", s.duration_s},
          {"counts",
           {{"sent", c.sent}, {"acked", c.acked}, {"delivered", c.delivered},
            {"duplicated", c.duplicated}, {"reordered", c.reordered}, {"missing", c.missing},
            {"errors", c.errors}}},
          {"latency_us", std::move(latency)},
          {"slos", std::move(slos)},
          {"extra", std::move(extra)}};
}

Result<Summary> summary_from_json(const nlohmann::json& j) {
  try {
    if (j.value("format", "") != "parley-summary") {
      return bad("summary.json", "format is not parley-summary");
    }
    if (j.at("format_version").get<int>() != results_format_version) {
      return bad("summary.json", "unsupported format_version");
    }
    Summary s;
    s.pass = j.at("pass").get<bool>();
    s.duration_s = j.at("duration_s").get<double>();
    const auto& c = j.at("counts");
    s.counts = {c.at("sent").get<std::uint64_t>(),       c.at("acked").get<std::uint64_t>(),
                c.at("delivered").get<std::uint64_t>(),  c.at("duplicated").get<std::uint64_t>(),
                c.at("reordered").get<std::uint64_t>(),  c.at("missing").get<std::uint64_t>(),
                c.at("errors").get<std::uint64_t>()};
    for (const auto& [name, l] : j.at("latency_us").items()) s.latency[name] = latency_from_json(l);
    for (const auto& v : j.at("slos")) {
      s.slos.push_back({v.at("name").get<std::string>(), v.at("target").get<double>(),
                        v.at("observed").get<double>(), v.at("pass").get<bool>()});
    }
    s.extra_json = j.at("extra").dump();
    return s;
  } catch (const nlohmann::json::exception& e) {
    return bad("summary.json", e.what());
  }
}

}  // namespace parley::metrics::detail
