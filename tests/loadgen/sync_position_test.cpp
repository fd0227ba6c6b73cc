// Where a parley-load device's next sync starts: the id up to which it holds everything of a
// conversation, not the newest id it holds. A live message that arrives while a replay is still
// outstanding must not move it, or a connection lost before sync.done skips the rest of the replay.
#include "replay.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "written_frames.hpp"

namespace parley::load {
namespace {

constexpr std::uint64_t kDevice = 4 * 256 + 1;  // user 4, device 1
constexpr ConversationId kConv{(1ULL << 63) | 9};
constexpr ConversationId kOther{31};

using Positions = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// The syncs a device wrote, as (conversation, after) pairs in conversation order.
struct Written : testing::Written {
  std::vector<Positions> syncs() const {
    std::vector<Positions> out;
    for (const auto& sync : testing::Written::syncs()) {
      Positions positions;
      for (const auto& p : sync.positions) positions.emplace_back(p.conv.value, p.after.value);
      std::sort(positions.begin(), positions.end());
      out.push_back(std::move(positions));
    }
    return out;
  }
};

// A device of one test: its deliveries get distinct planned sends, frames arrive as on the wire.
struct Device {
  Recorder recorder;
  std::uint64_t seq = 0;
  std::int64_t now = 0;

  void up() { recorder.on_device_up(kDevice, now += 10); }
  void down(Recorder::Down kind) { recorder.on_device_down(kDevice, kind, true, "closed", now += 10); }
  void msg(ConversationId conv, std::uint64_t id) {
    now += 10;
    ASSERT_TRUE(recorder.on_delivery(kDevice, conv, MessageId{id}, make_client_uuid(++seq, now), now));
  }
  void sync_done(Written& out, ConversationId conv, std::uint64_t through, bool more) {
    const std::string wire = protocol::encode(protocol::ServerFrame{
        protocol::SyncDone{"sync", conv, MessageId{through}, more, false, MessageId{}}});
    auto frame = protocol::decode_server(wire);
    ASSERT_TRUE(frame.ok()) << wire;
    on_sync_done(out.writer(), recorder, kDevice, std::get<protocol::SyncDone>(frame.value()));
  }
  // Holds kConv through 10 on a first session, drops, reconnects; returns the replay's positions.
  Positions back_after_holding_10(Written& out) {
    up();
    msg(kConv, 10);  // live on the first session, nothing outstanding: held through 10
    down(Recorder::Down::deliberate);
    return reconnect(out);
  }
  // Reconnects and returns the positions its replay asks for.
  Positions reconnect(Written& out) {
    up();
    replay(out.writer(), recorder, kDevice);
    const auto syncs = out.syncs();
    EXPECT_FALSE(syncs.empty());
    return syncs.empty() ? Positions{} : syncs.back();
  }
};

// The bug the simulator found: sync from 10, live 50 arrives before sync.done, the connection drops;
// syncing from 50 next would never replay what lies between 10 and 50.
TEST(LoadSyncPosition, ALiveMessageDuringAnUnfinishedReplayDoesNotMoveThePosition) {
  Device d;
  Written first;
  EXPECT_EQ(d.back_after_holding_10(first), (Positions{{kConv.value, 10}}));
  d.msg(kConv, 50);  // live, ahead of a replay that has not arrived yet
  d.down(Recorder::Down::unexpected);
  Written second;
  EXPECT_EQ(d.reconnect(second), (Positions{{kConv.value, 10}}));
  EXPECT_EQ(d.recorder.ledgers().at(kDevice).position.at(kConv.value).top, 50u);  // top is unchanged
}

TEST(LoadSyncPosition, AfterSyncDoneLiveMessagesMoveThePositionAgain) {
  Device d;
  Written first;
  EXPECT_EQ(d.back_after_holding_10(first), (Positions{{kConv.value, 10}}));
  d.msg(kConv, 20);  // the replay's page
  d.msg(kConv, 30);
  d.sync_done(first, kConv, 30, false);
  EXPECT_EQ(first.syncs().size(), 1u);  // nothing more to ask for
  d.msg(kConv, 60);  // live, with the sync over
  d.down(Recorder::Down::deliberate);
  Written second;
  EXPECT_EQ(d.reconnect(second), (Positions{{kConv.value, 60}}));
}

// With `more` the sync goes on from `through` and stays outstanding: the position is `through`,
// and a live message until the last sync.done leaves it there.
TEST(LoadSyncPosition, APagedSyncMovesThePositionPageByPage) {
  Device d;
  Written first;
  d.back_after_holding_10(first);
  d.msg(kConv, 25);
  d.sync_done(first, kConv, 25, true);
  ASSERT_EQ(first.syncs().size(), 2u);
  EXPECT_EQ(first.syncs()[1], (Positions{{kConv.value, 25}}));  // the next page
  d.msg(kConv, 90);  // live, while the next page is outstanding
  d.down(Recorder::Down::unexpected);
  Written second;
  EXPECT_EQ(d.reconnect(second), (Positions{{kConv.value, 25}}));
}

// Only the conversations being synced wait for their sync.done; a resync notice's sync holds the
// position just as a reconnect's does.
TEST(LoadSyncPosition, EachConversationWaitsForItsOwnSyncDone) {
  Device d;
  d.up();
  d.msg(kConv, 10);
  d.msg(kOther, 7);
  Written out;
  on_error_frame(out.writer(), d.recorder, kDevice,
                 protocol::ErrorFrame{"", ErrorCode::resync_required, "registered late"}, d.now);
  ASSERT_EQ(out.syncs().size(), 1u);
  EXPECT_EQ(out.syncs()[0], (Positions{{kOther.value, 7}, {kConv.value, 10}}));
  d.sync_done(out, kOther, 8, false);
  d.msg(kOther, 40);  // its sync is over: moves
  d.msg(kConv, 70);   // still outstanding: does not
  d.down(Recorder::Down::unexpected);
  Written next;
  EXPECT_EQ(d.reconnect(next), (Positions{{kOther.value, 40}, {kConv.value, 10}}));
}

// A lost connection forgets what was outstanding on it: on the next session a conversation left out
// of the replay (more than sync_positions_max known) is live again and moves with what arrives.
TEST(LoadSyncPosition, ALostConnectionForgetsTheOutstandingSync) {
  Device d;
  Written first;
  d.back_after_holding_10(first);
  d.down(Recorder::Down::unexpected);  // before sync.done
  d.up();                              // no sync of kConv on this session
  d.msg(kConv, 80);
  EXPECT_EQ(d.recorder.positions(kDevice, 10), (std::vector<std::pair<ConversationId, MessageId>>{{kConv, MessageId{80}}}));
}

}  // namespace
}  // namespace parley::load
