// ChatService's dedup cache (chat_dedup.hpp): a hash map for lookups plus an age list for eviction,
// both O(1) per operation.
#include "chat_dedup.hpp"

namespace parley::chat {

const DedupCache::Entry* DedupCache::find(UserId sender, const std::string& client_uuid) const {
  auto it = map_.find(Key{sender, client_uuid});
  return it == map_.end() ? nullptr : &it->second.entry;
}

void DedupCache::put(UserId sender, const std::string& client_uuid, Entry entry) {
  if (entries_max_ == 0) return;  // cache disabled: the store's durable dedup still answers
  Key key{sender, client_uuid};
  auto it = map_.find(key);
  if (it != map_.end()) {
    it->second.entry = entry;
    return;
  }
  while (map_.size() >= entries_max_) {
    map_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  map_.emplace(std::move(key), Slot{entry, std::prev(order_.end())});
}

void DedupCache::erase(UserId sender, const std::string& client_uuid) {
  auto it = map_.find(Key{sender, client_uuid});
  if (it == map_.end()) return;
  order_.erase(it->second.age);
  map_.erase(it);
}

}  // namespace parley::chat
