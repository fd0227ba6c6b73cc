// ChatService's in-memory dedup cache: (sender, client UUID) → the message it produced, bounded by
// ChatConfig::dedup_entries_max with the oldest entry evicted first. A miss is never wrong: the
// store keeps the durable dedup record and answers a re-append with Appended.duplicate.
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

#include "parley/clock.hpp"
#include "parley/ids.hpp"

namespace parley::chat {

class DedupCache {
 public:
  struct Entry {
    ConversationId conv;
    MessageId msg;
    TimeMs time_ms = 0;
    bool durable = false;  // false while the original's append is in flight
  };

  explicit DedupCache(std::size_t entries_max) : entries_max_(entries_max) {}

  const Entry* find(UserId sender, const std::string& client_uuid) const;
  // Inserts or replaces; an insert over the bound evicts the oldest entry.
  void put(UserId sender, const std::string& client_uuid, Entry entry);
  void erase(UserId sender, const std::string& client_uuid);
  std::size_t size() const { return map_.size(); }

 private:
  using Key = std::pair<UserId, std::string>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return std::hash<UserId>{}(k.first) ^ (std::hash<std::string>{}(k.second) * 31);
    }
  };
  struct Slot {
    Entry entry;
    std::list<Key>::iterator age;  // position in order_
  };

  std::size_t entries_max_;
  std::list<Key> order_;  // oldest first
  std::unordered_map<Key, Slot, KeyHash> map_;
};

}  // namespace parley::chat
