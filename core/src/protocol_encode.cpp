// Encoding of server frames (docs/protocol.md, "Server frames") and the op names of both
// directions. Called once per fan-out, so it writes JSON text directly (json_writer.hpp).
// Optional fields are omitted when empty/zero; decode_server reads them back to the same value.
#include "protocol_detail.hpp"
#include "parley/overloaded.hpp"
#include "parley/protocol.hpp"

namespace parley::protocol {
namespace {

using detail::JsonWriter;

std::string_view body_type(Body::Kind kind) {
  switch (kind) {
    case Body::Kind::text: return "text";
    case Body::Kind::encrypted: return "encrypted";
    case Body::Kind::media: return "media";
    case Body::Kind::system: return "system";
  }
  return "text";
}

void write_members(JsonWriter& w, const std::vector<UserId>& users) {
  w.begin_array();
  for (const UserId u : users) w.id(u.value);
  w.end_array();
}

void write_server_frame(JsonWriter& w, const AuthOk& f) {
  w.field_id("user", f.user.value);
  w.field_id("device", f.device.value);
  w.field_id("session", f.session.value);
  w.field_uint("heartbeat_ms", f.heartbeat_ms);
  w.field_uint("time", f.server_time_ms);
}

void write_server_frame(JsonWriter& w, const Ack& f) {
  w.field_if("rid", f.rid);
  w.field("id", f.client_uuid);
  w.field_id("conv", f.conv.value);
  w.field_id("msg", f.msg.value);
  w.field_uint("time", f.time_ms);
  w.field_bool("dup", f.duplicate);
}

void write_server_frame(JsonWriter& w, const Deliver& f) { detail::write_message_fields(w, f.message); }

void write_server_frame(JsonWriter& w, const SyncDone& f) {
  w.field_if("rid", f.rid);
  w.field_id("conv", f.conv.value);
  w.field_id("through", f.through.value);
  w.field_bool("more", f.more);
  if (f.resync_required) w.field_bool("resync", true);
  if (f.floor) w.field_id("floor", f.floor.value);
}

void write_messages(JsonWriter& w, const std::vector<StoredMessage>& messages) {
  w.begin_array();
  for (const StoredMessage& m : messages) {
    w.begin_object();
    detail::write_message_fields(w, m);
    w.end_object();
  }
  w.end_array();
}

void write_server_frame(JsonWriter& w, const HistoryPage& f) {
  w.field_if("rid", f.rid);
  w.field_id("conv", f.conv.value);
  w.key("messages");
  write_messages(w, f.messages);
  w.field_bool("more", f.more);
}

void write_server_frame(JsonWriter& w, const SearchResult& f) {
  w.field_if("rid", f.rid);
  w.key("hits");
  write_messages(w, f.hits);
}

void write_server_frame(JsonWriter& w, const Receipt& f) {
  w.field_id("conv", f.conv.value);
  w.field_id("user", f.user.value);
  w.field_id("up_to", f.up_to.value);
}

void write_server_frame(JsonWriter& w, const TypingUpdate& f) {
  w.field_id("conv", f.conv.value);
  w.field_id("user", f.user.value);
  w.field_bool("active", f.active);
}

void write_server_frame(JsonWriter& w, const PresenceUpdate& f) {
  w.field_id("user", f.user.value);
  w.field_bool("online", f.online);
  w.field_uint("last_seen", f.last_seen_ms);
}

void write_server_frame(JsonWriter& w, const GroupInfo& f) {
  w.field_if("rid", f.rid);
  w.field_id("group", f.group.value);
  w.field_id("conv", f.conv.value);
  w.field("name", f.name);
  w.field_id("owner", f.owner.value);
  w.key("members");
  write_members(w, f.members);
}

void write_server_frame(JsonWriter& w, const Pong& f) { w.field_uint("time", f.server_time_ms); }

void write_server_frame(JsonWriter& w, const ErrorFrame& f) {
  w.field_if("rid", f.rid);
  w.field("code", to_string(f.code));
  w.field("message", f.message);
}

}  // namespace

namespace detail {

void write_body(JsonWriter& w, const Body& b) {
  w.begin_object();
  w.field("type", body_type(b.kind));
  switch (b.kind) {
    case Body::Kind::text:
    case Body::Kind::system: w.field("text", b.text); break;
    case Body::Kind::encrypted: w.field("data", b.data); break;
    case Body::Kind::media:
      w.field("url", b.url);
      w.field("mime", b.mime);
      w.field_uint("size", b.size_bytes);
      w.field_if("caption", b.text);
      break;
  }
  w.end_object();
}

void write_message_fields(JsonWriter& w, const StoredMessage& m) {
  w.field_id("conv", m.conv.value);
  w.field_id("msg", m.id.value);
  w.field_id("from", m.sender.value);
  w.field_id("device", m.sender_device.value);
  w.field_uint("time", m.time_ms);
  w.field_if("id", m.client_uuid);
  w.key("body");
  write_body(w, m.body);
}

}  // namespace detail

std::string encode(const ServerFrame& frame) {
  JsonWriter w;
  w.begin_object();
  w.field("op", op_name(frame));
  std::visit([&w](const auto& f) { write_server_frame(w, f); }, frame);
  w.end_object();
  return w.take();
}

std::string_view op_name(const ServerFrame& frame) {
  using Sv = std::string_view;
  return std::visit(Overloaded{
                        [](const AuthOk&) { return Sv{"auth.ok"}; },
                        [](const Ack&) { return Sv{"ack"}; },
                        [](const Deliver&) { return Sv{"msg"}; },
                        [](const SyncDone&) { return Sv{"sync.done"}; },
                        [](const HistoryPage&) { return Sv{"history.page"}; },
                        [](const SearchResult&) { return Sv{"search.result"}; },
                        [](const Receipt&) { return Sv{"receipt"}; },
                        [](const TypingUpdate&) { return Sv{"typing"}; },
                        [](const PresenceUpdate&) { return Sv{"presence"}; },
                        [](const GroupInfo&) { return Sv{"group"}; },
                        [](const Pong&) { return Sv{"pong"}; },
                        [](const ErrorFrame&) { return Sv{"error"}; },
                    },
                    frame);
}

}  // namespace parley::protocol
