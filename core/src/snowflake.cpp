// Snowflake generator: see snowflake.hpp for the contract (strictly increasing per generator).
#include "parley/snowflake.hpp"

#include <string>

namespace parley {

Result<Snowflake> Snowflake::make(NodeId node, const Clock& clock) {
  if (node.value > snowflake::node_max) {
    return Error{ErrorCode::invalid_value,
                 "snowflake node id " + std::to_string(node.value) + " is over " +
                     std::to_string(snowflake::node_max)};
  }
  return Snowflake(node, clock);
}

std::uint64_t Snowflake::next() {
  const TimeMs now = clock_->now_ms();
  std::uint64_t now_ms = now > snowflake::epoch_ms ? now - snowflake::epoch_ms : 0;
  if (started_ && now_ms < last_ms_) {
    ++clock_regressions_;  // the clock stepped back: keep counting from the last timestamp
    now_ms = last_ms_;
  }
  if (started_ && now_ms == last_ms_) {
    if (sequence_ == snowflake::sequence_max) {
      ++sequence_overflows_;  // borrow the next millisecond; the clock catches up later
      ++last_ms_;
      sequence_ = 0;
    } else {
      ++sequence_;
    }
  } else {
    last_ms_ = now_ms;
    sequence_ = 0;
  }
  started_ = true;
  return snowflake::compose(last_ms_ & snowflake::timestamp_max, node_, sequence_);
}

void Snowflake::advance_past(std::uint64_t id) {
  const std::uint64_t after_ms = (id >> (snowflake::node_bits + snowflake::sequence_bits)) + 1;
  if (started_ && after_ms <= last_ms_) return;
  last_ms_ = after_ms;  // next() counts a clock regression while the clock is behind this
  sequence_ = 0;
  started_ = true;
}

}  // namespace parley
