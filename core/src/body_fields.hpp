// Decoding of a message body object ({"type":"text"|"encrypted"|"media"|"system", ...}), shared
// by the client decoder (which refuses "system": only the server writes those) and the server one.
#pragma once

#include "json_fields.hpp"
#include "parley/message.hpp"

namespace parley::protocol::detail {

enum class BodySource : std::uint8_t { client, server };

// Reads the body object `obj` (labelled `label` in error messages); failures land in `f`.
Body read_body(Fields& f, const Json& obj, const std::string& label, BodySource source);

// Standard base64 alphabet, '=' padding only at the end (at most two, total length a multiple
// of 4 when padded), and never a length of 4k+1 (no encoder produces it).
bool is_base64(std::string_view s);

}  // namespace parley::protocol::detail
