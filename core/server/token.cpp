// HMAC-SHA256 tokens (see token.hpp), with OpenSSL's one-shot HMAC and constant-time compare.
#include "token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

namespace parley::server {
namespace {

std::string hmac_hex(std::string_view secret, std::string_view payload) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac.data(), &length);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(digits[mac[i] >> 4]);
    hex.push_back(digits[mac[i] & 0xf]);
  }
  return hex;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto dot = s.find('.', start);
    parts.push_back(s.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

Error bad(std::string message) { return Error{ErrorCode::auth_failed, std::move(message)}; }

}  // namespace

std::string mint_token(std::string_view secret, const TokenClaims& claims) {
  const std::string payload = "v1." + std::to_string(claims.user.value) + "." +
                              std::to_string(claims.device.value) + "." +
                              std::to_string(claims.expires_ms);
  return payload + "." + hmac_hex(secret, payload);
}

Result<TokenClaims> verify_token(std::string_view secret, std::string_view token) {
  const auto parts = split_dots(token);
  if (parts.size() != 5 || parts[0] != "v1") return bad("token is not a v1 parley token");
  const auto user = parse_u64(parts[1]);
  const auto device = parse_u64(parts[2]);
  const auto expires = parse_u64(parts[3]);
  if (!user || !device || !expires) return bad("token fields must be decimal numbers");
  const std::string_view payload = token.substr(0, token.size() - parts[4].size() - 1);
  const std::string expected = hmac_hex(secret, payload);
  if (parts[4].size() != expected.size() ||
      CRYPTO_memcmp(parts[4].data(), expected.data(), expected.size()) != 0) {
    return bad("token signature does not match");
  }
  return TokenClaims{UserId{*user}, DeviceId{*device}, *expires};
}

}  // namespace parley::server
