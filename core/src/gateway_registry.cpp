// Gateway: a session's place in the connection registry, where the chat service looks a device up
// for live delivery. A RegistryConnect that fails (registry shard failing over, a partition) would
// leave an online device out of every fan-out until it reconnects, so it is retried with backoff
// while the session lives; once it succeeds the client is told to `sync`, which replays what it
// missed in between (docs/protocol.md, "Reconnect and replay").
#include <algorithm>
#include <string>
#include <variant>

#include "gateway_state.hpp"
#include "parley/assert.hpp"

namespace parley {

void Gateway::State::register_session(Session& s) {
  s.registering = next_request();
  registering_.emplace(s.registering, s.id);
  effects_.push_back(StoreRequest{s.registering, store::RegistryConnect{s.device, config_.node, s.id}});
}

// Completions of other store requests (RegistryDisconnect) need nothing: a stale location only
// makes the chat service deliver to a session that is gone, which we drop.
void Gateway::State::on_store_done(const StoreDone& done) {
  auto pending = registering_.find(done.req);
  if (pending == registering_.end()) return;
  Session* s = find(pending->second);
  registering_.erase(pending);
  PARLEY_ASSERT(s != nullptr && s->registering == done.req);  // end() forgets it with the session
  s->registering = RequestId{};
  // The first attempt's answer, either way, lets the client in: registered, its sync cannot miss
  // a fan-out; not registered, it is told to sync again once it is (registry_succeeded).
  if (!s->welcomed) {
    s->welcomed = true;
    send(s->id, protocol::AuthOk{s->device.user, s->device.device, s->id, config_.heartbeat_interval_ms, s->welcome_ms});
  }
  if (std::holds_alternative<Error>(done.outcome)) {
    registry_failed(*s);
  } else {
    registry_succeeded(*s);
  }
}

void Gateway::State::registry_failed(Session& s) {
  ++stats_.registry_connects_failed;
  s.unregistered = true;
  s.registry_backoff_ms = s.registry_backoff_ms == 0
                              ? config_.registry_retry_delay_ms
                              : std::min(s.registry_backoff_ms * 2, config_.registry_retry_delay_ms_max);
  s.registry_retry_ms = now() + std::max<std::uint64_t>(s.registry_backoff_ms, 1);
  arm(s);
}

// Messages fanned out while the device was out of the registry went nowhere (the chat service
// found no session), and the deliveries withheld meanwhile may have been newer than those: the
// client syncs from the positions it holds, which the withholding kept behind every gap.
void Gateway::State::registry_succeeded(Session& s) {
  s.registry_backoff_ms = 0;
  if (!s.unregistered) return;
  s.unregistered = false;
  ++stats_.registry_resyncs;
  send_error(s.id, ErrorCode::resync_required,
             "live deliveries to this session were interrupted: sync from your positions");
}

}  // namespace parley
