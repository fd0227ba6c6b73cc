// The server's push worker: PushNotify effects from every worker go into the persistent
// PushQueue (RocksDB, rocks_push.hpp) and are POSTed to the webhook from the sender's own thread
// and io_context, never on the message path. 2xx: sent. 410: the token is gone (its queued
// entries are dropped and PushPolicy is told through token_gone). 408, 429, 5xx and transport
// errors: retried with backoff, then dead-lettered. Other statuses: dead-lettered at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "metrics.hpp"
#include "push_payload.hpp"
#include "push_queue.hpp"
#include "push_sink.hpp"

namespace parley::server {

class PushSender final : public PushSink {
 public:
  struct Config {
    WebhookUrl url;
    std::string dir;                  // the queue's RocksDB directory
    bool sync = true;                 // fsync each queue write
    PushQueueConfig queue;
    std::uint64_t timeout_ms = 5'000; // one POST, connect to answer
  };
  using TokenGone = std::function<void(DeviceRef device, std::string token)>;  // any thread

  // Opens the queue (entries of an earlier run are sent first, in due order) and starts the thread.
  static Result<std::unique_ptr<PushSender>> start(Config config, Metrics& metrics, TokenGone token_gone);
  ~PushSender() override;  // stop()s

  void notify(PushNotify notification) override;  // any thread
  void stop();  // the POST in flight is abandoned (it stays queued for the next start)

 private:
  struct Impl;
  explicit PushSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::server
