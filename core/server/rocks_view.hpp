// What one batch of store ops sees: the database overlaid with the batch's own writes so far
// (a WriteBatchWithIndex), so a read later in a group commit sees an earlier append of the same
// batch (dedup inside one batch). Each op is atomic inside the batch: an op that fails rolls its
// writes back. Nothing reaches the database until RocksStore writes sorted_writes() once.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parley/error.hpp"
#include "rocks_keys.hpp"

namespace parley::server::rocks {

struct Handles {
  rocksdb::DB* db = nullptr;
  std::array<rocksdb::ColumnFamilyHandle*, cf_count> cf{};
  rocksdb::ColumnFamilyHandle* of(Cf c) const { return cf[static_cast<std::size_t>(c)]; }
};

Error status_error(std::string_view doing, const rocksdb::Status& status);

class View {
 public:
  explicit View(const Handles& handles);

  // The value, nothing when the key is absent, or an Error when RocksDB fails.
  Result<std::optional<std::string>> get(Cf cf, std::string_view key);
  void put(Cf cf, std::string_view key, std::string_view value);
  void erase(Cf cf, std::string_view key);

  void begin_op();
  void end_op(bool keep);  // keep = false rolls back the op's writes

  const Handles& handles() const { return h_; }
  bool has_writes() { return batch_.GetWriteBatch()->Count() != 0; }
  // The batch's final writes in (column family, key) order, one per key: what RocksStore writes.
  // Sorted inserts reuse the memtable skiplist's search path (appends of 128 per batch: 1.2x the
  // throughput of op order, whose index entries land all over the search memtable).
  rocksdb::WriteBatch sorted_writes();
  // A raw iterator over cf (the batch's writes merged in when there are any); the caller keeps
  // options (and the bounds it points to) alive as long as the iterator.
  std::unique_ptr<rocksdb::Iterator> iterator(Cf cf, const rocksdb::ReadOptions& options);

 private:
  Handles h_;
  rocksdb::WriteBatchWithIndex batch_;
};

// Keys in [lower, upper) of one column family (upper empty: no bound), checked on every step
// because the batch's part of a merged iterator ignores RocksDB's bounds.
class Scan {
 public:
  Scan(View& view, Cf cf, std::string lower, std::string upper);
  Scan(const Scan&) = delete;
  Scan& operator=(const Scan&) = delete;

  void seek_first() { it_->Seek(lower_); }
  void seek_last();
  void seek(std::string_view key) { it_->Seek(key); }
  void seek_for_prev(std::string_view key) { it_->SeekForPrev(key); }
  void next() { it_->Next(); }
  void prev() { it_->Prev(); }
  bool valid() const;
  std::string_view key() const { return it_->key().ToStringView(); }
  std::string_view value() const { return it_->value().ToStringView(); }
  // The iterator's failure, if any: check after a loop ends.
  std::optional<Error> error() const;

 private:
  std::string lower_;
  std::string upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  rocksdb::ReadOptions options_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace parley::server::rocks
