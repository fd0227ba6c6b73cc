// Push policy role: decides which notifications reach offline devices. Collapse per conversation
// (one visible notification, later ones counted into it), a per-user rate limit, muted chats,
// do-not-disturb hours in the user's local time, generic text for encrypted content, and device
// tokens dropped when the provider says they are gone. Emits PushNotify effects.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "parley/clock.hpp"
#include "parley/envelope.hpp"
#include "parley/limits.hpp"

namespace parley {

struct PushConfig {
  std::uint64_t collapse_window_ms = limits::push_collapse_window_ms;
  std::uint32_t rate_per_minute_max = limits::push_rate_per_minute_max;
  std::size_t preview_bytes_max = limits::push_preview_bytes_max;
  std::size_t tokens_per_user_max = limits::devices_per_user_max;
  std::size_t slots_per_user_max = limits::push_slots_per_user_max;
  std::size_t mutes_per_user_max = limits::push_mutes_per_user_max;
};

struct PushStats {
  std::uint64_t sent = 0;
  std::uint64_t collapsed = 0;       // candidates folded into another notification
  std::uint64_t muted = 0;
  std::uint64_t deferred_dnd = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t no_token = 0;
  std::uint64_t tokens_removed = 0;
  std::uint64_t refused = 0;         // a token, mute or collapse slot over its per-user limit
};

class PushPolicy {
 public:
  PushPolicy(PushConfig config, const Clock& clock);
  ~PushPolicy();
  PushPolicy(PushPolicy&&) noexcept;
  PushPolicy& operator=(PushPolicy&&) noexcept;

  void step(const Envelope& input);  // PushCandidate, PushTokenSet/Gone, MuteSet, DndSet, ReadUpTo
  void tick();                       // flush collapse windows and ended quiet hours
  std::vector<Effect> drain();

  const PushStats& stats() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace parley
