// The checks of the workload's reads: a history page must be newest first, of the conversation
// asked, and hold every message the device held there; search hits and typing updates must be in
// the user's conversations. Plus the recorder's held-message bookkeeping the history check uses.
#include "reads_check.hpp"

#include <gtest/gtest.h>

#include "parley/conversation.hpp"
#include "parley/scenario/parse.hpp"
#include "recorder.hpp"

namespace parley::load {
namespace {

const ConversationId conv{(1ULL << 63) | 42};

protocol::HistoryPage page(std::vector<std::uint64_t> newest_first, bool more = false) {
  protocol::HistoryPage p{"h1", conv, {}, more};
  for (std::uint64_t id : newest_first) p.messages.push_back(StoredMessage{conv, MessageId{id}});
  return p;
}

TEST(HistoryCheck, CompletePageInOrderPasses) {
  const auto check = check_history_page(conv, {3, 5, 9}, page({12, 9, 5, 4, 3}));
  EXPECT_EQ(check.checked, 3u);
  EXPECT_EQ(check.missing, 0u);
  EXPECT_EQ(check.out_of_order, 0u);
  EXPECT_EQ(check.wrong_conv, 0u);
}

TEST(HistoryCheck, HeldMessageAbsentIsMissing) {
  const auto check = check_history_page(conv, {3, 5, 9}, page({12, 9, 3}));
  EXPECT_EQ(check.checked, 3u);
  EXPECT_EQ(check.missing, 1u);  // 5
}

TEST(HistoryCheck, OlderThanAPageWithMoreIsNotJudged) {
  // The page covers ids 9..12 and says more: 3 and 5 are on a later page.
  const auto check = check_history_page(conv, {3, 5, 9}, page({12, 9}, true));
  EXPECT_EQ(check.checked, 1u);
  EXPECT_EQ(check.missing, 0u);
  // Without more, the page claims to be all of history: 3 and 5 are missing.
  EXPECT_EQ(check_history_page(conv, {3, 5, 9}, page({12, 9}, false)).missing, 2u);
}

TEST(HistoryCheck, OrderAndConversationAreChecked) {
  EXPECT_EQ(check_history_page(conv, {}, page({3, 9, 5})).out_of_order, 1u);
  EXPECT_EQ(check_history_page(conv, {}, page({9, 9})).out_of_order, 1u);  // a repeat is not newer
  auto other = page({9, 5});
  other.messages[1].conv = ConversationId{7};
  EXPECT_EQ(check_history_page(conv, {}, other).wrong_conv, 1u);
}

TEST(Membership, DirectAndGroupConversations) {
  auto s = scenario::parse_string(
      "seed: 3\npopulation: {users: 50, groups: {count: 2, size: 5}}\n");
  ASSERT_TRUE(s.ok()) << s.error().message;
  const workload::PopulationModel people(s.value());
  const Membership m(people, {{1000, 0}});  // server group 1000 is scenario group 0
  const auto direct = direct_conversation(UserId{4}, UserId{9}).value();  // user indices 3 and 8
  EXPECT_EQ(m.of(3, direct), Membership::Verdict::member);
  EXPECT_EQ(m.of(8, direct), Membership::Verdict::member);
  EXPECT_EQ(m.of(4, direct), Membership::Verdict::not_member);
  const auto group = group_conversation(GroupId{1000}).value();
  const std::uint64_t member = people.member(0, 2);
  EXPECT_EQ(m.of(member, group), Membership::Verdict::member);
  const auto in_group = [&](std::uint64_t user) {
    for (std::uint64_t k = 0; k < people.group_size(0); ++k) {
      if (people.member(0, k) == user) return true;
    }
    return false;
  };
  std::uint64_t outsider = 0;
  while (in_group(outsider)) ++outsider;
  EXPECT_EQ(m.of(outsider, group), Membership::Verdict::not_member);
  EXPECT_EQ(m.of(member, group_conversation(GroupId{2000}).value()), Membership::Verdict::unknown);
}

TEST(RecorderHeld, AcksAndDeliveriesAreHeldSortedOnce) {
  Recorder r;
  r.on_device_up(1, 0);
  r.on_held(1, conv, MessageId{20});
  r.on_held(1, conv, MessageId{20});  // a duplicate ack after a resend
  EXPECT_TRUE(r.on_delivery(1, conv, MessageId{10}, make_client_uuid(1, 0), 5));
  r.on_delivery(1, ConversationId{77}, MessageId{30}, make_client_uuid(2, 0), 5);
  r.on_delivery(1, conv, MessageId{11}, "", 5);  // not this run's: not held
  EXPECT_EQ(r.held(1, conv), (std::vector<std::uint64_t>{10, 20}));
  EXPECT_EQ(r.conversations(1), (std::vector<ConversationId>{ConversationId{77}, conv}));
  EXPECT_TRUE(r.held(2, conv).empty());
}

TEST(RecorderReads, BadPagesLeakingHitsAndMisdirectedTypingAreErrors) {
  Recorder r;
  r.on_typing_sent();
  r.on_typing_received(false);
  r.on_history_sent();
  r.on_history_page(5, 3, 0, 0);
  r.on_search_sent();
  r.on_search_result(4, 0, 1);
  EXPECT_EQ(r.counts().errors, 0u);
  r.on_typing_received(true);
  r.on_history_page(5, 3, 1, 0);
  r.on_search_result(4, 2, 0);
  EXPECT_EQ(r.counts().errors, 3u);
  const Extras& e = r.extras();
  EXPECT_EQ(e.typing_misdirected, 1u);
  EXPECT_EQ(e.history_missing, 1u);
  EXPECT_EQ(e.search_hits_foreign, 2u);
  EXPECT_EQ(e.search_hits_unchecked, 1u);
  const auto row = r.roll_second(0);
  EXPECT_EQ(row.typing, 1u);
  EXPECT_EQ(row.history_reads, 1u);
  EXPECT_EQ(row.searches, 1u);
}

}  // namespace
}  // namespace parley::load
