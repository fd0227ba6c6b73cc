// The server's store: every store::Op of records.hpp executed on RocksDB, with the same Outcome as
// MemoryStore for the same ops. Durable on return: with sync, an op's writes are in the fsynced
// WAL before execute/execute_batch returns, so an ack sent afterwards never loses its message.
// One caller at a time does the work (an internal mutex); group commit comes from execute_batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parley/error.hpp"
#include "parley/records.hpp"

namespace parley::server {

class RocksStore {
 public:
  struct Options {
    std::string path;                          // a directory; created when missing
    bool sync = true;                          // fsync the WAL on every write (group commit)
    std::size_t block_cache_bytes = 64 << 20;  // shared by every column family
    bool statistics = false;                   // RocksDB tickers, read by stats()
  };
  struct Stats {
    std::uint64_t writes = 0;     // WriteBatches written: one per execute_batch with writes, trims in chunks
    std::uint64_t wal_syncs = 0;  // WAL fsyncs RocksDB did (needs Options::statistics)
  };

  // A clear Error (never an exception) when the directory is unusable or already open.
  static Result<std::unique_ptr<RocksStore>> open(const Options& options);
  ~RocksStore();
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  store::Outcome execute(const store::Op& op);
  // Group commit: the writes of every op go into one WriteBatch, written once (one fsync). Each
  // op sees the writes of the ops before it; outcomes come back in op order. If that write fails,
  // every outcome is the Error (nothing of the batch is durable, so nothing may be acked).
  std::vector<store::Outcome> execute_batch(const std::vector<store::Op>& ops);

  // Retention, as MemoryStore::trim: drop messages of conv with id < floor; reads report the floor.
  store::Outcome trim(ConversationId conv, MessageId floor);

  // Startup: marks every device the registry still shows online offline (their sessions died with
  // the previous process) in one durable write. Returns how many were online.
  Result<std::uint64_t> sweep_registry();

  Stats stats() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit RocksStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::server
