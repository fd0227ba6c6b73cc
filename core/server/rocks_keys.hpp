// Keys of the RocksDB store (docs/architecture.md, Records): one column family per record kind and
// big-endian integers in keys, so a key-ordered scan of one conversation is history order.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parley/ids.hpp"

namespace parley::server::rocks {

enum class Cf : std::uint8_t { messages, dedup, receipts, groups, user_convs, search, registry, meta };
inline constexpr std::size_t cf_count = 8;
inline constexpr std::array<Cf, cf_count> all_cfs{Cf::messages,   Cf::dedup,  Cf::receipts, Cf::groups,
                                                  Cf::user_convs, Cf::search, Cf::registry, Cf::meta};
std::string_view cf_name(Cf cf);

void put_u64_be(std::string& out, std::uint64_t v);
std::uint64_t get_u64_be(std::string_view bytes, std::size_t at);  // caller checks the length

// The smallest key greater than every key starting with prefix; empty when there is none
// (a prefix of 0xff bytes), which callers read as "no upper bound".
std::string prefix_end(std::string prefix);

struct MessageRef {
  ConversationId conv;
  MessageId id;
};

std::string conv_prefix(ConversationId conv);                        // 8 bytes
std::string message_key(ConversationId conv, MessageId id);          // conv · msg
std::optional<MessageRef> parse_message_key(std::string_view key);   // also the dedup value
std::string dedup_key(UserId sender, std::string_view client_uuid);  // sender · uuid
std::string receipt_key(ConversationId conv, UserId user);           // conv · user
std::string group_key(GroupId group);
std::string user_prefix(UserId user);                         // 8 bytes
std::string user_conv_key(UserId user, ConversationId conv);  // user · conv
std::optional<ConversationId> parse_user_conv_key(std::string_view key);
// Search terms never contain a 0 byte (it separates words), so "term 0x00" is an exact prefix.
std::string term_prefix(std::string_view term);  // term · 0x00
std::string search_key(std::string_view term, ConversationId conv, MessageId id);
std::string registry_key(UserId user, DeviceId device);  // user · device
std::optional<DeviceRef> parse_registry_key(std::string_view key);
std::string floor_key(ConversationId conv);  // meta: retention floor
std::string registry_stamp_key();            // meta: registry clock
// meta: a conversation's fan-out mark ("o" · conv), so one prefix scan lists them in id order.
std::string fanout_mark_prefix();
std::string fanout_mark_key(ConversationId conv);
std::optional<ConversationId> parse_fanout_mark_key(std::string_view key);

}  // namespace parley::server::rocks
