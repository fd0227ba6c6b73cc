// topology: hosts and network for the simulator; `targets` (WebSocket URLs) for parley-load.
#include "sections.hpp"

namespace parley::scenario::detail {
namespace {

constexpr ValueBounds latency_ms{0, 600'000, false};
const Range host_count = between(1, 1'000'000);
const Range cores = between(1, 1'024);

void read_targets(MapReader& r, std::vector<std::string>& out) {
  const YAML::Node node = r.take("targets");
  const std::string path = r.path_of("targets");
  if (!node.IsDefined() || !expect_sequence(r.ctx(), node, path)) return;
  out.clear();
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto url = read_string(r.ctx(), node[i], index_path(path, i));
    if (!url) continue;
    if (url->rfind("ws://", 0) != 0 && url->rfind("wss://", 0) != 0) {
      r.ctx().error(node[i], index_path(path, i),
                    "must be a ws:// or wss:// URL (got '" + *url + "')");
      continue;
    }
    out.push_back(*url);
  }
}

void read_pool(MapReader& parent, std::string_view key, HostPool& out) {
  MapReader r(parent.ctx(), parent.take(key), parent.path_of(key));
  r.read("count", out.count, host_count);
  r.read("cores", out.cores, cores);
}

void read_chat_nodes(MapReader& parent, ChatNodes& out) {
  MapReader r(parent.ctx(), parent.take("chat_nodes"), parent.path_of("chat_nodes"));
  r.read("count", out.count, host_count);
  r.read("cores", out.cores, cores);
  std::string mode;
  if (r.read("fanout", mode)) {
    if (mode == "direct" || mode == "queue") {
      out.fanout = mode == "queue" ? FanoutMode::queue : FanoutMode::direct;
    } else {
      r.ctx().error(r.take("fanout"), r.path_of("fanout"),
                    "must be one of direct, queue (got '" + mode + "')");
    }
  }
  read_pool(r, "fanout_workers", out.fanout_workers);
  r.read("fanout_queue_threshold", out.fanout_queue_threshold, between(2, 1'000'000'000));
}

void read_gateways(MapReader& parent, Gateways& out) {
  MapReader r(parent.ctx(), parent.take("gateways"), parent.path_of("gateways"));
  r.read("count", out.count, host_count);
  r.read("cores", out.cores, cores);
  r.read("connections_each", out.connections_each, between(1, 100'000'000));
}

void read_store(MapReader& parent, StoreCluster& out) {
  MapReader r(parent.ctx(), parent.take("store"), parent.path_of("store"));
  r.read("nodes", out.nodes, host_count);
  r.read("cores", out.cores, cores);
  if (r.read("replication_factor", out.replication_factor, between(1, 15)) &&
      out.replication_factor > out.nodes) {
    r.ctx().error(r.take("replication_factor"), r.path_of("replication_factor"),
                  "must be <= store.nodes (got " + std::to_string(out.replication_factor) +
                      " > " + std::to_string(out.nodes) + ")");
  }
  r.read("commitlog_sync_period_ms", out.commitlog_sync_period_ms, between(0, 3'600'000));
  out.write_latency_ms = read_distribution(r, "write_latency_ms", out.write_latency_ms, latency_ms);
  out.read_latency_ms = read_distribution(r, "read_latency_ms", out.read_latency_ms, latency_ms);
}

void read_push(MapReader& parent, PushService& out) {
  MapReader r(parent.ctx(), parent.take("push"), parent.path_of("push"));
  r.read("count", out.count, host_count);
  r.read("cores", out.cores, cores);
  out.latency_ms = read_distribution(r, "latency_ms", out.latency_ms, latency_ms);
}

void read_network(MapReader& parent, Network& out) {
  MapReader r(parent.ctx(), parent.take("network"), parent.path_of("network"));
  out.client_latency_ms =
      read_distribution(r, "client_latency_ms", out.client_latency_ms, latency_ms);
  {
    MapReader link(r.ctx(), r.take("datacenter_link"), r.path_of("datacenter_link"));
    link.read("latency_ms", out.datacenter_link_latency_ms, between(0, 10'000));
    link.read("bandwidth_gbps", out.datacenter_link_bandwidth_gbps, Range{0, 10'000, true});
  }
  r.read("zones", out.zones, between(1, 64));
}

}  // namespace

void read_topology(MapReader& parent, Topology& out) {
  MapReader r(parent.ctx(), parent.take("topology"), parent.path_of("topology"));
  read_targets(r, out.targets);
  read_gateways(r, out.gateways);
  read_chat_nodes(r, out.chat_nodes);
  read_pool(r, "redis_shards", out.redis_shards);
  read_store(r, out.store);
  read_push(r, out.push);
  read_network(r, out.network);
}

}  // namespace parley::scenario::detail
