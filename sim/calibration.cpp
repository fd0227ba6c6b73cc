// Calibration: see calibration.hpp. One table maps names to fields, so the JSON file, the --cost
// flag and the report all use the same names.
#include "calibration.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace parley::sim {
namespace {

std::vector<std::pair<const char*, double Calibration::*>> fields() {
  return {{"decode_us", &Calibration::decode_us},
          {"encode_us", &Calibration::encode_us},
          {"decode_us_per_kb", &Calibration::decode_us_per_kb},
          {"encode_us_per_kb", &Calibration::encode_us_per_kb},
          {"fanout_us_per_recipient", &Calibration::fanout_us_per_recipient},
          {"chat_path_us", &Calibration::chat_path_us},
          {"gateway_frame_us", &Calibration::gateway_frame_us},
          {"heartbeat_us", &Calibration::heartbeat_us},
          {"presence_write_us", &Calibration::presence_write_us},
          {"reconnect_us", &Calibration::reconnect_us},
          {"store_write_us", &Calibration::store_write_us},
          {"store_read_us", &Calibration::store_read_us},
          {"store_writes_per_message", &Calibration::store_writes_per_message},
          {"push_policy_us", &Calibration::push_policy_us},
          {"push_us", &Calibration::push_us},
          {"push_send_share", &Calibration::push_send_share},
          {"registry_latency_ms", &Calibration::registry_latency_ms}};
}

}  // namespace

std::map<std::string, double> Calibration::as_map() const {
  std::map<std::string, double> out;
  for (const auto& [name, field] : fields()) out[name] = this->*field;
  return out;
}

metrics::Status Calibration::set(const std::string& key, double value) {
  if (value < 0) return Error{ErrorCode::invalid_value, "cost " + key + " must be >= 0"};
  for (const auto& [name, field] : fields()) {
    if (key == name) {
      this->*field = value;
      return metrics::ok_status();
    }
  }
  return Error{ErrorCode::invalid_value, "unknown cost '" + key + "'"};
}

Result<Calibration> load_calibration(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{ErrorCode::not_found, "cannot read calibration file " + path};
  std::stringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("costs_us") ||
      !json["costs_us"].is_object()) {
    return Error{ErrorCode::bad_json, path + ": expected an object with a \"costs_us\" object"};
  }
  Calibration calibration;
  for (const auto& [key, value] : json["costs_us"].items()) {
    if (!value.is_number()) return Error{ErrorCode::wrong_type, path + ": " + key + " is not a number"};
    auto status = calibration.set(key, value.get<double>());
    if (!status.ok()) return Error{status.error().code, path + ": " + status.error().message};
  }
  return calibration;
}

metrics::Status apply_cost_override(Calibration& calibration, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return Error{ErrorCode::invalid_value, "--cost wants key=value"};
  double value = 0;
  const char* begin = text.data() + eq + 1;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || stop != end || begin == end) {
    return Error{ErrorCode::invalid_value, "--cost " + text + ": not a number"};
  }
  return calibration.set(text.substr(0, eq), value);
}

}  // namespace parley::sim
