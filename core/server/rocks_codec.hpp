// Values of the RocksDB store: a version byte, then fixed-width little-endian integers and
// u32-length-prefixed strings. Ids that the key already holds are not repeated. Decoding checks
// every length and never trusts the bytes: a corrupt value is an Error{internal}, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parley/error.hpp"
#include "parley/message.hpp"
#include "parley/records.hpp"

namespace parley::server::rocks {

inline constexpr std::uint8_t value_version = 1;

// A registry entry: where the device is, and the registry clock at its last change, which
// orders "oldest offline device" for eviction (as MemoryStore does).
struct DeviceEntry {
  DeviceLocation location;
  std::uint64_t touched = 0;
};

std::string encode_message(const StoredMessage& m);
Result<StoredMessage> decode_message(ConversationId conv, MessageId id, std::string_view value);

std::string encode_group(const GroupRecord& g);
Result<GroupRecord> decode_group(GroupId id, std::string_view value);

std::string encode_device(const DeviceEntry& e);
Result<DeviceEntry> decode_device(DeviceRef device, std::string_view value);

// Plain counters and message ids (receipts, floors, the registry clock): 8 bytes big-endian.
std::string encode_u64(std::uint64_t v);
Result<std::uint64_t> decode_u64(std::string_view value, std::string_view what);

}  // namespace parley::server::rocks
