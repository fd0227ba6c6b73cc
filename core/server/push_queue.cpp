// PushQueue (push_queue.hpp): an ordered map by (due, seq) for the worker's next pick, a slot map
// for collapse, and the row codec of the RocksDB log (fixed big-endian integers, then four
// length-prefixed strings).
#include "push_queue.hpp"

#include <algorithm>
#include <cmath>

#include "log.hpp"

namespace parley::server {
namespace {

constexpr std::size_t key_bytes = 16;
constexpr std::size_t fixed_bytes = 8 + 8 + 8 + 4 + 4;  // user, device, conv, count, attempts

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_be(std::string_view in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

void put_string(std::string& out, std::string_view s) {
  put_be(out, s.size(), 4);
  out.append(s);
}

bool get_string(std::string_view in, std::size_t& at, std::string& out) {
  if (in.size() - at < 4) return false;
  const std::size_t n = get_be(in, at, 4);
  at += 4;
  if (in.size() - at < n) return false;
  out.assign(in.substr(at, n));
  at += n;
  return true;
}

}  // namespace

std::string push_key(TimeMs due_ms, std::uint64_t seq) {
  std::string key;
  key.reserve(key_bytes);
  put_be(key, due_ms, 8);
  put_be(key, seq, 8);
  return key;
}

std::string encode_push_item(const PushItem& item) {
  std::string out;
  put_be(out, item.device.user.value, 8);
  put_be(out, item.device.device.value, 8);
  put_be(out, item.conv.value, 8);
  put_be(out, item.count, 4);
  put_be(out, item.attempts, 4);
  for (const std::string* s : {&item.token, &item.collapse_key, &item.title, &item.body}) put_string(out, *s);
  return out;
}

std::optional<PushEntry> decode_push_row(std::string_view key, std::string_view value) {
  if (key.size() != key_bytes || value.size() < fixed_bytes) return std::nullopt;
  PushEntry e;
  e.due_ms = get_be(key, 0, 8);
  e.seq = get_be(key, 8, 8);
  PushItem& item = e.item;
  item.device = DeviceRef{UserId{get_be(value, 0, 8)}, DeviceId{get_be(value, 8, 8)}};
  item.conv = ConversationId{get_be(value, 16, 8)};
  item.count = static_cast<std::uint32_t>(get_be(value, 24, 4));
  item.attempts = static_cast<std::uint32_t>(get_be(value, 28, 4));
  std::size_t at = fixed_bytes;
  for (std::string* s : {&item.token, &item.collapse_key, &item.title, &item.body}) {
    if (!get_string(value, at, *s)) return std::nullopt;
  }
  if (at != value.size()) return std::nullopt;
  return e;
}

PushQueue::PushQueue(PushQueueConfig config, PushLog& log)
    : config_(config), log_(log), random_(config.seed) {}

std::size_t PushQueue::restore(const std::vector<PushLog::Row>& rows, TimeMs now) {
  std::vector<std::string> erase;  // malformed, superseded, or re-keyed rows
  std::map<Slot, PushEntry> newest;
  std::size_t dropped = 0;
  for (const auto& [key, value] : rows) {
    auto entry = decode_push_row(key, value);
    if (!entry) {
      erase.push_back(key);
      ++dropped;
      continue;
    }
    next_seq_ = std::max(next_seq_, entry->seq + 1);
    // Two rows for one slot (one was in flight when a newer one came, then a crash): the newer wins.
    auto [it, fresh] = newest.try_emplace(slot_of(entry->item), *entry);
    if (fresh) continue;
    PushEntry& older = entry->seq < it->second.seq ? *entry : it->second;
    erase.push_back(push_key(older.due_ms, older.seq));
    ++dropped;
    if (entry->seq > it->second.seq) it->second = std::move(*entry);
  }
  std::vector<PushLog::Row> put;
  for (auto& [slot, entry] : newest) {
    if (entry.due_ms > now) {
      erase.push_back(push_key(entry.due_ms, entry.seq));
      entry.due_ms = now;
      put.emplace_back(push_key(now, entry.seq), encode_push_item(entry.item));
    }
    const Key k{entry.due_ms, entry.seq};
    slots_[slot] = k;
    queued_.emplace(k, std::move(entry.item));
  }
  if (dropped != 0) log(LogLevel::warn, "push_rows_dropped").kv("rows", dropped);
  if (!erase.empty()) persist(erase, put);
  return queued_.size();
}

PushQueue::Added PushQueue::add(PushItem item, TimeMs now) {
  auto slot = slots_.find(slot_of(item));
  if (slot != slots_.end()) {
    const Key old = slot->second;
    auto node = queued_.extract(old);
    item.attempts = node.mapped().attempts;
    insert(std::max(old.first, now), std::move(item), {push_key(old.first, old.second)});
    return Added::collapsed;
  }
  if (queued_.size() >= config_.depth_max) return Added::refused;
  insert(now, std::move(item), {});
  return Added::queued;
}

std::optional<TimeMs> PushQueue::next_due() const {
  if (queued_.empty()) return std::nullopt;
  return queued_.begin()->first.first;
}

std::optional<PushEntry> PushQueue::take_due(TimeMs now) {
  if (queued_.empty() || queued_.begin()->first.first > now) return std::nullopt;
  auto node = queued_.extract(queued_.begin());
  slots_.erase(slot_of(node.mapped()));
  ++in_flight_;
  return PushEntry{node.key().first, node.key().second, std::move(node.mapped())};
}

void PushQueue::done(const PushEntry& entry) {
  --in_flight_;
  persist({push_key(entry.due_ms, entry.seq)}, {});
}

PushQueue::Failed PushQueue::failed(PushEntry entry, TimeMs now) {
  --in_flight_;
  const std::string old = push_key(entry.due_ms, entry.seq);
  // A newer notification for the slot arrived while this one was out: it supersedes this one.
  if (slots_.contains(slot_of(entry.item))) {
    persist({old}, {});
    return Failed::superseded;
  }
  ++entry.item.attempts;
  if (entry.item.attempts >= config_.attempts_max) {
    persist({old}, {});
    return Failed::dead;
  }
  insert(now + backoff_ms(entry.item.attempts), std::move(entry.item), {old});
  return Failed::retried;
}

std::size_t PushQueue::drop_token(std::string_view token) {
  std::vector<std::string> erase;
  for (auto it = queued_.begin(); it != queued_.end();) {
    if (it->second.token != token) {
      ++it;
      continue;
    }
    erase.push_back(push_key(it->first.first, it->first.second));
    slots_.erase(slot_of(it->second));
    it = queued_.erase(it);
  }
  if (!erase.empty()) persist(erase, {});
  return erase.size();
}

TimeMs PushQueue::backoff_ms(std::uint32_t attempts) {
  const std::uint32_t doublings = std::min<std::uint32_t>(attempts == 0 ? 0 : attempts - 1, 40);
  const double full = std::min(static_cast<double>(config_.backoff_max_ms),
                               static_cast<double>(config_.backoff_base_ms) * std::ldexp(1.0, static_cast<int>(doublings)));
  const double jitter = std::clamp(config_.jitter, 0.0, 1.0);
  return static_cast<TimeMs>(full * (1.0 - jitter * random_.unit()));
}

void PushQueue::insert(TimeMs due, PushItem item, std::vector<std::string> erase) {
  const Key key{due, next_seq_++};
  std::vector<PushLog::Row> put{{push_key(key.first, key.second), encode_push_item(item)}};
  slots_[slot_of(item)] = key;
  queued_.emplace(key, std::move(item));
  persist(erase, put);
}

void PushQueue::persist(const std::vector<std::string>& erase, const std::vector<PushLog::Row>& put) {
  // Delivery goes on from memory; only what a restart would recover is at risk, so say so loudly.
  if (!log_.write(erase, put)) log(LogLevel::error, "push_log_write_failed").kv("erase", erase.size()).kv("put", put.size());
}

}  // namespace parley::server
