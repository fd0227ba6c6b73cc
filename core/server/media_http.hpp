// Media over HTTP on the server's port (Boost.Beast; included by net_session.cpp and
// media_http.cpp only): POST /media uploads (bearer token, size limit, streamed to disk) and
// GET /media/<sha256> downloads. net_session.cpp hands a connection over once its request header
// is read and the target is a media path.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string_view>

#include "net_session.hpp"

namespace parley::server {

// "/media" or "/media/…" (before any query): the requests serve_media answers.
bool is_media_target(std::string_view target);

// Takes over a connection whose request header (only) has been read into parser.
void serve_media(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer&& buffer,
                 boost::beast::http::request_parser<boost::beast::http::string_body>&& parser,
                 const ConnectionContext& context);

}  // namespace parley::server
