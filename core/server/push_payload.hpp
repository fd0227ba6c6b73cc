// The webhook side of push delivery, without I/O: the webhook URL (plain http, the stand-in for
// APNs/FCM) and the JSON body POSTed for one notification (docs/operations.md, "Push delivery").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "push_queue.hpp"

namespace parley::server {

struct WebhookUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
};

// "http://host[:port][/path]"; nullopt for anything else (https, userinfo, bad port).
std::optional<WebhookUrl> parse_webhook_url(std::string_view url);

// {"token","user","device","conv","collapse_key","title","body","count","attempt"}; ids as strings
// like the protocol's. `attempt` counts from 1.
std::string push_payload_json(const PushItem& item);

}  // namespace parley::server
