// The workload's traffic besides messages, for one io thread (load_worker.hpp): typing indicators
// before a send, history reads and searches at their planned times, and the checks of what comes
// back (reads_check.hpp). Typing is ephemeral: it is sent only on a connection that is up. Also
// the client faults parley-load drives (partitioned and slow devices).
#include "load_worker.hpp"

#include "parley/conversation.hpp"
#include "substream.hpp"

namespace parley::load {

void Worker::send_typing(Connection& c, const workload::PlannedSend& send) {
  if (send.typing_indicators == 0) return;
  Result<ConversationId> conv = Error{ErrorCode::invalid_value, "no conversation"};
  if (send.to_group) {
    const auto group = shared_.groups.find(send.target);
    if (group != shared_.groups.end()) conv = group_conversation(group->second);
  } else {
    conv = direct_conversation(UserId(send.sender + 1), UserId(send.target + 1));
  }
  if (!conv) return;
  const std::string frame = protocol::encode(protocol::ClientFrame{protocol::Typing{conv.value(), true}});
  for (std::uint32_t i = 0; i < send.typing_indicators; ++i) {
    if (c.send(frame)) shared_.recorder->on_typing_sent();
  }
}

void Worker::read_due() {
  const std::int64_t now = shared_.now_us();
  for (; next_read_ < reads_.size() && reads_[next_read_].at_us <= now; ++next_read_) read_one(reads_[next_read_]);
  if (next_read_ < reads_.size()) arm(read_timer_, reads_[next_read_].at_us, &Worker::read_due);
}

// From the user's device 0, if it is up. A history read asks for the newest page of one of the
// conversations the device holds messages in (chosen by the seed among them, sorted); a search
// asks for search_word in all of the user's conversations.
void Worker::read_one(const workload::UserEvent& event) {
  const auto it = slot_of_.find(device_key(event.user, 0));
  Connection* c = it == slot_of_.end() ? nullptr : slots_[it->second].conn.get();
  if (c == nullptr || !c->ready()) return shared_.recorder->on_read_skipped();
  const std::string rid = (event.kind == workload::UserEventKind::search ? "s" : "h") + std::to_string(event.seq);
  if (event.kind == workload::UserEventKind::search) {
    protocol::Search frame{rid, search_word, ConversationId{}, search_limit};
    if (!c->send(protocol::encode(protocol::ClientFrame{std::move(frame)}))) return shared_.recorder->on_read_skipped();
    return shared_.recorder->on_search_sent();
  }
  const std::vector<ConversationId> convs = shared_.recorder->conversations(c->key());
  if (convs.empty() || asked_history_.size() >= history_pending_max) return shared_.recorder->on_read_skipped();
  const std::uint64_t pick = workload::mix(shared_.seed, workload::Stream::user_event_attributes, event.seq);
  const ConversationId conv = convs[pick % convs.size()];
  protocol::History frame{rid, conv, MessageId{}, history_page};
  // The snapshot is taken before the request leaves: everything held now was stored before it.
  AskedHistory asked{conv, shared_.recorder->held(c->key(), conv)};
  if (!c->send(protocol::encode(protocol::ClientFrame{std::move(frame)}))) return shared_.recorder->on_read_skipped();
  asked_history_[rid] = std::move(asked);
  shared_.recorder->on_history_sent();
}

void Worker::on_history(Connection&, const protocol::HistoryPage& page) {
  const auto asked = asked_history_.find(page.rid);
  if (asked == asked_history_.end()) return;  // not ours (or answered twice): nothing to check
  const HistoryCheck check = check_history_page(asked->second.conv, asked->second.held, page);
  asked_history_.erase(asked);
  shared_.recorder->on_history_page(page.messages.size(), check.checked, check.missing,
                                    check.out_of_order + check.wrong_conv);
}

void Worker::on_search(Connection& c, const protocol::SearchResult& result) {
  const std::uint64_t user = c.key() / 256;
  std::uint64_t foreign = 0, unchecked = 0;
  for (const StoredMessage& hit : result.hits) {
    const Membership::Verdict verdict = shared_.membership->of(user, hit.conv);
    foreign += verdict == Membership::Verdict::not_member;
    unchecked += verdict == Membership::Verdict::unknown;
  }
  shared_.recorder->on_search_result(result.hits.size(), foreign, unchecked);
}

// A typing update must come from another member of one of the user's conversations.
void Worker::on_typing(Connection& c, const protocol::TypingUpdate& update) {
  const std::uint64_t user = c.key() / 256;
  const bool own = update.user == UserId(user + 1);
  const bool outside = shared_.membership->of(user, update.conv) == Membership::Verdict::not_member;
  shared_.recorder->on_typing_received(own || outside);
}

// Client fault f begins or ends. Its devices are chosen per device and fault from the seed, among
// this worker's devices that are up when it begins; a device reconnected since is left alone.
void Worker::client_fault(std::size_t f, bool begin) {
  const ClientFault& fault = shared_.client_faults[f];
  const bool slow = fault.kind == ClientFault::Kind::slow;
  const auto from_us = static_cast<std::int64_t>(fault.at_s * 1e6);
  std::uint64_t devices = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (!slot.conn || !slot.conn->ready()) continue;
    if (!begin) {
      if (slot.fault_from_us != from_us) continue;
      slow ? slot.conn->read_delay(std::chrono::microseconds(0)) : slot.conn->resume();
      continue;
    }
    const std::uint64_t key = device_key(slot.user, slot.device);
    const std::uint64_t bits = workload::mix(shared_.seed + 0x5eed + f, workload::Stream::user_event_attributes, key);
    if (static_cast<double>(bits >> 11) * 0x1.0p-53 >= fault.fraction) continue;
    slot.fault_from_us = from_us;
    slot.fault_until_us = from_us + static_cast<std::int64_t>(fault.duration_s * 1e6);
    if (slow) {
      slot.conn->read_delay(std::chrono::microseconds(static_cast<std::int64_t>(fault.delay_ms * 1e3)));
    } else {
      slot.conn->pause();
    }
    ++devices;
  }
  if (begin) shared_.recorder->on_client_fault(slow, devices);
}

}  // namespace parley::load
