// Conversation ids. The top bit tells the kind:
//   1 → direct (1:1): a bijective mix of the sorted pair (low, high) of user ids, each < 2^31, so
//       two different pairs can never share an id and the id spreads evenly over shards;
//   0 → group: the GroupId itself (group ids live in [1, 2^63)).
// So a direct id and a group id never collide, and the pair is recoverable from a direct id.
#pragma once

#include <optional>
#include <utility>

#include "parley/error.hpp"
#include "parley/ids.hpp"

namespace parley {

inline constexpr std::uint64_t direct_conversation_bit = 1ULL << 63;

// Errors (invalid_value) when a user id is 0 or over limits::user_id_max, or when a == b.
Result<ConversationId> direct_conversation(UserId a, UserId b);
// Errors (invalid_value) when the group id is 0 or has its top bit set.
Result<ConversationId> group_conversation(GroupId group);

inline bool is_direct(ConversationId c) { return (c.value & direct_conversation_bit) != 0; }
inline bool is_group(ConversationId c) { return c.value != 0 && !is_direct(c); }
inline GroupId group_of(ConversationId c) { return GroupId{c.value}; }  // only when is_group(c)
// The sorted pair of a direct conversation, or nullopt if c is not a valid direct id.
std::optional<std::pair<UserId, UserId>> direct_members(ConversationId c);

}  // namespace parley
