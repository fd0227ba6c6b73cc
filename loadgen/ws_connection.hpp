// One client WebSocket session of parley-load: connect (from a chosen loopback source address),
// handshake, auth, then frames both ways with a bounded write queue. Internal to parley-load:
// only ws_connection.cpp and load_driver.cpp include it (Beast stays out of other files).
#pragma once

#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "parley/protocol.hpp"

namespace parley::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// A connection that cannot write this many frames is the server's (or our) backlog: further
// frames are refused (counted as dropped) rather than buffered without bound.
inline constexpr std::size_t write_queue_max = 4096;
inline constexpr int connect_timeout_s = 10;  // TCP connect and WebSocket handshake
inline constexpr int close_timeout_s = 5;     // the close handshake

class Connection;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void on_ready(Connection& c) = 0;  // auth.ok received
  virtual void on_frame(Connection& c, protocol::ServerFrame&& frame) = 0;
  virtual void on_closed(Connection& c, const std::string& why) = 0;  // once, at the end
};

struct ConnectionSpec {
  tcp::endpoint target;
  std::optional<asio::ip::address> source;  // bound with IP_BIND_ADDRESS_NO_PORT
  std::string host_header;
  std::string path;
  std::string token;
  std::uint64_t key = 0;                    // the owner's id for this connection
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, ConnectionSpec spec, ConnectionHandler& handler);

  void start();
  // Queues one text frame; false if the queue is full or the connection is not open.
  bool send(std::string frame);
  void close();  // graceful; on_closed follows

  std::uint64_t key() const { return spec_.key; }
  bool ready() const { return ready_; }

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void write_next();
  void fail(const std::string& why);

  ConnectionSpec spec_;
  ConnectionHandler& handler_;
  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool open_ = false;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace parley::load
