// StoreQueue (store_queue.hpp): the group-commit loop. The lock is held only to move requests in
// and out of the queue, never during the write, so workers enqueue while a batch is syncing and
// the next batch is simply everything that arrived meanwhile (capped at batch_ops_max).
#include "store_queue.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "log.hpp"

namespace parley::server {

StoreQueue::StoreQueue(RocksStore& store, Metrics& metrics, std::size_t batch_ops_max, Deliver deliver)
    : store_(store),
      metrics_(metrics),
      batch_ops_max_(std::max<std::size_t>(1, batch_ops_max)),
      deliver_(std::move(deliver)),
      thread_([this] { run(); }) {}

StoreQueue::~StoreQueue() { stop(); }

void StoreQueue::submit(std::size_t worker, Role role, StoreRequest request) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Item{worker, role, std::move(request)});
      metrics_.store_queue_depth.fetch_add(1, std::memory_order_relaxed);
      wake_.notify_one();
      return;
    }
  }
  // Only stragglers of shutdown (a session ending late) get here: never a silent drop.
  std::vector<Completion> refused;
  refused.push_back({role, StoreDone{request.req, Error{ErrorCode::internal, "the store is shutting down"}}});
  deliver_(worker, std::move(refused));
}

bool StoreQueue::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !busy_;
}

void StoreQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void StoreQueue::run() {
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      const std::size_t n = std::min(queue_.size(), batch_ops_max_);
      batch.clear();
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      busy_ = true;
      metrics_.store_queue_depth.fetch_sub(static_cast<std::int64_t>(n), std::memory_order_relaxed);
    }
    execute(batch);
  }
}

void StoreQueue::execute(std::vector<Item>& batch) {
  std::vector<store::Op> ops;
  ops.reserve(batch.size());
  for (auto& item : batch) ops.push_back(std::move(item.request.op));

  const auto start = std::chrono::steady_clock::now();
  auto outcomes = store_.execute_batch(ops);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;

  metrics_.store_batches.fetch_add(1, std::memory_order_relaxed);
  metrics_.store_ops.fetch_add(batch.size(), std::memory_order_relaxed);
  metrics_.store_batch_ops.observe(static_cast<double>(batch.size()));
  metrics_.store_batch_seconds.observe(took.count());
  if (!outcomes.empty() && std::holds_alternative<Error>(outcomes.front()) &&
      std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return std::holds_alternative<Error>(o); })) {
    metrics_.store_batch_failures.fetch_add(1, std::memory_order_relaxed);
    log(LogLevel::error, "store_batch_failed")
        .kv("ops", batch.size())
        .kv("error", std::get<Error>(outcomes.front()).message);
  }

  // One post per worker per batch, completions in op order (per-conversation order is kept).
  std::map<std::size_t, std::vector<Completion>> by_worker;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    by_worker[batch[i].worker].push_back({batch[i].role, StoreDone{batch[i].request.req, std::move(outcomes[i])}});
  }
  for (auto& [worker, completions] : by_worker) deliver_(worker, std::move(completions));
}

}  // namespace parley::server
