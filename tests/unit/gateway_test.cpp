// Gateway role: sessions driven through inputs with a ManualClock; every test asserts the effects a
// client or another role would observe (frames, closes, envelopes, registry writes).
#include "parley/gateway.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "parley/conversation.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace {

constexpr NodeId kNode{7};
constexpr SessionId kS1{101};
constexpr SessionId kS2{102};
constexpr DeviceRef kAlice{UserId{1}, DeviceId{1}};
constexpr DeviceRef kBob{UserId{2}, DeviceId{1}};
constexpr ConversationId kConvA{11};
constexpr ConversationId kConvB{12};
constexpr std::uint64_t kHour = 3'600'000;

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

protocol::ServerFrame decode(const FramePtr& frame) {
  auto decoded = protocol::decode_server(*frame);
  EXPECT_TRUE(decoded.ok()) << *frame;
  return decoded.ok() ? decoded.value() : protocol::ServerFrame{protocol::ErrorFrame{}};
}

// The frames sent to one session, decoded, in order.
std::vector<protocol::ServerFrame> frames_to(const std::vector<Effect>& effects, SessionId session) {
  std::vector<protocol::ServerFrame> out;
  for (const auto& send : all_of<SendFrame>(effects)) {
    if (send.session == session) out.push_back(decode(send.frame));
  }
  return out;
}

// The error frames sent to one session.
std::vector<protocol::ErrorFrame> errors_to(const std::vector<Effect>& effects, SessionId session) {
  std::vector<protocol::ErrorFrame> out;
  for (const auto& f : frames_to(effects, session)) {
    if (const auto* e = std::get_if<protocol::ErrorFrame>(&f)) out.push_back(*e);
  }
  return out;
}

bool closed(const std::vector<Effect>& effects, SessionId session, ErrorCode reason) {
  for (const auto& c : all_of<CloseSession>(effects)) {
    if (c.session == session && c.reason == reason) return true;
  }
  return false;
}

FramePtr shared(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

GatewayConfig config_with(std::size_t window = limits::device_window_max,
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
  // Opens and authenticates s as d, dropping the effects of doing so.
  void login(SessionId s, DeviceRef d) {
    verified(start_auth(s), claims_of(d));
    drain();
  }
  void deliver(DeviceRef d, ConversationId conv, std::uint64_t msg) {
    gw_.step(Envelope{env::DeliverToDevice{kNode, d, conv, MessageId{msg}, shared("{\"op\":\"msg\"}")}});
  }

  ManualClock clock_;
  Gateway gw_;
};

// ---- authentication ----------------------------------------------------------------------------

TEST_F(GatewayTest, AuthSendsVerifyTokenThenAuthOkRegistryConnectAndDeviceOnline) {
  gw_.step(gw::Opened{kS1});
  frame(kS1, protocol::Auth{"secret-token"});
  auto fx = drain();
  ASSERT_EQ(fx.size(), 1u);
  const auto& verify = std::get<VerifyToken>(fx[0]);
  EXPECT_EQ(verify.session, kS1);
  EXPECT_EQ(verify.token, "secret-token");

  clock_.advance(5);
  verified(verify.req, claims_of(kAlice));
  fx = drain();
  ASSERT_EQ(fx.size(), 3u);
  EXPECT_EQ(frames_to(fx, kS1),
            (std::vector<protocol::ServerFrame>{protocol::AuthOk{
                kAlice.user, kAlice.device, kS1, limits::heartbeat_interval_ms, clock_.now_ms()}}));
  const auto& connect = std::get<store::RegistryConnect>(std::get<StoreRequest>(fx[1]).op);
  EXPECT_EQ(connect.device, kAlice);
  EXPECT_EQ(connect.gateway, kNode);
  EXPECT_EQ(connect.session, kS1);
  const auto online = routed<env::DeviceOnline>(fx);
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(online[0].device, kAlice);
  EXPECT_EQ(online[0].at, (SessionRef{kNode, kS1}));
  EXPECT_EQ(gw_.stats().sessions, 1u);
  EXPECT_EQ(gw_.stats().authenticated, 1u);
}

TEST_F(GatewayTest, RejectedTokenClosesWithAuthFailed) {
  const RequestId req = start_auth(kS1);
  verified(req, Error{ErrorCode::auth_failed, "bad signature"});
  const auto fx = drain();
  ASSERT_EQ(errors_to(fx, kS1).size(), 1u);
  EXPECT_EQ(errors_to(fx, kS1)[0].code, ErrorCode::auth_failed);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::auth_failed));
  EXPECT_TRUE(all_of<StoreRequest>(fx).empty());
  EXPECT_TRUE(all_of<Route>(fx).empty());
  EXPECT_EQ(gw_.stats().sessions, 0u);
}

TEST_F(GatewayTest, ExpiredTokenClosesWithTokenExpiredAtTheExactExpiry) {
  const RequestId req = start_auth(kS1);
  verified(req, TokenClaims{kAlice.user, kAlice.device, clock_.now_ms()});
  const auto fx = drain();
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::token_expired);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::token_expired));

  const RequestId req2 = start_auth(kS2);
  verified(req2, TokenClaims{kAlice.user, kAlice.device, clock_.now_ms() + 1});
  EXPECT_EQ(gw_.stats().authenticated, 1u);
}

TEST_F(GatewayTest, ClaimsOutsideTheIdRangesAreRefused) {
  const std::vector<TokenClaims> bad = {
      {UserId{0}, DeviceId{1}}, {UserId{limits::user_id_max + 1}, DeviceId{1}},
      {UserId{1}, DeviceId{0}}, {UserId{1}, DeviceId{limits::device_id_max + 1}}};
  std::uint64_t session = 500;
  for (TokenClaims claims : bad) {
    claims.expires_ms = clock_.now_ms() + kHour;
    const SessionId s{++session};
    verified(start_auth(s), claims);
    const auto fx = drain();
    EXPECT_TRUE(closed(fx, s, ErrorCode::auth_failed)) << claims.user.value << "/" << claims.device.value;
  }
  const TokenClaims edge{UserId{limits::user_id_max}, DeviceId{limits::device_id_max}, clock_.now_ms() + kHour};
  verified(start_auth(SessionId{999}), edge);
  EXPECT_EQ(gw_.stats().authenticated, 1u);
}

TEST_F(GatewayTest, OperationsBeforeAuthAreRefusedAndTheSessionStaysOpen) {
  gw_.step(gw::Opened{kS1});
  Body text;
  text.text = "hi";
  frame(kS1, protocol::Send{"r1", "uuid-1", kBob.user, GroupId{}, text});
  frame(kS1, protocol::Ping{});
  const auto fx = drain();
  const auto errors = errors_to(fx, kS1);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, ErrorCode::not_authenticated);
  EXPECT_EQ(errors[0].rid, "r1");
  EXPECT_EQ(errors[1].code, ErrorCode::not_authenticated);
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());
  EXPECT_TRUE(all_of<Route>(fx).empty());
  EXPECT_EQ(gw_.stats().sessions, 1u);
}

TEST_F(GatewayTest, SecondAuthIsRefusedWhileVerifyingAndAfterSuccess) {
  gw_.step(gw::Opened{kS1});
  frame(kS1, protocol::Auth{"t1"});
  frame(kS1, protocol::Auth{"t2"});
  auto fx = drain();
  ASSERT_EQ(all_of<VerifyToken>(fx).size(), 1u);
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::already_authenticated);

  verified(all_of<VerifyToken>(fx)[0].req, claims_of(kAlice));
  drain();
  frame(kS1, protocol::Auth{"t3"});
  fx = drain();
  EXPECT_TRUE(all_of<VerifyToken>(fx).empty());
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::already_authenticated);
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());
  EXPECT_EQ(gw_.stats().authenticated, 1u);
}

TEST_F(GatewayTest, VerificationOfAGoneSessionIsIgnored) {
  const RequestId req = start_auth(kS1);
  gw_.step(gw::Closed{kS1});
  EXPECT_TRUE(drain().empty());  // unauthenticated: nothing to withdraw
  verified(req, claims_of(kAlice));
  verified(RequestId{424242}, claims_of(kAlice));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(gw_.stats().authenticated, 0u);
}

TEST_F(GatewayTest, SameDeviceOnANewSessionReplacesTheOldOne) {
  login(kS1, kAlice);
  verified(start_auth(kS2), claims_of(kAlice));
  const auto fx = drain();

  ASSERT_TRUE(std::holds_alternative<protocol::AuthOk>(frames_to(fx, kS2).at(0)));
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::session_replaced);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::session_replaced));
  // The new session is announced before the old one leaves, so Presence never sees a gap; the
  // old one's departure names the old session and is ignored downstream.
  const auto online = routed<env::DeviceOnline>(fx);
  const auto offline = routed<env::DeviceOffline>(fx);
  ASSERT_EQ(online.size(), 1u);
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(online[0].at.session, kS2);
  EXPECT_EQ(offline[0].at.session, kS1);
  std::size_t online_at = 0, offline_at = 0;
  for (std::size_t i = 0; i < fx.size(); ++i) {
    if (const auto* r = std::get_if<Route>(&fx[i])) {
      if (std::holds_alternative<env::DeviceOnline>(r->envelope)) online_at = i;
      if (std::holds_alternative<env::DeviceOffline>(r->envelope)) offline_at = i;
    }
  }
  EXPECT_LT(online_at, offline_at);
  const auto requests = all_of<StoreRequest>(fx);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(std::get<store::RegistryConnect>(requests[0].op).session, kS2);
  EXPECT_EQ(std::get<store::RegistryDisconnect>(requests[1].op).session, kS1);

  deliver(kAlice, kConvA, 1);
  const auto after = drain();
  ASSERT_EQ(all_of<SendFrame>(after).size(), 1u);
  EXPECT_EQ(all_of<SendFrame>(after)[0].session, kS2);
  EXPECT_EQ(gw_.stats().sessions, 1u);
  EXPECT_EQ(gw_.stats().authenticated, 1u);
}

// ---- heartbeats and deadlines -------------------------------------------------------------------

TEST_F(GatewayTest, SilentSessionClosesAfterExactlyThreeHeartbeatIntervals) {
  login(kS1, kAlice);
  clock_.advance(3 * limits::heartbeat_interval_ms - 1);
  gw_.tick();
  EXPECT_TRUE(drain().empty());

  clock_.advance(1);
  gw_.tick();
  const auto fx = drain();
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::heartbeat_timeout);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::heartbeat_timeout));
  EXPECT_EQ(routed<env::DeviceOffline>(fx).size(), 1u);
  EXPECT_EQ(all_of<StoreRequest>(fx).size(), 1u);
  EXPECT_EQ(gw_.stats().closed_heartbeat, 1u);
  EXPECT_EQ(gw_.stats().sessions, 0u);
}

TEST_F(GatewayTest, AnyFrameRefreshesTheHeartbeatDeadline) {
  login(kS1, kAlice);
  const TimeMs start = clock_.now_ms();
  clock_.set(start + 60'000);
  frame(kS1, protocol::Typing{kConvA, true});
  drain();
  clock_.set(start + 90'000);
  gw_.tick();
  EXPECT_TRUE(drain().empty());
  clock_.set(start + 60'000 + 89'999);
  gw_.tick();
  EXPECT_TRUE(drain().empty());
  clock_.set(start + 60'000 + 90'000);
  gw_.tick();
  EXPECT_TRUE(closed(drain(), kS1, ErrorCode::heartbeat_timeout));
}

TEST_F(GatewayTest, PingIsAnsweredWithPong) {
  login(kS1, kAlice);
  clock_.advance(1234);
  frame(kS1, protocol::Ping{});
  EXPECT_EQ(frames_to(drain(), kS1),
            (std::vector<protocol::ServerFrame>{protocol::Pong{clock_.now_ms()}}));
}

TEST_F(GatewayTest, PresenceIsRefreshedAtMostOncePerHeartbeatInterval) {
  login(kS1, kAlice);
  const TimeMs start = clock_.now_ms();
  for (TimeMs at : {1'000ULL, 2'000ULL, 29'999ULL}) {
    clock_.set(start + at);
    frame(kS1, protocol::Ping{});
    EXPECT_TRUE(routed<env::DeviceOnline>(drain()).empty()) << at;
  }
  clock_.set(start + 30'000);
  frame(kS1, protocol::Ping{});
  EXPECT_EQ(routed<env::DeviceOnline>(drain()).size(), 1u);
  clock_.set(start + 30'001);
  frame(kS1, protocol::Ping{});
  EXPECT_TRUE(routed<env::DeviceOnline>(drain()).empty());
}

TEST_F(GatewayTest, UnauthenticatedSessionClosesAtTheAuthDeadline) {
  gw_.step(gw::Opened{kS1});
  clock_.advance(limits::auth_timeout_ms - 1);
  frame(kS1, protocol::Ping{});  // frames do not extend the auth deadline
  drain();
  gw_.tick();
  EXPECT_TRUE(drain().empty());
  clock_.advance(1);
  gw_.tick();
  const auto fx = drain();
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::not_authenticated);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::not_authenticated));
  EXPECT_TRUE(all_of<StoreRequest>(fx).empty());
  EXPECT_EQ(gw_.stats().sessions, 0u);
  EXPECT_EQ(gw_.stats().closed_heartbeat, 0u);
}

TEST_F(GatewayTest, AuthDeadlinePassesWhileTheTokenIsVerified) {
  const RequestId req = start_auth(kS1);
  clock_.advance(limits::auth_timeout_ms);
  gw_.tick();
  EXPECT_TRUE(closed(drain(), kS1, ErrorCode::not_authenticated));
  verified(req, claims_of(kAlice));
  EXPECT_TRUE(drain().empty());
}

TEST_F(GatewayTest, AuthenticatedSessionNoLongerHasAnAuthDeadline) {
  login(kS1, kAlice);
  clock_.advance(limits::auth_timeout_ms + 1);
  gw_.tick();
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(gw_.stats().sessions, 1u);
}

// ---- protocol errors ---------------------------------------------------------------------------

TEST_F(GatewayTest, BadFramesAreAnsweredAndTheSessionStaysOpen) {
  login(kS1, kAlice);
  const auto frames_before = gw_.stats().frames_in;
  raw(kS1, "not json");
  raw(kS1, R"({"op":"no_such_op","rid":"r7"})");
  const auto fx = drain();
  const auto errors = errors_to(fx, kS1);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, ErrorCode::bad_json);
  EXPECT_EQ(errors[1].code, ErrorCode::unknown_op);
  EXPECT_EQ(errors[1].rid, "r7");
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());
  EXPECT_EQ(gw_.stats().protocol_errors, 2u);
  EXPECT_EQ(gw_.stats().frames_in, frames_before + 2);
}

TEST_F(GatewayTest, TooManyConsecutiveBadFramesCloseTheSession) {
  login(kS1, kAlice);
  for (std::uint32_t i = 0; i + 1 < limits::session_protocol_errors_max; ++i) raw(kS1, "{");
  frame(kS1, protocol::Ping{});  // a good frame breaks the run
  for (std::uint32_t i = 0; i + 1 < limits::session_protocol_errors_max; ++i) raw(kS1, "{");
  auto fx = drain();
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());
  EXPECT_EQ(errors_to(fx, kS1).size(), 2 * (limits::session_protocol_errors_max - 1));

  raw(kS1, "{");
  fx = drain();
  EXPECT_EQ(errors_to(fx, kS1).at(0).code, ErrorCode::bad_json);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::bad_json));
  EXPECT_EQ(routed<env::DeviceOffline>(fx).size(), 1u);
  EXPECT_EQ(gw_.stats().sessions, 0u);
  EXPECT_EQ(gw_.stats().protocol_errors, 2 * limits::session_protocol_errors_max - 1);
}

// ---- delivery window ---------------------------------------------------------------------------

class GatewayWindowTest : public GatewayTest {
 protected:
  GatewayWindowTest() : GatewayTest(config_with(3)) {}
};

TEST_F(GatewayWindowTest, DeliveryBeyondTheWindowClosesASlowConsumer) {
  login(kS1, kAlice);
  for (std::uint64_t m = 1; m <= 3; ++m) deliver(kAlice, kConvA, m);
  deliver(kAlice, kConvA, 2);  // a redelivery does not take another place in the window
  auto fx = drain();
  EXPECT_EQ(all_of<SendFrame>(fx).size(), 4u);
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());

  deliver(kAlice, kConvB, 4);
  fx = drain();
  ASSERT_EQ(errors_to(fx, kS1).size(), 1u);  // the error, not the message
  EXPECT_EQ(errors_to(fx, kS1)[0].code, ErrorCode::slow_consumer);
  EXPECT_EQ(frames_to(fx, kS1).size(), 1u);
  EXPECT_TRUE(closed(fx, kS1, ErrorCode::slow_consumer));
  EXPECT_EQ(gw_.stats().closed_slow_consumer, 1u);

  deliver(kAlice, kConvB, 5);  // nothing after the close
  EXPECT_TRUE(drain().empty());
}

TEST_F(GatewayWindowTest, DeliveredAcksFreeExactlyTheAckedMessage) {
  login(kS1, kAlice);
  for (std::uint64_t m = 1; m <= 3; ++m) deliver(kAlice, kConvA, m);
  frame(kS1, protocol::Delivered{kConvB, MessageId{99}});  // another conversation frees nothing
  frame(kS1, protocol::Delivered{kConvA, MessageId{2}});
  auto fx = drain();
  const auto acks = routed<env::DeliveryAck>(fx);
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[1].device, kAlice);
  EXPECT_EQ(acks[1].conv, kConvA);
  EXPECT_EQ(acks[1].msg, MessageId{2});

  deliver(kAlice, kConvA, 4);  // window: A1, A3, A4 (acking A2 freed only A2)
  EXPECT_TRUE(all_of<CloseSession>(drain()).empty());
  frame(kS1, protocol::Delivered{kConvA, MessageId{1}});
  deliver(kAlice, kConvB, 5);  // window: A3, A4, B5
  EXPECT_TRUE(all_of<CloseSession>(drain()).empty());
  deliver(kAlice, kConvB, 6);
  EXPECT_TRUE(closed(drain(), kS1, ErrorCode::slow_consumer));
}

// ---- client operations → envelopes ----------------------------------------------------------------

struct OpCase {
  std::string name;
  protocol::ClientFrame frame;
  std::function<void(const std::vector<Effect>&)> check;
};

template <class E>
E only(const std::vector<Effect>& fx) {
  const auto all = routed<E>(fx);
  EXPECT_EQ(all.size(), 1u);
  EXPECT_EQ(all_of<Route>(fx).size(), 1u);
  return all.empty() ? E{} : all[0];
}

TEST_F(GatewayTest, EveryClientOperationBecomesItsEnvelope) {
  login(kS1, kAlice);
  const auto frames_before = gw_.stats().frames_in;
  const SessionRef origin{kNode, kS1};
  const ConversationId direct = direct_conversation(kAlice.user, kBob.user).value();
  Body text;
  text.text = "hi";
  const std::vector<OpCase> cases = {
      {"send direct", protocol::Send{"r1", "u1", kBob.user, GroupId{}, text},
       [&](const auto& fx) {
         const auto e = only<env::Submit>(fx);
         EXPECT_EQ(e.origin, origin);
         EXPECT_EQ(e.sender, kAlice);
         EXPECT_EQ(e.rid, "r1");
         EXPECT_EQ(e.client_uuid, "u1");
         EXPECT_EQ(e.conv, direct);
         EXPECT_EQ(e.body, text);
       }},
      {"send group", protocol::Send{"r2", "u2", UserId{}, GroupId{77}, text},
       [&](const auto& fx) { EXPECT_EQ(only<env::Submit>(fx).conv, ConversationId{77}); }},
      {"send to self", protocol::Send{"r3", "u3", kAlice.user, GroupId{}, text},
       [&](const auto& fx) {
         EXPECT_TRUE(all_of<Route>(fx).empty());
         const auto errors = errors_to(fx, kS1);
         ASSERT_EQ(errors.size(), 1u);
         EXPECT_EQ(errors[0].code, ErrorCode::invalid_value);
         EXPECT_EQ(errors[0].rid, "r3");
       }},
      {"delivered", protocol::Delivered{kConvA, MessageId{5}},
       [&](const auto& fx) {
         const auto e = only<env::DeliveryAck>(fx);
         EXPECT_EQ(e.device, kAlice);
         EXPECT_EQ(e.conv, kConvA);
         EXPECT_EQ(e.msg, MessageId{5});
       }},
      {"sync", protocol::Sync{"r4", {{kConvA, MessageId{3}}, {kConvB, MessageId{0}}}, 20},
       [&](const auto& fx) {
         const auto q = routed<env::SyncQuery>(fx);
         ASSERT_EQ(q.size(), 2u);
         EXPECT_EQ(q[0].origin, origin);
         EXPECT_EQ(q[0].device, kAlice);
         EXPECT_EQ(q[0].rid, "r4");
         EXPECT_EQ(q[0].conv, kConvA);
         EXPECT_EQ(q[0].after, MessageId{3});
         EXPECT_EQ(q[0].limit, 20u);
         EXPECT_EQ(q[1].conv, kConvB);
         EXPECT_EQ(q[1].after, MessageId{0});
       }},
      {"history", protocol::History{"r5", kConvA, MessageId{9}, 10},
       [&](const auto& fx) {
         const auto e = only<env::HistoryQuery>(fx);
         EXPECT_EQ(e.origin, origin);
         EXPECT_EQ(e.rid, "r5");
         EXPECT_EQ(e.conv, kConvA);
         EXPECT_EQ(e.before, MessageId{9});
         EXPECT_EQ(e.limit, 10u);
       }},
      {"search", protocol::Search{"r6", "hello world", kConvB, 5},
       [&](const auto& fx) {
         const auto e = only<env::SearchQuery>(fx);
         EXPECT_EQ(e.device, kAlice);
         EXPECT_EQ(e.query, "hello world");
         EXPECT_EQ(e.conv, kConvB);
         EXPECT_EQ(e.limit, 5u);
       }},
      {"read", protocol::Read{kConvA, MessageId{8}},
       [&](const auto& fx) {
         const auto e = only<env::ReadMark>(fx);
         EXPECT_EQ(e.device, kAlice);
         EXPECT_EQ(e.up_to, MessageId{8});
       }},
      {"typing", protocol::Typing{kConvA, false},
       [&](const auto& fx) {
         const auto e = only<env::TypingNotice>(fx);
         EXPECT_EQ(e.conv, kConvA);
         EXPECT_FALSE(e.active);
       }},
      {"presence", protocol::PresenceSubscribe{"r7", kConvB, true},
       [&](const auto& fx) {
         const auto e = only<env::PresenceInterest>(fx);
         EXPECT_EQ(e.origin, origin);
         EXPECT_EQ(e.rid, "r7");
         EXPECT_EQ(e.conv, kConvB);
         EXPECT_TRUE(e.subscribe);
       }},
      {"group create", protocol::GroupCreate{"r8", "friends", {kBob.user, UserId{3}}},
       [&](const auto& fx) {
         const auto e = only<env::GroupCommand>(fx);
         EXPECT_EQ(e.kind, env::GroupCommand::Kind::create);
         EXPECT_EQ(e.actor, kAlice);
         EXPECT_EQ(e.rid, "r8");
         EXPECT_EQ(e.name, "friends");
         EXPECT_EQ(e.users, (std::vector<UserId>{kBob.user, UserId{3}}));
         EXPECT_TRUE(group_conversation(e.group).ok());  // nonzero, bit 63 clear
         EXPECT_EQ(snowflake::decode(e.group.value).node, kNode.value);
       }},
      {"group add", protocol::GroupChange{"r9", protocol::GroupChange::Kind::add, GroupId{77}, {UserId{4}}},
       [&](const auto& fx) {
         const auto e = only<env::GroupCommand>(fx);
         EXPECT_EQ(e.kind, env::GroupCommand::Kind::add);
         EXPECT_EQ(e.group, GroupId{77});
         EXPECT_EQ(e.users, std::vector<UserId>{UserId{4}});
       }},
      {"group remove", protocol::GroupChange{"", protocol::GroupChange::Kind::remove, GroupId{77}, {UserId{4}}},
       [&](const auto& fx) { EXPECT_EQ(only<env::GroupCommand>(fx).kind, env::GroupCommand::Kind::remove); }},
      {"group leave", protocol::GroupChange{"", protocol::GroupChange::Kind::leave, GroupId{77}, {}},
       [&](const auto& fx) { EXPECT_EQ(only<env::GroupCommand>(fx).kind, env::GroupCommand::Kind::leave); }},
      {"group info", protocol::GroupChange{"", protocol::GroupChange::Kind::info, GroupId{77}, {}},
       [&](const auto& fx) { EXPECT_EQ(only<env::GroupCommand>(fx).kind, env::GroupCommand::Kind::info); }},
      {"push register", protocol::PushRegister{"apns-token"},
       [&](const auto& fx) {
         const auto e = only<env::PushTokenSet>(fx);
         EXPECT_EQ(e.device, kAlice);
         EXPECT_EQ(e.token, "apns-token");
       }},
      {"mute", protocol::Mute{kConvA, 123'456},
       [&](const auto& fx) {
         const auto e = only<env::MuteSet>(fx);
         EXPECT_EQ(e.user, kAlice.user);
         EXPECT_EQ(e.conv, kConvA);
         EXPECT_EQ(e.until_ms, 123'456u);
       }},
      {"do not disturb", protocol::DoNotDisturb{1320, 420, -300},
       [&](const auto& fx) {
         const auto e = only<env::DndSet>(fx);
         EXPECT_EQ(e.user, kAlice.user);
         EXPECT_EQ(e.settings, (protocol::DoNotDisturb{1320, 420, -300}));
       }},
      {"ping", protocol::Ping{},
       [&](const auto& fx) {
         EXPECT_TRUE(all_of<Route>(fx).empty());
         EXPECT_TRUE(std::holds_alternative<protocol::Pong>(frames_to(fx, kS1).at(0)));
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    frame(kS1, c.frame);
    c.check(drain());
  }
  EXPECT_EQ(gw_.stats().protocol_errors, 0u);
  EXPECT_EQ(gw_.stats().frames_in, frames_before + cases.size());
}

TEST_F(GatewayTest, GroupIdsAreDistinct) {
  login(kS1, kAlice);
  frame(kS1, protocol::GroupCreate{"a", "one", {}});
  frame(kS1, protocol::GroupCreate{"b", "two", {}});
  const auto commands = routed<env::GroupCommand>(drain());
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_NE(commands[0].group, commands[1].group);
}

// ---- session end ---------------------------------------------------------------------------------

TEST_F(GatewayTest, TransportCloseWithdrawsRegistryPresenceAndWatches) {
  login(kS1, kAlice);
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "r1", kConvA, {UserId{8}, UserId{5}}, true}});
  const auto watches = routed<env::Watch>(drain());
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_TRUE(watches[0].subscribe);
  EXPECT_EQ(watches[0].watcher, (SessionRef{kNode, kS1}));

  gw_.step(gw::Closed{kS1});
  const auto fx = drain();
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());
  EXPECT_TRUE(all_of<SendFrame>(fx).empty());
  const auto requests = all_of<StoreRequest>(fx);
  ASSERT_EQ(requests.size(), 1u);
  const auto& disconnect = std::get<store::RegistryDisconnect>(requests[0].op);
  EXPECT_EQ(disconnect.device, kAlice);
  EXPECT_EQ(disconnect.gateway, kNode);
  EXPECT_EQ(disconnect.session, kS1);
  const auto offline = routed<env::DeviceOffline>(fx);
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0].at, (SessionRef{kNode, kS1}));
  const auto unwatch = routed<env::Watch>(fx);
  ASSERT_EQ(unwatch.size(), 2u);
  EXPECT_EQ(unwatch[0].user, UserId{5});  // in user order: deterministic
  EXPECT_EQ(unwatch[1].user, UserId{8});
  EXPECT_FALSE(unwatch[0].subscribe);
  EXPECT_FALSE(unwatch[1].subscribe);
  EXPECT_EQ(gw_.stats().sessions, 0u);
  EXPECT_EQ(gw_.stats().authenticated, 0u);

  gw_.step(Envelope{env::ToSession{{kNode, kS1}, shared("x")}});
  frame(kS1, protocol::Ping{});
  EXPECT_TRUE(drain().empty());
}

TEST_F(GatewayTest, ClosedSessionGetsNoFrameAfterItsCloseSession) {
  login(kS1, kAlice);
  clock_.advance(3 * limits::heartbeat_interval_ms);
  gw_.tick();
  gw_.step(Envelope{env::ToSession{{kNode, kS1}, shared("late")}});
  deliver(kAlice, kConvA, 1);
  gw_.step(gw::Closed{kS1});  // the transport reports the close we asked for
  const auto fx = drain();
  ASSERT_FALSE(fx.empty());
  EXPECT_TRUE(std::holds_alternative<CloseSession>(fx[1]));
  for (std::size_t i = 2; i < fx.size(); ++i) EXPECT_FALSE(std::holds_alternative<SendFrame>(fx[i]));
  EXPECT_EQ(routed<env::DeviceOffline>(fx).size(), 1u);  // withdrawn once
}

// ---- envelopes → frames --------------------------------------------------------------------------

TEST_F(GatewayTest, EnvelopesReachTheirSessionsWithTheSharedFrame) {
  login(kS1, kAlice);
  login(kS2, kBob);
  const FramePtr reply = shared("reply");
  gw_.step(Envelope{env::ToSession{{kNode, kS1}, reply}});
  gw_.step(Envelope{env::ToSession{{kNode, SessionId{999}}, reply}});
  auto sends = all_of<SendFrame>(drain());
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].session, kS1);
  EXPECT_EQ(sends[0].frame, reply);  // the same pointer: never re-encoded

  const FramePtr typing = shared("typing");
  const DeviceRef offline{UserId{3}, DeviceId{1}};
  gw_.step(Envelope{env::NotifyDevices{kNode, {kAlice, offline, kBob}, typing}});
  sends = all_of<SendFrame>(drain());
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_EQ(sends[0].session, kS1);
  EXPECT_EQ(sends[1].session, kS2);
  EXPECT_EQ(sends[0].frame, typing);

  const FramePtr presence = shared("presence");
  gw_.step(Envelope{env::NotifySessions{kNode, {kS2, SessionId{999}}, presence}});
  sends = all_of<SendFrame>(drain());
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0].session, kS2);

  deliver(offline, kConvA, 1);  // no session for that device: dropped silently
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(gw_.stats().frames_out, 2u + 4u);  // two AuthOk, then the four above
}

TEST_F(GatewayTest, UnwatchForgetsOnlyWatchedUsers) {
  login(kS1, kAlice);
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "", kConvA, {UserId{5}}, true}});
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "", kConvA, {UserId{5}, UserId{6}}, false}});
  const auto watches = routed<env::Watch>(drain());
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_FALSE(watches[1].subscribe);
  EXPECT_EQ(watches[1].user, UserId{5});
  gw_.step(gw::Closed{kS1});
  EXPECT_TRUE(routed<env::Watch>(drain()).empty());
}

class GatewayWatchLimitTest : public GatewayTest {
 protected:
  GatewayWatchLimitTest() : GatewayTest(config_with(limits::device_window_max, 2)) {}
};

TEST_F(GatewayWatchLimitTest, WatchingMoreThanTheLimitIsRefusedWithTheRid) {
  login(kS1, kAlice);
  gw_.step(Envelope{env::WatchList{{kNode, kS1}, "r1", kConvA, {UserId{5}, UserId{6}, UserId{7}}, true}});
  const auto fx = drain();
  const auto watches = routed<env::Watch>(fx);
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[0].user, UserId{5});
  EXPECT_EQ(watches[1].user, UserId{6});
  const auto errors = errors_to(fx, kS1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, ErrorCode::too_many_items);
  EXPECT_EQ(errors[0].rid, "r1");
  EXPECT_TRUE(all_of<CloseSession>(fx).empty());

  gw_.step(gw::Closed{kS1});
  EXPECT_EQ(routed<env::Watch>(drain()).size(), 2u);  // only what was recorded is withdrawn
}

TEST_F(GatewayTest, ManySessionsExpireTogetherAndBusyOnesSurvive) {
  for (std::uint64_t i = 1; i <= 100; ++i) login(SessionId{i}, DeviceRef{UserId{i}, DeviceId{1}});
  clock_.advance(80'000);
  for (std::uint64_t i = 1; i <= 100; i += 2) frame(SessionId{i}, protocol::Ping{});
  drain();
  clock_.advance(10'000);
  gw_.tick();
  const auto fx = drain();
  EXPECT_EQ(all_of<CloseSession>(fx).size(), 50u);
  for (std::uint64_t i = 2; i <= 100; i += 2) EXPECT_TRUE(closed(fx, SessionId{i}, ErrorCode::heartbeat_timeout));
  EXPECT_EQ(gw_.stats().sessions, 50u);
  EXPECT_EQ(gw_.stats().authenticated, 50u);
  EXPECT_EQ(gw_.stats().closed_heartbeat, 50u);
}

}  // namespace
}  // namespace parley
