// TLS termination (tls_proxy.hpp). Each TLS connection gets a Unix socket pair: one end is handed
// to start_connection() as if it were the accepted TCP socket, and this file copies bytes both
// ways, decrypting and encrypting. Costs of TLS (one extra socket pair and two 16 KiB buffers per
// connection, one copy per direction) are paid only by TLS connections.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/impl/src.hpp>  // SSL's compiled bodies (separate compilation), here only
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <memory>

#include "log.hpp"
#include "tls_proxy.hpp"

namespace parley::server {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using local = net::local::stream_protocol;

constexpr std::size_t pump_buffer_bytes = 16 * 1024;

class TlsConnection : public std::enable_shared_from_this<TlsConnection> {
 public:
  TlsConnection(tcp::socket socket, ssl::context& ctx)
      : tls_(std::move(socket), ctx), inner_(tls_.get_executor()), deadline_(tls_.get_executor()) {}

  void start(const ConnectionContext& context, std::uint64_t handshake_timeout_ms) {
    context_ = context;
    deadline_.expires_after(std::chrono::milliseconds(handshake_timeout_ms));  // slowloris on TLS
    deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->shut();
    });
    tls_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](boost::system::error_code ec) {
      self->on_handshake(ec);
    });
  }

 private:
  void on_handshake(boost::system::error_code ec) {
    deadline_.cancel();
    if (ec) {
      log(LogLevel::debug, "tls_handshake_failed").kv("error", ec.message());
      return shut();
    }
    local::socket outer(tls_.get_executor());
    net::local::connect_pair(inner_, outer, ec);
    if (ec) {
      log(LogLevel::warn, "tls_socketpair_failed").kv("error", ec.message());
      return shut();
    }
    // The plain code wants a tcp::socket; it only reads and writes it (TCP options on a Unix
    // socket fail harmlessly), so the descriptor is adopted as one.
    tcp::socket plain(tls_.get_executor());
    plain.assign(tcp::v4(), outer.release(), ec);
    if (ec) return shut();
    start_connection(std::move(plain), context_);
    client_to_server();
    server_to_client();
  }

  void client_to_server() {
    tls_.async_read_some(net::buffer(up_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->shut();
      net::async_write(self->inner_, net::buffer(self->up_, n), [self](boost::system::error_code e, std::size_t) {
        if (e) return self->shut();
        self->client_to_server();
      });
    });
  }

  void server_to_client() {
    inner_.async_read_some(net::buffer(down_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->shut();  // the plain side closed (after its WebSocket close handshake)
      net::async_write(self->tls_, net::buffer(self->down_, n), [self](boost::system::error_code e, std::size_t) {
        if (e) return self->shut();
        self->server_to_client();
      });
    });
  }

  void shut() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    deadline_.cancel();
    tls_.lowest_layer().close(ignored);
    inner_.close(ignored);
  }

  ssl::stream<tcp::socket> tls_;
  local::socket inner_;
  net::steady_timer deadline_;
  ConnectionContext context_;
  std::array<char, pump_buffer_bytes> up_{};
  std::array<char, pump_buffer_bytes> down_{};
  bool closed_ = false;
};

class Terminator final : public TlsTerminator {
 public:
  Terminator() : ctx_(ssl::context::tls_server) {}

  bool load(const std::string& cert_file, const std::string& key_file, std::string& error) {
    boost::system::error_code ec;
    ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
    if (!ec) ctx_.use_certificate_chain_file(cert_file, ec);
    if (ec) {
      error = "tls-cert " + cert_file + ": " + ec.message();
      return false;
    }
    ctx_.use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) {
      error = "tls-key " + key_file + ": " + ec.message();
      return false;
    }
    return true;
  }

  void start(tcp::socket socket, const ConnectionContext& context, std::uint64_t handshake_timeout_ms) override {
    std::make_shared<TlsConnection>(std::move(socket), ctx_)->start(context, handshake_timeout_ms);
  }

 private:
  ssl::context ctx_;
};

}  // namespace

std::unique_ptr<TlsTerminator> TlsTerminator::make(const std::string& cert_file, const std::string& key_file,
                                                   std::string& error) {
  auto terminator = std::make_unique<Terminator>();
  if (!terminator->load(cert_file, key_file, error)) return nullptr;
  return terminator;
}

}  // namespace parley::server
