// The server runtime (server.hpp): one io_context and thread per worker, a control io_context on
// the calling thread for the acceptor, signals and shutdown, and the group-commit store thread.
// Asio only; the connections themselves (Beast) are in net_session.cpp.
//
// Shutdown on SIGTERM/SIGINT, in order: stop accepting and report not ready; let in-flight store
// writes finish (so their acks still go out); close every session with going_away; write what the
// store queue holds (the sessions' registry updates) and join its thread; stop the workers.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "log.hpp"
#include "net_session.hpp"
#include "push_sender.hpp"
#include "rocks_store.hpp"
#include "server.hpp"
#include "store_queue.hpp"
#include "system_clock.hpp"
#include "tls_proxy.hpp"
#include "worker.hpp"

namespace parley::server {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class Runtime final : public Mailboxes, public StatusSource {
 public:
  Runtime(ServerConfig config, RocksStore& store)
      : config_(std::move(config)), store_(store), signals_(control_, SIGINT, SIGTERM) {}
  ~Runtime() override;

  int run();

  void post(std::size_t worker, std::function<void(Worker&)> work) override {
    net::post(*contexts_[worker], [this, worker, work = std::move(work)] { work(*workers_[worker]); });
  }
  bool ready() const override { return ready_.load(std::memory_order_relaxed); }
  std::string metrics_text() const override;

 private:
  bool make_workers();
  bool make_push();
  bool listen();
  void accept();
  void schedule_tick(std::size_t worker);
  void run_worker(std::size_t worker);
  void on_signal(int signal);
  void close_sessions();
  void finish_shutdown();
  void wait_until(std::function<bool()> done, Clock::time_point deadline, std::function<void()> then);

  ServerConfig config_;
  RocksStore& store_;
  SystemClock clock_;
  Metrics metrics_;
  std::atomic<bool> ready_{false};
  bool stopping_ = false;  // control thread only
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards_;
  std::vector<std::unique_ptr<net::steady_timer>> tick_timers_;
  std::unique_ptr<StoreQueue> store_queue_;
  std::unique_ptr<PushSender> push_;  // none without a webhook
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  net::io_context control_;
  tcp::acceptor acceptor_{control_};
  net::steady_timer accept_retry_{control_};
  net::steady_timer poll_{control_};
  net::signal_set signals_;
  std::optional<tcp::socket> pending_;  // the socket being accepted, on its worker's io_context
  std::unique_ptr<TlsTerminator> tls_;  // set with tls_cert/tls_key: every connection is TLS
  std::size_t next_accept_ = 0;
};

Runtime::~Runtime() {
  if (push_) push_->stop();  // it posts to the workers: stopped before them
  for (auto& guard : guards_) guard.reset();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  // Io objects and the sessions the workers hold go before the contexts they belong to.
  pending_.reset();
  tick_timers_.clear();
  workers_.clear();
  if (store_queue_) store_queue_->stop();
  contexts_.clear();
}

bool Runtime::make_workers() {
  for (std::size_t i = 0; i < config_.workers; ++i) {
    contexts_.push_back(std::make_unique<net::io_context>(1));
    guards_.push_back(net::make_work_guard(*contexts_.back()));
    tick_timers_.push_back(std::make_unique<net::steady_timer>(*contexts_.back()));
  }
  store_queue_ = std::make_unique<StoreQueue>(
      store_, metrics_, config_.store_batch_ops_max,
      [this](std::size_t worker, std::vector<StoreQueue::Completion> completions) {
        post(worker, [completions = std::move(completions)](Worker& w) mutable {
          for (auto& c : completions) w.store_done(c.role, std::move(c.done));
        });
      });
  if (!make_push()) return false;
  for (std::size_t i = 0; i < config_.workers; ++i) {
    Worker::Config wc;
    wc.push.collapse_window_ms = config_.push_collapse_window_ms;
    wc.push_sink = push_.get();
    wc.index = i;
    wc.count = config_.workers;
    wc.token_secret = config_.token_secret;
    wc.gateway = config_.gateway;
    auto worker = Worker::make(std::move(wc), clock_, *this, *store_queue_, metrics_);
    if (!worker.ok()) {
      log(LogLevel::error, "worker_failed").kv("worker", i).kv("error", worker.error().message);
      return false;
    }
    workers_.push_back(std::move(worker.value()));
  }
  return true;
}

// The push worker (push_sender.hpp) when a webhook is configured. A 410 from the webhook becomes a
// PushTokenGone for the PushPolicy shard that owns the user.
bool Runtime::make_push() {
  if (config_.push_webhook.empty()) return true;
  auto url = parse_webhook_url(config_.push_webhook);
  if (!url) {
    log(LogLevel::error, "bad_push_webhook").kv("push_webhook", config_.push_webhook).kv("error", "expected http://host[:port]/path");
    return false;
  }
  PushSender::Config pc;
  pc.url = *url;
  pc.dir = config_.data_dir + "/push";
  pc.sync = config_.sync;
  pc.timeout_ms = config_.push_webhook_timeout_ms;
  pc.queue = PushQueueConfig{config_.push_attempts_max, config_.push_backoff_base_ms, config_.push_backoff_max_ms,
                             PushQueueConfig{}.jitter, config_.push_queue_depth_max, config_.push_seed};
  auto sender = PushSender::start(std::move(pc), metrics_, [this](DeviceRef device, std::string token) {
    Envelope gone = env::PushTokenGone{device, std::move(token)};
    const std::size_t owner = Worker::owner_of(destination_of(gone), config_.workers);
    if (owner < config_.workers) post(owner, [gone = std::move(gone)](Worker& w) mutable { w.deliver(std::move(gone)); });
  });
  if (!sender.ok()) {
    log(LogLevel::error, "push_open_failed").kv("error", sender.error().message);
    return false;
  }
  push_ = std::move(sender.value());
  return true;
}

bool Runtime::listen() {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(config_.listen, ec);
  if (ec) {
    log(LogLevel::error, "bad_listen_address").kv("listen", config_.listen).kv("error", ec.message());
    return false;
  }
  const tcp::endpoint endpoint{address, config_.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    log(LogLevel::error, "listen_failed").kv("listen", config_.listen).kv("port", unsigned{config_.port})
        .kv("error", ec.message());
    return false;
  }
  return true;
}

// Connections go round-robin to the workers: the socket is created on the worker's io_context
// and the connection never leaves that thread.
void Runtime::accept() {
  const std::size_t w = next_accept_++ % workers_.size();
  pending_.emplace(*contexts_[w]);
  acceptor_.async_accept(*pending_, [this, w](boost::system::error_code ec) {
    if (stopping_ || ec == net::error::operation_aborted) return;
    if (ec) {  // EMFILE and friends: back off instead of spinning
      metrics_.accept_errors.fetch_add(1, std::memory_order_relaxed);
      log(LogLevel::warn, "accept_failed").kv("error", ec.message());
      accept_retry_.expires_after(milliseconds(100));
      accept_retry_.async_wait([this](boost::system::error_code e) {
        if (!e && !stopping_) accept();
      });
      return;
    }
    metrics_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    pending_->set_option(tcp::no_delay(true), ignored);
    const ConnectionContext context{workers_[w].get(), &metrics_, this, &config_};
    if (tls_) {
      tls_->start(std::move(*pending_), context, config_.http_request_timeout_ms);
    } else {
      start_connection(std::move(*pending_), context);
    }
    pending_.reset();
    accept();
  });
}

void Runtime::schedule_tick(std::size_t worker) {
  auto& timer = *tick_timers_[worker];
  timer.expires_after(milliseconds(config_.tick_interval_ms));
  timer.async_wait([this, worker](boost::system::error_code ec) {
    if (ec) return;
    workers_[worker]->tick();
    schedule_tick(worker);
  });
}

void Runtime::run_worker(std::size_t worker) {
  schedule_tick(worker);
  for (;;) {
    try {
      contexts_[worker]->run();
      return;
    } catch (const std::exception& e) {  // a handler threw: log it and keep serving
      log(LogLevel::error, "worker_exception").kv("worker", worker).kv("error", e.what());
    }
  }
}

std::string Runtime::metrics_text() const {
  std::vector<WorkerSnapshot> snapshots;
  snapshots.reserve(workers_.size());
  for (const auto& w : workers_) snapshots.push_back(w->snapshot());
  return render_prometheus(metrics_, snapshots, ready());
}

int Runtime::run() {
  if (!config_.tls_cert.empty()) {
    std::string error;
    tls_ = TlsTerminator::make(config_.tls_cert, config_.tls_key, error);
    if (!tls_) {
      log(LogLevel::error, "tls_setup_failed").kv("error", error);
      return 1;
    }
  }
  if (!make_workers() || !listen()) return 1;
  for (std::size_t i = 0; i < workers_.size(); ++i) threads_.emplace_back([this, i] { run_worker(i); });
  const auto local = acceptor_.local_endpoint();
  const std::string host = local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                   : local.address().to_string();
  ready_ = true;
  log(LogLevel::info, "listening").kv("address", host).kv("port", unsigned{local.port()})
      .kv("workers", workers_.size()).kv("data_dir", config_.data_dir).kv("sync", config_.sync)
      .kv("tls", tls_ != nullptr);
  std::cout << "listening on " << host << ":" << local.port() << std::endl;  // tests read this line
  signals_.async_wait([this](boost::system::error_code ec, int signal) {
    if (!ec) on_signal(signal);
  });
  accept();
  control_.run();
  return 0;
}

void Runtime::on_signal(int signal) {
  if (stopping_) {
    log(LogLevel::warn, "shutdown_forced").kv("signal", signal);
    std::_Exit(1);  // a second signal: the operator does not want to wait
  }
  stopping_ = true;
  ready_ = false;
  log(LogLevel::info, "shutdown_begin").kv("signal", signal).kv("sessions", metrics_.connections_open.load());
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_.cancel();
  signals_.async_wait([this](boost::system::error_code ec, int s) {
    if (!ec) on_signal(s);
  });
  wait_until([this] { return store_queue_->idle(); }, Clock::now() + milliseconds(config_.shutdown_drain_ms),
             [this] { close_sessions(); });
}

void Runtime::close_sessions() {
  for (std::size_t w = 0; w < workers_.size(); ++w) post(w, [](Worker& worker) { worker.going_away(); });
  wait_until([this] { return metrics_.connections_open.load() == 0; },
             Clock::now() + milliseconds(config_.shutdown_grace_ms), [this] { finish_shutdown(); });
}

void Runtime::finish_shutdown() {
  const auto open = metrics_.connections_open.load();
  if (open != 0) log(LogLevel::warn, "shutdown_sessions_left").kv("sessions", open);
  if (push_) push_->stop();  // what it has not sent stays queued on disk for the next start
  store_queue_->stop();  // writes everything still queued (registry updates of closed sessions)
  log(LogLevel::info, "store_drained").kv("batches", metrics_.store_batches.load());
  for (auto& guard : guards_) guard.reset();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  signals_.cancel();
  control_.stop();
}

// Polls `done` on the control thread every 20 ms until it holds or the deadline passes.
void Runtime::wait_until(std::function<bool()> done, Clock::time_point deadline, std::function<void()> then) {
  if (done() || Clock::now() >= deadline) return then();
  poll_.expires_after(milliseconds(20));
  poll_.async_wait([this, done = std::move(done), deadline, then = std::move(then)](boost::system::error_code) mutable {
    wait_until(std::move(done), deadline, std::move(then));
  });
}

}  // namespace

int run_server(ServerConfig config) {
  set_log_level(config.log_level);
  log(LogLevel::info, "starting").kv("data_dir", config.data_dir).kv("workers", config.workers)
      .kv("sync", config.sync);
  auto store = RocksStore::open(RocksStore::Options{config.data_dir, config.sync});
  if (!store.ok()) {
    log(LogLevel::error, "store_open_failed").kv("data_dir", config.data_dir).kv("error", store.error().message);
    return 1;
  }
  auto swept = store.value()->sweep_registry();  // before any session can connect
  if (!swept.ok()) {
    log(LogLevel::error, "registry_sweep_failed").kv("error", swept.error().message);
    return 1;
  }
  log(LogLevel::info, "registry_swept").kv("devices_marked_offline", swept.value());
  int code = 0;
  {
    Runtime runtime(std::move(config), *store.value());
    code = runtime.run();
  }
  log(LogLevel::info, code == 0 ? "stopped" : "start_failed").kv("exit_code", code);
  return code;
}

}  // namespace parley::server
