// decode_client: untrusted text → typed ClientFrame (docs/protocol.md, "Client frames").
// Order of checks: frame size, nesting depth, JSON/UTF-8, object, "rid", "v", "op", then the
// op's own fields. Unknown members are ignored for forward compatibility. Never throws.
#include <cstdint>

#include "body_fields.hpp"
#include "json_fields.hpp"
#include "parley/limits.hpp"
#include "parley/protocol.hpp"

namespace parley::protocol {
namespace {

using detail::Fields;
using detail::Json;
using detail::Need;

constexpr detail::IdRule any_id{};                                   // conv, msg: non-zero
constexpr detail::IdRule position_id{true};                          // 0 = none / the start
constexpr detail::IdRule user_id{false, limits::user_id_max};
constexpr detail::IdRule group_id{false, (1ULL << 63) - 1};          // see conversation.hpp

ConversationId conv(Fields& f) { return ConversationId{f.id("conv", Need::required, any_id)}; }

std::uint32_t page_limit(Fields& f) {
  return static_cast<std::uint32_t>(f.unsigned_integer("limit", Need::optional, limits::page_size_max));
}

std::vector<UserId> users(Fields& f, std::string_view name, bool empty_ok) {
  std::vector<UserId> out;
  const Json* array = f.array(name, Need::required, limits::users_per_request_max);
  if (array == nullptr) return out;
  if (array->empty() && !empty_ok) {
    f.fail(ErrorCode::invalid_value, "field '" + f.label(name) + "' must not be empty");
    return out;
  }
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size() && f.ok(); ++i) {
    const std::string label = f.label(name) + "[" + std::to_string(i) + "]";
    out.emplace_back(f.id_value((*array)[i], label, user_id));
  }
  return out;
}

ClientFrame decode_auth(Fields& f, std::string) {
  return Auth{f.string("token", Need::required, limits::token_bytes_max, false), version};
}

ClientFrame decode_send(Fields& f, std::string rid) {
  Send s;
  s.rid = std::move(rid);
  s.client_uuid = f.string("id", Need::required, limits::client_uuid_bytes_max, false);
  s.to = UserId{f.id("to", Need::optional, user_id)};
  s.group = GroupId{f.id("group", Need::optional, group_id)};
  if (const Json* body = f.object("body", Need::required)) {
    s.body = detail::read_body(f, *body, "body", detail::BodySource::client);
  }
  if (f.ok() && static_cast<bool>(s.to) == static_cast<bool>(s.group)) {
    f.fail(ErrorCode::invalid_value, "exactly one of fields 'to' and 'group' is required");
  }
  return s;
}

ClientFrame decode_delivered(Fields& f, std::string) {
  const ConversationId c = conv(f);
  return Delivered{c, MessageId{f.id("msg", Need::required, any_id)}};
}

ClientFrame decode_sync(Fields& f, std::string rid) {
  Sync s;
  s.rid = std::move(rid);
  const Json* positions = f.array("positions", Need::required, limits::sync_positions_max);
  if (positions != nullptr && positions->empty()) {
    f.fail(ErrorCode::invalid_value, "field 'positions' must not be empty");
  }
  for (std::size_t i = 0; positions != nullptr && i < positions->size() && f.ok(); ++i) {
    const std::string label = "positions[" + std::to_string(i) + "]";
    const Json& item = (*positions)[i];
    if (!item.is_object()) {
      f.fail(ErrorCode::wrong_type, "field '" + label + "' must be an object");
      break;
    }
    Fields p = f.nested(item, label);
    const ConversationId c = conv(p);
    s.positions.push_back({c, MessageId{p.id("after", Need::required, position_id)}});
  }
  s.limit = page_limit(f);
  return s;
}

ClientFrame decode_history(Fields& f, std::string rid) {
  History h;
  h.rid = std::move(rid);
  h.conv = conv(f);
  h.before = MessageId{f.id("before", Need::optional, position_id)};
  h.limit = page_limit(f);
  return h;
}

ClientFrame decode_search(Fields& f, std::string rid) {
  Search s;
  s.rid = std::move(rid);
  s.query = f.string("q", Need::required, limits::search_query_bytes_max, false);
  s.conv = ConversationId{f.id("conv", Need::optional, position_id)};
  s.limit = page_limit(f);
  return s;
}

ClientFrame decode_read(Fields& f, std::string) {
  const ConversationId c = conv(f);
  return Read{c, MessageId{f.id("up_to", Need::required, any_id)}};
}

ClientFrame decode_typing(Fields& f, std::string) {
  const ConversationId c = conv(f);
  return Typing{c, f.boolean("active", Need::optional, true)};
}

template <bool Subscribe>
ClientFrame decode_presence(Fields& f, std::string rid) {
  const ConversationId c = conv(f);
  return PresenceSubscribe{std::move(rid), c, Subscribe};
}

ClientFrame decode_group_create(Fields& f, std::string rid) {
  GroupCreate g;
  g.rid = std::move(rid);
  g.name = f.string("name", Need::required, limits::group_name_bytes_max, false);
  g.members = users(f, "members", true);
  return g;
}

template <GroupChange::Kind K>
ClientFrame decode_group_change(Fields& f, std::string rid) {
  GroupChange g;
  g.rid = std::move(rid);
  g.kind = K;
  g.group = GroupId{f.id("group", Need::required, group_id)};
  if constexpr (K == GroupChange::Kind::add || K == GroupChange::Kind::remove) {
    g.users = users(f, "users", false);
  }
  return g;
}

ClientFrame decode_push_register(Fields& f, std::string) {
  return PushRegister{f.string("token", Need::required, limits::token_bytes_max, true)};
}

ClientFrame decode_mute(Fields& f, std::string) {
  const ConversationId c = conv(f);
  // An id-like number: "forever" is UINT64_MAX, which JavaScript can only send as a string.
  return Mute{c, f.id("until", Need::required, position_id)};
}

ClientFrame decode_dnd(Fields& f, std::string) {
  constexpr std::int64_t minute_max = 24 * 60 - 1;
  constexpr std::int64_t offset_max = 14 * 60;  // UTC+14 (Kiribati) .. UTC-14
  DoNotDisturb d;
  d.start_minute = static_cast<std::uint32_t>(f.integer("start", Need::required, 0, minute_max));
  d.end_minute = static_cast<std::uint32_t>(f.integer("end", Need::required, 0, minute_max));
  d.utc_offset_minutes =
      static_cast<std::int32_t>(f.integer("utc_offset", Need::required, -offset_max, offset_max));
  return d;
}

ClientFrame decode_ping(Fields&, std::string) { return Ping{}; }

using Decoder = ClientFrame (*)(Fields&, std::string);
struct OpEntry {
  std::string_view op;
  Decoder decode;
};

// Most frequent first: the table is searched linearly.
constexpr OpEntry client_ops[] = {
    {"send", decode_send},
    {"delivered", decode_delivered},
    {"ping", decode_ping},
    {"typing", decode_typing},
    {"read", decode_read},
    {"sync", decode_sync},
    {"history", decode_history},
    {"auth", decode_auth},
    {"search", decode_search},
    {"presence.subscribe", decode_presence<true>},
    {"presence.unsubscribe", decode_presence<false>},
    {"group.create", decode_group_create},
    {"group.add", decode_group_change<GroupChange::Kind::add>},
    {"group.remove", decode_group_change<GroupChange::Kind::remove>},
    {"group.leave", decode_group_change<GroupChange::Kind::leave>},
    {"group.info", decode_group_change<GroupChange::Kind::info>},
    {"push.register", decode_push_register},
    {"mute", decode_mute},
    {"dnd", decode_dnd},
};

Decoder find_decoder(std::string_view op) {
  for (const OpEntry& e : client_ops) {
    if (e.op == op) return e.decode;
  }
  return nullptr;
}

// "v" is optional; any value other than the integer 1 is refused.
void check_version(Fields& f) {
  const Json* v = f.member("v", Need::optional);
  if (v == nullptr || !f.ok()) return;
  if (!v->is_number_integer()) {
    f.fail(ErrorCode::wrong_type, "field 'v' must be an integer");
  } else if (!v->is_number_unsigned() || v->get<std::uint64_t>() != version) {
    f.fail(ErrorCode::unsupported_version, "protocol version " + v->dump() + " is not supported");
  }
}

Result<ClientFrame> decode_object(const Json& json, std::string* rid_out) {
  std::optional<Error> error;
  Fields f(json, error);
  std::string rid = f.string("rid", Need::optional, limits::request_ref_bytes_max, true);
  if (!f.ok()) return *error;
  if (rid_out != nullptr) *rid_out = rid;
  check_version(f);
  const std::string op = f.string("op", Need::required, SIZE_MAX, true);
  if (!f.ok()) return *error;
  const Decoder decode = find_decoder(op);
  if (decode == nullptr) {
    // Echo short names only: a long one could be cut inside a UTF-8 sequence.
    const std::string shown = op.size() <= 32 ? " '" + op + "'" : "";
    return Error{ErrorCode::unknown_op, "unknown op" + shown};
  }
  ClientFrame frame = decode(f, std::move(rid));
  if (!f.ok()) return *error;
  return frame;
}

}  // namespace

Result<ClientFrame> decode_client(std::string_view text, std::string* rid) {
  try {
    Result<Json> json = detail::parse_frame(text, limits::frame_bytes_max);
    if (!json.ok()) return json.error();
    return decode_object(json.value(), rid);
  } catch (const std::exception&) {
    // Last line of defence: the checks above leave nothing that should throw.
    return Error{ErrorCode::bad_json, "frame could not be decoded"};
  }
}

}  // namespace parley::protocol
