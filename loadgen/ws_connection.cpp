// See ws_connection.hpp. Callback style (no coroutines): every handler holds a shared_ptr to the
// connection, so it lives until its last operation completes.
#include "ws_connection.hpp"

#include <netinet/in.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::load {

Connection::Connection(asio::io_context& io, ConnectionSpec spec, ConnectionHandler& handler)
    : spec_(std::move(spec)), handler_(handler), ws_(asio::make_strand(io)) {}

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
  open_ = true;
  send(protocol::encode(protocol::ClientFrame{protocol::Auth{spec_.token}}));
  read();
}

void Connection::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    self->on_read(ec, n);
  });
}

void Connection::on_read(beast::error_code ec, std::size_t) {
  if (ec == beast::websocket::error::closed) {
    const auto& reason = ws_.reason();
    return fail("closed by server (" + std::to_string(reason.code) + " " + std::string(reason.reason.data(), reason.reason.size()) + ")");
  }
  if (ec) return fail("read: " + ec.message());
  auto decoded = protocol::decode_server(beast::buffers_to_string(buffer_.data()));
  buffer_.consume(buffer_.size());
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
  if (!closed_) read();
}

bool Connection::send(std::string frame) {
  if (!open_ || closed_ || queue_.size() >= write_queue_max) return false;
  queue_.push_back(std::move(frame));
  if (!writing_) write_next();
  return true;
}

void Connection::write_next() {
  if (queue_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.async_write(asio::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) return self->fail("write: " + ec.message());
                    self->queue_.pop_front();
                    self->write_next();
                  });
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
