// Typed, checked extraction of fields from parsed JSON (private to the protocol codec).
// A Fields reader records the FIRST failure (an Error naming the field) and then turns every
// later read into a cheap no-op returning a default, so a decoder reads all its fields in a
// straight line and checks ok() once. Nothing here throws on hostile input.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "parley/error.hpp"

namespace parley::protocol::detail {

using Json = nlohmann::json;

// Frame-level checks, in this order: size over max_bytes → frame_too_large; nesting over
// limits::json_depth_max → too_deep (linear pre-scan, so the parser never meets a depth bomb);
// not JSON or not UTF-8 → bad_json; top level not an object → not_an_object.
Result<Json> parse_frame(std::string_view text, std::size_t max_bytes);

// True when the text nests arrays/objects deeper than max_depth (strings and escapes respected).
bool nesting_exceeds(std::string_view text, std::size_t max_depth);

enum class Need : std::uint8_t { required, optional };

// Which values an id field accepts: zero_ok for positions where 0 means "none"/"start".
struct IdRule {
  bool zero_ok = false;
  std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
};

class Fields {
 public:
  Fields(const Json& object, std::optional<Error>& error, std::string prefix = {})
      : obj_(object), error_(&error), prefix_(std::move(prefix)) {}

  bool ok() const { return !error_->has_value(); }
  void fail(ErrorCode code, std::string message);
  // The full name of a member, with the path of enclosing objects ("body.text").
  std::string label(std::string_view name) const;

  // A string of at most max_bytes (else body_too_large); empty → invalid_value unless empty_ok.
  std::string string(std::string_view name, Need need, std::size_t max_bytes, bool empty_ok);
  // A 64-bit id: decimal string (digits only, ≤ 20 of them) or non-negative JSON integer.
  std::uint64_t id(std::string_view name, Need need, IdRule rule);
  std::uint64_t id_value(const Json& value, const std::string& label, IdRule rule);
  // A JSON integer in [min, max]; floats, strings and the rest → wrong_type.
  std::int64_t integer(std::string_view name, Need need, std::int64_t min, std::int64_t max);
  std::uint64_t unsigned_integer(std::string_view name, Need need, std::uint64_t max);
  bool boolean(std::string_view name, Need need, bool fallback);
  // An array of at most max_items (else too_many_items); nullptr when absent or failed.
  const Json* array(std::string_view name, Need need, std::size_t max_items);
  const Json* object(std::string_view name, Need need);
  // A reader of a nested object that shares this reader's error slot.
  Fields nested(const Json& object, std::string label) const { return {object, *error_, std::move(label)}; }
  // The raw member, or nullptr when absent (missing_field if required) or after a failure.
  const Json* member(std::string_view name, Need need);

 private:

  const Json& obj_;
  std::optional<Error>* error_;
  std::string prefix_;
};

}  // namespace parley::protocol::detail
