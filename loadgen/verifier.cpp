// See verifier.hpp.
#include "verifier.hpp"

#include "send_planner.hpp"

namespace parley::load {
namespace {

class Checker {
 public:
  Checker(workload::Shard shard, const Recorder& recorder, const workload::PopulationModel& people)
      : shard_(shard), recorder_(recorder), people_(people) {}

  void check(const workload::PlannedSend& send) {
    const bool own = shard_.owns(send.sender);
    if (own && !recorder_.acked().contains(send.seq)) {
      ++result_.unacked_sends;
      return;
    }
    if (send.to_group) {
      const std::uint64_t size = people_.group_size(send.target);
      for (std::uint64_t k = 0; k < size; ++k) check_user(send, people_.member(send.target, k));
    } else {
      if (send.target != send.sender) check_user(send, send.target);
      check_user(send, send.sender);  // the sender's other devices
    }
  }

  Verification result() const { return result_; }

 private:
  void check_user(const workload::PlannedSend& send, std::uint64_t user) {
    if (!shard_.owns(user) || user >= people_.online()) return;
    const std::uint32_t devices = people_.devices(user);
    for (std::uint32_t d = 0; d < devices; ++d) {
      if (user == send.sender && d == 0) continue;  // the sending device gets the ack, not a msg
      check_device(send, device_key(user, d));
    }
  }

  void check_device(const workload::PlannedSend& send, std::uint64_t key) {
    const auto it = recorder_.ledgers().find(key);
    if (it == recorder_.ledgers().end() || it->second.up_at_us < 0) return;
    const DeviceLedger& ledger = it->second;
    const std::int64_t margin = shard_.owns(send.sender) ? 0 : cross_shard_margin_us;
    if (ledger.up_at_us + margin > send.at_us) return;
    for (const auto& [down, back] : ledger.gaps) {
      if (send.at_us >= down - drop_margin_us && (back == INT64_MAX || send.at_us <= back + margin)) return;
    }
    ++result_.expected;
    if (!ledger.got.contains(send.seq)) ++result_.missing;
  }

  workload::Shard shard_;
  const Recorder& recorder_;
  const workload::PopulationModel& people_;
  Verification result_;
};

}  // namespace

Verification verify(const scenario::Scenario& scenario, workload::Shard shard,
                    const Recorder& recorder) {
  workload::SendPlanner planner(scenario);  // unsharded: recipients may be anyone's
  Checker checker(shard, recorder, planner.population());
  while (auto send = planner.next()) checker.check(*send);
  Verification v = checker.result();
  for (const auto& [key, ledger] : recorder.ledgers()) {
    if (ledger.lost()) ++v.unverified_devices;
  }
  return v;
}

}  // namespace parley::load
