// The deployment a scenario describes: hosts and network for the simulator, target URLs for the
// load generator (which ignores the rest). Counts are hosts; latencies are one-way milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parley/scenario/distribution.hpp"

namespace parley::scenario {

struct Gateways {
  std::uint64_t count = 1;
  std::uint32_t cores = 8;
  std::uint64_t connections_each = 100'000;  // open WebSockets one gateway holds at most
  bool operator==(const Gateways&) const = default;
};

struct HostPool {  // chat nodes, Redis shards
  std::uint64_t count = 1;
  std::uint32_t cores = 8;
  bool operator==(const HostPool&) const = default;
};

// How a chat node fans a group message out. direct: the owning chat node sends every recipient's
// copy itself. queue: for groups of at least fanout_queue_threshold members it writes one job to a
// partitioned queue and a separate tier of fan-out workers sends the copies (one extra hop).
enum class FanoutMode : std::uint8_t { direct, queue };
std::string_view to_string(FanoutMode mode);

struct ChatNodes : HostPool {
  FanoutMode fanout = FanoutMode::direct;
  HostPool fanout_workers{2, 8};               // queue mode only: the fan-out worker tier
  std::uint64_t fanout_queue_threshold = 100;  // group members from which fan-out is queued
  bool operator==(const ChatNodes&) const = default;
};

struct StoreCluster {  // a Cassandra-like LSM cluster
  std::uint64_t nodes = 3;
  std::uint32_t cores = 8;
  std::uint32_t replication_factor = 3;  // <= nodes; a write is durable at a majority
  // Commit-log sync in periodic mode (Cassandra's default, 10 s): a replica acknowledges a write
  // before it is on disk, so a node that loses power loses up to this much of what it took in
  // (store_node_loss with lose_unsynced_writes). 0: batch mode, synced before the ack.
  std::uint64_t commitlog_sync_period_ms = 10'000;
  Distribution write_latency_ms = LogNormal{1.0, 0.5, 0.1, 1000};
  Distribution read_latency_ms = LogNormal{0.5, 0.5, 0.05, 1000};
  bool operator==(const StoreCluster&) const = default;
};

struct PushService {  // the APNs/FCM stand-in behind PushPolicy
  std::uint64_t count = 1;
  std::uint32_t cores = 4;
  Distribution latency_ms = LogNormal{50, 0.5, 1, 10'000};
  bool operator==(const PushService&) const = default;
};

struct Network {
  Distribution client_latency_ms = LogNormal{30, 0.6, 1, 2'000};  // device ↔ gateway access
  double datacenter_link_latency_ms = 0.5;
  double datacenter_link_bandwidth_gbps = 25;
  std::uint32_t zones = 1;  // hosts are spread round-robin over zones
  bool operator==(const Network&) const = default;
};

struct Topology {
  std::vector<std::string> targets;  // parley-load: ws:// or wss:// URLs, used round-robin
  Gateways gateways;
  ChatNodes chat_nodes;
  HostPool redis_shards{1, 2};
  StoreCluster store;
  PushService push;
  Network network;
  bool operator==(const Topology&) const = default;
};

}  // namespace parley::scenario
