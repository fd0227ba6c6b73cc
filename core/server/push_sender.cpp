// PushSender (push_sender.hpp): one thread running one io_context, owning the PushQueue and its
// RocksDB log. Notifications are posted in; one POST is out at a time (the webhook is paced by
// its own answers); a timer wakes the thread at the next due entry.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <thread>

#include "log.hpp"
#include "push_sender.hpp"
#include "push_webhook.hpp"
#include "rocks_push.hpp"
#include "system_clock.hpp"

namespace parley::server {

namespace net = boost::asio;

namespace {

enum class Verdict { sent, gone, retry, reject };

Verdict verdict_of(unsigned status) {
  if (status >= 200 && status < 300) return Verdict::sent;
  if (status == 410) return Verdict::gone;
  if (status == 0 || status == 408 || status == 429 || status >= 500) return Verdict::retry;
  return Verdict::reject;  // the webhook refuses this notification: trying again cannot help
}

}  // namespace

struct PushSender::Impl {
  Impl(Config c, Metrics& m, TokenGone gone, std::unique_ptr<RocksPushLog> l)
      : config(std::move(c)), metrics(m), token_gone(std::move(gone)), log_store(std::move(l)),
        queue(config.queue, *log_store) {}

  void on_notify(PushNotify n);
  void pump();
  void on_answer(PushEntry entry, unsigned status, const std::string& error);
  void publish_depth() {
    metrics.push_queue_depth.store(static_cast<std::int64_t>(queue.queued() + queue.in_flight()),
                                   std::memory_order_relaxed);
  }

  Config config;
  Metrics& metrics;
  TokenGone token_gone;
  SystemClock clock;
  std::unique_ptr<RocksPushLog> log_store;
  PushQueue queue;
  bool posting = false;
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(io);
  net::steady_timer timer{io};
  std::thread thread;
};

void PushSender::Impl::on_notify(PushNotify n) {
  PushItem item{n.device, std::move(n.token), n.conv, std::move(n.collapse_key), std::move(n.title),
                std::move(n.body), n.count, 0};
  switch (queue.add(std::move(item), clock.now_ms())) {
    case PushQueue::Added::queued: break;
    case PushQueue::Added::collapsed: metrics.push_queue_collapsed.fetch_add(1, std::memory_order_relaxed); break;
    case PushQueue::Added::refused:
      metrics.push_queue_refused.fetch_add(1, std::memory_order_relaxed);
      log(LogLevel::warn, "push_queue_full").kv("user", n.device.user.value).kv("conv", n.conv.value);
      break;
  }
  publish_depth();
  pump();
}

void PushSender::Impl::pump() {
  if (posting) return;  // on_answer pumps again
  const TimeMs now = clock.now_ms();
  auto entry = queue.take_due(now);
  if (!entry) {
    auto due = queue.next_due();
    if (!due) return;
    timer.expires_after(std::chrono::milliseconds(*due - now));
    timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) pump();
    });
    return;
  }
  posting = true;
  std::string body = push_payload_json(entry->item);
  post_webhook(io, config.url, std::move(body), config.timeout_ms,
               [this, entry = std::move(*entry)](unsigned status, std::string error) mutable {
                 on_answer(std::move(entry), status, error);
               });
}

void PushSender::Impl::on_answer(PushEntry entry, unsigned status, const std::string& error) {
  posting = false;
  const auto& item = entry.item;
  switch (verdict_of(status)) {
    case Verdict::sent:
      metrics.push_webhook_sent.fetch_add(1, std::memory_order_relaxed);
      queue.done(entry);
      break;
    case Verdict::gone: {
      metrics.push_tokens_removed.fetch_add(1, std::memory_order_relaxed);
      const std::size_t dropped = queue.drop_token(item.token);
      log(LogLevel::info, "push_token_gone").kv("user", item.device.user.value)
          .kv("device", item.device.device.value).kv("queued_dropped", dropped);
      queue.done(entry);
      token_gone(item.device, item.token);
      break;
    }
    case Verdict::retry:
    case Verdict::reject: {
      const bool retry = verdict_of(status) == Verdict::retry;
      const auto failed = retry ? queue.failed(entry, clock.now_ms()) : PushQueue::Failed::dead;
      if (failed == PushQueue::Failed::superseded) break;  // the newer notification goes instead
      if (failed == PushQueue::Failed::retried) {
        metrics.push_webhook_retries.fetch_add(1, std::memory_order_relaxed);
        log(LogLevel::debug, "push_retry").kv("status", status).kv("error", error).kv("attempts", item.attempts + 1);
        break;
      }
      if (!retry) queue.done(entry);
      metrics.push_webhook_dead.fetch_add(1, std::memory_order_relaxed);
      // The dead-letter log: everything needed to replay it by hand, except the token's secrecy.
      log(LogLevel::warn, "push_dead_letter").kv("status", status).kv("error", error)
          .kv("user", item.device.user.value).kv("device", item.device.device.value).kv("conv", item.conv.value)
          .kv("collapse_key", item.collapse_key).kv("count", item.count).kv("attempts", item.attempts + 1);
      break;
    }
  }
  publish_depth();
  pump();
}

PushSender::PushSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PushSender::~PushSender() { stop(); }

Result<std::unique_ptr<PushSender>> PushSender::start(Config config, Metrics& metrics, TokenGone token_gone) {
  auto log_store = RocksPushLog::open(config.dir, config.sync);
  if (!log_store.ok()) return log_store.error();
  auto impl = std::make_unique<Impl>(std::move(config), metrics, std::move(token_gone), std::move(log_store.value()));
  const std::size_t restored = impl->queue.restore(impl->log_store->load(), impl->clock.now_ms());
  log(LogLevel::info, "push_queue_open").kv("dir", impl->config.dir).kv("restored", restored)
      .kv("webhook_host", impl->config.url.host).kv("webhook_port", unsigned{impl->config.url.port});
  impl->publish_depth();
  Impl* raw = impl.get();
  net::post(raw->io, [raw] { raw->pump(); });
  raw->thread = std::thread([raw] {
    for (;;) {
      try {
        raw->io.run();
        return;
      } catch (const std::exception& e) {  // a handler threw: log it and keep sending
        log(LogLevel::error, "push_exception").kv("error", e.what());
      }
    }
  });
  return std::unique_ptr<PushSender>(new PushSender(std::move(impl)));
}

void PushSender::notify(PushNotify notification) {
  net::post(impl_->io, [impl = impl_.get(), n = std::move(notification)]() mutable { impl->on_notify(std::move(n)); });
}

void PushSender::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->guard.reset();
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace parley::server
