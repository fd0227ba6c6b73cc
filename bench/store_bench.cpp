// Benchmarks of the server's RocksDB store: appends per group commit with a synced WAL (what one
// fsync per batch buys), and a 50-message newest-first history page. Real time, because an fsync
// waits on the disk, not the CPU. Each run uses a fresh mkdtemp directory under /tmp.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "rocks_store.hpp"

namespace {

using namespace parley;
using server::RocksStore;

class BenchDir {
 public:
  BenchDir() {
    std::string pattern = "/tmp/parley-store-bench-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

store::Op append_op(ConversationId conv, std::uint64_t id) {
  StoredMessage m;
  m.conv = conv;
  m.id = MessageId{id};
  m.sender = UserId{1 + id % 1000};
  m.sender_device = DeviceId{1};
  m.client_uuid = "bench-" + std::to_string(id);
  m.body.text = "see you at the station at noon, message " + std::to_string(id);
  m.time_ms = 1'767'225'600'000ULL + id;
  return store::AppendMessage{std::move(m), {m.sender}, true};
}

std::unique_ptr<RocksStore> open_or_skip(benchmark::State& state, const std::string& path, bool sync) {
  auto opened = RocksStore::open({path, sync});
  if (!opened.ok()) {
    state.SkipWithError(opened.error().message.c_str());
    return nullptr;
  }
  return std::move(opened.value());
}

void BM_RocksAppendBatch(benchmark::State& state) {
  BenchDir dir;
  auto store = open_or_skip(state, dir.path(), /*sync=*/true);
  if (!store) return;
  const auto per_batch = static_cast<std::size_t>(state.range(0));
  std::uint64_t next_id = 1;
  for (auto _ : state) {
    std::vector<store::Op> ops;
    ops.reserve(per_batch);
    for (std::size_t i = 0; i < per_batch; ++i, ++next_id) {
      ops.push_back(append_op(ConversationId{1 + next_id % 64}, next_id));
    }
    auto outcomes = store->execute_batch(ops);
    if (!std::holds_alternative<store::Appended>(outcomes.front())) state.SkipWithError("append failed");
    benchmark::DoNotOptimize(outcomes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * per_batch));
}
BENCHMARK(BM_RocksAppendBatch)->Arg(1)->Arg(16)->Arg(128)->UseRealTime();

void BM_RocksHistoryPage(benchmark::State& state) {
  constexpr std::uint64_t messages = 10'000;
  constexpr ConversationId conv{42};
  BenchDir dir;
  auto store = open_or_skip(state, dir.path(), /*sync=*/false);
  if (!store) return;
  std::vector<store::Op> ops;
  for (std::uint64_t id = 1; id <= messages; ++id) {
    ops.push_back(append_op(conv, id));
    if (ops.size() == 1000) {
      store->execute_batch(ops);
      ops.clear();
    }
  }
  std::uint64_t before = messages + 1;
  for (auto _ : state) {
    // Walk back through the history page by page, as a client scrolling up does.
    auto page = store->execute(store::ReadMessages{conv, MessageId{}, MessageId{before}, 50, true});
    const auto* p = std::get_if<store::Page>(&page);
    if (p == nullptr || p->messages.size() != 50) {
      state.SkipWithError("short page");
      break;
    }
    before = p->more ? p->messages.back().id.value : messages + 1;
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_RocksHistoryPage);

}  // namespace

BENCHMARK_MAIN();
