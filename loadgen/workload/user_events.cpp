// See user_events.hpp.
#include "user_events.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "substream.hpp"

namespace parley::workload {

UserEventPlanner::UserEventPlanner(const scenario::Scenario& s, Shard shard)
    : seed_(s.seed),
      duration_s_(s.duration_s),
      ramp_s_(s.ramp_s),
      online_(scenario::online_users(s.population)),
      shard_(shard) {
  const double per_hour[] = {s.workload.reconnects_per_user_per_hour,
                             s.workload.history_reads_per_user_per_hour,
                             s.workload.searches_per_user_per_hour};
  for (std::size_t kind = 0; kind < lanes_.size(); ++kind) {
    if (per_hour[kind] <= 0) continue;
    NhppArrivals arrivals(substream(seed_, Stream::user_event_times, kind),
                          static_cast<double>(online_) * per_hour[kind] / 3600.0,
                          RateProfile(s.workload.profile, s.ramp_s));
    const double first = arrivals.next();
    lanes_[kind] = Lane{std::move(arrivals), first};
  }
}

UserEvent UserEventPlanner::make(UserEventKind kind, std::uint64_t seq, double t_s) const {
  Random rng = substream(mix(seed_, Stream::user_event_attributes, static_cast<std::uint64_t>(kind)),
                         Stream::user_event_attributes, seq);
  std::uint64_t connected = online_;
  if (ramp_s_ > 0 && t_s < ramp_s_) {
    const double share = t_s / ramp_s_;
    connected = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(std::ceil(share * static_cast<double>(online_))), 1, online_);
  }
  return UserEvent{kind, seq, static_cast<std::int64_t>(t_s * 1e6), rng.uniform(connected)};
}

std::optional<UserEvent> UserEventPlanner::next() {
  for (;;) {
    std::size_t earliest = lanes_.size();
    double earliest_s = std::numeric_limits<double>::infinity();
    for (std::size_t kind = 0; kind < lanes_.size(); ++kind) {
      if (lanes_[kind] && lanes_[kind]->next_s < earliest_s) {
        earliest = kind;
        earliest_s = lanes_[kind]->next_s;
      }
    }
    if (earliest == lanes_.size() || !(earliest_s < duration_s_)) return std::nullopt;
    Lane& lane = *lanes_[earliest];
    const UserEvent event = make(static_cast<UserEventKind>(earliest), lane.next_seq++, earliest_s);
    lane.next_s = lane.arrivals.next();
    if (shard_.owns(event.user)) return event;
  }
}

}  // namespace parley::workload
