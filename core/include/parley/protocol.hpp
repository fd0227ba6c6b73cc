// The wire protocol: JSON text frames over WebSocket (docs/protocol.md is the reference).
// Client frames are decoded into typed structs; decoding never trusts input and never throws:
// every failure is an Error with a stable code. Server frames are encoded from typed structs.
// The reverse pair (encode client, decode server) serves the load generator and tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/error.hpp"
#include "parley/ids.hpp"
#include "parley/message.hpp"

namespace parley::protocol {

inline constexpr std::uint32_t version = 1;  // frames may carry "v"; absent means 1

// ---- client → server -------------------------------------------------------------------------

struct Auth {
  std::string token;               // see docs/protocol.md, tokens
  std::uint32_t v = version;
  bool operator==(const Auth&) const = default;
};
struct Send {
  std::string rid;                 // optional request ref, echoed in ack/error
  std::string client_uuid;         // dedup key, unique per sender
  UserId to;                       // exactly one of to / group is set
  GroupId group;
  Body body;
  bool operator==(const Send&) const = default;
};
struct Delivered {                 // delivery ack for exactly this message (never cumulative)
  ConversationId conv;
  MessageId msg;
  bool operator==(const Delivered&) const = default;
};
struct SyncPosition {
  ConversationId conv;
  MessageId after;                 // last id the device holds; 0 = from the start of history
  bool operator==(const SyncPosition&) const = default;
};
struct Sync {
  std::string rid;
  std::vector<SyncPosition> positions;
  std::uint32_t limit = 0;         // per conversation; 0 = server default
  bool operator==(const Sync&) const = default;
};
struct History {
  std::string rid;
  ConversationId conv;
  MessageId before;                // page of messages with id < before; 0 = newest
  std::uint32_t limit = 0;
  bool operator==(const History&) const = default;
};
struct Search {
  std::string rid;
  std::string query;
  ConversationId conv;             // 0 = all of the user's conversations
  std::uint32_t limit = 0;
  bool operator==(const Search&) const = default;
};
struct Read {                      // read receipt: everything up to and including up_to
  ConversationId conv;
  MessageId up_to;
  bool operator==(const Read&) const = default;
};
struct Typing {
  ConversationId conv;
  bool active = true;
  bool operator==(const Typing&) const = default;
};
struct PresenceSubscribe {
  std::string rid;
  ConversationId conv;
  bool subscribe = true;           // false = unsubscribe
  bool operator==(const PresenceSubscribe&) const = default;
};
struct GroupCreate {
  std::string rid;
  std::string name;
  std::vector<UserId> members;     // besides the creator
  bool operator==(const GroupCreate&) const = default;
};
struct GroupChange {               // add / remove / leave / info
  enum class Kind : std::uint8_t { add, remove, leave, info };
  std::string rid;
  Kind kind = Kind::info;
  GroupId group;
  std::vector<UserId> users;       // add / remove only
  bool operator==(const GroupChange&) const = default;
};
struct PushRegister {              // the device's push token; empty token = unregister
  std::string token;
  bool operator==(const PushRegister&) const = default;
};
struct Mute {
  ConversationId conv;
  TimeMs until_ms = 0;             // 0 = unmute; UINT64_MAX = forever
  bool operator==(const Mute&) const = default;
};
struct DoNotDisturb {              // daily quiet hours in the user's local time
  std::uint32_t start_minute = 0;  // 0..1439
  std::uint32_t end_minute = 0;    // 0..1439; equal to start = off
  std::int32_t utc_offset_minutes = 0;  // -840..840
  bool operator==(const DoNotDisturb&) const = default;
};
struct Ping {
  bool operator==(const Ping&) const = default;
};

using ClientFrame = std::variant<Auth, Send, Delivered, Sync, History, Search, Read, Typing,
                                 PresenceSubscribe, GroupCreate, GroupChange, PushRegister, Mute,
                                 DoNotDisturb, Ping>;

// ---- server → client -------------------------------------------------------------------------

struct AuthOk {
  UserId user;
  DeviceId device;
  SessionId session;
  std::uint64_t heartbeat_ms = 0;
  TimeMs server_time_ms = 0;
  bool operator==(const AuthOk&) const = default;
};
struct Ack {                        // the message is durable; duplicate = it was already stored
  std::string rid;
  std::string client_uuid;
  ConversationId conv;
  MessageId msg;
  TimeMs time_ms = 0;
  bool duplicate = false;
  bool operator==(const Ack&) const = default;
};
struct Deliver {                    // op "msg": one message for this device
  StoredMessage message;
  bool operator==(const Deliver&) const = default;
};
struct SyncDone {                   // end of the replay of one conversation
  std::string rid;
  ConversationId conv;
  MessageId through;                // last id replayed (or the position if none)
  bool more = false;                // more messages after through: sync again from there
  bool resync_required = false;     // history no longer reaches back to the position
  MessageId floor;                  // oldest retained id when resync_required
  bool operator==(const SyncDone&) const = default;
};
struct HistoryPage {
  std::string rid;
  ConversationId conv;
  std::vector<StoredMessage> messages;  // newest first
  bool more = false;
  bool operator==(const HistoryPage&) const = default;
};
struct SearchResult {
  std::string rid;
  std::vector<StoredMessage> hits;      // newest first
  bool operator==(const SearchResult&) const = default;
};
struct Receipt {
  ConversationId conv;
  UserId user;
  MessageId up_to;
  bool operator==(const Receipt&) const = default;
};
struct TypingUpdate {
  ConversationId conv;
  UserId user;
  bool active = true;
  bool operator==(const TypingUpdate&) const = default;
};
struct PresenceUpdate {
  UserId user;
  bool online = false;
  TimeMs last_seen_ms = 0;              // 0 = never seen
  bool operator==(const PresenceUpdate&) const = default;
};
struct GroupInfo {
  std::string rid;
  GroupId group;
  ConversationId conv;
  std::string name;
  UserId owner;
  std::vector<UserId> members;          // sorted
  bool operator==(const GroupInfo&) const = default;
};
struct Pong {
  TimeMs server_time_ms = 0;
  bool operator==(const Pong&) const = default;
};
struct ErrorFrame {
  std::string rid;
  ErrorCode code = ErrorCode::internal;
  std::string message;
  bool operator==(const ErrorFrame&) const = default;
};

using ServerFrame = std::variant<AuthOk, Ack, Deliver, SyncDone, HistoryPage, SearchResult, Receipt,
                                 TypingUpdate, PresenceUpdate, GroupInfo, Pong, ErrorFrame>;

// ---- codec -------------------------------------------------------------------------------------

// Decodes one client frame. On failure, *rid (when given) receives the frame's "rid" if it could
// be read, so the error can be correlated. Never throws.
Result<ClientFrame> decode_client(std::string_view text, std::string* rid = nullptr);
std::string encode(const ServerFrame& frame);

// The other direction, for clients (parley-load, tests).
std::string encode(const ClientFrame& frame);
Result<ServerFrame> decode_server(std::string_view text);

// The "op" string of a frame, as on the wire.
std::string_view op_name(const ClientFrame& frame);
std::string_view op_name(const ServerFrame& frame);

}  // namespace parley::protocol
