// See run_context.hpp.
#include "run_context.hpp"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

namespace parley::load {
namespace {

constexpr std::uint64_t fd_reserve = 64;  // results files, resolver, stdio, the odd pipe

}  // namespace

std::string git_revision() {
  char exe[4096] = {};
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string dir = n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : ".";
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  if (dir.empty() || dir.find('\'') != std::string::npos) dir = ".";
  const std::string command = "git -C '" + dir + "' rev-parse HEAD 2>/dev/null";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "unknown";
  char buf[64] = {};
  std::string out;
  if (std::fgets(buf, sizeof buf, pipe)) out = buf;
  ::pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.size() == 40 ? out : "unknown";
}

std::string host_description() {
  utsname u{};
  std::string kernel = ::uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.machine : "unknown";
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGE_SIZE);
  const double gib = pages > 0 && page > 0 ? static_cast<double>(pages) * page / (1024.0 * 1024 * 1024) : 0;
  char mem[32];
  std::snprintf(mem, sizeof mem, "%.1f GiB", gib);
  return kernel + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + mem;
}

std::string utc_now_rfc3339() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::uint64_t connections_max() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1'000'000;
  return limit.rlim_cur > fd_reserve ? limit.rlim_cur - fd_reserve : 0;
}

}  // namespace parley::load
