// ChatService crash recovery (docs/architecture.md, "Fan-out after a chat node crash"). Fan-out and
// redelivery state live in memory; what survives a crash is, per conversation, the store's
// FanoutMark: `last` (moved by every append in its own write) and `done`, this node's cursor
// "settled up to": every message up to it was fanned out and each tracked delivery of it was
// acknowledged, given up or found offline. The cursor rides along with the next append of the
// conversation (no write of its own on the common path: a 500-member group costs nothing per
// member); one that no append carried within fanout_mark_flush_ms is written alone, at most once
// per conversation per flush interval. Losing a cursor write only re-delivers messages devices
// already have; devices dedup by message id.
//
// A new ChatService lists the backlog (last > done) of the conversations it owns and re-fans out
// every message after each cursor, through the conversation's ordered fan-out, before it runs the
// conversation's held inputs, so per-conversation order holds. While the list is being read it
// cannot know which conversations are behind, so every conversation holds its inputs until then.
#include <algorithm>

#include "chat_state.hpp"
#include "parley/assert.hpp"
#include "parley/conversation.hpp"

namespace parley {

// ---- the backlog scan ------------------------------------------------------------------------

void ChatService::State::scan_backlog(ConversationId after) {
  request(store::ListFanoutBacklog{after, limits::page_size_max}, chat::then::ScanBacklog{after});
}

void ChatService::State::on_backlog_page(const chat::then::ScanBacklog& then, store::Outcome& outcome) {
  auto* page = std::get_if<store::Backlog>(&outcome);
  if (page == nullptr) {
    scan_retry = then.after;  // the next tick asks again; conversations stay held meanwhile
    return;
  }
  // New ids must follow every stored one, even with this node's clock behind them (a clock that
  // stepped back before the crash): inputs are held until the scan ends, so none was issued yet.
  if (page->newest) ids.advance_past(page->newest.value);
  for (const store::FanoutMark& mark : page->marks) {
    if (!config.owns || config.owns(mark.conv)) backlog[mark.conv] = mark.done;
  }
  if (page->more && !page->marks.empty()) {
    scan_backlog(page->marks.back().conv);
    return;
  }
  finish_scan();
}

// Conversations touched during the scan: the ones behind recover now, the others run their inputs.
void ChatService::State::finish_scan() {
  scanning = false;
  std::vector<ConversationId> held;
  for (const auto& [conv, c] : conversations) {
    if (c.recovering && !c.recovery_started) held.push_back(conv);
  }
  std::sort(held.begin(), held.end());  // deterministic effect order
  for (const ConversationId conv : held) {
    auto it = conversations.find(conv);
    if (it == conversations.end()) continue;
    auto behind = backlog.find(conv);
    if (behind != backlog.end()) {
      start_recovery(it->second, conv, behind->second);
      continue;
    }
    it->second.recovering = false;
    resume(conv);
  }
  pump_recovery();
}

// A conversation entering the cache: held while the scan runs; recovered first if it is behind.
void ChatService::State::on_created(chat::Conversation& c, ConversationId conv) {
  if (scanning) {
    c.recovering = true;
    return;
  }
  auto behind = backlog.find(conv);
  if (behind != backlog.end()) start_recovery(c, conv, behind->second);
}

// ---- re-fan-out of one conversation ----------------------------------------------------------

void ChatService::State::start_recovery(chat::Conversation& c, ConversationId conv, MessageId after) {
  backlog.erase(conv);
  c.recovering = true;
  c.recovery_started = true;
  c.recover_after = after;
  ++recovering;
  ++stats.recovered_conversations;
  read_recovery_page(conv);
}

// Waits for a group's record (on_group_loaded calls again): recipients are its members.
void ChatService::State::read_recovery_page(ConversationId conv) {
  auto it = conversations.find(conv);
  if (it == conversations.end()) return;
  chat::Conversation& c = it->second;
  if (c.loading || c.recovery_reading) return;
  c.recovery_reading = true;
  request(store::ReadMessages{conv, c.recover_after, MessageId{}, limits::page_size_max, false},
          chat::then::RecoveryPage{conv});
}

void ChatService::State::on_recovery_page(const chat::then::RecoveryPage& then, store::Outcome& outcome) {
  auto it = conversations.find(then.conv);
  if (it == conversations.end()) return;
  chat::Conversation& c = it->second;
  c.recovery_reading = false;
  auto* page = std::get_if<store::Page>(&outcome);
  if (page == nullptr) {
    recovery_stalled.insert(then.conv);  // read again at the next tick
    return;
  }
  if (!page->messages.empty()) {
    const std::uint64_t seq = c.next_fanout++;
    chat::FanOut& f = c.fanouts[seq];
    f.messages = std::move(page->messages);
    f.recipients = c.members;
    f.recovery = true;
    c.recover_after = f.messages.back().id;
    stats.recovered_messages += f.messages.size();
    request(store::RegistryLookup{f.recipients}, chat::then::FanOutDevices{then.conv, seq});
  }
  if (page->more) {
    read_recovery_page(then.conv);
    return;
  }
  finish_recovery(then.conv);
}

// Every message behind the cursor has its fan-out step queued: later inputs may run, their
// fan-outs queue after these.
void ChatService::State::finish_recovery(ConversationId conv) {
  auto it = conversations.find(conv);
  if (it == conversations.end()) return;
  it->second.recovering = false;
  it->second.recovery_started = false;
  PARLEY_ASSERT(recovering > 0);
  --recovering;
  resume(conv);
  pump_recovery();
}

// Conversations nobody touched are recovered in the background, fanout_recoveries_max at a time.
// A conversation that does not fit in the cache now waits for the next tick.
void ChatService::State::pump_recovery() {
  while (!scanning && recovering < config.fanout_recoveries_max && !backlog.empty()) {
    const ConversationId conv = backlog.begin()->first;
    if (!is_direct(conv) && !is_group(conv)) {
      backlog.erase(conv);  // no such conversation: nothing to deliver
      continue;
    }
    const std::size_t before = recovering;
    if (enter(conv, nullptr) == nullptr) return;  // no room or too busy: the next tick tries again
    if (recovering == before) backlog.erase(conv);  // already recovered or recovering
  }
}

// ---- the cursor ------------------------------------------------------------------------------

// The newest emitted message below the oldest delivery still tracked in the conversation;
// mark_sent when there is none (nothing new to write).
MessageId ChatService::State::settled(ConversationId conv, const chat::Conversation& c) const {
  auto limit = c.unmarked.end();
  auto open = unsettled.find(conv);
  if (open != unsettled.end() && !open->second.empty()) limit = c.unmarked.lower_bound(open->second.begin()->first);
  return limit == c.unmarked.begin() ? c.mark_sent : std::max(c.mark_sent, *std::prev(limit));
}

void ChatService::State::mark_later(ConversationId conv, const chat::Conversation& c) {
  if (settled(conv, c) > c.mark_sent) marks_due.try_emplace(conv, clock->now_ms() + config.fanout_mark_flush_ms);
}

void ChatService::State::note_fanned_out(chat::Conversation& c, ConversationId conv, const chat::FanOut& f) {
  if (f.backfill) return;
  for (const StoredMessage& m : f.messages) c.unmarked.insert(m.id);
  mark_later(conv, c);
}

void ChatService::State::note_settled(ConversationId conv, MessageId msg) {
  auto open = unsettled.find(conv);
  if (open == unsettled.end()) return;
  auto count = open->second.find(msg);
  PARLEY_ASSERT(count != open->second.end() && count->second > 0);  // counted in deliver()
  if (--count->second == 0) open->second.erase(count);
  if (open->second.empty()) unsettled.erase(open);
  auto it = conversations.find(conv);
  if (it != conversations.end()) mark_later(conv, it->second);
}

// The cursor a write carries (an append, or a cursor write of its own); 0 = nothing new to say.
MessageId ChatService::State::carry_mark(ConversationId conv, chat::Conversation& c) {
  const MessageId up_to = settled(conv, c);
  if (up_to <= c.mark_sent) return MessageId{};
  c.mark_sent = up_to;
  return up_to;
}

// A write that carried `up_to` finished. On failure the cursor is sent again later.
void ChatService::State::on_mark_result(ConversationId conv, MessageId up_to, bool ok) {
  if (!up_to) return;
  auto it = conversations.find(conv);
  if (it == conversations.end()) return;
  chat::Conversation& c = it->second;
  if (ok) {
    c.mark_written = std::max(c.mark_written, up_to);
    c.unmarked.erase(c.unmarked.begin(), c.unmarked.upper_bound(c.mark_written));
    return;
  }
  c.mark_sent = c.mark_written;
  mark_later(conv, c);
}

void ChatService::State::flush_marks() {
  const TimeMs now = clock->now_ms();
  for (auto entry = marks_due.begin(); entry != marks_due.end();) {
    if (entry->second > now) {
      ++entry;
      continue;
    }
    auto it = conversations.find(entry->first);
    if (it != conversations.end()) {
      if (const MessageId up_to = carry_mark(entry->first, it->second)) {
        request(store::MarkFannedOut{entry->first, up_to}, chat::then::MarkWritten{entry->first, up_to});
        ++stats.fanout_marks_written;
      }
    }
    entry = marks_due.erase(entry);
  }
}

void ChatService::State::tick_recovery() {
  flush_marks();
  if (auto after = std::exchange(scan_retry, std::nullopt)) scan_backlog(*after);
  for (const ConversationId conv : std::exchange(recovery_stalled, {})) read_recovery_page(conv);
  pump_recovery();
}

}  // namespace parley
