// One simulation in a forked child: the child points stdout/stderr at a pipe and runs
// run_simulation; the parent polls the pipe without the GIL, turns the simulator's progress line
// into callback calls and checks for Ctrl-C between polls. See forked_run.hpp.
#include "forked_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string_view>

namespace py = pybind11;

namespace parley::python {
namespace {

constexpr int poll_interval_ms = 100;            // how soon Ctrl-C is noticed
constexpr std::size_t log_bytes_max = 64 * 1024;  // the child's chatter kept for error messages
constexpr std::string_view progress_prefix = "parley-sim: simulated ";

[[noreturn]] void child_main(const sim::SimRunOptions& options, int write_fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // an abandoned simulation must not outlive its notebook
  if (::getppid() != parent) ::_exit(3);
  std::signal(SIGINT, SIG_IGN);         // the parent decides what Ctrl-C means
  ::dup2(write_fd, STDOUT_FILENO);
  ::dup2(write_fd, STDERR_FILENO);
  int status = 2;
  try {
    status = sim::run_simulation(options);
  } catch (const std::exception& e) {
    std::cerr << "parley-sim: internal error: " << e.what() << "\n";
  }
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  ::_exit(status);
}

// Splits the child's output into progress updates and log lines ('\r' ends a progress line).
class OutputParser {
 public:
  // Returns true when a new progress figure arrived.
  bool feed(std::string_view chunk) {
    bool updated = false;
    pending_.append(chunk);
    std::size_t start = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (pending_[i] != '\r' && pending_[i] != '\n') continue;
      updated |= take_line(std::string_view(pending_).substr(start, i - start));
      start = i + 1;
    }
    pending_.erase(0, start);
    return updated;
  }
  std::string finish() {
    take_line(pending_);
    pending_.clear();
    return std::move(log_);
  }
  double simulated_s() const { return simulated_s_; }
  double total_s() const { return total_s_; }

 private:
  bool take_line(std::string_view line) {
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    if (line.empty()) return false;
    if (line.substr(0, progress_prefix.size()) == progress_prefix) {
      const std::string text(line.substr(progress_prefix.size()));
      return std::sscanf(text.c_str(), "%lf/%lf", &simulated_s_, &total_s_) == 2;
    }
    if (log_.size() < log_bytes_max) log_.append(line).push_back('\n');
    return false;
  }

  std::string pending_, log_;
  double simulated_s_ = 0, total_s_ = 0;
};

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Reads what the pipe has; false at end of file (the child has exited or closed its output).
bool read_available(int fd, OutputParser& parser, bool& progressed) {
  pollfd p{fd, POLLIN, 0};
  int ready = 0;
  {
    py::gil_scoped_release release;
    ready = ::poll(&p, 1, poll_interval_ms);
  }
  if (ready <= 0) return true;  // timeout or EINTR: look at signals and poll again
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  progressed |= parser.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
  return true;
}

// Waits for the child's output to end, relaying progress; kills the child on any Python error.
void relay(pid_t pid, int fd, OutputParser& parser, const py::object& progress) {
  for (;;) {
    bool progressed = false;
    const bool open = read_available(fd, parser, progressed);
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (progressed && !progress.is_none()) progress(parser.simulated_s(), parser.total_s());
    } catch (...) {
      ::close(fd);
      kill_and_reap(pid);
      throw;
    }
    if (!open) return;
  }
}

}  // namespace

ForkedRunOutcome run_forked(const sim::SimRunOptions& options, const py::object& progress) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("parley.run: pipe() failed");
  std::cout.flush();
  std::fflush(nullptr);  // nothing buffered in the parent may be written twice
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error("parley.run: fork() failed");
  }
  if (pid == 0) child_main(options, fds[1], parent);
  ::close(fds[1]);
  OutputParser parser;
  relay(pid, fds[0], parser, progress);
  ::close(fds[0]);
  int status = 0;
  {
    py::gil_scoped_release release;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ForkedRunOutcome outcome;
  outcome.log = parser.finish();
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  return outcome;
}

}  // namespace parley::python
