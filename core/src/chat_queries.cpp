// ChatService queries: history pages (newest first, before an id), sync replay (forwards from the
// device's position, or resync_required when retention passed that position), search (scoped by
// the store to the user's conversations) and presence interest (the members a session may watch).
// Members only; answers go to the asking session.
#include <algorithm>

#include "chat_state.hpp"
#include "parley/conversation.hpp"

namespace parley {
namespace {

std::uint32_t page_limit(std::uint32_t asked) {
  if (asked == 0) return limits::page_size_default;
  return std::min(asked, limits::page_size_max);
}

}  // namespace

void ChatService::State::on_history(env::HistoryQuery query) {
  const chat::Origin origin{query.origin, query.rid};
  if (ready_for_member(query, query.conv, query.device.user, &origin) == nullptr) return;
  if (!admit(&origin)) return;
  request(store::ReadMessages{query.conv, MessageId{}, query.before, page_limit(query.limit), true},
          chat::then::History{origin, query.conv});
}

void ChatService::State::on_history_page(const chat::then::History& then, store::Outcome& outcome) {
  auto* page = std::get_if<store::Page>(&outcome);
  if (page == nullptr) return reply_error(then.origin, ErrorCode::internal, "history unavailable");
  reply(then.origin.to, protocol::HistoryPage{then.origin.rid, then.conv, std::move(page->messages), page->more});
}

void ChatService::State::on_sync(env::SyncQuery query) {
  const chat::Origin origin{query.origin, query.rid};
  if (ready_for_member(query, query.conv, query.device.user, &origin) == nullptr) return;
  if (!admit(&origin)) return;
  request(store::ReadMessages{query.conv, query.after, MessageId{}, page_limit(query.limit), false},
          chat::then::Sync{origin, query.conv, query.after});
}

// Position 0 means "from the start of what is retained", so only a non-zero position older than
// the floor has a gap the server cannot fill: the client is told to resync rather than silently
// receiving history with a hole in it.
void ChatService::State::on_sync_page(const chat::then::Sync& then, store::Outcome& outcome) {
  auto* page = std::get_if<store::Page>(&outcome);
  if (page == nullptr) return reply_error(then.origin, ErrorCode::internal, "sync unavailable");
  protocol::SyncDone done{then.origin.rid, then.conv, then.after};
  if (then.after && page->floor && then.after < page->floor) {
    done.resync_required = true;
    done.floor = page->floor;
    return reply(then.origin.to, done);
  }
  for (StoredMessage& m : page->messages) {
    done.through = m.id;
    reply(then.origin.to, protocol::Deliver{std::move(m)});
  }
  done.more = page->more;
  // Appends of this conversation still in flight may land below what the page saw (a later id's
  // write can complete first): `through` must not pass them, or a client that is not registered
  // for their live fan-out would sync from past them next time (found by the simulator, seed 529
  // of the sweep). The replayed messages above stay delivered; the next sync repeats them.
  if (auto c = conversations.find(then.conv); c != conversations.end() && !c->second.appends.empty()) {
    const MessageId first_pending = c->second.appends.begin()->first;
    if (first_pending <= done.through) done.through = MessageId{first_pending.value - 1};
  }
  reply(then.origin.to, done);
}

// Search is sharded by user. With conv = 0 the store's scope (the user's conversations) is the
// membership check. With a conv, a direct one is checked from its id; a group one from this
// instance's cache when it holds the group (then it owns it), else from a one-shot GetGroup that
// is not cached (another instance owns that group and may change it).
void ChatService::State::on_search(env::SearchQuery query) {
  const chat::Origin origin{query.origin, query.rid};
  if (!query.conv) return run_search(query);
  if (is_direct(query.conv)) {
    const auto pair = direct_members(query.conv);
    if (!pair) return reply_error(origin, ErrorCode::not_found, "no such conversation");
    if (pair->first != query.device.user && pair->second != query.device.user) {
      return reply_error(origin, ErrorCode::not_member, "not a member of this conversation");
    }
    return run_search(query);
  }
  if (!is_group(query.conv)) return reply_error(origin, ErrorCode::not_found, "no such conversation");
  auto cached = conversations.find(query.conv);
  if (cached != conversations.end() && !cached->second.loading) {
    if (auto error = check_member(cached->second, query.device.user)) {
      return reply_error(origin, error->code, std::move(error->message));
    }
    return run_search(query);
  }
  if (!admit(&origin)) return;
  const GroupId group = group_of(query.conv);
  request(store::GetGroup{group}, chat::then::SearchGroupCheck{std::move(query)});
}

void ChatService::State::on_search_group_check(chat::then::SearchGroupCheck& then, store::Outcome& outcome) {
  const env::SearchQuery& query = then.query;
  const chat::Origin origin{query.origin, query.rid};
  auto* loaded = std::get_if<store::GroupLoaded>(&outcome);
  if (loaded == nullptr) return reply_error(origin, ErrorCode::internal, "search unavailable");
  if (!loaded->group) return reply_error(origin, ErrorCode::not_found, "no such group");
  if (!groups::is_member(*loaded->group, query.device.user)) {
    return reply_error(origin, ErrorCode::not_member, "not a member of this conversation");
  }
  run_search(query);
}

void ChatService::State::run_search(const env::SearchQuery& query) {
  const chat::Origin origin{query.origin, query.rid};
  if (!admit(&origin)) return;
  request(store::SearchMessages{query.device.user, query.query, query.conv, page_limit(query.limit)},
          chat::then::Search{origin});
}

void ChatService::State::on_search_hits(const chat::then::Search& then, store::Outcome& outcome) {
  auto* hits = std::get_if<store::Hits>(&outcome);
  if (hits == nullptr) return reply_error(then.origin, ErrorCode::internal, "search unavailable");
  reply(then.origin.to, protocol::SearchResult{then.origin.rid, std::move(hits->hits)});
}

void ChatService::State::on_presence_interest(env::PresenceInterest interest) {
  const chat::Origin origin{interest.origin, interest.rid};
  chat::Conversation* c = ready_for_member(interest, interest.conv, interest.device.user, &origin);
  if (c == nullptr) return;
  env::WatchList list{interest.origin, interest.rid, interest.conv, {}, interest.subscribe};
  std::copy_if(c->members.begin(), c->members.end(), std::back_inserter(list.users),
               [&](UserId u) { return u != interest.device.user; });
  route(std::move(list));
}

}  // namespace parley
