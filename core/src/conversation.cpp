// Conversation ids (see conversation.hpp). The direct id is a bijection of the 62-bit packed pair
// through an invertible mixer, so it is collision-free and its inverse recovers the members.
#include "parley/conversation.hpp"

#include <string>

#include "parley/limits.hpp"

namespace parley {
namespace {

constexpr std::uint64_t mask62 = (1ULL << 62) - 1;
// Multiplication by an odd constant and xorshifts are bijections on 62-bit words.
constexpr std::uint64_t mul = 0x2545f4914f6cdd1dULL & mask62;  // odd
constexpr std::uint64_t mul_inverse = [] {
  std::uint64_t inv = mul;  // Newton iteration for the inverse modulo 2^64, then masked
  for (int i = 0; i < 6; ++i) inv *= 2 - mul * inv;
  return inv & mask62;
}();

constexpr std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 31;
  x = (x * mul) & mask62;
  x ^= x >> 29;
  return x;
}
constexpr std::uint64_t unxorshift(std::uint64_t y, int s) {
  std::uint64_t x = y;
  for (int i = s; i < 62; i += s) x = y ^ (x >> s);
  return x & mask62;
}
constexpr std::uint64_t unmix(std::uint64_t x) {
  x = unxorshift(x, 29);
  x = (x * mul_inverse) & mask62;
  return unxorshift(x, 31);
}
static_assert(unmix(mix(0x123456789abcdefULL & mask62)) == (0x123456789abcdefULL & mask62));

bool valid_user(UserId u) { return u.value != 0 && u.value <= limits::user_id_max; }

}  // namespace

Result<ConversationId> direct_conversation(UserId a, UserId b) {
  if (!valid_user(a) || !valid_user(b)) {
    return Error{ErrorCode::invalid_value,
                 "user ids must be in 1.." + std::to_string(limits::user_id_max)};
  }
  if (a == b) return Error{ErrorCode::invalid_value, "a direct conversation needs two users"};
  const auto [low, high] = a < b ? std::pair{a, b} : std::pair{b, a};
  const std::uint64_t packed = (low.value << 31) | high.value;
  return ConversationId{direct_conversation_bit | mix(packed)};
}

Result<ConversationId> group_conversation(GroupId group) {
  if (group.value == 0 || (group.value & direct_conversation_bit) != 0) {
    return Error{ErrorCode::invalid_value, "group ids must be in 1..2^63-1"};
  }
  return ConversationId{group.value};
}

std::optional<std::pair<UserId, UserId>> direct_members(ConversationId c) {
  if (!is_direct(c) || (c.value & ~direct_conversation_bit) > mask62) return std::nullopt;
  const std::uint64_t packed = unmix(c.value & mask62);
  const UserId low{packed >> 31};
  const UserId high{packed & limits::user_id_max};
  if (!valid_user(low) || !valid_user(high) || !(low < high)) return std::nullopt;
  return std::pair{low, high};
}

}  // namespace parley
