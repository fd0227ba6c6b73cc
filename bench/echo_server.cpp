// parley-echo-server: the "no work" reference of the load-generator benchmark. One thread, the
// same Beast WebSocket stack and JSON library as parley-server, and the smallest slice of parley's
// protocol that parley-load needs for a 1:1 run: auth → auth.ok (token claims read, not verified),
// send → ack at once plus a `msg` relayed to every session of the `to` user (no storage, no fsync,
// no dedup), ping → pong; everything else is read and dropped. Run by scripts/bench_load.py.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using FramePtr = std::shared_ptr<const std::string>;

class Session;
std::map<std::uint64_t, std::set<Session*>> g_users;  // user → its open sessions
std::uint64_t g_next_msg = 1;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Token "v1.<user>.<device>.<expires>.<hmac>": the reference reads the claims and trusts them.
bool read_claims(const std::string& token, std::uint64_t& user, std::uint64_t& device) {
  if (token.rfind("v1.", 0) != 0) return false;
  const auto a = token.find('.', 3);
  if (a == std::string::npos) return false;
  const auto b = token.find('.', a + 1);
  if (b == std::string::npos) return false;
  try {
    user = std::stoull(token.substr(3, a - 3));
    device = std::stoull(token.substr(a + 1, b - a - 1));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket&& socket) : ws_(std::move(socket)) {}
  ~Session() { leave(); }

  void start() {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

  void send(FramePtr frame) {
    queue_.push_back(std::move(frame));
    if (queue_.size() == 1) write_next();
  }

 private:
  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->leave();
      self->handle(beast::buffers_to_string(self->in_.data()));
      self->in_.consume(self->in_.size());
      self->read();
    });
  }

  void handle(const std::string& text) {
    const Json frame = Json::parse(text, nullptr, false);
    if (!frame.is_object() || !frame.contains("op") || !frame["op"].is_string()) return;
    const std::string& op = frame["op"].get_ref<const std::string&>();
    if (op == "auth" && user_ == 0) return on_auth(frame);
    if (user_ == 0) return;
    if (op == "send") return on_send(frame);
    if (op == "ping") return send(std::make_shared<const std::string>(Json{{"op", "pong"}, {"time", now_ms()}}.dump()));
  }

  void on_auth(const Json& frame) {
    std::uint64_t device = 0;
    if (!frame.contains("token") || !frame["token"].is_string() ||
        !read_claims(frame["token"].get<std::string>(), user_, device)) {
      user_ = 0;
      return;
    }
    g_users[user_].insert(this);
    send(std::make_shared<const std::string>(
        Json{{"op", "auth.ok"}, {"user", std::to_string(user_)}, {"device", std::to_string(device)},
             {"session", std::to_string(reinterpret_cast<std::uintptr_t>(this))},
             {"heartbeat_ms", 30000}, {"time", now_ms()}}.dump()));
  }

  void on_send(const Json& frame) {
    const std::string id = frame.value("id", std::string{});
    std::uint64_t to = 0;
    try {
      if (frame.contains("to") && frame["to"].is_string()) to = std::stoull(frame["to"].get<std::string>());
    } catch (const std::exception&) {
      to = 0;  // not a user id: acknowledged, not relayed
    }
    const std::uint64_t lo = std::min(user_, to), hi = std::max(user_, to);
    const std::string conv = std::to_string((1ULL << 63) | (lo << 31) | hi);
    const std::string msg = std::to_string(g_next_msg++);
    const std::int64_t time = now_ms();
    Json ack{{"op", "ack"}, {"id", id}, {"conv", conv}, {"msg", msg}, {"time", time}, {"dup", false}};
    if (frame.contains("rid")) ack["rid"] = frame["rid"];
    send(std::make_shared<const std::string>(ack.dump()));
    const auto peer = g_users.find(to);
    if (to == 0 || peer == g_users.end()) return;
    const auto out = std::make_shared<const std::string>(
        Json{{"op", "msg"}, {"conv", conv}, {"msg", msg}, {"from", std::to_string(user_)}, {"device", "1"},
             {"time", time}, {"id", id}, {"body", frame.value("body", Json::object())}}.dump());
    for (Session* s : peer->second) s->send(out);  // one encoded frame shared by all recipients
  }

  void write_next() {
    ws_.text(true);
    ws_.async_write(net::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->leave();
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->write_next();
    });
  }

  void leave() {
    if (user_ == 0) return;
    const auto it = g_users.find(user_);
    if (it != g_users.end()) {
      it->second.erase(this);
      if (it->second.empty()) g_users.erase(it);
    }
    user_ = 0;
    queue_.clear();
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer in_;
  std::deque<FramePtr> queue_;
  std::uint64_t user_ = 0;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(socket))->start();
    }
    accept(acceptor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: parley-echo-server PORT [LISTEN_ADDRESS]   (port 0 picks one; printed on stdout)\n";
    return 2;
  }
  net::io_context io(1);
  const auto address = net::ip::make_address(argc == 3 ? argv[2] : "127.0.0.1");
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(std::stoul(argv[1])));
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  std::cout << "listening " << acceptor.local_endpoint().port() << std::endl;
  accept(acceptor);
  net::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](beast::error_code, int) { io.stop(); });
  io.run();
  return 0;
}
