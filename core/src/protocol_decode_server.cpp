// decode_server: server text → typed ServerFrame, for parley-load and tests. Less strict than
// decode_client (no frame size limit: a history page may exceed it; ids may be 0 where the
// server writes 0), but it shares the depth pre-scan and the typed readers, so it never throws.
#include <cstdint>

#include "body_fields.hpp"
#include "json_fields.hpp"
#include "parley/protocol.hpp"

namespace parley::protocol {
namespace {

using detail::Fields;
using detail::Json;
using detail::Need;

constexpr detail::IdRule id_rule{true};  // any 64-bit value, 0 included
constexpr std::size_t unbounded = SIZE_MAX;

std::uint64_t id(Fields& f, std::string_view name) { return f.id(name, Need::required, id_rule); }
std::uint64_t number(Fields& f, std::string_view name) {
  return f.unsigned_integer(name, Need::required, UINT64_MAX);
}
std::string rid(Fields& f) { return f.string("rid", Need::optional, unbounded, true); }

StoredMessage read_message(Fields& f) {
  StoredMessage m;
  m.conv = ConversationId{id(f, "conv")};
  m.id = MessageId{id(f, "msg")};
  m.sender = UserId{id(f, "from")};
  m.sender_device = DeviceId{id(f, "device")};
  m.time_ms = number(f, "time");
  m.client_uuid = f.string("id", Need::optional, unbounded, true);
  if (const Json* body = f.object("body", Need::required)) {
    m.body = detail::read_body(f, *body, "body", detail::BodySource::server);
  }
  return m;
}

std::vector<StoredMessage> read_messages(Fields& f, std::string_view name) {
  std::vector<StoredMessage> out;
  const Json* array = f.array(name, Need::required, unbounded);
  for (std::size_t i = 0; array != nullptr && i < array->size() && f.ok(); ++i) {
    const std::string label = std::string(name) + "[" + std::to_string(i) + "]";
    if (!(*array)[i].is_object()) {
      f.fail(ErrorCode::wrong_type, "field '" + label + "' must be an object");
      break;
    }
    Fields item = f.nested((*array)[i], label);
    out.push_back(read_message(item));
  }
  return out;
}

std::vector<UserId> read_users(Fields& f, std::string_view name) {
  std::vector<UserId> out;
  const Json* array = f.array(name, Need::required, unbounded);
  for (std::size_t i = 0; array != nullptr && i < array->size() && f.ok(); ++i) {
    const std::string label = std::string(name) + "[" + std::to_string(i) + "]";
    out.emplace_back(f.id_value((*array)[i], label, id_rule));
  }
  return out;
}

// Unknown codes (a newer server) read as internal rather than failing the whole frame.
ErrorCode error_code_of(std::string_view name) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) {
    if (to_string(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
  }
  return ErrorCode::internal;
}

ServerFrame decode_auth_ok(Fields& f) {
  return AuthOk{UserId{id(f, "user")}, DeviceId{id(f, "device")}, SessionId{id(f, "session")},
                number(f, "heartbeat_ms"), number(f, "time")};
}

ServerFrame decode_ack(Fields& f) {
  Ack a;
  a.rid = rid(f);
  a.client_uuid = f.string("id", Need::required, unbounded, true);
  a.conv = ConversationId{id(f, "conv")};
  a.msg = MessageId{id(f, "msg")};
  a.time_ms = number(f, "time");
  a.duplicate = f.boolean("dup", Need::required, false);
  return a;
}

ServerFrame decode_deliver(Fields& f) { return Deliver{read_message(f)}; }

ServerFrame decode_sync_done(Fields& f) {
  SyncDone s;
  s.rid = rid(f);
  s.conv = ConversationId{id(f, "conv")};
  s.through = MessageId{id(f, "through")};
  s.more = f.boolean("more", Need::required, false);
  s.resync_required = f.boolean("resync", Need::optional, false);
  s.floor = MessageId{f.id("floor", Need::optional, id_rule)};
  return s;
}

ServerFrame decode_history_page(Fields& f) {
  HistoryPage h;
  h.rid = rid(f);
  h.conv = ConversationId{id(f, "conv")};
  h.messages = read_messages(f, "messages");
  h.more = f.boolean("more", Need::required, false);
  return h;
}

ServerFrame decode_search_result(Fields& f) {
  SearchResult s;
  s.rid = rid(f);
  s.hits = read_messages(f, "hits");
  return s;
}

ServerFrame decode_receipt(Fields& f) {
  const ConversationId c{id(f, "conv")};
  const UserId u{id(f, "user")};
  return Receipt{c, u, MessageId{id(f, "up_to")}};
}

ServerFrame decode_typing_update(Fields& f) {
  const ConversationId c{id(f, "conv")};
  const UserId u{id(f, "user")};
  return TypingUpdate{c, u, f.boolean("active", Need::required, false)};
}

ServerFrame decode_presence_update(Fields& f) {
  const UserId u{id(f, "user")};
  const bool online = f.boolean("online", Need::required, false);
  return PresenceUpdate{u, online, number(f, "last_seen")};
}

ServerFrame decode_group_info(Fields& f) {
  GroupInfo g;
  g.rid = rid(f);
  g.group = GroupId{id(f, "group")};
  g.conv = ConversationId{id(f, "conv")};
  g.name = f.string("name", Need::required, unbounded, true);
  g.owner = UserId{id(f, "owner")};
  g.members = read_users(f, "members");
  return g;
}

ServerFrame decode_pong(Fields& f) { return Pong{number(f, "time")}; }

ServerFrame decode_error(Fields& f) {
  ErrorFrame e;
  e.rid = rid(f);
  e.code = error_code_of(f.string("code", Need::required, unbounded, true));
  e.message = f.string("message", Need::optional, unbounded, true);
  return e;
}

using Decoder = ServerFrame (*)(Fields&);
struct OpEntry {
  std::string_view op;
  Decoder decode;
};

constexpr OpEntry server_ops[] = {
    {"msg", decode_deliver},           {"ack", decode_ack},
    {"receipt", decode_receipt},       {"typing", decode_typing_update},
    {"presence", decode_presence_update}, {"pong", decode_pong},
    {"sync.done", decode_sync_done},   {"history.page", decode_history_page},
    {"search.result", decode_search_result}, {"group", decode_group_info},
    {"auth.ok", decode_auth_ok},       {"error", decode_error},
};

Result<ServerFrame> decode_object(const Json& json) {
  std::optional<Error> error;
  Fields f(json, error);
  const std::string op = f.string("op", Need::required, unbounded, true);
  if (!f.ok()) return *error;
  for (const OpEntry& e : server_ops) {
    if (e.op != op) continue;
    ServerFrame frame = e.decode(f);
    if (!f.ok()) return *error;
    return frame;
  }
  return Error{ErrorCode::unknown_op, "unknown server op"};
}

}  // namespace

Result<ServerFrame> decode_server(std::string_view text) {
  try {
    Result<Json> json = detail::parse_frame(text, SIZE_MAX);
    if (!json.ok()) return json.error();
    return decode_object(json.value());
  } catch (const std::exception&) {
    return Error{ErrorCode::bad_json, "frame could not be decoded"};
  }
}

}  // namespace parley::protocol
