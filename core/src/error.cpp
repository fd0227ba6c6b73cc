// Stable wire names of error codes (docs/protocol.md, "Error codes").
#include "parley/error.hpp"

namespace parley {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_json: return "bad_json";
    case ErrorCode::frame_too_large: return "frame_too_large";
    case ErrorCode::too_deep: return "too_deep";
    case ErrorCode::not_an_object: return "not_an_object";
    case ErrorCode::missing_field: return "missing_field";
    case ErrorCode::wrong_type: return "wrong_type";
    case ErrorCode::invalid_value: return "invalid_value";
    case ErrorCode::unknown_op: return "unknown_op";
    case ErrorCode::unsupported_version: return "unsupported_version";
    case ErrorCode::body_too_large: return "body_too_large";
    case ErrorCode::too_many_items: return "too_many_items";
    case ErrorCode::not_authenticated: return "not_authenticated";
    case ErrorCode::already_authenticated: return "already_authenticated";
    case ErrorCode::auth_failed: return "auth_failed";
    case ErrorCode::token_expired: return "token_expired";
    case ErrorCode::heartbeat_timeout: return "heartbeat_timeout";
    case ErrorCode::slow_consumer: return "slow_consumer";
    case ErrorCode::session_replaced: return "session_replaced";
    case ErrorCode::not_member: return "not_member";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::group_full: return "group_full";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::resync_required: return "resync_required";
    case ErrorCode::overloaded: return "overloaded";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

}  // namespace parley
