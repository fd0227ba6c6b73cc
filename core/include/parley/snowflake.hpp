// 64-bit snowflake ids: 41-bit milliseconds since parley's epoch, 10-bit node, 13-bit sequence.
// Ids from one generator strictly increase even when the injected clock steps backwards (the
// generator keeps using its last timestamp) or when 8192 ids are asked for within one millisecond
// (it borrows the next millisecond). Ordering by id is ordering by (time, node, sequence).
#pragma once

#include <cstdint>

#include "parley/clock.hpp"
#include "parley/error.hpp"
#include "parley/ids.hpp"

namespace parley {

namespace snowflake {
inline constexpr TimeMs epoch_ms = 1'735'689'600'000ULL;  // 2025-01-01T00:00:00Z
inline constexpr int timestamp_bits = 41;
inline constexpr int node_bits = 10;
inline constexpr int sequence_bits = 13;
inline constexpr std::uint64_t node_max = (1ULL << node_bits) - 1;
inline constexpr std::uint64_t sequence_max = (1ULL << sequence_bits) - 1;
inline constexpr std::uint64_t timestamp_max = (1ULL << timestamp_bits) - 1;

struct Parts {
  TimeMs unix_ms = 0;  // absolute time, epoch added back
  std::uint64_t node = 0;
  std::uint64_t sequence = 0;
  constexpr bool operator==(const Parts&) const = default;
};

constexpr std::uint64_t compose(std::uint64_t since_epoch_ms, std::uint64_t node, std::uint64_t seq) {
  return (since_epoch_ms << (node_bits + sequence_bits)) | (node << sequence_bits) | seq;
}
constexpr Parts decode(std::uint64_t id) {
  return Parts{(id >> (node_bits + sequence_bits)) + epoch_ms, (id >> sequence_bits) & node_max,
               id & sequence_max};
}
// The smallest id any generator could issue at unix_ms: a position for "everything since t".
constexpr std::uint64_t lower_bound_at(TimeMs unix_ms) {
  return unix_ms <= epoch_ms ? 0 : compose(unix_ms - epoch_ms, 0, 0);
}
}  // namespace snowflake

class Snowflake {
 public:
  // node must be <= snowflake::node_max (checked by make()).
  static Result<Snowflake> make(NodeId node, const Clock& clock);

  std::uint64_t next();
  MessageId next_message_id() { return MessageId{next()}; }
  // Ids issued from now on are greater than `id`: a restarted generator continues after the ids
  // the store holds, even when its clock is behind them (ChatService recovery).
  void advance_past(std::uint64_t id);

  // How often the clock was seen going backwards, and how often a millisecond ran out of
  // sequence numbers: both are observable in metrics and asserted in tests.
  std::uint64_t clock_regressions() const { return clock_regressions_; }
  std::uint64_t sequence_overflows() const { return sequence_overflows_; }

 private:
  Snowflake(NodeId node, const Clock& clock) : node_(node.value), clock_(&clock) {}

  std::uint64_t node_;
  const Clock* clock_;
  std::uint64_t last_ms_ = 0;  // since epoch
  std::uint64_t sequence_ = 0;
  bool started_ = false;
  std::uint64_t clock_regressions_ = 0;
  std::uint64_t sequence_overflows_ = 0;
};

}  // namespace parley
