// `parley-server serve`: flags → ServerConfig → run_server. Every flag has a default except the
// token secret, which may also come from $PARLEY_TOKEN_SECRET (so it stays out of `ps`).
#include "serve_command.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "server.hpp"
#include "token.hpp"

namespace parley::server {
namespace {

namespace po = boost::program_options;

po::options_description serve_options(const ServerConfig& d) {
  po::options_description options("parley-server serve: run the chat server");
  options.add_options()
      ("help,h", "this help")
      ("listen", po::value<std::string>()->default_value(d.listen), "address to listen on")
      ("port", po::value<std::uint16_t>()->default_value(d.port),
       "TCP port for WebSocket and HTTP; 0 picks a free port (printed on stdout)")
      ("data-dir", po::value<std::string>()->default_value(d.data_dir), "RocksDB data directory")
      ("workers", po::value<std::size_t>()->default_value(0), "worker threads; 0 = one per core")
      ("token-secret", po::value<std::string>(),
       "HMAC secret for tokens, at least 16 bytes (default: $PARLEY_TOKEN_SECRET)")
      ("sync", po::value<bool>()->default_value(d.sync, d.sync ? "true" : "false"),
       "fsync the write-ahead log before acknowledging (true/false)")
      ("log-level", po::value<std::string>()->default_value(std::string(to_string(d.log_level))),
       "trace, debug, info, warn or error");
  return options;
}

// Fills config from vm; an empty return means success, otherwise the message for the user.
std::string to_config(const po::variables_map& vm, ServerConfig& config) {
  config.listen = vm["listen"].as<std::string>();
  config.port = vm["port"].as<std::uint16_t>();
  config.data_dir = vm["data-dir"].as<std::string>();
  config.sync = vm["sync"].as<bool>();
  if (!parse_log_level(vm["log-level"].as<std::string>(), config.log_level)) {
    return "--log-level must be one of trace, debug, info, warn, error";
  }
  config.workers = vm["workers"].as<std::size_t>();
  if (config.workers == 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
  if (config.workers > config.workers_max) {
    return "--workers must be at most " + std::to_string(config.workers_max);
  }
  if (vm.count("token-secret")) {
    config.token_secret = vm["token-secret"].as<std::string>();
  } else if (const char* env = std::getenv("PARLEY_TOKEN_SECRET")) {
    config.token_secret = env;
  }
  if (config.token_secret.size() < token_secret_bytes_min) {
    return "--token-secret (or PARLEY_TOKEN_SECRET) is required and must have at least " +
           std::to_string(token_secret_bytes_min) + " bytes";
  }
  if (config.data_dir.empty()) return "--data-dir must not be empty";
  return {};
}

}  // namespace

int serve_command(int argc, char** argv) {
  ServerConfig config;
  const auto options = serve_options(config);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "parley-server serve: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (auto problem = to_config(vm, config); !problem.empty()) {
    std::cerr << "parley-server serve: " << problem << "\n";
    return 2;
  }
  return run_server(std::move(config));
}

}  // namespace parley::server
