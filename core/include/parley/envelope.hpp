// Envelopes: the messages between roles, and the effects every role emits (DESIGN.md §2).
// A Route effect names a destination role and shard key; the runtime carries the envelope there
// by a function call, a thread queue, Redis or a SimGrid mailbox, and calls the role's step().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "parley/error.hpp"
#include "parley/ids.hpp"
#include "parley/message.hpp"
#include "parley/protocol.hpp"
#include "parley/records.hpp"

namespace parley {

// One encoded frame, shared by every recipient of a fan-out (encode once, send many).
using FramePtr = std::shared_ptr<const std::string>;

struct SessionRef {
  NodeId gateway;
  SessionId session;
  bool operator==(const SessionRef&) const = default;
};

namespace env {

// ---- to ChatService; shard key: the conversation id (SearchQuery: the user id) -----------------
struct Submit {
  SessionRef origin;
  DeviceRef sender;
  std::string rid;
  std::string client_uuid;
  ConversationId conv;
  Body body;
};
struct DeliveryAck {
  DeviceRef device;
  ConversationId conv;
  MessageId msg;
};
struct ReadMark {
  DeviceRef device;
  ConversationId conv;
  MessageId up_to;
};
struct TypingNotice {
  DeviceRef device;
  ConversationId conv;
  bool active = true;
};
struct HistoryQuery {
  SessionRef origin;
  DeviceRef device;
  std::string rid;
  ConversationId conv;
  MessageId before;
  std::uint32_t limit = 0;
};
struct SyncQuery {
  SessionRef origin;
  DeviceRef device;
  std::string rid;
  ConversationId conv;
  MessageId after;
  std::uint32_t limit = 0;
};
struct SearchQuery {
  SessionRef origin;
  DeviceRef device;
  std::string rid;
  std::string query;
  ConversationId conv;
  std::uint32_t limit = 0;
};
struct PresenceInterest {  // checks membership, answers the gateway with WatchList
  SessionRef origin;
  DeviceRef device;
  std::string rid;
  ConversationId conv;
  bool subscribe = true;
};
struct GroupCommand {
  enum class Kind : std::uint8_t { create, add, remove, leave, info };
  SessionRef origin;
  DeviceRef actor;
  std::string rid;
  Kind kind = Kind::info;
  GroupId group;  // for create: allocated by the gateway
  std::string name;
  std::vector<UserId> users;
};

// ---- to Gateway; shard key: the gateway node id ----------------------------------------------
struct ToSession {  // a reply (ack, page, error, group info...) to one session
  SessionRef to;
  FramePtr frame;
};
struct DeliverToDevice {  // a message for one device, tracked until its delivery ack
  NodeId gateway;
  DeviceRef device;
  ConversationId conv;
  MessageId msg;
  FramePtr frame;
};
struct NotifyDevices {  // ephemeral events (typing, receipts): not tracked, never redelivered
  NodeId gateway;
  std::vector<DeviceRef> devices;
  FramePtr frame;
};
struct NotifySessions {  // presence updates to the sessions that watch a user
  NodeId gateway;
  std::vector<SessionId> sessions;
  FramePtr frame;
};
struct WatchList {  // the members whose presence a session asked to (un)watch
  SessionRef to;
  std::string rid;
  ConversationId conv;
  std::vector<UserId> users;
  bool subscribe = true;
};

// ---- to Presence; shard key: the user id -------------------------------------------------------
struct DeviceOnline {  // on authentication and on every heartbeat (refreshes the TTL)
  DeviceRef device;
  SessionRef at;
};
struct DeviceOffline {
  DeviceRef device;
  SessionRef at;
};
struct Watch {
  SessionRef watcher;
  UserId user;
  bool subscribe = true;
};

// ---- to Push; shard key: the user id ---------------------------------------------------------
struct PushCandidate {  // a message for a device that is not connected
  DeviceRef device;
  ConversationId conv;
  MessageId msg;
  UserId sender;
  Body::Kind kind = Body::Kind::text;
  std::string preview;  // empty for encrypted bodies
  TimeMs time_ms = 0;
};
struct PushTokenSet {  // empty token = remove
  DeviceRef device;
  std::string token;
};
struct PushTokenGone {  // the push provider answered "gone" (HTTP 410) for this token
  DeviceRef device;
  std::string token;
};
struct MuteSet {
  UserId user;
  ConversationId conv;
  TimeMs until_ms = 0;
};
struct DndSet {
  UserId user;
  protocol::DoNotDisturb settings;
};
struct ReadUpTo {  // the user read a conversation: collapsed notifications for it are cleared
  UserId user;
  ConversationId conv;
};

}  // namespace env

using Envelope =
    std::variant<env::Submit, env::DeliveryAck, env::ReadMark, env::TypingNotice, env::HistoryQuery,
                 env::SyncQuery, env::SearchQuery, env::PresenceInterest, env::GroupCommand,
                 env::ToSession, env::DeliverToDevice, env::NotifyDevices, env::NotifySessions,
                 env::WatchList, env::DeviceOnline, env::DeviceOffline, env::Watch,
                 env::PushCandidate, env::PushTokenSet, env::PushTokenGone, env::MuteSet,
                 env::DndSet, env::ReadUpTo>;

enum class Role : std::uint8_t { gateway, chat, presence, push };

struct Destination {
  Role role = Role::chat;
  std::uint64_t key = 0;  // shard key: node id (gateway), conversation or user id (others)
  bool operator==(const Destination&) const = default;
};

// The role an envelope is addressed to, and its shard key: one place decides routing.
Destination destination_of(const Envelope& envelope);

// ---- effects -----------------------------------------------------------------------------------

struct Route {
  Envelope envelope;  // destination_of(envelope) says where
};
struct SendFrame {  // gateway → its transport
  SessionId session;
  FramePtr frame;
};
struct CloseSession {  // gateway → its transport; an error frame was already sent
  SessionId session;
  ErrorCode reason = ErrorCode::internal;
  std::string message;
};
struct TokenClaims {
  UserId user;
  DeviceId device;
  TimeMs expires_ms = 0;
};
struct VerifyToken {  // the runtime checks the signature; the gateway checks the claims
  RequestId req;
  SessionId session;
  std::string token;
};
struct StoreRequest {
  RequestId req;
  store::Op op;
};
struct PushNotify {  // push policy → the runtime's push sender (webhook, APNs/FCM stand-in)
  DeviceRef device;
  std::string token;
  ConversationId conv;
  std::string collapse_key;  // one visible notification per conversation
  std::string title;
  std::string body;
  std::uint32_t count = 1;   // messages this notification stands for
};

using Effect = std::variant<Route, SendFrame, CloseSession, VerifyToken, StoreRequest, PushNotify>;

// Completion of VerifyToken.
struct TokenVerified {
  RequestId req;
  Result<TokenClaims> claims;
};

}  // namespace parley
