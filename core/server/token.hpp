// Authentication tokens of the real server: "v1.<user>.<device>.<expires_ms>.<hmac>", where hmac
// is the lowercase hex HMAC-SHA256 of everything before the last dot under the server's secret.
// Minted by `parley-server token` for development and tests; verified by the gateway's runtime.
#pragma once

#include <string>
#include <string_view>

#include "parley/envelope.hpp"

namespace parley::server {

inline constexpr std::size_t token_secret_bytes_min = 16;

std::string mint_token(std::string_view secret, const TokenClaims& claims);
// Checks the format and the signature (constant time). Expiry is the gateway's to judge.
Result<TokenClaims> verify_token(std::string_view secret, std::string_view token);

}  // namespace parley::server
