// Private helpers shared by the codec's translation units (encode of both directions).
#pragma once

#include "json_writer.hpp"
#include "parley/message.hpp"

namespace parley::protocol::detail {

// {"type":...} object of a message body.
void write_body(JsonWriter& w, const Body& body);
// The members of a "msg" object (without "op"), also the elements of history/search pages.
void write_message_fields(JsonWriter& w, const StoredMessage& m);

}  // namespace parley::protocol::detail
