// Server metrics in Prometheus text format. Transport and store counters are atomics bumped by
// whichever thread sees the event; role statistics are owned by the workers, which publish a
// WorkerSnapshot at every tick (so /metrics is at most one tick interval behind the roles).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/gateway.hpp"
#include "parley/presence.hpp"
#include "parley/push_policy.hpp"

namespace parley::server {

// A Prometheus histogram with fixed upper bounds; observe() is lock-free (relaxed atomics), so a
// scrape may see a sum and counts from slightly different instants, which Prometheus tolerates.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1 (+Inf)
  std::atomic<std::uint64_t> sum_micros_{0};              // sum of values × 1e6
  std::atomic<std::uint64_t> count_{0};
};

struct WorkerSnapshot {
  GatewayStats gateway;
  ChatStats chat;
  PresenceStats presence;
  PushStats push;
};

struct Metrics {
  using Counter = std::atomic<std::uint64_t>;
  // Transport.
  Counter connections_open{0};            // WebSocket sessions open now
  Counter connections_accepted{0};        // TCP connections accepted
  Counter accept_errors{0};
  Counter http_requests{0};               // plain HTTP requests answered
  Counter ws_closed_write_queue{0};       // sessions closed because their write queue was full
  Counter ws_reads_paused{0};             // times a session's reads paused for a full write queue
  Counter ws_frames_oversize{0};          // client frames over frame_bytes_max
  Counter push_notifications{0};          // PushNotify effects of the push policies
  // Push delivery (push_sender.cpp): the persistent queue and its webhook.
  std::atomic<std::int64_t> push_queue_depth{0};  // queued + in flight
  Counter push_queue_collapsed{0};        // replaced a queued notification of the same device+conv
  Counter push_queue_refused{0};          // queue at push_queue_depth_max
  Counter push_webhook_sent{0};           // answered 2xx
  Counter push_webhook_retries{0};        // failed and queued again with backoff
  Counter push_webhook_dead{0};           // dead-lettered: attempts exhausted or refused by the webhook
  Counter push_tokens_removed{0};         // answered 410 Gone
  // Store (group commit).
  Counter store_batches{0};
  Counter store_ops{0};
  Counter store_batch_failures{0};        // batches whose write failed (every op got the error)
  std::atomic<std::int64_t> store_queue_depth{0};
  Histogram store_batch_ops{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};
  Histogram store_batch_seconds{{0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};
};

// The whole /metrics page: the atomics above, plus role statistics summed over the workers.
std::string render_prometheus(const Metrics& metrics, const std::vector<WorkerSnapshot>& workers,
                              bool ready);

}  // namespace parley::server
