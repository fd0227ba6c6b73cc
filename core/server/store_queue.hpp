// Group commit for the server (DESIGN.md §4): one thread drains the StoreRequests of every worker
// and executes whatever accumulated while the previous batch was being written as ONE
// RocksStore::execute_batch (one WriteBatch, one WAL fsync). Completions go back to the issuing
// worker and role only after that write returned, so an ack built from them is durable.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "metrics.hpp"
#include "parley/envelope.hpp"
#include "rocks_store.hpp"

namespace parley::server {

class StoreQueue {
 public:
  struct Completion {
    Role role = Role::chat;  // the role that issued the request
    StoreDone done;
  };
  // Called on the store thread with every completion of one batch for one worker, in op order.
  using Deliver = std::function<void(std::size_t worker, std::vector<Completion> completions)>;

  StoreQueue(RocksStore& store, Metrics& metrics, std::size_t batch_ops_max, Deliver deliver);
  ~StoreQueue();  // stop()
  StoreQueue(const StoreQueue&) = delete;
  StoreQueue& operator=(const StoreQueue&) = delete;

  // Any thread. After stop(), requests are answered at once with Error{internal}.
  void submit(std::size_t worker, Role role, StoreRequest request);
  // Nothing queued and no batch executing (shutdown waits for this before closing sessions).
  bool idle() const;
  // Executes everything already queued, then joins the thread. Idempotent.
  void stop();

 private:
  struct Item {
    std::size_t worker = 0;
    Role role = Role::chat;
    StoreRequest request;
  };
  void run();
  void execute(std::vector<Item>& batch);

  RocksStore& store_;
  Metrics& metrics_;
  const std::size_t batch_ops_max_;
  Deliver deliver_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;  // under mutex_
  bool busy_ = false;       // under mutex_: a batch is executing
  bool stopping_ = false;   // under mutex_
  std::thread thread_;
};

}  // namespace parley::server
