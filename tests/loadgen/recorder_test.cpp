// The delivery ledger of parley-load: each kind of delivery (first, protocol repeat, dedup failure,
// out of order, not ours) lands in its own count, and latencies start at the intended send time.
#include "recorder.hpp"

#include <gtest/gtest.h>

namespace parley::load {
namespace {

constexpr ConversationId direct{(1ULL << 63) | 5};
constexpr ConversationId group{77};

TEST(LoadRecorder, ClientUuidRoundTripsAndRejectsForeignText) {
  const auto f = parse_client_uuid(make_client_uuid(42, 1'234'567, 1'767'225'600'123));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->seq, 42u);
  EXPECT_EQ(f->intended_us, 1'234'567);
  EXPECT_EQ(f->run, 1'767'225'600'123u);
  EXPECT_LE(make_client_uuid(UINT64_MAX, INT64_MAX, UINT64_MAX).size(), 64u);  // client_uuid_bytes_max
  for (const char* bad : {"", "L", "L1", "L1.", "L1.2", "Lx.2.3", "L1.2x.3", "L1.2.", "L1.2.3.4",
                          "0f8fad5b-d9cb-469f", "M1.2.3"}) {
    EXPECT_FALSE(parse_client_uuid(bad).has_value()) << bad;
  }
}

TEST(LoadRecorder, ClassifiesDeliveries) {
  Recorder r;
  EXPECT_TRUE(r.on_delivery(1, direct, MessageId{100}, make_client_uuid(1, 0), 10));
  EXPECT_FALSE(r.on_delivery(1, direct, MessageId{100}, make_client_uuid(1, 0), 20));  // repeat
  EXPECT_FALSE(r.on_delivery(1, direct, MessageId{101}, make_client_uuid(1, 0), 30));  // stored twice
  EXPECT_TRUE(r.on_delivery(1, direct, MessageId{90}, make_client_uuid(2, 0), 40));    // older id later
  EXPECT_TRUE(r.on_delivery(2, direct, MessageId{90}, make_client_uuid(2, 0), 40));    // other device
  EXPECT_FALSE(r.on_delivery(1, direct, MessageId{95}, "", 50));                       // system message
  EXPECT_FALSE(r.on_delivery(1, direct, MessageId{96}, make_client_uuid(3, 0, 9), 50));  // older run
  const metrics::Counts c = r.counts();
  EXPECT_EQ(c.delivered, 3u);
  EXPECT_EQ(c.duplicated, 1u);
  EXPECT_EQ(c.reordered, 1u);
  EXPECT_EQ(r.extras().redelivered, 1u);
  EXPECT_EQ(r.extras().foreign, 2u);
}

TEST(LoadRecorder, LatencyCountsFromTheIntendedTime) {
  Recorder r;
  r.on_ack(UuidFields{7, 1'000}, false, 6'000);
  r.on_ack(UuidFields{7, 1'000}, true, 9'000);  // a second ack of one send counts once
  r.on_delivery(3, group, MessageId{1}, make_client_uuid(7, 1'000), 11'000);
  r.on_delivery(4, group, MessageId{1}, make_client_uuid(7, 1'000), 11'300);
  const auto h = r.histograms();
  EXPECT_EQ(r.counts().acked, 1u);
  EXPECT_EQ(h.at("ack").count(), 1u);
  EXPECT_EQ(h.at("ack").min(), 5'000u);
  EXPECT_EQ(h.at("delivery").min(), 10'000u);
  EXPECT_EQ(h.at("fanout_skew").max(), 300u);  // first to last device of the group message
}

TEST(LoadRecorder, ACloseDuringAClientFaultIsNotAnErrorAndOpensTheGapAtTheFaultStart) {
  Recorder r;
  r.on_device_up(1, 0);
  r.on_client_fault(false, 1);
  r.on_device_down(1, Recorder::Down::fault, true, "closed by server (1013 slow_consumer)", 2'000'000);
  r.on_device_up(1, 9'500'000);
  EXPECT_EQ(r.counts().errors, 0u);
  EXPECT_EQ(r.extras().fault_closes, 1u);
  EXPECT_EQ(r.extras().partitioned_devices, 1u);
  EXPECT_EQ(r.extras().reconnects, 1u);
  const auto& gaps = r.ledgers().at(1).gaps;
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0], (std::pair<std::int64_t, std::int64_t>{2'000'000, 9'500'000}));
}

TEST(LoadRecorder, SecondsRollOverAndUnexpectedClosesAreErrors) {
  Recorder r;
  r.on_device_up(1, 0);
  r.on_device_up(2, 0);
  r.on_sent(10);
  r.on_device_down(2, Recorder::Down::unexpected, true, "closed by server (1013 slow_consumer)", 20);
  r.on_device_down(1, Recorder::Down::end_of_run, true, "closed by client", 30);  // not an error
  const metrics::TimeseriesRow row = r.roll_second(0);
  EXPECT_EQ(row.sends, 1u);
  EXPECT_EQ(row.errors, 1u);
  EXPECT_EQ(row.connections, 0u);
  EXPECT_EQ(r.roll_second(1).sends, 0u);
  EXPECT_TRUE(r.ledgers().at(2).lost());
  EXPECT_FALSE(r.ledgers().at(1).lost());
  EXPECT_EQ(r.extras().close_reasons.at("closed by server (1013 slow_consumer)"), 1u);
}

TEST(LoadRecorder, AReconnectClosesTheGapAndADeliberateDropIsNoError) {
  Recorder r;
  r.on_device_up(1, 0);
  r.on_delivery(1, direct, MessageId{100}, make_client_uuid(1, 0), 10);
  r.on_device_down(1, Recorder::Down::deliberate, true, "closed by client", 50);
  EXPECT_TRUE(r.ledgers().at(1).lost());
  r.on_device_up(1, 80);
  EXPECT_FALSE(r.ledgers().at(1).lost());
  EXPECT_EQ(r.ledgers().at(1).gaps, (std::vector<std::pair<std::int64_t, std::int64_t>>{{50, 80}}));
  EXPECT_EQ(r.counts().errors, 0u);
  EXPECT_EQ(r.extras().reconnects, 1u);
  const auto positions = r.positions(1, 10);  // what the reconnect's sync asks for
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0], std::make_pair(direct, MessageId{100}));
  r.on_delivery(1, direct, MessageId{120}, make_client_uuid(3, 90), 100);  // live, after the gap
  r.on_delivery(1, direct, MessageId{110}, make_client_uuid(2, 60), 110);  // replayed by the sync
  r.on_delivery(1, direct, MessageId{115}, make_client_uuid(4, 95), 120);  // live and late: wrong
  EXPECT_EQ(r.extras().replay_out_of_order, 1u);
  EXPECT_EQ(r.counts().reordered, 1u);
}

}  // namespace
}  // namespace parley::load
