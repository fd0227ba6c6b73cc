// Private state of ChatService, shared by its translation units (one concept per file):
//   chat_service.cpp      the input switch, the completion switch, effect helpers
//   chat_dedup.cpp        the bounded (sender, client UUID) cache
//   chat_conversation.cpp conversation cache (LRU), group loading, input queues, membership
//   chat_submit.cpp       dedup, id assignment, the append pipeline released in id order
//   chat_fanout.cpp       ordered fan-out per conversation, pushes, new-member backfill
//   chat_delivery.cpp     redelivery tracking (deadline-ordered) and delivery acks
//   chat_recovery.cpp     the durable fan-out cursor and the re-fan-out after a restart
//   chat_notify.cpp       read receipts and typing (ephemeral, never redelivered)
//   chat_queries.cpp      history, sync, search, presence interest
//   chat_groups.cpp       group commands applied in order with messages
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "chat_dedup.hpp"
#include "parley/chat_service.hpp"
#include "parley/groups.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace chat {

// Where an answer goes: the requesting session and its request ref.
struct Origin {
  SessionRef to;
  std::string rid;
};

// A message being appended. Released (acked, fanned out) only when it and every earlier pending
// append of its conversation have completed: acks and fan-out leave in id order.
struct PendingAppend {
  enum class Status : std::uint8_t { in_flight, appended, duplicate, failed };
  StoredMessage message;
  std::optional<Origin> origin;    // none for system messages
  std::vector<Origin> retries;     // dedup hits that arrived while the append was in flight
  std::vector<UserId> recipients;  // sorted: members at submit time (+ users a change removed)
  Status status = Status::in_flight;
  StoredMessage stored;            // the store's answer (the original when duplicate)
};

// One fan-out step of a conversation. Steps are emitted strictly in sequence once both their
// messages and their recipients' device locations are known, so devices see conversation order.
struct FanOut {
  std::vector<StoredMessage> messages;  // one live message, or a backfill page (oldest first)
  std::vector<UserId> recipients;       // sorted
  DeviceRef sender_device;              // never delivered to; user 0 = nobody excluded
  bool backfill = false;                // online devices only; offline ones sync on reconnect
  bool recovery = false;                // re-fan-out after a restart: each message skips its sender
  bool messages_ready = true;
  bool devices_ready = false;
  std::vector<DeviceLocation> devices;
};

struct Conversation {
  bool is_group = false;
  bool loading = false;   // GetGroup in flight
  bool group_op = false;  // a membership change is between its PutGroup and completion
  bool barrier = false;   // a membership command waits for the pending appends to drain
  std::optional<GroupRecord> group;  // groups only; nullopt once loaded = no such group
  std::vector<UserId> members;       // sorted
  std::map<MessageId, PendingAppend> appends;
  std::map<std::uint64_t, FanOut> fanouts;
  std::uint64_t next_fanout = 0;
  std::deque<Envelope> waiting;  // inputs held while blocked, in arrival order
  std::list<ConversationId>::iterator lru;

  // Fan-out cursor (chat_recovery.cpp): live messages emitted since the last cursor written, and
  // the cursor asked for (mark_sent) and made durable (mark_written). Evicting an idle entry
  // forgets `unmarked`: the durable cursor then lags, which costs repeats after a restart only.
  std::set<MessageId> unmarked;
  MessageId mark_sent;
  MessageId mark_written;
  // Recovery after a restart: held until the backlog scan is read, then (if in the backlog)
  // re-fanning out every message after recover_after.
  bool recovering = false;
  bool recovery_started = false;
  bool recovery_reading = false;  // a page read is in flight
  MessageId recover_after;
  // Groups: each reader's newest read mark as this instance saw it, so a receipt reaches only the
  // authors of what it newly covers. Bounded by group_members_max; forgotten on eviction (a later
  // read then scans back from its own mark and may repeat a receipt to an author already told).
  std::map<UserId, MessageId> read_marks;

  bool blocked() const { return loading || group_op || barrier || recovering; }
  bool idle() const {
    return !blocked() && appends.empty() && fanouts.empty() && waiting.empty();
  }
};

struct DeliveryKey {
  DeviceRef device;
  ConversationId conv;
  MessageId msg;
  auto operator<=>(const DeliveryKey&) const = default;
};
using DueMap = std::multimap<TimeMs, DeliveryKey>;
struct Tracked {
  FramePtr frame;  // the same bytes are redelivered
  std::uint32_t redeliveries = 0;
  std::optional<DueMap::iterator> due;  // nullopt while its location is being re-resolved
  TimeMs offline_since_ms = 0;          // first redelivery that found the device offline; 0: online
};

// What to do when a StoreDone arrives, by the request it answers.
namespace then {
struct LoadGroup { ConversationId conv; };
struct Append { ConversationId conv; MessageId msg; MessageId mark; };
struct FanOutDevices { ConversationId conv; std::uint64_t seq; };
struct BackfillPage { ConversationId conv; std::uint64_t seq; };
struct Redeliver { std::vector<DeliveryKey> keys; };
// after: a group reader's previous mark as this instance saw it (0 = unknown); members: who may
// hear the receipt (a direct conversation's two users; a group's members at the read).
struct ReceiptStored {
  DeviceRef reader;
  ConversationId conv;
  MessageId up_to;
  MessageId after;
  bool group = false;
  std::vector<UserId> members;
};
struct ReceiptAuthors { DeviceRef reader; ConversationId conv; MessageId up_to; std::vector<UserId> members; };
struct ReceiptDevices { DeviceRef reader; ConversationId conv; MessageId up_to; };
struct TypingDevices { DeviceRef typist; ConversationId conv; bool active; };
struct History { Origin origin; ConversationId conv; };
struct Sync { Origin origin; ConversationId conv; MessageId after; };
struct Search { Origin origin; };
struct SearchGroupCheck { env::SearchQuery query; };
struct GroupWrite { ConversationId conv; Origin origin; env::GroupCommand::Kind kind; groups::Change change; };
struct ScanBacklog { ConversationId after; };
struct RecoveryPage { ConversationId conv; };
struct MarkWritten { ConversationId conv; MessageId up_to; };
}  // namespace then
using Then = std::variant<then::LoadGroup, then::Append, then::FanOutDevices, then::BackfillPage,
                          then::Redeliver, then::ReceiptStored, then::ReceiptAuthors,
                          then::ReceiptDevices,
                          then::TypingDevices, then::History, then::Sync, then::Search,
                          then::SearchGroupCheck, then::GroupWrite, then::ScanBacklog,
                          then::RecoveryPage, then::MarkWritten>;

FramePtr frame_of(const protocol::ServerFrame& frame);

}  // namespace chat

struct ChatService::State {
  State(ChatConfig config_in, const Clock& clock_in, Snowflake ids_in);

  ChatConfig config;
  const Clock* clock;
  Snowflake ids;
  ChatStats stats;
  std::vector<Effect> effects;
  std::uint64_t next_request = 1;
  std::unordered_map<RequestId, chat::Then> pending;
  std::unordered_map<ConversationId, chat::Conversation> conversations;
  std::list<ConversationId> lru;  // most recently used first
  chat::DedupCache dedup;
  std::map<chat::DeliveryKey, chat::Tracked> tracked;
  chat::DueMap due;
  // chat_recovery.cpp: recovery after a restart, and cursors waiting to be written.
  bool scanning = true;                                 // the backlog list is still being read
  std::optional<ConversationId> scan_retry;             // a failed scan page, retried at tick
  std::map<ConversationId, MessageId> backlog;          // to re-fan-out from this cursor
  std::set<ConversationId> recovery_stalled;            // a failed page read, retried at tick
  std::size_t recovering = 0;                           // recoveries in progress
  std::map<ConversationId, TimeMs> marks_due;           // cursors no append has carried yet
  std::set<std::pair<ConversationId, std::uint64_t>> lookups_stalled;  // fan-out steps to ask again
  // Tracked deliveries per conversation and message: the cursor stays below the oldest. Kept
  // apart from the conversation cache so that evicting an entry cannot lose them.
  std::map<ConversationId, std::map<MessageId, std::uint32_t>> unsettled;

  // chat_service.cpp
  void on_envelope(Envelope input);
  void on_store_done(StoreDone done);
  RequestId request(store::Op op, chat::Then then);
  bool admit(const chat::Origin* origin);
  void route(Envelope envelope);
  void reply(const SessionRef& to, const protocol::ServerFrame& frame);
  void reply_error(const chat::Origin& origin, ErrorCode code, std::string message);

  // chat_conversation.cpp
  chat::Conversation* enter(ConversationId conv, const chat::Origin* origin);
  void hold(chat::Conversation& c, Envelope input, const chat::Origin* origin);
  void resume(ConversationId conv);
  std::optional<Error> check_member(const chat::Conversation& c, UserId user) const;
  // The conversation, when `input` can run now and `user` is one of its members; otherwise
  // nullptr, after the input was queued behind a load or barrier (hold), or refused (an error to
  // the origin when there is one; ephemeral inputs such as typing are dropped silently).
  template <class Input>
  chat::Conversation* ready_for_member(Input& input, ConversationId conv, UserId user,
                                       const chat::Origin* origin) {
    chat::Conversation* c = enter(conv, origin);
    if (c == nullptr) return nullptr;
    if (c->blocked()) {
      hold(*c, std::move(input), origin);
      return nullptr;
    }
    if (auto error = check_member(*c, user)) {
      if (origin != nullptr) reply_error(*origin, error->code, std::move(error->message));
      return nullptr;
    }
    return c;
  }
  void on_group_loaded(const chat::then::LoadGroup& then, store::Outcome& outcome);
  chat::Conversation* create_conversation(ConversationId conv, const chat::Origin* origin);
  bool make_room();

  // chat_submit.cpp
  void on_submit(env::Submit submit);
  bool answer_from_dedup(const env::Submit& submit, const chat::Origin& origin);
  void append(chat::Conversation& c, StoredMessage message, std::optional<chat::Origin> origin,
              std::vector<UserId> recipients);
  void on_appended(const chat::then::Append& then, store::Outcome& outcome);
  void fail_append(chat::PendingAppend& p);
  void release(ConversationId conv);
  void complete(chat::Conversation& c, chat::PendingAppend& p);
  void ack(const chat::Origin& origin, const StoredMessage& m, bool duplicate);

  // chat_fanout.cpp
  void start_fanout(chat::Conversation& c, ConversationId conv, const chat::PendingAppend& p);
  void start_backfill(chat::Conversation& c, ConversationId conv, const std::vector<UserId>& users,
                      MessageId before);
  void on_fanout_devices(const chat::then::FanOutDevices& then, store::Outcome& outcome);
  void on_backfill_page(const chat::then::BackfillPage& then, store::Outcome& outcome);
  void flush_fanouts(ConversationId conv);
  void emit_fanout(ConversationId conv, const chat::FanOut& f);
  void retry_lookups();
  void push_candidate(const DeviceLocation& d, const StoredMessage& m);

  // chat_delivery.cpp
  void deliver(const DeviceLocation& d, ConversationId conv, MessageId msg, const FramePtr& frame);
  void track(const DeviceRef& device, ConversationId conv, MessageId msg, const FramePtr& frame, TimeMs offline_since_ms);
  void on_delivery_ack(const env::DeliveryAck& ack);
  void run_redelivery();
  void on_redeliver(const chat::then::Redeliver& then, store::Outcome& outcome);
  void untrack(std::map<chat::DeliveryKey, chat::Tracked>::iterator it);

  // chat_recovery.cpp
  void scan_backlog(ConversationId after);
  void on_backlog_page(const chat::then::ScanBacklog& then, store::Outcome& outcome);
  void finish_scan();
  void start_recovery(chat::Conversation& c, ConversationId conv, MessageId after);
  void read_recovery_page(ConversationId conv);
  void on_recovery_page(const chat::then::RecoveryPage& then, store::Outcome& outcome);
  void finish_recovery(ConversationId conv);
  void pump_recovery();
  void on_created(chat::Conversation& c, ConversationId conv);
  void note_fanned_out(chat::Conversation& c, ConversationId conv, const chat::FanOut& f);
  void note_settled(ConversationId conv, MessageId msg);
  MessageId settled(ConversationId conv, const chat::Conversation& c) const;
  void mark_later(ConversationId conv, const chat::Conversation& c);
  MessageId carry_mark(ConversationId conv, chat::Conversation& c);
  void on_mark_result(ConversationId conv, MessageId up_to, bool ok);
  void flush_marks();
  void tick_recovery();

  // chat_notify.cpp
  void on_read_mark(env::ReadMark mark);
  void on_receipt_stored(chat::then::ReceiptStored& then, store::Outcome& outcome);
  void on_receipt_authors(const chat::then::ReceiptAuthors& then, store::Outcome& outcome);
  void on_receipt_devices(const chat::then::ReceiptDevices& then, store::Outcome& outcome);
  void on_typing(env::TypingNotice notice);
  void on_typing_devices(const chat::then::TypingDevices& then, store::Outcome& outcome);
  void notify_online(const std::vector<DeviceLocation>& devices, DeviceRef except,
                     const protocol::ServerFrame& frame);

  // chat_queries.cpp
  void on_history(env::HistoryQuery query);
  void on_history_page(const chat::then::History& then, store::Outcome& outcome);
  void on_sync(env::SyncQuery query);
  void on_sync_page(const chat::then::Sync& then, store::Outcome& outcome);
  void on_search(env::SearchQuery query);
  void on_search_group_check(chat::then::SearchGroupCheck& then, store::Outcome& outcome);
  void run_search(const env::SearchQuery& query);
  void on_search_hits(const chat::then::Search& then, store::Outcome& outcome);
  void on_presence_interest(env::PresenceInterest interest);

  // chat_groups.cpp
  void on_group_command(env::GroupCommand command);
  void apply_group_command(chat::Conversation& c, ConversationId conv, env::GroupCommand& command,
                           const chat::Origin& origin);
  void write_group(chat::Conversation& c, ConversationId conv, groups::Change change,
                   const chat::Origin& origin, env::GroupCommand::Kind kind);
  void on_group_written(chat::then::GroupWrite& then, store::Outcome& outcome);
  void reply_group_info(const chat::Origin& origin, ConversationId conv, const GroupRecord& group);
};

}  // namespace parley
