// One webhook POST (Boost.Beast, in push_webhook.cpp only): connect, send the JSON, read the
// status, close. The push sender runs it on its own io_context; done() is called there once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "push_payload.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace parley::server {

// status: the HTTP status, or 0 when there was none (connect, timeout, malformed answer); then
// error says why.
using WebhookDone = std::function<void(unsigned status, std::string error)>;

void post_webhook(boost::asio::io_context& io, const WebhookUrl& url, std::string body,
                  std::uint64_t timeout_ms, WebhookDone done);

}  // namespace parley::server
