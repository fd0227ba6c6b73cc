// post_webhook (push_webhook.hpp): a short-lived HTTP/1.1 client connection per notification.
// One deadline (timeout_ms) covers resolve, connect, write and read, so a hung webhook costs one
// timeout and a retry, never a stuck queue. The answer's body is read up to a small bound and
// ignored: only the status decides.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <memory>

#include "push_webhook.hpp"

namespace parley::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr std::size_t answer_body_bytes_max = 64 * 1024;

class WebhookCall : public std::enable_shared_from_this<WebhookCall> {
 public:
  WebhookCall(net::io_context& io, WebhookUrl url, std::string body, std::uint64_t timeout_ms, WebhookDone done)
      : resolver_(io), stream_(io), url_(std::move(url)), timeout_(timeout_ms), done_(std::move(done)) {
    request_.method(http::verb::post);
    request_.target(url_.target);
    request_.version(11);
    request_.set(http::field::host, url_.host + ":" + std::to_string(url_.port));
    request_.set(http::field::user_agent, "parley-push");
    request_.set(http::field::content_type, "application/json");
    request_.keep_alive(false);
    request_.body() = std::move(body);
    request_.prepare_payload();
    parser_.body_limit(answer_body_bytes_max);
  }

  void start() {
    stream_.expires_after(timeout_);
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            beast::bind_front_handler(&WebhookCall::on_resolve, shared_from_this()));
  }

 private:
  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return finish(0, "resolve: " + ec.message());
    stream_.async_connect(results, beast::bind_front_handler(&WebhookCall::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec) return finish(0, "connect: " + ec.message());
    http::async_write(stream_, request_, beast::bind_front_handler(&WebhookCall::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return finish(0, "write: " + ec.message());
    http::async_read(stream_, buffer_, parser_, beast::bind_front_handler(&WebhookCall::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    // The status line is what counts; a body over the bound does not hide it.
    if (ec && !(ec == http::error::body_limit && parser_.is_header_done())) return finish(0, "read: " + ec.message());
    finish(parser_.get().result_int(), {});
  }

  void finish(unsigned status, std::string error) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    if (done_) std::exchange(done_, nullptr)(status, std::move(error));
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  WebhookUrl url_;
  std::chrono::milliseconds timeout_;
  WebhookDone done_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

void post_webhook(net::io_context& io, const WebhookUrl& url, std::string body, std::uint64_t timeout_ms,
                  WebhookDone done) {
  std::make_shared<WebhookCall>(io, url, std::move(body), timeout_ms, std::move(done))->start();
}

}  // namespace parley::server
