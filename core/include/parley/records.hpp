// Storage and registry described as keys and records (DESIGN.md §2): the operations a role asks of
// the store, and their results. The runtime executes them (MemoryStore in tests and small sims,
// RocksDB/Redis in the server, cost models in the simulator) and feeds a StoreDone back, so every
// runtime agrees on what one operation is. Keys: messages by (conversation, id) big-endian, so a
// key-ordered scan is history order; see docs/architecture.md, "Records".
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "parley/error.hpp"
#include "parley/ids.hpp"
#include "parley/message.hpp"

namespace parley {

struct GroupRecord {
  GroupId id;
  std::string name;
  UserId owner;
  std::vector<UserId> members;  // sorted, unique, includes the owner while a member
  TimeMs created_ms = 0;
  bool operator==(const GroupRecord&) const = default;
};

// Where a device is: gateway 0 means known but offline (push may reach it).
struct DeviceLocation {
  DeviceRef device;
  NodeId gateway;
  SessionId session;
  bool online() const { return gateway.value != 0; }
  bool operator==(const DeviceLocation&) const = default;
};

namespace store {

// Append one message; when message.client_uuid is not empty, atomically with its dedup record
// (sender, client_uuid). If that dedup record exists, nothing is written and the result is the
// stored original. link_users: users for whom this conversation joins their conversation list
// (search scope). index: false for encrypted bodies, which are never indexed.
// The conversation's fan-out mark (FanoutMark.last) moves to the message's id in the same write,
// and FanoutMark.done to fanned_out when that is larger (the owner's cursor, carried for free).
struct AppendMessage {
  StoredMessage message;
  std::vector<UserId> link_users;
  bool index = true;
  MessageId fanned_out;  // 0 = leave the cursor as it is
};
// A page of one conversation: ids in (after, before), before = 0 meaning no upper bound.
// newest_first pages backwards from before; otherwise forwards from after.
struct ReadMessages {
  ConversationId conv;
  MessageId after;
  MessageId before;
  std::uint32_t limit = 50;
  bool newest_first = false;
};
struct PutReceipt {  // keeps the maximum per (conv, user)
  ConversationId conv;
  UserId user;
  MessageId up_to;
};
struct GetGroup {
  GroupId group;
};
struct PutGroup {  // replaces the record; links/unlinks users' conversation lists
  GroupRecord group;
  std::vector<UserId> link;
  std::vector<UserId> unlink;
};
// Every query term (case-folded words) must appear; restricted to the user's conversations,
// and to conv when it is not 0. Newest first.
struct SearchMessages {
  UserId user;
  std::string query;
  ConversationId conv;
  std::uint32_t limit = 50;
};
struct RegistryConnect {  // device is online at (gateway, session); replaces an older location
  DeviceRef device;
  NodeId gateway;
  SessionId session;
};
struct RegistryDisconnect {  // only if the device is still registered at exactly this session
  DeviceRef device;
  NodeId gateway;
  SessionId session;
};
struct RegistryLookup {  // every known device of these users, online or not
  std::vector<UserId> users;
};

// Fan-out recovery (docs/architecture.md, "Fan-out after a chat node crash"): the owner's durable
// cursor of a conversation. Keeps the maximum; a cursor write may be lost (it is a hint: losing it
// only re-delivers messages the devices dedup).
struct MarkFannedOut {
  ConversationId conv;
  MessageId up_to;
};
// Conversations whose newest appended message is past their fan-out cursor (FanoutMark.last >
// done), in conversation id order after `after`, at most limit (0 = page_size_default).
struct ListFanoutBacklog {
  ConversationId after;
  std::uint32_t limit = 0;
};

using Op = std::variant<AppendMessage, ReadMessages, PutReceipt, GetGroup, PutGroup, SearchMessages,
                        RegistryConnect, RegistryDisconnect, RegistryLookup, MarkFannedOut,
                        ListFanoutBacklog>;

struct FanoutMark {
  ConversationId conv;
  MessageId last;  // newest message appended
  MessageId done;  // every message up to here was fanned out and settled
  bool operator==(const FanoutMark&) const = default;
};

struct Appended {
  StoredMessage stored;   // the new message, or the original when duplicate
  bool duplicate = false;
};
struct Page {
  std::vector<StoredMessage> messages;  // in the order asked for
  bool more = false;                    // the range holds more than limit
  MessageId floor;                      // oldest id still retained in the conversation (0 = all)
};
struct GroupLoaded {
  std::optional<GroupRecord> group;
};
struct Hits {
  std::vector<StoredMessage> hits;
};
struct Devices {
  std::vector<DeviceLocation> devices;
};
struct Done {};
struct Backlog {
  std::vector<FanoutMark> marks;  // conversation id order
  bool more = false;              // more conversations follow the last one
  MessageId newest;               // the largest `last` of every mark examined, behind or not
};

using Outcome = std::variant<Appended, Page, GroupLoaded, Hits, Devices, Done, Backlog, Error>;

}  // namespace store

// The completion input for an effect StoreRequest{req, op}.
struct StoreDone {
  RequestId req;
  store::Outcome outcome;
};

}  // namespace parley
