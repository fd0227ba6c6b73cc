// One client WebSocket session of parley-load: connect (from a chosen loopback source address),
// handshake, auth, then frames both ways with a bounded write queue. Internal to parley-load:
// only ws_connection.cpp and load_driver.cpp include it (Beast stays out of other files).
#pragma once

#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
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
// Memory per connection (docs/loadgen.md, Memory): Beast keeps a client's masking buffer for the
// whole life of the connection (4 KB by default). Most frames parley-load writes (delivery acks,
// receipts, pings, typical sends) fit in 512 bytes; a larger one is masked and written in chunks.
inline constexpr std::size_t ws_write_buffer_bytes = 512;
// The read buffer is released after a frame that made it grow beyond this, so an idle connection
// does not keep the largest frame it ever received (an allocation per larger frame is cheap next
// to decoding it).
inline constexpr std::size_t read_buffer_keep_bytes = 256;
inline constexpr std::size_t read_chunk_bytes = 256;  // prepared per read_some while idle

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
  // Client faults (run_options.hpp). pause: no more reads once the current one completes, frames
  // to send stay queued (half-open from the server's view); resume picks both up again.
  // read_delay: wait this long before each next read (a slow consumer); zero to stop.
  void pause();
  void resume();
  void read_delay(std::chrono::microseconds delay);

  std::uint64_t key() const { return spec_.key; }
  bool ready() const { return ready_; }

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void write_next();
  void next_read();
  void pop_front();
  void fail(const std::string& why);

  ConnectionSpec spec_;
  ConnectionHandler& handler_;
  beast::websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  // Frames to write, oldest at queue_head_: a vector allocates nothing until the first frame
  // (std::deque allocates ~600 bytes on construction), and is cleared whenever it drains.
  std::vector<std::string> queue_;
  std::size_t queue_head_ = 0;
  std::string writing_frame_;  // the frame async_write is sending
  bool paused_ = false;
  bool read_parked_ = false;   // paused with no read outstanding: resume() starts one
  std::chrono::microseconds read_delay_{0};
  std::unique_ptr<asio::steady_timer> read_timer_;  // only on connections ever slowed
  bool writing_ = false;
  bool open_ = false;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace parley::load
