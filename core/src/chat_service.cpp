// ChatService: the one switch over inputs (envelopes and store completions) and the helpers that
// turn decisions into effects. Every slow step leaves as a StoreRequest whose continuation waits in
// `pending` under its RequestId; a completion for an unknown id (stale, duplicated) is ignored.
#include "chat_state.hpp"

#include <utility>

#include "parley/overloaded.hpp"

namespace parley {

namespace chat {
FramePtr frame_of(const protocol::ServerFrame& frame) {
  return std::make_shared<const std::string>(protocol::encode(frame));
}
}  // namespace chat

ChatService::State::State(ChatConfig config_in, const Clock& clock_in, Snowflake ids_in)
    : config(config_in), clock(&clock_in), ids(ids_in), dedup(config_in.dedup_entries_max) {
  scan_backlog(ConversationId{});  // recovery starts with the instance: the first drain asks
}

Result<ChatService> ChatService::make(ChatConfig config, const Clock& clock) {
  auto ids = Snowflake::make(config.node, clock);
  if (!ids.ok()) return ids.error();
  if (config.pending_store_requests_max == 0 || config.conversations_cached_max == 0) {
    return Error{ErrorCode::invalid_value, "chat service bounds must be at least 1"};
  }
  if (config.receipt_authors_scan_max == 0 || config.receipt_authors_scan_max > limits::page_size_max) {
    return Error{ErrorCode::invalid_value, "receipt_authors_scan_max must be in 1 .. page_size_max"};
  }
  return ChatService(config, clock);
}

// Only make() calls this, after validating the node id, so the snowflake generator is valid.
ChatService::ChatService(ChatConfig config, const Clock& clock)
    : s_(std::make_unique<State>(config, clock, Snowflake::make(config.node, clock).value())) {}
ChatService::~ChatService() = default;
ChatService::ChatService(ChatService&&) noexcept = default;
ChatService& ChatService::operator=(ChatService&&) noexcept = default;

void ChatService::step(ChatInput input) {
  std::visit(Overloaded{
                 [&](Envelope& e) { s_->on_envelope(std::move(e)); },
                 [&](StoreDone& d) { s_->on_store_done(std::move(d)); },
             },
             input);
}

void ChatService::tick() {
  s_->run_redelivery();
  s_->retry_lookups();
  s_->tick_recovery();
}

std::vector<Effect> ChatService::drain() { return std::exchange(s_->effects, {}); }

const ChatStats& ChatService::stats() const { return s_->stats; }

// ---- the input switch ------------------------------------------------------------------------

void ChatService::State::on_envelope(Envelope input) {
  std::visit(Overloaded{
                 [&](env::Submit& e) { on_submit(std::move(e)); },
                 [&](env::DeliveryAck& e) { on_delivery_ack(e); },
                 [&](env::ReadMark& e) { on_read_mark(std::move(e)); },
                 [&](env::TypingNotice& e) { on_typing(std::move(e)); },
                 [&](env::HistoryQuery& e) { on_history(std::move(e)); },
                 [&](env::SyncQuery& e) { on_sync(std::move(e)); },
                 [&](env::SearchQuery& e) { on_search(std::move(e)); },
                 [&](env::PresenceInterest& e) { on_presence_interest(std::move(e)); },
                 [&](env::GroupCommand& e) { on_group_command(std::move(e)); },
                 [](auto&) {},  // envelopes for other roles are not ours: ignored
             },
             input);
}

void ChatService::State::on_store_done(StoreDone done) {
  auto it = pending.find(done.req);
  if (it == pending.end()) return;
  chat::Then then = std::move(it->second);
  pending.erase(it);
  stats.pending_store_requests = pending.size();
  store::Outcome& out = done.outcome;
  if (std::holds_alternative<Error>(out)) ++stats.store_failures;
  std::visit(Overloaded{
                 [&](chat::then::LoadGroup& t) { on_group_loaded(t, out); },
                 [&](chat::then::Append& t) { on_appended(t, out); },
                 [&](chat::then::FanOutDevices& t) { on_fanout_devices(t, out); },
                 [&](chat::then::BackfillPage& t) { on_backfill_page(t, out); },
                 [&](chat::then::Redeliver& t) { on_redeliver(t, out); },
                 [&](chat::then::ReceiptStored& t) { on_receipt_stored(t, out); },
                 [&](chat::then::ReceiptAuthors& t) { on_receipt_authors(t, out); },
                 [&](chat::then::ReceiptDevices& t) { on_receipt_devices(t, out); },
                 [&](chat::then::TypingDevices& t) { on_typing_devices(t, out); },
                 [&](chat::then::History& t) { on_history_page(t, out); },
                 [&](chat::then::Sync& t) { on_sync_page(t, out); },
                 [&](chat::then::Search& t) { on_search_hits(t, out); },
                 [&](chat::then::SearchGroupCheck& t) { on_search_group_check(t, out); },
                 [&](chat::then::ScanBacklog& t) { on_backlog_page(t, out); },
                 [&](chat::then::RecoveryPage& t) { on_recovery_page(t, out); },
                 [&](chat::then::MarkWritten& t) {
                   on_mark_result(t.conv, t.up_to, !std::holds_alternative<Error>(out));
                 },
                 [&](chat::then::GroupWrite& t) { on_group_written(t, out); },
             },
             then);
}

// ---- effects ---------------------------------------------------------------------------------

RequestId ChatService::State::request(store::Op op, chat::Then then) {
  const RequestId req{next_request++};
  pending.emplace(req, std::move(then));
  stats.pending_store_requests = pending.size();
  effects.push_back(StoreRequest{req, std::move(op)});
  return req;
}

// Admission control on pending_store_requests_max: new work is refused at the door (overloaded to
// the origin; origin-less work such as receipts and typing is shed). Follow-up requests of work
// already admitted (fan-out lookups, redelivery) are never refused, so admitted work finishes;
// each admitted input adds only a bounded number of them.
bool ChatService::State::admit(const chat::Origin* origin) {
  if (pending.size() < config.pending_store_requests_max) return true;
  ++stats.overloaded;
  if (origin != nullptr) reply_error(*origin, ErrorCode::overloaded, "too many pending requests; retry later");
  return false;
}

void ChatService::State::route(Envelope envelope) { effects.push_back(Route{std::move(envelope)}); }

void ChatService::State::reply(const SessionRef& to, const protocol::ServerFrame& frame) {
  route(env::ToSession{to, chat::frame_of(frame)});
}

void ChatService::State::reply_error(const chat::Origin& origin, ErrorCode code, std::string message) {
  reply(origin.to, protocol::ErrorFrame{origin.rid, code, std::move(message)});
}

}  // namespace parley
