// The end-of-run account: which recipient devices of this shard should have received each planned
// send (replaying the whole unsharded plan), and which of those never did (missing).
#pragma once

#include <cstdint>

#include "parley/scenario/scenario.hpp"
#include "recorder.hpp"
#include "shard.hpp"

namespace parley::load {

inline constexpr std::int64_t cross_shard_margin_us = 50'000;
// Sends intended this long before a drop (possibly in flight when it happened) are not judged.
inline constexpr std::int64_t drop_margin_us = 2'000'000;

struct Verification {
  std::uint64_t expected = 0;            // (send, device) pairs this shard had to see
  std::uint64_t missing = 0;             // of those, never delivered
  std::uint64_t unverified_devices = 0;  // devices lost for good (never came back): judged until the drop
  std::uint64_t unacked_sends = 0;       // own sends with no ack: not expected anywhere
};

// A pair (send s, device d) is expected when d belongs to this shard, is a recipient of s (every
// device of the peer or the group's members, and the sender's other devices), authenticated
// before s's intended time and was not away around it (gaps, drop_margin_us), and s was acknowledged (sends of other shards
// are assumed acknowledged: that shard counts their failures). A send of another shard must be
// intended cross_shard_margin_us after the device came up: two processes' clocks differ a little.
Verification verify(const scenario::Scenario& scenario, workload::Shard shard,
                    const Recorder& recorder);

}  // namespace parley::load
