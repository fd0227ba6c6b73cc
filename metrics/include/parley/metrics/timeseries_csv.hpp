// timeseries.csv: one row per second, a fixed header, plain numbers (pandas.read_csv reads it as
// is). Readers accept extra columns after the known ones, so a tool may append its own.
#pragma once

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "parley/error.hpp"
#include "parley/metrics/status.hpp"
#include "parley/metrics/run_results.hpp"

namespace parley::metrics {

// The ten columns every reader requires; the trailing ones (typing, history_reads, searches) are
// optional on read so that older files stay readable.
inline constexpr std::string_view timeseries_required_header =
    "t_s,sends,acks,deliveries,errors,connections,ack_p50_us,ack_p99_us,delivery_p50_us,"
    "delivery_p99_us";
inline constexpr std::string_view timeseries_header =
    "t_s,sends,acks,deliveries,errors,connections,ack_p50_us,ack_p99_us,delivery_p50_us,"
    "delivery_p99_us,typing,history_reads,searches";

std::string to_csv_line(const TimeseriesRow& row);  // without the newline
Result<TimeseriesRow> row_from_csv_line(std::string_view line);
Result<std::vector<TimeseriesRow>> timeseries_from_csv(std::string_view text);

// Appends rows as the run goes, flushing each, so a crashed run keeps its time series so far.
class TimeseriesWriter {
 public:
  static Result<TimeseriesWriter> open(const std::string& path);
  Status append(const TimeseriesRow& row);

 private:
  explicit TimeseriesWriter(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::ofstream out_;
};

}  // namespace parley::metrics
