// Gateway role (gateway.hpp): the one switch over inputs, the session lifecycle, authentication
// and the heartbeat / auth deadlines (which also time gateway_registry.cpp's retries). Client
// frames: gateway_frames.cpp; envelopes for our sessions: gateway_delivery.cpp. Contract: a session that we close or that the transport reports
// closed leaves no state behind and gets no frame after its CloseSession.
#include "parley/gateway.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gateway_state.hpp"
#include "parley/assert.hpp"
#include "parley/overloaded.hpp"

namespace parley {

Gateway::State::State(GatewayConfig config, const Clock& clock) : config_(config), clock_(&clock) {
  // An invalid node id only disables group creation (answered with `internal`), so a
  // misconfigured gateway still serves everything else.
  auto ids = Snowflake::make(config_.node, clock);
  if (ids.ok()) group_ids_.emplace(std::move(ids.value()));
}

Gateway::State::Session* Gateway::State::find(SessionId id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

void Gateway::State::open(SessionId id) {
  auto [it, fresh] = sessions_.try_emplace(id);
  PARLEY_ASSERT(fresh);  // the transport never reuses the id of a session that is still open
  Session& s = it->second;
  s.id = id;
  s.auth_deadline_ms = now() + config_.auth_timeout_ms;
  s.last_activity_ms = now();
  s.rate_millitokens = std::uint64_t{config_.frames_burst} * 1000;
  s.rate_refilled_ms = now();
  arm(s);
  stats_.sessions = sessions_.size();
}

void Gateway::State::on_closed(SessionId id) {
  if (find(id) != nullptr) end(id);  // we may have closed it first: nothing left to do then
}

void Gateway::State::on_verified(const TokenVerified& verified) {
  auto pending = verifying_.find(verified.req);
  if (pending == verifying_.end()) return;  // the session ended while its token was checked
  Session* s = find(pending->second);
  verifying_.erase(pending);
  PARLEY_ASSERT(s != nullptr);  // end() forgets a session's verification with the session
  s->verifying = RequestId{};
  if (!verified.claims.ok()) {
    const ErrorCode code = verified.claims.error().code == ErrorCode::token_expired
                               ? ErrorCode::token_expired
                               : ErrorCode::auth_failed;
    close(*s, code, verified.claims.error().message);
    return;
  }
  const TokenClaims& claims = verified.claims.value();
  if (claims.expires_ms <= now()) {
    close(*s, ErrorCode::token_expired, "the token has expired");
    return;
  }
  const bool valid_user = claims.user.value != 0 && claims.user.value <= limits::user_id_max;
  const bool valid_device = claims.device.value != 0 && claims.device.value <= limits::device_id_max;
  if (!valid_user || !valid_device) {
    close(*s, ErrorCode::auth_failed, "the token names no valid user and device");
    return;
  }
  authenticate(*s, claims);
}

void Gateway::State::authenticate(Session& s, const TokenClaims& claims) {
  const DeviceRef device{claims.user, claims.device};
  const TimeMs t = now();
  s.authenticated = true;
  s.device = device;
  s.consecutive_errors = 0;
  s.last_activity_ms = std::max(s.last_activity_ms, t);
  s.presence_sent_ms = t;
  arm(s);  // from the auth deadline to the heartbeat deadline
  ++stats_.authenticated;

  std::optional<SessionId> replaced;
  auto [at, fresh] = by_device_.try_emplace(device, s.id);
  if (!fresh) {
    replaced = at->second;
    at->second = s.id;
  }
  s.welcome_ms = t;
  register_session(s);  // auth.ok once it completes (gateway_registry.cpp)
  route(env::DeviceOnline{device, ref(s.id)});
  // The old session closes after the new one is announced: its RegistryDisconnect and
  // DeviceOffline then name a session that is no longer the device's, so the registry and
  // Presence ignore them and watchers never see the user flap offline.
  if (replaced) {
    Session* old = find(*replaced);
    PARLEY_ASSERT(old != nullptr);  // by_device_ names live sessions only (end() removes them)
    close(*old, ErrorCode::session_replaced, "the device connected again");
  }
}

void Gateway::State::tick() {
  const TimeMs t = now();
  while (!timers_.empty() && timers_.begin()->first <= t) {
    const SessionId id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    Session* s = find(id);
    PARLEY_ASSERT(s != nullptr);  // end() removes a session's timer with the session
    s->timer_ms = 0;
    if (expiry_of(*s) <= t) {
      expire(*s);
      continue;
    }
    if (s->registry_retry_ms != 0 && s->registry_retry_ms <= t) {
      s->registry_retry_ms = 0;
      register_session(*s);
    }
    arm(*s);  // the next deadline (frames may have moved the expiry since the entry was placed)
  }
}

void Gateway::State::expire(Session& s) {
  if (s.authenticated) {
    ++stats_.closed_heartbeat;
    close(s, ErrorCode::heartbeat_timeout,
          "no frame for " + std::to_string(config_.heartbeat_interval_ms * config_.heartbeats_missed_max) +
              " ms");
  } else {
    close(s, ErrorCode::not_authenticated,
          "no successful auth within " + std::to_string(config_.auth_timeout_ms) + " ms");
  }
}

TimeMs Gateway::State::deadline_of(const Session& s) const {
  const TimeMs expiry = expiry_of(s);
  return s.registry_retry_ms != 0 ? std::min(expiry, s.registry_retry_ms) : expiry;
}

TimeMs Gateway::State::expiry_of(const Session& s) const {
  if (!s.authenticated) return s.auth_deadline_ms;
  return s.last_activity_ms + config_.heartbeat_interval_ms * config_.heartbeats_missed_max;
}

void Gateway::State::arm(Session& s) {
  timers_.erase({s.timer_ms, s.id});
  s.timer_ms = deadline_of(s);
  timers_.emplace(s.timer_ms, s.id);
}

void Gateway::State::close(Session& s, ErrorCode code, std::string message, std::string rid) {
  const SessionId id = s.id;
  send(id, protocol::ErrorFrame{std::move(rid), code, message});
  effects_.push_back(CloseSession{id, code, std::move(message)});
  end(id);
}

void Gateway::State::end(SessionId id) {
  auto it = sessions_.find(id);
  PARLEY_ASSERT(it != sessions_.end());
  Session& s = it->second;
  timers_.erase({s.timer_ms, id});
  if (s.verifying) verifying_.erase(s.verifying);
  if (s.registering) registering_.erase(s.registering);
  if (s.authenticated) {
    effects_.push_back(
        StoreRequest{next_request(), store::RegistryDisconnect{s.device, config_.node, id}});
    route(env::DeviceOffline{s.device, ref(id)});
    for (UserId user : s.watched) route(env::Watch{ref(id), user, false});
    auto at = by_device_.find(s.device);
    if (at != by_device_.end() && at->second == id) by_device_.erase(at);
    PARLEY_ASSERT(stats_.authenticated > 0);
    --stats_.authenticated;
  }
  sessions_.erase(it);
  stats_.sessions = sessions_.size();
}

void Gateway::State::send(SessionId id, FramePtr frame) {
  ++stats_.frames_out;
  effects_.push_back(SendFrame{id, std::move(frame)});
}

void Gateway::State::send(SessionId id, const protocol::ServerFrame& frame) {
  send(id, std::make_shared<const std::string>(protocol::encode(frame)));
}

void Gateway::State::send_error(SessionId id, ErrorCode code, std::string message, std::string rid) {
  send(id, protocol::ErrorFrame{std::move(rid), code, std::move(message)});
}

void Gateway::State::route(Envelope envelope) { effects_.push_back(Route{std::move(envelope)}); }

// ---- the public face ---------------------------------------------------------------------------

Gateway::Gateway(GatewayConfig config, const Clock& clock)
    : s_(std::make_unique<State>(config, clock)) {}
Gateway::~Gateway() = default;
Gateway::Gateway(Gateway&&) noexcept = default;
Gateway& Gateway::operator=(Gateway&&) noexcept = default;

void Gateway::step(GatewayInput input) {
  std::visit(Overloaded{
                 [&](gw::Opened& in) { s_->open(in.session); },
                 [&](gw::FrameIn& in) { s_->on_frame(in); },
                 [&](gw::Closed& in) { s_->on_closed(in.session); },
                 [&](TokenVerified& in) { s_->on_verified(in); },
                 [&](StoreDone& in) { s_->on_store_done(in); },
                 [&](Envelope& in) { s_->on_envelope(in); },
             },
             input);
}

void Gateway::tick() { s_->tick(); }

std::vector<Effect> Gateway::drain() { return std::exchange(s_->effects_, {}); }

const GatewayStats& Gateway::stats() const { return s_->stats_; }

NodeId Gateway::node() const { return s_->config_.node; }

}  // namespace parley
