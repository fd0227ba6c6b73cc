// libFuzzer target for the protocol codec: any bytes go to decode_client and decode_server; none
// may crash, hang or trip a sanitizer. When a decode succeeds, encode → decode must give back the
// same frame; when decode_client fails, the error reply built from it must itself be valid JSON.
// Also linked (with g++) into fuzz_decode_replay, which runs the seed corpus without clang.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parley/limits.hpp"
#include "parley/protocol.hpp"

namespace {

using namespace parley;
using namespace parley::protocol;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "fuzz_decode: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void check_client(std::string_view text) {
  std::string rid;
  const Result<ClientFrame> r = decode_client(text, &rid);
  if (!r.ok()) {
    if (rid.size() > limits::request_ref_bytes_max) fail("rid over its limit", rid);
    // The gateway answers a bad frame with this error: it must reach the client intact.
    const ServerFrame reply = ErrorFrame{rid, r.error().code, r.error().message};
    const Result<ServerFrame> back = decode_server(encode(reply));
    if (!back.ok() || !(back.value() == reply)) fail("error reply does not round-trip", r.error().message);
    return;
  }
  const std::string encoded = encode(r.value());
  const Result<ClientFrame> back = decode_client(encoded);
  if (!back.ok()) fail("re-encoded client frame does not decode", back.error().message);
  if (!(back.value() == r.value())) fail("client round-trip mismatch", encoded);
}

void check_server(std::string_view text) {
  const Result<ServerFrame> r = decode_server(text);
  if (!r.ok()) return;
  const std::string encoded = encode(r.value());
  const Result<ServerFrame> back = decode_server(encoded);
  if (!back.ok()) fail("re-encoded server frame does not decode", back.error().message);
  if (!(back.value() == r.value())) fail("server round-trip mismatch", encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_client(text);
  check_server(text);
  return 0;
}
