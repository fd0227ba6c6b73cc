// See verifier.hpp.
#include "verifier.hpp"

#include "recipients.hpp"
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
    workload::for_each_recipient(people_, send, [&](std::uint64_t user, std::uint32_t device) {
      if (shard_.owns(user)) check_device(send, device_key(user, device));
    });
  }

  Verification result() const { return result_; }

 private:
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
