// Presence role: online / offline / last seen per user from device heartbeats with a TTL (90 s),
// and subscriptions per watching session (asked per conversation, never broadcast to all contacts).
// A change of a user's status is sent once per watching gateway as NotifySessions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "parley/clock.hpp"
#include "parley/envelope.hpp"
#include "parley/limits.hpp"

namespace parley {

struct PresenceConfig {
  std::uint64_t ttl_ms = limits::presence_ttl_ms;
  std::size_t watchers_per_user_max = limits::watchers_per_user_max;
  std::size_t devices_per_user_max = limits::devices_per_user_max;
};

struct PresenceStatus {
  bool online = false;
  TimeMs last_seen_ms = 0;  // 0 = never seen
  bool operator==(const PresenceStatus&) const = default;
};

struct PresenceStats {
  std::uint64_t online_users = 0;
  std::uint64_t expirations = 0;   // devices timed out by TTL
  std::uint64_t updates_sent = 0;
  std::uint64_t subscriptions = 0; // now
  std::uint64_t watches_refused = 0;  // over watchers_per_user_max
  std::uint64_t devices_refused = 0;  // over devices_per_user_max
};

class Presence {
 public:
  Presence(PresenceConfig config, const Clock& clock);
  ~Presence();
  Presence(Presence&&) noexcept;
  Presence& operator=(Presence&&) noexcept;

  void step(const Envelope& input);  // DeviceOnline, DeviceOffline, Watch
  void tick();                       // TTL expiry at the clock's current time
  std::vector<Effect> drain();

  PresenceStatus status(UserId user) const;
  // Batched query: statuses of many users at once (the gateway answers subscriptions with it).
  std::vector<PresenceStatus> status(const std::vector<UserId>& users) const;
  const PresenceStats& stats() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace parley
