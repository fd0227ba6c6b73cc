// `--shard i/n`: user u belongs to shard u % n. Every shard replays the same global streams and
// keeps its own users' events, so shard i's events are exactly the unsharded run's events of
// those users, in the same order, with the same sequence numbers (tests/scenario).
#pragma once

#include <cstdint>
#include <string_view>

#include "parley/error.hpp"

namespace parley::workload {

struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 1;
  bool owns(std::uint64_t user) const { return user % count == index; }
  bool operator==(const Shard&) const = default;
};

// "i/n" with 0 <= i < n; errors say what was expected.
Result<Shard> parse_shard(std::string_view text);

}  // namespace parley::workload
