// Structured logging (log.hpp): logfmt-style lines with an ISO-8601 UTC timestamp. Values that
// contain spaces, quotes or '=' are quoted and escaped so every line stays machine-readable.
#include "log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace parley::server {
namespace {

std::atomic<LogLevel> threshold{LogLevel::info};

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel& level) {
  for (LogLevel l : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == to_string(l)) {
      level = l;
      return true;
    }
  }
  return false;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

void set_log_level(LogLevel level) { threshold.store(level, std::memory_order_relaxed); }

bool log_enabled(LogLevel level) { return level >= threshold.load(std::memory_order_relaxed); }

LogLine::LogLine(LogLevel level, std::string_view event) : on_(log_enabled(level)) {
  if (!on_) return;
  line_.reserve(128);
  line_.append("ts=").append(timestamp());
  line_.append(" level=").append(to_string(level));
  line_.append(" event=");
  append_value(line_, event);
}

LogLine::~LogLine() {
  if (!on_) return;
  line_.push_back('\n');
  std::fwrite(line_.data(), 1, line_.size(), stderr);  // one call: lines never interleave
}

LogLine& LogLine::kv(std::string_view key, std::string_view value) {
  if (!on_) return *this;
  line_.push_back(' ');
  line_.append(key).push_back('=');
  append_value(line_, value);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, std::uint64_t value) {
  return on_ ? kv(key, std::string_view(std::to_string(value))) : *this;
}

LogLine& LogLine::kv(std::string_view key, std::int64_t value) {
  return on_ ? kv(key, std::string_view(std::to_string(value))) : *this;
}

LogLine& LogLine::kv(std::string_view key, double value) {
  if (!on_) return *this;
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return kv(key, std::string_view(text));
}

}  // namespace parley::server
