// Operating errors are values (STYLE.md habit 4). ErrorCode strings are part of the wire protocol
// (docs/protocol.md): clients switch on them, so they never change once published.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace parley {

enum class ErrorCode {
  // Frame-level: the input could not be understood.
  bad_json,             // not valid JSON text
  frame_too_large,      // over limits::frame_bytes_max
  too_deep,             // nesting over limits::json_depth_max
  not_an_object,        // top level is not a JSON object
  missing_field,        // a required field is absent
  wrong_type,           // a field has the wrong JSON type
  invalid_value,        // a field has the right type but an unacceptable value
  unknown_op,           // "op" names no operation
  unsupported_version,  // "v" is not a protocol version this server speaks
  body_too_large,       // a message body or field over its limit
  too_many_items,       // an array over its limit
  // Session-level.
  not_authenticated,    // an operation before auth
  already_authenticated,
  auth_failed,          // bad signature, unknown user, malformed token
  token_expired,
  heartbeat_timeout,
  slow_consumer,
  session_replaced,     // the same device authenticated on a newer session
  // Semantic.
  not_member,           // not a member of the conversation or group
  not_found,            // no such conversation, group or message
  group_full,           // over limits::group_members_max
  forbidden,            // a member lacks the right (only a group's owner may remove others)
  rate_limited,
  resync_required,      // history no longer reaches back to the client's position
  overloaded,           // a bounded queue is full; retry later
  internal,             // a fault on the server side (store failure, ...)
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // for humans; never parsed by clients
};

// A value or an Error; deliberately tiny (no std::expected in g++ 12 with -std=c++20).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace parley
