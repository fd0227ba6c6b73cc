// ChatService sends: dedup by (sender, client UUID), snowflake ids, and persist-then-ack. Each
// conversation keeps its in-flight appends ordered by id; a completed append is released (acked,
// fanned out) only when every earlier append of the conversation has completed, so acks and
// deliveries leave in id order even when the store answers out of order. A failed append is
// answered at once (internal; the client may retry with the same UUID) and blocks nobody.
#include "chat_state.hpp"

namespace parley {

void ChatService::State::on_submit(env::Submit submit) {
  const chat::Origin origin{submit.origin, submit.rid};
  chat::Conversation* c = ready_for_member(submit, submit.conv, submit.sender.user, &origin);
  if (c == nullptr) return;
  if (answer_from_dedup(submit, origin)) return;
  if (!admit(&origin)) return;
  StoredMessage m;
  m.conv = submit.conv;
  m.id = ids.next_message_id();
  m.sender = submit.sender.user;
  m.sender_device = submit.sender.device;
  m.client_uuid = std::move(submit.client_uuid);
  m.body = std::move(submit.body);
  m.time_ms = snowflake::decode(m.id.value).unix_ms;  // the id's own time, even if the clock stepped back
  append(*c, std::move(m), origin, c->members);
}

// A retry of a durable send is acked at once (duplicate, original id and time, no fan-out); a
// retry of a send still being appended is acked together with the original when it completes
// (at most conversation_queue_max such retries wait per append; more get overloaded).
bool ChatService::State::answer_from_dedup(const env::Submit& submit, const chat::Origin& origin) {
  if (submit.client_uuid.empty()) return false;
  const auto* hit = dedup.find(submit.sender.user, submit.client_uuid);
  if (hit == nullptr) return false;
  if (hit->durable) {
    StoredMessage original;
    original.conv = hit->conv;
    original.id = hit->msg;
    original.time_ms = hit->time_ms;
    original.client_uuid = submit.client_uuid;
    ack(origin, original, true);
    ++stats.duplicates;
    return true;
  }
  auto c = conversations.find(hit->conv);
  if (c == conversations.end()) return false;
  auto p = c->second.appends.find(hit->msg);
  if (p == c->second.appends.end()) return false;  // let the store's durable dedup answer
  if (p->second.retries.size() >= config.conversation_queue_max) {
    ++stats.overloaded;
    reply_error(origin, ErrorCode::overloaded, "send already in progress; retry later");
    return true;
  }
  p->second.retries.push_back(origin);
  return true;
}

void ChatService::State::append(chat::Conversation& c, StoredMessage message,
                                std::optional<chat::Origin> origin, std::vector<UserId> recipients) {
  const ConversationId conv = message.conv;
  const MessageId id = message.id;
  if (!message.client_uuid.empty()) {
    dedup.put(message.sender, message.client_uuid, {conv, id, message.time_ms, false});
  }
  const bool index = message.body.kind != Body::Kind::encrypted;  // ciphertext is never indexed
  const MessageId mark = carry_mark(conv, c);  // the fan-out cursor rides along (chat_recovery.cpp)
  request(store::AppendMessage{message, c.members, index, mark}, chat::then::Append{conv, id, mark});
  chat::PendingAppend p;
  p.message = std::move(message);
  p.origin = std::move(origin);
  p.recipients = std::move(recipients);
  c.appends.emplace(id, std::move(p));
}

void ChatService::State::on_appended(const chat::then::Append& then, store::Outcome& outcome) {
  auto c = conversations.find(then.conv);
  if (c == conversations.end()) return;
  auto p = c->second.appends.find(then.msg);
  if (p == c->second.appends.end()) return;
  auto* appended = std::get_if<store::Appended>(&outcome);
  on_mark_result(then.conv, then.mark, appended != nullptr && !appended->duplicate);
  if (appended != nullptr) {
    p->second.status = appended->duplicate ? chat::PendingAppend::Status::duplicate
                                           : chat::PendingAppend::Status::appended;
    p->second.stored = std::move(appended->stored);
  } else {
    fail_append(p->second);
  }
  release(then.conv);
}

void ChatService::State::fail_append(chat::PendingAppend& p) {
  p.status = chat::PendingAppend::Status::failed;
  const std::string why = "message not stored; retry with the same client_uuid";
  if (p.origin) reply_error(*p.origin, ErrorCode::internal, why);
  for (const auto& retry : p.retries) reply_error(retry, ErrorCode::internal, why);
  const auto& m = p.message;
  // Forget the in-flight entry so a retry appends again (the store's dedup catches a write that
  // did land despite the error).
  const auto* hit = m.client_uuid.empty() ? nullptr : dedup.find(m.sender, m.client_uuid);
  if (hit != nullptr && hit->msg == m.id) dedup.erase(m.sender, m.client_uuid);
}

void ChatService::State::release(ConversationId conv) {
  auto it = conversations.find(conv);
  if (it == conversations.end()) return;
  chat::Conversation& c = it->second;
  while (!c.appends.empty()) {
    chat::PendingAppend& p = c.appends.begin()->second;
    if (p.status == chat::PendingAppend::Status::in_flight) break;
    complete(c, p);
    c.appends.erase(c.appends.begin());
  }
  if (c.appends.empty() && c.barrier) {
    c.barrier = false;  // a membership command waited for these appends: run it now
    resume(conv);
  }
}

void ChatService::State::complete(chat::Conversation& c, chat::PendingAppend& p) {
  using Status = chat::PendingAppend::Status;
  if (p.status == Status::failed) return;  // answered when it failed
  const bool duplicate = p.status == Status::duplicate;
  if (p.origin) {
    ack(*p.origin, p.stored, duplicate);
    ++(duplicate ? stats.duplicates : stats.accepted);
  }
  for (const auto& retry : p.retries) ack(retry, p.stored, true);
  stats.duplicates += p.retries.size();
  if (!p.message.client_uuid.empty()) {
    dedup.put(p.message.sender, p.message.client_uuid,
              {p.stored.conv, p.stored.id, p.stored.time_ms, true});
  }
  // A duplicate the store answered (the cache did not know the send) may be a message whose write
  // landed while this node crashed or after it answered an error: whether it was fanned out is
  // unknown here, so it is fanned out again (devices dedup by id). A retention stub (the original
  // was trimmed, empty body) has nothing to deliver.
  if (!duplicate || p.stored.body != Body{}) start_fanout(c, p.message.conv, p);
}

void ChatService::State::ack(const chat::Origin& origin, const StoredMessage& m, bool duplicate) {
  reply(origin.to, protocol::Ack{origin.rid, m.client_uuid, m.conv, m.id, m.time_ms, duplicate});
}

}  // namespace parley
