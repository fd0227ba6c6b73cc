// Connections of the server (net_session.hpp), the one file that instantiates Boost.Beast.
// A connection starts as HTTP: GET /healthz, /readyz and /metrics are answered and the connection
// closes; media requests are handed to media_http.cpp once their header is read (their bodies
// stream); an upgrade request becomes a WsSession attached to its worker. A WsSession feeds whole
// text frames to the Gateway (frames over frame_bytes_max are drained, not buffered, and reach the
// Gateway cut to frame_bytes_max + 1 bytes so it answers frame_too_large and the session stays
// open), and writes the shared frames it is given through a bounded queue: past a pause mark the
// client is not read until the queue drains (or it is closed as a slow consumer after a timeout);
// past the hard bound it is closed at once.
// Everything of one connection runs on its worker's single thread, so no strand is needed.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "log.hpp"
#include "media_http.hpp"
#include "net_session.hpp"
#include "worker.hpp"

namespace parley::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

websocket::close_code close_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::slow_consumer:
    case ErrorCode::overloaded: return websocket::close_code::try_again_later;
    case ErrorCode::frame_too_large: return websocket::close_code::too_big;
    case ErrorCode::internal: return websocket::close_code::internal_error;
    case ErrorCode::heartbeat_timeout:
    case ErrorCode::session_replaced: return websocket::close_code::normal;
    default: return websocket::close_code::policy_error;  // auth and protocol violations
  }
}

class WsSession final : public SessionPort, public std::enable_shared_from_this<WsSession> {
 public:
  static constexpr std::size_t idle_read_bytes = 256;

  WsSession(tcp::socket&& socket, const ConnectionContext& context)
      : ws_(std::move(socket)), teardown_(ws_.get_executor()), stalled_(ws_.get_executor()), context_(context) {}

  void accept(http::request<http::string_body> request) {
    const ServerConfig& config = *context_.config;
    ws_.set_option(websocket::stream_base::timeout{milliseconds(config.ws_handshake_timeout_ms),
                                                   websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "parley"); }));
    ws_.read_message_max(config.ws_message_bytes_hard_max);
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  void send(FramePtr frame) override {
    if (phase_ != Phase::open) return;  // closing: nothing after the error frame
    if (over_queue_bound(frame->size())) {
      context_.metrics->ws_closed_write_queue.fetch_add(1, std::memory_order_relaxed);
      log(LogLevel::info, "session_slow_consumer")
          .kv("session", id_.value).kv("queued_frames", queue_.size()).kv("queued_bytes", queued_bytes_);
      while (queue_.size() > (writing_ ? 1u : 0u)) {  // keep the one in flight
        queued_bytes_ -= queue_.back()->size();
        queue_.pop_back();
      }
      request_close(websocket::close_code::try_again_later, "slow_consumer");
      return;
    }
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    if (!writing_) write_next();
    if (!paused_ && queued_bytes_ > context_.config->ws_write_queue_pause_bytes) pause_reading();
  }

  void close(ErrorCode reason, const std::string& message) override {
    log(LogLevel::debug, "session_close").kv("session", id_.value).kv("reason", to_string(reason)).kv("message", message);
    request_close(close_code_for(reason), std::string(to_string(reason)));
  }

  void going_away() override { request_close(websocket::close_code::going_away, "server shutting down"); }

 private:
  enum class Phase { accepting, open, closing, closed };

  void on_accept(beast::error_code ec) {
    if (ec) {
      log(LogLevel::debug, "ws_handshake_failed").kv("error", ec.message());
      return;
    }
    phase_ = Phase::open;
    context_.metrics->connections_open.fetch_add(1, std::memory_order_relaxed);
    id_ = context_.worker->attach(shared_from_this());
    read();
  }

  bool over_queue_bound(std::size_t frame_bytes) const {
    const ServerConfig& config = *context_.config;
    return !queue_.empty() && (queue_.size() >= config.ws_write_queue_frames_max ||
                               queued_bytes_ + frame_bytes > config.ws_write_queue_bytes_max);
  }

  // Between messages the read waits with a small buffer (Beast prepares it before waiting, and an
  // idle session spends its life there); inside a message it reads ws_read_chunk_bytes at a time.
  void read() {
    const std::size_t chunk = ws_.is_message_done() ? idle_read_bytes : context_.config->ws_read_chunk_bytes;
    ws_.async_read_some(buffer_, chunk,
                        beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return finish(ec);
    keep_payload();
    if (!ws_.is_message_done()) return read();
    std::string text = std::exchange(text_, std::string{});
    buffer_.shrink_to_fit();  // empty now: an idle session holds no read buffer
    if (text.size() > limits::frame_bytes_max) {
      context_.metrics->ws_frames_oversize.fetch_add(1, std::memory_order_relaxed);
    }
    if (phase_ == Phase::open) context_.worker->frame_in(id_, std::move(text));
    if (paused_ && phase_ == Phase::open) {
      read_parked_ = true;  // resume_reading() reads on once the queue has drained
      return;
    }
    read();  // also while closing: the peer's close frame completes the close handshake
  }

  // Slow consumer, first step: a client whose write queue passes the pause mark is not read any
  // more (its requests would only queue more answers). If the queue has not drained below half
  // the mark within ws_slow_consumer_timeout_ms, the session is closed as a slow consumer.
  void pause_reading() {
    paused_ = true;
    context_.metrics->ws_reads_paused.fetch_add(1, std::memory_order_relaxed);
    log(LogLevel::debug, "session_reads_paused").kv("session", id_.value).kv("queued_bytes", queued_bytes_);
    stalled_.expires_after(milliseconds(context_.config->ws_slow_consumer_timeout_ms));
    stalled_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->paused_) return;
      self->context_.metrics->ws_closed_write_queue.fetch_add(1, std::memory_order_relaxed);
      log(LogLevel::info, "session_slow_consumer").kv("session", self->id_.value)
          .kv("queued_bytes", self->queued_bytes_).kv("paused_ms", self->context_.config->ws_slow_consumer_timeout_ms);
      self->request_close(websocket::close_code::try_again_later, "slow_consumer");
    });
  }

  void resume_reading() {
    paused_ = false;
    stalled_.cancel();
    if (std::exchange(read_parked_, false)) read();
  }

  // Keeps at most frame_bytes_max + 1 bytes of the current message: enough for the Gateway to
  // see that it is too large, while the rest is drained without being stored.
  void keep_payload() {
    const std::size_t cap = limits::frame_bytes_max + 1;
    const std::size_t room = cap - std::min(cap, text_.size());
    const auto data = buffer_.data();
    const std::size_t n = std::min(room, data.size());
    text_.append(static_cast<const char*>(data.data()), n);
    buffer_.consume(buffer_.size());
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()),
                    beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
      queue_.clear();  // the read side sees the broken connection and ends the session
      queued_bytes_ = 0;
      if (paused_) resume_reading();  // so a read is pending to see it
      return;
    }
    queued_bytes_ -= queue_.front()->size();
    queue_.pop_front();
    if (paused_ && queued_bytes_ <= context_.config->ws_write_queue_pause_bytes / 2) resume_reading();
    if (!queue_.empty()) return write_next();
    if (phase_ == Phase::closing && !close_started_) start_close();
  }

  // Queued frames (the error frame that explains the close) go out first, then the close frame.
  // A peer that never reads them or never answers the close is cut after close_timeout_ms.
  void request_close(websocket::close_code code, std::string reason) {
    if (phase_ != Phase::open) return;
    phase_ = Phase::closing;
    if (paused_) resume_reading();  // the close handshake needs the peer's close frame read
    close_reason_ = websocket::close_reason(code, reason);
    teardown_.expires_after(milliseconds(context_.config->close_timeout_ms));
    teardown_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->cut();
    });
    if (!writing_) start_close();
  }

  void start_close() {
    close_started_ = true;
    // Beast completes the handshake (reading until the peer's close frame) and tears the
    // connection down; the pending read ends meanwhile and finish() detaches the session.
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) { self->teardown_.cancel(); });
  }

  void cut() {
    beast::error_code ignored;
    ws_.next_layer().close(ignored);  // every pending operation fails now
  }

  void finish(beast::error_code ec) {
    if (phase_ == Phase::closed) return;
    phase_ = Phase::closed;
    stalled_.cancel();
    if (!close_started_) {  // the peer closed, or the connection broke: nothing left to wait for
      teardown_.cancel();
      if (ec != websocket::error::closed) cut();
    }
    log(LogLevel::debug, "session_ended").kv("session", id_.value).kv("error", ec.message());
    context_.metrics->connections_open.fetch_sub(1, std::memory_order_relaxed);
    context_.worker->detach(id_);
  }

  // A plain socket below the WebSocket, not a beast::tcp_stream (whose expiry timer every
  // connection would carry unused): the handshake and close timeouts are the WebSocket stream's
  // own timer, the close deadline is teardown_, idleness is the Gateway's heartbeat deadline.
  websocket::stream<tcp::socket> ws_;
  net::steady_timer teardown_;
  net::steady_timer stalled_;        // a paused session must drain within ws_slow_consumer_timeout_ms
  ConnectionContext context_;
  beast::flat_buffer buffer_;
  std::string text_;                 // the message being read, at most frame_bytes_max + 1 bytes
  std::list<FramePtr> queue_;        // front is in flight while writing_; a list, because an
                                     // empty libstdc++ deque already holds a 512-byte block
  std::size_t queued_bytes_ = 0;     // sum of the sizes of queue_'s frames
  bool writing_ = false;
  bool paused_ = false;              // reads stop while the write queue is over the pause mark
  bool read_parked_ = false;         // a read is owed once reading resumes
  bool close_started_ = false;
  Phase phase_ = Phase::accepting;
  websocket::close_reason close_reason_;
  SessionId id_;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket&& socket, const ConnectionContext& context)
      : stream_(std::move(socket)), context_(context) {}

  void run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpConnection::read, shared_from_this()));
  }

 private:
  void read() {
    const ServerConfig& config = *context_.config;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(config.http_header_bytes_max));
    parser_->body_limit(std::max(config.http_body_bytes_max, config.media_bytes_max));  // see on_header
    stream_.expires_after(milliseconds(config.http_request_timeout_ms));  // slowloris
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpConnection::on_header, shared_from_this()));
  }

  // Media requests (media_http.cpp) take the connection over after the header, to stream their
  // bodies; every other request is read whole, within http_body_bytes_max.
  void on_header(beast::error_code ec, std::size_t n) {
    if (ec) return on_read(ec, n);
    const auto target = parser_->get().target();
    if (is_media_target(std::string_view(target.data(), target.size()))) {
      return serve_media(std::move(stream_), std::move(buffer_), std::move(*parser_), context_);
    }
    const auto length = parser_->content_length();
    if (length && *length > context_.config->http_body_bytes_max) return on_read(http::error::body_limit, 0);
    parser_->body_limit(context_.config->http_body_bytes_max);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpConnection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) return respond(http::status::payload_too_large, "body too large\n");
    if (ec == http::error::header_limit) {
      return respond(http::status::request_header_fields_too_large, "header too large\n");
    }
    if (ec && ec.category() == beast::http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return respond(http::status::bad_request, "bad request\n");
    }
    if (ec) return;  // timeout, reset or EOF: nothing to answer
    auto request = parser_->release();
    if (websocket::is_upgrade(request)) {
      stream_.expires_never();  // the WebSocket timeouts and the Gateway's heartbeats take over
      std::make_shared<WsSession>(stream_.release_socket(), context_)->accept(std::move(request));
      return;
    }
    answer(request);
  }

  void answer(const http::request<http::string_body>& request) {
    context_.metrics->http_requests.fetch_add(1, std::memory_order_relaxed);
    if (request.method() != http::verb::get) {
      return respond(http::status::method_not_allowed, "only GET\n");
    }
    std::string_view path(request.target().data(), request.target().size());
    path = path.substr(0, path.find('?'));
    if (path == "/healthz") return respond(http::status::ok, "ok\n");
    if (path == "/readyz") {
      return context_.status->ready() ? respond(http::status::ok, "ready\n")
                                      : respond(http::status::service_unavailable, "not ready\n");
    }
    if (path == "/metrics") {
      return respond(http::status::ok, context_.status->metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
    }
    respond(http::status::not_found, "not found\n");
  }

  void respond(http::status status, std::string body, const char* type = "text/plain; charset=utf-8") {
    response_.result(status);
    response_.version(11);
    response_.set(http::field::server, "parley");
    response_.set(http::field::content_type, type);
    response_.keep_alive(false);
    response_.body() = std::move(body);
    response_.prepare_payload();
    stream_.expires_after(milliseconds(context_.config->http_request_timeout_ms));
    http::async_write(stream_, response_, beast::bind_front_handler(&HttpConnection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code, std::size_t) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  ConnectionContext context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

void start_connection(tcp::socket socket, const ConnectionContext& context) {
  std::make_shared<HttpConnection>(std::move(socket), context)->run();
}

}  // namespace parley::server
