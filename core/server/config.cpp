// `parley-server serve` configuration (config.hpp): the table of keys, the YAML file, the flags and
// the final checks. Each key parses strictly (the whole value, within its range) so a typo in a
// file is an error naming the key instead of a silently different server.
#include "config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <functional>
#include <limits>
#include <sstream>
#include <thread>

#include "push_payload.hpp"
#include "token.hpp"

namespace parley::server {
namespace {

// One key: how to show its default and how to apply a value (an empty return means accepted).
struct Option {
  std::string key;
  std::string help;
  std::function<std::string(const ServerConfig&)> show;
  std::function<std::string(ServerConfig&, const std::string&)> set;
};

template <class T>
Option number(std::string key, std::string help, std::function<T&(ServerConfig&)> field, T min,
              T max = std::numeric_limits<T>::max()) {
  auto show = [field](const ServerConfig& c) { return std::to_string(field(const_cast<ServerConfig&>(c))); };
  auto set = [field, min, max](ServerConfig& c, const std::string& text) -> std::string {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    }
    field(c) = value;
    return {};
  };
  return Option{std::move(key), std::move(help), show, set};
}

Option text(std::string key, std::string help, std::function<std::string&(ServerConfig&)> field) {
  auto show = [field](const ServerConfig& c) { return field(const_cast<ServerConfig&>(c)); };
  auto set = [field](ServerConfig& c, const std::string& value) -> std::string {
    if (value.empty()) return "must not be empty";
    field(c) = value;
    return {};
  };
  return Option{std::move(key), std::move(help), show, set};
}

Option boolean(std::string key, std::string help, std::function<bool&(ServerConfig&)> field) {
  auto show = [field](const ServerConfig& c) -> std::string {
    return field(const_cast<ServerConfig&>(c)) ? "true" : "false";
  };
  auto set = [field](ServerConfig& c, const std::string& value) -> std::string {
    if (value == "true") {
      field(c) = true;
    } else if (value == "false") {
      field(c) = false;
    } else {
      return "must be true or false";
    }
    return {};
  };
  return Option{std::move(key), std::move(help), show, set};
}

using U64 = std::uint64_t;
using Size = std::size_t;

std::vector<Option> make_options() {
  std::vector<Option> o;
  o.push_back(text("listen", "address to listen on (IPv4 or IPv6 literal)", [](ServerConfig& c) -> std::string& { return c.listen; }));
  o.push_back(number<std::uint16_t>("port", "TCP port for WebSocket and HTTP; 0 picks a free port (printed on stdout)",
                                    [](ServerConfig& c) -> std::uint16_t& { return c.port; }, 0));
  o.push_back(text("data-dir", "RocksDB data directory (survives restarts)", [](ServerConfig& c) -> std::string& { return c.data_dir; }));
  o.push_back(number<Size>("workers", "worker threads; 0 = one per core",
                           [](ServerConfig& c) -> Size& { return c.workers; }, 0, ServerConfig{}.workers_max));
  o.push_back(Option{"token-secret",
                     "HMAC secret of the tokens, at least 16 bytes (flag, else $PARLEY_TOKEN_SECRET, else the file)",
                     [](const ServerConfig&) { return std::string("(none)"); },
                     [](ServerConfig& c, const std::string& v) -> std::string {
                       c.token_secret = v;
                       return {};
                     }});
  o.push_back(text("tls-cert", "PEM certificate chain; with tls-key the port serves wss:// and https:// only",
                   [](ServerConfig& c) -> std::string& { return c.tls_cert; }));
  o.push_back(text("tls-key", "PEM private key of tls-cert", [](ServerConfig& c) -> std::string& { return c.tls_key; }));
  o.push_back(boolean("sync", "fsync the write-ahead log before acknowledging", [](ServerConfig& c) -> bool& { return c.sync; }));
  o.push_back(Option{"log-level", "trace, debug, info, warn or error",
                     [](const ServerConfig& c) { return std::string(to_string(c.log_level)); },
                     [](ServerConfig& c, const std::string& v) -> std::string {
                       return parse_log_level(v, c.log_level) ? "" : "must be one of trace, debug, info, warn, error";
                     }});
  o.push_back(number<U64>("tick-interval-ms", "how often the roles handle their deadlines",
                          [](ServerConfig& c) -> U64& { return c.tick_interval_ms; }, 1, 60'000));
  o.push_back(number<U64>("http-request-timeout-ms", "a request (or upgrade) must fully arrive within this (slowloris)",
                          [](ServerConfig& c) -> U64& { return c.http_request_timeout_ms; }, 1));
  o.push_back(number<Size>("http-header-bytes-max", "larger request headers are answered 431",
                           [](ServerConfig& c) -> Size& { return c.http_header_bytes_max; }, 256));
  o.push_back(number<Size>("http-body-bytes-max", "larger request bodies are answered 413",
                           [](ServerConfig& c) -> Size& { return c.http_body_bytes_max; }, 0));
  o.push_back(number<U64>("ws-handshake-timeout-ms", "WebSocket opening and closing handshakes",
                          [](ServerConfig& c) -> U64& { return c.ws_handshake_timeout_ms; }, 1));
  o.push_back(number<Size>("ws-read-chunk-bytes", "one read of a frame's payload",
                           [](ServerConfig& c) -> Size& { return c.ws_read_chunk_bytes; }, 512));
  o.push_back(number<Size>("ws-message-bytes-hard-max", "a message beyond this fails the connection (close 1009)",
                           [](ServerConfig& c) -> Size& { return c.ws_message_bytes_hard_max; },
                           limits::frame_bytes_max + 1));
  o.push_back(number<Size>("ws-write-queue-frames-max", "frames queued for one session; beyond: slow consumer",
                           [](ServerConfig& c) -> Size& { return c.ws_write_queue_frames_max; }, 1));
  o.push_back(number<Size>("ws-write-queue-bytes-max", "bytes queued for one session; beyond: slow consumer",
                           [](ServerConfig& c) -> Size& { return c.ws_write_queue_bytes_max; }, 1));
  o.push_back(number<Size>("ws-write-queue-pause-bytes", "queued bytes past which a session is not read until it drains",
                           [](ServerConfig& c) -> Size& { return c.ws_write_queue_pause_bytes; }, 1));
  o.push_back(number<U64>("ws-slow-consumer-timeout-ms", "a session paused this long is closed as a slow consumer",
                          [](ServerConfig& c) -> U64& { return c.ws_slow_consumer_timeout_ms; }, 1));
  o.push_back(number<U64>("close-timeout-ms", "a session not closed after this is cut",
                          [](ServerConfig& c) -> U64& { return c.close_timeout_ms; }, 1));
  o.push_back(number<U64>("shutdown-drain-ms", "on shutdown, wait this long for in-flight store writes",
                          [](ServerConfig& c) -> U64& { return c.shutdown_drain_ms; }, 0));
  o.push_back(number<U64>("shutdown-grace-ms", "on shutdown, wait this long for sessions to close",
                          [](ServerConfig& c) -> U64& { return c.shutdown_grace_ms; }, 0));
  o.push_back(number<Size>("store-batch-ops-max", "operations in one group commit",
                           [](ServerConfig& c) -> Size& { return c.store_batch_ops_max; }, 1));
  o.push_back(number<U64>("heartbeat-interval-ms", "clients send a frame at least this often",
                          [](ServerConfig& c) -> U64& { return c.gateway.heartbeat_interval_ms; }, 100));
  o.push_back(number<std::uint32_t>("heartbeats-missed-max", "missed heartbeats before the session closes",
                                    [](ServerConfig& c) -> std::uint32_t& { return c.gateway.heartbeats_missed_max; }, 1));
  o.push_back(number<U64>("auth-timeout-ms", "connect to successful auth",
                          [](ServerConfig& c) -> U64& { return c.gateway.auth_timeout_ms; }, 1));
  // Push delivery and media (PUSH; docs/operations.md "Push delivery", "Media").
  o.push_back(Option{"push-webhook", "http://host:port/path the push queue POSTs to; empty = push is only counted",
                     [](const ServerConfig& c) { return c.push_webhook.empty() ? std::string("(none)") : c.push_webhook; },
                     [](ServerConfig& c, const std::string& v) -> std::string {
                       // Empty is allowed: a file may switch push off again.
                       if (!v.empty() && !parse_webhook_url(v)) {
                         return "must be http://host[:port][/path] (plain http, no userinfo, port 1-65535)";
                       }
                       c.push_webhook = v;
                       return {};
                     }});
  o.push_back(number<std::uint32_t>("push-attempts-max", "failed webhook POSTs before a notification is dead-lettered",
                                    [](ServerConfig& c) -> std::uint32_t& { return c.push_attempts_max; }, 1, 100));
  o.push_back(number<U64>("push-backoff-base-ms", "first retry delay; doubles per failure, with jitter",
                          [](ServerConfig& c) -> U64& { return c.push_backoff_base_ms; }, 1));
  o.push_back(number<U64>("push-backoff-max-ms", "cap of the retry delay",
                          [](ServerConfig& c) -> U64& { return c.push_backoff_max_ms; }, 1));
  o.push_back(number<U64>("push-webhook-timeout-ms", "one webhook POST, connect to answer",
                          [](ServerConfig& c) -> U64& { return c.push_webhook_timeout_ms; }, 1));
  o.push_back(number<Size>("push-queue-depth-max", "queued push notifications; beyond: refused",
                           [](ServerConfig& c) -> Size& { return c.push_queue_depth_max; }, 1));
  o.push_back(number<U64>("push-collapse-window-ms", "one push per conversation and device within this window",
                          [](ServerConfig& c) -> U64& { return c.push_collapse_window_ms; }, 0));
  o.push_back(number<U64>("push-seed", "seed of the retry jitter",
                          [](ServerConfig& c) -> U64& { return c.push_seed; }, 0));
  o.push_back(number<Size>("media-bytes-max", "larger media uploads are answered 413",
                           [](ServerConfig& c) -> Size& { return c.media_bytes_max; }, 1));
  o.push_back(number<U64>("media-upload-timeout-ms", "a whole media upload or download must finish within this",
                          [](ServerConfig& c) -> U64& { return c.media_upload_timeout_ms; }, 1));
  o.push_back(number<std::uint32_t>("rate-frames-per-s", "per-connection frame rate (token bucket); 0 = no limit",
                                    [](ServerConfig& c) -> std::uint32_t& { return c.gateway.frames_per_s; }, 0));
  o.push_back(number<std::uint32_t>("rate-frames-burst", "frames a connection may send at once",
                                    [](ServerConfig& c) -> std::uint32_t& { return c.gateway.frames_burst; }, 1));
  o.push_back(number<std::uint32_t>("rate-refusals-max", "frames refused in a row before the session closes",
                                    [](ServerConfig& c) -> std::uint32_t& { return c.gateway.rate_refusals_max; }, 1));
  return o;
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = make_options();
  return table;
}

const Option* find_option(const std::string& key) {
  for (const auto& option : options()) {
    if (option.key == key) return &option;
  }
  return nullptr;
}

struct Pending {  // one key=value from the file or the command line, applied in order
  std::string key;
  std::string value;
  std::string where;  // "--key" or "FILE: key"
};

// Reads the file's top-level mapping of key: scalar. The empty return means success.
std::string read_file(const std::string& path, std::vector<Pending>& out) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return "--config " + path + ": cannot read the file";
  } catch (const YAML::Exception& e) {
    return "--config " + path + ": not valid YAML (" + e.msg + ", line " + std::to_string(e.mark.line + 1) + ")";
  }
  if (root.IsNull()) return {};  // an empty file sets nothing
  if (!root.IsMap()) return "--config " + path + ": the top level must be a mapping of key: value";
  for (const auto& entry : root) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    const std::string where = path + ": " + key;
    if (find_option(key) == nullptr) return where + ": unknown key";
    if (!entry.second.IsScalar()) return where + ": must be a single value";
    out.push_back(Pending{key, entry.second.Scalar(), where});
  }
  return {};
}

// Splits the flags into --config FILE and the rest. The empty return means success.
std::string read_flags(const std::vector<std::string>& args, std::optional<std::string>& config_path,
                       std::vector<Pending>& out, bool& help) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) return "unexpected argument '" + arg + "'";
    std::string key = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    }
    if (key != "config" && find_option(key) == nullptr) return "unknown option --" + key;
    if (!value) {
      if (i + 1 >= args.size()) return "--" + key + " needs a value";
      value = args[++i];
    }
    if (key == "config") {
      config_path = *value;
    } else {
      out.push_back(Pending{key, *value, "--" + key});
    }
  }
  return {};
}

// Checks that need several keys or the machine; the empty return means success.
std::string finish(ServerConfig& config) {
  if (config.workers == 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
  config.workers = std::min(config.workers, config.workers_max);
  if (config.tls_cert.empty() != config.tls_key.empty()) {
    return config.tls_cert.empty() ? "tls-key needs tls-cert" : "tls-cert needs tls-key";
  }
  if (config.token_secret.size() < token_secret_bytes_min) {
    return "token-secret (--token-secret, PARLEY_TOKEN_SECRET or the config file) is required and must have at least " +
           std::to_string(token_secret_bytes_min) + " bytes";
  }
  return {};
}

}  // namespace

std::string resolve_token_secret(const std::optional<std::string>& flag, const std::optional<std::string>& env,
                                 const std::optional<std::string>& file) {
  if (flag) return *flag;
  if (env) return *env;
  return file.value_or(std::string{});
}

std::optional<std::string> env_token_secret() {
  const char* env = std::getenv("PARLEY_TOKEN_SECRET");
  return env ? std::optional<std::string>(env) : std::nullopt;
}

ServeArgs parse_serve_args(const std::vector<std::string>& args, const std::optional<std::string>& env_secret) {
  ServeArgs out;
  std::optional<std::string> config_path;
  std::vector<Pending> from_flags;
  std::vector<Pending> from_file;
  bool help = false;
  out.message = read_flags(args, config_path, from_flags, help);
  if (help) {
    out.action = ServeArgs::Action::help;
    out.message = serve_help();
    return out;
  }
  if (out.message.empty() && config_path) out.message = read_file(*config_path, from_file);
  if (!out.message.empty()) return out;

  std::optional<std::string> flag_secret;
  std::optional<std::string> file_secret;
  for (auto* list : {&from_file, &from_flags}) {  // the file first: flags override it
    for (const Pending& p : *list) {
      if (p.key == "token-secret") {
        (list == &from_file ? file_secret : flag_secret) = p.value;
        continue;
      }
      if (auto problem = find_option(p.key)->set(out.config, p.value); !problem.empty()) {
        out.message = p.where + " " + problem + " (got '" + p.value + "')";
        return out;
      }
    }
  }
  out.config.token_secret = resolve_token_secret(flag_secret, env_secret, file_secret);
  out.message = finish(out.config);
  if (out.message.empty()) out.action = ServeArgs::Action::run;
  return out;
}

std::string serve_help() {
  const ServerConfig defaults;
  std::ostringstream help;
  help << "usage: parley-server serve [--config FILE] [--KEY VALUE | --KEY=VALUE]...\n\n"
          "Every KEY may also be set in the YAML file given by --config (KEY: VALUE, one per line);\n"
          "flags override the file. See docs/operations.md.\n\n"
          "  --config FILE                     YAML configuration file (default: none)\n"
          "  --help, -h                        this help\n";
  for (const auto& option : options()) {
    std::string flag = "--" + option.key + " VALUE";
    flag.resize(std::max<std::size_t>(flag.size() + 1, 34), ' ');
    help << "  " << flag << option.help << " (default: " << option.show(defaults) << ")\n";
  }
  return help.str();
}

}  // namespace parley::server
