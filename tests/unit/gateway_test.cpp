// Gateway role: sessions driven through inputs with a ManualClock; every test asserts the effects a
// client or another role would observe (frames, closes, envelopes, registry writes).
#include "parley/gateway.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "gateway_harness.hpp"
#include "parley/conversation.hpp"
#include "parley/snowflake.hpp"

namespace parley {
namespace {

using namespace gateway_testing;  // NOLINT: the harness is this file's vocabulary

// ---- authentication ----------------------------------------------------------------------------

TEST_F(GatewayTest, AuthSendsVerifyTokenThenRegistryConnectAndDeviceOnlineThenAuthOk) {
  gw_.step(gw::Opened{kS1});
  frame(kS1, protocol::Auth{"secret-token"});
  auto fx = drain();
  ASSERT_EQ(fx.size(), 1u);
  const auto& verify = std::get<VerifyToken>(fx[0]);
  EXPECT_EQ(verify.session, kS1);
  EXPECT_EQ(verify.token, "secret-token");

  clock_.advance(5);
  const TimeMs auth_time = clock_.now_ms();
  verified(verify.req, claims_of(kAlice));
  fx = drain();
  ASSERT_EQ(fx.size(), 2u);
  EXPECT_TRUE(frames_to(fx, kS1).empty()) << "auth.ok waits for the registry";
  const auto& request = std::get<StoreRequest>(fx[0]);
  const auto& connect = std::get<store::RegistryConnect>(request.op);
  EXPECT_EQ(connect.device, kAlice);
  EXPECT_EQ(connect.gateway, kNode);
  EXPECT_EQ(connect.session, kS1);
  const auto online = routed<env::DeviceOnline>(fx);
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(online[0].device, kAlice);
  EXPECT_EQ(online[0].at, (SessionRef{kNode, kS1}));
  EXPECT_EQ(gw_.stats().sessions, 1u);
  EXPECT_EQ(gw_.stats().authenticated, 1u);

  // A delivery that finds the device registered before auth.ok went out is not sent: the sync the
  // client sends on auth.ok replays it.
  deliver(kAlice, kConvA, 3);
  EXPECT_TRUE(drain().empty());
  clock_.advance(2);
  gw_.step(StoreDone{request.req, store::Outcome{store::Done{}}});
  EXPECT_EQ(frames_to(drain(), kS1),
            (std::vector<protocol::ServerFrame>{protocol::AuthOk{
                kAlice.user, kAlice.device, kS1, limits::heartbeat_interval_ms, auth_time}}));
  deliver(kAlice, kConvA, 4);
  EXPECT_EQ(all_of<SendFrame>(drain()).size(), 1u);
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
  auto fx = drain();
  answer_connects(fx);
  const auto welcome = drain();
  fx.insert(fx.end(), welcome.begin(), welcome.end());

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
