// parley-load: the open-loop load generator (DESIGN.md §4, docs/loadgen.md). `run` drives a
// server with a scenario and verifies every delivery, `merge` combines shard runs, `plan` prints
// the seeded Poisson schedule so it can be inspected and compared with the simulator's.
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "arrivals.hpp"
#include "run_command.hpp"
#include "run_options.hpp"

namespace {

bool parse(std::string_view text, double& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

int usage(int code) {
  (code ? std::cerr : std::cout)
      << parley::load::run_usage()
      << "usage: parley-load merge RUN_DIR... --out DIR\n"
         "  Combines the run directories of --shard i/n runs into one (histograms merged exactly).\n"
         "usage: parley-load plan --users N --rate MSGS_PER_USER_PER_S --seconds S [--seed N]\n"
         "  Prints the planned sends (time in ms, user index) of the shared Poisson workload.\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help") return usage(argc < 2 ? 2 : 0);
  const std::string_view command = argv[1];
  if (command == "run" || command == "merge") {
    const std::vector<std::string> args(argv + 2, argv + argc);
    if (command == "merge") return parley::load::merge_command(args);
    return parley::load::run_command(args, std::vector<std::string>(argv, argv + argc));
  }
  if (command != "plan") return usage(2);
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
