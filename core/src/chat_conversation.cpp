// ChatService conversation state: a bounded LRU cache of conversations (members, pending appends,
// fan-out steps, queued inputs). A direct conversation's members come from its id; a group's record
// is loaded with GetGroup on first touch, and the conversation's inputs queue until it arrives. The
// same queue holds inputs while a membership change is applied, so order with messages holds.
#include <algorithm>

#include "chat_state.hpp"
#include "parley/conversation.hpp"

namespace parley {
namespace {

constexpr std::size_t eviction_scan_max = 16;  // idle candidates examined per insertion

// The session that asked, for inputs that carry one (receipts and typing do not).
std::optional<chat::Origin> origin_of(const Envelope& input) {
  return std::visit(
      [](const auto& e) -> std::optional<chat::Origin> {
        if constexpr (requires { e.origin; e.rid; }) {
          return chat::Origin{e.origin, e.rid};
        } else {
          return std::nullopt;
        }
      },
      input);
}

}  // namespace

// The conversation, created (and its group record requested) on first touch. nullptr when the id
// names no conversation or a bound refused it; the origin has then been answered.
chat::Conversation* ChatService::State::enter(ConversationId conv, const chat::Origin* origin) {
  auto it = conversations.find(conv);
  if (it == conversations.end()) return create_conversation(conv, origin);
  lru.splice(lru.begin(), lru, it->second.lru);
  return &it->second;
}

chat::Conversation* ChatService::State::create_conversation(ConversationId conv, const chat::Origin* origin) {
  std::optional<std::pair<UserId, UserId>> pair;
  if (is_direct(conv)) {
    pair = direct_members(conv);
  }
  if (!pair && !is_group(conv)) {
    if (origin != nullptr) reply_error(*origin, ErrorCode::not_found, "no such conversation");
    return nullptr;
  }
  if (conversations.size() >= config.conversations_cached_max && !make_room()) {
    ++stats.overloaded;
    if (origin != nullptr) reply_error(*origin, ErrorCode::overloaded, "too many active conversations");
    return nullptr;
  }
  if (!pair && !admit(origin)) return nullptr;  // the group load is a store request
  auto& c = conversations[conv];
  lru.push_front(conv);
  c.lru = lru.begin();
  if (pair) {
    c.members = {pair->first, pair->second};
  } else {
    c.is_group = true;
    c.loading = true;
    request(store::GetGroup{group_of(conv)}, chat::then::LoadGroup{conv});
  }
  on_created(c, conv);  // after a restart: held, or re-fanned out first (chat_recovery.cpp)
  return &c;
}

// Evicts idle conversations from the cold end. A busy one (pending work, queued inputs) is never
// evicted: its continuations refer to it.
bool ChatService::State::make_room() {
  std::size_t scanned = 0;
  for (auto it = lru.end(); it != lru.begin() && scanned < eviction_scan_max; ++scanned) {
    --it;
    auto found = conversations.find(*it);
    if (found == conversations.end() || !found->second.idle()) continue;
    conversations.erase(found);
    lru.erase(it);
    return true;
  }
  return false;
}

// Queues an input of a blocked conversation (group loading, or a membership change in progress),
// bounded by conversation_queue_max: over it the origin gets overloaded (origin-less inputs such
// as receipts and typing are shed).
void ChatService::State::hold(chat::Conversation& c, Envelope input, const chat::Origin* origin) {
  if (c.waiting.size() >= config.conversation_queue_max) {
    ++stats.overloaded;
    if (origin != nullptr) reply_error(*origin, ErrorCode::overloaded, "conversation busy; retry later");
    return;
  }
  c.waiting.push_back(std::move(input));
}

// Replays queued inputs in arrival order until the conversation blocks again (a replayed
// membership command may block it) or the queue is empty.
void ChatService::State::resume(ConversationId conv) {
  for (;;) {
    auto it = conversations.find(conv);
    if (it == conversations.end() || it->second.blocked() || it->second.waiting.empty()) return;
    Envelope next = std::move(it->second.waiting.front());
    it->second.waiting.pop_front();
    on_envelope(std::move(next));
  }
}

std::optional<Error> ChatService::State::check_member(const chat::Conversation& c, UserId user) const {
  if (c.is_group && !c.group) return Error{ErrorCode::not_found, "no such group"};
  if (!std::binary_search(c.members.begin(), c.members.end(), user)) {
    return Error{ErrorCode::not_member, "not a member of this conversation"};
  }
  return std::nullopt;
}

void ChatService::State::on_group_loaded(const chat::then::LoadGroup& then, store::Outcome& outcome) {
  auto it = conversations.find(then.conv);
  if (it == conversations.end()) return;
  chat::Conversation& c = it->second;
  c.loading = false;
  if (auto* loaded = std::get_if<store::GroupLoaded>(&outcome)) {
    c.group = loaded->group;
    c.members = c.group ? c.group->members : std::vector<UserId>{};
    if (c.recovery_started) read_recovery_page(then.conv);  // it waited for the members
    resume(then.conv);
    return;
  }
  if (c.recovery_started) {  // the recovery starts over with the next load
    backlog[then.conv] = c.recover_after;
    --recovering;
  }
  // The load failed: everything queued is answered with internal and the entry is dropped, so
  // the next input retries the load.
  auto waiting = std::move(c.waiting);
  lru.erase(c.lru);
  conversations.erase(it);
  for (const auto& input : waiting) {
    if (auto origin = origin_of(input)) reply_error(*origin, ErrorCode::internal, "group unavailable; retry");
  }
}

}  // namespace parley
