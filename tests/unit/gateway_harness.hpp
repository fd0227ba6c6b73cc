// Test harness for the Gateway role: a ManualClock, a Gateway and helpers that decode the effects
// a client or another role would observe (frames, closes, envelopes). Shared by gateway_*_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "parley/gateway.hpp"
#include "parley/protocol.hpp"

namespace parley::gateway_testing {
inline constexpr NodeId kNode{7};
inline constexpr SessionId kS1{101};
inline constexpr SessionId kS2{102};
inline constexpr DeviceRef kAlice{UserId{1}, DeviceId{1}};
inline constexpr DeviceRef kBob{UserId{2}, DeviceId{1}};
inline constexpr ConversationId kConvA{11};
inline constexpr ConversationId kConvB{12};
inline constexpr std::uint64_t kHour = 3'600'000;

template <class T>
std::vector<T> all_of(const std::vector<Effect>& effects) {
  std::vector<T> out;
  for (const auto& e : effects) {
    if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
  }
  return out;
}

template <class E>
std::vector<E> routed(const std::vector<Effect>& effects) {
  std::vector<E> out;
  for (const auto& route : all_of<Route>(effects)) {
    if (const auto* e = std::get_if<E>(&route.envelope)) out.push_back(*e);
  }
  return out;
}

inline protocol::ServerFrame decode(const FramePtr& frame) {
  auto decoded = protocol::decode_server(*frame);
  EXPECT_TRUE(decoded.ok()) << *frame;
  return decoded.ok() ? decoded.value() : protocol::ServerFrame{protocol::ErrorFrame{}};
}

// The frames sent to one session, decoded, in order.
inline std::vector<protocol::ServerFrame> frames_to(const std::vector<Effect>& effects, SessionId session) {
  std::vector<protocol::ServerFrame> out;
  for (const auto& send : all_of<SendFrame>(effects)) {
    if (send.session == session) out.push_back(decode(send.frame));
  }
  return out;
}

// The error frames sent to one session.
inline std::vector<protocol::ErrorFrame> errors_to(const std::vector<Effect>& effects, SessionId session) {
  std::vector<protocol::ErrorFrame> out;
  for (const auto& f : frames_to(effects, session)) {
    if (const auto* e = std::get_if<protocol::ErrorFrame>(&f)) out.push_back(*e);
  }
  return out;
}

inline bool closed(const std::vector<Effect>& effects, SessionId session, ErrorCode reason) {
  for (const auto& c : all_of<CloseSession>(effects)) {
    if (c.session == session && c.reason == reason) return true;
  }
  return false;
}

inline FramePtr shared(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

inline GatewayConfig config_with(std::size_t window = limits::device_window_max,
                          std::size_t watched = limits::presence_subscriptions_max) {
  GatewayConfig c;
  c.node = kNode;
  c.device_window_max = window;
  c.watched_users_max = watched;
  return c;
}

class GatewayTest : public ::testing::Test {
 protected:
  explicit GatewayTest(GatewayConfig config = config_with()) : gw_(config, clock_) {}

  void frame(SessionId s, const protocol::ClientFrame& f) { gw_.step(gw::FrameIn{s, protocol::encode(f)}); }
  void raw(SessionId s, std::string text) { gw_.step(gw::FrameIn{s, std::move(text)}); }
  std::vector<Effect> drain() { return gw_.drain(); }

  // Opens s and sends Auth; returns the VerifyToken request.
  RequestId start_auth(SessionId s, std::string token = "token") {
    gw_.step(gw::Opened{s});
    frame(s, protocol::Auth{token});
    auto verify = all_of<VerifyToken>(drain());
    EXPECT_EQ(verify.size(), 1u);
    return verify.empty() ? RequestId{} : verify[0].req;
  }
  void verified(RequestId req, Result<TokenClaims> claims) {
    gw_.step(TokenVerified{req, std::move(claims)});
  }
  TokenClaims claims_of(DeviceRef d) { return TokenClaims{d.user, d.device, clock_.now_ms() + kHour}; }
  // Answers every RegistryConnect among `effects` with success (auth.ok waits for it).
  void answer_connects(const std::vector<Effect>& effects) {
    for (const auto& r : all_of<StoreRequest>(effects)) {
      if (std::holds_alternative<store::RegistryConnect>(r.op)) gw_.step(StoreDone{r.req, store::Outcome{store::Done{}}});
    }
  }
  // Opens and authenticates s as d, registered, dropping the effects of doing so.
  void login(SessionId s, DeviceRef d) {
    verified(start_auth(s), claims_of(d));
    answer_connects(drain());
    drain();
  }
  void deliver(DeviceRef d, ConversationId conv, std::uint64_t msg) {
    gw_.step(Envelope{env::DeliverToDevice{kNode, d, conv, MessageId{msg}, shared("{\"op\":\"msg\"}")}});
  }

  ManualClock clock_;
  Gateway gw_;
};

}  // namespace parley::gateway_testing
