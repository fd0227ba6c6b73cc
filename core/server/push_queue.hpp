// The server's persistent push queue (no I/O of its own): notifications waiting for the webhook,
// in due order, with collapse per (device, conversation), exponential backoff with seeded jitter
// and a dead letter after attempts_max. Every change is mirrored to a PushLog (RocksDB in the
// server) so entries written before a crash are sent after it. Single-threaded: the push thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "parley/clock.hpp"
#include "parley/ids.hpp"
#include "parley/random.hpp"

namespace parley::server {

struct PushItem {
  DeviceRef device;
  std::string token;
  ConversationId conv;
  std::string collapse_key;
  std::string title;
  std::string body;
  std::uint32_t count = 1;     // messages the notification stands for
  std::uint32_t attempts = 0;  // failed deliveries so far
  bool operator==(const PushItem&) const = default;
};

struct PushQueueConfig {
  std::uint32_t attempts_max = 6;        // failed deliveries before the dead letter
  TimeMs backoff_base_ms = 1'000;        // delay after the first failure; doubles per failure
  TimeMs backoff_max_ms = 300'000;       // cap of the doubling
  double jitter = 0.5;                   // a delay d is drawn from [d·(1−jitter), d]
  std::size_t depth_max = 100'000;       // queued entries; beyond it new ones are refused
  std::uint64_t seed = 1;                // jitter is reproducible
};

// Where the queue writes itself: one atomic batch per change (erase keys, then put rows).
class PushLog {
 public:
  using Row = std::pair<std::string, std::string>;
  virtual ~PushLog() = default;
  virtual bool write(const std::vector<std::string>& erase, const std::vector<Row>& put) = 0;
};

struct PushEntry {
  TimeMs due_ms = 0;
  std::uint64_t seq = 0;  // unique; orders entries due at the same millisecond
  PushItem item;
};

// The log's row format: key = due_ms · seq (big-endian, so key order is due order).
std::string push_key(TimeMs due_ms, std::uint64_t seq);
std::string encode_push_item(const PushItem& item);
std::optional<PushEntry> decode_push_row(std::string_view key, std::string_view value);

class PushQueue {
 public:
  enum class Added { queued, collapsed, refused };
  enum class Failed { retried, dead, superseded };  // superseded: a newer one for its slot is queued

  PushQueue(PushQueueConfig config, PushLog& log);

  // At startup, the rows the log holds; malformed ones are erased. Entries waiting out a backoff
  // are due at once (a restart often follows a fixed webhook), in their old order. Returns how
  // many entries were kept.
  std::size_t restore(const std::vector<PushLog::Row>& rows, TimeMs now);

  // A newer notification for a device and conversation replaces the queued one, keeping its due
  // time and attempts (a collapse must not defeat the backoff of a failing webhook).
  Added add(PushItem item, TimeMs now);

  std::optional<TimeMs> next_due() const;
  // The earliest entry due at `now`, taken out of the queue (it stays in the log until done()
  // or failed(), so a crash during its delivery sends it again).
  std::optional<PushEntry> take_due(TimeMs now);
  void done(const PushEntry& entry);
  Failed failed(PushEntry entry, TimeMs now);
  // The provider said this token is gone: every queued entry for it goes. Returns how many.
  std::size_t drop_token(std::string_view token);

  TimeMs backoff_ms(std::uint32_t attempts);  // the delay after `attempts` failures (≥ 1)
  std::size_t queued() const { return queued_.size(); }
  std::size_t in_flight() const { return in_flight_; }

 private:
  using Key = std::pair<TimeMs, std::uint64_t>;
  using Slot = std::tuple<UserId, DeviceId, ConversationId>;
  static Slot slot_of(const PushItem& item) { return {item.device.user, item.device.device, item.conv}; }
  void insert(TimeMs due, PushItem item, std::vector<std::string> erase);
  void persist(const std::vector<std::string>& erase, const std::vector<PushLog::Row>& put);

  PushQueueConfig config_;
  PushLog& log_;
  Random random_;
  std::uint64_t next_seq_ = 1;
  std::map<Key, PushItem> queued_;  // due order
  std::map<Slot, Key> slots_;       // the queued entry of each (device, conversation)
  std::size_t in_flight_ = 0;
};

}  // namespace parley::server
