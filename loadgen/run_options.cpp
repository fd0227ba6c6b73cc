// See run_options.hpp.
#include "run_options.hpp"

#include <charconv>
#include <cstdlib>

namespace parley::load {
namespace {

Error usage_error(std::string message) { return Error{ErrorCode::invalid_value, std::move(message)}; }

template <class T>
bool parse_number(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::string run_usage() {
  return "usage: parley-load run SCENARIO.yaml [--target ws://HOST:PORT[/PATH]] [--set key=value]...\n"
         "         [--out DIR] [--seed N] [--shard i/n | --processes N] [--threads N]\n"
         "         [--source-addrs N] [--source-first N]\n"
         "         [--grace-s S] [--start-at-ms UNIX_MS] [--token-secret S] [--quiet]\n"
         "         [--client-partition AT_S:DURATION_S:FRACTION]...\n"
         "         [--slow-consumers AT_S:DURATION_S:FRACTION:DELAY_MS]...\n"
         "  Drives a parley server open-loop with the scenario's planned sends and verifies every\n"
         "  delivery. Exit codes: 0 pass, 1 SLO failed, 2 usage or scenario error.\n"
         "  The token secret defaults to $PARLEY_TOKEN_SECRET (docs/loadgen.md).\n";
}

Result<Target> parse_target(const std::string& url) {
  constexpr std::string_view scheme = "ws://";
  if (url.rfind("wss://", 0) == 0) return usage_error("--target: wss:// is not supported (plain ws only)");
  if (url.rfind(scheme, 0) != 0) return usage_error("--target: expected ws://HOST:PORT, got '" + url + "'");
  std::string rest = url.substr(scheme.size());
  Target target;
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    target.path = rest.substr(slash);
    rest.resize(slash);
  }
  const auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    if (!parse_number(rest.substr(colon + 1), target.port) || target.port == 0) {
      return usage_error("--target: bad port in '" + url + "'");
    }
    rest.resize(colon);
  }
  if (rest.empty()) return usage_error("--target: no host in '" + url + "'");
  target.host = rest;
  return target;
}

Result<ClientFault> parse_client_fault(ClientFault::Kind kind, const std::string& text) {
  const bool slow = kind == ClientFault::Kind::slow;
  const std::string flag = slow ? "--slow-consumers" : "--client-partition";
  const std::string form = slow ? "AT_S:DURATION_S:FRACTION:DELAY_MS" : "AT_S:DURATION_S:FRACTION";
  std::vector<double> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = text.find(':', start);
    const std::string cell = text.substr(start, colon == std::string::npos ? colon : colon - start);
    char* end = nullptr;
    const double value = std::strtod(cell.c_str(), &end);
    if (cell.empty() || end != cell.c_str() + cell.size() || !(value >= 0 && value <= 86400)) {
      return usage_error(flag + ": expected " + form + ", got '" + text + "'");
    }
    fields.push_back(value);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (fields.size() != (slow ? 4u : 3u) || fields[1] <= 0 || fields[2] > 1 || (slow && fields[3] <= 0)) {
    return usage_error(flag + ": expected " + form + " (duration > 0, fraction in [0, 1]" +
                       (slow ? ", delay > 0" : "") + "), got '" + text + "'");
  }
  return ClientFault{kind, fields[0], fields[1], fields[2], slow ? fields[3] : 0};
}

Result<RunOptions> parse_run_options(const std::vector<std::string>& args) {
  RunOptions o;
  if (const char* env = std::getenv("PARLEY_TOKEN_SECRET")) o.token_secret = env;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--quiet") { o.quiet = true; continue; }
    if (a.rfind("--", 0) != 0) {
      if (!o.scenario_path.empty()) return usage_error("unexpected argument '" + a + "'");
      o.scenario_path = a;
      continue;
    }
    if (i + 1 >= args.size()) return usage_error(a + ": missing value");
    const std::string& v = args[++i];
    if (a == "--target") {
      auto t = parse_target(v);
      if (!t) return t.error();
      o.target = t.value();
    } else if (a == "--set") {
      if (v.find('=') == std::string::npos) return usage_error("--set: expected key=value, got '" + v + "'");
      o.overrides.push_back(v);
    } else if (a == "--out") {
      o.out_dir = v;
    } else if (a == "--seed") {
      std::uint64_t seed = 0;
      if (!parse_number(v, seed)) return usage_error("--seed: expected an unsigned integer, got '" + v + "'");
      o.seed = seed;
    } else if (a == "--shard") {
      auto s = workload::parse_shard(v);
      if (!s) return Error{ErrorCode::invalid_value, "--shard: " + s.error().message};
      o.shard = s.value();
    } else if (a == "--token-secret") {
      o.token_secret = v;
    } else if (a == "--threads") {
      if (!parse_number(v, o.threads) || o.threads < 1 || o.threads > threads_max) {
        return usage_error("--threads: expected 1.." + std::to_string(threads_max) + ", got '" + v + "'");
      }
    } else if (a == "--source-addrs") {
      if (!parse_number(v, o.source_addresses) || o.source_addresses > source_addresses_max) {
        return usage_error("--source-addrs: expected 0.." + std::to_string(source_addresses_max));
      }
    } else if (a == "--source-first") {
      if (!parse_number(v, o.source_first) || o.source_first < 1 || o.source_first > 254) {
        return usage_error("--source-first: expected 1..254, got '" + v + "'");
      }
    } else if (a == "--processes") {
      if (!parse_number(v, o.processes) || o.processes < 1 || o.processes > processes_max) {
        return usage_error("--processes: expected 1.." + std::to_string(processes_max) + ", got '" + v + "'");
      }
    } else if (a == "--start-at-ms") {
      std::int64_t at = 0;
      if (!parse_number(v, at) || at <= 0) return usage_error("--start-at-ms: expected Unix milliseconds, got '" + v + "'");
      o.start_at_ms = at;
    } else if (a == "--client-partition" || a == "--slow-consumers") {
      auto fault = parse_client_fault(a == "--slow-consumers" ? ClientFault::Kind::slow : ClientFault::Kind::partition, v);
      if (!fault) return fault.error();
      o.client_faults.push_back(fault.value());
    } else if (a == "--grace-s") {
      char* end = nullptr;
      o.grace_s = std::strtod(v.c_str(), &end);
      if (end != v.c_str() + v.size() || !(o.grace_s >= 0 && o.grace_s <= 600)) {
        return usage_error("--grace-s: expected seconds in [0, 600], got '" + v + "'");
      }
    } else {
      return usage_error("unknown option '" + a + "'");
    }
  }
  if (o.scenario_path.empty()) return usage_error("no scenario file given");
  if (o.processes > 1 && o.shard.count > 1) return usage_error("--processes and --shard cannot be combined");
  if (o.source_first + o.source_addresses * o.processes > 255) {
    return usage_error("--source-first + --source-addrs × --processes must stay within 127.0.0.255");
  }
  return o;
}

}  // namespace parley::load
