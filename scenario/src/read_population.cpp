// population: who is there. Group sizes above the user count are capped when sampled, so a small
// smoke population can keep the default size distribution.
#include "parley/limits.hpp"
#include "sections.hpp"

namespace parley::scenario::detail {
namespace {

void read_groups(MapReader& parent, Groups& out) {
  MapReader r(parent.ctx(), parent.take("groups"), parent.path_of("groups"));
  r.read("count", out.count, between(0, static_cast<double>(limits::user_id_max)));
  out.size = read_distribution(r, "size", out.size,
                               {2, static_cast<double>(limits::group_members_max), true});
}

void read_hot_groups(MapReader& parent, std::uint64_t users, HotGroups& out) {
  MapReader r(parent.ctx(), parent.take("hot_groups"), parent.path_of("hot_groups"));
  r.read("count", out.count, between(0, 10'000));
  if (r.read("size", out.size, between(2, static_cast<double>(limits::group_members_max))) &&
      out.count > 0 && out.size > users) {
    r.ctx().error(r.take("size"), r.path_of("size"),
                  "must be <= population.users (got " + std::to_string(out.size) + " > " +
                      std::to_string(users) + ")");
  }
  r.read("rate_multiplier", out.rate_multiplier, between(0, 1e6));
}

}  // namespace

void read_population(MapReader& parent, Population& out) {
  MapReader r(parent.ctx(), parent.take("population"), parent.path_of("population"));
  r.read("users", out.users, between(1, static_cast<double>(limits::user_id_max)));
  out.devices_per_user =
      read_distribution(r, "devices_per_user", out.devices_per_user,
                        {1, static_cast<double>(limits::devices_per_user_max), true});
  r.read("concurrency", out.concurrency, Range{0, 1, true, false});
  out.contacts_per_user = read_distribution(r, "contacts_per_user", out.contacts_per_user,
                                            {0, 1'000'000, true});
  read_groups(r, out.groups);
  read_hot_groups(r, out.users, out.hot_groups);
}

}  // namespace parley::scenario::detail
