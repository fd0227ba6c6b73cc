// RocksPushLog (rocks_push.hpp): open with the "push_queue" column family, write batches, scan.
#include "rocks_push.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

namespace parley::server {

namespace {
constexpr const char* push_cf_name = "push_queue";
}  // namespace

struct RocksPushLog::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, push_queue
  rocksdb::WriteOptions write_options;

  ~Impl() {
    if (!db) return;
    for (auto* handle : handles) (void)db->DestroyColumnFamilyHandle(handle);
    (void)db->Close();
  }
  rocksdb::ColumnFamilyHandle* queue() const { return handles.at(1); }
};

RocksPushLog::RocksPushLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksPushLog::~RocksPushLog() = default;

Result<std::unique_ptr<RocksPushLog>> RocksPushLog::open(const std::string& path, bool sync) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error{ErrorCode::internal, "cannot create push directory " + path + ": " + ec.message()};
  auto impl = std::make_unique<Impl>();
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 1;
  const std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions{}},
      {push_cf_name, rocksdb::ColumnFamilyOptions{}}};
  rocksdb::DB* db = nullptr;
  const auto status = rocksdb::DB::Open(options, path, families, &impl->handles, &db);
  if (!status.ok()) return Error{ErrorCode::internal, "cannot open push queue at " + path + ": " + status.ToString()};
  impl->db.reset(db);
  impl->write_options.sync = sync;
  return std::unique_ptr<RocksPushLog>(new RocksPushLog(std::move(impl)));
}

bool RocksPushLog::write(const std::vector<std::string>& erase, const std::vector<Row>& put) {
  rocksdb::WriteBatch batch;
  for (const auto& key : erase) batch.Delete(impl_->queue(), key);
  for (const auto& [key, value] : put) batch.Put(impl_->queue(), key, value);
  return impl_->db->Write(impl_->write_options, &batch).ok();
}

std::vector<PushLog::Row> RocksPushLog::load() const {
  std::vector<Row> rows;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions{}, impl_->queue()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) rows.emplace_back(it->key().ToString(), it->value().ToString());
  return rows;
}

}  // namespace parley::server
