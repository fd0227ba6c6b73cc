// Per-operation CPU costs (µs) that turn the bulk's arrival rates into host utilisation. First
// figures come from build/bench/parley_core_bench; results/calibration.json holds them and
// `--cost key=value` overrides one (recorded in the manifest's overrides).
#pragma once

#include <map>
#include <string>

#include "parley/error.hpp"
#include "parley/metrics/status.hpp"

namespace parley::sim {

struct Calibration {
  double decode_us = 3.4;                  // one client frame decoded (gateway)
  double encode_us = 0.45;                 // one server frame encoded (gateway, chat)
  // Per KiB of message text beyond the ~70 B the two figures above were measured with
  // (BM_DecodeSendBytes, BM_EncodeDeliverBytes: the slope between 64 B and 16 KiB).
  double decode_us_per_kb = 8.5;
  double encode_us_per_kb = 0.93;
  double fanout_us_per_recipient = 0.35;   // chat: one recipient of a fan-out
  double chat_path_us = 10;                // chat: a 1:1 message through dedup, id, persist, ack
  double gateway_frame_us = 2;             // gateway: session bookkeeping per frame in or out
  double heartbeat_us = 2;                 // gateway: one ping/pong
  double presence_write_us = 5;            // presence shard: one heartbeat refresh (Redis-like)
  // gateway: a whole wss:// reconnect (TCP and TLS handshakes, upgrade, auth, registry connect,
  // sync request, close), measured by scripts/bench_connect.py (results/server-connect.json)
  double reconnect_us = 1455;
  double store_write_us = 40;              // store node: one replica append (RocksDB, batch 128)
  double store_read_us = 20;               // store node: one history/sync page read
  double store_writes_per_message = 2;     // message + dedup key, before replication
  double push_policy_us = 1;               // push service: policy decision for one candidate
  double push_us = 20;                     // push service: one notification sent to the provider
  double push_send_share = 0.2;            // candidates left after collapse, mutes and rate limits
  double registry_latency_ms = 0.2;        // registry (Redis) round trip inside the datacenter

  std::map<std::string, double> as_map() const;
  // Sets one field by name; an unknown name or a negative value is an error.
  metrics::Status set(const std::string& key, double value);
};

// Reads a JSON object {"costs_us": {...}} (unknown keys are errors); a missing file is an error.
Result<Calibration> load_calibration(const std::string& path);
// "key=value" → set().
metrics::Status apply_cost_override(Calibration& calibration, const std::string& text);

}  // namespace parley::sim
