// ChatService fan-out: after an append is released, one RegistryLookup finds every device of the
// recipients, and ONE encoded Deliver frame is shared by all of them. Online devices get a tracked
// DeliverToDevice through their gateway; offline devices of other users become PushCandidates
// (a sender's own offline devices sync instead). Steps are emitted in sequence per conversation,
// so a lookup answered early never overtakes an earlier message. New members get a backfill step.
// A failed lookup is asked again at the next tick (retry_lookups); the steps behind it wait.
#include <algorithm>

#include "chat_state.hpp"

namespace parley {
namespace {

// At most max_bytes of UTF-8 text, never cutting a multi-byte sequence in half.
std::string truncate_utf8(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

DeviceRef sending_device(const StoredMessage& m) {
  return m.sender ? DeviceRef{m.sender, m.sender_device} : DeviceRef{};  // system: nobody
}

}  // namespace

void ChatService::State::start_fanout(chat::Conversation& c, ConversationId conv,
                                      const chat::PendingAppend& p) {
  const std::uint64_t seq = c.next_fanout++;
  chat::FanOut& f = c.fanouts[seq];
  f.messages = {p.stored};
  f.recipients = p.recipients;
  f.sender_device = sending_device(p.stored);
  request(store::RegistryLookup{f.recipients}, chat::then::FanOutDevices{conv, seq});
}

// The last new_member_backfill messages before `before` (the system message announcing the new
// members), delivered to the new members' online devices ahead of everything that follows.
void ChatService::State::start_backfill(chat::Conversation& c, ConversationId conv,
                                        const std::vector<UserId>& users, MessageId before) {
  if (config.new_member_backfill == 0 || users.empty()) return;
  const std::uint64_t seq = c.next_fanout++;
  chat::FanOut& f = c.fanouts[seq];
  f.recipients = users;
  f.backfill = true;
  f.messages_ready = false;
  const auto limit = static_cast<std::uint32_t>(
      std::min<std::size_t>(config.new_member_backfill, limits::page_size_max));
  request(store::ReadMessages{conv, MessageId{}, before, limit, true}, chat::then::BackfillPage{conv, seq});
  request(store::RegistryLookup{users}, chat::then::FanOutDevices{conv, seq});
}

void ChatService::State::on_fanout_devices(const chat::then::FanOutDevices& then, store::Outcome& outcome) {
  auto c = conversations.find(then.conv);
  if (c == conversations.end()) return;
  auto f = c->second.fanouts.find(then.seq);
  if (f == c->second.fanouts.end()) return;
  auto* found = std::get_if<store::Devices>(&outcome);
  if (found == nullptr) {
    // The registry is unreachable: the step keeps its place (later ones wait behind it, so order
    // holds) and asks again at the next tick. Dropping it would leave connected recipients, who
    // never sync, without the message.
    lookups_stalled.emplace(then.conv, then.seq);
    return;
  }
  f->second.devices = std::move(found->devices);
  f->second.devices_ready = true;
  flush_fanouts(then.conv);
}

void ChatService::State::retry_lookups() {
  for (const auto& [conv, seq] : std::exchange(lookups_stalled, {})) {
    auto c = conversations.find(conv);
    if (c == conversations.end()) continue;
    auto f = c->second.fanouts.find(seq);
    if (f == c->second.fanouts.end()) continue;
    request(store::RegistryLookup{f->second.recipients}, chat::then::FanOutDevices{conv, seq});
  }
}

void ChatService::State::on_backfill_page(const chat::then::BackfillPage& then, store::Outcome& outcome) {
  auto c = conversations.find(then.conv);
  if (c == conversations.end()) return;
  auto f = c->second.fanouts.find(then.seq);
  if (f == c->second.fanouts.end()) return;
  if (auto* page = std::get_if<store::Page>(&outcome)) {
    f->second.messages.assign(page->messages.rbegin(), page->messages.rend());  // oldest first
  }
  f->second.messages_ready = true;
  flush_fanouts(then.conv);
}

void ChatService::State::flush_fanouts(ConversationId conv) {
  auto it = conversations.find(conv);
  if (it == conversations.end()) return;
  auto& fanouts = it->second.fanouts;
  while (!fanouts.empty()) {
    const chat::FanOut& f = fanouts.begin()->second;
    if (!f.messages_ready || !f.devices_ready) break;
    emit_fanout(conv, f);
    note_fanned_out(it->second, conv, f);
    fanouts.erase(fanouts.begin());
  }
}

void ChatService::State::emit_fanout(ConversationId conv, const chat::FanOut& f) {
  for (const StoredMessage& m : f.messages) {
    const FramePtr frame = chat::frame_of(protocol::Deliver{m});  // encoded once, shared by all
    const DeviceRef skip = f.recovery ? sending_device(m) : f.sender_device;
    for (const DeviceLocation& d : f.devices) {
      if (d.device == skip) continue;
      if (!std::binary_search(f.recipients.begin(), f.recipients.end(), d.device.user)) continue;
      if (d.online()) {
        deliver(d, conv, m.id, frame);
        continue;
      }
      // A recovery re-fans out what a crashed node had not settled: its live copy may have been
      // lost on the way to a device that has since gone offline with a newer message behind it
      // (its sync would start past this one; found by the simulator, seed 530 of the sweep). So
      // the offline devices wait for their return too (chat_delivery.cpp).
      if (f.recovery) track(d.device, conv, m.id, frame, clock->now_ms());
      if (!f.backfill && d.device.user != m.sender) push_candidate(d, m);
    }
  }
}

void ChatService::State::push_candidate(const DeviceLocation& d, const StoredMessage& m) {
  env::PushCandidate candidate;
  candidate.device = d.device;
  candidate.conv = m.conv;
  candidate.msg = m.id;
  candidate.sender = m.sender;
  candidate.kind = m.body.kind;
  if (m.body.kind != Body::Kind::encrypted) {  // the server never previews ciphertext
    candidate.preview = truncate_utf8(m.body.text, limits::push_preview_bytes_max);
  }
  candidate.time_ms = m.time_ms;
  route(std::move(candidate));
  ++stats.push_candidates;
}

}  // namespace parley
