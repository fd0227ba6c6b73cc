// See results_reader.hpp.
#include "parley/metrics/results_reader.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "parley/metrics/histogram_json.hpp"
#include "parley/metrics/timeseries_csv.hpp"
#include "results_json.hpp"

namespace parley::metrics {
namespace {

namespace fs = std::filesystem;

Result<std::string> slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::not_found, "cannot read " + path.string()};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<nlohmann::json> json_file(const fs::path& path) {
  auto text = slurp(path);
  if (!text) return text.error();
  auto doc = nlohmann::json::parse(text.value(), nullptr, false);
  if (doc.is_discarded()) return Error{ErrorCode::bad_json, path.string() + ": not valid JSON"};
  return doc;
}

template <class T>
Result<T> named(Result<T> result, const fs::path& path) {
  if (result) return result;
  return Error{result.error().code, path.string() + ": " + result.error().message};
}

}  // namespace

Result<Manifest> read_manifest(const std::string& dir) {
  const auto path = fs::path(dir) / "manifest.json";
  auto doc = json_file(path);
  if (!doc) return doc.error();
  return named(detail::manifest_from_json(doc.value()), path);
}

Result<Summary> read_summary(const std::string& dir) {
  const auto path = fs::path(dir) / "summary.json";
  auto doc = json_file(path);
  if (!doc) return doc.error();
  return named(detail::summary_from_json(doc.value()), path);
}

Result<Histogram> read_histogram(const std::string& dir, const std::string& name) {
  const auto path = fs::path(dir) / "histograms" / (name + ".json");
  auto text = slurp(path);
  if (!text) return text.error();
  return named(histogram_from_json(text.value()), path);
}

Result<std::vector<TimeseriesRow>> read_timeseries(const std::string& dir) {
  const auto path = fs::path(dir) / "timeseries.csv";
  auto text = slurp(path);
  if (!text) return text.error();
  return named(timeseries_from_csv(text.value()), path);
}

Result<RunResults> read_run(const std::string& dir) {
  RunResults run;
  auto manifest = read_manifest(dir);
  if (!manifest) return manifest.error();
  run.manifest = std::move(manifest.value());
  auto summary = read_summary(dir);
  if (!summary) return summary.error();
  run.summary = std::move(summary.value());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(dir) / "histograms", ec)) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().stem().string();
    auto histogram = read_histogram(dir, name);
    if (!histogram) return histogram.error();
    run.histograms.emplace(name, std::move(histogram.value()));
  }
  auto rows = read_timeseries(dir);
  if (!rows) return rows.error();
  run.timeseries = std::move(rows.value());
  return run;
}

}  // namespace parley::metrics
