// Command-line front end of `parley-server serve` (Boost.program_options).
#pragma once

namespace parley::server {

// Parses the flags, checks them (the token secret names its flag when missing or short) and runs
// the server. Returns the process exit code (2 for usage errors).
int serve_command(int argc, char** argv);

}  // namespace parley::server
