// A small WebSocket test client (Boost.Beast, synchronous, every read bounded by a socket receive
// timeout) and a parley-server child process on a port it picks. Included by wire_*_test.cpp
// only: the one test translation unit that instantiates Beast.
#pragma once

#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::wire {

using json = nlohmann::json;
inline constexpr int frame_timeout_ms = 5'000;   // one expected frame
inline constexpr int start_timeout_ms = 20'000;  // the server prints its port
inline constexpr int frames_skipped_max = 100;   // frames find() may pass over

// parley-server serve on 127.0.0.1 and a free port, killed (SIGKILL) with the object.
class ServerProcess {
 public:
  ServerProcess(const std::string& binary, const std::filesystem::path& data_dir, const std::string& secret) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string dir = data_dir.string();
      execl(binary.c_str(), binary.c_str(), "serve", "--listen", "127.0.0.1", "--port", "0", "--workers", "2",
            "--data-dir", dir.c_str(), "--token-secret", secret.c_str(), "--log-level", "warn",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    stdout_ = out[0];
    port_ = read_port();
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  // "listening on 127.0.0.1:PORT\n", within start_timeout_ms.
  std::uint16_t read_port() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(start_timeout_ms);
    while (line.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error("the server did not report its port");
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[256];
      const auto n = read(stdout_, buffer, sizeof buffer);
      if (n <= 0) throw std::runtime_error("the server exited before listening");
      line.append(buffer, static_cast<std::size_t>(n));
    }
    const auto colon = line.rfind(':');
    if (line.rfind("listening on 127.0.0.1:", 0) != 0 || colon == std::string::npos) {
      throw std::runtime_error("unexpected first line: " + line);
    }
    return static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  std::uint16_t port_ = 0;
};

// One device's WebSocket session. Every read waits at most frame_timeout_ms (SO_RCVTIMEO) and a
// timeout is an exception, so a test never hangs. `msg` frames are acknowledged with `delivered`.
class WireClient {
 public:
  explicit WireClient(std::uint16_t port) : ws_(io_) {
    namespace net = boost::asio;
    auto& socket = ws_.next_layer();
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    timeval tv{frame_timeout_ms / 1000, (frame_timeout_ms % 1000) * 1000};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ws_.handshake("127.0.0.1", "/");
    ws_.text(true);
  }

  void send(const json& frame) { ws_.write(boost::asio::buffer(frame.dump())); }

  // The next frame, or nullopt when the server closed the connection.
  std::optional<json> recv() {
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec;
    ws_.read(buffer, ec);
    if (ec == boost::beast::websocket::error::closed) return std::nullopt;
    if (ec) throw std::runtime_error("read failed: " + ec.message());
    auto frame = json::parse(boost::beast::buffers_to_string(buffer.data()));
    if (frame["op"] == "msg") {
      messages.push_back(frame);
      send({{"op", "delivered"}, {"conv", frame["conv"]}, {"msg", frame["msg"]}});
    }
    return frame;
  }

  json find(const std::function<bool(const json&)>& wanted) {
    for (int i = 0; i < frames_skipped_max; ++i) {
      auto frame = recv();
      if (!frame) throw std::runtime_error("closed while waiting for a frame");
      if (wanted(*frame)) return *frame;
    }
    throw std::runtime_error("no matching frame");
  }
  json expect(const std::string& op) { return find([&](const json& f) { return f["op"] == op; }); }

  // Reads until the server closes; returns the close code.
  int closed() {
    for (int i = 0; i < frames_skipped_max; ++i) {
      if (!recv()) return static_cast<int>(ws_.reason().code);
    }
    throw std::runtime_error("the connection stayed open");
  }

  std::vector<json> messages;  // every msg frame received, in order

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
};

}  // namespace parley::wire
