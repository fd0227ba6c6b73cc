// Fan-out marks in RocksDB (records.hpp, MarkFannedOut / ListFanoutBacklog): one meta value per
// conversation, "o" · conv → last · done (two big-endian ids). The append writes its part in the
// same batch as the message, so the mark costs no write of its own on the common path.
#include <algorithm>

#include "rocks_codec.hpp"
#include "rocks_ops.hpp"

namespace parley::server::rocks {
namespace {

struct Mark {
  MessageId last;
  MessageId done;
};

std::string encode_mark(const Mark& m) { return encode_u64(m.last.value) + encode_u64(m.done.value); }

Result<Mark> decode_mark(std::string_view value) {
  if (value.size() != 16) return Error{ErrorCode::internal, "corrupt fan-out mark: not 16 bytes"};
  auto last = decode_u64(value.substr(0, 8), "fan-out mark");
  auto done = decode_u64(value.substr(8), "fan-out mark");
  if (!last.ok()) return last.error();
  if (!done.ok()) return done.error();
  return Mark{MessageId{last.value()}, MessageId{done.value()}};
}

Result<Mark> read_mark(View& view, ConversationId conv) {
  auto found = view.get(Cf::meta, fanout_mark_key(conv));
  if (!found.ok()) return found.error();
  if (!found.value()) return Mark{};
  return decode_mark(*found.value());
}

}  // namespace

std::optional<Error> advance_fanout_mark(View& view, ConversationId conv, MessageId last, MessageId done) {
  auto mark = read_mark(view, conv);
  if (!mark.ok()) return mark.error();
  const Mark next{std::max(mark.value().last, last), std::max(mark.value().done, done)};
  if (next.last != mark.value().last || next.done != mark.value().done) {
    view.put(Cf::meta, fanout_mark_key(conv), encode_mark(next));
  }
  return std::nullopt;
}

store::Outcome mark_fanned_out(View& view, const store::MarkFannedOut& op) {
  if (!op.conv) return Error{ErrorCode::invalid_value, "fan-out mark needs a conversation"};
  if (auto error = advance_fanout_mark(view, op.conv, MessageId{}, op.up_to)) return *error;
  return store::Done{};
}

store::Outcome list_fanout_backlog(View& view, const store::ListFanoutBacklog& op) {
  store::Backlog backlog;
  const std::uint32_t limit = page_limit(op.limit);
  if (op.after.value == ~std::uint64_t{0}) return backlog;
  Scan scan(view, Cf::meta, fanout_mark_key(ConversationId{op.after.value + 1}),
            prefix_end(fanout_mark_prefix()));
  for (scan.seek_first(); scan.valid(); scan.next()) {
    const auto conv = parse_fanout_mark_key(scan.key());
    if (!conv) return Error{ErrorCode::internal, "corrupt fan-out mark key"};
    auto mark = decode_mark(scan.value());
    if (!mark.ok()) return mark.error();
    backlog.newest = std::max(backlog.newest, mark.value().last);
    if (mark.value().last <= mark.value().done) continue;
    if (backlog.marks.size() == limit) {
      backlog.more = true;
      break;
    }
    backlog.marks.push_back({*conv, mark.value().last, mark.value().done});
  }
  if (auto error = scan.error()) return *error;
  return backlog;
}

}  // namespace parley::server::rocks
