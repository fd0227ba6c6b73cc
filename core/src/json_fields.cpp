// Frame-level checks and typed field extraction for the protocol decoders (json_fields.hpp).
// Error messages always name the field, e.g. "field 'conv' must be a decimal id string".
#include "json_fields.hpp"

#include "parley/limits.hpp"

namespace parley::protocol::detail {
namespace {

constexpr std::size_t id_digits_max = 20;  // UINT64_MAX has 20 decimal digits

std::string quoted(const std::string& label) { return "field '" + label + "'"; }

// Digits only, no sign, at most 20 of them, and the value fits in 64 bits.
std::optional<std::uint64_t> parse_decimal(const std::string& s) {
  if (s.empty() || s.size() > id_digits_max) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace

bool nesting_exceeds(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character can be neither a quote nor a bracket
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // unbalanced closers are the parser's problem (bad_json)
    }
  }
  return false;
}

Result<Json> parse_frame(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    return Error{ErrorCode::frame_too_large,
                 "frame of " + std::to_string(text.size()) + " bytes is over the limit of " +
                     std::to_string(max_bytes)};
  }
  if (nesting_exceeds(text, limits::json_depth_max)) {
    return Error{ErrorCode::too_deep,
                 "frame nests deeper than " + std::to_string(limits::json_depth_max) + " levels"};
  }
  // allow_exceptions = false: syntax errors and ill-formed UTF-8 in strings yield a discarded
  // value instead of an exception.
  Json json = Json::parse(text.begin(), text.end(), nullptr, false);
  if (json.is_discarded()) return Error{ErrorCode::bad_json, "frame is not valid JSON (UTF-8) text"};
  if (!json.is_object()) return Error{ErrorCode::not_an_object, "frame must be a JSON object"};
  return json;
}

void Fields::fail(ErrorCode code, std::string message) {
  if (ok()) *error_ = Error{code, std::move(message)};
}

std::string Fields::label(std::string_view name) const {
  std::string full = prefix_;
  if (!full.empty()) full += '.';
  full += name;
  return full;
}

const Json* Fields::member(std::string_view name, Need need) {
  if (!ok()) return nullptr;
  const auto it = obj_.find(name);
  if (it != obj_.end()) return &*it;
  if (need == Need::required) fail(ErrorCode::missing_field, quoted(label(name)) + " is required");
  return nullptr;
}

std::string Fields::string(std::string_view name, Need need, std::size_t max_bytes, bool empty_ok) {
  const Json* v = member(name, need);
  if (v == nullptr) return {};
  const std::string* s = v->get_ptr<const std::string*>();
  if (s == nullptr) {
    fail(ErrorCode::wrong_type, quoted(label(name)) + " must be a string");
    return {};
  }
  if (s->size() > max_bytes) {
    fail(ErrorCode::body_too_large,
         quoted(label(name)) + " is over the limit of " + std::to_string(max_bytes) + " bytes");
    return {};
  }
  if (s->empty() && !empty_ok) {
    fail(ErrorCode::invalid_value, quoted(label(name)) + " must not be empty");
    return {};
  }
  return *s;
}

std::uint64_t Fields::id(std::string_view name, Need need, IdRule rule) {
  const Json* v = member(name, need);
  return v == nullptr ? 0 : id_value(*v, label(name), rule);
}

std::uint64_t Fields::id_value(const Json& v, const std::string& label, IdRule rule) {
  if (!ok()) return 0;
  std::optional<std::uint64_t> value;
  if (const auto* s = v.get_ptr<const std::string*>()) {
    value = parse_decimal(*s);
  } else if (v.is_number_unsigned()) {
    value = v.get<std::uint64_t>();
  } else if (!v.is_number_integer()) {  // negative integers fall through as invalid values
    fail(ErrorCode::wrong_type, quoted(label) + " must be a decimal id string");
    return 0;
  }
  if (!value || (*value == 0 && !rule.zero_ok) || *value > rule.max) {
    fail(ErrorCode::invalid_value,
         quoted(label) + " must be a decimal id string in [" + (rule.zero_ok ? "0" : "1") + ", " +
             std::to_string(rule.max) + "]");
    return 0;
  }
  return *value;
}

std::int64_t Fields::integer(std::string_view name, Need need, std::int64_t min, std::int64_t max) {
  const Json* v = member(name, need);
  if (v == nullptr) return 0;
  if (!v->is_number_integer()) {  // true for unsigned too; false for floats
    fail(ErrorCode::wrong_type, quoted(label(name)) + " must be an integer");
    return 0;
  }
  const bool fits = v->is_number_unsigned()
                        ? max >= 0 && v->get<std::uint64_t>() <= static_cast<std::uint64_t>(max)
                        : v->get<std::int64_t>() >= min && v->get<std::int64_t>() <= max;
  if (!fits) {
    fail(ErrorCode::invalid_value, quoted(label(name)) + " must be in [" + std::to_string(min) +
                                       ", " + std::to_string(max) + "]");
    return 0;
  }
  return v->get<std::int64_t>();
}

std::uint64_t Fields::unsigned_integer(std::string_view name, Need need, std::uint64_t max) {
  const Json* v = member(name, need);
  if (v == nullptr) return 0;
  if (!v->is_number_integer()) {
    fail(ErrorCode::wrong_type, quoted(label(name)) + " must be an integer");
    return 0;
  }
  if (!v->is_number_unsigned() || v->get<std::uint64_t>() > max) {
    fail(ErrorCode::invalid_value,
         quoted(label(name)) + " must be in [0, " + std::to_string(max) + "]");
    return 0;
  }
  return v->get<std::uint64_t>();
}

bool Fields::boolean(std::string_view name, Need need, bool fallback) {
  const Json* v = member(name, need);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) {
    fail(ErrorCode::wrong_type, quoted(label(name)) + " must be true or false");
    return fallback;
  }
  return v->get<bool>();
}

const Json* Fields::array(std::string_view name, Need need, std::size_t max_items) {
  const Json* v = member(name, need);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    fail(ErrorCode::wrong_type, quoted(label(name)) + " must be an array");
    return nullptr;
  }
  if (v->size() > max_items) {
    fail(ErrorCode::too_many_items,
         quoted(label(name)) + " has more than " + std::to_string(max_items) + " items");
    return nullptr;
  }
  return v;
}

const Json* Fields::object(std::string_view name, Need need) {
  const Json* v = member(name, need);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    fail(ErrorCode::wrong_type, quoted(label(name)) + " must be an object");
    return nullptr;
  }
  return v;
}

}  // namespace parley::protocol::detail
