// Server tokens: what is minted verifies; any tampering or a wrong secret does not.
#include "token.hpp"

#include <gtest/gtest.h>

namespace parley::server {
namespace {

constexpr std::string_view secret = "0123456789abcdef-test-secret";

TEST(Token, MintedTokenVerifiesWithItsClaims) {
  const TokenClaims claims{UserId{42}, DeviceId{7}, 1'800'000'000'000ULL};
  const auto token = mint_token(secret, claims);
  auto verified = verify_token(secret, token);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified.value().user, UserId{42});
  EXPECT_EQ(verified.value().device, DeviceId{7});
  EXPECT_EQ(verified.value().expires_ms, 1'800'000'000'000ULL);
}

TEST(Token, RejectsWrongSecretTamperingAndGarbage) {
  const auto token = mint_token(secret, {UserId{42}, DeviceId{7}, 1'800'000'000'000ULL});
  EXPECT_EQ(verify_token("another-secret-of-16b", token).error().code, ErrorCode::auth_failed);
  std::string forged = token;
  forged.replace(forged.find(".42.") + 1, 2, "43");  // claim to be user 43
  EXPECT_FALSE(verify_token(secret, forged).ok());
  std::string flipped = token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(verify_token(secret, flipped).ok());
  for (const char* bad : {"", "v1", "v1.1.1.1", "v2.1.1.1.00", "v1.a.1.1.00", "v1.1.1.1.1.00",
                          "v1.-1.1.1.00", "v1.1.1.99999999999999999999999.00"}) {
    EXPECT_FALSE(verify_token(secret, bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace parley::server
