// Command-line front end of `parley-server serve` (keys and parsing: config.hpp).
#pragma once

namespace parley::server {

// Parses the flags and the --config file, checks them (errors name the key) and runs
// the server. Returns the process exit code (2 for usage errors).
int serve_command(int argc, char** argv);

}  // namespace parley::server
