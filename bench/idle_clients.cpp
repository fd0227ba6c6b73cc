// parley-idle-clients: opens N authenticated, idle WebSocket connections to one server from one
// source address and holds them, for the idle-memory benchmark (scripts/bench_idle.py).
// Prints "ready <open> <failed>" on stdout once every connect has finished, keeps each session
// alive with a protocol ping per heartbeat, and exits on SIGTERM/SIGINT or after --hold-s.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <netinet/in.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "token.hpp"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Options {
  std::string host = "127.0.0.1";
  unsigned short port = 7700;
  std::string source;           // empty: let the kernel pick
  std::uint64_t count = 1000;   // connections
  std::uint64_t user_first = 1; // user ids user_first … user_first + count - 1, device 1 each
  std::string secret;
  std::uint64_t parallel = 256; // connects in flight at once (bounded ramp)
  std::uint64_t hold_s = 600;   // exit after this long at most
  std::uint64_t ping_s = 25;    // protocol heartbeat (server's default interval is 30 s)
};

struct Shared {
  Options options;
  tcp::endpoint target;
  std::uint64_t next = 0;    // next connection index to start
  std::uint64_t open = 0;
  std::uint64_t failed = 0;
  std::uint64_t finished = 0;  // connects that ended (open or failed)
  bool announced = false;
  std::int64_t expires_ms = 0;
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(net::io_context& io, Shared& shared, std::uint64_t index)
      : ws_(io), ping_(io), shared_(shared), index_(index) {}

  void start() {
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.open(tcp::v4(), ec);
    if (!ec && !shared_.options.source.empty()) {
      int one = 1;
#ifdef IP_BIND_ADDRESS_NO_PORT
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
      socket.bind(tcp::endpoint(net::ip::make_address(shared_.options.source), 0), ec);
    }
    if (ec) return fail(ec);
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(20));
    beast::get_lowest_layer(ws_).async_connect(
        shared_.target, [self = shared_from_this()](beast::error_code e) { self->on_connect(e); });
  }

 private:
  void on_connect(beast::error_code ec) {
    if (ec) return fail(ec);
    ws_.async_handshake(shared_.options.host, "/",
                        [self = shared_from_this()](beast::error_code e) { self->on_handshake(e); });
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail(ec);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    parley::TokenClaims claims;
    claims.user = parley::UserId{shared_.options.user_first + index_};
    claims.device = parley::DeviceId{1};
    claims.expires_ms = shared_.expires_ms;
    out_ = std::string(R"({"op":"auth","token":")") +
           parley::server::mint_token(shared_.options.secret, claims) + "\"}";
    ws_.text(true);
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](beast::error_code e, std::size_t) {
      if (e) return self->fail(e);
      self->read();
    });
  }

  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_read(e); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return fail(ec);
    const std::string_view text(static_cast<const char*>(in_.data().data()), in_.size());
    if (!authed_) {
      if (text.find(R"("op":"auth.ok")") == std::string_view::npos) {
        std::cerr << "idle-clients: unexpected first frame: " << text.substr(0, 200) << "\n";
        return fail(beast::error_code(net::error::access_denied));
      }
      authed_ = true;
      ++shared_.open;
      finished();
      schedule_ping();
    }
    in_.consume(in_.size());
    in_.shrink_to_fit();
    read();
  }

  void schedule_ping() {
    // Spread the pings over the interval so the server sees a trickle, not a burst.
    const auto first = std::chrono::milliseconds((index_ * 7919) % (shared_.options.ping_s * 1000) + 1);
    ping_.expires_after(pinged_ ? std::chrono::milliseconds(shared_.options.ping_s * 1000) : first);
    ping_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (e) return;
      self->pinged_ = true;
      self->out_ = R"({"op":"ping"})";
      self->ws_.async_write(net::buffer(self->out_), [self](beast::error_code w, std::size_t) {
        if (!w) self->schedule_ping();
      });
    });
  }

  void fail(beast::error_code ec) {
    if (dead_) return;
    dead_ = true;
    ping_.cancel();
    if (authed_) {
      --shared_.open;
      ++shared_.failed;
      std::cerr << "idle-clients: connection " << index_ << " lost: " << ec.message() << "\n";
      return;
    }
    ++shared_.failed;
    if (shared_.failed <= 5) std::cerr << "idle-clients: connect " << index_ << " failed: " << ec.message() << "\n";
    finished();
  }

  void finished();

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer ping_;
  Shared& shared_;
  std::uint64_t index_;
  beast::flat_buffer in_;
  std::string out_;
  bool authed_ = false;
  bool pinged_ = false;
  bool dead_ = false;
};

net::io_context* g_io = nullptr;

void start_next(Shared& shared) {
  if (shared.next >= shared.options.count) return;
  std::make_shared<Client>(*g_io, shared, shared.next++)->start();
}

void Client::finished() {
  ++shared_.finished;
  start_next(shared_);  // keep `parallel` connects in flight
  if (!shared_.announced && shared_.finished == shared_.options.count) {
    shared_.announced = true;
    std::cout << "ready " << shared_.open << " " << shared_.failed << std::endl;
  }
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--host") o.host = value;
    else if (key == "--port") o.port = static_cast<unsigned short>(std::stoul(value));
    else if (key == "--source") o.source = value;
    else if (key == "--count") o.count = std::stoull(value);
    else if (key == "--user-first") o.user_first = std::stoull(value);
    else if (key == "--secret") o.secret = value;
    else if (key == "--parallel") o.parallel = std::stoull(value);
    else if (key == "--hold-s") o.hold_s = std::stoull(value);
    else if (key == "--ping-s") o.ping_s = std::stoull(value);
    else return false;
  }
  return argc % 2 == 1 && o.ping_s > 0 && o.parallel > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const char* s = std::getenv("PARLEY_TOKEN_SECRET")) options.secret = s;
  try {
    if (!parse(argc, argv, options)) throw std::invalid_argument("bad arguments");
  } catch (const std::exception&) {
    std::cerr << "usage: parley-idle-clients --port P [--host H] [--source 127.0.0.x] [--count N]\n"
                 "       [--user-first U] [--secret S] [--parallel K] [--hold-s S] [--ping-s S]\n";
    return 2;
  }
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (options.count + 32 > rl.rlim_cur) {
    std::cerr << "idle-clients: " << options.count << " connections exceed the open-file limit " << rl.rlim_cur << "\n";
    return 2;
  }
  net::io_context io(1);
  g_io = &io;
  Shared shared;
  shared.options = options;
  shared.target = tcp::endpoint(net::ip::make_address(options.host), options.port);
  shared.expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count() + 24LL * 3600 * 1000;
  for (std::uint64_t i = 0; i < options.parallel; ++i) start_next(shared);
  if (options.count == 0) std::cout << "ready 0 0" << std::endl;
  net::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](beast::error_code, int) { io.stop(); });
  net::steady_timer hold(io, std::chrono::seconds(options.hold_s));
  hold.async_wait([&](beast::error_code) { io.stop(); });
  io.run();
  return shared.failed == 0 ? 0 : 1;
}
