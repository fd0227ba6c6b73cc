// Key encoding of the RocksDB store: fixed-width big-endian integers, so byte order is numeric
// order; meta keys carry a one-letter tag so the floor and the registry clock never collide.
#include "rocks_keys.hpp"

namespace parley::server::rocks {

std::string_view cf_name(Cf cf) {
  switch (cf) {
    case Cf::messages:
      return "messages";
    case Cf::dedup:
      return "dedup";
    case Cf::receipts:
      return "receipts";
    case Cf::groups:
      return "groups";
    case Cf::user_convs:
      return "user_convs";
    case Cf::search:
      return "search";
    case Cf::registry:
      return "registry";
    case Cf::meta:
      return "meta";
  }
  return "unknown";
}

void put_u64_be(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

std::uint64_t get_u64_be(std::string_view bytes, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

std::string prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

namespace {

std::string two_ids(std::uint64_t a, std::uint64_t b) {
  std::string key;
  key.reserve(16);
  put_u64_be(key, a);
  put_u64_be(key, b);
  return key;
}

std::string one_id(std::uint64_t a) {
  std::string key;
  put_u64_be(key, a);
  return key;
}

}  // namespace

std::string conv_prefix(ConversationId conv) { return one_id(conv.value); }

std::string message_key(ConversationId conv, MessageId id) { return two_ids(conv.value, id.value); }

std::optional<MessageRef> parse_message_key(std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  return MessageRef{ConversationId{get_u64_be(key, 0)}, MessageId{get_u64_be(key, 8)}};
}

std::string dedup_key(UserId sender, std::string_view client_uuid) {
  std::string key = one_id(sender.value);
  key.append(client_uuid);
  return key;
}

std::string receipt_key(ConversationId conv, UserId user) { return two_ids(conv.value, user.value); }

std::string group_key(GroupId group) { return one_id(group.value); }

std::string user_prefix(UserId user) { return one_id(user.value); }

std::string user_conv_key(UserId user, ConversationId conv) { return two_ids(user.value, conv.value); }

std::optional<ConversationId> parse_user_conv_key(std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  return ConversationId{get_u64_be(key, 8)};
}

std::string term_prefix(std::string_view term) {
  std::string key(term);
  key.push_back('\0');
  return key;
}

std::string search_key(std::string_view term, ConversationId conv, MessageId id) {
  std::string key = term_prefix(term);
  put_u64_be(key, conv.value);
  put_u64_be(key, id.value);
  return key;
}

std::string registry_key(UserId user, DeviceId device) { return two_ids(user.value, device.value); }

std::optional<DeviceRef> parse_registry_key(std::string_view key) {
  if (key.size() != 16) return std::nullopt;
  return DeviceRef{UserId{get_u64_be(key, 0)}, DeviceId{get_u64_be(key, 8)}};
}

std::string floor_key(ConversationId conv) {
  std::string key = "f";
  put_u64_be(key, conv.value);
  return key;
}

std::string registry_stamp_key() { return "r"; }

std::string fanout_mark_prefix() { return "o"; }

std::string fanout_mark_key(ConversationId conv) {
  std::string key = fanout_mark_prefix();
  put_u64_be(key, conv.value);
  return key;
}

std::optional<ConversationId> parse_fanout_mark_key(std::string_view key) {
  if (key.size() != 9 || key.substr(0, 1) != fanout_mark_prefix()) return std::nullopt;
  return ConversationId{get_u64_be(key, 1)};
}

}  // namespace parley::server::rocks
