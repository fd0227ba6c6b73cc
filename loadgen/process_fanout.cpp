// See process_fanout.hpp. Children are this executable (/proc/self/exe); the token secret reaches
// them through the environment, not argv (which any local user can read).
#include "process_fanout.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "run_command.hpp"

namespace parley::load {
namespace {

std::vector<std::string> child_args(const RunOptions& o, std::uint32_t j, const std::string& out,
                                    std::int64_t start_at_ms) {
  std::vector<std::string> a{"parley-load", "run", o.scenario_path, "--target",
                             "ws://" + o.target->host + ":" + std::to_string(o.target->port) + o.target->path};
  for (const auto& s : o.overrides) a.insert(a.end(), {"--set", s});
  if (o.seed) a.insert(a.end(), {"--seed", std::to_string(*o.seed)});
  for (const ClientFault& f : o.client_faults) {
    const bool slow = f.kind == ClientFault::Kind::slow;
    std::string spec = std::to_string(f.at_s) + ":" + std::to_string(f.duration_s) + ":" + std::to_string(f.fraction);
    if (slow) spec += ":" + std::to_string(f.delay_ms);
    a.insert(a.end(), {slow ? "--slow-consumers" : "--client-partition", spec});
  }
  a.insert(a.end(), {"--threads", std::to_string(o.threads), "--source-addrs", std::to_string(o.source_addresses),
                     "--source-first", std::to_string(o.source_first + j * o.source_addresses),
                     "--grace-s", std::to_string(o.grace_s), "--shard",
                     std::to_string(j) + "/" + std::to_string(o.processes), "--out", out,
                     "--start-at-ms", std::to_string(start_at_ms), "--quiet"});
  return a;
}

pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  std::vector<char*> argv;
  for (const auto& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::_Exit(exit_usage);
}

}  // namespace

int run_processes(const RunOptions& o, const std::string& out_dir) {
  ::setenv("PARLEY_TOKEN_SECRET", o.token_secret.c_str(), 1);
  const std::int64_t start_at_ms =
      o.start_at_ms ? *o.start_at_ms
                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count() + process_start_lead_ms;
  std::vector<std::string> dirs;
  std::vector<pid_t> pids;
  for (std::uint32_t j = 0; j < o.processes; ++j) {
    dirs.push_back(out_dir + "/shard-" + std::to_string(j));
    const pid_t pid = spawn(child_args(o, j, dirs.back(), start_at_ms));
    if (pid < 0) {
      std::cerr << "parley-load: fork failed for worker process " << j << "\n";
      return exit_usage;
    }
    pids.push_back(pid);
  }
  std::cerr << "parley-load: " << o.processes << " worker processes started, results in " << out_dir << "/shard-*\n";
  int worst = exit_pass;
  for (std::size_t j = 0; j < pids.size(); ++j) {
    int status = 0;
    ::waitpid(pids[j], &status, 0);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : exit_slo_failed;
    if (code != exit_pass) std::cerr << "parley-load: worker process " << j << " exited with " << code << "\n";
    if (code == exit_usage) worst = exit_usage;
  }
  if (worst == exit_usage) return exit_usage;
  std::vector<std::string> merge_args = dirs;
  merge_args.insert(merge_args.end(), {"--out", out_dir});
  return merge_command(merge_args);
}

}  // namespace parley::load
