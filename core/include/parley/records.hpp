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
struct AppendMessage {
  StoredMessage message;
  std::vector<UserId> link_users;
  bool index = true;
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

using Op = std::variant<AppendMessage, ReadMessages, PutReceipt, GetGroup, PutGroup, SearchMessages,
                        RegistryConnect, RegistryDisconnect, RegistryLookup>;

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

using Outcome = std::variant<Appended, Page, GroupLoaded, Hits, Devices, Done, Error>;

}  // namespace store

// The completion input for an effect StoreRequest{req, op}.
struct StoreDone {
  RequestId req;
  store::Outcome outcome;
};

}  // namespace parley
