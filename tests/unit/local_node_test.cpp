// A whole node through LocalNode: real frames in, real frames out, every role and the in-memory
// records working together. What a client of the server would observe, on a manual clock.
#include "parley/local_node.hpp"

#include <gtest/gtest.h>

#include "parley/conversation.hpp"
#include "parley/protocol.hpp"

namespace parley {
namespace {

namespace pr = protocol;

class LocalNodeTest : public ::testing::Test {
 protected:
  SessionId login(std::uint64_t user, std::uint64_t device = 1) {
    const SessionId s = node.open();
    node.receive(s, pr::encode(pr::ClientFrame{pr::Auth{make_dev_token(UserId{user}, DeviceId{device})}}));
    auto frames = take(s);
    EXPECT_EQ(frames.size(), 1u);
    EXPECT_TRUE(!frames.empty() && std::holds_alternative<pr::AuthOk>(frames[0]));
    return s;
  }
  void send(SessionId s, const pr::ClientFrame& frame) { node.receive(s, pr::encode(frame)); }
  std::vector<pr::ServerFrame> take(SessionId s) {
    std::vector<pr::ServerFrame> out;
    for (const auto& f : node.take_frames(s)) {
      auto decoded = pr::decode_server(*f);
      EXPECT_TRUE(decoded.ok()) << *f;
      if (decoded.ok()) out.push_back(decoded.value());
    }
    return out;
  }
  template <class T>
  std::vector<T> of(const std::vector<pr::ServerFrame>& frames) {
    std::vector<T> out;
    for (const auto& f : frames) {
      if (auto* t = std::get_if<T>(&f)) out.push_back(*t);
    }
    return out;
  }
  static pr::Send text_to(std::uint64_t user, std::string uuid, std::string text) {
    pr::Send s;
    s.client_uuid = std::move(uuid);
    s.to = UserId{user};
    s.body.text = std::move(text);
    return s;
  }

  ManualClock clock;
  LocalNode node{LocalNode::Config{}, clock};
};

TEST_F(LocalNodeTest, DirectMessageIsAckedToTheSenderAndDeliveredToEveryRecipientDevice) {
  const SessionId alice = login(1);
  const SessionId bob_phone = login(2, 1);
  const SessionId bob_laptop = login(2, 2);
  send(alice, text_to(2, "u-1", "hi bob"));
  const auto acks = of<pr::Ack>(take(alice));
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_FALSE(acks[0].duplicate);
  for (SessionId s : {bob_phone, bob_laptop}) {
    const auto got = of<pr::Deliver>(take(s));
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].message.id, acks[0].msg);
    EXPECT_EQ(got[0].message.body.text, "hi bob");
    EXPECT_EQ(got[0].message.sender, UserId{1});
  }
}

TEST_F(LocalNodeTest, TheAckWaitsForTheStoreAndAFailedWriteIsReportedNotAcked) {
  const SessionId alice = login(1);
  const SessionId bob = login(2);
  node.hold_store(true);
  send(alice, text_to(2, "u-1", "one"));
  EXPECT_TRUE(of<pr::Ack>(take(alice)).empty());
  EXPECT_TRUE(of<pr::Deliver>(take(bob)).empty());
  node.release_store(/*fail=*/true);
  const auto errors = of<pr::ErrorFrame>(take(alice));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::internal);
  EXPECT_TRUE(of<pr::Deliver>(take(bob)).empty());
  node.hold_store(false);
  send(alice, text_to(2, "u-1", "one"));  // the client retries with the same id
  EXPECT_EQ(of<pr::Ack>(take(alice)).size(), 1u);
  EXPECT_EQ(of<pr::Deliver>(take(bob)).size(), 1u);
}

TEST_F(LocalNodeTest, ARetriedSendIsDeduplicatedEndToEnd) {
  const SessionId alice = login(1);
  const SessionId bob = login(2);
  send(alice, text_to(2, "same-id", "hello"));
  send(alice, text_to(2, "same-id", "hello"));
  const auto acks = of<pr::Ack>(take(alice));
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_FALSE(acks[0].duplicate);
  EXPECT_TRUE(acks[1].duplicate);
  EXPECT_EQ(acks[0].msg, acks[1].msg);
  EXPECT_EQ(of<pr::Deliver>(take(bob)).size(), 1u);
}

TEST_F(LocalNodeTest, AnUnackedDeliveryIsRedeliveredAfterFiveSecondsAndNotAfterTheAck) {
  const SessionId alice = login(1);
  const SessionId bob = login(2);
  send(alice, text_to(2, "u-1", "are you there"));
  const auto first = of<pr::Deliver>(take(bob));
  ASSERT_EQ(first.size(), 1u);
  clock.advance(limits::redelivery_after_ms - 1);
  node.tick();
  EXPECT_TRUE(take(bob).empty());
  clock.advance(1);
  node.tick();
  const auto again = of<pr::Deliver>(take(bob));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].message.id, first[0].message.id);
  send(bob, pr::Delivered{first[0].message.conv, first[0].message.id});
  clock.advance(limits::redelivery_after_ms * 3);
  node.tick();
  EXPECT_TRUE(of<pr::Deliver>(take(bob)).empty());
}

TEST_F(LocalNodeTest, ASilentSessionIsClosedAfterThreeMissedHeartbeatsAndWatchersSeeItGoOffline) {
  const SessionId alice = login(1);
  const SessionId bob = login(2);
  send(alice, text_to(2, "u-1", "hi"));  // a conversation to watch presence in
  const auto conv = of<pr::Ack>(take(alice)).at(0).conv;
  take(bob);
  send(alice, pr::PresenceSubscribe{"p", conv, true});
  auto initial = of<pr::PresenceUpdate>(take(alice));
  ASSERT_EQ(initial.size(), 1u);
  EXPECT_TRUE(initial[0].online);
  // Alice keeps pinging; Bob falls silent.
  for (int i = 0; i < 3; ++i) {
    clock.advance(limits::heartbeat_interval_ms);
    send(alice, pr::Ping{});
    node.tick();
  }
  EXPECT_EQ(node.closed_reason(bob), ErrorCode::heartbeat_timeout);
  const auto updates = of<pr::PresenceUpdate>(take(alice));
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_FALSE(updates[0].online);
  EXPECT_EQ(updates[0].user, UserId{2});
  EXPECT_GT(updates[0].last_seen_ms, 0u);
}

TEST_F(LocalNodeTest, AReconnectingDeviceReplaysWhatItMissedWithSync) {
  const SessionId alice = login(1);
  SessionId bob = login(2);
  send(alice, text_to(2, "u-1", "first"));
  const auto first = of<pr::Deliver>(take(bob)).at(0).message;
  send(bob, pr::Delivered{first.conv, first.id});
  node.close(bob);
  send(alice, text_to(2, "u-2", "second"));
  send(alice, text_to(2, "u-3", "third"));
  bob = login(2);
  send(bob, pr::Sync{"s", {pr::SyncPosition{first.conv, first.id}}, 0});
  const auto frames = take(bob);
  const auto replayed = of<pr::Deliver>(frames);
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_EQ(replayed[0].message.body.text, "second");
  EXPECT_EQ(replayed[1].message.body.text, "third");
  const auto done = of<pr::SyncDone>(frames);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].through, replayed[1].message.id);
  EXPECT_FALSE(done[0].resync_required);
}

TEST_F(LocalNodeTest, SyncBehindTrimmedHistoryAsksTheClientToResync) {
  const SessionId alice = login(1);
  const SessionId bob = login(2);
  send(alice, text_to(2, "u-1", "old"));
  const auto old = of<pr::Deliver>(take(bob)).at(0).message;
  clock.advance(10);
  send(alice, text_to(2, "u-2", "new"));
  const auto fresh = of<pr::Deliver>(take(bob)).at(0).message;
  node.store().trim(old.conv, fresh.id);  // history capped: "old" is gone
  send(bob, pr::Sync{"s", {pr::SyncPosition{old.conv, MessageId{old.id.value - 1}}}, 0});
  const auto done = of<pr::SyncDone>(take(bob));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].resync_required);
  EXPECT_EQ(done[0].floor, fresh.id);
}

TEST_F(LocalNodeTest, OfflineRecipientsGetAPushAndEncryptedContentIsNeverShown) {
  const SessionId alice = login(1);
  const SessionId bob = login(2);
  send(bob, pr::PushRegister{"bob-push-token"});
  node.close(bob);
  pr::Send secret = text_to(2, "u-1", "");
  secret.body.kind = Body::Kind::encrypted;
  secret.body.data = "c2VjcmV0IG1lc3NhZ2U=";
  send(alice, secret);
  const auto pushes = node.take_pushes();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].token, "bob-push-token");
  EXPECT_EQ(pushes[0].body.find("secret"), std::string::npos);
  EXPECT_EQ(pushes[0].body, "New message");
}

TEST_F(LocalNodeTest, MalformedFramesGetErrorFramesAndTheSessionStaysUsable) {
  const SessionId alice = login(1);
  node.receive(alice, "{\"op\":\"send\",\"id\":\"x\",\"to\":\"12a\",\"body\":{\"type\":\"text\",\"text\":\"hi\"}}");
  node.receive(alice, "not json");
  const auto errors = of<pr::ErrorFrame>(take(alice));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, ErrorCode::invalid_value);
  EXPECT_EQ(errors[1].code, ErrorCode::bad_json);
  EXPECT_FALSE(node.closed_reason(alice).has_value());
  send(alice, pr::Ping{});
  EXPECT_EQ(of<pr::Pong>(take(alice)).size(), 1u);
}

}  // namespace
}  // namespace parley
