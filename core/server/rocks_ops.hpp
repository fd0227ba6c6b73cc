// The store::Op handlers of the RocksDB store, one per op, each reading and writing through the
// batch's View. They give the same Outcome as MemoryStore for the same sequence of ops (the
// differential test in tests/server/rocks_store_test.cpp holds them to it).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "parley/limits.hpp"
#include "parley/records.hpp"
#include "rocks_view.hpp"

namespace parley::server::rocks {

// Messages deleted per write while trimming, so retention never builds an unbounded batch.
inline constexpr std::size_t trim_batch_messages = 1024;

inline std::uint32_t page_limit(std::uint32_t limit) {
  return limit == 0 ? limits::page_size_default : limit;
}

store::Outcome append_message(View& view, const store::AppendMessage& op);
store::Outcome read_messages(View& view, const store::ReadMessages& op);
store::Outcome put_receipt(View& view, const store::PutReceipt& op);
store::Outcome get_group(View& view, const store::GetGroup& op);
store::Outcome put_group(View& view, const store::PutGroup& op);
store::Outcome search_messages(View& view, const store::SearchMessages& op);
store::Outcome registry_connect(View& view, const store::RegistryConnect& op);
store::Outcome registry_disconnect(View& view, const store::RegistryDisconnect& op);
store::Outcome registry_lookup(View& view, const store::RegistryLookup& op);
// Marks every online device offline (startup, see RocksStore::sweep_registry); returns how many.
Result<std::uint64_t> registry_sweep(View& view);
store::Outcome mark_fanned_out(View& view, const store::MarkFannedOut& op);
store::Outcome list_fanout_backlog(View& view, const store::ListFanoutBacklog& op);
// The append's part of the fan-out mark: last moves to id, done to fanned_out when larger.
std::optional<Error> advance_fanout_mark(View& view, ConversationId conv, MessageId last, MessageId done);

// Retention (MemoryStore::trim): writes the floor first, then deletes older messages and their
// index entries in writes of trim_batch_messages, each with these options; counts its writes.
store::Outcome trim_messages(const Handles& handles, const rocksdb::WriteOptions& options,
                             ConversationId conv, MessageId floor, std::uint64_t& writes);

// The index keys of a message: one per search term (parley/search_terms.hpp), none unless its
// body is searchable.
std::vector<std::string> index_keys(const StoredMessage& m);

}  // namespace parley::server::rocks
