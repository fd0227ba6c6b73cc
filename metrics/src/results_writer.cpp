// See results_writer.hpp.
#include "parley/metrics/results_writer.hpp"

#include <filesystem>
#include <fstream>

#include "parley/metrics/histogram_json.hpp"
#include "parley/metrics/timeseries_csv.hpp"
#include "results_json.hpp"

namespace parley::metrics {
namespace {

namespace fs = std::filesystem;

Status write_file(const fs::path& path, const std::string& content) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return Error{ErrorCode::internal, "cannot write " + temporary.string()};
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) return Error{ErrorCode::internal, "cannot rename to " + path.string() + ": " + ec.message()};
  return ok_status();
}

bool valid_histogram_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

}  // namespace

Status create_run_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "histograms", ec);
  if (ec) return Error{ErrorCode::internal, "cannot create " + dir + ": " + ec.message()};
  return ok_status();
}

Status write_manifest(const std::string& dir, const Manifest& manifest) {
  return write_file(fs::path(dir) / "manifest.json", detail::manifest_to_json(manifest).dump(2) + "\n");
}

Status write_summary(const std::string& dir, const Summary& summary) {
  const auto extra = nlohmann::json::parse(summary.extra_json, nullptr, false);
  if (extra.is_discarded() || !extra.is_object()) {
    return Error{ErrorCode::invalid_value, "summary extra_json is not a JSON object"};
  }
  return write_file(fs::path(dir) / "summary.json", detail::summary_to_json(summary).dump(2) + "\n");
}

Status write_histogram(const std::string& dir, const std::string& name, const Histogram& histogram) {
  if (!valid_histogram_name(name)) {
    return Error{ErrorCode::invalid_value, "histogram name '" + name + "' is not [a-z0-9_-]+"};
  }
  return write_file(fs::path(dir) / "histograms" / (name + ".json"), to_json(histogram));
}

Status write_timeseries(const std::string& dir, const std::vector<TimeseriesRow>& rows) {
  std::string text(timeseries_header);
  text += '\n';
  for (const auto& row : rows) text += to_csv_line(row) + '\n';
  return write_file(fs::path(dir) / "timeseries.csv", text);
}

Status write_run(const std::string& dir, const RunResults& results) {
  if (auto s = create_run_dir(dir); !s) return s;
  if (auto s = write_manifest(dir, results.manifest); !s) return s;
  if (auto s = write_summary(dir, results.summary); !s) return s;
  for (const auto& [name, histogram] : results.histograms) {
    if (auto s = write_histogram(dir, name, histogram); !s) return s;
  }
  return write_timeseries(dir, results.timeseries);
}

}  // namespace parley::metrics
