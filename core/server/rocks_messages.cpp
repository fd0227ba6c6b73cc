// Messages, dedup records, receipts and retention in RocksDB: an append writes the message, its
// dedup record, the senders' conversation links and its index entries into the batch together,
// so one WriteBatch makes them durable at once.
#include <algorithm>

#include "parley/snowflake.hpp"
#include "rocks_codec.hpp"
#include "rocks_ops.hpp"

namespace parley::server::rocks {
namespace {

// The original of a deduplicated send. If retention already dropped it, the dedup record still
// answers with what the ack needs (as MemoryStore does).
Result<StoredMessage> original_of(View& view, const StoredMessage& retry, const MessageRef& ref) {
  auto found = view.get(Cf::messages, message_key(ref.conv, ref.id));
  if (!found.ok()) return found.error();
  if (found.value()) return decode_message(ref.conv, ref.id, *found.value());
  StoredMessage stub;
  stub.conv = ref.conv;
  stub.id = ref.id;
  stub.sender = retry.sender;
  stub.client_uuid = retry.client_uuid;
  stub.time_ms = snowflake::decode(ref.id.value).unix_ms;
  return stub;
}

store::Outcome duplicate_of(View& view, const StoredMessage& retry, std::string_view dedup_value) {
  const auto ref = parse_message_key(dedup_value);
  if (!ref) return Error{ErrorCode::internal, "corrupt dedup value: not 16 bytes"};
  auto original = original_of(view, retry, *ref);
  if (!original.ok()) return original.error();
  return store::Appended{std::move(original.value()), true};
}

Result<MessageId> read_floor(View& view, ConversationId conv) {
  auto found = view.get(Cf::meta, floor_key(conv));
  if (!found.ok()) return found.error();
  if (!found.value()) return MessageId{};
  auto floor = decode_u64(*found.value(), "floor");
  if (!floor.ok()) return floor.error();
  return MessageId{floor.value()};
}

// Walks the scan in the asked direction, at most limit messages; more = the range holds another.
store::Outcome fill_page(Scan& scan, bool newest_first, std::uint32_t limit, store::Page page) {
  while (scan.valid() && page.messages.size() < limit) {
    const auto ref = parse_message_key(scan.key());
    if (!ref) return Error{ErrorCode::internal, "corrupt message key"};
    auto message = decode_message(ref->conv, ref->id, scan.value());
    if (!message.ok()) return message.error();
    page.messages.push_back(std::move(message.value()));
    if (newest_first) {
      scan.prev();
    } else {
      scan.next();
    }
  }
  page.more = scan.valid();
  if (auto error = scan.error()) return *error;
  return page;
}

}  // namespace

store::Outcome append_message(View& view, const store::AppendMessage& op) {
  const StoredMessage& m = op.message;
  if (!m.conv || !m.id) return Error{ErrorCode::invalid_value, "append needs a conversation and an id"};
  const bool dedup_keyed = !m.client_uuid.empty();
  const std::string dedup = dedup_keyed ? dedup_key(m.sender, m.client_uuid) : std::string();
  if (dedup_keyed) {
    auto hit = view.get(Cf::dedup, dedup);
    if (!hit.ok()) return hit.error();
    if (hit.value()) return duplicate_of(view, m, *hit.value());
  }
  const std::string key = message_key(m.conv, m.id);
  auto taken = view.get(Cf::messages, key);
  if (!taken.ok()) return taken.error();
  if (taken.value()) return Error{ErrorCode::invalid_value, "message id already used in this conversation"};
  view.put(Cf::messages, key, encode_message(m));
  if (dedup_keyed) view.put(Cf::dedup, dedup, key);
  for (const UserId u : op.link_users) view.put(Cf::user_convs, user_conv_key(u, m.conv), {});
  if (op.index) {
    for (const auto& index_key : index_keys(m)) view.put(Cf::search, index_key, {});
  }
  if (auto error = advance_fanout_mark(view, m.conv, m.id, op.fanned_out)) return *error;
  return store::Appended{m, false};
}

store::Outcome read_messages(View& view, const store::ReadMessages& op) {
  store::Page page;
  auto floor = read_floor(view, op.conv);
  if (!floor.ok()) return floor.error();
  page.floor = floor.value();
  // Ids in (after, before): the scan's lower bound is after + 1, its upper bound before itself.
  if (op.after.value == ~std::uint64_t{0}) return page;
  if (op.before && op.before.value <= op.after.value + 1) return page;
  std::string upper = op.before ? message_key(op.conv, op.before) : prefix_end(conv_prefix(op.conv));
  Scan scan(view, Cf::messages, message_key(op.conv, MessageId{op.after.value + 1}), std::move(upper));
  if (op.newest_first) {
    scan.seek_last();
  } else {
    scan.seek_first();
  }
  return fill_page(scan, op.newest_first, page_limit(op.limit), std::move(page));
}

store::Outcome put_receipt(View& view, const store::PutReceipt& op) {
  if (!op.conv || !op.user) return Error{ErrorCode::invalid_value, "receipt needs a conversation and a user"};
  const std::string key = receipt_key(op.conv, op.user);
  auto found = view.get(Cf::receipts, key);
  if (!found.ok()) return found.error();
  std::uint64_t up_to = op.up_to.value;
  if (found.value()) {
    auto stored = decode_u64(*found.value(), "receipt");
    if (!stored.ok()) return stored.error();
    if (stored.value() >= up_to) return store::Done{};  // receipts only move forward
  }
  view.put(Cf::receipts, key, encode_u64(up_to));
  return store::Done{};
}

// ---- retention ------------------------------------------------------------------------------

namespace {

rocksdb::Status write_and_clear(const Handles& h, const rocksdb::WriteOptions& options,
                                rocksdb::WriteBatch& batch, std::uint64_t& writes) {
  if (batch.Count() == 0) return rocksdb::Status::OK();
  ++writes;
  auto status = h.db->Write(options, &batch);
  batch.Clear();
  return status;
}

}  // namespace

// The floor goes into the first write: a crash part-way leaves a floor that already tells
// readers that history below it may be gone, never a silent gap.
store::Outcome trim_messages(const Handles& h, const rocksdb::WriteOptions& options, ConversationId conv,
                             MessageId floor, std::uint64_t& writes) {
  View view(h);
  auto old_floor = read_floor(view, conv);
  if (!old_floor.ok()) return old_floor.error();
  rocksdb::WriteBatch batch;
  (void)batch.Put(h.of(Cf::meta), floor_key(conv), encode_u64(std::max(old_floor.value(), floor).value));
  Scan scan(view, Cf::messages, message_key(conv, MessageId{}), message_key(conv, floor));
  std::size_t pending = 0;
  for (scan.seek_first(); floor && scan.valid(); scan.next()) {
    // A corrupt message cannot be unindexed; it is deleted anyway, and search skips index entries
    // whose message is gone.
    const auto ref = parse_message_key(scan.key());
    auto message = decode_message(conv, ref ? ref->id : MessageId{}, scan.value());
    if (message.ok()) {
      for (const auto& key : index_keys(message.value())) (void)batch.Delete(h.of(Cf::search), key);
    }
    (void)batch.Delete(h.of(Cf::messages), scan.key());
    if (++pending == trim_batch_messages) {
      pending = 0;
      auto status = write_and_clear(h, options, batch, writes);
      if (!status.ok()) return status_error("trim failed", status);
    }
  }
  if (auto error = scan.error()) return *error;
  auto status = write_and_clear(h, options, batch, writes);
  if (!status.ok()) return status_error("trim failed", status);
  return store::Done{};
}

}  // namespace parley::server::rocks
