// Presence role (presence.hpp). A user is online while any of their devices has an unexpired
// heartbeat; a device expires ttl_ms after its last DeviceOnline. Expiries sit in a deadline-ordered
// set so tick() costs O(devices expired). Watchers are kept per user, grouped by gateway in ordered
// containers, so one status change encodes one frame and emits one NotifySessions per gateway in a
// deterministic order. Users stay known after going offline: their last_seen is the answer.
#include "parley/presence.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "parley/assert.hpp"
#include "parley/overloaded.hpp"

namespace parley {

struct Presence::State {
  struct Device {
    SessionRef at;
    TimeMs expiry_ms = 0;
  };
  struct User {
    std::uint32_t devices = 0;   // registered, unexpired devices; online iff > 0
    bool online = false;
    TimeMs last_seen_ms = 0;     // latest heartbeat or departure of any device
    std::map<NodeId, std::set<SessionId>> watchers;
    std::size_t watcher_count = 0;
  };

  State(PresenceConfig config, const Clock& clock) : config_(config), clock_(&clock) {}

  void online(const env::DeviceOnline& e);
  void offline(const env::DeviceOffline& e);
  void watch(const env::Watch& e);
  void unwatch(const env::Watch& e);
  void tick();
  void remove_device(std::unordered_map<DeviceRef, Device>::iterator it, User& u);
  void go_offline(UserId id, User& u);
  void notify(UserId id, const User& u);
  void maybe_forget(UserId id, const User& u);
  FramePtr frame_of(UserId id, const User& u) const;
  TimeMs now() const { return clock_->now_ms(); }

  PresenceConfig config_;
  const Clock* clock_;
  std::unordered_map<DeviceRef, Device> devices_;
  std::unordered_map<UserId, User> users_;
  std::set<std::pair<TimeMs, DeviceRef>> expiries_;
  std::vector<Effect> effects_;
  PresenceStats stats_;
};

void Presence::State::online(const env::DeviceOnline& e) {
  const TimeMs t = now();
  User& u = users_[e.device.user];
  auto [it, fresh] = devices_.try_emplace(e.device);
  if (fresh) {
    if (u.devices >= config_.devices_per_user_max) {
      // The user is online through the devices already counted; this one is not tracked.
      devices_.erase(it);
      ++stats_.devices_refused;
      return;
    }
    ++u.devices;
  } else {
    expiries_.erase({it->second.expiry_ms, e.device});
  }
  it->second = Device{e.at, t + config_.ttl_ms};
  expiries_.emplace(it->second.expiry_ms, e.device);
  u.last_seen_ms = std::max(u.last_seen_ms, t);
  if (!u.online) {
    u.online = true;
    ++stats_.online_users;
    notify(e.device.user, u);
  }
}

void Presence::State::offline(const env::DeviceOffline& e) {
  auto it = devices_.find(e.device);
  // A device that reconnected elsewhere is registered at its new session: a late departure of the
  // old session must not take it offline.
  if (it == devices_.end() || !(it->second.at == e.at)) return;
  User& u = users_.at(e.device.user);
  remove_device(it, u);
  u.last_seen_ms = std::max(u.last_seen_ms, now());
  if (u.devices == 0) go_offline(e.device.user, u);
}

void Presence::State::tick() {
  const TimeMs t = now();
  while (!expiries_.empty() && expiries_.begin()->first <= t) {
    const DeviceRef device = expiries_.begin()->second;
    auto it = devices_.find(device);
    PARLEY_ASSERT(it != devices_.end());  // an expiry entry lives exactly as long as its device
    User& u = users_.at(device.user);
    // last_seen stays the latest heartbeat of any device: the expired one's, if it was the last.
    remove_device(it, u);
    ++stats_.expirations;
    if (u.devices == 0) go_offline(device.user, u);
  }
}

void Presence::State::remove_device(std::unordered_map<DeviceRef, Device>::iterator it, User& u) {
  PARLEY_ASSERT(u.devices > 0);
  expiries_.erase({it->second.expiry_ms, it->first});
  devices_.erase(it);
  --u.devices;
}

void Presence::State::go_offline(UserId id, User& u) {
  PARLEY_ASSERT(u.online && stats_.online_users > 0);
  u.online = false;
  --stats_.online_users;
  notify(id, u);
}

void Presence::State::watch(const env::Watch& e) {
  if (!e.subscribe) {
    unwatch(e);
    return;
  }
  User& u = users_[e.user];
  auto& sessions = u.watchers[e.watcher.gateway];
  if (!sessions.contains(e.watcher.session)) {
    if (u.watcher_count >= config_.watchers_per_user_max) {
      ++stats_.watches_refused;  // a celebrity's presence is not worth unbounded memory
      if (sessions.empty()) u.watchers.erase(e.watcher.gateway);
      maybe_forget(e.user, u);
      return;
    }
    sessions.insert(e.watcher.session);
    ++u.watcher_count;
    ++stats_.subscriptions;
  }
  // The new watcher alone learns the current status; the others already know it.
  effects_.push_back(Route{env::NotifySessions{e.watcher.gateway, {e.watcher.session}, frame_of(e.user, u)}});
  ++stats_.updates_sent;
}

void Presence::State::unwatch(const env::Watch& e) {
  auto user = users_.find(e.user);
  if (user == users_.end()) return;
  User& u = user->second;
  auto gateway = u.watchers.find(e.watcher.gateway);
  if (gateway == u.watchers.end() || gateway->second.erase(e.watcher.session) == 0) return;
  if (gateway->second.empty()) u.watchers.erase(gateway);
  PARLEY_ASSERT(u.watcher_count > 0 && stats_.subscriptions > 0);
  --u.watcher_count;
  --stats_.subscriptions;
  maybe_forget(e.user, u);
}

void Presence::State::notify(UserId id, const User& u) {
  if (u.watchers.empty()) return;
  const FramePtr frame = frame_of(id, u);  // encoded once for every watcher
  for (const auto& [gateway, sessions] : u.watchers) {
    effects_.push_back(Route{env::NotifySessions{
        gateway, std::vector<SessionId>(sessions.begin(), sessions.end()), frame}});
    ++stats_.updates_sent;
  }
}

// A user nobody watches and nobody has ever seen carries no information.
void Presence::State::maybe_forget(UserId id, const User& u) {
  if (u.devices == 0 && u.watcher_count == 0 && u.last_seen_ms == 0) users_.erase(id);
}

FramePtr Presence::State::frame_of(UserId id, const User& u) const {
  return std::make_shared<const std::string>(
      protocol::encode(protocol::PresenceUpdate{id, u.online, u.last_seen_ms}));
}

// ---- the public face ---------------------------------------------------------------------------

Presence::Presence(PresenceConfig config, const Clock& clock)
    : s_(std::make_unique<State>(config, clock)) {}
Presence::~Presence() = default;
Presence::Presence(Presence&&) noexcept = default;
Presence& Presence::operator=(Presence&&) noexcept = default;

void Presence::step(const Envelope& input) {
  std::visit(Overloaded{
                 [&](const env::DeviceOnline& e) { s_->online(e); },
                 [&](const env::DeviceOffline& e) { s_->offline(e); },
                 [&](const env::Watch& e) { s_->watch(e); },
                 [](const auto&) {},  // addressed to another role: a routing slip, nothing for us
             },
             input);
}

void Presence::tick() { s_->tick(); }

std::vector<Effect> Presence::drain() { return std::exchange(s_->effects_, {}); }

PresenceStatus Presence::status(UserId user) const {
  auto it = s_->users_.find(user);
  if (it == s_->users_.end()) return {};
  return PresenceStatus{it->second.online, it->second.last_seen_ms};
}

std::vector<PresenceStatus> Presence::status(const std::vector<UserId>& users) const {
  std::vector<PresenceStatus> out;
  out.reserve(users.size());
  for (UserId user : users) out.push_back(status(user));
  return out;
}

const PresenceStats& Presence::stats() const { return s_->stats_; }

}  // namespace parley
