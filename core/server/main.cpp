// parley-server: the real chat server runtime (DESIGN.md §4). `serve` runs the WebSocket chat
// server (serve_command.cpp → net_server.cpp); `token` mints authentication tokens for it.
#include <boost/program_options.hpp>

#include <chrono>

#include <iostream>
#include <optional>
#include <string>

#include "config.hpp"
#include "parley/clock.hpp"
#include "serve_command.hpp"
#include "token.hpp"

namespace po = boost::program_options;

namespace {

std::string secret_from(const po::variables_map& vm) {
  const auto flag = vm.count("secret") ? std::optional<std::string>(vm["secret"].as<std::string>()) : std::nullopt;
  return parley::server::resolve_token_secret(flag, parley::server::env_token_secret());
}

int token_command(int argc, char** argv) {
  po::options_description options("parley-server token: mint an authentication token");
  options.add_options()
      ("help,h", "this help")
      ("user", po::value<std::uint64_t>()->required(), "user id (1..2147483647)")
      ("device", po::value<std::uint64_t>()->default_value(1), "device id")
      ("ttl-s", po::value<std::uint64_t>()->default_value(86'400), "lifetime in seconds")
      ("now-ms", po::value<std::uint64_t>(), "issue time (default: the system clock)")
      ("secret", po::value<std::string>(), "signing secret (default: $PARLEY_TOKEN_SECRET)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "parley-server token: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  const std::string secret = secret_from(vm);
  if (secret.size() < parley::server::token_secret_bytes_min) {
    std::cerr << "parley-server token: the secret (--secret or PARLEY_TOKEN_SECRET) must have at least "
              << parley::server::token_secret_bytes_min << " bytes\n";
    return 2;
  }
  const std::uint64_t now_ms = vm.count("now-ms")
      ? vm["now-ms"].as<std::uint64_t>()
      : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch()).count());
  const parley::TokenClaims claims{parley::UserId{vm["user"].as<std::uint64_t>()},
                                   parley::DeviceId{vm["device"].as<std::uint64_t>()},
                                   now_ms + vm["ttl-s"].as<std::uint64_t>() * 1000};
  std::cout << parley::server::mint_token(secret, claims) << "\n";
  return 0;
}

void usage() {
  std::cout << "usage: parley-server <command> [options]\n\n"
               "commands:\n"
               "  serve    run the chat server (see: parley-server serve --help)\n"
               "  token    mint an authentication token (see: parley-server token --help)\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "serve") return parley::server::serve_command(argc - 1, argv + 1);
  if (argc >= 2 && std::string(argv[1]) == "token") return token_command(argc - 1, argv + 1);
  usage();
  if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) return 0;
  return 2;
}
