// Before the run starts: each group of the scenario that has a member in this shard is created on
// the server by its first member in the shard (the creator must be a member), so this shard's
// senders can post to it. Every shard creates its own copy; recipients match deliveries by
// client uuid, so the copies do not disturb verification. Internal to parley-load (Asio inside).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "parley/error.hpp"
#include "parley/ids.hpp"
#include "population_model.hpp"
#include "shard.hpp"
#include "ws_connection.hpp"

namespace parley::load {

inline constexpr std::size_t setup_connections_max = 32;  // creators connected at once
inline constexpr int setup_timeout_s = 60;

using GroupIds = std::unordered_map<std::uint64_t, GroupId>;  // scenario group index → server id

struct SetupTarget {
  tcp::endpoint endpoint;
  std::string host_header;
  std::string path;
  std::function<std::string(std::uint64_t user, std::uint32_t device)> token_for;
};

Result<GroupIds> create_groups(const SetupTarget& target, const workload::PopulationModel& people,
                               workload::Shard shard);

}  // namespace parley::load
