// to_yaml: the canonical dump. Every field is written (defaults included) in a fixed order, numbers
// in their shortest exact form, so parse_string(to_yaml(s)) == s and two equal scenarios dump to
// the same bytes (run manifests can be compared with diff).
#include "parley/scenario/emit.hpp"

#include <yaml-cpp/yaml.h>

#include "parley/overloaded.hpp"
#include "reader.hpp"

namespace parley::scenario {
namespace {

using detail::format_number;

class Writer {
 public:
  YAML::Emitter out;

  void number(const char* key, double value) { out << YAML::Key << key << YAML::Value << format_number(value); }
  void integer(const char* key, std::uint64_t value) {
    out << YAML::Key << key << YAML::Value << std::to_string(value);
  }
  void text(const char* key, const std::string& value) {
    out << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
  }
  void flag(const char* key, bool value) {
    out << YAML::Key << key << YAML::Value << (value ? "true" : "false");
  }
  void begin(const char* key, bool flow = false) {
    out << YAML::Key << key << YAML::Value;
    if (flow) out << YAML::Flow;
    out << YAML::BeginMap;
  }
  void end() { out << YAML::EndMap; }

  void distribution(const char* key, const Distribution& d) {
    begin(key, true);
    out << YAML::Key << "kind" << YAML::Value << std::string(kind_name(d));
    std::visit(Overloaded{[&](const Fixed& f) { number("value", f.value); },
                          [&](const Uniform& u) { number("min", u.min), number("max", u.max); },
                          [&](const LogNormal& l) {
                            number("median", l.median), number("sigma", l.sigma);
                            number("min", l.min), number("max", l.max);
                          },
                          [&](const Zipf& z) {
                            number("exponent", z.exponent);
                            number("min", z.min), number("max", z.max);
                          },
                          [&](const Discrete& t) { table(t); }},
               d);
    end();
  }

  void table(const Discrete& d) {
    out << YAML::Key << "table" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& [value, weight] : d.table) {
      out << YAML::Flow << YAML::BeginSeq << format_number(value) << format_number(weight)
          << YAML::EndSeq;
    }
    out << YAML::EndSeq;
  }
};

void write_population(Writer& w, const Population& p) {
  w.begin("population");
  w.integer("users", p.users);
  w.distribution("devices_per_user", p.devices_per_user);
  w.number("concurrency", p.concurrency);
  w.distribution("contacts_per_user", p.contacts_per_user);
  w.begin("groups");
  w.integer("count", p.groups.count);
  w.distribution("size", p.groups.size);
  w.end();
  w.begin("hot_groups");
  w.integer("count", p.hot_groups.count);
  w.integer("size", p.hot_groups.size);
  w.number("rate_multiplier", p.hot_groups.rate_multiplier);
  w.end();
  w.end();
}

void write_profile(Writer& w, const RateProfile& p) {
  static constexpr const char* kinds[] = {"constant", "diurnal", "piecewise"};
  w.begin("profile");
  w.out << YAML::Key << "kind" << YAML::Value << kinds[static_cast<int>(p.kind)];
  if (p.kind == ProfileKind::diurnal) {
    w.out << YAML::Key << "hourly" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (double h : p.hourly) w.out << format_number(h);
    w.out << YAML::EndSeq;
    w.number("peak_factor", p.peak_factor);
    w.number("start_hour", p.start_hour);
  } else if (p.kind == ProfileKind::piecewise) {
    w.out << YAML::Key << "points" << YAML::Value << YAML::BeginSeq;
    for (const auto& point : p.points) {
      w.out << YAML::Flow << YAML::BeginMap;
      w.number("t_s", point.t_s);
      w.number("multiplier", point.multiplier);
      w.out << YAML::EndMap;
    }
    w.out << YAML::EndSeq;
  }
  w.end();
}

void write_workload(Writer& w, const Workload& x) {
  w.begin("workload");
  w.number("messages_per_user_per_s", x.messages_per_user_per_s);
  write_profile(w, x.profile);
  w.number("group_share", x.group_share);
  w.distribution("payload_bytes", x.payload_bytes);
  w.number("encrypted_share", x.encrypted_share);
  w.number("typing_per_message", x.typing_per_message);
  w.number("read_receipt_share", x.read_receipt_share);
  w.number("reconnects_per_user_per_hour", x.reconnects_per_user_per_hour);
  w.number("history_reads_per_user_per_hour", x.history_reads_per_user_per_hour);
  w.number("searches_per_user_per_hour", x.searches_per_user_per_hour);
  w.number("heartbeat_interval_s", x.heartbeat_interval_s);
  if (x.push_digest != PushDigest{}) {  // omitted at its default: older scenarios emit as before
    w.begin("push_digest", true);
    w.flag("enabled", x.push_digest.enabled);
    w.number("interval_s", x.push_digest.interval_s);
    w.end();
  }
  w.end();
}

void write_pool(Writer& w, const char* key, const HostPool& pool) {
  w.begin(key, true);
  w.integer("count", pool.count);
  w.integer("cores", pool.cores);
  w.end();
}

// The fan-out keys only when they differ from direct mode's defaults: older scenarios emit as before.
void write_chat_nodes(Writer& w, const ChatNodes& c) {
  const ChatNodes plain;
  if (c.fanout == plain.fanout && c.fanout_workers == plain.fanout_workers &&
      c.fanout_queue_threshold == plain.fanout_queue_threshold) {
    write_pool(w, "chat_nodes", c);
    return;
  }
  w.begin("chat_nodes");
  w.integer("count", c.count);
  w.integer("cores", c.cores);
  w.text("fanout", std::string(to_string(c.fanout)));
  write_pool(w, "fanout_workers", c.fanout_workers);
  w.integer("fanout_queue_threshold", c.fanout_queue_threshold);
  w.end();
}

void write_topology(Writer& w, const Topology& t) {
  w.begin("topology");
  w.out << YAML::Key << "targets" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& url : t.targets) w.out << YAML::DoubleQuoted << url;
  w.out << YAML::EndSeq;
  w.begin("gateways", true);
  w.integer("count", t.gateways.count);
  w.integer("cores", t.gateways.cores);
  w.integer("connections_each", t.gateways.connections_each);
  w.end();
  write_chat_nodes(w, t.chat_nodes);
  write_pool(w, "redis_shards", t.redis_shards);
  w.begin("store");
  w.integer("nodes", t.store.nodes);
  w.integer("cores", t.store.cores);
  w.integer("replication_factor", t.store.replication_factor);
  w.integer("commitlog_sync_period_ms", t.store.commitlog_sync_period_ms);
  w.distribution("write_latency_ms", t.store.write_latency_ms);
  w.distribution("read_latency_ms", t.store.read_latency_ms);
  w.end();
  w.begin("push");
  w.integer("count", t.push.count);
  w.integer("cores", t.push.cores);
  w.distribution("latency_ms", t.push.latency_ms);
  w.end();
  w.begin("network");
  w.distribution("client_latency_ms", t.network.client_latency_ms);
  w.begin("datacenter_link", true);
  w.number("latency_ms", t.network.datacenter_link_latency_ms);
  w.number("bandwidth_gbps", t.network.datacenter_link_bandwidth_gbps);
  w.end();
  w.integer("zones", t.network.zones);
  w.end();
  w.end();
}

// Only the params the kind reads (read_faults.cpp), so the dump parses back.
void write_params(Writer& w, const Fault& f) {
  w.begin("params", true);
  const FaultParams& p = f.params;
  switch (f.kind) {
    case FaultKind::chat_crash:
    case FaultKind::store_node_loss: w.flag("lose_unsynced_writes", p.lose_unsynced_writes); break;
    case FaultKind::link_degradation:
      w.number("latency_ms_add", p.latency_ms_add);
      w.number("loss_rate", p.loss_rate);
      w.number("bandwidth_factor", p.bandwidth_factor);
      break;
    case FaultKind::clock_step: w.number("step_ms", p.step_ms); break;
    case FaultKind::hot_group:
      w.number("rate_multiplier", p.rate_multiplier);
      w.integer("members", p.members);
      break;
    case FaultKind::reconnect_storm: w.number("fraction", p.fraction); break;
    case FaultKind::gateway_crash:
    case FaultKind::redis_failover:
    case FaultKind::partition: break;
  }
  w.end();
}

void write_faults(Writer& w, const Faults& faults) {
  w.begin("faults");
  w.out << YAML::Key << "schedule" << YAML::Value;
  if (faults.schedule.empty()) w.out << YAML::Flow;  // `schedule: []`
  w.out << YAML::BeginSeq;
  for (const Fault& f : faults.schedule) {
    w.out << YAML::BeginMap;
    w.number("at_s", f.at_s);
    w.out << YAML::Key << "kind" << YAML::Value << std::string(to_string(f.kind));
    w.text("target", to_string(f.target));
    if (f.kind != FaultKind::clock_step) w.number("duration_s", f.duration_s);
    write_params(w, f);
    w.out << YAML::EndMap;
  }
  w.out << YAML::EndSeq;
  w.begin("swarm");
  w.number("faults_per_hour", faults.swarm.faults_per_hour);
  w.out << YAML::Key << "kinds" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (FaultKind kind : faults.swarm.kinds) w.out << std::string(to_string(kind));
  w.out << YAML::EndSeq;
  w.number("mean_duration_s", faults.swarm.mean_duration_s);
  w.end();
  w.end();
}

void write_slos_and_cost(Writer& w, const Slos& slos, const Cost& cost) {
  w.begin("slos");
  w.number("p99_delivery_ms", slos.p99_delivery_ms);
  w.number("p99_ack_ms", slos.p99_ack_ms);
  w.flag("zero_loss", slos.zero_loss);
  w.number("max_error_rate", slos.max_error_rate);
  w.end();
  w.begin("cost");
  w.text("currency", cost.currency);
  w.begin("per_host_hour", true);
  w.number("gateway", cost.gateway_per_hour);
  w.number("chat_node", cost.chat_node_per_hour);
  w.number("redis_shard", cost.redis_shard_per_hour);
  w.number("store_node", cost.store_node_per_hour);
  w.number("push", cost.push_per_hour);
  w.end();
  w.end();
}

}  // namespace

std::string to_yaml(const Scenario& s) {
  Writer w;
  w.out.SetIndent(2);
  w.out << YAML::BeginMap;
  w.integer("version", s.version);
  w.text("name", s.name);
  w.text("description", s.description);
  w.integer("seed", s.seed);
  w.number("duration_s", s.duration_s);
  w.number("ramp_s", s.ramp_s);
  write_population(w, s.population);
  write_workload(w, s.workload);
  write_topology(w, s.topology);
  write_faults(w, s.faults);
  write_slos_and_cost(w, s.slos, s.cost);
  w.out << YAML::EndMap;
  return std::string(w.out.c_str()) + "\n";
}

}  // namespace parley::scenario
