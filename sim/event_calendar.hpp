// The simulator's calendar: timed callbacks in (time, insertion order), so equal times run in the
// order they were scheduled and a run is a pure function of its seed. Also the core's Clock port:
// roles read the calendar's current time, never a system clock.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "parley/clock.hpp"

namespace parley::sim {

using TimeUs = std::int64_t;  // simulated microseconds since the start of the run

class EventCalendar final : public Clock {
 public:
  explicit EventCalendar(TimeMs epoch_ms) : epoch_ms_(epoch_ms) {}

  void at(TimeUs when_us, std::function<void()> work) {
    heap_.push(Event{when_us < now_us_ ? now_us_ : when_us, next_seq_++, std::move(work)});
  }
  void after(TimeUs delay_us, std::function<void()> work) { at(now_us_ + delay_us, std::move(work)); }

  bool empty() const { return heap_.empty(); }
  TimeUs next_time_us() const { return heap_.top().when_us; }
  // Pops the earliest event, advances the time to it and runs it.
  void run_next() {
    Event event = std::move(const_cast<Event&>(heap_.top()));
    heap_.pop();
    now_us_ = event.when_us;
    ++executed_;
    event.work();
  }

  TimeUs now_us() const { return now_us_; }
  TimeMs now_ms() const override { return epoch_ms_ + static_cast<TimeMs>(now_us_ / 1000); }
  std::uint64_t executed() const { return executed_; }

 private:
  struct Event {
    TimeUs when_us;
    std::uint64_t seq;
    std::function<void()> work;
    bool operator>(const Event& o) const {
      return when_us != o.when_us ? when_us > o.when_us : seq > o.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> heap_;
  TimeMs epoch_ms_;
  TimeUs now_us_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t executed_ = 0;
};

}  // namespace parley::sim
