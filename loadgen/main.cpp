// parley-load: the open-loop load generator (DESIGN.md §4). This first cut plans a seeded send
// schedule from the shared workload model and prints it, so a schedule can be inspected and
// compared with the simulator's before the WebSocket client drives a real server with it.
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "arrivals.hpp"

namespace {

bool parse(std::string_view text, double& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

int usage(int code) {
  (code ? std::cerr : std::cout)
      << "usage: parley-load plan --users N --rate MSGS_PER_USER_PER_S --seconds S [--seed N]\n"
         "  Prints the planned sends (time in ms, user index) of the shared Poisson workload.\n"
         "  Driving a server over WebSockets is not in this build yet.\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help") return usage(argc < 2 ? 2 : 0);
  if (std::string_view(argv[1]) != "plan") return usage(2);
  double users = 100, rate = 1, seconds = 1, seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    double* target = flag == "--users" ? &users : flag == "--rate" ? &rate
                   : flag == "--seconds" ? &seconds : flag == "--seed" ? &seed : nullptr;
    if (!target || !parse(argv[i + 1], *target) || *target < 0) {
      std::cerr << "parley-load plan: bad option " << flag << " " << argv[i + 1] << "\n";
      return usage(2);
    }
  }
  if (users < 1 || rate <= 0 || seconds <= 0 || (argc - 2) % 2 != 0) return usage(2);
  std::cout << "# seed " << static_cast<std::uint64_t>(seed) << "\nat_ms,user\n";
  parley::workload::PoissonArrivals arrivals(static_cast<std::uint64_t>(seed),
                                             static_cast<std::uint64_t>(users), rate, 0);
  for (auto a = arrivals.next(); a.at_ms < seconds * 1000; a = arrivals.next()) {
    std::cout << a.at_ms << "," << a.user_index << "\n";
  }
  return 0;
}
