// The server's host without a network: Workers wired through an in-test mailbox (a thread-safe
// FIFO that the test thread drains, standing in for the workers' io_contexts), fake session ports,
// and a real RocksStore behind the group-commit StoreQueue. Every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>

#include "parley/protocol.hpp"
#include "rocks_test_support.hpp"
#include "store_queue.hpp"
#include "system_clock.hpp"
#include "token.hpp"
#include "worker.hpp"

namespace parley::server {
namespace {

constexpr std::string_view secret = "worker-test-secret-0123";
constexpr auto wait_max = std::chrono::seconds(10);

class TestMailboxes final : public Mailboxes {
 public:
  void post(std::size_t worker, std::function<void(Worker&)> work) override {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(worker, std::move(work));
    wake_.notify_one();
  }
  // Runs posted work on this thread until done() holds; false when wait_max passes first.
  bool pump_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + wait_max;
    while (!done()) {
      std::unique_lock lock(mutex_);
      if (!wake_.wait_until(lock, deadline, [&] { return !queue_.empty(); })) return false;
      auto [worker, work] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      work(*workers->at(worker));
    }
    return true;
  }
  std::vector<std::unique_ptr<Worker>>* workers = nullptr;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::size_t, std::function<void(Worker&)>>> queue_;
};

struct FakePort final : SessionPort {
  void send(FramePtr frame) override {
    auto decoded = protocol::decode_server(*frame);
    ASSERT_TRUE(decoded.ok()) << *frame;
    frames.push_back(std::move(decoded.value()));
  }
  void close(ErrorCode reason, const std::string&) override { closed = reason; }
  void going_away() override { gone = true; }

  template <class Frame>
  const Frame* find() const {
    for (const auto& f : frames) {
      if (const auto* hit = std::get_if<Frame>(&f)) return hit;
    }
    return nullptr;
  }
  std::vector<protocol::ServerFrame> frames;
  std::optional<ErrorCode> closed;
  bool gone = false;
};

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::open_store(dir_.path());
    ASSERT_TRUE(store_);
    queue_ = std::make_unique<StoreQueue>(*store_, metrics_, 64, [this](std::size_t w, auto completions) {
      mail_.post(w, [completions = std::move(completions)](Worker& worker) mutable {
        for (auto& c : completions) worker.store_done(c.role, std::move(c.done));
      });
    });
    for (std::size_t i = 0; i < 2; ++i) {
      Worker::Config config;
      config.index = i;
      config.count = 2;
      config.token_secret = std::string(secret);
      auto made = Worker::make(config, clock_, mail_, *queue_, metrics_);
      ASSERT_TRUE(made.ok()) << made.error().message;
      workers_.push_back(std::move(made.value()));
    }
    mail_.workers = &workers_;
  }
  void TearDown() override { queue_->stop(); }

  // A session of (user, device) on worker w, authenticated.
  std::pair<std::shared_ptr<FakePort>, SessionId> login(std::size_t w, std::uint64_t user) {
    auto port = std::make_shared<FakePort>();
    const SessionId id = workers_[w]->attach(port);
    const TokenClaims claims{UserId{user}, DeviceId{1}, clock_.now_ms() + 3'600'000};
    workers_[w]->frame_in(id, R"({"op":"auth","token":")" + mint_token(secret, claims) + R"("})");
    EXPECT_TRUE(mail_.pump_until([&] { return port->find<protocol::AuthOk>() != nullptr; }));
    return {port, id};
  }

  testing::TempDir dir_;
  SystemClock clock_;
  Metrics metrics_;
  TestMailboxes mail_;
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<StoreQueue> queue_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

TEST(WorkerRouting, GatewayEnvelopesGoToTheirNodeAndShardsSpreadEvenly) {
  EXPECT_EQ(Worker::owner_of({Role::gateway, 1}, 4), 0u);
  EXPECT_EQ(Worker::owner_of({Role::gateway, 4}, 4), 3u);
  EXPECT_EQ(Worker::owner_of({Role::gateway, 5}, 4), 4u) << "a node of a bigger past run: nobody";
  EXPECT_EQ(Worker::owner_of({Role::gateway, 0}, 4), 4u);
  std::vector<int> per_worker(4);
  for (std::uint64_t key = 1; key <= 4000; ++key) ++per_worker.at(Worker::owner_of({Role::chat, key}, 4));
  for (int n : per_worker) EXPECT_GT(n, 800);
  EXPECT_EQ(Worker::owner_of({Role::presence, 77}, 4), Worker::owner_of({Role::presence, 77}, 4));
}

TEST_F(WorkerTest, MessageCrossesWorkersAckedAfterTheStoreAndDelivered) {
  auto [alice, alice_session] = login(0, 1);
  auto [bob, bob_session] = login(1, 2);
  workers_[0]->frame_in(alice_session,
                        R"({"op":"send","id":"u1","to":"2","body":{"type":"text","text":"hi"}})");
  ASSERT_TRUE(mail_.pump_until([&] { return bob->find<protocol::Deliver>() != nullptr; }));
  ASSERT_TRUE(mail_.pump_until([&] { return alice->find<protocol::Ack>() != nullptr; }));
  const auto* ack = alice->find<protocol::Ack>();
  const auto* msg = bob->find<protocol::Deliver>();
  EXPECT_EQ(ack->msg, msg->message.id);
  EXPECT_EQ(msg->message.body.text, "hi");
  EXPECT_FALSE(ack->duplicate);
  EXPECT_GE(metrics_.store_ops.load(), 2u);  // registry connects, the append, the lookup

  // The append is durable in the store the worker used.
  auto page = store_->execute(store::ReadMessages{ack->conv, MessageId{}, MessageId{}, 10, true});
  ASSERT_TRUE(std::holds_alternative<store::Page>(page)) << testing::describe(page);
  EXPECT_EQ(std::get<store::Page>(page).messages.size(), 1u);
}

TEST_F(WorkerTest, BadTokenClosesTheSessionAndGoingAwayReachesEveryPort) {
  auto port = std::make_shared<FakePort>();
  const SessionId id = workers_[0]->attach(port);
  workers_[0]->frame_in(id, R"({"op":"auth","token":"v1.1.1.99999999999999.00"})");
  ASSERT_TRUE(mail_.pump_until([&] { return port->closed.has_value(); }));
  EXPECT_EQ(*port->closed, ErrorCode::auth_failed);

  auto [alice, alice_session] = login(1, 5);
  workers_[1]->going_away();
  EXPECT_TRUE(alice->gone);
  workers_[1]->detach(alice_session);
  EXPECT_EQ(workers_[1]->sessions(), 0u);
}

TEST_F(WorkerTest, StoreQueueAnswersInOrderDrainsOnStopAndRefusesAfterwards) {
  std::vector<std::uint64_t> answered;
  std::mutex mutex;
  StoreQueue queue(*store_, metrics_, 8, [&](std::size_t, std::vector<StoreQueue::Completion> done) {
    std::lock_guard lock(mutex);
    for (auto& c : done) {
      EXPECT_TRUE(std::holds_alternative<store::Appended>(c.done.outcome)) << testing::describe(c.done.outcome);
      answered.push_back(c.done.req.value);
    }
  });
  const ConversationId conv{99};
  for (std::uint64_t i = 1; i <= 100; ++i) {
    store::AppendMessage append{testing::text_message(conv, i, "m"), {}, true};
    queue.submit(0, Role::chat, StoreRequest{RequestId{i}, std::move(append)});
  }
  queue.stop();  // writes everything queued before returning
  ASSERT_EQ(answered.size(), 100u);
  for (std::uint64_t i = 0; i < 100; ++i) EXPECT_EQ(answered[i], i + 1);

  std::optional<store::Outcome> refused;
  StoreQueue stopped(*store_, metrics_, 8, [&](std::size_t, std::vector<StoreQueue::Completion> done) {
    refused = done.at(0).done.outcome;
  });
  stopped.stop();
  stopped.submit(0, Role::chat, StoreRequest{RequestId{1}, store::RegistryLookup{{UserId{1}}}});
  ASSERT_TRUE(refused.has_value());
  EXPECT_TRUE(std::holds_alternative<Error>(*refused));
}

}  // namespace
}  // namespace parley::server
