// Gateway registry connect: a failed RegistryConnect (registry failover, partition) is retried with
// backoff while the session lives, deliveries are withheld while the device is out of the registry,
// and the client is told to `sync` once the connect succeeds, so nothing sent meanwhile is lost.
#include <gtest/gtest.h>

#include "gateway_harness.hpp"

namespace parley {
namespace {
using namespace gateway_testing;

class GatewayRegistryTest : public GatewayTest {
 protected:
  // The RegistryConnect requests among the effects.
  static std::vector<StoreRequest> connects(const std::vector<Effect>& effects) {
    std::vector<StoreRequest> out;
    for (const auto& r : all_of<StoreRequest>(effects)) {
      if (std::holds_alternative<store::RegistryConnect>(r.op)) out.push_back(r);
    }
    return out;
  }
  // Logs s in as d; returns its RegistryConnect request.
  RequestId login_connect(SessionId s, DeviceRef d) {
    verified(start_auth(s), claims_of(d));
    auto c = connects(drain());
    EXPECT_EQ(c.size(), 1u);
    return c.empty() ? RequestId{} : c[0].req;
  }
  void fail(RequestId req) { gw_.step(StoreDone{req, store::Outcome{Error{ErrorCode::internal, "shard down"}}}); }
  void succeed(RequestId req) { gw_.step(StoreDone{req, store::Outcome{store::Done{}}}); }
  // Advances the clock by ms, ticks, and returns the effects.
  std::vector<Effect> after(std::uint64_t ms) {
    clock_.advance(ms);
    gw_.tick();
    return drain();
  }
  static std::size_t sent(const std::vector<Effect>& effects) { return all_of<SendFrame>(effects).size(); }
  static bool told_to_sync(const std::vector<Effect>& effects, SessionId s) {
    for (const auto& e : errors_to(effects, s)) {
      if (e.code == ErrorCode::resync_required && e.rid.empty()) return true;
    }
    return false;
  }
};

TEST_F(GatewayRegistryTest, FailedConnectIsRetriedWithDoublingBackoffUpToTheCap) {
  RequestId req = login_connect(kS1, kAlice);
  std::uint64_t delay = limits::registry_retry_delay_ms;
  for (int attempt = 0; attempt < 6; ++attempt) {
    fail(req);
    EXPECT_TRUE(connects(drain()).empty()) << "no retry before the backoff";
    EXPECT_TRUE(connects(after(delay - 1)).empty()) << "attempt " << attempt;
    auto retry = connects(after(1));
    ASSERT_EQ(retry.size(), 1u) << "attempt " << attempt;
    const auto& op = std::get<store::RegistryConnect>(retry[0].op);
    EXPECT_EQ(op.device, kAlice);
    EXPECT_EQ(op.gateway, kNode);
    EXPECT_EQ(op.session, kS1);
    req = retry[0].req;
    delay = std::min(delay * 2, limits::registry_retry_delay_ms_max);
  }
  EXPECT_EQ(delay, limits::registry_retry_delay_ms_max);  // the loop reached the cap
  EXPECT_EQ(gw_.stats().registry_connects_failed, 6u);
  succeed(req);
  EXPECT_TRUE(connects(after(10 * limits::registry_retry_delay_ms_max)).empty()) << "registered: no more retries";
}

TEST_F(GatewayRegistryTest, ConnectSucceedingFirstTimeNeedsNoRetryNorSync) {
  succeed(login_connect(kS1, kAlice));
  auto fx = drain();
  EXPECT_FALSE(told_to_sync(fx, kS1));
  EXPECT_TRUE(connects(after(limits::registry_retry_delay_ms_max)).empty());
  deliver(kAlice, kConvA, 5);
  EXPECT_EQ(sent(drain()), 1u);
  EXPECT_EQ(gw_.stats().registry_resyncs, 0u);
}

TEST_F(GatewayRegistryTest, RegisteredLateTheClientIsToldToSyncAndDeliveriesWereHeldBack) {
  fail(login_connect(kS1, kAlice));
  // The first attempt's failure lets the client in (it is not made to wait out a failover); the
  // sync it sends now may miss what is fanned out until the device is registered.
  const auto welcome = frames_to(drain(), kS1);
  ASSERT_EQ(welcome.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<protocol::AuthOk>(welcome[0]));
  // A delivery through a stale or racing registry entry would move the client's position past the
  // messages it missed: withheld (the chat service redelivers it).
  deliver(kAlice, kConvA, 9);
  EXPECT_EQ(sent(drain()), 0u);
  auto retry = connects(after(limits::registry_retry_delay_ms));
  ASSERT_EQ(retry.size(), 1u);
  succeed(retry[0].req);
  auto fx = drain();
  EXPECT_TRUE(told_to_sync(fx, kS1));
  EXPECT_FALSE(closed(fx, kS1, ErrorCode::resync_required));  // a notice, the session stays
  EXPECT_EQ(gw_.stats().registry_resyncs, 1u);
  deliver(kAlice, kConvA, 9);  // the redelivery now reaches the client
  EXPECT_EQ(sent(drain()), 1u);
  frame(kS1, protocol::Ping{});  // the session lives on
  EXPECT_EQ(frames_to(drain(), kS1).size(), 1u);
}

TEST_F(GatewayRegistryTest, WithheldDeliveriesDoNotFillTheWindow) {
  fail(login_connect(kS1, kAlice));
  drain();
  for (std::uint64_t m = 1; m <= limits::device_window_max + 5; ++m) deliver(kAlice, kConvA, m);
  auto fx = drain();
  EXPECT_FALSE(closed(fx, kS1, ErrorCode::slow_consumer));
  EXPECT_EQ(sent(fx), 0u);
}

TEST_F(GatewayRegistryTest, AnEndedSessionIsNotRetriedAndItsLateCompletionIsIgnored) {
  const RequestId req = login_connect(kS1, kAlice);
  fail(req);
  gw_.step(gw::Closed{kS1});
  drain();
  EXPECT_TRUE(connects(after(limits::registry_retry_delay_ms_max)).empty());
  succeed(req);  // a completion for a session that is gone changes nothing
  EXPECT_TRUE(drain().empty());
}

TEST_F(GatewayRegistryTest, ACompletionArrivingAfterTheSessionEndedIsIgnored) {
  const RequestId req = login_connect(kS1, kAlice);
  gw_.step(gw::Closed{kS1});
  drain();
  fail(req);
  EXPECT_TRUE(drain().empty());
  EXPECT_TRUE(connects(after(limits::registry_retry_delay_ms_max)).empty());
}

TEST_F(GatewayRegistryTest, RetriesDoNotKeepASilentSessionAlive) {
  RequestId req = login_connect(kS1, kAlice);
  const std::uint64_t expiry = limits::heartbeat_interval_ms * limits::heartbeats_missed_max;
  std::uint64_t elapsed = 0;
  bool expired = false;
  while (elapsed <= expiry + limits::registry_retry_delay_ms_max && !expired) {
    fail(req);
    drain();
    clock_.advance(limits::registry_retry_delay_ms);
    elapsed += limits::registry_retry_delay_ms;
    gw_.tick();
    auto fx = drain();
    expired = closed(fx, kS1, ErrorCode::heartbeat_timeout);
    auto retry = connects(fx);
    if (!retry.empty()) req = retry[0].req;
  }
  EXPECT_TRUE(expired);
  EXPECT_GE(elapsed, expiry);
  EXPECT_LE(elapsed, expiry + limits::registry_retry_delay_ms);
}

TEST_F(GatewayRegistryTest, AReplacedSessionsRetryStopsAndTheNewSessionRegistersItself) {
  fail(login_connect(kS1, kAlice));
  drain();
  const RequestId second = login_connect(kS2, kAlice);  // replaces kS1
  auto fx = after(limits::registry_retry_delay_ms_max);
  EXPECT_TRUE(connects(fx).empty()) << "kS1 is gone, kS2's connect is still in flight";
  succeed(second);
  EXPECT_FALSE(told_to_sync(drain(), kS2));  // kS2 was never out of the registry
}

}  // namespace
}  // namespace parley
