// Media endpoints (media_http.hpp). An upload is never buffered whole: the body is read in
// media_chunk_bytes pieces into a MediaUpload (hashing as it goes) and refused with 413 as soon
// as it passes media_bytes_max (at once when Content-Length says so). After an early answer the
// rest of the request is read and discarded for a bounded time, so the client sees the status
// instead of a reset. Downloads stream the file with its stored type and an ETag.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/buffer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "log.hpp"
#include "media_http.hpp"
#include "media_store.hpp"
#include "system_clock.hpp"
#include "token.hpp"

namespace parley::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr std::size_t media_chunk_bytes = 64 * 1024;
constexpr std::string_view upload_path = "/media";
constexpr std::string_view download_prefix = "/media/";

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

class MediaConnection : public std::enable_shared_from_this<MediaConnection> {
 public:
  MediaConnection(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                  http::request_parser<http::string_body>&& parser, const ConnectionContext& context)
      : stream_(std::move(stream)), buffer_(std::move(buffer)), parser_(std::move(parser)), context_(context) {}

  void start() {
    context_.metrics->http_requests.fetch_add(1, std::memory_order_relaxed);
    const auto& request = parser_.get();
    const std::string_view path = path_of(std::string_view(request.target().data(), request.target().size()));
    if (path == upload_path) {
      if (request.method() != http::verb::post) return respond(http::status::method_not_allowed, "only POST\n");
      return upload();
    }
    if (request.method() != http::verb::get) return respond(http::status::method_not_allowed, "only GET\n");
    download(path.substr(download_prefix.size()));
  }

 private:
  const ServerConfig& config() const { return *context_.config; }

  // ---- upload --------------------------------------------------------------------------------

  bool authorized() const {
    const auto header = parser_.get()[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    const std::string_view value(header.data(), header.size());
    if (!value.starts_with(scheme)) return false;
    auto claims = verify_token(config().token_secret, value.substr(scheme.size()));
    return claims.ok() && claims.value().expires_ms > SystemClock{}.now_ms();
  }

  void upload() {
    if (!authorized()) return respond(http::status::unauthorized, "a valid bearer token is required\n");
    const auto length = parser_.content_length();
    if (length && *length > config().media_bytes_max) return too_large();
    auto upload = MediaUpload::begin(config().data_dir + "/media");
    if (!upload.ok()) {
      log(LogLevel::error, "media_upload_failed").kv("error", upload.error().message);
      return respond(http::status::internal_server_error, "cannot store media\n");
    }
    upload_ = std::move(upload.value());
    chunk_ = std::make_unique<char[]>(media_chunk_bytes);
    parser_.body_limit(config().media_bytes_max);
    stream_.expires_after(milliseconds(config().media_upload_timeout_ms));  // the whole upload
    read_body();
  }

  void read_body() {
    if (parser_.is_done()) return stored();
    parser_.get().body().data = chunk_.get();
    parser_.get().body().size = media_chunk_bytes;
    http::async_read(stream_, buffer_, parser_, beast::bind_front_handler(&MediaConnection::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) return too_large();
    if (ec) return;  // timeout, reset: the upload is dropped with the connection
    const std::size_t got = media_chunk_bytes - parser_.get().body().size;
    if (upload_->bytes() + got > config().media_bytes_max) return too_large();
    if (!upload_->write(chunk_.get(), got)) return respond(http::status::internal_server_error, "cannot store media\n");
    read_body();
  }

  void stored() {
    const auto type = parser_.get()[http::field::content_type];
    auto object = upload_->finish(std::string_view(type.data(), type.size()));
    upload_.reset();
    if (!object.ok()) {
      log(LogLevel::error, "media_store_failed").kv("error", object.error().message);
      return respond(http::status::internal_server_error, "cannot store media\n");
    }
    const MediaObject& o = object.value();
    log(LogLevel::debug, "media_stored").kv("sha256", o.sha256).kv("bytes", o.bytes).kv("content_type", o.content_type);
    // Every value is hex, a number or an allow-listed type: nothing to escape.
    respond(http::status::created,
            "{\"url\":\"/media/" + o.sha256 + "\",\"sha256\":\"" + o.sha256 + "\",\"bytes\":" +
                std::to_string(o.bytes) + ",\"content_type\":\"" + o.content_type + "\"}",
            "application/json", "/media/" + o.sha256);
  }

  void too_large() {
    upload_.reset();
    draining_ = true;
    respond(http::status::payload_too_large,
            "media larger than " + std::to_string(config().media_bytes_max) + " bytes\n");
  }

  // ---- download ------------------------------------------------------------------------------

  void download(std::string_view name) {
    if (!valid_media_name(name)) return respond(http::status::bad_request, "malformed media name\n");
    auto object = find_media(config().data_dir + "/media", name);
    if (!object) return respond(http::status::not_found, "no such media\n");
    const std::string etag = "\"" + object->sha256 + "\"";
    const auto if_none_match = parser_.get()[http::field::if_none_match];
    if (std::string_view(if_none_match.data(), if_none_match.size()) == etag) {
      return respond(http::status::not_modified, {});
    }
    beast::error_code ec;
    http::file_body::value_type file;
    file.open(object->path.c_str(), beast::file_mode::scan, ec);
    if (ec) return respond(http::status::not_found, "no such media\n");
    auto& r = file_response_.emplace();
    r.result(http::status::ok);
    r.version(11);
    r.set(http::field::server, "parley");
    r.set(http::field::content_type, object->content_type);
    r.set(http::field::etag, etag);
    r.set(http::field::cache_control, "public, max-age=31536000, immutable");  // content-addressed
    r.set("X-Content-Type-Options", "nosniff");
    r.keep_alive(false);
    r.body() = std::move(file);
    r.prepare_payload();
    stream_.expires_after(milliseconds(config().media_upload_timeout_ms));
    http::async_write(stream_, r, beast::bind_front_handler(&MediaConnection::on_write, shared_from_this()));
  }

  // ---- answers -------------------------------------------------------------------------------

  void respond(http::status status, std::string body, const char* type = "text/plain; charset=utf-8",
               const std::string& location = {}) {
    auto& r = response_.emplace();
    r.result(status);
    r.version(11);
    r.set(http::field::server, "parley");
    if (!body.empty()) r.set(http::field::content_type, type);
    if (status == http::status::unauthorized) r.set(http::field::www_authenticate, "Bearer");
    if (!location.empty()) r.set(http::field::location, location);
    r.keep_alive(false);
    r.body() = std::move(body);
    r.prepare_payload();
    stream_.expires_after(milliseconds(config().http_request_timeout_ms));
    http::async_write(stream_, r, beast::bind_front_handler(&MediaConnection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (ec || !(draining_ || !parser_.is_done())) return;
    // The request body was not read to its end: discard it (never store it) until the client
    // stops or the time is up, so closing does not reset the answer out of its receive buffer.
    if (!chunk_) chunk_ = std::make_unique<char[]>(media_chunk_bytes);
    stream_.expires_after(milliseconds(config().http_request_timeout_ms));
    discard();
  }

  void discard() {
    stream_.async_read_some(net::buffer(chunk_.get(), media_chunk_bytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->discard();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::buffer_body> parser_;
  ConnectionContext context_;
  std::unique_ptr<MediaUpload> upload_;
  std::unique_ptr<char[]> chunk_;
  bool draining_ = false;
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response<http::file_body>> file_response_;
};

}  // namespace

bool is_media_target(std::string_view target) {
  const std::string_view path = path_of(target);
  return path == upload_path || path.starts_with(download_prefix);
}

void serve_media(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                 http::request_parser<http::string_body>&& parser, const ConnectionContext& context) {
  std::make_shared<MediaConnection>(std::move(stream), std::move(buffer), std::move(parser), context)->start();
}

}  // namespace parley::server
