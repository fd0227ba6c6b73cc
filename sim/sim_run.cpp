// `parley-sim run`: argument parsing, scenario and calibration loading, the seed printed first,
// then simulate() and the run directory. See sim_run.hpp.
#include "sim_run.hpp"

#include <sys/utsname.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "parley/metrics/run_results.hpp"
#include "parley/metrics/summary.hpp"
#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"
#include "report.hpp"
#include "simulation.hpp"

namespace parley::sim {
namespace {

void usage(std::ostream& out) {
  out << "usage: parley-sim run SCENARIO.yaml [options]\n"
         "  --set key=value       override a scenario field (repeatable), e.g. duration_s=5\n"
         "  --seed N              seed (default: the scenario's); printed first\n"
         "  --out DIR             run directory (default results/runs/<scenario>-<seed>)\n"
         "  --sample-users N      traced users running through the real core (default 2000)\n"
         "  --traced-per-s X      traced sends per second, at least (default 100)\n"
         "  --sample-gateways N   gateways the traced sample lives on (default 32)\n"
         "  --calibration FILE    per-operation CPU costs (default results/calibration.json)\n"
         "  --cost key=value      override one calibration figure (µs), repeatable\n"
         "  --grace-s X           simulated seconds after the last send and the last fault's end\n"
         "                        (default 15; a fault lasting past the sends extends the run by\n"
         "                        at most 60 s)\n"
         "  --no-checker          do not fail the run on checker findings\n"
         "  --quiet               no progress line\n"
         "Exit status: 0 when every SLO and the checker pass, 1 when not, 2 on bad input.\n";
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

std::string host_text() {
  utsname u{};
  if (uname(&u) != 0) return "";
  return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

// The source tree's commit when run from a checkout (best effort: empty otherwise).
std::string git_revision() {
  std::string out;
  if (FILE* pipe = popen("git rev-parse HEAD 2>/dev/null", "r")) {
    char buffer[64];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    pclose(pipe);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

Result<Calibration> calibration_of(const SimRunOptions& options) {
  Calibration calibration;
  if (std::filesystem::exists(options.calibration_path)) {
    auto loaded = load_calibration(options.calibration_path);
    if (!loaded.ok()) return loaded.error();
    calibration = loaded.value();
  }
  for (const auto& text : options.cost_overrides) {
    auto status = apply_cost_override(calibration, text);
    if (!status.ok()) return status.error();
  }
  return calibration;
}

}  // namespace

int run_simulation(const SimRunOptions& options) {
  auto parsed = scenario::parse_file(options.scenario_path, options.overrides);
  if (!parsed.ok()) {
    std::cerr << parsed.error().message << "\n";
    return 2;
  }
  auto scenario = parsed.value();
  if (options.seed) scenario.seed = *options.seed;
  std::cout << "parley-sim: seed " << scenario.seed << std::endl;
  auto calibration = calibration_of(options);
  if (!calibration.ok()) {
    std::cerr << "parley-sim: " << calibration.error().message << "\n";
    return 2;
  }
  const auto wall_start = std::chrono::steady_clock::now();
  const auto started_at = utc_now();
  const auto result = simulate(scenario, calibration.value(), options, scenario.seed);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto report = make_report(scenario, calibration.value(), result, options.checker);

  metrics::Manifest manifest;
  manifest.tool = "parley-sim";
  manifest.tool_version = "0.1";
  manifest.scenario_name = scenario.name;
  manifest.scenario_yaml = scenario::to_yaml(scenario);
  manifest.seed = scenario.seed;
  manifest.overrides = options.overrides;
  for (const auto& c : options.cost_overrides) manifest.overrides.push_back("cost." + c);
  manifest.command_line = options.command_line;
  manifest.host = host_text();
  manifest.git_revision = git_revision();
  manifest.started_at = started_at;
  const std::string dir = options.out_dir.empty()
                              ? "results/runs/" + scenario.name + "-" + std::to_string(scenario.seed)
                              : options.out_dir;
  auto written = write_report(dir, manifest, report, result);
  if (!written.ok()) {
    std::cerr << "parley-sim: " << written.error().message << "\n";
    return 2;
  }
  const auto& c = result.checker;
  const auto delivery = metrics::summarize(result.delivery);
  std::cout << "parley-sim: " << scenario.name << ": " << result.simulated_s << " s simulated in "
            << wall_s << " s wall (" << (wall_s > 0 ? result.simulated_s / wall_s : 0) << "x), "
            << result.events << " events; traced " << c.sent << " messages, " << c.delivered << "/"
            << c.expected << " deliveries, delivery p99 " << delivery.p99_us / 1000.0 << " ms\n"
            << "parley-sim: checker " << (report.checker_passed ? "PASS" : "FAIL") << " (missing "
            << c.missing << " of which " << c.missing_blamed << " counted against faults, duplicated " << c.duplicated << ", reordered " << c.reordered
            << ", unacked " << c.unacked << "); SLOs " << (report.summary.pass ? "PASS" : "FAIL") << "\n"
            << "parley-sim: " << report.capacity_line << "\n"
            << "parley-sim: results in " << dir << "\n";
  return report.summary.pass ? 0 : 1;
}

int run_command(int argc, char** argv) {
  SimRunOptions options;
  for (int i = 0; i < argc; ++i) options.command_line.emplace_back(argv[i]);
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> std::string_view { return i + 1 < argc ? std::string_view(argv[++i]) : std::string_view(); };
    bool ok = true;
    if (flag == "--help" || flag == "-h") {
      usage(std::cout);
      return 0;
    } else if (flag == "--set") {
      options.overrides.emplace_back(value());
    } else if (flag == "--seed") {
      std::uint64_t seed = 0;
      ok = parse_number(value(), seed);
      options.seed = seed;
    } else if (flag == "--out") {
      options.out_dir = value();
    } else if (flag == "--sample-users") {
      ok = parse_number(value(), options.sample_users) && options.sample_users >= 2;
    } else if (flag == "--traced-per-s") {
      ok = parse_number(value(), options.traced_per_s) && options.traced_per_s >= 0;
    } else if (flag == "--sample-gateways") {
      ok = parse_number(value(), options.sample_gateways) && options.sample_gateways >= 1 &&
           options.sample_gateways <= 1000;
    } else if (flag == "--calibration") {
      options.calibration_path = value();
    } else if (flag == "--cost") {
      options.cost_overrides.emplace_back(value());
    } else if (flag == "--grace-s") {
      ok = parse_number(value(), options.grace_s) && options.grace_s >= 0;
    } else if (flag == "--no-checker") {
      options.checker = false;
    } else if (flag == "--quiet") {
      options.progress = false;
    } else if (!flag.empty() && flag[0] != '-' && options.scenario_path.empty()) {
      options.scenario_path = flag;
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "parley-sim run: bad argument '" << flag << "'\n";
      usage(std::cerr);
      return 2;
    }
  }
  if (options.scenario_path.empty()) {
    usage(std::cerr);
    return 2;
  }
  return run_simulation(options);
}

}  // namespace parley::sim
