// workload: what the online users do. Rates are per online user; the profile modulates the
// message rate over time (read_profile.cpp).
#include "parley/limits.hpp"
#include "sections.hpp"

namespace parley::scenario::detail {
namespace {

void read_push_digest(MapReader& parent, PushDigest& out) {
  MapReader r(parent.ctx(), parent.take("push_digest"), parent.path_of("push_digest"));
  r.read("enabled", out.enabled);
  r.read("interval_s", out.interval_s, Range{0, 86'400, true, false});
}

}  // namespace

void read_workload(MapReader& parent, const Population& population, Workload& out) {
  MapReader r(parent.ctx(), parent.take("workload"), parent.path_of("workload"));
  r.read("messages_per_user_per_s", out.messages_per_user_per_s, Range{0, 1'000, true, false});
  read_profile(r, out.profile);
  if (r.read("group_share", out.group_share, fraction()) && out.group_share > 0 &&
      population.groups.count + population.hot_groups.count == 0) {
    r.ctx().error(r.take("group_share"), r.path_of("group_share"),
                  "needs groups to send to: set population.groups.count or "
                  "population.hot_groups.count (got group_share " +
                      format_number(out.group_share) + " with no groups)");
  }
  out.payload_bytes = read_distribution(r, "payload_bytes", out.payload_bytes,
                                        {1, static_cast<double>(limits::opaque_bytes_max), true});
  r.read("encrypted_share", out.encrypted_share, fraction());
  r.read("typing_per_message", out.typing_per_message, between(0, 100));
  r.read("read_receipt_share", out.read_receipt_share, fraction());
  r.read("reconnects_per_user_per_hour", out.reconnects_per_user_per_hour, between(0, 3'600));
  r.read("history_reads_per_user_per_hour", out.history_reads_per_user_per_hour,
         between(0, 36'000));
  r.read("searches_per_user_per_hour", out.searches_per_user_per_hour, between(0, 36'000));
  r.read("heartbeat_interval_s", out.heartbeat_interval_s, Range{0, 3'600, true, false});
  read_push_digest(r, out.push_digest);
}

}  // namespace parley::scenario::detail
