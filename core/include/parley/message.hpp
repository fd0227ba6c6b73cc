// A chat message as stored and delivered. Bodies are either inspectable (text, media, system) or
// opaque end-to-end-encrypted bytes that the server never reads, indexes or previews.
#pragma once

#include <cstdint>
#include <string>

#include "parley/clock.hpp"
#include "parley/ids.hpp"

namespace parley {

struct Body {
  enum class Kind : std::uint8_t { text, encrypted, media, system };
  Kind kind = Kind::text;
  std::string text;               // text: the message; media: optional caption; system: description
  std::string data;               // encrypted: opaque ciphertext (base64 as sent), never inspected
  std::string url;                // media: where the object is (see docs/protocol.md, media)
  std::string mime;               // media: content type
  std::uint64_t size_bytes = 0;   // media: object size
  bool operator==(const Body&) const = default;
};

struct StoredMessage {
  ConversationId conv;
  MessageId id;                   // snowflake; order within conv
  UserId sender;                  // 0 for system messages
  DeviceId sender_device;
  std::string client_uuid;        // the sender's dedup key; empty for system messages
  Body body;
  TimeMs time_ms = 0;             // server time of acceptance (also inside id)
  bool operator==(const StoredMessage&) const = default;
};

}  // namespace parley
