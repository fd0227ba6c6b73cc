// MemoryStore: the record semantics every store adapter promises (records.hpp) — history paging
// edges, durable dedup, trim and floor, search scope and terms, and the device registry rules.
#include "parley/memory_store.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/limits.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace {

constexpr ConversationId conv_a{100};
constexpr ConversationId conv_b{200};
constexpr UserId alice{1};
constexpr UserId bob{2};
constexpr UserId carol{3};

StoredMessage text_message(ConversationId conv, std::uint64_t id, std::string text,
                           UserId sender = alice, std::string uuid = "") {
  StoredMessage m;
  m.conv = conv;
  m.id = MessageId{id};
  m.sender = sender;
  m.sender_device = DeviceId{1};
  m.client_uuid = std::move(uuid);
  m.body.text = std::move(text);
  m.time_ms = 1000 + id;
  return m;
}

class MemoryStoreTest : public ::testing::Test {
 protected:
  store::Appended append(StoredMessage m, std::vector<UserId> link = {alice, bob}, bool index = true) {
    auto out = store_.execute(store::AppendMessage{std::move(m), std::move(link), index});
    EXPECT_TRUE(std::holds_alternative<store::Appended>(out));
    return std::get<store::Appended>(out);
  }
  store::Page read(ConversationId conv, std::uint64_t after, std::uint64_t before, std::uint32_t limit,
                   bool newest_first) {
    auto out = store_.execute(store::ReadMessages{conv, MessageId{after}, MessageId{before}, limit, newest_first});
    EXPECT_TRUE(std::holds_alternative<store::Page>(out));
    return std::get<store::Page>(out);
  }
  std::vector<std::uint64_t> search(UserId user, std::string query, ConversationId conv = {},
                                    std::uint32_t limit = 50) {
    auto out = store_.execute(store::SearchMessages{user, std::move(query), conv, limit});
    EXPECT_TRUE(std::holds_alternative<store::Hits>(out));
    std::vector<std::uint64_t> ids;
    for (const auto& m : std::get<store::Hits>(out).hits) ids.push_back(m.id.value);
    return ids;
  }
  std::vector<DeviceLocation> lookup(std::vector<UserId> users) {
    auto out = store_.execute(store::RegistryLookup{std::move(users)});
    EXPECT_TRUE(std::holds_alternative<store::Devices>(out));
    return std::get<store::Devices>(out).devices;
  }
  store::Outcome connect(UserId u, std::uint64_t device, std::uint64_t gateway, std::uint64_t session) {
    return store_.execute(store::RegistryConnect{DeviceRef{u, DeviceId{device}}, NodeId{gateway}, SessionId{session}});
  }
  void append_ids(ConversationId conv, std::uint64_t first, std::uint64_t last) {
    for (std::uint64_t id = first; id <= last; ++id) append(text_message(conv, id, "m" + std::to_string(id)));
  }
  static std::vector<std::uint64_t> ids_of(const store::Page& page) {
    std::vector<std::uint64_t> ids;
    for (const auto& m : page.messages) ids.push_back(m.id.value);
    return ids;
  }

  MemoryStore store_;
};

TEST_F(MemoryStoreTest, AppendDedupsBySenderAndUuidAndReturnsTheOriginal) {
  auto first = append(text_message(conv_a, 10, "hello", alice, "u-1"));
  EXPECT_FALSE(first.duplicate);
  auto again = append(text_message(conv_a, 11, "hello again", alice, "u-1"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.stored.id, MessageId{10});
  EXPECT_EQ(again.stored.body.text, "hello");
  // Same uuid from another sender is a different message; empty uuids never dedup.
  EXPECT_FALSE(append(text_message(conv_a, 12, "x", bob, "u-1")).duplicate);
  EXPECT_FALSE(append(text_message(conv_a, 13, "y", alice, "")).duplicate);
  EXPECT_FALSE(append(text_message(conv_a, 14, "z", alice, "")).duplicate);
  EXPECT_EQ(store_.message_count(), 4u);
}

TEST_F(MemoryStoreTest, AppendRejectsAReusedIdAndZeroIds) {
  append(text_message(conv_a, 10, "a"));
  auto reused = store_.execute(store::AppendMessage{text_message(conv_a, 10, "b"), {}, true});
  ASSERT_TRUE(std::holds_alternative<Error>(reused));
  auto zero = store_.execute(store::AppendMessage{text_message(conv_a, 0, "b"), {}, true});
  ASSERT_TRUE(std::holds_alternative<Error>(zero));
  EXPECT_EQ(std::get<Error>(zero).code, ErrorCode::invalid_value);
}

TEST_F(MemoryStoreTest, ForwardPagesAreExclusiveAndReportMore) {
  append_ids(conv_a, 1, 10);
  auto page = read(conv_a, 0, 0, 4, false);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(page.more);
  page = read(conv_a, 4, 0, 6, false);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{5, 6, 7, 8, 9, 10}));
  EXPECT_FALSE(page.more);  // exactly limit left: nothing more
  page = read(conv_a, 3, 6, 10, false);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_FALSE(page.more);
  page = read(conv_a, 3, 7, 2, false);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_TRUE(page.more);
  EXPECT_TRUE(read(conv_a, 10, 0, 5, false).messages.empty());
  EXPECT_TRUE(read(conv_a, 6, 6, 5, false).messages.empty());
  EXPECT_TRUE(read(conv_a, 8, 3, 5, false).messages.empty());
  EXPECT_TRUE(read(conv_b, 0, 0, 5, false).messages.empty());
}

TEST_F(MemoryStoreTest, BackwardPagesAreNewestFirstFromBefore) {
  append_ids(conv_a, 1, 10);
  auto page = read(conv_a, 0, 0, 3, true);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{10, 9, 8}));
  EXPECT_TRUE(page.more);
  page = read(conv_a, 0, 8, 3, true);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{7, 6, 5}));
  EXPECT_TRUE(page.more);
  page = read(conv_a, 0, 4, 3, true);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{3, 2, 1}));
  EXPECT_FALSE(page.more);
  page = read(conv_a, 2, 6, 10, true);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{5, 4, 3}));
  EXPECT_FALSE(page.more);
  EXPECT_TRUE(read(conv_a, 0, 1, 3, true).messages.empty());
}

TEST_F(MemoryStoreTest, LimitZeroMeansTheDefaultPageSize) {
  append_ids(conv_a, 1, limits::page_size_default + 5);
  auto page = read(conv_a, 0, 0, 0, false);
  EXPECT_EQ(page.messages.size(), limits::page_size_default);
  EXPECT_TRUE(page.more);
}

TEST_F(MemoryStoreTest, TrimDropsOlderMessagesAndSetsTheFloor) {
  append_ids(conv_a, 1, 10);
  append(text_message(conv_a, 11, "needle early"));
  append(text_message(conv_a, 20, "needle late"));
  EXPECT_EQ(read(conv_a, 0, 0, 50, false).floor, MessageId{});
  store_.trim(conv_a, MessageId{12});
  auto page = read(conv_a, 0, 0, 50, false);
  EXPECT_EQ(ids_of(page), (std::vector<std::uint64_t>{20}));
  EXPECT_EQ(page.floor, MessageId{12});
  EXPECT_EQ(store_.message_count(), 1u);
  // Index entries of trimmed messages are gone with them.
  EXPECT_EQ(search(alice, "needle"), (std::vector<std::uint64_t>{20}));
  // A lower trim never moves the floor back.
  store_.trim(conv_a, MessageId{5});
  EXPECT_EQ(read(conv_a, 0, 0, 50, false).floor, MessageId{12});
}

TEST_F(MemoryStoreTest, DedupStillAnswersAfterTheOriginalWasTrimmed) {
  const std::uint64_t id = snowflake::compose(5'000, 1, 0);
  append(text_message(conv_a, id, "old", alice, "u-7"));
  store_.trim(conv_a, MessageId{id + 1});
  auto again = append(text_message(conv_a, id + 5, "old", alice, "u-7"));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.stored.id, MessageId{id});
  EXPECT_EQ(again.stored.time_ms, snowflake::epoch_ms + 5'000);
}

TEST_F(MemoryStoreTest, ForgetLosesTheMessageItsDedupKeyAndItsPostings) {
  append(text_message(conv_a, 1, "needle kept", alice, "u-1"));
  append(text_message(conv_a, 2, "needle lost", alice, "u-2"));
  EXPECT_TRUE(store_.forget(conv_a, MessageId{2}));
  EXPECT_FALSE(store_.forget(conv_a, MessageId{2}));  // already gone
  EXPECT_FALSE(store_.forget(conv_b, MessageId{1}));  // no such conversation
  EXPECT_EQ(ids_of(read(conv_a, 0, 0, 50, false)), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(search(alice, "needle"), (std::vector<std::uint64_t>{1}));
  // The dedup key went with it: a retry of that send is stored anew, not answered as a duplicate.
  auto again = append(text_message(conv_a, 3, "needle lost", alice, "u-2"));
  EXPECT_FALSE(again.duplicate);
  EXPECT_EQ(again.stored.id, MessageId{3});
  EXPECT_TRUE(append(text_message(conv_a, 4, "needle kept", alice, "u-1")).duplicate);
}

TEST_F(MemoryStoreTest, SearchNeedsEveryTermCaseFoldedNewestFirst) {
  append(text_message(conv_a, 1, "Lunch at NOON?"));
  append(text_message(conv_a, 2, "lunch tomorrow"));
  append(text_message(conv_a, 3, "noon-lunch, sure"));
  EXPECT_EQ(search(alice, "LUNCH"), (std::vector<std::uint64_t>{3, 2, 1}));
  EXPECT_EQ(search(alice, "noon lunch"), (std::vector<std::uint64_t>{3, 1}));
  EXPECT_EQ(search(alice, "lunch", {}, 2), (std::vector<std::uint64_t>{3, 2}));
  EXPECT_TRUE(search(alice, "lun").empty());  // whole words only
  EXPECT_TRUE(search(alice, "!!!").empty());  // no terms, no hits
}

TEST_F(MemoryStoreTest, SearchKeepsUtf8WordsWholeAndIndexesMediaCaptions) {
  append(text_message(conv_a, 1, "Grüße aus Köln"));
  StoredMessage media = text_message(conv_a, 2, "Köln skyline");
  media.body.kind = Body::Kind::media;
  media.body.url = "https://media.example/abc";
  append(media);
  EXPECT_EQ(search(alice, "köln"), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(search(alice, "grüße"), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(search(alice, "gr").empty());
}

TEST_F(MemoryStoreTest, SearchNeverMatchesEncryptedOrSystemBodies) {
  StoredMessage secret = text_message(conv_a, 1, "");
  secret.body.kind = Body::Kind::encrypted;
  secret.body.data = "c2VjcmV0IHBsYW4=";
  secret.body.text = "secret plan";  // even if a client put text beside the ciphertext
  append(secret, {alice, bob}, true);
  StoredMessage system = text_message(conv_a, 2, "secret group created");
  system.body.kind = Body::Kind::system;
  append(system);
  append(text_message(conv_a, 3, "the plan"), {alice}, false);  // index=false is honoured
  EXPECT_TRUE(search(alice, "secret").empty());
  EXPECT_TRUE(search(alice, "plan").empty());
  EXPECT_TRUE(search(alice, "c2VjcmV0IHBsYW4").empty());
}

TEST_F(MemoryStoreTest, SearchIsRestrictedToTheUsersConversations) {
  append(text_message(conv_a, 1, "launch code"), {alice, bob});
  append(text_message(conv_b, 2, "launch party"), {alice, carol});
  EXPECT_EQ(search(alice, "launch"), (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(search(bob, "launch"), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(search(carol, "launch"), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(search(alice, "launch", conv_a), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(search(bob, "launch", conv_b).empty());
  EXPECT_TRUE(search(UserId{99}, "launch").empty());
}

TEST_F(MemoryStoreTest, PutGroupLinksAndUnlinksSearchScope) {
  const ConversationId group_conv{300};
  GroupRecord g{GroupId{300}, "team", alice, {alice, bob}, 5};
  ASSERT_TRUE(std::holds_alternative<store::Done>(store_.execute(store::PutGroup{g, {alice, bob}, {}})));
  append(text_message(group_conv, 1, "standup"), {});
  EXPECT_EQ(search(bob, "standup"), (std::vector<std::uint64_t>{1}));
  g.members = {alice};
  store_.execute(store::PutGroup{g, {}, {bob}});
  EXPECT_TRUE(search(bob, "standup").empty());
  auto loaded = store_.execute(store::GetGroup{GroupId{300}});
  ASSERT_TRUE(std::holds_alternative<store::GroupLoaded>(loaded));
  EXPECT_EQ(std::get<store::GroupLoaded>(loaded).group, g);
  auto missing = store_.execute(store::GetGroup{GroupId{301}});
  EXPECT_FALSE(std::get<store::GroupLoaded>(missing).group.has_value());
}

// Receipts are write-only through store::Op (the maximum is kept for a future read op); what is
// observable is that valid ones are accepted in any order and invalid ones are refused.
TEST_F(MemoryStoreTest, ReceiptsAcceptAnyOrderAndRejectInvalidKeys) {
  EXPECT_TRUE(std::holds_alternative<store::Done>(store_.execute(store::PutReceipt{conv_a, alice, MessageId{5}})));
  EXPECT_TRUE(std::holds_alternative<store::Done>(store_.execute(store::PutReceipt{conv_a, alice, MessageId{3}})));
  EXPECT_TRUE(std::holds_alternative<Error>(store_.execute(store::PutReceipt{ConversationId{}, alice, MessageId{3}})));
}

TEST_F(MemoryStoreTest, RegistryConnectReplacesAndLookupIsSorted) {
  connect(bob, 2, 7, 70);
  connect(alice, 3, 7, 71);
  connect(alice, 1, 8, 80);
  connect(alice, 1, 9, 90);  // the same device reconnected elsewhere
  auto devices = lookup({bob, alice, alice});
  ASSERT_EQ(devices.size(), 3u);
  EXPECT_EQ(devices[0], (DeviceLocation{{alice, DeviceId{1}}, NodeId{9}, SessionId{90}}));
  EXPECT_EQ(devices[1].device, (DeviceRef{alice, DeviceId{3}}));
  EXPECT_EQ(devices[2].device, (DeviceRef{bob, DeviceId{2}}));
  EXPECT_TRUE(lookup({carol}).empty());
}

TEST_F(MemoryStoreTest, StaleDisconnectIsANoOpAndDevicesStayKnownOffline) {
  connect(alice, 1, 8, 80);
  connect(alice, 1, 9, 90);
  store_.execute(store::RegistryDisconnect{{alice, DeviceId{1}}, NodeId{8}, SessionId{80}});  // stale
  EXPECT_TRUE(lookup({alice})[0].online());
  store_.execute(store::RegistryDisconnect{{alice, DeviceId{1}}, NodeId{9}, SessionId{90}});
  auto devices = lookup({alice});
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_FALSE(devices[0].online());
  EXPECT_EQ(devices[0].device, (DeviceRef{alice, DeviceId{1}}));
}

TEST_F(MemoryStoreTest, TooManyDevicesDropsTheOldestOfflineOne) {
  for (std::uint64_t d = 1; d <= limits::devices_per_user_max; ++d) connect(alice, d, 7, d);
  // Devices 3 and then 5 go offline: 3 is the oldest offline one.
  store_.execute(store::RegistryDisconnect{{alice, DeviceId{3}}, NodeId{7}, SessionId{3}});
  store_.execute(store::RegistryDisconnect{{alice, DeviceId{5}}, NodeId{7}, SessionId{5}});
  EXPECT_TRUE(std::holds_alternative<store::Done>(connect(alice, 100, 7, 100)));
  auto devices = lookup({alice});
  ASSERT_EQ(devices.size(), limits::devices_per_user_max);
  for (const auto& d : devices) EXPECT_NE(d.device.device, DeviceId{3});
  EXPECT_TRUE(std::holds_alternative<store::Done>(connect(alice, 101, 7, 101)));  // drops 5
  // Every known device online now: a newcomer is refused rather than evicting a live one.
  auto refused = connect(alice, 102, 7, 102);
  ASSERT_TRUE(std::holds_alternative<Error>(refused));
  EXPECT_EQ(std::get<Error>(refused).code, ErrorCode::too_many_items);
  // A known device reconnecting is always fine.
  EXPECT_TRUE(std::holds_alternative<store::Done>(connect(alice, 100, 8, 200)));
}

TEST_F(MemoryStoreTest, InvalidRequestsAreErrorsNotCrashes) {
  EXPECT_TRUE(std::holds_alternative<Error>(connect(UserId{}, 1, 7, 1)));
  EXPECT_TRUE(std::holds_alternative<Error>(connect(alice, 1, 0, 1)));
  EXPECT_TRUE(std::holds_alternative<Error>(store_.execute(store::PutGroup{GroupRecord{}, {}, {}})));
  EXPECT_TRUE(std::holds_alternative<store::Done>(
      store_.execute(store::RegistryDisconnect{{carol, DeviceId{1}}, NodeId{7}, SessionId{1}})));
}

}  // namespace
}  // namespace parley
