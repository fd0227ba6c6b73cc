// Strong id types shared by every role and runtime. An id is a 64-bit value with a tag type, so a
// UserId can never be passed where a ConversationId is expected; all are ordered and hashable.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace parley {

template <class Tag>
struct Id {
  std::uint64_t value = 0;

  constexpr Id() = default;
  constexpr explicit Id(std::uint64_t v) : value(v) {}
  constexpr auto operator<=>(const Id&) const = default;
  constexpr explicit operator bool() const { return value != 0; }
};

using UserId = Id<struct UserIdTag>;                  // account; valid range 1 .. limits::user_id_max
using DeviceId = Id<struct DeviceIdTag>;              // one device of a user (phone, laptop, ...)
using ConversationId = Id<struct ConversationIdTag>;  // see conversation.hpp for the two kinds
using GroupId = Id<struct GroupIdTag>;                // a group's own id space (< 2^63)
using MessageId = Id<struct MessageIdTag>;            // a snowflake, ordered within a conversation
using SessionId = Id<struct SessionIdTag>;            // one transport connection at one gateway
using NodeId = Id<struct NodeIdTag>;                  // a server node (gateway, chat, ...); < 1024
using RequestId = Id<struct RequestIdTag>;            // correlates an effect with its completion

// A user's device as one value: fan-out and delivery tracking are per device.
struct DeviceRef {
  UserId user;
  DeviceId device;
  constexpr auto operator<=>(const DeviceRef&) const = default;
};

}  // namespace parley

template <class Tag>
struct std::hash<parley::Id<Tag>> {
  std::size_t operator()(parley::Id<Tag> id) const noexcept {
    // splitmix64 finaliser: snowflakes and sequential ids would cluster in std::hash's identity.
    std::uint64_t z = id.value + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(z ^ (z >> 31));
  }
};

template <>
struct std::hash<parley::DeviceRef> {
  std::size_t operator()(const parley::DeviceRef& d) const noexcept {
    return std::hash<parley::UserId>{}(d.user) * 31 + std::hash<parley::DeviceId>{}(d.device);
  }
};
