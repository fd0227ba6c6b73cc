// The end-of-run account: expected (send, device) pairs come from replaying the plan, and exactly
// the ones without a delivery are missing; late, dropped or other-shard devices are not judged.
#include "verifier.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "parley/scenario/parse.hpp"
#include "send_planner.hpp"

namespace parley::load {
namespace {

scenario::Scenario one_to_one() {
  auto s = scenario::parse_string(
      "seed: 5\nduration_s: 4\npopulation: {users: 6, contacts_per_user: 3}\n"
      "workload: {messages_per_user_per_s: 2, group_share: 0}\n");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.value();
}

std::vector<workload::PlannedSend> plan(const scenario::Scenario& s) {
  workload::SendPlanner planner(s);
  std::vector<workload::PlannedSend> out;
  while (auto send = planner.next()) out.push_back(*send);
  return out;
}

// Every device up from t = 0, every send acked and delivered to its peer, except `skip`.
void perfect_run(Recorder& r, const scenario::Scenario& s, std::size_t skip = SIZE_MAX) {
  for (std::uint64_t u = 0; u < 6; ++u) r.on_device_up(device_key(u, 0), 0);
  const auto sends = plan(s);
  for (std::size_t i = 0; i < sends.size(); ++i) {
    const auto& send = sends[i];
    r.on_ack(UuidFields{send.seq, send.at_us}, false, send.at_us + 1);
    if (i == skip) continue;
    r.on_delivery(device_key(send.target, 0), ConversationId{(1ULL << 63) | send.seq},
                  MessageId{send.seq + 1}, make_client_uuid(send.seq, send.at_us), send.at_us + 2);
  }
}

TEST(LoadVerifier, AllDeliveredMeansNothingMissing) {
  const auto s = one_to_one();
  const auto sends = plan(s);
  ASSERT_GT(sends.size(), 10u);
  Recorder r;
  perfect_run(r, s);
  const Verification v = verify(s, {}, r);
  EXPECT_EQ(v.expected, sends.size());
  EXPECT_EQ(v.missing, 0u);
}

TEST(LoadVerifier, OneLostDeliveryIsMissing) {
  const auto s = one_to_one();
  Recorder r;
  perfect_run(r, s, 3);
  EXPECT_EQ(verify(s, {}, r).missing, 1u);
}

TEST(LoadVerifier, UnackedSendsAndLateOrDroppedDevicesAreNotExpected) {
  const auto s = one_to_one();
  const auto sends = plan(s);
  Recorder r;
  r.on_device_up(device_key(sends[0].target, 0), sends[0].at_us + 1);  // up after the first send
  const Verification v = verify(s, {}, r);
  EXPECT_EQ(v.expected, 0u);
  EXPECT_EQ(v.unacked_sends, sends.size());

  Recorder dropped;
  perfect_run(dropped, s, 0);
  // Lost for good just before send 0 was meant to leave: that send is not judged, nor any later
  // one to that device; the device's earlier sends are.
  dropped.on_device_down(device_key(sends[0].target, 0), Recorder::Down::unexpected, true, "read: reset",
                         sends[0].at_us);
  const Verification d = verify(s, {}, dropped);
  EXPECT_EQ(d.missing, 0u);
  EXPECT_EQ(d.unverified_devices, 1u);
  EXPECT_LT(d.expected, sends.size());
}

TEST(LoadVerifier, SendsAroundAGapAreNotJudgedButLaterOnesAre) {
  const auto s = one_to_one();
  const auto sends = plan(s);
  const std::size_t last = sends.size() - 1;
  const std::uint64_t device = device_key(sends[last].target, 0);
  Recorder r;
  perfect_run(r, s, last);  // the last send never reached its device ...
  r.on_device_down(device, Recorder::Down::deliberate, true, "closed by client", sends[last].at_us + 10);
  r.on_device_up(device, sends[last].at_us + 20);
  EXPECT_EQ(verify(s, {}, r).missing, 0u);  // ... which was away just after it: not judged
  Recorder late;
  perfect_run(late, s, 0);  // the first send lost, a gap long after it: still missing
  late.on_device_down(device_key(sends[0].target, 0), Recorder::Down::deliberate, true, "x",
                      sends[0].at_us + drop_margin_us + 1);
  late.on_device_up(device_key(sends[0].target, 0), sends[0].at_us + drop_margin_us + 2);
  EXPECT_EQ(verify(s, {}, late).missing, 1u);
}

TEST(LoadVerifier, AShardJudgesOnlyItsOwnRecipients) {
  const auto s = one_to_one();
  const auto sends = plan(s);
  std::uint64_t to_shard0 = 0;  // other shards' sends count once the clock margin has passed
  for (const auto& send : sends) {
    to_shard0 += send.target % 2 == 0 && (send.sender % 2 == 0 || send.at_us >= cross_shard_margin_us);
  }
  Recorder r;
  perfect_run(r, s);
  const Verification v = verify(s, workload::Shard{0, 2}, r);
  EXPECT_EQ(v.expected, to_shard0);
  EXPECT_EQ(v.missing, 0u);
}

}  // namespace
}  // namespace parley::load
