// Message body decoding with the body limits of limits.hpp (text, opaque, media url and mime).
// Over-size fields are body_too_large; empty text or data, bad base64, unknown types and a
// client-sent "system" body are invalid_value.
#include "body_fields.hpp"

#include <cstdint>

#include "parley/limits.hpp"

namespace parley::protocol::detail {
namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

void read_text(Fields& b, Body& body) {
  body.kind = Body::Kind::text;
  body.text = b.string("text", Need::required, limits::text_bytes_max, false);
}

void read_encrypted(Fields& b, Body& body) {
  body.kind = Body::Kind::encrypted;
  body.data = b.string("data", Need::required, limits::opaque_bytes_max, false);
  if (b.ok() && !is_base64(body.data)) {
    b.fail(ErrorCode::invalid_value, "field '" + b.label("data") + "' must be base64 text");
  }
}

void read_media(Fields& b, Body& body) {
  body.kind = Body::Kind::media;
  body.url = b.string("url", Need::required, limits::media_url_bytes_max, false);
  body.mime = b.string("mime", Need::required, limits::mime_bytes_max, false);
  body.size_bytes = b.unsigned_integer("size", Need::required, UINT64_MAX);
  body.text = b.string("caption", Need::optional, limits::text_bytes_max, true);
}

}  // namespace

bool is_base64(std::string_view s) {
  std::size_t padding = 0;
  while (padding < s.size() && padding < 2 && s[s.size() - 1 - padding] == '=') ++padding;
  const std::string_view payload = s.substr(0, s.size() - padding);
  for (const char c : payload) {
    if (!is_base64_char(c)) return false;
  }
  if (padding > 0 && s.size() % 4 != 0) return false;
  return s.size() % 4 != 1;
}

Body read_body(Fields& f, const Json& obj, const std::string& label, BodySource source) {
  Fields b = f.nested(obj, label);
  Body body;
  const std::string type = b.string("type", Need::required, SIZE_MAX, false);
  if (!b.ok()) return body;
  if (type == "text") {
    read_text(b, body);
  } else if (type == "encrypted") {
    read_encrypted(b, body);
  } else if (type == "media") {
    read_media(b, body);
  } else if (type == "system" && source == BodySource::server) {
    body.kind = Body::Kind::system;
    body.text = b.string("text", Need::required, limits::text_bytes_max, true);
  } else if (type == "system") {
    b.fail(ErrorCode::invalid_value, "field '" + b.label("type") + "': 'system' bodies are server-only");
  } else {
    b.fail(ErrorCode::invalid_value, "field '" + b.label("type") + "' must be text, encrypted or media");
  }
  return body;
}

}  // namespace parley::protocol::detail
