// Push policy role: what an offline user's phone would show, driven with a ManualClock — collapse
// windows, the per-user rate limit, mutes, quiet hours across midnight, generic text for
// encrypted content, dead tokens, and reading a conversation clearing what was pending.
#include "parley/push_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/conversation.hpp"

namespace parley {
namespace {

constexpr DeviceRef kPhone{UserId{1}, DeviceId{1}};
constexpr DeviceRef kTablet{UserId{1}, DeviceId{2}};
constexpr ConversationId kGroup{77};
constexpr TimeMs kMidnight = 1'767'225'600'000ULL;  // 2026-01-01T00:00Z, ManualClock's start
constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kHour = 60 * kMinute;

ConversationId direct_with(std::uint64_t other) { return direct_conversation(UserId{1}, UserId{other}).value(); }

class PushTest : public ::testing::Test {
 protected:
  explicit PushTest(PushConfig config = {}) : push_(config, clock_) {}

  void step(Envelope e) { push_.step(e); }
  void token(DeviceRef d, std::string t) { step(env::PushTokenSet{d, std::move(t)}); }
  void candidate(ConversationId conv, std::string preview = "hello", DeviceRef d = kPhone,
                 Body::Kind kind = Body::Kind::text) {
    step(env::PushCandidate{d, conv, MessageId{++last_msg_}, UserId{2}, kind, std::move(preview), clock_.now_ms()});
  }
  void dnd(std::uint32_t start, std::uint32_t end, std::int32_t offset = 0) {
    step(env::DndSet{kPhone.user, protocol::DoNotDisturb{start, end, offset}});
  }
  std::vector<PushNotify> drain() {
    std::vector<PushNotify> out;
    for (auto& e : push_.drain()) out.push_back(std::get<PushNotify>(e));  // the only effect
    return out;
  }
  std::vector<PushNotify> tick_at(TimeMs t) {
    clock_.set(t);
    push_.tick();
    return drain();
  }

  ManualClock clock_{kMidnight + 12 * kHour};
  PushPolicy push_;
  std::uint64_t last_msg_ = 0;
};

TEST_F(PushTest, WithoutATokenNothingIsSent) {
  candidate(direct_with(2));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().no_token, 1u);
}

TEST_F(PushTest, FirstCandidateIsSentAtOnceWithThePreview) {
  token(kPhone, "tok-1");
  const ConversationId conv = direct_with(2);
  candidate(conv, "see you at 8");
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].device, kPhone);
  EXPECT_EQ(sent[0].token, "tok-1");
  EXPECT_EQ(sent[0].conv, conv);
  EXPECT_EQ(sent[0].collapse_key, "conv:" + std::to_string(conv.value));
  EXPECT_EQ(sent[0].title, "New message");
  EXPECT_EQ(sent[0].body, "see you at 8");
  EXPECT_EQ(sent[0].count, 1u);
  EXPECT_EQ(push_.stats().sent, 1u);
}

TEST_F(PushTest, GroupMessagesHaveTheGroupTitle) {
  token(kPhone, "tok");
  candidate(kGroup);
  EXPECT_EQ(drain().at(0).title, "New group message");
}

TEST_F(PushTest, EncryptedAndEmptyBodiesGetGenericText) {
  token(kPhone, "tok");
  candidate(direct_with(2), "ciphertext-that-must-not-leak", kPhone, Body::Kind::encrypted);
  candidate(direct_with(3), "");
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body, "New message");
  EXPECT_EQ(sent[1].body, "New message");
}

TEST_F(PushTest, LongPreviewsAreCutOnACharacterBoundary) {
  token(kPhone, "tok");
  std::string preview = "a";
  for (int i = 0; i < 100; ++i) preview += "\xC3\xA9";  // "é": byte 120 falls inside one
  candidate(direct_with(2), preview);
  std::string expected = "a";
  for (int i = 0; i < 59; ++i) expected += "\xC3\xA9";
  expected += "\xE2\x80\xA6";
  EXPECT_EQ(drain().at(0).body, expected);

  candidate(direct_with(3), std::string(limits::push_preview_bytes_max, 'x'));  // fits exactly
  EXPECT_EQ(drain().at(0).body, std::string(limits::push_preview_bytes_max, 'x'));
}

TEST_F(PushTest, CandidatesWithinTheCollapseWindowFoldIntoOneNotification) {
  token(kPhone, "tok");
  const ConversationId conv = direct_with(2);
  const TimeMs start = clock_.now_ms();
  candidate(conv, "first");
  ASSERT_EQ(drain().size(), 1u);
  clock_.set(start + 10'000);
  candidate(conv, "second");
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().collapsed, 1u);

  EXPECT_TRUE(tick_at(start + limits::push_collapse_window_ms - 1).empty());
  const auto flushed = tick_at(start + limits::push_collapse_window_ms);
  ASSERT_EQ(flushed.size(), 1u);
  EXPECT_EQ(flushed[0].count, 2u);
  EXPECT_EQ(flushed[0].body, "2 new messages");
  EXPECT_EQ(flushed[0].collapse_key, "conv:" + std::to_string(conv.value));

  // Unread messages keep counting into the same visible notification.
  clock_.set(start + 3 * limits::push_collapse_window_ms);
  candidate(conv, "third");
  const auto third = drain();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].count, 3u);
}

TEST_F(PushTest, CollapseIsPerConversationAndPerDevice) {
  token(kPhone, "p");
  token(kTablet, "t");
  candidate(direct_with(2), "a", kPhone);
  candidate(direct_with(3), "b", kPhone);
  candidate(direct_with(2), "c", kTablet);
  EXPECT_EQ(drain().size(), 3u);
}

TEST_F(PushTest, ReadingTheConversationClearsWhatIsPending) {
  token(kPhone, "tok");
  const ConversationId conv = direct_with(2);
  const TimeMs start = clock_.now_ms();
  candidate(conv);
  candidate(conv);
  drain();
  step(env::ReadUpTo{kPhone.user, conv});
  EXPECT_TRUE(tick_at(start + limits::push_collapse_window_ms).empty());

  clock_.set(start + 1'000);  // after reading, a new message notifies afresh
  candidate(conv, "new one");
  const auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].count, 1u);
  EXPECT_EQ(sent[0].body, "new one");
}

class PushRateTest : public PushTest {
 protected:
  static PushConfig three_a_minute() {
    PushConfig c;
    c.rate_per_minute_max = 3;
    return c;
  }
  PushRateTest() : PushTest(three_a_minute()) {}
};

TEST_F(PushRateTest, OverTheRateLimitNotificationsWaitForTheRollingMinute) {
  token(kPhone, "tok");
  const TimeMs start = clock_.now_ms();
  candidate(direct_with(2));
  clock_.set(start + 1'000);
  candidate(direct_with(3));
  candidate(direct_with(4));
  EXPECT_EQ(drain().size(), 3u);

  clock_.set(start + 2'000);
  candidate(direct_with(5), "fifth wheel");
  candidate(direct_with(5), "again");
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().rate_limited, 1u);
  EXPECT_EQ(push_.stats().collapsed, 1u);

  EXPECT_TRUE(tick_at(start + kMinute - 1).empty());
  const auto sent = tick_at(start + kMinute);  // the first send leaves the window
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].conv, direct_with(5));
  EXPECT_EQ(sent[0].count, 2u);
  EXPECT_EQ(push_.stats().sent, 4u);
}

TEST_F(PushTest, MutedConversationsAreSilentUntilUnmutedOrExpired) {
  token(kPhone, "tok");
  const ConversationId conv = direct_with(2);
  step(env::MuteSet{kPhone.user, conv, clock_.now_ms() + kHour});
  candidate(conv);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().muted, 1u);
  candidate(direct_with(3));  // other conversations are unaffected
  EXPECT_EQ(drain().size(), 1u);

  step(env::MuteSet{kPhone.user, conv, 0});
  candidate(conv);
  EXPECT_EQ(drain().size(), 1u);

  const ConversationId other = direct_with(4);
  step(env::MuteSet{kPhone.user, other, clock_.now_ms() + 1'000});
  clock_.advance(999);
  candidate(other);
  EXPECT_TRUE(drain().empty());
  clock_.advance(1);
  candidate(other);
  EXPECT_EQ(drain().size(), 1u);
}

TEST_F(PushTest, MutingDropsAPendingNotification) {
  token(kPhone, "tok");
  const ConversationId conv = direct_with(2);
  const TimeMs start = clock_.now_ms();
  candidate(conv);
  candidate(conv);
  drain();
  step(env::MuteSet{kPhone.user, conv, UINT64_MAX});
  EXPECT_TRUE(tick_at(start + limits::push_collapse_window_ms).empty());
}

TEST_F(PushTest, QuietHoursAcrossMidnightDeferIntoOneSummary) {
  token(kPhone, "tok");
  dnd(22 * 60, 7 * 60);  // 22:00 → 07:00 UTC
  const ConversationId conv = direct_with(2);
  clock_.set(kMidnight + 21 * kHour + 59 * kMinute);
  candidate(conv, "before");
  EXPECT_EQ(drain().size(), 1u);

  clock_.set(kMidnight + 23 * kHour);
  candidate(conv, "late");
  clock_.set(kMidnight + 27 * kHour);  // 03:00 the next day
  candidate(conv, "later");
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().deferred_dnd, 1u);
  EXPECT_EQ(push_.stats().collapsed, 1u);

  EXPECT_TRUE(tick_at(kMidnight + 31 * kHour - 1).empty());
  const auto summary = tick_at(kMidnight + 31 * kHour);  // 07:00: quiet hours end
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].count, 3u);
  EXPECT_EQ(summary[0].body, "3 new messages");
}

TEST_F(PushTest, QuietHoursFollowTheUsersUtcOffset) {
  token(kPhone, "tok");
  dnd(22 * 60, 7 * 60, -5 * 60);  // New York: quiet 03:00 → 12:00 UTC
  clock_.set(kMidnight + 2 * kHour + 59 * kMinute);
  candidate(direct_with(2));
  EXPECT_EQ(drain().size(), 1u);
  clock_.set(kMidnight + 3 * kHour);
  candidate(direct_with(3), "held");
  EXPECT_TRUE(drain().empty());
  const auto sent = tick_at(kMidnight + 12 * kHour);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].body, "held");
}

TEST_F(PushTest, QuietHoursWithinOneDayAndEqualBoundsMeaningOff) {
  token(kPhone, "tok");
  dnd(13 * 60, 14 * 60);
  clock_.set(kMidnight + 13 * kHour + 30 * kMinute);
  candidate(direct_with(2));
  EXPECT_TRUE(drain().empty());
  dnd(9 * 60, 9 * 60);  // turned off: the deferred notification goes at the next tick
  const auto sent = tick_at(clock_.now_ms());
  EXPECT_EQ(sent.size(), 1u);
}

TEST_F(PushTest, GoneTokenIsRemovedButANewerTokenIsKept) {
  token(kPhone, "old");
  token(kPhone, "new");
  step(env::PushTokenGone{kPhone, "old"});  // stale: the device registered again meanwhile
  candidate(direct_with(2));
  auto sent = drain();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].token, "new");
  EXPECT_EQ(push_.stats().tokens_removed, 0u);

  step(env::PushTokenGone{kPhone, "new"});
  EXPECT_EQ(push_.stats().tokens_removed, 1u);
  candidate(direct_with(3));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().no_token, 1u);
}

TEST_F(PushTest, UnregisteringATokenStopsNotificationsIncludingPendingOnes) {
  token(kPhone, "tok");
  const ConversationId conv = direct_with(2);
  const TimeMs start = clock_.now_ms();
  candidate(conv);
  candidate(conv);
  drain();
  token(kPhone, "");
  EXPECT_TRUE(tick_at(start + limits::push_collapse_window_ms).empty());
  candidate(conv);
  EXPECT_TRUE(drain().empty());
}

class PushLimitsTest : public PushTest {
 protected:
  static PushConfig small() {
    PushConfig c;
    c.tokens_per_user_max = 2;
    c.slots_per_user_max = 2;
    return c;
  }
  PushLimitsTest() : PushTest(small()) {}
};

TEST_F(PushLimitsTest, TokensPerUserAreBounded) {
  token(kPhone, "a");
  token(kTablet, "b");
  token(DeviceRef{kPhone.user, DeviceId{3}}, "c");
  EXPECT_EQ(push_.stats().refused, 1u);
  token(kPhone, "a2");  // replacing an existing token is always allowed
  EXPECT_EQ(push_.stats().refused, 1u);
}

TEST_F(PushLimitsTest, CollapseSlotsRefuseWhenAllArePendingAndEvictIdleOnes) {
  token(kPhone, "tok");
  const TimeMs start = clock_.now_ms();
  candidate(direct_with(2));
  candidate(direct_with(3));
  EXPECT_EQ(drain().size(), 2u);
  candidate(direct_with(2));
  candidate(direct_with(3));  // both slots now hold a pending notification
  candidate(direct_with(4));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(push_.stats().refused, 1u);

  EXPECT_EQ(tick_at(start + limits::push_collapse_window_ms).size(), 2u);
  candidate(direct_with(4));  // an idle slot makes room
  EXPECT_EQ(drain().size(), 1u);
}

}  // namespace
}  // namespace parley
