// See timeseries_csv.hpp.
#include "parley/metrics/timeseries_csv.hpp"

#include <charconv>

namespace parley::metrics {
namespace {

std::string number(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

Error bad(const std::string& message) {
  return Error{ErrorCode::invalid_value, "timeseries.csv: " + message};
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (std::size_t comma = line.find(','); ; comma = line.find(',', start)) {
    cells.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

template <class T>
bool parse_cell(std::string_view cell, T& out) {
  auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), out);
  return ec == std::errc{} && end == cell.data() + cell.size();
}

}  // namespace

std::string to_csv_line(const TimeseriesRow& r) {
  std::string line = number(r.t_s);
  for (std::uint64_t v : {r.sends, r.acks, r.deliveries, r.errors, r.connections, r.ack_p50_us,
                          r.ack_p99_us, r.delivery_p50_us, r.delivery_p99_us, r.typing,
                          r.history_reads, r.searches}) {
    line += ',' + std::to_string(v);
  }
  return line;
}

Result<TimeseriesRow> row_from_csv_line(std::string_view line) {
  const auto cells = split(line);
  if (cells.size() < 10) return bad("a row has " + std::to_string(cells.size()) + " cells, not 10");
  TimeseriesRow r;
  std::uint64_t* fields[] = {&r.sends,      &r.acks,       &r.deliveries,
                             &r.errors,     &r.connections, &r.ack_p50_us,
                             &r.ack_p99_us, &r.delivery_p50_us, &r.delivery_p99_us};
  bool ok = parse_cell(cells[0], r.t_s);
  for (std::size_t i = 0; i < 9; ++i) ok = ok && parse_cell(cells[i + 1], *fields[i]);
  std::uint64_t* optional[] = {&r.typing, &r.history_reads, &r.searches};
  for (std::size_t i = 0; i < 3 && i + 10 < cells.size(); ++i) ok = ok && parse_cell(cells[i + 10], *optional[i]);
  if (!ok) return bad("bad number in row '" + std::string(line) + "'");
  return r;
}

Result<std::vector<TimeseriesRow>> timeseries_from_csv(std::string_view text) {
  std::vector<TimeseriesRow> rows;
  std::size_t start = 0;
  bool header = true;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (header) {
      if (line.substr(0, timeseries_required_header.size()) != timeseries_required_header) {
        return bad("unexpected header '" + std::string(line) + "'");
      }
      header = false;
      continue;
    }
    auto row = row_from_csv_line(line);
    if (!row) return row.error();
    rows.push_back(row.value());
  }
  if (header) return bad("empty file (no header)");
  return rows;
}

Result<TimeseriesWriter> TimeseriesWriter::open(const std::string& path) {
  TimeseriesWriter writer(path);
  writer.out_.open(path, std::ios::binary | std::ios::trunc);
  if (!writer.out_) return Error{ErrorCode::internal, "cannot write " + path};
  writer.out_ << timeseries_header << '\n' << std::flush;
  return writer;
}

Status TimeseriesWriter::append(const TimeseriesRow& row) {
  out_ << to_csv_line(row) << '\n' << std::flush;
  if (!out_) return Error{ErrorCode::internal, "cannot write " + path_};
  return std::monostate{};
}

}  // namespace parley::metrics
