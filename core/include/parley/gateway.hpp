// Gateway role: the sessions of one gateway node. It authenticates (through a VerifyToken effect),
// keeps heartbeats (3 missed → close), rate-limits each session's frames (token bucket), translates
// client frames into envelopes for the other roles, tracks per-device delivery windows (unacked
// deliveries; over the window → slow_consumer close), and turns envelopes for its sessions into
// SendFrame effects. A failed registry connect is retried with backoff, and the session is told to
// `sync` once it is registered (docs/protocol.md). Sans-I/O: inputs in, effects out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "parley/clock.hpp"
#include "parley/envelope.hpp"
#include "parley/limits.hpp"

namespace parley {

struct GatewayConfig {
  NodeId node{1};
  std::uint64_t heartbeat_interval_ms = limits::heartbeat_interval_ms;
  std::uint32_t heartbeats_missed_max = limits::heartbeats_missed_max;
  std::uint64_t auth_timeout_ms = limits::auth_timeout_ms;
  std::size_t device_window_max = limits::device_window_max;
  std::uint32_t protocol_errors_max = limits::session_protocol_errors_max;  // consecutive
  std::size_t watched_users_max = limits::presence_subscriptions_max;       // per session
  std::uint32_t frames_per_s = limits::session_frames_per_s;  // 0 = no rate limit
  std::uint32_t frames_burst = limits::session_frames_burst;
  std::uint32_t rate_refusals_max = limits::session_rate_refusals_max;  // consecutive → close
  std::uint64_t registry_retry_delay_ms = limits::registry_retry_delay_ms;  // doubles per failure
  std::uint64_t registry_retry_delay_ms_max = limits::registry_retry_delay_ms_max;
};

namespace gw {
struct Opened {  // the transport accepted a connection
  SessionId session;
};
struct FrameIn {  // one complete text frame from the client
  SessionId session;
  std::string text;
};
struct Closed {  // the transport is gone (peer closed, I/O error); no CloseSession follows
  SessionId session;
};
}  // namespace gw

using GatewayInput = std::variant<gw::Opened, gw::FrameIn, gw::Closed, TokenVerified, StoreDone, Envelope>;

struct GatewayStats {
  std::uint64_t sessions = 0;           // open now
  std::uint64_t authenticated = 0;      // open and authenticated now
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t closed_heartbeat = 0;
  std::uint64_t closed_slow_consumer = 0;
  std::uint64_t frames_rate_limited = 0;  // frames refused by the rate limit
  std::uint64_t closed_rate_limited = 0;
  std::uint64_t registry_connects_failed = 0;  // each failed RegistryConnect (each is retried)
  std::uint64_t registry_resyncs = 0;          // sessions told to sync after a late registration
};

class Gateway {
 public:
  Gateway(GatewayConfig config, const Clock& clock);
  ~Gateway();
  Gateway(Gateway&&) noexcept;
  Gateway& operator=(Gateway&&) noexcept;

  void step(GatewayInput input);
  void tick();  // heartbeat, auth and registry-retry deadlines, at the clock's current time
  std::vector<Effect> drain();

  const GatewayStats& stats() const;
  NodeId node() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace parley
