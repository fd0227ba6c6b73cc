// ChatService redelivery: every DeliverToDevice is tracked per (device, conversation, message)
// until a delivery ack covers it. Entries sit in an ordered map (an ack clears a device's whole
// prefix of a conversation in one range) and in a deadline-ordered multimap, so tick() touches
// only the entries that are due. A due entry is re-resolved through one RegistryLookup per tick
// and redelivered (same frame) where the device is now. An offline device's entry waits for its
// return (redelivery_offline_keep_ms at most): found by the simulator (seed 108 of the sweep), a
// device whose live copy was lost in a partition, that then received a newer message live and
// dropped before the redelivery, synced from past the lost one on reconnect and never got it.
// After redelivery_attempts_max redeliveries the next deadline gives up.
#include <set>

#include "chat_state.hpp"

namespace parley {

void ChatService::State::deliver(const DeviceLocation& d, ConversationId conv, MessageId msg,
                                 const FramePtr& frame) {
  route(env::DeliverToDevice{d.gateway, d.device, conv, msg, frame});
  ++stats.deliveries;
  track(d.device, conv, msg, frame, 0);
}

// Waits for an ack, or (offline_since_ms != 0) for the device's return (on_redeliver).
void ChatService::State::track(const DeviceRef& device, ConversationId conv, MessageId msg,
                               const FramePtr& frame, TimeMs offline_since_ms) {
  const chat::DeliveryKey key{device, conv, msg};
  if (tracked.count(key) != 0) return;  // already awaiting an ack: keep its deadline and count
  if (tracked.size() >= config.pending_deliveries_max) {
    ++stats.delivery_give_ups;  // untracked: if this delivery is lost the device must sync
    return;
  }
  const auto due_at = due.emplace(clock->now_ms() + config.redelivery_after_ms, key);
  tracked.emplace(key, chat::Tracked{frame, 0, due_at, offline_since_ms});
  stats.pending_deliveries = tracked.size();
  ++unsettled[conv][msg];  // the conversation's fan-out cursor waits for this delivery
}

// An ack for msg covers every earlier message of the conversation on that device.
// Exactly the acknowledged message: a cumulative ack would let a newer message received live
// silence the redelivery of an older one still missing on the device (found by the simulator,
// seed 41: reconnect, live delivery, then a second crash lost the older messages).
void ChatService::State::on_delivery_ack(const env::DeliveryAck& ack) {
  auto it = tracked.find({ack.device, ack.conv, ack.msg});
  if (it != tracked.end()) untrack(it);
}

void ChatService::State::untrack(std::map<chat::DeliveryKey, chat::Tracked>::iterator it) {
  if (it->second.due) due.erase(*it->second.due);
  const chat::DeliveryKey key = it->first;
  tracked.erase(it);
  stats.pending_deliveries = tracked.size();
  note_settled(key.conv, key.msg);
}

void ChatService::State::run_redelivery() {
  const TimeMs now = clock->now_ms();
  std::vector<chat::DeliveryKey> batch;
  std::set<UserId> users;
  while (!due.empty() && due.begin()->first <= now) {
    const chat::DeliveryKey key = due.begin()->second;
    due.erase(due.begin());
    auto it = tracked.find(key);
    if (it == tracked.end()) continue;
    it->second.due.reset();
    if (it->second.redeliveries >= config.redelivery_attempts_max) {
      untrack(it);
      ++stats.delivery_give_ups;
      continue;
    }
    batch.push_back(key);
    users.insert(key.device.user);
  }
  if (batch.empty()) return;
  request(store::RegistryLookup{{users.begin(), users.end()}}, chat::then::Redeliver{std::move(batch)});
}

void ChatService::State::on_redeliver(const chat::then::Redeliver& then, store::Outcome& outcome) {
  const TimeMs next_due = clock->now_ms() + config.redelivery_after_ms;
  auto* found = std::get_if<store::Devices>(&outcome);
  std::map<DeviceRef, DeviceLocation> where;
  if (found != nullptr) {
    for (const auto& d : found->devices) where.emplace(d.device, d);
  }
  for (const chat::DeliveryKey& key : then.keys) {
    auto it = tracked.find(key);
    if (it == tracked.end() || it->second.due) continue;  // acked while the lookup ran
    chat::Tracked& t = it->second;
    if (found != nullptr) {
      auto at = where.find(key.device);
      if (at == where.end() || !at->second.online()) {
        // Offline now: not an attempt; kept for the device's return, up to the bound.
        if (t.offline_since_ms == 0) t.offline_since_ms = clock->now_ms();
        if (clock->now_ms() - t.offline_since_ms >= config.redelivery_offline_keep_ms) {
          untrack(it);
          ++stats.delivery_give_ups;
          continue;
        }
        t.due = due.emplace(next_due, key);
        continue;
      }
      t.offline_since_ms = 0;
      route(env::DeliverToDevice{at->second.gateway, key.device, key.conv, key.msg, t.frame});
      ++stats.redeliveries;
    }
    ++t.redeliveries;  // a failed lookup also spends an attempt, so the bound holds regardless
    t.due = due.emplace(next_due, key);
  }
}

}  // namespace parley
