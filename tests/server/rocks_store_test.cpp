// RocksStore ops: the record semantics of records.hpp on RocksDB — open errors, history paging
// edges, dedup, trim and floor, groups, search scope and terms, the device registry rules, and
// batches whose later ops see the writes of earlier ones.
#include "rocks_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "parley/limits.hpp"
#include "parley/snowflake.hpp"
#include "rocks_test_support.hpp"

namespace parley::server {
namespace {

using namespace testing;

constexpr ConversationId conv_a{100};
constexpr ConversationId conv_b{101};  // adjacent keys: a scan of conv_a must stop before it
constexpr UserId alice{1};
constexpr UserId bob{2};
constexpr UserId carol{3};

class RocksStoreTest : public ::testing::Test {
 protected:
  store::Appended append(StoredMessage m, std::vector<UserId> link = {alice, bob}, bool index = true) {
    return as<store::Appended>(store_->execute(store::AppendMessage{std::move(m), std::move(link), index}));
  }
  store::Page read(ConversationId conv, std::uint64_t after, std::uint64_t before, std::uint32_t limit,
                   bool newest_first) {
    return as<store::Page>(
        store_->execute(store::ReadMessages{conv, MessageId{after}, MessageId{before}, limit, newest_first}));
  }
  std::vector<std::uint64_t> search(UserId user, std::string query, ConversationId conv = {},
                                    std::uint32_t limit = 50) {
    return ids_of(
        as<store::Hits>(store_->execute(store::SearchMessages{user, std::move(query), conv, limit})).hits);
  }
  std::vector<DeviceLocation> lookup(std::vector<UserId> users) {
    return as<store::Devices>(store_->execute(store::RegistryLookup{std::move(users)})).devices;
  }
  store::Outcome connect(UserId u, std::uint64_t device, std::uint64_t gateway, std::uint64_t session) {
    return store_->execute(
        store::RegistryConnect{DeviceRef{u, DeviceId{device}}, NodeId{gateway}, SessionId{session}});
  }
  store::Outcome disconnect(UserId u, std::uint64_t device, std::uint64_t gateway, std::uint64_t session) {
    return store_->execute(
        store::RegistryDisconnect{DeviceRef{u, DeviceId{device}}, NodeId{gateway}, SessionId{session}});
  }
  void append_ids(ConversationId conv, std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t id = first; id <= last; ++id) append(text_message(conv, id, "m" + std::to_string(id)));
  }

  TempDir dir_;
  std::unique_ptr<RocksStore> store_ = open_store(dir_.path());
};

TEST(RocksStoreOpen, CreatesMissingDirectories) {
  TempDir dir;
  auto store = open_store(dir.path() + "/a/b/c");
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::holds_alternative<store::Page>(store->execute(store::ReadMessages{conv_a})));
}

TEST(RocksStoreOpen, UnusableOrLockedDirectoryIsAClearError) {
  TempDir dir;
  const std::string file = dir.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto on_file = RocksStore::open({file});
  ASSERT_FALSE(on_file.ok());
  EXPECT_EQ(on_file.error().code, ErrorCode::internal);
  EXPECT_NE(on_file.error().message.find(file), std::string::npos) << on_file.error().message;

  auto first = RocksStore::open({dir.path() + "/db"});
  ASSERT_TRUE(first.ok());
  auto second = RocksStore::open({dir.path() + "/db"});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("lock"), std::string::npos) << second.error().message;

  auto empty = RocksStore::open({""});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::invalid_value);
}

TEST_F(RocksStoreTest, AppendDedupsBySenderAndUuidAndReturnsTheOriginal) {
  const auto first = append(text_message(conv_a, 10, "hello", alice, "u-1"));
  EXPECT_FALSE(first.duplicate);
  const auto retry = append(text_message(conv_a, 11, "hello again", alice, "u-1"));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.stored, first.stored);
  EXPECT_FALSE(append(text_message(conv_a, 12, "same uuid, other sender", bob, "u-1")).duplicate);
  EXPECT_FALSE(append(text_message(conv_a, 13, "no uuid")).duplicate);
  EXPECT_FALSE(append(text_message(conv_a, 14, "no uuid")).duplicate);
  EXPECT_EQ(ids_of(read(conv_a, 0, 0, 50, false).messages), (std::vector<std::uint64_t>{10, 12, 13, 14}));
}

TEST_F(RocksStoreTest, AppendRejectsAReusedIdAndZeroIds) {
  append(text_message(conv_a, 10, "x"));
  auto reused = store_->execute(store::AppendMessage{text_message(conv_a, 10, "y")});
  ASSERT_TRUE(std::holds_alternative<Error>(reused));
  EXPECT_EQ(std::get<Error>(reused).code, ErrorCode::invalid_value);
  EXPECT_TRUE(std::holds_alternative<Error>(
      store_->execute(store::AppendMessage{text_message(ConversationId{}, 1, "z")})));
  EXPECT_TRUE(
      std::holds_alternative<Error>(store_->execute(store::AppendMessage{text_message(conv_a, 0, "z")})));
  EXPECT_FALSE(append(text_message(conv_b, 10, "same id, other conversation")).duplicate);
  EXPECT_EQ(read(conv_a, 0, 0, 50, false).messages.at(0).body.text, "x");
}

TEST_F(RocksStoreTest, ForwardPagesAreExclusiveAndReportMore) {
  append_ids(conv_a, 1, 10);
  append_ids(conv_b, 1, 3);
  auto page = read(conv_a, 0, 0, 3, false);
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(page.more);
  page = read(conv_a, 3, 7, 3, false);  // exactly the range: no more
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{4, 5, 6}));
  EXPECT_FALSE(page.more);
  page = read(conv_a, 3, 7, 2, false);
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_TRUE(page.more);
  page = read(conv_a, 8, 0, 50, false);  // the tail stops at the conversation's end
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{9, 10}));
  EXPECT_FALSE(page.more);
  EXPECT_TRUE(read(conv_a, 10, 0, 50, false).messages.empty());
  EXPECT_TRUE(read(conv_a, 5, 6, 50, false).messages.empty());  // (5, 6) holds no id
  EXPECT_TRUE(read(conv_a, 7, 3, 50, false).messages.empty());  // after >= before
  EXPECT_TRUE(read(conv_a, ~std::uint64_t{0}, 0, 50, false).messages.empty());
  EXPECT_TRUE(read(ConversationId{999}, 0, 0, 50, false).messages.empty());
}

TEST_F(RocksStoreTest, NewestFirstPagesGoBackwardsFromBefore) {
  append_ids(conv_a, 1, 10);
  append_ids(conv_b, 1, 3);
  auto page = read(conv_a, 0, 0, 3, true);
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{10, 9, 8}));
  EXPECT_TRUE(page.more);
  page = read(conv_a, 5, 8, 50, true);
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{7, 6}));
  EXPECT_FALSE(page.more);
  page = read(conv_a, 0, 3, 2, true);  // the head stops at the conversation's start
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_FALSE(page.more);
  EXPECT_TRUE(read(conv_a, 0, 1, 50, true).messages.empty());
  page = read(ConversationId{conv_a.value - 1}, 0, 0, 50, true);  // the conversation before conv_a
  EXPECT_TRUE(page.messages.empty());
}

TEST_F(RocksStoreTest, LimitZeroMeansTheDefaultPageSize) {
  append_ids(conv_a, 1, limits::page_size_default + 5);
  auto page = read(conv_a, 0, 0, 0, true);
  EXPECT_EQ(page.messages.size(), limits::page_size_default);
  EXPECT_TRUE(page.more);
}

TEST_F(RocksStoreTest, TrimDropsOlderMessagesSetsTheFloorAndKeepsDedup) {
  append(text_message(conv_a, 3, "findme early", alice, "u-3"));
  append_ids(conv_a, 4, 10);
  EXPECT_TRUE(std::holds_alternative<store::Done>(store_->trim(conv_a, MessageId{5})));
  auto page = read(conv_a, 0, 0, 50, false);
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(page.floor, MessageId{5});
  store_->trim(conv_a, MessageId{2});  // a lower floor never moves it back
  EXPECT_EQ(read(conv_a, 0, 0, 50, true).floor, MessageId{5});
  EXPECT_EQ(read(conv_b, 0, 0, 50, true).floor, MessageId{});
  EXPECT_TRUE(search(alice, "findme").empty());
  // The dedup record outlives its message: a late retry is still acked with the original id.
  const auto retry = append(text_message(conv_a, 50, "findme early", alice, "u-3"));
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.stored.id, MessageId{3});
  EXPECT_EQ(retry.stored.time_ms, snowflake::decode(3).unix_ms);
}

TEST_F(RocksStoreTest, ReceiptsNeedAConversationAndAUser) {
  EXPECT_TRUE(
      std::holds_alternative<store::Done>(store_->execute(store::PutReceipt{conv_a, alice, MessageId{5}})));
  EXPECT_TRUE(std::holds_alternative<Error>(
      store_->execute(store::PutReceipt{ConversationId{}, alice, MessageId{5}})));
  EXPECT_TRUE(
      std::holds_alternative<Error>(store_->execute(store::PutReceipt{conv_a, UserId{}, MessageId{5}})));
}

TEST_F(RocksStoreTest, GroupsAreReplacedAndLinkTheSearchScope) {
  EXPECT_FALSE(as<store::GroupLoaded>(store_->execute(store::GetGroup{GroupId{7}})).group.has_value());
  GroupRecord group{GroupId{7}, "climbers", alice, {alice, bob}, 1234};
  EXPECT_TRUE(std::holds_alternative<store::Done>(store_->execute(store::PutGroup{group, {alice, bob}, {}})));
  EXPECT_EQ(as<store::GroupLoaded>(store_->execute(store::GetGroup{GroupId{7}})).group, group);
  append(text_message(ConversationId{7}, 20, "summit at dawn"), {});
  EXPECT_EQ(search(bob, "summit"), (std::vector<std::uint64_t>{20}));
  group.members = {alice};
  group.name = "solo";
  store_->execute(store::PutGroup{group, {}, {bob}});
  EXPECT_EQ(as<store::GroupLoaded>(store_->execute(store::GetGroup{GroupId{7}})).group, group);
  EXPECT_TRUE(search(bob, "summit").empty());
  EXPECT_EQ(search(alice, "summit"), (std::vector<std::uint64_t>{20}));
  EXPECT_TRUE(std::holds_alternative<Error>(store_->execute(store::PutGroup{GroupRecord{}, {}, {}})));
}

TEST_F(RocksStoreTest, SearchNeedsEveryTermCaseFoldedInTheUsersConversations) {
  append(text_message(conv_a, 1, "Lunch at NOON?"), {alice, bob});
  append(text_message(conv_a, 2, "noon is late"), {alice, bob});
  append(text_message(conv_b, 3, "lunch, noon, tomorrow"), {alice, carol});
  append(text_message(conv_b, 4, "déjà vu at noon"), {alice, carol});
  EXPECT_EQ(search(alice, "noon LUNCH"), (std::vector<std::uint64_t>{3, 1}));
  EXPECT_EQ(search(bob, "noon lunch"), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(search(carol, "noon"), (std::vector<std::uint64_t>{4, 3}));
  EXPECT_EQ(search(alice, "noon", conv_a), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_TRUE(search(bob, "noon", conv_b).empty());                  // not bob's conversation
  EXPECT_EQ(search(alice, "DÉJÀ"), (std::vector<std::uint64_t>{}));  // only ASCII is case-folded
  EXPECT_EQ(search(alice, "déjà"), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(search(alice, "noon", {}, 2), (std::vector<std::uint64_t>{4, 3}));
  EXPECT_TRUE(search(alice, "noon absent").empty());
  EXPECT_TRUE(search(alice, "?!").empty());
  EXPECT_TRUE(search(UserId{99}, "noon").empty());
}

TEST_F(RocksStoreTest, SearchNeverSeesEncryptedSystemOrUnindexedBodies) {
  StoredMessage secret = text_message(conv_a, 1, "");
  secret.body.kind = Body::Kind::encrypted;
  secret.body.data = "cipher words here";
  secret.body.text = "cipher";  // even a text field on an encrypted body is never indexed
  append(secret);
  StoredMessage system = text_message(conv_a, 2, "cipher joined");
  system.body.kind = Body::Kind::system;
  append(system);
  append(text_message(conv_a, 3, "cipher unindexed"), {alice}, false);
  StoredMessage media = text_message(conv_a, 4, "cipher caption");
  media.body.kind = Body::Kind::media;
  media.body.url = "https://media/1";
  append(media);
  EXPECT_EQ(search(alice, "cipher"), (std::vector<std::uint64_t>{4}));
}

TEST_F(RocksStoreTest, RegistryConnectReplacesAndStaleDisconnectsAreIgnored) {
  EXPECT_TRUE(std::holds_alternative<store::Done>(connect(alice, 1, 10, 100)));
  connect(alice, 2, 11, 200);
  connect(bob, 1, 10, 300);
  connect(alice, 1, 12, 101);     // the phone moved to another gateway
  disconnect(alice, 1, 10, 100);  // stale: from the old session
  auto devices = lookup({bob, alice, alice});
  ASSERT_EQ(devices.size(), 3u);
  EXPECT_EQ(devices[0], (DeviceLocation{{alice, DeviceId{1}}, NodeId{12}, SessionId{101}}));
  EXPECT_EQ(devices[1], (DeviceLocation{{alice, DeviceId{2}}, NodeId{11}, SessionId{200}}));
  EXPECT_EQ(devices[2], (DeviceLocation{{bob, DeviceId{1}}, NodeId{10}, SessionId{300}}));
  disconnect(alice, 1, 12, 101);
  EXPECT_FALSE(lookup({alice})[0].online());
  EXPECT_TRUE(std::holds_alternative<Error>(connect(UserId{}, 1, 10, 1)));
  EXPECT_TRUE(std::holds_alternative<Error>(connect(alice, 1, 0, 1)));
}

TEST_F(RocksStoreTest, RegistryEvictsTheOldestOfflineDeviceAndRefusesWhenAllAreOnline) {
  const std::uint64_t n = limits::devices_per_user_max;
  for (std::uint64_t d = 1; d <= n; ++d) connect(alice, d, 1, d);
  auto refused = connect(alice, n + 1, 1, n + 1);
  ASSERT_TRUE(std::holds_alternative<Error>(refused));
  EXPECT_EQ(std::get<Error>(refused).code, ErrorCode::too_many_items);
  disconnect(alice, 5, 1, 5);
  disconnect(alice, 3, 1, 3);  // 5 went offline first: it is the oldest
  EXPECT_TRUE(std::holds_alternative<store::Done>(connect(alice, n + 1, 1, n + 1)));
  auto devices = lookup({alice});
  ASSERT_EQ(devices.size(), n);
  for (const auto& d : devices) EXPECT_NE(d.device.device, DeviceId{5});
}

TEST_F(RocksStoreTest, LaterOpsOfABatchSeeEarlierOnesAndAFailedOpWritesNothing) {
  std::vector<store::Op> ops;
  ops.push_back(store::AppendMessage{text_message(conv_a, 1, "one", alice, "u-1"), {alice}});
  ops.push_back(store::AppendMessage{text_message(conv_a, 2, "one", alice, "u-1"), {alice}});  // retry
  ops.push_back(store::AppendMessage{text_message(conv_a, 1, "clash", bob, "u-9"), {bob}});    // id taken
  ops.push_back(store::AppendMessage{text_message(conv_a, 3, "three"), {alice}});
  ops.push_back(store::ReadMessages{conv_a, MessageId{}, MessageId{}, 50, true});
  ops.push_back(store::SearchMessages{alice, "one", {}, 50});
  auto out = store_->execute_batch(ops);
  ASSERT_EQ(out.size(), ops.size());
  EXPECT_FALSE(as<store::Appended>(out[0]).duplicate);
  EXPECT_TRUE(as<store::Appended>(out[1]).duplicate);
  EXPECT_EQ(as<store::Appended>(out[1]).stored.id, MessageId{1});
  EXPECT_TRUE(std::holds_alternative<Error>(out[2]));
  EXPECT_FALSE(as<store::Appended>(out[3]).duplicate);
  EXPECT_EQ(ids_of(as<store::Page>(out[4]).messages), (std::vector<std::uint64_t>{3, 1}));
  EXPECT_EQ(ids_of(as<store::Hits>(out[5]).hits), (std::vector<std::uint64_t>{1}));
  // The failed append left neither its dedup record nor bob's link behind.
  EXPECT_FALSE(append(text_message(conv_a, 4, "now", bob, "u-9"), {}).duplicate);
  EXPECT_TRUE(search(bob, "clash").empty());
}

}  // namespace
}  // namespace parley::server
