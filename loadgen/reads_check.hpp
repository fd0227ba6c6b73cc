// Checks of the workload's non-message traffic as a client sees it: a history page against the
// messages the device already held in that conversation, and whether a conversation (of a search
// hit or a typing update) is one of the user's. Pure: no I/O, unit-tested in tests/loadgen.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "parley/ids.hpp"
#include "parley/protocol.hpp"
#include "population_model.hpp"

namespace parley::load {

struct HistoryCheck {
  std::uint64_t checked = 0;       // held messages the page had to contain
  std::uint64_t missing = 0;       // of those, absent from the page
  std::uint64_t out_of_order = 0;  // pairs of the page not strictly newest first
  std::uint64_t wrong_conv = 0;    // messages of another conversation than the one asked
};

// `held`: ids (sorted ascending) of the messages the device had seen acknowledged or delivered in
// `conv` when it asked for its newest page. The page must be newest first, hold only `conv`, and
// contain every held id down to its oldest message (all of them when the page says no `more`):
// the server stored them before acknowledging or delivering them.
HistoryCheck check_history_page(ConversationId conv, const std::vector<std::uint64_t>& held,
                                const protocol::HistoryPage& page);

// Whether user index `user` belongs to a conversation: a direct one names its two users; a group
// one is looked up among the groups this shard created (scenario membership). Groups created by
// other shards or earlier runs are not known here: `unknown`, counted apart, never an error.
class Membership {
 public:
  enum class Verdict { member, not_member, unknown };
  // `groups`: server group id → scenario group index (the groups this shard created).
  Membership(const workload::PopulationModel& people, std::unordered_map<std::uint64_t, std::uint64_t> groups);
  Verdict of(std::uint64_t user, ConversationId conv) const;

 private:
  const workload::PopulationModel& people_;
  std::unordered_map<std::uint64_t, std::uint64_t> groups_;
};

}  // namespace parley::load
