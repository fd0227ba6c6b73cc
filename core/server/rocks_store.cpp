// RocksStore: opening the database (one column family per record kind, a shared block cache,
// bloom filters for the point reads of dedup and registry), running ops through a View and
// writing each batch once.
#include "rocks_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>

#include <filesystem>
#include <mutex>

#include "parley/overloaded.hpp"
#include "rocks_ops.hpp"

namespace parley::server {

using rocks::Cf;

struct RocksStore::Impl {
  Options options;
  std::unique_ptr<rocksdb::DB> db;
  rocks::Handles handles;
  std::vector<rocksdb::ColumnFamilyHandle*> owned;  // every handle, the default one included
  std::shared_ptr<rocksdb::Statistics> statistics;
  rocksdb::WriteOptions write_options;
  std::mutex mutex;
  std::uint64_t writes = 0;  // under mutex

  ~Impl() {
    if (!db) return;
    for (auto* handle : owned) (void)db->DestroyColumnFamilyHandle(handle);
    (void)db->Close();
  }

  static Result<std::unique_ptr<Impl>> open(const Options& options);
  store::Outcome apply(rocks::View& view, const store::Op& op);
  std::optional<Error> commit(rocks::View& view);
};

namespace {

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions family;
  family.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return family;
}

}  // namespace

Result<std::unique_ptr<RocksStore::Impl>> RocksStore::Impl::open(const Options& options) {
  if (options.path.empty()) return Error{ErrorCode::invalid_value, "store path is empty"};
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return Error{ErrorCode::internal, "cannot create store directory " + options.path + ": " + ec.message()};
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  if (options.statistics) impl->statistics = db_options.statistics = rocksdb::CreateDBStatistics();
  const auto family = family_options(rocksdb::NewLRUCache(options.block_cache_bytes));
  std::vector<rocksdb::ColumnFamilyDescriptor> families{{rocksdb::kDefaultColumnFamilyName, family}};
  for (const Cf cf : rocks::all_cfs) families.emplace_back(std::string(rocks::cf_name(cf)), family);
  rocksdb::DB* db = nullptr;
  const auto status = rocksdb::DB::Open(db_options, options.path, families, &impl->owned, &db);
  if (!status.ok()) return rocks::status_error("cannot open store at " + options.path, status);
  impl->db.reset(db);
  impl->handles.db = db;
  for (std::size_t i = 0; i < rocks::cf_count; ++i) impl->handles.cf[i] = impl->owned[i + 1];
  impl->write_options.sync = options.sync;
  return impl;
}

Result<std::unique_ptr<RocksStore>> RocksStore::open(const Options& options) {
  auto impl = Impl::open(options);
  if (!impl.ok()) return impl.error();
  return std::unique_ptr<RocksStore>(new RocksStore(std::move(impl.value())));
}

RocksStore::RocksStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RocksStore::~RocksStore() = default;

// Each op is atomic inside the batch: one that fails leaves none of its writes behind.
store::Outcome RocksStore::Impl::apply(rocks::View& view, const store::Op& op) {
  view.begin_op();
  auto outcome =
      std::visit(Overloaded{
                     [&](const store::AppendMessage& o) { return rocks::append_message(view, o); },
                     [&](const store::ReadMessages& o) { return rocks::read_messages(view, o); },
                     [&](const store::PutReceipt& o) { return rocks::put_receipt(view, o); },
                     [&](const store::GetGroup& o) { return rocks::get_group(view, o); },
                     [&](const store::PutGroup& o) { return rocks::put_group(view, o); },
                     [&](const store::SearchMessages& o) { return rocks::search_messages(view, o); },
                     [&](const store::RegistryConnect& o) { return rocks::registry_connect(view, o); },
                     [&](const store::RegistryDisconnect& o) { return rocks::registry_disconnect(view, o); },
                     [&](const store::RegistryLookup& o) { return rocks::registry_lookup(view, o); },
                     [&](const store::MarkFannedOut& o) { return rocks::mark_fanned_out(view, o); },
                     [&](const store::ListFanoutBacklog& o) { return rocks::list_fanout_backlog(view, o); },
                 },
                 op);
  view.end_op(!std::holds_alternative<Error>(outcome));
  return outcome;
}

std::optional<Error> RocksStore::Impl::commit(rocks::View& view) {
  if (!view.has_writes()) return std::nullopt;  // a batch of reads costs no write and no fsync
  ++writes;
  auto batch = view.sorted_writes();
  const auto status = db->Write(write_options, &batch);
  if (!status.ok()) return rocks::status_error("store write failed", status);
  return std::nullopt;
}

store::Outcome RocksStore::execute(const store::Op& op) {
  std::lock_guard lock(impl_->mutex);
  rocks::View view(impl_->handles);
  auto outcome = impl_->apply(view, op);
  if (auto error = impl_->commit(view)) return *error;
  return outcome;
}

std::vector<store::Outcome> RocksStore::execute_batch(const std::vector<store::Op>& ops) {
  std::lock_guard lock(impl_->mutex);
  rocks::View view(impl_->handles);
  std::vector<store::Outcome> outcomes;
  outcomes.reserve(ops.size());
  for (const auto& op : ops) outcomes.push_back(impl_->apply(view, op));
  if (auto error = impl_->commit(view)) outcomes.assign(ops.size(), *error);
  return outcomes;
}

store::Outcome RocksStore::trim(ConversationId conv, MessageId floor) {
  std::lock_guard lock(impl_->mutex);
  return rocks::trim_messages(impl_->handles, impl_->write_options, conv, floor, impl_->writes);
}

Result<std::uint64_t> RocksStore::sweep_registry() {
  std::lock_guard lock(impl_->mutex);
  rocks::View view(impl_->handles);
  auto swept = rocks::registry_sweep(view);
  if (!swept.ok()) return swept;
  if (auto error = impl_->commit(view)) return *error;
  return swept;
}

RocksStore::Stats RocksStore::stats() const {
  std::lock_guard lock(impl_->mutex);
  Stats stats;
  stats.writes = impl_->writes;
  if (impl_->statistics) stats.wal_syncs = impl_->statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  return stats;
}

const std::string& RocksStore::path() const { return impl_->options.path; }

}  // namespace parley::server
