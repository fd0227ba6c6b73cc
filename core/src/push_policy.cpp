// Push policy role (push_policy.hpp). Per user: device tokens, mutes, quiet hours, a sliding
// one-minute rate window, and one collapse slot per (conversation, device) that stands for the
// notification visible on the device (same collapse_key) and counts the messages it covers until
// the user reads the conversation. A candidate is sent at once when nothing holds it back
// (collapse window, rate limit, quiet hours); otherwise it folds into the slot's pending
// notification, which tick() sends when the last of those reasons has passed.
#include "parley/push_policy.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "parley/assert.hpp"
#include "parley/conversation.hpp"
#include "parley/overloaded.hpp"

namespace parley {
namespace {

constexpr TimeMs minute_ms = 60'000;
constexpr TimeMs day_ms = 24 * 60 * minute_ms;
constexpr TimeMs rate_window_ms = minute_ms;  // "per minute", rolling
constexpr std::uint32_t minutes_per_day = 24 * 60;
constexpr std::int32_t utc_offset_minutes_max = 14 * 60;

// Milliseconds since the user's local midnight.
TimeMs local_time_of_day(TimeMs t, std::int32_t utc_offset_minutes) {
  const auto day = static_cast<std::int64_t>(day_ms);
  const std::int64_t local =
      static_cast<std::int64_t>(t % day_ms) + std::int64_t{utc_offset_minutes} * std::int64_t{minute_ms};
  return static_cast<TimeMs>(((local % day) + day) % day);
}

bool dnd_valid(const protocol::DoNotDisturb& d) {
  return d.start_minute < minutes_per_day && d.end_minute < minutes_per_day &&
         d.utc_offset_minutes >= -utc_offset_minutes_max && d.utc_offset_minutes <= utc_offset_minutes_max;
}

// Quiet hours are [start, end) in local minutes, wrapping midnight when start > end.
bool is_quiet(const protocol::DoNotDisturb& d, TimeMs t) {
  if (d.start_minute == d.end_minute) return false;
  const auto minute = local_time_of_day(t, d.utc_offset_minutes) / minute_ms;
  if (d.start_minute < d.end_minute) return minute >= d.start_minute && minute < d.end_minute;
  return minute >= d.start_minute || minute < d.end_minute;
}

// When the current quiet hours end, or nullopt when it is not quiet now.
std::optional<TimeMs> quiet_until(const protocol::DoNotDisturb& d, TimeMs t) {
  if (!is_quiet(d, t)) return std::nullopt;
  const TimeMs into_day = local_time_of_day(t, d.utc_offset_minutes);
  const TimeMs end = TimeMs{d.end_minute} * minute_ms;
  return t + (end + day_ms - into_day) % day_ms;
}

// Cut at a UTF-8 character boundary: never leave half a character for the device to render.
std::string truncate_preview(std::string_view text, std::size_t bytes_max) {
  if (text.size() <= bytes_max) return std::string(text);
  std::size_t cut = bytes_max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";  // "…"
}

}  // namespace

struct PushPolicy::State {
  struct Slot {
    bool sent_once = false;
    TimeMs last_sent_ms = 0;
    std::uint32_t unseen = 0;     // messages the visible notification stands for
    Body::Kind kind = Body::Kind::text;
    std::string preview;          // of the newest message, already truncated; empty if encrypted
    bool pending = false;         // a notification waits in dues_ at due_ms
    TimeMs due_ms = 0;
  };
  using SlotKey = std::pair<ConversationId, DeviceId>;  // by conversation first: ReadUpTo is a range
  struct User {
    std::map<DeviceId, std::string> tokens;
    std::map<ConversationId, TimeMs> mutes;  // until; UINT64_MAX = forever
    protocol::DoNotDisturb dnd;              // start == end: off
    std::deque<TimeMs> sent;                 // sends within the rolling minute, oldest first
    std::map<SlotKey, Slot> slots;
  };
  using Due = std::tuple<TimeMs, UserId, ConversationId, DeviceId>;

  State(PushConfig config, const Clock& clock)
      : config_(config), clock_(&clock), rate_max_(std::max<std::size_t>(config.rate_per_minute_max, 1)) {}

  void candidate(const env::PushCandidate& c);
  void set_token(const env::PushTokenSet& e);
  void token_gone(const env::PushTokenGone& e);
  void set_mute(const env::MuteSet& e);
  void set_dnd(const env::DndSet& e);
  void read_up_to(const env::ReadUpTo& e);
  void tick();

  void flush(UserId id, User& u, const SlotKey& key, Slot& slot);
  void send(UserId id, User& u, const SlotKey& key, Slot& slot);
  TimeMs ready_at(User& u, const Slot& slot);
  void schedule(UserId id, const SlotKey& key, Slot& slot, TimeMs due);
  void unschedule(UserId id, const SlotKey& key, Slot& slot);
  Slot* slot_for(User& u, const SlotKey& key);
  bool muted(User& u, ConversationId conv);
  void forget_device(UserId id, User& u, DeviceId device);
  void maybe_forget(UserId id);
  std::string body_of(const Slot& slot) const;
  TimeMs now() const { return clock_->now_ms(); }

  PushConfig config_;
  const Clock* clock_;
  std::size_t rate_max_;  // at least one notification a minute, or nothing would ever leave
  std::unordered_map<UserId, User> users_;
  std::set<Due> dues_;  // pending notifications, earliest first: tick() is O(due)
  std::vector<Effect> effects_;
  PushStats stats_;
};

void PushPolicy::State::candidate(const env::PushCandidate& c) {
  auto user = users_.find(c.device.user);
  if (user == users_.end() || !user->second.tokens.contains(c.device.device)) {
    ++stats_.no_token;
    return;
  }
  User& u = user->second;
  if (muted(u, c.conv)) {
    ++stats_.muted;
    return;
  }
  const SlotKey key{c.conv, c.device.device};
  Slot* slot = slot_for(u, key);
  if (slot == nullptr) {
    ++stats_.refused;
    return;
  }
  ++slot->unseen;
  slot->kind = c.kind;
  // Encrypted content is never shown, whatever the candidate carries.
  slot->preview = c.kind == Body::Kind::encrypted ? std::string{} : truncate_preview(c.preview, config_.preview_bytes_max);
  if (slot->pending) {
    ++stats_.collapsed;
    return;
  }
  const TimeMs t = now();
  const TimeMs ready = ready_at(u, *slot);
  if (ready <= t) {
    send(c.device.user, u, key, *slot);
    return;
  }
  if (is_quiet(u.dnd, t)) {
    ++stats_.deferred_dnd;
  } else if (slot->sent_once && t < slot->last_sent_ms + config_.collapse_window_ms) {
    ++stats_.collapsed;
  } else {
    ++stats_.rate_limited;
  }
  schedule(c.device.user, key, *slot, ready);
}

// The earliest time the slot may notify: after its collapse window, when the rate window has
// room, and outside quiet hours. Re-evaluated when a pending notification comes due.
TimeMs PushPolicy::State::ready_at(User& u, const Slot& slot) {
  const TimeMs t = now();
  TimeMs ready = t;
  if (slot.sent_once) ready = std::max(ready, slot.last_sent_ms + config_.collapse_window_ms);
  while (!u.sent.empty() && u.sent.front() + rate_window_ms <= t) u.sent.pop_front();
  if (u.sent.size() >= rate_max_) {
    ready = std::max(ready, u.sent.front() + rate_window_ms);
  }
  if (auto until = quiet_until(u.dnd, t)) ready = std::max(ready, *until);
  return ready;
}

void PushPolicy::State::send(UserId id, User& u, const SlotKey& key, Slot& slot) {
  const auto& [conv, device] = key;
  effects_.push_back(PushNotify{DeviceRef{id, device}, u.tokens.at(device), conv,
                                "conv:" + std::to_string(conv.value),
                                is_group(conv) ? "New group message" : "New message", body_of(slot),
                                slot.unseen});
  slot.sent_once = true;
  slot.last_sent_ms = now();
  u.sent.push_back(slot.last_sent_ms);
  PARLEY_ASSERT(u.sent.size() <= rate_max_);  // ready_at() let this send through
  ++stats_.sent;
}

std::string PushPolicy::State::body_of(const Slot& slot) const {
  if (slot.unseen > 1) return std::to_string(slot.unseen) + " new messages";
  if (slot.kind == Body::Kind::encrypted || slot.preview.empty()) return "New message";
  return slot.preview;
}

void PushPolicy::State::tick() {
  const TimeMs t = now();
  while (!dues_.empty() && std::get<0>(*dues_.begin()) <= t) {
    const auto [due, id, conv, device] = *dues_.begin();
    dues_.erase(dues_.begin());
    User& u = users_.at(id);
    const SlotKey key{conv, device};
    Slot& slot = u.slots.at(key);  // a slot is erased only after unschedule()
    slot.pending = false;
    flush(id, u, key, slot);
  }
}

void PushPolicy::State::flush(UserId id, User& u, const SlotKey& key, Slot& slot) {
  // Mutes and tokens may have changed while the notification waited.
  if (!u.tokens.contains(key.second) || muted(u, key.first)) return;
  const TimeMs ready = ready_at(u, slot);
  if (ready > now()) {
    schedule(id, key, slot, ready);  // e.g. the window ended inside quiet hours
    return;
  }
  send(id, u, key, slot);
}

void PushPolicy::State::schedule(UserId id, const SlotKey& key, Slot& slot, TimeMs due) {
  PARLEY_ASSERT(!slot.pending);
  slot.pending = true;
  slot.due_ms = due;
  dues_.emplace(due, id, key.first, key.second);
}

void PushPolicy::State::unschedule(UserId id, const SlotKey& key, Slot& slot) {
  if (!slot.pending) return;
  dues_.erase({slot.due_ms, id, key.first, key.second});
  slot.pending = false;
}

// The slot for key, making room when the user is at slots_per_user_max by evicting the idle
// slot (nothing pending) sent longest ago; nullptr when every slot has a notification pending.
PushPolicy::State::Slot* PushPolicy::State::slot_for(User& u, const SlotKey& key) {
  if (auto it = u.slots.find(key); it != u.slots.end()) return &it->second;
  if (u.slots.size() >= config_.slots_per_user_max) {
    auto victim = u.slots.end();
    for (auto it = u.slots.begin(); it != u.slots.end(); ++it) {
      if (it->second.pending) continue;
      if (victim == u.slots.end() || it->second.last_sent_ms < victim->second.last_sent_ms) victim = it;
    }
    if (victim == u.slots.end()) return nullptr;
    u.slots.erase(victim);
  }
  return &u.slots[key];
}

bool PushPolicy::State::muted(User& u, ConversationId conv) {
  auto it = u.mutes.find(conv);
  if (it == u.mutes.end()) return false;
  if (it->second > now()) return true;
  u.mutes.erase(it);  // expired: the conversation is audible again
  return false;
}

void PushPolicy::State::set_token(const env::PushTokenSet& e) {
  if (e.token.empty()) {
    auto user = users_.find(e.device.user);
    if (user == users_.end()) return;
    if (user->second.tokens.erase(e.device.device) != 0) forget_device(e.device.user, user->second, e.device.device);
    maybe_forget(e.device.user);
    return;
  }
  User& u = users_[e.device.user];
  auto it = u.tokens.find(e.device.device);
  if (it != u.tokens.end()) {
    it->second = e.token;
  } else if (u.tokens.size() >= config_.tokens_per_user_max) {
    ++stats_.refused;
    maybe_forget(e.device.user);
  } else {
    u.tokens.emplace(e.device.device, e.token);
  }
}

// The provider said the token is dead. Only that exact token goes: a device that registered a
// new token meanwhile keeps it.
void PushPolicy::State::token_gone(const env::PushTokenGone& e) {
  auto user = users_.find(e.device.user);
  if (user == users_.end()) return;
  auto it = user->second.tokens.find(e.device.device);
  if (it == user->second.tokens.end() || it->second != e.token) return;
  user->second.tokens.erase(it);
  ++stats_.tokens_removed;
  forget_device(e.device.user, user->second, e.device.device);
  maybe_forget(e.device.user);
}

void PushPolicy::State::forget_device(UserId id, User& u, DeviceId device) {
  for (auto it = u.slots.begin(); it != u.slots.end();) {
    if (it->first.second != device) {
      ++it;
      continue;
    }
    unschedule(id, it->first, it->second);
    it = u.slots.erase(it);
  }
}

void PushPolicy::State::set_mute(const env::MuteSet& e) {
  if (e.until_ms == 0 || e.until_ms <= now()) {
    auto user = users_.find(e.user);
    if (user == users_.end()) return;
    user->second.mutes.erase(e.conv);
    maybe_forget(e.user);
    return;
  }
  User& u = users_[e.user];
  if (!u.mutes.contains(e.conv) && u.mutes.size() >= config_.mutes_per_user_max) {
    std::erase_if(u.mutes, [&](const auto& m) { return m.second <= now(); });
    if (u.mutes.size() >= config_.mutes_per_user_max) {
      ++stats_.refused;
      maybe_forget(e.user);
      return;
    }
  }
  u.mutes[e.conv] = e.until_ms;
}

void PushPolicy::State::set_dnd(const env::DndSet& e) {
  User& u = users_[e.user];
  // The codec validates these; anything else is treated as "off" rather than guessed at.
  u.dnd = dnd_valid(e.settings) ? e.settings : protocol::DoNotDisturb{};
  // Pending notifications may now be due sooner (quiet hours shortened) or later.
  for (auto& [key, slot] : u.slots) {
    if (!slot.pending) continue;
    unschedule(e.user, key, slot);
    schedule(e.user, key, slot, std::max(ready_at(u, slot), now()));
  }
  maybe_forget(e.user);
}

// The user has seen the conversation: its collapsed notifications start over from nothing.
void PushPolicy::State::read_up_to(const env::ReadUpTo& e) {
  auto user = users_.find(e.user);
  if (user == users_.end()) return;
  auto& slots = user->second.slots;
  auto it = slots.lower_bound({e.conv, DeviceId{0}});
  while (it != slots.end() && it->first.first == e.conv) {
    unschedule(e.user, it->first, it->second);
    it = slots.erase(it);
  }
  maybe_forget(e.user);
}

// A user with nothing configured and nothing pending costs no memory.
void PushPolicy::State::maybe_forget(UserId id) {
  auto it = users_.find(id);
  if (it == users_.end()) return;
  const User& u = it->second;
  const bool dnd_off = u.dnd.start_minute == u.dnd.end_minute;
  if (u.tokens.empty() && u.mutes.empty() && dnd_off && u.slots.empty()) users_.erase(it);
}

// ---- the public face ---------------------------------------------------------------------------

PushPolicy::PushPolicy(PushConfig config, const Clock& clock)
    : s_(std::make_unique<State>(config, clock)) {}
PushPolicy::~PushPolicy() = default;
PushPolicy::PushPolicy(PushPolicy&&) noexcept = default;
PushPolicy& PushPolicy::operator=(PushPolicy&&) noexcept = default;

void PushPolicy::step(const Envelope& input) {
  std::visit(Overloaded{
                 [&](const env::PushCandidate& e) { s_->candidate(e); },
                 [&](const env::PushTokenSet& e) { s_->set_token(e); },
                 [&](const env::PushTokenGone& e) { s_->token_gone(e); },
                 [&](const env::MuteSet& e) { s_->set_mute(e); },
                 [&](const env::DndSet& e) { s_->set_dnd(e); },
                 [&](const env::ReadUpTo& e) { s_->read_up_to(e); },
                 [](const auto&) {},  // addressed to another role: a routing slip, nothing for us
             },
             input);
}

void PushPolicy::tick() { s_->tick(); }

std::vector<Effect> PushPolicy::drain() { return std::exchange(s_->effects_, {}); }

const PushStats& PushPolicy::stats() const { return s_->stats_; }

}  // namespace parley
