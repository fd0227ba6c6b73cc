// A parley-load device's catch-up: the server's resync_required notice (no rid) is answered with a
// sync of every conversation the device holds, from its positions, exactly as after a reconnect;
// it is counted as a resync, not an error, and what the replay brings is judged as replayed.
#include "replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "verifier.hpp"
#include "parley/scenario/parse.hpp"
#include "send_planner.hpp"
#include "written_frames.hpp"

namespace parley::load {
namespace {

constexpr std::uint64_t kDevice = 3 * 256;  // user 3, device 0
constexpr ConversationId kDirect{(1ULL << 63) | 5};
constexpr ConversationId kGroup{77};

using testing::Written;

protocol::ErrorFrame server_error(const std::string& wire) {
  auto frame = protocol::decode_server(wire);
  EXPECT_TRUE(frame.ok()) << wire;
  return std::get<protocol::ErrorFrame>(frame.value());
}

// The notice as the gateway writes it (core/src/gateway_registry.cpp): no rid.
protocol::ErrorFrame resync_notice() {
  return server_error(protocol::encode(protocol::ServerFrame{protocol::ErrorFrame{
      "", ErrorCode::resync_required, "live deliveries to this session were interrupted"}}));
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> positions_of(const protocol::Sync& sync) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (const auto& p : sync.positions) out.emplace_back(p.conv.value, p.after.value);
  std::sort(out.begin(), out.end());
  return out;
}

// The device holds ids up to 12 in the direct conversation and 40 in the group.
void hold_two_conversations(Recorder& r) {
  r.on_device_up(kDevice, 0);
  r.on_delivery(kDevice, kDirect, MessageId{10}, make_client_uuid(1, 100), 200);
  r.on_delivery(kDevice, kDirect, MessageId{12}, make_client_uuid(2, 300), 400);
  r.on_delivery(kDevice, kGroup, MessageId{40}, make_client_uuid(3, 500), 600);
}

TEST(LoadReplay, AResyncNoticeSyncsEveryKnownConversationFromItsPositionsAndIsNoError) {
  Recorder r;
  hold_two_conversations(r);
  Written out;
  on_error_frame(out.writer(), r, kDevice, resync_notice(), 1'000);
  const auto syncs = out.syncs();
  ASSERT_EQ(out.frames.size(), 1u);
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_EQ(positions_of(syncs[0]),
            (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{kGroup.value, 40}, {kDirect.value, 12}}));
  EXPECT_EQ(syncs[0].limit, sync_page);
  EXPECT_EQ(r.counts().errors, 0u);
  EXPECT_EQ(r.extras().error_frames, 0u);
  EXPECT_TRUE(r.extras().error_codes.empty());
  EXPECT_EQ(r.extras().resyncs, 1u);
  EXPECT_EQ(r.extras().syncs, 1u);
}

TEST(LoadReplay, TheResyncReplayIsTheReconnectReplay) {
  Recorder r;
  hold_two_conversations(r);
  Written resync, reconnect;
  on_error_frame(resync.writer(), r, kDevice, resync_notice(), 1'000);
  replay(reconnect.writer(), r, kDevice);  // what Worker::on_ready writes after a reconnect
  ASSERT_EQ(resync.syncs().size(), 1u);
  ASSERT_EQ(reconnect.syncs().size(), 1u);
  EXPECT_EQ(positions_of(resync.syncs()[0]), positions_of(reconnect.syncs()[0]));
}

TEST(LoadReplay, OtherErrorFramesAreErrorsAndSyncNothing) {
  for (const auto& error : {protocol::ErrorFrame{"h1", ErrorCode::resync_required, "an answer"},
                            protocol::ErrorFrame{"", ErrorCode::rate_limited, "slow down"},
                            protocol::ErrorFrame{"s1", ErrorCode::internal, "store"}}) {
    Recorder r;
  hold_two_conversations(r);
    Written out;
    on_error_frame(out.writer(), r, kDevice, server_error(protocol::encode(protocol::ServerFrame{error})), 1'000);
    EXPECT_TRUE(out.frames.empty()) << to_string(error.code);
    EXPECT_EQ(r.counts().errors, 1u);
    EXPECT_EQ(r.extras().error_codes.at(std::string(to_string(error.code))), 1u);
    EXPECT_EQ(r.extras().resyncs, 0u);
  }
}

TEST(LoadReplay, ADeviceHoldingNothingHasNothingToSync) {
  Recorder r;
  r.on_device_up(kDevice, 0);
  Written out;
  on_error_frame(out.writer(), r, kDevice, resync_notice(), 1'000);
  EXPECT_TRUE(out.frames.empty());
  EXPECT_EQ(r.extras().resyncs, 1u);
  EXPECT_EQ(r.counts().errors, 0u);
}

// What the resync's sync brings (intended before the notice) may be older than live deliveries
// the device already holds: replay_out_of_order, as after a reconnect. Later sends are judged.
TEST(LoadReplay, OlderIdsReplayedAfterAResyncAreNotReordered) {
  Recorder r;
  hold_two_conversations(r);
  Written out;
  on_error_frame(out.writer(), r, kDevice, resync_notice(), 1'000);
  EXPECT_TRUE(r.on_delivery(kDevice, kDirect, MessageId{11}, make_client_uuid(4, 900), 1'100));
  EXPECT_EQ(r.extras().replay_out_of_order, 1u);
  EXPECT_EQ(r.counts().reordered, 0u);
  EXPECT_TRUE(r.on_delivery(kDevice, kDirect, MessageId{9}, make_client_uuid(5, 1'200), 1'300));
  EXPECT_EQ(r.counts().reordered, 1u);  // intended after the notice: really out of order

  Recorder control;  // the same delivery with no resync
  hold_two_conversations(control);
  control.on_delivery(kDevice, kDirect, MessageId{11}, make_client_uuid(4, 900), 1'100);
  EXPECT_EQ(control.counts().reordered, 1u);
  EXPECT_EQ(control.extras().replay_out_of_order, 0u);
}

// From the session's auth.ok until the notice the device was out of live delivery: like a
// reconnect's gap, sends intended then are not judged (the replay may bring them or not).
TEST(LoadReplay, SendsWhileTheSessionWasUnregisteredAreNotJudged) {
  auto s = scenario::parse_string(
      "seed: 5\nduration_s: 4\npopulation: {users: 6, contacts_per_user: 3}\n"
      "workload: {messages_per_user_per_s: 2, group_share: 0}\n");
  ASSERT_TRUE(s.ok());
  workload::SendPlanner planner(s.value());
  std::vector<workload::PlannedSend> sends;
  while (auto send = planner.next()) sends.push_back(*send);
  ASSERT_GT(sends.size(), 2u);
  const auto& lost = sends[sends.size() / 2];
  const std::uint64_t device = device_key(lost.target, 0);
  const auto run = [&](bool resync) {
    Recorder r;
    for (std::uint64_t u = 0; u < 6; ++u) r.on_device_up(device_key(u, 0), 0);
    for (const auto& send : sends) {
      r.on_ack(UuidFields{send.seq, send.at_us}, false, send.at_us + 1);
      if (send.seq == lost.seq) continue;
      r.on_delivery(device_key(send.target, 0), ConversationId{(1ULL << 63) | send.seq},
                    MessageId{send.seq + 1}, make_client_uuid(send.seq, send.at_us), send.at_us + 2);
    }
    Written out;
    if (resync) on_error_frame(out.writer(), r, device, resync_notice(), lost.at_us + 10);
    return verify(s.value(), {}, r);
  };
  EXPECT_EQ(run(false).missing, 1u);
  EXPECT_EQ(run(true).missing, 0u);
}

}  // namespace
}  // namespace parley::load
