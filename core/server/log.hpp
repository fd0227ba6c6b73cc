// Structured logs of the server: one line per event on stderr, "ts=… level=… event=… key=value…".
// Thread-safe (each line is built first and written with one call); lines under the configured
// level cost one atomic load and no formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::server {

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };

bool parse_log_level(std::string_view text, LogLevel& level);
std::string_view to_string(LogLevel level);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

// Built by log(); written when it goes out of scope, i.e. at the end of the statement:
//   log(LogLevel::info, "listening").kv("addr", address).kv("port", port);
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view event);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& kv(std::string_view key, std::string_view value);
  LogLine& kv(std::string_view key, const std::string& value) { return kv(key, std::string_view(value)); }
  LogLine& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  LogLine& kv(std::string_view key, std::uint64_t value);
  LogLine& kv(std::string_view key, std::int64_t value);
  LogLine& kv(std::string_view key, unsigned value) { return kv(key, std::uint64_t{value}); }
  LogLine& kv(std::string_view key, int value) { return kv(key, std::int64_t{value}); }
  LogLine& kv(std::string_view key, double value);
  LogLine& kv(std::string_view key, bool value) { return kv(key, std::string_view(value ? "true" : "false")); }

 private:
  bool on_;
  std::string line_;
};

inline LogLine log(LogLevel level, std::string_view event) { return LogLine(level, event); }

}  // namespace parley::server
