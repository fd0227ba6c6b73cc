// Private state of the Gateway role, shared by its translation units: gateway.cpp (session
// lifecycle, auth, deadlines), gateway_frames.cpp (client frames → envelopes),
// gateway_delivery.cpp (envelopes → frames, per-device delivery windows, watch lists) and
// gateway_registry.cpp (the session's registry connect, retried until it succeeds).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parley/gateway.hpp"
#include "parley/protocol.hpp"
#include "parley/snowflake.hpp"

namespace parley {

struct Gateway::State {
  struct Session {
    SessionId id;
    bool authenticated = false;
    DeviceRef device;                 // meaningful once authenticated
    RequestId verifying;              // the pending VerifyToken, 0 = none
    TimeMs auth_deadline_ms = 0;
    TimeMs last_activity_ms = 0;      // never moves backwards, even if the clock does
    TimeMs presence_sent_ms = 0;      // last DeviceOnline routed for this session
    TimeMs timer_ms = 0;              // this session's key in timers_; <= its real deadline
    std::uint32_t consecutive_errors = 0;
    // Rate limit: a token bucket in thousandths of a frame, refilled lazily when a frame arrives.
    std::uint64_t rate_millitokens = 0;
    TimeMs rate_refilled_ms = 0;
    std::uint32_t rate_refusals = 0;  // frames refused in a row
    // The delivery window: messages sent and not yet acked, by conversation.
    std::map<ConversationId, std::set<MessageId>> in_flight;
    std::size_t in_flight_count = 0;
    std::set<UserId> watched;         // presence subscriptions, ordered for deterministic unwatch
    // Registry: the RegistryConnect in flight (0 = none), the time of the next attempt after a
    // failure (0 = none due) and the backoff before the attempt after that. `unregistered` is set
    // by a failed connect and cleared by a successful one: live deliveries are withheld meanwhile
    // (the chat service redelivers them), so the client's positions cannot skip a missed message
    // before the `sync` it is told to send.
    RequestId registering;
    TimeMs registry_retry_ms = 0;
    std::uint64_t registry_backoff_ms = 0;
    bool unregistered = false;
    // auth.ok waits for the first RegistryConnect to complete: a client syncs on auth.ok, and a
    // sync read before the device is in the registry could miss a message whose fan-out looked
    // the device up before it was there (neither replayed nor delivered live). `welcome_ms` is
    // the auth time the frame reports; `welcomed` once it was sent.
    TimeMs welcome_ms = 0;
    bool welcomed = false;
  };

  State(GatewayConfig config, const Clock& clock);

  // gateway.cpp: lifecycle, auth and deadlines.
  void open(SessionId id);
  void on_closed(SessionId id);
  void on_verified(const TokenVerified& verified);
  void tick();
  void authenticate(Session& s, const TokenClaims& claims);
  void expire(Session& s);
  void close(Session& s, ErrorCode code, std::string message, std::string rid = {});
  void end(SessionId id);  // emits the leaving envelopes and drops the session's state
  void arm(Session& s);    // (re)places the session in timers_ at its real deadline
  TimeMs deadline_of(const Session& s) const;  // the earliest of expiry and registry retry
  TimeMs expiry_of(const Session& s) const;    // auth or heartbeat deadline
  Session* find(SessionId id);

  // gateway_registry.cpp: the session's place in the connection registry.
  void register_session(Session& s);
  void on_store_done(const StoreDone& done);
  void registry_failed(Session& s);
  void registry_succeeded(Session& s);

  // gateway_frames.cpp: one client frame.
  void on_frame(gw::FrameIn& in);
  void touch(Session& s);
  bool admit(Session& s, std::string rid);  // the rate limit; false: refused and answered
  void protocol_error(Session& s, ErrorCode code, std::string message, std::string rid);
  void before_auth(Session& s, protocol::ClientFrame& frame);
  void handle(Session& s, protocol::ClientFrame& frame);
  void submit(Session& s, protocol::Send& frame);
  void create_group(Session& s, protocol::GroupCreate& frame);
  Result<GroupId> allocate_group();

  // gateway_delivery.cpp: envelopes addressed to this gateway.
  void on_envelope(Envelope& envelope);
  void deliver(const env::DeliverToDevice& d);
  void acknowledge(Session& s, ConversationId conv, MessageId msg);
  void watch_list(const env::WatchList& w);

  // Output.
  void send(SessionId id, FramePtr frame);
  void send(SessionId id, const protocol::ServerFrame& frame);
  void send_error(SessionId id, ErrorCode code, std::string message, std::string rid = {});
  void route(Envelope envelope);
  SessionRef ref(SessionId id) const { return SessionRef{config_.node, id}; }
  RequestId next_request() { return RequestId{++last_request_}; }
  TimeMs now() const { return clock_->now_ms(); }

  GatewayConfig config_;
  const Clock* clock_;
  std::optional<Snowflake> group_ids_;  // absent when the node id is no valid snowflake node
  std::uint64_t last_request_ = 0;
  std::unordered_map<SessionId, Session> sessions_;
  std::unordered_map<DeviceRef, SessionId> by_device_;      // authenticated sessions only
  std::unordered_map<RequestId, SessionId> verifying_;      // VerifyToken in flight
  std::unordered_map<RequestId, SessionId> registering_;    // RegistryConnect in flight
  // Deadlines, earliest first. Entries are lazy: a frame only moves last_activity_ms, and tick()
  // re-arms an entry that pops before its session's real deadline, so a busy session costs no
  // tree update per frame and tick() touches only sessions that are due.
  std::set<std::pair<TimeMs, SessionId>> timers_;
  std::vector<Effect> effects_;
  GatewayStats stats_;
};

}  // namespace parley
