// The typed scenario read by parley-load and parley-sim (docs/scenarios.md is its reference).
// Every field carries its default here; parse.hpp fills and validates, emit.hpp writes it back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parley/scenario/distribution.hpp"
#include "parley/scenario/faults.hpp"
#include "parley/scenario/topology.hpp"

namespace parley::scenario {

inline constexpr std::uint32_t format_version = 1;

struct Groups {
  std::uint64_t count = 0;  // regular groups (hot groups come on top)
  Distribution size = LogNormal{8, 1.0, 2, 500};
  bool operator==(const Groups&) const = default;
};

struct HotGroups {  // groups 0 .. count-1 are hot: full size, far more traffic
  std::uint64_t count = 0;
  std::uint64_t size = 500;
  double rate_multiplier = 20;  // message rate relative to a regular group of the same size
  bool operator==(const HotGroups&) const = default;
};

struct Population {
  std::uint64_t users = 1'000;
  Distribution devices_per_user = Fixed{1};
  double concurrency = 1.0;  // share of users online (connected) at once
  Distribution contacts_per_user = Fixed{20};
  Groups groups;
  HotGroups hot_groups;
  bool operator==(const Population&) const = default;
};

enum class ProfileKind { constant, diurnal, piecewise };

struct ProfilePoint {
  double t_s = 0;
  double multiplier = 1;
  bool operator==(const ProfilePoint&) const = default;
};

// Multiplies workload.messages_per_user_per_s over time. Only the fields of `kind` are used.
struct RateProfile {
  ProfileKind kind = ProfileKind::constant;
  std::vector<double> hourly;         // diurnal: 24 relative rates (local hours 0..23)
  double peak_factor = 0;             // diurnal: peak / daily mean after reshaping (>= 1)
  double start_hour = 0;              // diurnal: hour of day at t = 0
  std::vector<ProfilePoint> points;   // piecewise: linear between points, flat outside
  bool operator==(const RateProfile&) const = default;
};

// Push digest: an offline member of a group gets at most one notification per conversation per
// interval_s (the first message opens the interval, the digest covers the rest) instead of one
// per message. 1:1 conversations always notify per message.
struct PushDigest {
  bool enabled = false;
  double interval_s = 60;
  bool operator==(const PushDigest&) const = default;
};

struct Workload {
  double messages_per_user_per_s = 0.01;  // per online user, daily mean for a diurnal profile
  RateProfile profile;
  double group_share = 0;                 // share of messages sent to groups (rest 1:1)
  Distribution payload_bytes = Fixed{200};
  double encrypted_share = 0;             // share of messages sent as opaque E2E blobs
  double typing_per_message = 0.5;        // typing indicators sent per message
  double read_receipt_share = 0.5;        // share of deliveries answered by a read receipt
  double reconnects_per_user_per_hour = 0.5;
  double history_reads_per_user_per_hour = 1;
  double searches_per_user_per_hour = 0.1;
  double heartbeat_interval_s = 30;       // each heartbeat refreshes presence (one write)
  PushDigest push_digest;                 // offline group members: one push per interval
  bool operator==(const Workload&) const = default;
};

struct Slos {
  double p99_delivery_ms = 200;  // intended send → recipient device
  double p99_ack_ms = 100;       // intended send → sender's ack
  bool zero_loss = true;         // any missing acknowledged message fails the run
  double max_error_rate = 0.001; // errors / sends
  bool operator==(const Slos&) const = default;
};

struct Cost {  // the simulator's estimate: hosts × hours × price
  std::string currency = "USD";
  double gateway_per_hour = 0.34;
  double chat_node_per_hour = 0.34;
  double redis_shard_per_hour = 0.25;
  double store_node_per_hour = 0.62;
  double push_per_hour = 0.17;
  bool operator==(const Cost&) const = default;
};

struct Scenario {
  std::uint32_t version = format_version;
  std::string name = "scenario";  // defaults to the file's stem when parsed from a file
  std::string description;
  std::uint64_t seed = 1;
  double duration_s = 60;
  double ramp_s = 0;  // connections (and load) ramp linearly from 0 over this time
  Population population;
  Workload workload;
  Topology topology;
  Faults faults;
  Slos slos;
  Cost cost;
  bool operator==(const Scenario&) const = default;
};

// Users online at once: round(users × concurrency), at least 1.
std::uint64_t online_users(const Population& population);

}  // namespace parley::scenario
