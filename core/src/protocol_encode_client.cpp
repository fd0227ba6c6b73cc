// Encoding of client frames (the load generator's and the tests' side of docs/protocol.md).
// Optional fields are omitted when they hold their default, so decode_client(encode(f)) == f.
#include "parley/overloaded.hpp"
#include "parley/protocol.hpp"
#include "protocol_detail.hpp"

namespace parley::protocol {
namespace {

using detail::JsonWriter;

void write_users(JsonWriter& w, std::string_view key, const std::vector<UserId>& users) {
  w.key(key);
  w.begin_array();
  for (const UserId u : users) w.id(u.value);
  w.end_array();
}

void write_limit(JsonWriter& w, std::uint32_t limit) {
  if (limit != 0) w.field_uint("limit", limit);
}

void write_client_frame(JsonWriter& w, const Auth& f) {
  if (f.v != version) w.field_uint("v", f.v);  // only a test would send another version
  w.field("token", f.token);
}

void write_client_frame(JsonWriter& w, const Send& f) {
  w.field_if("rid", f.rid);
  w.field("id", f.client_uuid);
  if (f.to) w.field_id("to", f.to.value);
  if (f.group) w.field_id("group", f.group.value);
  w.key("body");
  detail::write_body(w, f.body);
}

void write_client_frame(JsonWriter& w, const Delivered& f) {
  w.field_id("conv", f.conv.value);
  w.field_id("msg", f.msg.value);
}

void write_client_frame(JsonWriter& w, const Sync& f) {
  w.field_if("rid", f.rid);
  w.key("positions");
  w.begin_array();
  for (const SyncPosition& p : f.positions) {
    w.begin_object();
    w.field_id("conv", p.conv.value);
    w.field_id("after", p.after.value);
    w.end_object();
  }
  w.end_array();
  write_limit(w, f.limit);
}

void write_client_frame(JsonWriter& w, const History& f) {
  w.field_if("rid", f.rid);
  w.field_id("conv", f.conv.value);
  if (f.before) w.field_id("before", f.before.value);
  write_limit(w, f.limit);
}

void write_client_frame(JsonWriter& w, const Search& f) {
  w.field_if("rid", f.rid);
  w.field("q", f.query);
  if (f.conv) w.field_id("conv", f.conv.value);
  write_limit(w, f.limit);
}

void write_client_frame(JsonWriter& w, const Read& f) {
  w.field_id("conv", f.conv.value);
  w.field_id("up_to", f.up_to.value);
}

void write_client_frame(JsonWriter& w, const Typing& f) {
  w.field_id("conv", f.conv.value);
  w.field_bool("active", f.active);
}

void write_client_frame(JsonWriter& w, const PresenceSubscribe& f) {
  w.field_if("rid", f.rid);
  w.field_id("conv", f.conv.value);
}

void write_client_frame(JsonWriter& w, const GroupCreate& f) {
  w.field_if("rid", f.rid);
  w.field("name", f.name);
  write_users(w, "members", f.members);
}

void write_client_frame(JsonWriter& w, const GroupChange& f) {
  w.field_if("rid", f.rid);
  w.field_id("group", f.group.value);
  if (f.kind == GroupChange::Kind::add || f.kind == GroupChange::Kind::remove) {
    write_users(w, "users", f.users);
  }
}

void write_client_frame(JsonWriter& w, const PushRegister& f) { w.field("token", f.token); }

void write_client_frame(JsonWriter& w, const Mute& f) {
  w.field_id("conv", f.conv.value);
  w.field_uint("until", f.until_ms);
}

void write_client_frame(JsonWriter& w, const DoNotDisturb& f) {
  w.field_uint("start", f.start_minute);
  w.field_uint("end", f.end_minute);
  w.field_int("utc_offset", f.utc_offset_minutes);
}

void write_client_frame(JsonWriter&, const Ping&) {}

std::string_view group_op(GroupChange::Kind kind) {
  switch (kind) {
    case GroupChange::Kind::add: return "group.add";
    case GroupChange::Kind::remove: return "group.remove";
    case GroupChange::Kind::leave: return "group.leave";
    case GroupChange::Kind::info: return "group.info";
  }
  return "group.info";
}

}  // namespace

std::string encode(const ClientFrame& frame) {
  JsonWriter w;
  w.begin_object();
  w.field("op", op_name(frame));
  std::visit([&w](const auto& f) { write_client_frame(w, f); }, frame);
  w.end_object();
  return w.take();
}

std::string_view op_name(const ClientFrame& frame) {
  using Sv = std::string_view;
  return std::visit(
      Overloaded{
          [](const Auth&) { return Sv{"auth"}; },
          [](const Send&) { return Sv{"send"}; },
          [](const Delivered&) { return Sv{"delivered"}; },
          [](const Sync&) { return Sv{"sync"}; },
          [](const History&) { return Sv{"history"}; },
          [](const Search&) { return Sv{"search"}; },
          [](const Read&) { return Sv{"read"}; },
          [](const Typing&) { return Sv{"typing"}; },
          [](const PresenceSubscribe& f) {
            return f.subscribe ? Sv{"presence.subscribe"} : Sv{"presence.unsubscribe"};
          },
          [](const GroupCreate&) { return Sv{"group.create"}; },
          [](const GroupChange& f) { return group_op(f.kind); },
          [](const PushRegister&) { return Sv{"push.register"}; },
          [](const Mute&) { return Sv{"mute"}; },
          [](const DoNotDisturb&) { return Sv{"dnd"}; },
          [](const Ping&) { return Sv{"ping"}; },
      },
      frame);
}

}  // namespace parley::protocol
