// parley-sim: the simulator of parley deployments (DESIGN.md §4). `parley-sim run SCENARIO.yaml`
// is the SimGrid engine of whole deployments (sim_run.hpp, docs/simulator.md); without a
// subcommand, the local engine runs one node of the real core on simulated time with a seeded
// client population and checks every message.
#include <xbt/base.h>  // must precede version.h, which uses its macros
#include <simgrid/version.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "local_run.hpp"
#include "pingpong.hpp"
#include "sim_run.hpp"

namespace {

using parley::sim::LocalRunConfig;

template <class T>
std::function<bool(std::string_view)> number(T& target) {
  return [&target](std::string_view text) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), target);
    return ec == std::errc{} && end == text.data() + text.size();
  };
}

void usage(std::ostream& out) {
  out << "usage: parley-sim run SCENARIO.yaml [--set k=v ...] [--out DIR] [--seed N]  (see run --help)\n"
         "       parley-sim pingpong [ROUNDS]   (bare SimGrid mailbox reference, JSON on stdout)\n"
         "       parley-sim [options]   (the local engine: one node, every message checked)\n"
         "  --seed N              random seed (default 1); printed first, reproduces the run\n"
         "  --users N             simulated users (default 200)\n"
         "  --devices N           devices per user (default 2, max 16)\n"
         "  --groups N            groups created at start (default 10)\n"
         "  --group-size N        members per group, creator included (default 20, max 500)\n"
         "  --rate X              messages per user per second (default 0.2)\n"
         "  --group-share X       fraction of messages sent to groups, 0..1 (default 0.3)\n"
         "  --duration-s N        simulated seconds of traffic (default 10)\n"
         "  --summary FILE        also write the JSON summary to FILE\n"
         "Exit status: 0 when every message reached every device once and in order, 1 when\n"
         "not, 2 on a usage error.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "run") return parley::sim::run_command(argc - 1, argv + 1);
  if (argc >= 2 && std::string_view(argv[1]) == "pingpong") {
    return parley::sim::pingpong_command(argc - 1, argv + 1);
  }
  LocalRunConfig config;
  std::uint64_t duration_s = 10;
  std::string summary_path;
  const std::map<std::string_view, std::function<bool(std::string_view)>> options{
      {"--seed", number(config.seed)},
      {"--users", number(config.users)},
      {"--devices", number(config.devices_per_user)},
      {"--groups", number(config.groups)},
      {"--group-size", number(config.group_size)},
      {"--rate", number(config.messages_per_user_per_s)},
      {"--group-share", number(config.group_share)},
      {"--duration-s", number(duration_s)},
      {"--summary", [&](std::string_view v) { summary_path = v; return !v.empty(); }},
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      return 0;
    }
    auto option = options.find(flag);
    if (option == options.end() || i + 1 >= argc || !option->second(argv[i + 1])) {
      std::cerr << "parley-sim: bad option '" << flag << (i + 1 < argc ? "' value '" + std::string(argv[i + 1]) : std::string("'")) << "'\n";
      usage(std::cerr);
      return 2;
    }
    ++i;
  }
  config.duration_ms = duration_s * 1000;
  if (config.users < 2 || config.devices_per_user < 1 || config.devices_per_user > 16 ||
      config.group_size > 500 || config.messages_per_user_per_s <= 0 || config.group_share < 0 ||
      config.group_share > 1) {
    std::cerr << "parley-sim: need --users >= 2, 1 <= --devices <= 16, --group-size <= 500, "
                 "--rate > 0 and 0 <= --group-share <= 1\n";
    return 2;
  }
  std::cerr << "parley-sim: seed " << config.seed << ", engine local (SimGrid "
            << SIMGRID_VERSION_MAJOR << "." << SIMGRID_VERSION_MINOR << " available)\n";
  const auto summary = parley::sim::run_local(config);
  const std::string json = summary.to_json(config);
  std::cout << json << "\n";
  if (!summary_path.empty()) std::ofstream(summary_path) << json << "\n";
  std::cerr << "parley-sim: " << summary.sends << " messages, " << summary.delivered << "/"
            << summary.expected_deliveries << " deliveries, " << summary.missing << " missing, "
            << summary.duplicates << " duplicated, " << summary.out_of_order << " out of order: "
            << (summary.passed() ? "PASS" : "FAIL") << "\n";
  return summary.passed() ? 0 : 1;
}
