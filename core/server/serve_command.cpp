// `parley-server serve`: arguments (and the optional YAML file) → ServerConfig → run_server. The
// keys, their defaults and checks live in config.cpp; this file only reports and runs.
#include "serve_command.hpp"

#include <iostream>
#include <string>
#include <vector>

#include "config.hpp"
#include "server.hpp"

namespace parley::server {

int serve_command(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  ServeArgs parsed = parse_serve_args(args, env_token_secret());
  switch (parsed.action) {
    case ServeArgs::Action::help: std::cout << parsed.message; return 0;
    case ServeArgs::Action::error:
      std::cerr << "parley-server serve: " << parsed.message << "\n(see parley-server serve --help)\n";
      return 2;
    case ServeArgs::Action::run: break;
  }
  return run_server(std::move(parsed.config));
}

}  // namespace parley::server
