// ChatService role: the owner of a shard of conversations. Per conversation it dedups sends by
// (sender, client UUID), assigns snowflake ids in order, persists then acks (the ack leaves only
// when the StoreDone for the append arrives), and fans out in id order to every device of every
// member: online devices through their gateway (redelivered when no delivery ack within 5 s,
// a bounded number of times), offline devices to Push. Groups (membership, ≤ 500 members, system
// messages, backfill for new members) are handled here because they share the conversation's shard.
//
// Semantics a caller may not guess (see core/src/chat_state.hpp for where each lives):
// - Order: a completed append waits for every earlier pending append of its conversation; acks
//   and fan-out leave in id order. A failed append is answered at once (ErrorFrame internal, the
//   client may retry with the same UUID) and never blocks later messages.
// - Dedup: a retry of a durable send is acked at once (duplicate=true, original id and time, no
//   fan-out); a retry while the original is in flight is acked (duplicate=true) when it completes.
//   The cache is bounded; past it, the store's durable dedup answers (Appended.duplicate).
// - Redelivery: up to redelivery_attempts_max redeliveries, redelivery_after_ms apart, to where
//   the device is now; at the next deadline the entry is dropped as a give-up. A device offline
//   at redelivery keeps the entry (no attempt spent) for redelivery_offline_keep_ms: its sync on
//   reconnect starts from the newest id it holds, which a live message may have put past this
//   one, so the redelivery after its return is what brings it. Over pending_deliveries_max a
//   delivery is sent but not tracked, and counted as a give-up.
// - Groups: only the owner removes others (ErrorCode::forbidden); a member naming only itself
//   leaves. A change waits for the conversation's pending appends and holds later inputs until
//   its PutGroup completes. Its system message (sender 0, never acked) reaches every member's
//   devices, the actor's included, and the users it removed. New members get the last
//   new_member_backfill messages on their online devices (offline ones sync), before the notice.
// - Bounds: new work over pending_store_requests_max, over conversation_queue_max inputs waiting
//   on one conversation, or needing a conversation slot when conversations_cached_max are all
//   busy gets ErrorFrame overloaded (receipts and typing, which have no session, are shed).
//   Follow-ups of admitted work (fan-out lookups, redelivery, system messages) always proceed.
// - Crash recovery (docs/architecture.md, "Fan-out after a chat node crash"): fan-out and
//   redelivery state live in memory, so each conversation keeps a durable cursor "settled up to"
//   (fanned out, every tracked delivery acked, given up or offline). Appends carry it in their own
//   write; a cursor that no append carried within fanout_mark_flush_ms is written on its own. A new
//   ChatService first lists the conversations it owns whose last message is past their cursor and
//   re-fans out those messages (devices dedup by id) before it runs their other inputs; until that
//   list is read every conversation holds its inputs, and ids continue after the newest stored
//   one (a clock behind them cannot reorder a conversation). A duplicate answered by the store
//   (not by the cache) re-drives the fan-out of the original too, whose delivery this node cannot
//   know.
// - Read receipts: in a direct conversation the other member and the reader's other devices see
//   the receipt. In a group only the reader's other devices (read-state sync) and the authors of
//   the messages the mark newly covers (past the reader's previous mark as this instance saw it,
//   at most receipt_authors_scan_max newest of them) do, one receipt per author: a read costs
//   O(reader's and authors' devices), never O(members) (docs/protocol.md, "read").
// - A failed registry lookup of a fan-out step is asked again at the next tick; later steps of
//   the conversation wait behind it (connected recipients never sync, so dropping it loses).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <variant>
#include <vector>

#include "parley/clock.hpp"
#include "parley/envelope.hpp"
#include "parley/limits.hpp"

namespace parley {

struct ChatConfig {
  NodeId node{1};  // snowflake node id, unique among chat service instances
  std::uint64_t redelivery_after_ms = limits::redelivery_after_ms;
  std::uint32_t redelivery_attempts_max = limits::redelivery_attempts_max;
  std::uint64_t redelivery_offline_keep_ms = limits::redelivery_offline_keep_ms;
  std::size_t pending_deliveries_max = limits::pending_deliveries_max;
  std::size_t dedup_entries_max = limits::dedup_entries_max;
  std::size_t pending_store_requests_max = limits::pending_store_requests_max;
  std::size_t new_member_backfill = limits::new_member_backfill;
  std::uint32_t receipt_authors_scan_max = limits::receipt_authors_scan_max;  // ≤ page_size_max
  std::size_t conversation_queue_max = limits::conversation_queue_max;      // per conversation
  std::size_t conversations_cached_max = limits::conversations_cached_max;  // idle ones are evicted
  std::uint64_t fanout_mark_flush_ms = limits::fanout_mark_flush_ms;
  std::size_t fanout_recoveries_max = limits::fanout_recoveries_max;
  // Which conversations this instance owns (recovers after a restart); empty = all of them. A
  // runtime with several chat services passes its sharding rule, so only the owner re-fans out.
  std::function<bool(ConversationId)> owns;
};

using ChatInput = std::variant<Envelope, StoreDone>;

struct ChatStats {
  std::uint64_t accepted = 0;         // new messages persisted and acked
  std::uint64_t duplicates = 0;       // sends answered from dedup
  std::uint64_t deliveries = 0;       // DeliverToDevice routed (first attempts)
  std::uint64_t redeliveries = 0;
  std::uint64_t delivery_give_ups = 0;  // attempts exhausted: the device must sync
  std::uint64_t push_candidates = 0;
  std::uint64_t store_failures = 0;
  std::uint64_t pending_deliveries = 0; // now
  std::uint64_t pending_store_requests = 0; // now
  std::uint64_t overloaded = 0;       // inputs refused or shed because a bound was reached
  std::uint64_t recovered_conversations = 0;  // re-fanned out from their durable cursor
  std::uint64_t recovered_messages = 0;
  std::uint64_t fanout_marks_written = 0;     // cursor writes of their own (not carried by an append)
};

class ChatService {
 public:
  static Result<ChatService> make(ChatConfig config, const Clock& clock);
  ~ChatService();
  ChatService(ChatService&&) noexcept;
  ChatService& operator=(ChatService&&) noexcept;

  void step(ChatInput input);
  void tick();  // redelivery deadlines, fan-out cursor writes and recovery retries, at the clock's now
  std::vector<Effect> drain();

  const ChatStats& stats() const;

 private:
  ChatService(ChatConfig config, const Clock& clock);
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace parley
