// Snowflake ids: layout, strict monotonicity under clock steps back and sequence overflow.
#include "parley/snowflake.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

Snowflake make_generator(NodeId node, const Clock& clock) {
  auto made = Snowflake::make(node, clock);
  EXPECT_TRUE(made.ok());
  return std::move(made.value());
}

TEST(Snowflake, DecodesWhatItEncodes) {
  ManualClock clock(snowflake::epoch_ms + 123'456);
  Snowflake gen = make_generator(NodeId{42}, clock);
  const auto parts = snowflake::decode(gen.next());
  EXPECT_EQ(parts, (snowflake::Parts{snowflake::epoch_ms + 123'456, 42, 0}));
  EXPECT_EQ(snowflake::decode(gen.next()).sequence, 1u);
}

TEST(Snowflake, RejectsNodeOver10Bits) {
  ManualClock clock;
  auto made = Snowflake::make(NodeId{1024}, clock);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, ErrorCode::invalid_value);
  EXPECT_TRUE(Snowflake::make(NodeId{1023}, clock).ok());
}

TEST(Snowflake, StaysMonotonicWhenTheClockStepsBack) {
  ManualClock clock(snowflake::epoch_ms + 10'000);
  Snowflake gen = make_generator(NodeId{1}, clock);
  const std::uint64_t before = gen.next();
  clock.set(snowflake::epoch_ms + 4'000);  // NTP step back by 6 s
  std::uint64_t last = before;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t id = gen.next();
    EXPECT_GT(id, last);
    last = id;
  }
  EXPECT_EQ(gen.clock_regressions(), 100u);
  EXPECT_EQ(snowflake::decode(last).unix_ms, snowflake::epoch_ms + 10'000);
  clock.set(snowflake::epoch_ms + 10'001);  // the clock catches up: time resumes
  EXPECT_EQ(snowflake::decode(gen.next()).unix_ms, snowflake::epoch_ms + 10'001);
}

TEST(Snowflake, BorrowsTheNextMillisecondWhenTheSequenceRunsOut) {
  ManualClock clock(snowflake::epoch_ms + 50);
  Snowflake gen = make_generator(NodeId{7}, clock);
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i <= snowflake::sequence_max + 10; ++i) {
    const std::uint64_t id = gen.next();
    ASSERT_GT(id, last);
    last = id;
  }
  EXPECT_EQ(gen.sequence_overflows(), 1u);
  const auto parts = snowflake::decode(last);
  EXPECT_EQ(parts.unix_ms, snowflake::epoch_ms + 51);
  EXPECT_EQ(parts.sequence, 9u);  // 8192 ids filled ms 50; the last 10 took 0..9 of ms 51
  EXPECT_EQ(parts.node, 7u);
  // When the real clock reaches the borrowed millisecond, ids keep increasing.
  clock.set(snowflake::epoch_ms + 51);
  EXPECT_GT(gen.next(), last);
}

TEST(Snowflake, OrdersAcrossNodesByTimeFirst) {
  ManualClock clock(snowflake::epoch_ms + 1'000);
  Snowflake a = make_generator(NodeId{900}, clock);
  Snowflake b = make_generator(NodeId{1}, clock);
  const auto first = a.next();
  clock.advance(1);
  EXPECT_GT(b.next(), first);
}

TEST(Snowflake, LowerBoundAtIsBelowEveryIdFromThatMillisecond) {
  ManualClock clock(snowflake::epoch_ms + 77);
  Snowflake gen = make_generator(NodeId{3}, clock);
  EXPECT_LE(snowflake::lower_bound_at(snowflake::epoch_ms + 77), gen.next());
  EXPECT_GT(snowflake::lower_bound_at(snowflake::epoch_ms + 78), gen.next());
}

}  // namespace
}  // namespace parley
