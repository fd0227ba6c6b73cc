// ChatService group commands. The rules are groups.hpp's; here they are applied in order with the
// conversation's messages: a change waits until every earlier send is released (barrier), blocks
// the conversation while its PutGroup is in flight, then appends a system message that is fanned
// out like any message, to the members after the change and to the users it removed (so they
// learn it). New members also get a backfill of the last messages. The actor gets GroupInfo.
#include <algorithm>
#include <iterator>

#include "chat_state.hpp"
#include "parley/conversation.hpp"

namespace parley {

void ChatService::State::on_group_command(env::GroupCommand command) {
  const chat::Origin origin{command.origin, command.rid};
  const auto conv = group_conversation(command.group);
  if (!conv.ok()) return reply_error(origin, ErrorCode::invalid_value, conv.error().message);
  chat::Conversation* c = enter(conv.value(), &origin);
  if (c == nullptr) return;
  if (c->blocked()) return hold(*c, std::move(command), &origin);
  if (command.kind != env::GroupCommand::Kind::info && !c->appends.empty()) {
    c->barrier = true;  // released by release() once the earlier appends are done
    c->waiting.push_front(std::move(command));
    return;
  }
  apply_group_command(*c, conv.value(), command, origin);
}

void ChatService::State::apply_group_command(chat::Conversation& c, ConversationId conv,
                                             env::GroupCommand& command, const chat::Origin& origin) {
  using Kind = env::GroupCommand::Kind;
  const UserId actor = command.actor.user;
  if (command.kind == Kind::create) {
    if (c.group) return reply_error(origin, ErrorCode::invalid_value, "group already exists");
    auto record = groups::create(command.group, command.name, actor, command.users, clock->now_ms());
    if (!record.ok()) return reply_error(origin, record.error().code, record.error().message);
    if (!admit(&origin)) return;
    groups::Change change{record.value(), record.value().members, {}, groups::created_text(actor)};
    return write_group(c, conv, std::move(change), origin, command.kind);
  }
  if (auto error = check_member(c, actor)) return reply_error(origin, error->code, error->message);
  if (command.kind == Kind::info) return reply_group_info(origin, conv, *c.group);
  const GroupRecord& group = *c.group;
  Result<groups::Change> change = command.kind == Kind::add      ? groups::add(group, actor, command.users)
                                  : command.kind == Kind::remove ? groups::remove(group, actor, command.users)
                                                                 : groups::leave(group, actor);
  if (!change.ok()) return reply_error(origin, change.error().code, change.error().message);
  if (change.value().text.empty()) return reply_group_info(origin, conv, group);  // nothing to change
  if (!admit(&origin)) return;
  write_group(c, conv, std::move(change.value()), origin, command.kind);
}

void ChatService::State::write_group(chat::Conversation& c, ConversationId conv, groups::Change change,
                                     const chat::Origin& origin, env::GroupCommand::Kind kind) {
  store::PutGroup put{change.after, change.added, change.removed};
  request(std::move(put), chat::then::GroupWrite{conv, origin, kind, std::move(change)});
  c.group_op = true;
}

void ChatService::State::on_group_written(chat::then::GroupWrite& then, store::Outcome& outcome) {
  auto it = conversations.find(then.conv);
  if (it == conversations.end()) return;
  chat::Conversation& c = it->second;
  c.group_op = false;
  if (!std::holds_alternative<store::Done>(outcome)) {
    reply_error(then.origin, ErrorCode::internal, "group change not stored; retry");
    return resume(then.conv);
  }
  const groups::Change& change = then.change;
  c.group = change.after;
  c.members = change.after.members;

  StoredMessage notice;
  notice.conv = then.conv;
  notice.id = ids.next_message_id();
  notice.body.kind = Body::Kind::system;
  notice.body.text = change.text;
  notice.time_ms = snowflake::decode(notice.id.value).unix_ms;
  std::vector<UserId> recipients;
  std::set_union(c.members.begin(), c.members.end(), change.removed.begin(), change.removed.end(),
                 std::back_inserter(recipients));
  // The backfill step is queued before the notice's fan-out, so a new member sees history first.
  if (then.kind == env::GroupCommand::Kind::add) start_backfill(c, then.conv, change.added, notice.id);
  append(c, std::move(notice), std::nullopt, std::move(recipients));
  reply_group_info(then.origin, then.conv, change.after);
  resume(then.conv);
}

void ChatService::State::reply_group_info(const chat::Origin& origin, ConversationId conv,
                                          const GroupRecord& group) {
  reply(origin.to, protocol::GroupInfo{origin.rid, group.id, conv, group.name, group.owner, group.members});
}

}  // namespace parley
