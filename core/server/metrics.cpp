// Prometheus text exposition (format 0.0.4) of the server's metrics; see metrics.hpp and
// docs/operations.md for the list of names.
#include "metrics.hpp"

#include <cstdio>

namespace parley::server {
namespace {

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::uint64_t value) {
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

void counter(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  header(out, name, help, "counter");
  sample(out, name, value);
}

void gauge(std::string& out, std::string_view name, std::string_view help, std::uint64_t value) {
  header(out, name, help, "gauge");
  sample(out, name, value);
}

// A depth counted up and down by several threads can read below zero for a moment: shown as 0.
void depth_gauge(std::string& out, std::string_view name, std::string_view help, const std::atomic<std::int64_t>& depth) {
  const auto value = depth.load(std::memory_order_relaxed);
  gauge(out, name, help, value > 0 ? static_cast<std::uint64_t>(value) : 0);
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// Role statistics summed over workers: a field picked by a member pointer.
template <class Stats, class Field>
std::uint64_t sum(const std::vector<WorkerSnapshot>& workers, Stats WorkerSnapshot::*part, Field Stats::*field) {
  std::uint64_t total = 0;
  for (const auto& w : workers) total += w.*part.*field;
  return total;
}

void render_roles(std::string& out, const std::vector<WorkerSnapshot>& w) {
  using W = WorkerSnapshot;
  gauge(out, "parley_sessions", "gateway sessions open now", sum(w, &W::gateway, &GatewayStats::sessions));
  gauge(out, "parley_sessions_authenticated", "authenticated sessions now",
        sum(w, &W::gateway, &GatewayStats::authenticated));
  counter(out, "parley_frames_in_total", "client frames received", sum(w, &W::gateway, &GatewayStats::frames_in));
  counter(out, "parley_frames_out_total", "server frames sent", sum(w, &W::gateway, &GatewayStats::frames_out));
  counter(out, "parley_protocol_errors_total", "client frames answered with an error",
          sum(w, &W::gateway, &GatewayStats::protocol_errors));
  counter(out, "parley_closed_heartbeat_total", "sessions closed for missed heartbeats",
          sum(w, &W::gateway, &GatewayStats::closed_heartbeat));
  counter(out, "parley_closed_slow_consumer_total", "sessions closed for a full delivery window",
          sum(w, &W::gateway, &GatewayStats::closed_slow_consumer));
  counter(out, "parley_frames_rate_limited_total", "client frames refused by the per-connection rate limit",
          sum(w, &W::gateway, &GatewayStats::frames_rate_limited));
  counter(out, "parley_closed_rate_limited_total", "sessions closed for sustained flooding",
          sum(w, &W::gateway, &GatewayStats::closed_rate_limited));
  counter(out, "parley_registry_connects_failed_total",
          "session registrations for live delivery that failed (each is retried with backoff)",
          sum(w, &W::gateway, &GatewayStats::registry_connects_failed));
  counter(out, "parley_registry_resyncs_total", "sessions registered late and told resync_required",
          sum(w, &W::gateway, &GatewayStats::registry_resyncs));
  counter(out, "parley_messages_accepted_total", "messages persisted and acknowledged",
          sum(w, &W::chat, &ChatStats::accepted));
  counter(out, "parley_messages_duplicate_total", "sends answered from dedup",
          sum(w, &W::chat, &ChatStats::duplicates));
  counter(out, "parley_deliveries_total", "messages routed to a device (first attempts)",
          sum(w, &W::chat, &ChatStats::deliveries));
  counter(out, "parley_redeliveries_total", "messages routed again for lack of a delivery ack",
          sum(w, &W::chat, &ChatStats::redeliveries));
  counter(out, "parley_delivery_give_ups_total", "deliveries abandoned (the device must sync)",
          sum(w, &W::chat, &ChatStats::delivery_give_ups));
  counter(out, "parley_push_candidates_total", "messages for offline devices handed to push policy",
          sum(w, &W::chat, &ChatStats::push_candidates));
  counter(out, "parley_chat_store_failures_total", "store operations that failed for chat",
          sum(w, &W::chat, &ChatStats::store_failures));
  counter(out, "parley_overloaded_total", "inputs refused or shed at a bound",
          sum(w, &W::chat, &ChatStats::overloaded));
  counter(out, "parley_chat_recovered_conversations_total",
          "conversations re-fanned out from their durable cursor after a restart",
          sum(w, &W::chat, &ChatStats::recovered_conversations));
  counter(out, "parley_chat_recovered_messages_total", "messages re-fanned out after a restart",
          sum(w, &W::chat, &ChatStats::recovered_messages));
  counter(out, "parley_chat_fanout_marks_written_total",
          "fan-out cursor writes of their own (not carried by an append)",
          sum(w, &W::chat, &ChatStats::fanout_marks_written));
  gauge(out, "parley_pending_deliveries", "deliveries awaiting a delivery ack",
        sum(w, &W::chat, &ChatStats::pending_deliveries));
  gauge(out, "parley_chat_pending_store_requests", "chat store requests in flight",
        sum(w, &W::chat, &ChatStats::pending_store_requests));
  gauge(out, "parley_presence_online_users", "users online now", sum(w, &W::presence, &PresenceStats::online_users));
  counter(out, "parley_presence_updates_total", "presence updates sent",
          sum(w, &W::presence, &PresenceStats::updates_sent));
  counter(out, "parley_push_sent_total", "notifications push policy let through", sum(w, &W::push, &PushStats::sent));
  counter(out, "parley_push_collapsed_total", "push candidates folded into another notification",
          sum(w, &W::push, &PushStats::collapsed));
  counter(out, "parley_push_rate_limited_total", "push candidates over the per-user rate",
          sum(w, &W::push, &PushStats::rate_limited));
  counter(out, "parley_push_muted_total", "push candidates of muted conversations", sum(w, &W::push, &PushStats::muted));
  counter(out, "parley_push_deferred_dnd_total", "push candidates held back by do-not-disturb hours",
          sum(w, &W::push, &PushStats::deferred_dnd));
  counter(out, "parley_push_no_token_total", "push candidates for devices without a push token",
          sum(w, &W::push, &PushStats::no_token));
}

void render_transport(std::string& out, const Metrics& m) {
  const auto load = [](const Metrics::Counter& c) { return c.load(std::memory_order_relaxed); };
  gauge(out, "parley_connections", "WebSocket connections open now", load(m.connections_open));
  counter(out, "parley_connections_accepted_total", "TCP connections accepted", load(m.connections_accepted));
  counter(out, "parley_accept_errors_total", "failed accepts", load(m.accept_errors));
  counter(out, "parley_http_requests_total", "plain HTTP requests answered", load(m.http_requests));
  counter(out, "parley_closed_write_queue_total", "sessions closed because their write queue was full",
          load(m.ws_closed_write_queue));
  counter(out, "parley_reads_paused_total", "times a session's reads paused because its write queue passed the pause mark",
          load(m.ws_reads_paused));
  counter(out, "parley_frames_oversize_total", "client frames over frame_bytes_max", load(m.ws_frames_oversize));
  counter(out, "parley_push_notifications_total", "push notifications emitted", load(m.push_notifications));
  depth_gauge(out, "parley_push_queue_depth", "push notifications queued or being posted", m.push_queue_depth);
  counter(out, "parley_push_queue_collapsed_total", "queued push notifications replaced by a newer one",
          load(m.push_queue_collapsed));
  counter(out, "parley_push_queue_refused_total", "push notifications refused, queue full", load(m.push_queue_refused));
  counter(out, "parley_push_webhook_sent_total", "push notifications the webhook accepted", load(m.push_webhook_sent));
  counter(out, "parley_push_webhook_retries_total", "webhook failures queued again with backoff",
          load(m.push_webhook_retries));
  counter(out, "parley_push_webhook_failed_total", "push notifications dead-lettered", load(m.push_webhook_dead));
  counter(out, "parley_push_tokens_removed_total", "device push tokens removed after 410 Gone",
          load(m.push_tokens_removed));
  counter(out, "parley_store_batches_total", "store batches written (group commits)", load(m.store_batches));
  counter(out, "parley_store_ops_total", "store operations executed", load(m.store_ops));
  counter(out, "parley_store_batch_failures_total", "store batches whose write failed",
          load(m.store_batch_failures));
  depth_gauge(out, "parley_store_queue_depth", "store operations waiting", m.store_queue_depth);
  m.store_batch_ops.render(out, "parley_store_batch_ops", "operations per store batch");
  m.store_batch_seconds.render(out, "parley_store_batch_seconds", "time to execute and sync one store batch");
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(value * 1e6), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view help) const {
  header(out, name, help, "histogram");
  std::uint64_t cumulative = 0;
  const std::string bucket = std::string(name) + "_bucket{le=\"";
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out.append(bucket).append(le).append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  out.append(name).append("_sum ").append(number(sum_micros_.load(std::memory_order_relaxed) / 1e6)).append("\n");
  out.append(name).append("_count ").append(std::to_string(count_.load(std::memory_order_relaxed))).append("\n");
}

std::string render_prometheus(const Metrics& metrics, const std::vector<WorkerSnapshot>& workers, bool ready) {
  std::string out;
  out.reserve(8192);
  gauge(out, "parley_ready", "1 when the store is open and the workers run", ready ? 1 : 0);
  gauge(out, "parley_workers", "worker threads", workers.size());
  render_transport(out, metrics);
  render_roles(out, workers);
  return out;
}

}  // namespace parley::server
