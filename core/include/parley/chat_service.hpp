// ChatService role: the owner of a shard of conversations. Per conversation it dedups sends by
// (sender, client UUID), assigns snowflake ids in order, persists then acks (the ack leaves only
// when the StoreDone for the append arrives), and fans out in id order to every device of every
// member: online devices through their gateway (redelivered when no delivery ack within 5 s,
// a bounded number of times), offline devices to Push. Groups (membership, ≤ 500 members, system
// messages, backfill for new members) are handled here because they share the conversation's shard.
#pragma once

#include <cstdint>
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
  std::size_t pending_deliveries_max = limits::pending_deliveries_max;
  std::size_t dedup_entries_max = limits::dedup_entries_max;
  std::size_t pending_store_requests_max = limits::pending_store_requests_max;
  std::size_t new_member_backfill = limits::new_member_backfill;
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
};

class ChatService {
 public:
  static Result<ChatService> make(ChatConfig config, const Clock& clock);
  ~ChatService();
  ChatService(ChatService&&) noexcept;
  ChatService& operator=(ChatService&&) noexcept;

  void step(ChatInput input);
  void tick();  // redelivery deadlines at the clock's current time
  std::vector<Effect> drain();

  const ChatStats& stats() const;

 private:
  ChatService(ChatConfig config, const Clock& clock);
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace parley
