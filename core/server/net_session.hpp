// The server's connections (Boost.Beast, in net_session.cpp only): one TCP connection speaks
// plain HTTP (/healthz, /readyz, /metrics) or upgrades to a WebSocket session that is attached to
// the worker whose io_context owns the socket. Included by the two net_*.cpp files only.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <string>

#include "metrics.hpp"
#include "server.hpp"

namespace parley::server {

class Worker;

// What the HTTP endpoints report; implemented by the runtime (net_server.cpp).
class StatusSource {
 public:
  virtual ~StatusSource() = default;
  virtual bool ready() const = 0;
  virtual std::string metrics_text() const = 0;
};

struct ConnectionContext {
  Worker* worker = nullptr;  // owner of the socket's io_context; sessions attach to it
  Metrics* metrics = nullptr;
  const StatusSource* status = nullptr;
  const ServerConfig* config = nullptr;
};

// Takes over an accepted socket; everything afterwards runs on the socket's io_context.
void start_connection(boost::asio::ip::tcp::socket socket, const ConnectionContext& context);

}  // namespace parley::server
