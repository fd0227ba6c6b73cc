// The real runtime's Clock: wall-clock milliseconds since the Unix epoch from std::chrono's
// system_clock. Stateless and therefore safe to share between every worker thread.
#pragma once

#include <chrono>

#include "parley/clock.hpp"

namespace parley::server {

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    return static_cast<TimeMs>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  }
};

}  // namespace parley::server
