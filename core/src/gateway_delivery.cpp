// Gateway: envelopes for our sessions become SendFrame effects. Deliveries are tracked per session
// in a bounded window of unacked (conversation, message) pairs: a device that stops acking is a
// slow consumer and is closed before its window can grow memory without bound. A device with no
// session here is skipped silently: ChatService re-resolves it and the device syncs on reconnect;
// so is a session out of the registry (gateway_registry.cpp), which syncs once registered.
#include <iterator>
#include <string>
#include <utility>

#include "gateway_state.hpp"
#include "parley/assert.hpp"
#include "parley/overloaded.hpp"

namespace parley {

void Gateway::State::on_envelope(Envelope& envelope) {
  std::visit(Overloaded{
                 [&](env::ToSession& m) {
                   if (find(m.to.session) != nullptr) send(m.to.session, std::move(m.frame));
                 },
                 [&](env::DeliverToDevice& m) { deliver(m); },
                 [&](env::NotifyDevices& m) {
                   for (const DeviceRef& device : m.devices) {
                     auto at = by_device_.find(device);
                     if (at != by_device_.end()) send(at->second, m.frame);
                   }
                 },
                 [&](env::NotifySessions& m) {
                   for (SessionId id : m.sessions) {
                     const Session* s = find(id);
                     if (s != nullptr && s->authenticated && s->welcomed) send(id, m.frame);
                   }
                 },
                 [&](env::WatchList& m) { watch_list(m); },
                 [](auto&) {},  // addressed to another role: a routing slip, nothing for us
             },
             envelope);
}

void Gateway::State::deliver(const env::DeliverToDevice& d) {
  auto at = by_device_.find(d.device);
  if (at == by_device_.end()) return;
  Session& s = *find(at->second);
  // Out of the registry since a failed connect: the `sync` it is told to send once registered
  // replays this message, and holding it back keeps the client's position behind older gaps.
  // Before auth.ok (the first connect in flight): the message was stored before the sync the
  // client sends on auth.ok reads, so that replay has it; nothing precedes auth.ok on the wire.
  if (s.unregistered || !s.welcomed) return;
  auto conv = s.in_flight.find(d.conv);
  const bool redelivery = conv != s.in_flight.end() && conv->second.contains(d.msg);
  if (!redelivery) {
    if (s.in_flight_count >= config_.device_window_max) {
      ++stats_.closed_slow_consumer;
      close(s, ErrorCode::slow_consumer,
            std::to_string(s.in_flight_count) + " deliveries unacknowledged: closing");
      return;
    }
    s.in_flight[d.conv].insert(d.msg);
    ++s.in_flight_count;
  }
  send(s.id, d.frame);
}

// A delivery ack covers exactly one message (docs/protocol.md, "At-least-once delivery").
void Gateway::State::acknowledge(Session& s, ConversationId conv, MessageId msg) {
  auto it = s.in_flight.find(conv);
  if (it == s.in_flight.end() || it->second.erase(msg) == 0) return;
  PARLEY_ASSERT(s.in_flight_count > 0);
  --s.in_flight_count;
  if (it->second.empty()) s.in_flight.erase(it);
}

// ChatService answers a PresenceInterest with the conversation's members; we remember whom each
// session watches (bounded) so the watches can be withdrawn when the session ends.
void Gateway::State::watch_list(const env::WatchList& w) {
  Session* s = find(w.to.session);
  if (s == nullptr || !s->authenticated) return;
  for (UserId user : w.users) {
    if (!w.subscribe) {
      if (s->watched.erase(user) != 0) route(env::Watch{ref(s->id), user, false});
      continue;
    }
    if (s->watched.contains(user)) continue;
    if (s->watched.size() >= config_.watched_users_max) {
      send_error(s->id, ErrorCode::too_many_items,
                 "a session watches at most " + std::to_string(config_.watched_users_max) + " users",
                 w.rid);
      return;
    }
    s->watched.insert(user);
    route(env::Watch{ref(s->id), user, true});
  }
}

}  // namespace parley
