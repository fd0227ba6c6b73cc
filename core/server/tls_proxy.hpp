// wss:// and https:// for the server (tls_proxy.cpp, the one file that instantiates Asio's SSL
// stream): a TLS connection is decrypted here and handed to the plain connection code as the
// other end of a local socket pair, so the plain path is compiled and run exactly as without TLS.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

#include "net_session.hpp"

namespace parley::server {

class TlsTerminator {
 public:
  // Loads the PEM certificate chain and private key; on failure returns null and sets error.
  static std::unique_ptr<TlsTerminator> make(const std::string& cert_file, const std::string& key_file,
                                             std::string& error);
  virtual ~TlsTerminator() = default;

  // Takes over an accepted socket: TLS handshake (within handshake_timeout_ms), then the
  // decrypted bytes go to start_connection() on the same io_context.
  virtual void start(boost::asio::ip::tcp::socket socket, const ConnectionContext& context,
                     std::uint64_t handshake_timeout_ms) = 0;
};

}  // namespace parley::server
