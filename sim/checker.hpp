// The checker of the traced sample: every traced message, who must receive it, who did, when.
// It judges what a user would notice: an acknowledged message missing on a recipient device
// (loss), one message stored twice (a dedup failure: two ids for one client uuid), deliveries out
// of per-conversation order. Redeliveries of the same id are the protocol working (client-side
// dedup by id) and are counted apart.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "event_calendar.hpp"
#include "parley/ids.hpp"
#include "parley/metrics/histogram.hpp"

namespace parley::sim {

struct CheckerCounts {
  std::uint64_t sent = 0;
  std::uint64_t acked = 0;
  std::uint64_t expected = 0;      // (acked message, recipient device) pairs, optional ones aside
  std::uint64_t delivered = 0;     // first deliveries
  std::uint64_t redelivered = 0;   // the same id again (dropped by the client, as the protocol says)
  std::uint64_t duplicated = 0;    // the same client uuid under a second id: dedup failed
  std::uint64_t reordered = 0;     // a new id older than the newest the device had in that conv
  std::uint64_t reordered_recovering = 0;  // the same, while the device replays after a reconnect
  std::uint64_t own_echo = 0;      // the sender's own device got its message back (sync replay)
  std::uint64_t unexpected = 0;    // a delivery to a device that is not a recipient
  std::uint64_t missing = 0;       // acked, after the grace period, never delivered (loss)
  std::uint64_t missing_behind_newer = 0;  // of which the device holds a newer id of that conv: its
                                           // cumulative delivery ack covered the gap (a core issue)
  std::uint64_t missing_blamed = 0;  // of which sent while a fault that loses live deliveries
                                    // was on (a failed registry lookup skips the fan-out)
  std::uint64_t unacked = 0;       // never acknowledged (the client still holds it to resend)
  std::uint64_t pending = 0;       // undelivered at the end, not lost: the device was offline (or
                                   // back too recently to have synced; its next sync has them), or
                                   // the message was acked too close to the end to be delivered
  std::uint64_t delivered_late = 0;  // after the delivery SLO
};

class Checker {
 public:
  explicit Checker(std::int64_t late_after_us) : late_after_us_(late_after_us) {}

  // A new traced message; returns its index (the client uuid is derived from it). `optional`
  // recipients (planned mode: devices not yet connected when it was sent) count as delivered
  // when they get it live, and are neither expected nor missing when they do not.
  std::uint32_t planned(TimeUs intended_us, ConversationId conv, std::uint32_t sender_device,
                        std::vector<std::uint32_t> recipients, std::vector<std::uint32_t> optional = {});
  // Returns the ack latency, or -1 if this message was already acked.
  std::int64_t acked(std::uint32_t index, MessageId id, TimeUs now_us);
  // Returns the delivery latency of a first delivery, or -1 for anything else.
  std::int64_t delivered(std::uint32_t index, MessageId id, std::uint32_t device, TimeUs now_us);
  // A first delivery older than the device's newest in its conversation; while the device
  // recovers from a reconnect (sync replay, redeliveries) that is the replay catching up.
  // Also excused: a message in flight (sent, not yet acknowledged) while a fault delayed some
  // deliveries of its conversation (a partition, a chat crash): the redelivery arrives after newer
  // messages, the client orders by id. A send held up by one fault (a store outage) can meet the
  // next one when it is finally fanned out, so the whole span from send to ack counts.
  void reordered(std::uint32_t index, bool recovering, TimeUs now_us) {
    const auto& t = messages_[index];
    const bool excused = recovering || (excuse_ && excuse_(t.intended_us, t.acked ? t.acked_us : now_us));
    ++(excused ? counts_.reordered_recovering : counts_.reordered);
  }
  // excuse(sent_us, acked_us): whether a fault was on while the message was in flight.
  void set_reorder_excuse(std::function<bool(TimeUs, TimeUs)> excuse) { excuse_ = std::move(excuse); }
  // Called once at the end: fills missing and unacked; `newest` says the newest id a device holds
  // in a conversation, to tell the reason of a loss.
  // `blame` names the fault that explains a loss of a message sent at that time, if any: such
  // losses are counted (per fault) and do not fail the checker; every other loss does.
  // `settled(device)`: online at the end and long enough to have synced; a message missing on a
  // device that is not, or acked after `judged_until_us`, is pending, not lost.
  void finish(const std::function<MessageId(std::uint32_t device, ConversationId conv)>& newest,
              const std::function<std::optional<std::size_t>(TimeUs intended, std::uint32_t device,
                                                             ConversationId conv, MessageId id)>& blame,
              const std::function<bool(std::uint32_t device)>& settled, TimeUs judged_until_us);
  const std::map<std::size_t, std::uint64_t>& missing_by_fault() const { return missing_by_fault_; }

  const CheckerCounts& counts() const { return counts_; }
  ConversationId conversation(std::uint32_t index) const { return messages_[index].conv; }
  const std::vector<std::uint32_t>& recipients(std::uint32_t index) const {
    return messages_[index].recipients;
  }
  bool passed(bool loss_allowed) const;

 private:
  struct Traced {
    TimeUs intended_us = 0;
    TimeUs acked_us = 0;  // the first ack
    ConversationId conv;
    MessageId id;  // from the ack or the first delivery
    std::uint32_t sender_device = 0;
    bool acked = false;
    std::vector<std::uint32_t> recipients;  // device indices, sorted
    std::vector<bool> got;                  // parallel to recipients
    std::vector<bool> optional;             // parallel to recipients
  };
  std::int64_t late_after_us_;
  std::vector<Traced> messages_;
  CheckerCounts counts_;
  std::map<std::size_t, std::uint64_t> missing_by_fault_;
  std::function<bool(TimeUs, TimeUs)> excuse_;
};

}  // namespace parley::sim
