// Webhook URL parsing and the notification's JSON (push_payload.hpp). The JSON is written by hand:
// a fixed, flat object of strings and numbers, escaped per RFC 8259.
#include "push_payload.hpp"

#include <charconv>
#include <cstdio>

namespace parley::server {
namespace {

void append_escaped(std::string& out, std::string_view s) {
  out.push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void field(std::string& out, std::string_view name, std::string_view value) {
  if (out.size() > 1) out.push_back(',');
  append_escaped(out, name);
  out.push_back(':');
  append_escaped(out, value);
}

void number(std::string& out, std::string_view name, std::uint64_t value) {
  if (out.size() > 1) out.push_back(',');
  append_escaped(out, name);
  out.push_back(':');
  out += std::to_string(value);
}

}  // namespace

std::optional<WebhookUrl> parse_webhook_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  WebhookUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty()) return std::nullopt;
  out.host = std::string(authority);
  return out;
}

std::string push_payload_json(const PushItem& item) {
  std::string out = "{";
  field(out, "token", item.token);
  field(out, "user", std::to_string(item.device.user.value));
  field(out, "device", std::to_string(item.device.device.value));
  field(out, "conv", std::to_string(item.conv.value));
  field(out, "collapse_key", item.collapse_key);
  field(out, "title", item.title);
  field(out, "body", item.body);
  number(out, "count", item.count);
  number(out, "attempt", std::uint64_t{item.attempts} + 1);
  out.push_back('}');
  return out;
}

}  // namespace parley::server
