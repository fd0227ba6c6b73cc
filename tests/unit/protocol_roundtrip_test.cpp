// The codec's round-trip property: decode_client(encode(f)) == f for every client frame kind and
// decode_server(encode(f)) == f for every server frame kind; plus the exact text of a few frames
// (ids as strings, escaping, omitted optional fields) that clients rely on.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/protocol.hpp"

namespace parley::protocol {
namespace {

constexpr std::uint64_t big = 9'223'372'036'854'775'809ULL;  // over 2^53: needs a string on the wire

Body text_body(std::string text) { return Body{Body::Kind::text, std::move(text)}; }
Body encrypted_body() {
  Body b;
  b.kind = Body::Kind::encrypted;
  b.data = "3q2+7w==";
  return b;
}
Body media_body(std::string caption) {
  Body b;
  b.kind = Body::Kind::media;
  b.url = "https://media.example/sha256/ab12";
  b.mime = "image/jpeg";
  b.size_bytes = 123'456'789'012ULL;
  b.text = std::move(caption);
  return b;
}
Body system_body() { return Body{Body::Kind::system, "alice added bob"}; }

StoredMessage message(std::uint64_t id, Body body, std::string uuid = "c-1") {
  return StoredMessage{ConversationId{big}, MessageId{id}, UserId{12}, DeviceId{3}, std::move(uuid),
                       std::move(body), 1'767'225'600'123ULL};
}

std::vector<ClientFrame> client_frames() {
  const std::string tricky = "quote\" back\\ nl\n tab\t nul" + std::string(1, '\0') + " \x1f \xc3\xa9 \xf0\x9f\x98\x80";
  return {
      Auth{"header.payload.sig", version},
      Send{"r1", "6f1c-uuid", UserId{2'147'483'647}, GroupId{}, text_body(tricky)},
      Send{"", "u2", UserId{}, GroupId{(1ULL << 63) - 1}, encrypted_body()},
      Send{"r3", "u3", UserId{5}, GroupId{}, media_body("a cat")},
      Send{"r4", "u4", UserId{5}, GroupId{}, media_body("")},
      Delivered{ConversationId{big}, MessageId{UINT64_MAX}},
      Sync{"s", {{ConversationId{1}, MessageId{0}}, {ConversationId{big}, MessageId{77}}}, 200},
      Sync{"", {{ConversationId{3}, MessageId{4}}}, 0},
      History{"h", ConversationId{big}, MessageId{99}, 25},
      History{"", ConversationId{4}, MessageId{}, 0},
      Search{"q", "lunch \"today\"", ConversationId{big}, 10},
      Search{"", "x", ConversationId{}, 0},
      Read{ConversationId{big}, MessageId{5}},
      Typing{ConversationId{6}, true},
      Typing{ConversationId{6}, false},
      PresenceSubscribe{"p", ConversationId{big}, true},
      PresenceSubscribe{"", ConversationId{7}, false},
      GroupCreate{"g", "team \xe2\x9c\x93", {UserId{2}, UserId{3}}},
      GroupCreate{"", "solo", {}},
      GroupChange{"a", GroupChange::Kind::add, GroupId{9}, {UserId{4}}},
      GroupChange{"", GroupChange::Kind::remove, GroupId{9}, {UserId{4}, UserId{5}}},
      GroupChange{"l", GroupChange::Kind::leave, GroupId{9}, {}},
      GroupChange{"", GroupChange::Kind::info, GroupId{9}, {}},
      PushRegister{"fcm:token"},
      PushRegister{""},
      Mute{ConversationId{big}, UINT64_MAX},
      Mute{ConversationId{2}, 0},
      DoNotDisturb{1320, 420, -840},
      DoNotDisturb{0, 0, 840},
      Ping{},
  };
}

std::vector<ServerFrame> server_frames() {
  return {
      AuthOk{UserId{12}, DeviceId{3}, SessionId{big}, 30'000, 1'767'225'600'000ULL},
      Ack{"r1", "6f1c", ConversationId{big}, MessageId{big + 1}, 1'767'225'600'001ULL, false},
      Ack{"", "6f1c", ConversationId{4}, MessageId{5}, 6, true},
      Deliver{message(big, text_body("hi \"there\"\n"))},
      Deliver{message(11, system_body(), "")},
      Deliver{message(12, encrypted_body())},
      SyncDone{"s", ConversationId{big}, MessageId{77}, true, false, MessageId{}},
      SyncDone{"", ConversationId{1}, MessageId{0}, false, true, MessageId{500}},
      HistoryPage{"h", ConversationId{big}, {message(3, media_body("x")), message(2, text_body("y"))}, true},
      HistoryPage{"", ConversationId{1}, {}, false},
      SearchResult{"q", {message(8, text_body("lunch"))}},
      SearchResult{"", {}},
      Receipt{ConversationId{big}, UserId{12}, MessageId{big}},
      TypingUpdate{ConversationId{big}, UserId{12}, true},
      TypingUpdate{ConversationId{1}, UserId{2}, false},
      PresenceUpdate{UserId{12}, true, 0},
      PresenceUpdate{UserId{12}, false, 1'767'225'000'000ULL},
      GroupInfo{"g", GroupId{9}, ConversationId{9}, "team", UserId{2}, {UserId{2}, UserId{3}}},
      Pong{1'767'225'600'000ULL},
      ErrorFrame{"r9", ErrorCode::not_member, "not a member of conversation 5"},
      ErrorFrame{"", ErrorCode::heartbeat_timeout, ""},
  };
}

TEST(ProtocolRoundTrip, EveryClientFrameKind) {
  const auto frames = client_frames();
  std::vector<bool> kinds(std::variant_size_v<ClientFrame>, false);
  for (const ClientFrame& f : frames) {
    kinds[f.index()] = true;
    const std::string text = encode(f);
    const Result<ClientFrame> back = decode_client(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    EXPECT_TRUE(back.value() == f) << text;
    EXPECT_EQ(op_name(back.value()), op_name(f));
  }
  for (std::size_t i = 0; i < kinds.size(); ++i) EXPECT_TRUE(kinds[i]) << "client kind " << i;
}

TEST(ProtocolRoundTrip, EveryServerFrameKind) {
  const auto frames = server_frames();
  std::vector<bool> kinds(std::variant_size_v<ServerFrame>, false);
  for (const ServerFrame& f : frames) {
    kinds[f.index()] = true;
    const std::string text = encode(f);
    const Result<ServerFrame> back = decode_server(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    EXPECT_TRUE(back.value() == f) << text;
  }
  for (std::size_t i = 0; i < kinds.size(); ++i) EXPECT_TRUE(kinds[i]) << "server kind " << i;
}

TEST(ProtocolRoundTrip, EveryErrorCodeSurvivesTheWire) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::internal); ++c) {
    const ServerFrame f = ErrorFrame{"r", static_cast<ErrorCode>(c), "m"};
    const auto back = decode_server(encode(f));
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back.value() == f) << to_string(static_cast<ErrorCode>(c));
  }
}

TEST(ProtocolEncode, ExactTextOfServerFrames) {
  EXPECT_EQ(encode(ServerFrame{Pong{42}}), R"({"op":"pong","time":42})");
  EXPECT_EQ(encode(ServerFrame{Ack{"", "u", ConversationId{big}, MessageId{7}, 9, true}}),
            R"({"op":"ack","id":"u","conv":"9223372036854775809","msg":"7","time":9,"dup":true})");
  EXPECT_EQ(encode(ServerFrame{ErrorFrame{"r1", ErrorCode::too_deep, "x"}}),
            R"({"op":"error","rid":"r1","code":"too_deep","message":"x"})");
  EXPECT_EQ(encode(ServerFrame{Deliver{StoredMessage{ConversationId{5}, MessageId{6}, UserId{}, DeviceId{}, "",
                                                     system_body(), 8}}}),
            R"({"op":"msg","conv":"5","msg":"6","from":"0","device":"0","time":8,)"
            R"("body":{"type":"system","text":"alice added bob"}})");
  EXPECT_EQ(encode(ServerFrame{GroupInfo{"", GroupId{9}, ConversationId{9}, "t", UserId{2}, {UserId{2}, UserId{3}}}}),
            R"({"op":"group","group":"9","conv":"9","name":"t","owner":"2","members":["2","3"]})");
}

TEST(ProtocolEncode, EscapesQuotesBackslashesAndControlBytesOnly) {
  const std::string text = "a\"b\\c\n\x01\x7f\xc3\xa9";
  const std::string out = encode(ServerFrame{ErrorFrame{"", ErrorCode::internal, text}});
  EXPECT_EQ(out, "{\"op\":\"error\",\"code\":\"internal\",\"message\":\"a\\\"b\\\\c\\u000a\\u0001\x7f\xc3\xa9\"}");
}

TEST(ProtocolEncode, ExactTextOfClientFrames) {
  EXPECT_EQ(encode(ClientFrame{Ping{}}), R"({"op":"ping"})");
  EXPECT_EQ(encode(ClientFrame{History{"h", ConversationId{big}, MessageId{}, 0}}),
            R"({"op":"history","rid":"h","conv":"9223372036854775809"})");
  EXPECT_EQ(encode(ClientFrame{GroupChange{"", GroupChange::Kind::leave, GroupId{9}, {}}}),
            R"({"op":"group.leave","group":"9"})");
}

TEST(ProtocolDecodeServer, RefusesMalformedFramesWithoutThrowing) {
  EXPECT_EQ(decode_server("").error().code, ErrorCode::bad_json);
  EXPECT_EQ(decode_server(std::string(100'000, '[')).error().code, ErrorCode::too_deep);
  EXPECT_EQ(decode_server("[]").error().code, ErrorCode::not_an_object);
  EXPECT_EQ(decode_server(R"({"op":"send"})").error().code, ErrorCode::unknown_op);
  EXPECT_EQ(decode_server(R"({"op":"pong"})").error().code, ErrorCode::missing_field);
  EXPECT_EQ(decode_server(R"({"op":"ack","id":"u","conv":"x","msg":"1","time":1,"dup":false})").error().code,
            ErrorCode::invalid_value);
  EXPECT_EQ(decode_server(R"({"op":"history.page","conv":"1","messages":[1],"more":false})").error().code,
            ErrorCode::wrong_type);
}

TEST(ProtocolDecodeServer, UnknownErrorCodeReadsAsInternal) {
  const auto r = decode_server(R"({"op":"error","code":"brand_new","message":"m"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ErrorFrame>(r.value()).code, ErrorCode::internal);
}

TEST(ProtocolDecodeServer, LargeHistoryPageIsNotLimitedByTheClientFrameLimit) {
  std::vector<StoredMessage> page;
  for (std::uint64_t i = 0; i < 10; ++i) page.push_back(message(100 - i, text_body(std::string(16 * 1024, 'z'))));
  const ServerFrame f = HistoryPage{"", ConversationId{1}, page, true};
  const std::string text = encode(f);
  ASSERT_GT(text.size(), 64u * 1024);
  const auto back = decode_server(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back.value() == f);
}

}  // namespace
}  // namespace parley::protocol
