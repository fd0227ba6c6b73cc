// The configuration of `parley-server serve`: one table of keys shared by the YAML file
// (`--config FILE`) and the command line (`--KEY VALUE`), flags overriding the file. Plain C++.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server.hpp"

namespace parley::server {

// The token secret, from the one lookup both subcommands share: an explicit flag wins, then
// $PARLEY_TOKEN_SECRET (keeps the secret out of `ps`), then the configuration file.
std::string resolve_token_secret(const std::optional<std::string>& flag, const std::optional<std::string>& env,
                                 const std::optional<std::string>& file = std::nullopt);
std::optional<std::string> env_token_secret();  // $PARLEY_TOKEN_SECRET when set

struct ServeArgs {
  enum class Action { run, help, error };
  Action action = Action::error;
  ServerConfig config;  // complete and checked when action == run
  std::string message;  // help text or the problem (naming the key) for the user
};

// Parses `serve`'s arguments (without the subcommand itself). `env_secret` is
// $PARLEY_TOKEN_SECRET (passed in so tests need no environment). Unknown keys, bad values and
// unreadable files are errors naming the key or the file.
ServeArgs parse_serve_args(const std::vector<std::string>& args, const std::optional<std::string>& env_secret);

// Every key with its default, as `--help` prints it.
std::string serve_help();

}  // namespace parley::server
