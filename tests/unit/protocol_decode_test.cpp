// decode_client against hostile input: a table of malformed frames, each mapped to the ErrorCode
// a client would see (docs/protocol.md, "Error codes"), then positive decodes of every op.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/limits.hpp"
#include "parley/protocol.hpp"

namespace parley::protocol {
namespace {

struct BadFrame {
  std::string name;
  std::string text;
  ErrorCode expected;
};

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

std::string send_with_body(const std::string& body) {
  return R"({"op":"send","id":"u1","to":"7","body":)" + body + "}";
}
std::string delivered_conv(const std::string& conv) {
  return R"({"op":"delivered","msg":"5","conv":)" + conv + "}";
}
std::string id_list(std::size_t n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i) s += (i ? ",\"" : "\"") + std::to_string(i + 1) + "\"";
  return s + "]";
}
std::string positions(std::size_t n) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i) s += std::string(i ? "," : "") + R"({"conv":"1","after":"0"})";
  return s + "]";
}
std::string nested_objects(std::size_t depth) {
  std::string s = R"({"op":"ping","x":)";
  for (std::size_t i = 1; i < depth; ++i) s += R"({"a":)";
  s += "1";
  for (std::size_t i = 0; i < depth; ++i) s += "}";
  return s;
}
// A syntactically valid frame padded to `bytes` with an ignored member.
std::string padded_frame(std::size_t bytes) {
  const std::string head = R"({"op":"ping","pad":")";
  return head + repeat('x', bytes - head.size() - 2) + "\"}";
}

std::vector<BadFrame> bad_frames() {
  using E = ErrorCode;
  const std::string long_text = repeat('a', limits::text_bytes_max + 1);
  return {
      // Frame level.
      {"empty", "", E::bad_json},
      {"not_json", "hello", E::bad_json},
      {"truncated", R"({"op":"ping")", E::bad_json},
      {"trailing_garbage", R"({"op":"ping"} x)", E::bad_json},
      {"single_quotes", "{'op':'ping'}", E::bad_json},
      {"invalid_utf8", "{\"op\":\"ping\",\"x\":\"\xff\"}", E::bad_json},
      {"overlong_utf8", "{\"op\":\"ping\",\"x\":\"\xc0\xaf\"}", E::bad_json},
      {"truncated_utf8", "{\"op\":\"ping\",\"x\":\"\xe2\x82\"}", E::bad_json},
      {"lone_surrogate_escape", R"({"op":"ping","x":"\ud800"})", E::bad_json},
      {"one_byte_over_frame_limit", padded_frame(limits::frame_bytes_max + 1), E::frame_too_large},
      {"one_mib_frame", padded_frame(1 << 20), E::frame_too_large},
      // The size check comes first, so 100 000 '[' are refused before any scan; a bomb that
      // fits in a frame reaches the depth pre-scan (decode_server, without the size limit,
      // meets the 100 000 one: see protocol_roundtrip_test.cpp).
      {"depth_bomb_100k_brackets", repeat('[', 100'000), E::frame_too_large},
      {"depth_bomb_frame_sized", repeat('[', limits::frame_bytes_max), E::too_deep},
      {"depth_bomb_inside_object", R"({"op":"ping","x":)" + repeat('[', 20), E::too_deep},
      {"nesting_17", nested_objects(limits::json_depth_max + 1), E::too_deep},
      {"top_level_array", R"([{"op":"ping"}])", E::not_an_object},
      {"top_level_string", R"("ping")", E::not_an_object},
      {"top_level_number", "42", E::not_an_object},
      {"top_level_null", "null", E::not_an_object},
      {"missing_op", R"({"rid":"r"})", E::missing_field},
      {"op_number", R"({"op":7})", E::wrong_type},
      {"op_null", R"({"op":null})", E::wrong_type},
      {"op_unknown", R"({"op":"fly"})", E::unknown_op},
      {"op_server_only", R"({"op":"ack"})", E::unknown_op},
      {"op_case", R"({"op":"PING"})", E::unknown_op},
      {"version_2", R"({"op":"ping","v":2})", E::unsupported_version},
      {"version_0", R"({"op":"ping","v":0})", E::unsupported_version},
      {"version_negative", R"({"op":"ping","v":-1})", E::unsupported_version},
      {"version_string", R"({"op":"ping","v":"1"})", E::wrong_type},
      {"version_float", R"({"op":"ping","v":1.5})", E::wrong_type},
      {"rid_number", R"({"op":"ping","rid":5})", E::wrong_type},
      {"rid_too_long", R"({"op":"ping","rid":")" + repeat('r', limits::request_ref_bytes_max + 1) + "\"}", E::body_too_large},
      // auth
      {"auth_missing_token", R"({"op":"auth"})", E::missing_field},
      {"auth_empty_token", R"({"op":"auth","token":""})", E::invalid_value},
      {"auth_token_number", R"({"op":"auth","token":12})", E::wrong_type},
      {"auth_token_too_long", R"({"op":"auth","token":")" + repeat('t', limits::token_bytes_max + 1) + "\"}", E::body_too_large},
      // send
      {"send_missing_id", R"({"op":"send","to":"7","body":{"type":"text","text":"hi"}})", E::missing_field},
      {"send_empty_id", R"({"op":"send","id":"","to":"7","body":{"type":"text","text":"hi"}})", E::invalid_value},
      {"send_id_too_long", R"({"op":"send","id":")" + repeat('u', limits::client_uuid_bytes_max + 1) + R"(","to":"7","body":{"type":"text","text":"hi"}})", E::body_too_large},
      {"send_to_and_group", R"({"op":"send","id":"u","to":"7","group":"9","body":{"type":"text","text":"hi"}})", E::invalid_value},
      {"send_neither_to_nor_group", R"({"op":"send","id":"u","body":{"type":"text","text":"hi"}})", E::invalid_value},
      {"send_to_over_user_id_max", R"({"op":"send","id":"u","to":")" + std::to_string(limits::user_id_max + 1) + R"(","body":{"type":"text","text":"hi"}})", E::invalid_value},
      {"send_group_top_bit", R"({"op":"send","id":"u","group":"9223372036854775808","body":{"type":"text","text":"hi"}})", E::invalid_value},
      {"send_missing_body", R"({"op":"send","id":"u","to":"7"})", E::missing_field},
      {"send_body_string", send_with_body(R"("hi")"), E::wrong_type},
      {"body_missing_type", send_with_body(R"({"text":"hi"})"), E::missing_field},
      {"body_unknown_type", send_with_body(R"({"type":"video"})"), E::invalid_value},
      {"body_system_from_client", send_with_body(R"({"type":"system","text":"x joined"})"), E::invalid_value},
      {"text_empty", send_with_body(R"({"type":"text","text":""})"), E::invalid_value},
      {"text_number", send_with_body(R"({"type":"text","text":1})"), E::wrong_type},
      {"text_too_long", send_with_body(R"({"type":"text","text":")" + long_text + "\"}"), E::body_too_large},
      {"encrypted_missing_data", send_with_body(R"({"type":"encrypted"})"), E::missing_field},
      {"encrypted_bad_base64", send_with_body(R"({"type":"encrypted","data":"ab$d"})"), E::invalid_value},
      {"encrypted_inner_padding", send_with_body(R"({"type":"encrypted","data":"ab=d"})"), E::invalid_value},
      {"encrypted_too_long", send_with_body(R"({"type":"encrypted","data":")" + repeat('A', limits::opaque_bytes_max + 4) + "\"}"), E::body_too_large},
      {"media_missing_url", send_with_body(R"({"type":"media","mime":"image/png","size":1})"), E::missing_field},
      {"media_url_too_long", send_with_body(R"({"type":"media","url":")" + repeat('u', limits::media_url_bytes_max + 1) + R"(","mime":"image/png","size":1})"), E::body_too_large},
      {"media_mime_too_long", send_with_body(R"({"type":"media","url":"https://x/y","mime":")" + repeat('m', limits::mime_bytes_max + 1) + R"(","size":1})"), E::body_too_large},
      {"media_size_negative", send_with_body(R"({"type":"media","url":"https://x/y","mime":"a/b","size":-1})"), E::invalid_value},
      {"media_size_string", send_with_body(R"({"type":"media","url":"https://x/y","mime":"a/b","size":"1"})"), E::wrong_type},
      // ids (conv of "delivered")
      {"id_negative", delivered_conv("-5"), E::invalid_value},
      {"id_float", delivered_conv("5.5"), E::wrong_type},
      {"id_exponent", delivered_conv("5e3"), E::wrong_type},
      {"id_12a", delivered_conv(R"("12a")"), E::invalid_value},
      {"id_empty_string", delivered_conv(R"("")"), E::invalid_value},
      {"id_zero_string", delivered_conv(R"("0")"), E::invalid_value},
      {"id_zero_integer", delivered_conv("0"), E::invalid_value},
      {"id_21_digits", delivered_conv(R"("100000000000000000000")"), E::invalid_value},
      {"id_over_uint64", delivered_conv(R"("18446744073709551616")"), E::invalid_value},
      {"id_integer_over_uint64", delivered_conv("18446744073709551616"), E::wrong_type},
      {"id_plus_sign", delivered_conv(R"("+5")"), E::invalid_value},
      {"id_minus_sign", delivered_conv(R"("-5")"), E::invalid_value},
      {"id_space", delivered_conv(R"(" 5")"), E::invalid_value},
      {"id_bool", delivered_conv("true"), E::wrong_type},
      {"id_null", delivered_conv("null"), E::wrong_type},
      {"id_object", delivered_conv(R"({"id":"5"})"), E::wrong_type},
      {"delivered_missing_msg", R"({"op":"delivered","conv":"5"})", E::missing_field},
      // sync
      {"sync_missing_positions", R"({"op":"sync"})", E::missing_field},
      {"sync_positions_object", R"({"op":"sync","positions":{}})", E::wrong_type},
      {"sync_positions_empty", R"({"op":"sync","positions":[]})", E::invalid_value},
      {"sync_too_many_positions", R"({"op":"sync","positions":)" + positions(limits::sync_positions_max + 1) + "}", E::too_many_items},
      {"sync_position_not_object", R"({"op":"sync","positions":["1"]})", E::wrong_type},
      {"sync_position_missing_after", R"({"op":"sync","positions":[{"conv":"1"}]})", E::missing_field},
      {"sync_position_bad_conv", R"({"op":"sync","positions":[{"conv":"x","after":"0"}]})", E::invalid_value},
      {"limit_over_max", R"({"op":"history","conv":"1","limit":201})", E::invalid_value},
      {"limit_negative", R"({"op":"history","conv":"1","limit":-1})", E::invalid_value},
      {"limit_string", R"({"op":"history","conv":"1","limit":"10"})", E::wrong_type},
      {"limit_float", R"({"op":"sync","positions":[{"conv":"1","after":"0"}],"limit":1.5})", E::wrong_type},
      // history, search, read, typing, presence
      {"history_missing_conv", R"({"op":"history"})", E::missing_field},
      {"history_bad_before", R"({"op":"history","conv":"1","before":"x"})", E::invalid_value},
      {"search_missing_q", R"({"op":"search"})", E::missing_field},
      {"search_empty_q", R"({"op":"search","q":""})", E::invalid_value},
      {"search_q_too_long", R"({"op":"search","q":")" + repeat('q', limits::search_query_bytes_max + 1) + "\"}", E::body_too_large},
      {"search_limit_over_max", R"({"op":"search","q":"a","limit":1000})", E::invalid_value},
      {"read_missing_up_to", R"({"op":"read","conv":"1"})", E::missing_field},
      {"read_up_to_zero", R"({"op":"read","conv":"1","up_to":"0"})", E::invalid_value},
      {"typing_active_string", R"({"op":"typing","conv":"1","active":"yes"})", E::wrong_type},
      {"presence_missing_conv", R"({"op":"presence.subscribe"})", E::missing_field},
      {"unsubscribe_conv_array", R"({"op":"presence.unsubscribe","conv":["1"]})", E::wrong_type},
      // groups
      {"group_create_missing_name", R"({"op":"group.create","members":[]})", E::missing_field},
      {"group_create_empty_name", R"({"op":"group.create","name":"","members":[]})", E::invalid_value},
      {"group_create_name_too_long", R"({"op":"group.create","name":")" + repeat('n', limits::group_name_bytes_max + 1) + R"(","members":[]})", E::body_too_large},
      {"group_create_missing_members", R"({"op":"group.create","name":"g"})", E::missing_field},
      {"group_create_too_many_members", R"({"op":"group.create","name":"g","members":)" + id_list(limits::users_per_request_max + 1) + "}", E::too_many_items},
      {"group_create_member_12a", R"({"op":"group.create","name":"g","members":["1","12a"]})", E::invalid_value},
      {"group_create_member_over_user_id_max", R"({"op":"group.create","name":"g","members":[2147483648]})", E::invalid_value},
      {"group_add_missing_users", R"({"op":"group.add","group":"9"})", E::missing_field},
      {"group_add_empty_users", R"({"op":"group.add","group":"9","users":[]})", E::invalid_value},
      {"group_remove_users_string", R"({"op":"group.remove","group":"9","users":"1"})", E::wrong_type},
      {"group_leave_missing_group", R"({"op":"group.leave"})", E::missing_field},
      {"group_info_group_zero", R"({"op":"group.info","group":"0"})", E::invalid_value},
      // push, mute, dnd
      {"push_missing_token", R"({"op":"push.register"})", E::missing_field},
      {"push_token_too_long", R"({"op":"push.register","token":")" + repeat('t', limits::token_bytes_max + 1) + "\"}", E::body_too_large},
      {"mute_missing_until", R"({"op":"mute","conv":"1"})", E::missing_field},
      {"mute_until_float", R"({"op":"mute","conv":"1","until":1.5})", E::wrong_type},
      {"dnd_start_1440", R"({"op":"dnd","start":1440,"end":0,"utc_offset":0})", E::invalid_value},
      {"dnd_start_string", R"({"op":"dnd","start":"60","end":0,"utc_offset":0})", E::wrong_type},
      {"dnd_offset_841", R"({"op":"dnd","start":0,"end":60,"utc_offset":841})", E::invalid_value},
      {"dnd_offset_minus_841", R"({"op":"dnd","start":0,"end":60,"utc_offset":-841})", E::invalid_value},
      {"dnd_missing_end", R"({"op":"dnd","start":0,"utc_offset":0})", E::missing_field},
  };
}

void PrintTo(const BadFrame& c, std::ostream* os) { *os << c.name; }

class ProtocolDecodeBad : public ::testing::TestWithParam<BadFrame> {};

TEST_P(ProtocolDecodeBad, RefusedWithExpectedCode) {
  const BadFrame& c = GetParam();
  const Result<ClientFrame> r = decode_client(c.text);
  ASSERT_FALSE(r.ok()) << "decoded although malformed: " << c.text.substr(0, 200);
  EXPECT_EQ(to_string(r.error().code), to_string(c.expected)) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

INSTANTIATE_TEST_SUITE_P(Table, ProtocolDecodeBad, ::testing::ValuesIn(bad_frames()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(ProtocolDecodeTable, HasAtLeastFortyFiveCasesWithUniqueNames) {
  const auto cases = bad_frames();
  EXPECT_GE(cases.size(), 45u);
}

TEST(ProtocolDecodeErrors, MessageNamesTheField) {
  const auto r = decode_client(delivered_conv("true"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "field 'conv' must be a decimal id string");
  const auto nested = decode_client(send_with_body(R"({"type":"text","text":""})"));
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.error().message.find("'body.text'"), std::string::npos) << nested.error().message;
  const auto item = decode_client(R"({"op":"group.create","name":"g","members":["1","x"]})");
  ASSERT_FALSE(item.ok());
  EXPECT_NE(item.error().message.find("'members[1]'"), std::string::npos) << item.error().message;
}

TEST(ProtocolDecodeErrors, RidIsReportedWhenDecodingFailsAfterIt) {
  std::string rid;
  auto r = decode_client(R"({"op":"history","rid":"r-17"})", &rid);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::missing_field);
  EXPECT_EQ(rid, "r-17");

  rid.clear();
  r = decode_client(R"({"rid":"r-18","op":"teleport"})", &rid);
  EXPECT_EQ(r.error().code, ErrorCode::unknown_op);
  EXPECT_EQ(rid, "r-18");

  rid.clear();
  r = decode_client(R"({"op":"search","rid":"r-19","q":"a","v":3})", &rid);
  EXPECT_EQ(r.error().code, ErrorCode::unsupported_version);
  EXPECT_EQ(rid, "r-19");
}

TEST(ProtocolDecodeErrors, RidIsNotReportedWhenUnreadable) {
  std::string rid = "untouched";
  auto r = decode_client(R"({"op":"history","rid":"r-17")", &rid);  // bad JSON
  EXPECT_EQ(r.error().code, ErrorCode::bad_json);
  EXPECT_EQ(rid, "untouched");
  r = decode_client(R"({"op":"history","rid":17})", &rid);
  EXPECT_EQ(r.error().code, ErrorCode::wrong_type);
  EXPECT_EQ(rid, "untouched");
}

TEST(ProtocolDecodeErrors, DepthCountsOnlyStructureOutsideStrings) {
  // Brackets and escaped quotes inside strings are text, not nesting.
  const std::string text = R"({"op":"send","id":"u","to":"7","body":{"type":"text","text":")" +
                           repeat('[', 1000) + R"(\"{{{{{{{{{{{{{{{{{{{{{{{{{{{"}})";
  const auto r = decode_client(text);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(std::get<Send>(r.value()).body.text, repeat('[', 1000) + "\"" + repeat('{', 27));
  // Exactly at the limit is fine.
  EXPECT_TRUE(decode_client(nested_objects(limits::json_depth_max)).ok());
}

TEST(ProtocolDecodeErrors, FrameExactlyAtTheLimitIsAccepted) {
  EXPECT_TRUE(decode_client(padded_frame(limits::frame_bytes_max)).ok());
}


// ---- positive decodes, one per op ---------------------------------------------------------------

template <class T>
T decode_as(const std::string& text) {
  const Result<ClientFrame> r = decode_client(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << " in " << text;
  if (!r.ok() || !std::holds_alternative<T>(r.value())) {
    ADD_FAILURE() << "wrong frame kind for " << text;
    return T{};
  }
  return std::get<T>(r.value());
}

TEST(ProtocolDecodeOps, Auth) {
  const auto a = decode_as<Auth>(R"({"op":"auth","v":1,"token":"tok.en"})");
  EXPECT_EQ(a.token, "tok.en");
  EXPECT_EQ(a.v, version);
}

TEST(ProtocolDecodeOps, SendTextToUser) {
  const auto s = decode_as<Send>(
      R"({"op":"send","rid":"r1","id":"6f1c","to":"42","body":{"type":"text","text":"h\u00e9 \"x\"\n"}})");
  EXPECT_EQ(s.rid, "r1");
  EXPECT_EQ(s.client_uuid, "6f1c");
  EXPECT_EQ(s.to, UserId{42});
  EXPECT_FALSE(s.group);
  EXPECT_EQ(s.body.kind, Body::Kind::text);
  EXPECT_EQ(s.body.text, "h\xc3\xa9 \"x\"\n");
}

TEST(ProtocolDecodeOps, SendEncryptedAndMediaToGroup) {
  const auto e = decode_as<Send>(
      R"({"op":"send","id":"u","group":"9223372036854775807","body":{"type":"encrypted","data":"AAEC/+8="}})");
  EXPECT_EQ(e.group, GroupId{(1ULL << 63) - 1});
  EXPECT_EQ(e.body.kind, Body::Kind::encrypted);
  EXPECT_EQ(e.body.data, "AAEC/+8=");
  const auto m = decode_as<Send>(
      R"({"op":"send","id":"u","group":"3","body":{"type":"media","url":"https://m/x","mime":"image/png","size":1234,"caption":"cat"}})");
  EXPECT_EQ(m.body.kind, Body::Kind::media);
  EXPECT_EQ(m.body.url, "https://m/x");
  EXPECT_EQ(m.body.mime, "image/png");
  EXPECT_EQ(m.body.size_bytes, 1234u);
  EXPECT_EQ(m.body.text, "cat");
}

TEST(ProtocolDecodeOps, Base64Variants) {
  for (const char* data : {"QQ==", "QUI=", "QUJD", "QUJDRA", "QUJDREU"}) {
    const std::string text = send_with_body(std::string(R"({"type":"encrypted","data":")") + data + "\"}");
    EXPECT_TRUE(decode_client(text).ok()) << data;
  }
  for (const char* data : {"Q", "QQ=", "Q===", "QQ==QQ==", "QU-D", "QU_D"}) {
    const std::string text = send_with_body(std::string(R"({"type":"encrypted","data":")") + data + "\"}");
    EXPECT_FALSE(decode_client(text).ok()) << data;
  }
}

TEST(ProtocolDecodeOps, DeliveredAcceptsStringAndIntegerIds) {
  const auto d = decode_as<Delivered>(R"({"op":"delivered","conv":"18446744073709551615","msg":77})");
  EXPECT_EQ(d.conv, ConversationId{UINT64_MAX});
  EXPECT_EQ(d.msg, MessageId{77});
}

TEST(ProtocolDecodeOps, Sync) {
  const auto s = decode_as<Sync>(
      R"({"op":"sync","rid":"s","positions":[{"conv":"1","after":"0"},{"conv":"2","after":"99"}],"limit":200})");
  ASSERT_EQ(s.positions.size(), 2u);
  EXPECT_EQ(s.positions[0], (SyncPosition{ConversationId{1}, MessageId{0}}));
  EXPECT_EQ(s.positions[1], (SyncPosition{ConversationId{2}, MessageId{99}}));
  EXPECT_EQ(s.limit, 200u);
  EXPECT_EQ(decode_as<Sync>(R"({"op":"sync","positions":)" + positions(limits::sync_positions_max) + "}")
                .positions.size(),
            limits::sync_positions_max);
}

TEST(ProtocolDecodeOps, HistoryDefaultsLeaveZero) {
  const auto h = decode_as<History>(R"({"op":"history","conv":"5"})");
  EXPECT_EQ(h.conv, ConversationId{5});
  EXPECT_FALSE(h.before);
  EXPECT_EQ(h.limit, 0u);  // the role applies page_size_default
  const auto h2 = decode_as<History>(R"({"op":"history","rid":"h","conv":"5","before":"100","limit":0})");
  EXPECT_EQ(h2.before, MessageId{100});
  EXPECT_EQ(h2.rid, "h");
}

TEST(ProtocolDecodeOps, Search) {
  const auto s = decode_as<Search>(R"({"op":"search","q":"lunch","conv":"8","limit":10})");
  EXPECT_EQ(s.query, "lunch");
  EXPECT_EQ(s.conv, ConversationId{8});
  EXPECT_EQ(s.limit, 10u);
  EXPECT_FALSE(decode_as<Search>(R"({"op":"search","q":"x"})").conv);
}

TEST(ProtocolDecodeOps, ReadAndTyping) {
  const auto r = decode_as<Read>(R"({"op":"read","conv":"5","up_to":"6"})");
  EXPECT_EQ(r.up_to, MessageId{6});
  EXPECT_TRUE(decode_as<Typing>(R"({"op":"typing","conv":"5"})").active);
  EXPECT_FALSE(decode_as<Typing>(R"({"op":"typing","conv":"5","active":false})").active);
}

TEST(ProtocolDecodeOps, PresenceSubscribeAndUnsubscribe) {
  const auto s = decode_as<PresenceSubscribe>(R"({"op":"presence.subscribe","rid":"p","conv":"5"})");
  EXPECT_TRUE(s.subscribe);
  EXPECT_EQ(s.rid, "p");
  EXPECT_FALSE(decode_as<PresenceSubscribe>(R"({"op":"presence.unsubscribe","conv":"5"})").subscribe);
}

TEST(ProtocolDecodeOps, GroupOps) {
  const auto c = decode_as<GroupCreate>(R"({"op":"group.create","name":"team","members":["2",3]})");
  EXPECT_EQ(c.name, "team");
  EXPECT_EQ(c.members, (std::vector<UserId>{UserId{2}, UserId{3}}));
  EXPECT_TRUE(decode_as<GroupCreate>(R"({"op":"group.create","name":"solo","members":[]})").members.empty());
  const auto add = decode_as<GroupChange>(R"({"op":"group.add","group":"9","users":["2147483647"]})");
  EXPECT_EQ(add.kind, GroupChange::Kind::add);
  EXPECT_EQ(add.users, std::vector<UserId>{UserId{limits::user_id_max}});
  EXPECT_EQ(decode_as<GroupChange>(R"({"op":"group.remove","group":"9","users":["4"]})").kind,
            GroupChange::Kind::remove);
  EXPECT_EQ(decode_as<GroupChange>(R"({"op":"group.leave","group":"9"})").kind, GroupChange::Kind::leave);
  const auto info = decode_as<GroupChange>(R"({"op":"group.info","rid":"i","group":"9","users":"ignored"})");
  EXPECT_EQ(info.kind, GroupChange::Kind::info);
  EXPECT_EQ(info.group, GroupId{9});
  EXPECT_TRUE(info.users.empty());
}

TEST(ProtocolDecodeOps, PushMuteDndPing) {
  EXPECT_EQ(decode_as<PushRegister>(R"({"op":"push.register","token":"apns:ab"})").token, "apns:ab");
  EXPECT_EQ(decode_as<PushRegister>(R"({"op":"push.register","token":""})").token, "");
  const auto m = decode_as<Mute>(R"({"op":"mute","conv":"5","until":"18446744073709551615"})");
  EXPECT_EQ(m.until_ms, UINT64_MAX);
  EXPECT_EQ(decode_as<Mute>(R"({"op":"mute","conv":"5","until":0})").until_ms, 0u);
  const auto d = decode_as<DoNotDisturb>(R"({"op":"dnd","start":1320,"end":420,"utc_offset":-300})");
  EXPECT_EQ(d.start_minute, 1320u);
  EXPECT_EQ(d.end_minute, 420u);
  EXPECT_EQ(d.utc_offset_minutes, -300);
  decode_as<Ping>(R"({"op":"ping"})");
}

TEST(ProtocolDecodeOps, UnknownFieldsAreIgnored) {
  const auto p = decode_as<Typing>(R"({"op":"typing","conv":"5","future":{"a":[1,2]},"x":null})");
  EXPECT_EQ(p.conv, ConversationId{5});
  decode_as<Ping>(R"({"op":"ping","rid":"z"})");  // rid is accepted on every op
}

TEST(ProtocolDecodeOps, LimitsExactlyAtTheirMaximumAreAccepted) {
  EXPECT_EQ(decode_as<Send>(send_with_body(R"({"type":"text","text":")" + repeat('a', limits::text_bytes_max) + "\"}"))
                .body.text.size(),
            limits::text_bytes_max);
  EXPECT_EQ(decode_as<History>(R"({"op":"history","conv":"1","limit":200})").limit, limits::page_size_max);
  EXPECT_EQ(decode_as<GroupCreate>(R"({"op":"group.create","name":"g","members":)" +
                                   id_list(limits::users_per_request_max) + "}")
                .members.size(),
            limits::users_per_request_max);
}

}  // namespace
}  // namespace parley::protocol
