// Checker: see checker.hpp.
#include "checker.hpp"

#include <algorithm>
#include <iterator>

namespace parley::sim {

std::uint32_t Checker::planned(TimeUs intended_us, ConversationId conv, std::uint32_t sender_device,
                               std::vector<std::uint32_t> recipients, std::vector<std::uint32_t> optional) {
  std::sort(recipients.begin(), recipients.end());
  std::sort(optional.begin(), optional.end());
  Traced t;
  t.intended_us = intended_us;
  t.conv = conv;
  t.sender_device = sender_device;
  std::merge(recipients.begin(), recipients.end(), optional.begin(), optional.end(),
             std::back_inserter(t.recipients));
  t.got.assign(t.recipients.size(), false);
  for (const auto device : t.recipients) {
    t.optional.push_back(std::binary_search(optional.begin(), optional.end(), device));
  }
  messages_.push_back(std::move(t));
  ++counts_.sent;
  return static_cast<std::uint32_t>(messages_.size() - 1);
}

std::int64_t Checker::acked(std::uint32_t index, MessageId id, TimeUs now_us) {
  auto& t = messages_.at(index);
  if (t.id && t.id != id) ++counts_.duplicated;
  t.id = id;
  if (t.acked) return -1;
  t.acked = true;
  t.acked_us = now_us;
  ++counts_.acked;
  return now_us - t.intended_us;
}

std::int64_t Checker::delivered(std::uint32_t index, MessageId id, std::uint32_t device,
                                TimeUs now_us) {
  auto& t = messages_.at(index);
  if (t.id && t.id != id) {
    ++counts_.duplicated;
    return -1;
  }
  t.id = id;
  if (device == t.sender_device) {
    ++counts_.own_echo;
    return -1;
  }
  auto it = std::lower_bound(t.recipients.begin(), t.recipients.end(), device);
  if (it == t.recipients.end() || *it != device) {
    ++counts_.unexpected;
    return -1;
  }
  const auto slot = static_cast<std::size_t>(it - t.recipients.begin());
  if (t.got[slot]) {
    ++counts_.redelivered;
    return -1;
  }
  t.got[slot] = true;
  ++counts_.delivered;
  const auto latency = now_us - t.intended_us;
  if (latency > late_after_us_) ++counts_.delivered_late;
  return latency;
}

void Checker::finish(const std::function<MessageId(std::uint32_t, ConversationId)>& newest,
                     const std::function<std::optional<std::size_t>(TimeUs, std::uint32_t, ConversationId, MessageId)>& blame,
                     const std::function<bool(std::uint32_t)>& settled, TimeUs judged_until_us) {
  counts_.expected = counts_.missing = counts_.unacked = counts_.missing_behind_newer = 0;
  counts_.pending = 0;
  counts_.missing_blamed = 0;
  missing_by_fault_.clear();
  for (const auto& t : messages_) {
    if (!t.acked) {
      ++counts_.unacked;
      continue;
    }
    for (std::size_t i = 0; i < t.recipients.size(); ++i) {
      if (t.optional[i]) continue;
      if (!t.got[i] && (t.acked_us > judged_until_us || !settled(t.recipients[i]))) {
        ++counts_.pending;
        continue;
      }
      ++counts_.expected;
      if (t.got[i]) continue;
      ++counts_.missing;
      if (newest(t.recipients[i], t.conv) > t.id) ++counts_.missing_behind_newer;
      if (const auto fault = blame(t.intended_us, t.recipients[i], t.conv, t.id)) {
        ++counts_.missing_blamed;
        ++missing_by_fault_[*fault];
      }
    }
  }
}

bool Checker::passed(bool loss_allowed) const {
  return (loss_allowed || counts_.missing == counts_.missing_blamed) && counts_.duplicated == 0 &&
         counts_.reordered == 0 && counts_.unexpected == 0;
}

}  // namespace parley::sim
