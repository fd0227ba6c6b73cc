// View and Scan of the RocksDB store (see rocks_view.hpp): reads through the batch being built.
#include "rocks_view.hpp"

namespace parley::server::rocks {

Error status_error(std::string_view doing, const rocksdb::Status& status) {
  return Error{ErrorCode::internal, std::string(doing) + ": " + status.ToString()};
}

// overwrite_key: a key written twice in one batch (a receipt, a device) appears once to readers.
View::View(const Handles& handles)
    : h_(handles), batch_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true) {}

Result<std::optional<std::string>> View::get(Cf cf, std::string_view key) {
  std::string value;
  const auto status = batch_.GetFromBatchAndDB(h_.db, rocksdb::ReadOptions(), h_.of(cf), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>{};
  if (!status.ok()) return status_error("store read failed", status);
  return std::optional<std::string>{std::move(value)};
}

void View::put(Cf cf, std::string_view key, std::string_view value) {
  // A WriteBatch only fails on size overflow (max_bytes is unlimited here).
  (void)batch_.Put(h_.of(cf), key, value);
}

void View::erase(Cf cf, std::string_view key) { (void)batch_.Delete(h_.of(cf), key); }

void View::begin_op() { batch_.SetSavePoint(); }

void View::end_op(bool keep) {
  if (keep) {
    (void)batch_.PopSavePoint();
  } else {
    (void)batch_.RollbackToSavePoint();
  }
}

rocksdb::WriteBatch View::sorted_writes() {
  rocksdb::WriteBatch out(batch_.GetWriteBatch()->GetDataSize());
  for (const Cf cf : all_cfs) {
    std::unique_ptr<rocksdb::WBWIIterator> it(batch_.NewIterator(h_.of(cf)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::WriteEntry entry = it->Entry();  // the ops only ever Put and Delete
      if (entry.type == rocksdb::kPutRecord) {
        (void)out.Put(h_.of(cf), entry.key, entry.value);
      } else if (entry.type == rocksdb::kDeleteRecord) {
        (void)out.Delete(h_.of(cf), entry.key);
      }
    }
  }
  return out;
}

std::unique_ptr<rocksdb::Iterator> View::iterator(Cf cf, const rocksdb::ReadOptions& options) {
  auto* base = h_.db->NewIterator(options, h_.of(cf));
  if (!has_writes()) return std::unique_ptr<rocksdb::Iterator>(base);
  return std::unique_ptr<rocksdb::Iterator>(batch_.NewIteratorWithBase(h_.of(cf), base, &options));
}

Scan::Scan(View& view, Cf cf, std::string lower, std::string upper)
    : lower_(std::move(lower)), upper_(std::move(upper)), lower_slice_(lower_), upper_slice_(upper_) {
  options_.iterate_lower_bound = &lower_slice_;
  if (!upper_.empty()) options_.iterate_upper_bound = &upper_slice_;
  it_ = view.iterator(cf, options_);
}

void Scan::seek_last() {
  if (upper_.empty()) {
    it_->SeekToLast();
    return;
  }
  it_->SeekForPrev(upper_);
  if (it_->Valid() && it_->key().compare(upper_slice_) >= 0) it_->Prev();
}

bool Scan::valid() const {
  if (!it_->Valid()) return false;
  const rocksdb::Slice key = it_->key();
  return key.compare(lower_slice_) >= 0 && (upper_.empty() || key.compare(upper_slice_) < 0);
}

std::optional<Error> Scan::error() const {
  if (it_->status().ok()) return std::nullopt;
  return status_error("store scan failed", it_->status());
}

}  // namespace parley::server::rocks
