// Independent, reproducible random substreams keyed by (seed, stream, index): the randomness of
// "user 42's contacts" or "message #9 of the send stream" never depends on what else was drawn,
// which is what lets a shard reproduce exactly its part of the unsharded run.
#pragma once

#include <cstdint>

#include "parley/random.hpp"

namespace parley::workload {

// Stream tags: one per kind of decision, so two decisions never share random numbers.
enum class Stream : std::uint64_t {
  send_times = 1,
  send_attributes,
  group_sizes,
  group_members,
  contacts,
  devices,
  user_event_times,
  user_event_attributes,
  read_receipts,
};

// A 64-bit hash (splitmix64 finaliser over the three words).
std::uint64_t mix(std::uint64_t seed, Stream stream, std::uint64_t index);
Random substream(std::uint64_t seed, Stream stream, std::uint64_t index);

}  // namespace parley::workload
