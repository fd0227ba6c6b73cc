// A minimal JSON writer that appends straight into one std::string (private to the codec).
// Encoding sits on the fan-out hot path, so it builds no tree: one buffer, escapes done inline.
// Strings pass through as UTF-8; only '"', '\\' and control bytes < 0x20 are escaped.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::protocol::detail {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve_bytes = 160) { out_.reserve(reserve_bytes); }

  // Containers. After key() the next value belongs to that key; otherwise a comma separates it
  // from the previous sibling.
  void begin_object() { value_prefix(); out_ += '{'; first_ = true; }
  void end_object() { out_ += '}'; first_ = false; }
  void begin_array() { value_prefix(); out_ += '['; first_ = true; }
  void end_array() { out_ += ']'; first_ = false; }

  void key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;  // keys are our own ASCII literals: no escaping needed
    out_ += "\":";
    after_key_ = true;
  }

  void string(std::string_view s) { value_prefix(); append_escaped(s); }
  void uint(std::uint64_t v) { value_prefix(); append_number(v); }
  void sint(std::int64_t v) { value_prefix(); append_number(v); }
  void boolean(bool b) { value_prefix(); out_ += b ? "true" : "false"; }
  // 64-bit ids travel as decimal strings: JavaScript numbers lose precision above 2^53.
  void id(std::uint64_t v) {
    value_prefix();
    out_ += '"';
    append_number(v);
    out_ += '"';
  }

  // Shorthands for "key":value members.
  void field(std::string_view k, std::string_view s) { key(k); string(s); }
  void field_uint(std::string_view k, std::uint64_t v) { key(k); uint(v); }
  void field_int(std::string_view k, std::int64_t v) { key(k); sint(v); }
  void field_bool(std::string_view k, bool b) { key(k); boolean(b); }
  void field_id(std::string_view k, std::uint64_t v) { key(k); id(v); }
  void field_if(std::string_view k, std::string_view s) { if (!s.empty()) field(k, s); }

  std::string take() { return std::move(out_); }

 private:
  void value_prefix() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_) out_ += ',';
    first_ = false;
  }

  template <class T>
  void append_number(T v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;  // 24 chars always hold a 64-bit integer
    out_.append(buf, end);
  }

  void append_escaped(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out_ += '"';
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else {
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out_.append(esc, sizeof esc);
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace parley::protocol::detail
