// Time enters the core only through this port (DESIGN.md §2). Runtimes pass a real clock (server),
// the simulated clock (sim) or a ManualClock (tests); roles never read a system clock.
#pragma once

#include <cstdint>

namespace parley {

// Milliseconds since the Unix epoch, as the runtime sees them. May step backwards (NTP, a fault
// injector); code that needs monotonic ids copes with that (see Snowflake).
using TimeMs = std::uint64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimeMs start_ms = 1'767'225'600'000ULL) : now_ms_(start_ms) {}  // 2026-01-01
  TimeMs now_ms() const override { return now_ms_; }
  void set(TimeMs t_ms) { now_ms_ = t_ms; }
  void advance(TimeMs delta_ms) { now_ms_ += delta_ms; }

 private:
  TimeMs now_ms_;
};

}  // namespace parley
