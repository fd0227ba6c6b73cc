// MemoryStore: every store::Op of records.hpp answered from ordered in-memory maps, so a test or a
// small simulation sees exactly the semantics the RocksDB/Redis adapters promise (history order by
// id, durable dedup, search scoped to a user's conversations, registry rules).
#include "parley/memory_store.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "parley/limits.hpp"
#include "parley/overloaded.hpp"
#include "parley/search_terms.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace {

using MessageKey = std::pair<ConversationId, MessageId>;

std::uint32_t page_limit(std::uint32_t limit) {
  return limit == 0 ? limits::page_size_default : limit;
}

struct ConversationData {
  std::map<MessageId, StoredMessage> messages;  // history order
  MessageId floor;                              // oldest retained id after a trim (0 = all)
};

struct Mark {  // store::FanoutMark without its key
  MessageId last;
  MessageId done;
};

struct DeviceEntry {
  DeviceLocation location;
  std::uint64_t touched = 0;  // registry stamp of the last connect/disconnect: "oldest" below
};

}  // namespace

struct MemoryStore::State {
  std::map<ConversationId, ConversationData> conversations;
  std::map<std::pair<UserId, std::string>, MessageKey> dedup;
  std::map<std::pair<ConversationId, UserId>, MessageId> receipts;
  std::map<GroupId, GroupRecord> groups;
  std::map<UserId, std::set<ConversationId>> user_conversations;
  std::map<std::string, std::set<MessageKey>> index;
  std::map<UserId, std::map<DeviceId, DeviceEntry>> registry;
  std::uint64_t registry_stamp = 0;
  std::map<ConversationId, Mark> marks;

  store::Outcome append(const store::AppendMessage& op);
  store::Outcome read(const store::ReadMessages& op) const;
  store::Outcome put_receipt(const store::PutReceipt& op);
  store::Outcome get_group(const store::GetGroup& op) const;
  store::Outcome put_group(const store::PutGroup& op);
  store::Outcome search(const store::SearchMessages& op) const;
  store::Outcome connect(const store::RegistryConnect& op);
  store::Outcome disconnect(const store::RegistryDisconnect& op);
  store::Outcome lookup(const store::RegistryLookup& op) const;
  store::Outcome mark_fanned_out(const store::MarkFannedOut& op);
  store::Outcome list_backlog(const store::ListFanoutBacklog& op) const;

  StoredMessage original_of(const StoredMessage& retry, const MessageKey& key) const;
  void index_message(const StoredMessage& m);
  void unindex_message(const StoredMessage& m);
  bool evict_oldest_offline(std::map<DeviceId, DeviceEntry>& devices);
};

MemoryStore::MemoryStore() : s_(std::make_unique<State>()) {}
MemoryStore::~MemoryStore() = default;
MemoryStore::MemoryStore(MemoryStore&&) noexcept = default;
MemoryStore& MemoryStore::operator=(MemoryStore&&) noexcept = default;

store::Outcome MemoryStore::execute(const store::Op& op) {
  return std::visit(Overloaded{
                        [&](const store::AppendMessage& o) { return s_->append(o); },
                        [&](const store::ReadMessages& o) { return s_->read(o); },
                        [&](const store::PutReceipt& o) { return s_->put_receipt(o); },
                        [&](const store::GetGroup& o) { return s_->get_group(o); },
                        [&](const store::PutGroup& o) { return s_->put_group(o); },
                        [&](const store::SearchMessages& o) { return s_->search(o); },
                        [&](const store::RegistryConnect& o) { return s_->connect(o); },
                        [&](const store::RegistryDisconnect& o) { return s_->disconnect(o); },
                        [&](const store::RegistryLookup& o) { return s_->lookup(o); },
                        [&](const store::MarkFannedOut& o) { return s_->mark_fanned_out(o); },
                        [&](const store::ListFanoutBacklog& o) { return s_->list_backlog(o); },
                    },
                    op);
}

void MemoryStore::trim(ConversationId conv, MessageId floor) {
  auto& data = s_->conversations[conv];
  auto end = data.messages.lower_bound(floor);
  for (auto it = data.messages.begin(); it != end; ++it) s_->unindex_message(it->second);
  data.messages.erase(data.messages.begin(), end);
  data.floor = std::max(data.floor, floor);
}

bool MemoryStore::forget(ConversationId conv, MessageId id) {
  auto data = s_->conversations.find(conv);
  if (data == s_->conversations.end()) return false;
  auto it = data->second.messages.find(id);
  if (it == data->second.messages.end()) return false;
  const StoredMessage& m = it->second;
  s_->unindex_message(m);
  if (!m.client_uuid.empty()) {
    auto key = s_->dedup.find({m.sender, m.client_uuid});
    if (key != s_->dedup.end() && key->second == MessageKey{conv, id}) s_->dedup.erase(key);
  }
  data->second.messages.erase(it);
  return true;
}

std::size_t MemoryStore::message_count() const {
  std::size_t n = 0;
  for (const auto& [conv, data] : s_->conversations) n += data.messages.size();
  return n;
}

// ---- messages ------------------------------------------------------------------------------

store::Outcome MemoryStore::State::append(const store::AppendMessage& op) {
  const StoredMessage& m = op.message;
  if (!m.conv || !m.id) return Error{ErrorCode::invalid_value, "append needs a conversation and an id"};
  const bool dedup_keyed = !m.client_uuid.empty();
  if (dedup_keyed) {
    auto hit = dedup.find({m.sender, m.client_uuid});
    if (hit != dedup.end()) return store::Appended{original_of(m, hit->second), true};
  }
  auto& data = conversations[m.conv];
  if (data.messages.count(m.id) != 0) {
    return Error{ErrorCode::invalid_value, "message id already used in this conversation"};
  }
  data.messages.emplace(m.id, m);
  if (dedup_keyed) dedup.emplace(std::pair{m.sender, m.client_uuid}, MessageKey{m.conv, m.id});
  for (const UserId u : op.link_users) user_conversations[u].insert(m.conv);
  if (op.index) index_message(m);
  Mark& mark = marks[m.conv];
  mark.last = std::max(mark.last, m.id);
  mark.done = std::max(mark.done, op.fanned_out);
  return store::Appended{m, false};
}

// ---- fan-out marks ---------------------------------------------------------------------------

store::Outcome MemoryStore::State::mark_fanned_out(const store::MarkFannedOut& op) {
  if (!op.conv) return Error{ErrorCode::invalid_value, "fan-out mark needs a conversation"};
  Mark& mark = marks[op.conv];
  mark.done = std::max(mark.done, op.up_to);
  return store::Done{};
}

store::Outcome MemoryStore::State::list_backlog(const store::ListFanoutBacklog& op) const {
  store::Backlog backlog;
  const std::uint32_t limit = page_limit(op.limit);
  for (auto it = marks.upper_bound(op.after); it != marks.end(); ++it) {
    backlog.newest = std::max(backlog.newest, it->second.last);
    if (it->second.last <= it->second.done) continue;
    if (backlog.marks.size() == limit) {
      backlog.more = true;
      break;
    }
    backlog.marks.push_back({it->first, it->second.last, it->second.done});
  }
  return backlog;
}

// The original of a deduplicated send. If retention already dropped it, the dedup record still
// answers with what the ack needs (conversation, id, time inside the id).
StoredMessage MemoryStore::State::original_of(const StoredMessage& retry, const MessageKey& key) const {
  auto conv = conversations.find(key.first);
  if (conv != conversations.end()) {
    auto it = conv->second.messages.find(key.second);
    if (it != conv->second.messages.end()) return it->second;
  }
  StoredMessage stub;
  stub.conv = key.first;
  stub.id = key.second;
  stub.sender = retry.sender;
  stub.client_uuid = retry.client_uuid;
  stub.time_ms = snowflake::decode(key.second.value).unix_ms;
  return stub;
}

store::Outcome MemoryStore::State::read(const store::ReadMessages& op) const {
  store::Page page;
  auto found = conversations.find(op.conv);
  if (found == conversations.end()) return page;
  const auto& messages = found->second.messages;
  page.floor = found->second.floor;
  const std::uint32_t limit = page_limit(op.limit);
  const auto first = messages.upper_bound(op.after);
  const auto last = op.before ? messages.lower_bound(op.before) : messages.end();
  if (first == messages.end() || (last != messages.end() && !(first->first < last->first))) {
    return page;  // empty range (after >= before)
  }
  if (op.newest_first) {
    auto it = last;
    while (it != first && page.messages.size() < limit) {
      --it;
      page.messages.push_back(it->second);
    }
    page.more = it != first;
  } else {
    auto it = first;
    for (; it != last && page.messages.size() < limit; ++it) page.messages.push_back(it->second);
    page.more = it != last;
  }
  return page;
}

store::Outcome MemoryStore::State::put_receipt(const store::PutReceipt& op) {
  if (!op.conv || !op.user) return Error{ErrorCode::invalid_value, "receipt needs a conversation and a user"};
  auto& up_to = receipts[{op.conv, op.user}];
  up_to = std::max(up_to, op.up_to);
  return store::Done{};
}

// ---- groups ----------------------------------------------------------------------------------

store::Outcome MemoryStore::State::get_group(const store::GetGroup& op) const {
  auto it = groups.find(op.group);
  if (it == groups.end()) return store::GroupLoaded{};
  return store::GroupLoaded{it->second};
}

store::Outcome MemoryStore::State::put_group(const store::PutGroup& op) {
  if (!op.group.id) return Error{ErrorCode::invalid_value, "group id 0"};
  const ConversationId conv{op.group.id.value};  // a group's conversation id is its group id
  groups[op.group.id] = op.group;
  for (const UserId u : op.link) user_conversations[u].insert(conv);
  for (const UserId u : op.unlink) {
    auto it = user_conversations.find(u);
    if (it == user_conversations.end()) continue;
    it->second.erase(conv);
    if (it->second.empty()) user_conversations.erase(it);
  }
  return store::Done{};
}

// ---- search ----------------------------------------------------------------------------------

void MemoryStore::State::index_message(const StoredMessage& m) {
  if (!searchable(m.body)) return;
  for (const auto& term : search_terms(m.body.text)) index[term].insert({m.conv, m.id});
}

void MemoryStore::State::unindex_message(const StoredMessage& m) {
  if (!searchable(m.body)) return;
  for (const auto& term : search_terms(m.body.text)) {
    auto it = index.find(term);
    if (it == index.end()) continue;
    it->second.erase({m.conv, m.id});
    if (it->second.empty()) index.erase(it);
  }
}

store::Outcome MemoryStore::State::search(const store::SearchMessages& op) const {
  store::Hits result;
  const auto terms = search_terms(op.query);
  auto scope = user_conversations.find(op.user);
  if (terms.empty() || scope == user_conversations.end()) return result;
  if (op.conv && scope->second.count(op.conv) == 0) return result;
  // Scan the rarest term's postings and check the others: all terms must be present.
  std::vector<const std::set<MessageKey>*> postings;
  for (const auto& term : terms) {
    auto it = index.find(term);
    if (it == index.end()) return result;
    postings.push_back(&it->second);
  }
  std::sort(postings.begin(), postings.end(), [](auto* a, auto* b) { return a->size() < b->size(); });
  std::vector<MessageKey> matches;
  for (const MessageKey& key : *postings.front()) {
    if (op.conv && key.first != op.conv) continue;
    if (scope->second.count(key.first) == 0) continue;
    const bool all = std::all_of(postings.begin() + 1, postings.end(),
                                 [&](auto* p) { return p->count(key) != 0; });
    if (all) matches.push_back(key);
  }
  std::sort(matches.begin(), matches.end(),
            [](const MessageKey& a, const MessageKey& b) {
              return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
  const std::uint32_t limit = page_limit(op.limit);
  for (const MessageKey& key : matches) {
    if (result.hits.size() >= limit) break;
    // trim() unindexes what it drops, so both finds succeed; checked anyway: never a crash.
    auto conv = conversations.find(key.first);
    if (conv == conversations.end()) continue;
    auto m = conv->second.messages.find(key.second);
    if (m != conv->second.messages.end()) result.hits.push_back(m->second);
  }
  return result;
}

// ---- registry --------------------------------------------------------------------------------

store::Outcome MemoryStore::State::connect(const store::RegistryConnect& op) {
  if (!op.device.user || !op.gateway) return Error{ErrorCode::invalid_value, "connect needs a user and a gateway"};
  auto& devices = registry[op.device.user];
  if (devices.count(op.device.device) == 0 && devices.size() >= limits::devices_per_user_max &&
      !evict_oldest_offline(devices)) {
    // Every known device is online: refusing the newcomer is the deliberate action (the gateway
    // closes its session) rather than silently stopping deliveries to a connected device.
    return Error{ErrorCode::too_many_items, "too many connected devices for this user"};
  }
  devices[op.device.device] = DeviceEntry{DeviceLocation{op.device, op.gateway, op.session}, ++registry_stamp};
  return store::Done{};
}

bool MemoryStore::State::evict_oldest_offline(std::map<DeviceId, DeviceEntry>& devices) {
  auto oldest = devices.end();
  for (auto it = devices.begin(); it != devices.end(); ++it) {
    if (it->second.location.online()) continue;
    if (oldest == devices.end() || it->second.touched < oldest->second.touched) oldest = it;
  }
  if (oldest == devices.end()) return false;
  devices.erase(oldest);
  return true;
}

store::Outcome MemoryStore::State::disconnect(const store::RegistryDisconnect& op) {
  auto user = registry.find(op.device.user);
  if (user == registry.end()) return store::Done{};
  auto it = user->second.find(op.device.device);
  // A reconnect elsewhere may have replaced this location already: then this disconnect is stale.
  if (it == user->second.end() || it->second.location.gateway != op.gateway ||
      it->second.location.session != op.session) {
    return store::Done{};
  }
  it->second.location.gateway = NodeId{};
  it->second.location.session = SessionId{};
  it->second.touched = ++registry_stamp;
  return store::Done{};
}

store::Outcome MemoryStore::State::lookup(const store::RegistryLookup& op) const {
  store::Devices result;
  std::set<UserId> users(op.users.begin(), op.users.end());
  for (const UserId u : users) {
    auto it = registry.find(u);
    if (it == registry.end()) continue;
    for (const auto& [id, entry] : it->second) result.devices.push_back(entry.location);
  }
  return result;  // sorted by (user, device): users ascend, and each user's map is ordered
}

}  // namespace parley
