// `parley-server serve`: the configuration of the real server and its entry point. The runtime
// behind run_server (threads, Asio, Beast) stays in net_*.cpp; callers see only this plain header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "log.hpp"
#include "parley/gateway.hpp"
#include "parley/limits.hpp"

namespace parley::server {

struct ServerConfig {
  std::string listen = "127.0.0.1";       // address to bind (IPv4 or IPv6 literal)
  std::uint16_t port = 7700;              // 0 = any free port (printed as "listening on …")
  std::string data_dir = "./parley-data"; // RocksDB directory; survives restarts
  std::size_t workers = 0;                // worker threads; 0 = one per core
  std::string token_secret;               // HMAC secret, at least token_secret_bytes_min bytes
  std::string tls_cert;                   // PEM certificate chain; with tls_key: wss:// and https:// only
  std::string tls_key;                    // PEM private key
  bool sync = true;                       // fsync the WAL before acks (group commit)
  LogLevel log_level = LogLevel::info;

  // Runtime bounds and timings, each enforced in net_session.cpp / net_server.cpp.
  std::uint64_t tick_interval_ms = 100;          // roles' tick() cadence
  std::uint64_t http_request_timeout_ms = 10'000; // a request (or upgrade) must arrive in this time
  std::size_t http_header_bytes_max = 8 * 1024;  // larger: 431
  std::size_t http_body_bytes_max = 1024;        // plain endpoints take no body; larger: 413
  std::uint64_t ws_handshake_timeout_ms = 10'000; // WebSocket opening and closing handshakes
  std::size_t ws_read_chunk_bytes = 16 * 1024;    // one read of a frame's payload
  // Frames between frame_bytes_max and this are drained and answered frame_too_large (session
  // stays open); beyond it the connection is failed with close code 1009 (message too big).
  std::size_t ws_message_bytes_hard_max = 16 * limits::frame_bytes_max;
  // Per session, over either bound: closed as a slow consumer. A lone frame is always accepted
  // (a history page may be large); bytes count each queued frame whole, shared or not.
  std::size_t ws_write_queue_frames_max = 1'024;
  std::size_t ws_write_queue_bytes_max = 16 << 20;
  // Past this many queued bytes the session's reads pause until the queue drains below half of
  // it; still paused after ws_slow_consumer_timeout_ms: closed as a slow consumer.
  std::size_t ws_write_queue_pause_bytes = 1 << 20;
  std::uint64_t ws_slow_consumer_timeout_ms = 10'000;
  std::uint64_t close_timeout_ms = 5'000;         // a session still not closed after this is cut
  std::uint64_t shutdown_drain_ms = 2'000;        // wait for in-flight store writes before closing
  std::uint64_t shutdown_grace_ms = 5'000;        // wait for sessions to close on shutdown
  std::size_t store_batch_ops_max = 1'024;        // ops in one group commit
  std::size_t workers_max = 256;                  // node ids (snowflake) must stay < 1024
  GatewayConfig gateway;  // heartbeats, auth deadline, rate limit (node is set per worker)

  // Push delivery (push_sender.cpp; docs/operations.md "Push delivery"). No webhook: push
  // notifications are only counted.
  std::string push_webhook;                        // http://host:port/path
  std::uint32_t push_attempts_max = 6;             // failed POSTs before the dead letter
  std::uint64_t push_backoff_base_ms = 1'000;      // first retry delay; doubles per failure
  std::uint64_t push_backoff_max_ms = 300'000;     // cap of the doubling (jitter draws below it)
  std::uint64_t push_webhook_timeout_ms = 5'000;   // one POST, connect to answer
  std::size_t push_queue_depth_max = 100'000;      // queued notifications; beyond: refused, counted
  std::uint64_t push_collapse_window_ms = limits::push_collapse_window_ms;  // PushPolicy's window
  std::uint64_t push_seed = 1;                     // backoff jitter
  // Media by reference (media_http.cpp): uploads over this are answered 413.
  std::size_t media_bytes_max = 16 << 20;
  std::uint64_t media_upload_timeout_ms = 60'000;  // a whole upload (or download) must finish in this
};

// Blocks until SIGTERM/SIGINT and a graceful shutdown. Returns the process exit code: 0 after a
// clean shutdown, 1 when the store cannot be opened or the address cannot be bound.
int run_server(ServerConfig config);

}  // namespace parley::server
