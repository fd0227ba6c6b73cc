// The push queue without a network or a database: due order, collapse per device and
// conversation, backoff with seeded jitter, dead letters, 410 drops, and recovery from its log
// (an in-memory PushLog standing in for RocksDB). Also the webhook JSON and URL parsing.
#include <gtest/gtest.h>

#include <map>

#include "push_payload.hpp"
#include "push_queue.hpp"

namespace parley::server {
namespace {

class MemoryLog final : public PushLog {
 public:
  bool write(const std::vector<std::string>& erase, const std::vector<Row>& put) override {
    ++writes;
    for (const auto& k : erase) rows.erase(k);
    for (const auto& [k, v] : put) rows[k] = v;
    return true;
  }
  std::vector<Row> all() const { return {rows.begin(), rows.end()}; }
  std::map<std::string, std::string> rows;
  int writes = 0;
};

PushItem item(std::uint64_t user, std::uint64_t device, std::uint64_t conv, std::string body = "hi") {
  return PushItem{DeviceRef{UserId{user}, DeviceId{device}}, "tok-" + std::to_string(user) + "-" + std::to_string(device),
                  ConversationId{conv}, "conv:" + std::to_string(conv), "New message", std::move(body), 1, 0};
}

PushQueueConfig config(std::uint32_t attempts_max = 4) {
  PushQueueConfig c;
  c.attempts_max = attempts_max;
  c.backoff_base_ms = 1'000;
  c.backoff_max_ms = 8'000;
  c.jitter = 0.5;
  c.seed = 42;
  return c;
}

TEST(PushQueue, TakesEntriesInDueOrderAndNotBeforeTheyAreDue) {
  MemoryLog log;
  PushQueue q(config(), log);
  q.add(item(1, 1, 10), 500);
  q.add(item(2, 1, 10), 100);
  q.add(item(3, 1, 10), 300);
  EXPECT_EQ(q.next_due(), 100u);
  EXPECT_FALSE(q.take_due(99).has_value());
  std::vector<std::uint64_t> users;
  while (auto e = q.take_due(1'000)) users.push_back(e->item.device.user.value);
  EXPECT_EQ(users, (std::vector<std::uint64_t>{2, 3, 1}));
  EXPECT_EQ(q.in_flight(), 3u);
}

TEST(PushQueue, NewerNotificationForSameDeviceAndConversationReplacesTheQueuedOne) {
  MemoryLog log;
  PushQueue q(config(), log);
  EXPECT_EQ(q.add(item(1, 1, 10, "first"), 100), PushQueue::Added::queued);
  EXPECT_EQ(q.add(item(1, 2, 10, "other device"), 100), PushQueue::Added::queued);
  EXPECT_EQ(q.add(item(1, 1, 11, "other conv"), 100), PushQueue::Added::queued);
  auto newer = item(1, 1, 10, "second");
  newer.count = 2;
  EXPECT_EQ(q.add(newer, 200), PushQueue::Added::collapsed);
  EXPECT_EQ(q.queued(), 3u);
  EXPECT_EQ(log.rows.size(), 3u);  // the log holds exactly what the queue holds
  std::vector<std::string> bodies;
  while (auto e = q.take_due(1'000)) bodies.push_back(e->item.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"other device", "other conv", "second"}));
}

TEST(PushQueue, CollapseKeepsTheBackoffOfAFailingSlot) {
  MemoryLog log;
  PushQueue q(config(), log);
  q.add(item(1, 1, 10, "first"), 0);
  auto e = q.take_due(0);
  ASSERT_TRUE(e);
  ASSERT_EQ(q.failed(*e, 0), PushQueue::Failed::retried);
  const TimeMs retry_at = *q.next_due();
  EXPECT_GE(retry_at, 500u);
  q.add(item(1, 1, 10, "second"), 10);  // arrives during the backoff: waits for it, same attempts
  EXPECT_EQ(q.next_due(), retry_at);
  auto again = q.take_due(retry_at);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->item.body, "second");
  EXPECT_EQ(again->item.attempts, 1u);
}

TEST(PushQueue, BackoffDoublesWithinItsJitterUpToTheCapAndIsReproducibleFromTheSeed) {
  MemoryLog log_a;
  MemoryLog log_b;
  PushQueue a(config(), log_a);
  PushQueue b(config(), log_b);
  TimeMs full = 1'000;
  for (std::uint32_t attempts = 1; attempts <= 6; ++attempts) {
    const TimeMs d = a.backoff_ms(attempts);
    EXPECT_EQ(d, b.backoff_ms(attempts)) << "same seed, same delays";
    EXPECT_LE(d, full);
    EXPECT_GE(d, full / 2);
    full = std::min<TimeMs>(full * 2, 8'000);
  }
  PushQueueConfig other = config();
  other.seed = 7;
  MemoryLog log_c;
  PushQueue c(other, log_c);
  bool differs = false;
  for (std::uint32_t attempts = 1; attempts <= 6; ++attempts) differs |= c.backoff_ms(attempts) != a.backoff_ms(attempts);
  EXPECT_TRUE(differs) << "jitter depends on the seed";
}

TEST(PushQueue, RetriesUntilAttemptsMaxThenDeadLettersAndForgetsTheEntry) {
  MemoryLog log;
  PushQueue q(config(3), log);
  q.add(item(1, 1, 10), 0);
  TimeMs now = 0;
  std::vector<PushQueue::Failed> outcomes;
  for (int i = 0; i < 3; ++i) {
    auto e = q.take_due(now);
    ASSERT_TRUE(e) << "attempt " << i;
    EXPECT_EQ(e->item.attempts, static_cast<std::uint32_t>(i));
    outcomes.push_back(q.failed(*e, now));
    if (auto due = q.next_due()) {
      EXPECT_GT(*due, now);
      now = *due;
    }
  }
  EXPECT_EQ(outcomes, (std::vector<PushQueue::Failed>{PushQueue::Failed::retried, PushQueue::Failed::retried,
                                                       PushQueue::Failed::dead}));
  EXPECT_EQ(q.queued() + q.in_flight(), 0u);
  EXPECT_TRUE(log.rows.empty());
}

TEST(PushQueue, AFailedEntryWithANewerOneQueuedForItsSlotIsDroppedNotRetried) {
  MemoryLog log;
  PushQueue q(config(), log);
  q.add(item(1, 1, 10, "old"), 0);
  auto e = q.take_due(0);
  q.add(item(1, 1, 10, "new"), 1);
  EXPECT_EQ(q.failed(*e, 2), PushQueue::Failed::superseded);
  EXPECT_EQ(q.queued(), 1u);
  EXPECT_EQ(log.rows.size(), 1u);
  EXPECT_EQ(q.take_due(2)->item.body, "new");
}

TEST(PushQueue, GoneTokenDropsEveryQueuedEntryForIt) {
  MemoryLog log;
  PushQueue q(config(), log);
  q.add(item(1, 1, 10), 0);
  q.add(item(1, 1, 11), 0);
  q.add(item(2, 1, 10), 0);
  EXPECT_EQ(q.drop_token("tok-1-1"), 2u);
  EXPECT_EQ(q.queued(), 1u);
  EXPECT_EQ(log.rows.size(), 1u);
  EXPECT_EQ(q.take_due(0)->item.device.user, UserId{2});
}

TEST(PushQueue, InFlightEntriesStayInTheLogUntilDoneSoARestartSendsThemAgain) {
  MemoryLog log;
  {
    PushQueue q(config(), log);
    q.add(item(1, 1, 10, "a"), 5);
    q.add(item(2, 1, 10, "b"), 6);
    auto e = q.take_due(10);
    ASSERT_TRUE(e);
    // crash here: e was never answered
  }
  log.rows["garbage"] = "x";  // a malformed row is dropped, not fatal
  PushQueue restarted(config(), log);
  EXPECT_EQ(restarted.restore(log.all(), 10), 2u);
  EXPECT_FALSE(log.rows.contains("garbage"));
  std::vector<std::string> bodies;
  while (auto e = restarted.take_due(10)) {
    bodies.push_back(e->item.body);
    restarted.done(*e);
  }
  EXPECT_EQ(bodies, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(log.rows.empty());
  // New entries after a restart never reuse a key of the old run.
  restarted.add(item(3, 1, 10), 1);
  EXPECT_EQ(log.rows.size(), 1u);
}

TEST(PushQueue, ARestartSendsBackedOffEntriesAtOnceAndKeepsOnlyTheNewestOfASlot) {
  MemoryLog log;
  {
    PushQueue q(config(), log);
    q.add(item(1, 1, 10, "backed off"), 0);
    auto e = q.take_due(0);
    ASSERT_EQ(q.failed(*e, 0), PushQueue::Failed::retried);  // due in 0.5 .. 1 s
    q.add(item(2, 1, 10, "old"), 0);
    auto out = q.take_due(0);  // in flight, still in the log ...
    ASSERT_EQ(out->item.body, "old");
    q.add(item(2, 1, 10, "new"), 1);  // ... when a newer one for its slot is queued; then a crash
    EXPECT_EQ(log.rows.size(), 3u);
  }
  PushQueue restarted(config(), log);
  EXPECT_EQ(restarted.restore(log.all(), 5), 2u);
  EXPECT_EQ(log.rows.size(), 2u);
  std::vector<std::string> bodies;
  while (auto e = restarted.take_due(5)) bodies.push_back(e->item.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"new", "backed off"}));
}

TEST(PushQueue, RefusesNewSlotsWhenFullButStillCollapses) {
  MemoryLog log;
  PushQueueConfig c = config();
  c.depth_max = 2;
  PushQueue q(c, log);
  EXPECT_EQ(q.add(item(1, 1, 10), 0), PushQueue::Added::queued);
  EXPECT_EQ(q.add(item(2, 1, 10), 0), PushQueue::Added::queued);
  EXPECT_EQ(q.add(item(3, 1, 10), 0), PushQueue::Added::refused);
  EXPECT_EQ(q.add(item(1, 1, 10, "newer"), 0), PushQueue::Added::collapsed);
  EXPECT_EQ(q.queued(), 2u);
}

TEST(PushRow, RoundTripsAndKeysSortInDueOrder) {
  auto it = item(5, 6, 7, "quote \" and \n newline");
  it.attempts = 3;
  it.count = 9;
  const auto row = decode_push_row(push_key(1234, 99), encode_push_item(it));
  ASSERT_TRUE(row);
  EXPECT_EQ(row->due_ms, 1234u);
  EXPECT_EQ(row->seq, 99u);
  EXPECT_EQ(row->item, it);
  EXPECT_LT(push_key(255, 1), push_key(256, 0));  // big-endian: byte order is numeric order
  EXPECT_FALSE(decode_push_row(push_key(1, 1), encode_push_item(it) + "x"));
  EXPECT_FALSE(decode_push_row("short", encode_push_item(it)));
}

TEST(PushPayload, IsTheDocumentedJsonWithIdsAsStrings) {
  auto it = item(5, 6, 7, "say \"hi\"\n");
  it.attempts = 2;
  EXPECT_EQ(push_payload_json(it),
            R"({"token":"tok-5-6","user":"5","device":"6","conv":"7","collapse_key":"conv:7",)"
            R"("title":"New message","body":"say \"hi\"\n","count":1,"attempt":3})");
}

TEST(WebhookUrl, ParsesPlainHttpOnly) {
  auto url = parse_webhook_url("http://127.0.0.1:8089/push/hook?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8089);
  EXPECT_EQ(url->target, "/push/hook?x=1");
  auto bare = parse_webhook_url("http://example.test");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  auto v6 = parse_webhook_url("http://[::1]:9000/p");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  for (const char* bad : {"https://x/", "ftp://x/", "http://", "http://:80/", "http://x:0/", "http://x:70000/",
                          "http://u@x/", "http://x:12a/"}) {
    EXPECT_FALSE(parse_webhook_url(bad)) << bad;
  }
}

}  // namespace
}  // namespace parley::server
