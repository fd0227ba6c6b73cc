// The push queue's log on RocksDB: its own database under the data directory (<data>/push) with
// one column family, "push_queue", whose keys are due · seq big-endian (push_queue.hpp), so a scan
// is due order. Kept apart from the chat store so push traffic never joins its group commits.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "parley/error.hpp"
#include "push_queue.hpp"

namespace parley::server {

class RocksPushLog final : public PushLog {
 public:
  // sync: every write is in the fsynced WAL before write() returns.
  static Result<std::unique_ptr<RocksPushLog>> open(const std::string& path, bool sync);
  ~RocksPushLog() override;
  RocksPushLog(const RocksPushLog&) = delete;
  RocksPushLog& operator=(const RocksPushLog&) = delete;

  bool write(const std::vector<std::string>& erase, const std::vector<Row>& put) override;
  std::vector<Row> load() const;  // every row, in key (due) order

 private:
  struct Impl;
  explicit RocksPushLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::server
