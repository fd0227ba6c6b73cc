// Presence role: TTL expiry to the millisecond, several devices per user, stale departures after a
// reconnect, and the NotifySessions fan-out watchers receive (one frame, grouped per gateway).
#include "parley/presence.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parley {
namespace {

constexpr UserId kAlice{1};
constexpr DeviceRef kPhone{kAlice, DeviceId{1}};
constexpr DeviceRef kLaptop{kAlice, DeviceId{2}};
constexpr SessionRef kAt1{NodeId{1}, SessionId{10}};
constexpr SessionRef kAt2{NodeId{2}, SessionId{20}};

std::vector<env::NotifySessions> notifications(const std::vector<Effect>& effects) {
  std::vector<env::NotifySessions> out;
  for (const auto& e : effects) {
    const auto& route = std::get<Route>(e);  // Presence emits nothing but routes
    out.push_back(std::get<env::NotifySessions>(route.envelope));
  }
  return out;
}

protocol::PresenceUpdate update_in(const env::NotifySessions& n) {
  auto decoded = protocol::decode_server(*n.frame);
  EXPECT_TRUE(decoded.ok()) << *n.frame;
  const auto* update = decoded.ok() ? std::get_if<protocol::PresenceUpdate>(&decoded.value()) : nullptr;
  EXPECT_NE(update, nullptr);
  return update != nullptr ? *update : protocol::PresenceUpdate{};
}

class PresenceTest : public ::testing::Test {
 protected:
  explicit PresenceTest(PresenceConfig config = {}) : presence_(config, clock_) {}

  void online(DeviceRef d, SessionRef at) { presence_.step(Envelope{env::DeviceOnline{d, at}}); }
  void offline(DeviceRef d, SessionRef at) { presence_.step(Envelope{env::DeviceOffline{d, at}}); }
  void watch(SessionRef watcher, UserId user, bool on = true) {
    presence_.step(Envelope{env::Watch{watcher, user, on}});
  }
  std::vector<env::NotifySessions> drain() { return notifications(presence_.drain()); }

  ManualClock clock_;
  Presence presence_;
};

TEST_F(PresenceTest, UnknownUserIsOfflineAndNeverSeen) {
  EXPECT_EQ(presence_.status(kAlice), (PresenceStatus{false, 0}));
}

TEST_F(PresenceTest, DeviceExpiresExactlyOneTtlAfterItsLastHeartbeat) {
  const TimeMs start = clock_.now_ms();
  online(kPhone, kAt1);
  EXPECT_EQ(presence_.status(kAlice), (PresenceStatus{true, start}));
  clock_.advance(limits::presence_ttl_ms - 1);
  presence_.tick();
  EXPECT_TRUE(presence_.status(kAlice).online);
  clock_.advance(1);
  presence_.tick();
  EXPECT_EQ(presence_.status(kAlice), (PresenceStatus{false, start}));  // last heartbeat, not now
  EXPECT_EQ(presence_.stats().expirations, 1u);
  EXPECT_EQ(presence_.stats().online_users, 0u);
}

TEST_F(PresenceTest, HeartbeatsPushTheExpiryBack) {
  const TimeMs start = clock_.now_ms();
  online(kPhone, kAt1);
  clock_.set(start + 60'000);
  online(kPhone, kAt1);
  clock_.set(start + 60'000 + limits::presence_ttl_ms - 1);
  presence_.tick();
  EXPECT_TRUE(presence_.status(kAlice).online);
  clock_.advance(1);
  presence_.tick();
  EXPECT_EQ(presence_.status(kAlice), (PresenceStatus{false, start + 60'000}));
}

TEST_F(PresenceTest, UserStaysOnlineWhileAnyDeviceIs) {
  online(kPhone, kAt1);
  online(kLaptop, kAt2);
  EXPECT_EQ(presence_.stats().online_users, 1u);
  watch(SessionRef{NodeId{3}, SessionId{30}}, kAlice);
  drain();
  clock_.advance(1'000);
  offline(kPhone, kAt1);
  EXPECT_TRUE(presence_.status(kAlice).online);
  EXPECT_TRUE(drain().empty());  // no change, no notification

  clock_.advance(1'000);
  offline(kLaptop, kAt2);
  EXPECT_EQ(presence_.status(kAlice), (PresenceStatus{false, clock_.now_ms()}));
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(update_in(sent[0]), (protocol::PresenceUpdate{kAlice, false, clock_.now_ms()}));
}

TEST_F(PresenceTest, OneDeviceExpiringLeavesTheOtherOnline) {
  online(kPhone, kAt1);
  clock_.advance(30'000);
  online(kLaptop, kAt2);
  clock_.advance(limits::presence_ttl_ms - 30'000);
  presence_.tick();
  EXPECT_EQ(presence_.stats().expirations, 1u);
  EXPECT_TRUE(presence_.status(kAlice).online);
  clock_.advance(30'000);
  presence_.tick();
  EXPECT_FALSE(presence_.status(kAlice).online);
}

TEST_F(PresenceTest, StaleDepartureAfterAReconnectElsewhereIsIgnored) {
  online(kPhone, kAt1);
  online(kPhone, kAt2);  // the phone moved to another gateway
  offline(kPhone, kAt1);  // the old gateway notices late
  EXPECT_TRUE(presence_.status(kAlice).online);
  offline(kPhone, kAt2);
  EXPECT_FALSE(presence_.status(kAlice).online);
}

TEST_F(PresenceTest, NewWatcherAloneGetsTheCurrentStatus) {
  const SessionRef watcher{NodeId{4}, SessionId{44}};
  watch(watcher, kAlice);
  auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].gateway, NodeId{4});
  EXPECT_EQ(sent[0].sessions, std::vector<SessionId>{SessionId{44}});
  EXPECT_EQ(update_in(sent[0]), (protocol::PresenceUpdate{kAlice, false, 0}));

  online(kPhone, kAt1);
  drain();
  watch(SessionRef{NodeId{5}, SessionId{55}}, kAlice);
  sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].sessions, std::vector<SessionId>{SessionId{55}});
  EXPECT_EQ(update_in(sent[0]), (protocol::PresenceUpdate{kAlice, true, clock_.now_ms()}));
  EXPECT_EQ(presence_.stats().subscriptions, 2u);
}

TEST_F(PresenceTest, ChangesGoOncePerGatewayWithSortedSessionsAndOneSharedFrame) {
  watch(SessionRef{NodeId{2}, SessionId{9}}, kAlice);
  watch(SessionRef{NodeId{1}, SessionId{8}}, kAlice);
  watch(SessionRef{NodeId{2}, SessionId{3}}, kAlice);
  drain();
  const auto updates_before = presence_.stats().updates_sent;

  online(kPhone, kAt1);
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].gateway, NodeId{1});
  EXPECT_EQ(sent[0].sessions, std::vector<SessionId>{SessionId{8}});
  EXPECT_EQ(sent[1].gateway, NodeId{2});
  EXPECT_EQ(sent[1].sessions, (std::vector<SessionId>{SessionId{3}, SessionId{9}}));
  EXPECT_EQ(sent[0].frame, sent[1].frame);  // encoded once
  EXPECT_EQ(update_in(sent[0]), (protocol::PresenceUpdate{kAlice, true, clock_.now_ms()}));
  EXPECT_EQ(presence_.stats().updates_sent, updates_before + 2);

  online(kPhone, kAt1);  // a heartbeat changes nothing visible
  online(kLaptop, kAt2);
  EXPECT_TRUE(drain().empty());
}

TEST_F(PresenceTest, UnwatchedSessionsHearNothingMore) {
  const SessionRef watcher{NodeId{4}, SessionId{44}};
  watch(watcher, kAlice);
  watch(watcher, kAlice, false);
  drain();
  EXPECT_EQ(presence_.stats().subscriptions, 0u);
  online(kPhone, kAt1);
  EXPECT_TRUE(drain().empty());
  watch(watcher, UserId{99}, false);  // unwatching what was never watched is harmless
  EXPECT_EQ(presence_.stats().subscriptions, 0u);
}

TEST_F(PresenceTest, ExpiryNotifiesWatchers) {
  watch(SessionRef{NodeId{4}, SessionId{44}}, kAlice);
  const TimeMs start = clock_.now_ms();
  online(kPhone, kAt1);
  drain();
  clock_.advance(limits::presence_ttl_ms);
  presence_.tick();
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(update_in(sent[0]), (protocol::PresenceUpdate{kAlice, false, start}));
}

TEST_F(PresenceTest, BatchedStatusAnswersInOrder) {
  online(kPhone, kAt1);
  online(DeviceRef{UserId{3}, DeviceId{1}}, kAt2);
  offline(DeviceRef{UserId{3}, DeviceId{1}}, kAt2);
  const auto statuses = presence_.status({kAlice, UserId{2}, UserId{3}});
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[0], (PresenceStatus{true, clock_.now_ms()}));
  EXPECT_EQ(statuses[1], (PresenceStatus{false, 0}));
  EXPECT_EQ(statuses[2], (PresenceStatus{false, clock_.now_ms()}));
}

class PresenceLimitsTest : public PresenceTest {
 protected:
  static PresenceConfig small() {
    PresenceConfig c;
    c.watchers_per_user_max = 2;
    c.devices_per_user_max = 2;
    return c;
  }
  PresenceLimitsTest() : PresenceTest(small()) {}
};

TEST_F(PresenceLimitsTest, WatchersOverTheLimitAreRefused) {
  watch(SessionRef{NodeId{1}, SessionId{1}}, kAlice);
  watch(SessionRef{NodeId{1}, SessionId{2}}, kAlice);
  drain();
  watch(SessionRef{NodeId{1}, SessionId{3}}, kAlice);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(presence_.stats().watches_refused, 1u);
  EXPECT_EQ(presence_.stats().subscriptions, 2u);
  online(kPhone, kAt1);
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].sessions, (std::vector<SessionId>{SessionId{1}, SessionId{2}}));
}

TEST_F(PresenceLimitsTest, DevicesOverTheLimitAreNotTracked) {
  online(kPhone, kAt1);
  online(kLaptop, kAt1);
  online(DeviceRef{kAlice, DeviceId{3}}, kAt2);
  EXPECT_EQ(presence_.stats().devices_refused, 1u);
  offline(kPhone, kAt1);
  offline(kLaptop, kAt1);
  EXPECT_FALSE(presence_.status(kAlice).online);
}

}  // namespace
}  // namespace parley
