// See ws_connection.hpp. Callback style (no coroutines): every handler holds a shared_ptr to the
// connection, so it lives until its last operation completes. No strand: each io_context runs on
// exactly one thread (load_worker.hpp), so the plain executor is enough and costs nothing per
// connection.
#include "ws_connection.hpp"

#include <netinet/in.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::load {

Connection::Connection(asio::io_context& io, ConnectionSpec spec, ConnectionHandler& handler)
    : spec_(std::move(spec)), handler_(handler), ws_(io.get_executor()) {}

void Connection::start() {
  auto& socket = beast::get_lowest_layer(ws_).socket();
  beast::error_code ec;
  socket.open(spec_.target.protocol(), ec);
  if (!ec && spec_.source) {
#ifdef IP_BIND_ADDRESS_NO_PORT
    // Let connect() pick the port per (source, destination) pair: far more than 28 k ports.
    const int one = 1;
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    socket.bind(tcp::endpoint(*spec_.source, 0), ec);
  }
  if (ec) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), ec] { self->fail("socket: " + ec.message()); });
    return;
  }
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(connect_timeout_s));
  beast::get_lowest_layer(ws_).async_connect(
      spec_.target, [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
}

void Connection::on_connect(beast::error_code ec) {
  if (ec) return fail("connect: " + ec.message());
  beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
  ws_.async_handshake(spec_.host_header, spec_.path,
                      [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
}

void Connection::on_handshake(beast::error_code ec) {
  if (ec) return fail("handshake: " + ec.message());
  beast::get_lowest_layer(ws_).expires_never();
  // The close handshake is bounded too: a deliberate drop must end (and reconnect) even if the
  // server never answers the close frame. No idle timeout: the server's heartbeat rules apply.
  beast::websocket::stream_base::timeout timeout{std::chrono::seconds(close_timeout_s),
                                                 beast::websocket::stream_base::none(), false};
  ws_.set_option(timeout);
  ws_.text(true);
  ws_.auto_fragment(false);  // one frame per message, however many chunks it is masked in
  ws_.write_buffer_bytes(ws_write_buffer_bytes);
  open_ = true;
  send(protocol::encode(protocol::ClientFrame{protocol::Auth{std::move(spec_.token)}}));
  spec_.token = std::string();  // the only copy the connection needed
  read();
}

// read_some with a small limit rather than read: while a connection waits for its next frame its
// buffer holds read_chunk_bytes, not the 1.5 KB Beast prepares for a whole-message read.
void Connection::read() {
  ws_.async_read_some(buffer_, read_chunk_bytes, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void Connection::on_read(beast::error_code ec, std::size_t) {
  if (ec == beast::websocket::error::closed) {
    const auto& reason = ws_.reason();
    return fail("closed by server (" + std::to_string(reason.code) + " " + std::string(reason.reason.data(), reason.reason.size()) + ")");
  }
  if (ec) return fail("read: " + ec.message());
  if (!ws_.is_message_done()) return read();  // the rest of a message larger than one chunk
  auto decoded = protocol::decode_server(beast::buffers_to_string(buffer_.data()));
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > read_buffer_keep_bytes) buffer_.shrink_to_fit();
  if (decoded) {
    if (!ready_ && std::holds_alternative<protocol::AuthOk>(decoded.value())) {
      ready_ = true;
      handler_.on_ready(*this);
    } else {
      handler_.on_frame(*this, std::move(decoded.value()));
    }
  } else {
    handler_.on_frame(*this, protocol::ErrorFrame{"", decoded.error().code,
                                                  "undecodable server frame: " + decoded.error().message});
  }
  if (!closed_) next_read();
}

void Connection::next_read() {
  if (paused_) {
    read_parked_ = true;
    return;
  }
  if (read_delay_.count() == 0) return read();
  if (!read_timer_) read_timer_ = std::make_unique<asio::steady_timer>(ws_.get_executor());
  read_timer_->expires_after(read_delay_);
  read_timer_->async_wait([self = shared_from_this()](beast::error_code) {
    if (!self->closed_) self->paused_ ? void(self->read_parked_ = true) : self->read();
  });
}

void Connection::pause() { paused_ = true; }

void Connection::resume() {
  if (!paused_) return;
  paused_ = false;
  if (closed_) return;
  if (read_parked_) {
    read_parked_ = false;
    read();
  }
  if (!writing_) write_next();
}

void Connection::read_delay(std::chrono::microseconds delay) { read_delay_ = delay; }

bool Connection::send(std::string frame) {
  if (!open_ || closed_ || queue_.size() - queue_head_ >= write_queue_max) return false;
  queue_.push_back(std::move(frame));
  if (!writing_ && !paused_) write_next();
  return true;
}

void Connection::write_next() {
  if (paused_ && !closed_) {  // frames wait in the queue until resume()
    writing_ = false;
    return;
  }
  if (queue_head_ == queue_.size() || closed_) {
    writing_ = false;
    // Idle: keep nothing a burst left behind.
    queue_.clear();
    queue_head_ = 0;
    if (queue_.capacity() > 16) queue_.shrink_to_fit();
    std::string().swap(writing_frame_);
    return;
  }
  writing_ = true;
  // The frame being written leaves the queue: a push_back may reallocate the vector (and move a
  // short string's bytes) while the write is in progress.
  writing_frame_ = std::move(queue_[queue_head_]);
  pop_front();
  ws_.async_write(asio::buffer(writing_frame_),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return self->fail("write: " + ec.message());
                    self->write_next();
                  });
}

// Under a steady stream of writes the queue may never drain: written frames are compacted away
// once they are half of it, so it stays bounded by write_queue_max.
void Connection::pop_front() {
  ++queue_head_;  // its string was moved out
  if (queue_head_ >= 64 && queue_head_ * 2 >= queue_.size()) {
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));
    queue_head_ = 0;
  }
}

void Connection::close() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    if (!self->open_) return self->fail("closed by client");
    self->ws_.async_close(beast::websocket::close_code::normal,
                          [self](beast::error_code) { self->fail("closed by client"); });
  });
}

void Connection::fail(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  open_ = false;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  handler_.on_closed(*this, why);
}

}  // namespace parley::load
