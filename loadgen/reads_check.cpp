// See reads_check.hpp.
#include "reads_check.hpp"

#include <algorithm>

#include "parley/conversation.hpp"

namespace parley::load {

HistoryCheck check_history_page(ConversationId conv, const std::vector<std::uint64_t>& held,
                                const protocol::HistoryPage& page) {
  HistoryCheck out;
  std::vector<std::uint64_t> ids;
  ids.reserve(page.messages.size());
  for (std::size_t i = 0; i < page.messages.size(); ++i) {
    const StoredMessage& m = page.messages[i];
    if (m.conv != conv || page.conv != conv) ++out.wrong_conv;
    if (i > 0 && !(m.id < page.messages[i - 1].id)) ++out.out_of_order;
    ids.push_back(m.id.value);
  }
  std::sort(ids.begin(), ids.end());
  // With more pages behind this one, only held ids down to the page's oldest must be on it.
  const std::uint64_t floor = page.more && !ids.empty() ? ids.front() : 0;
  for (const std::uint64_t id : held) {
    if (id < floor) continue;
    ++out.checked;
    if (!std::binary_search(ids.begin(), ids.end(), id)) ++out.missing;
  }
  return out;
}

Membership::Membership(const workload::PopulationModel& people,
                       std::unordered_map<std::uint64_t, std::uint64_t> groups)
    : people_(people), groups_(std::move(groups)) {}

Membership::Verdict Membership::of(std::uint64_t user, ConversationId conv) const {
  const UserId id{user + 1};  // user index u is server user u + 1 (docs/loadgen.md)
  if (is_direct(conv)) {
    const auto pair = direct_members(conv);
    return pair && (pair->first == id || pair->second == id) ? Verdict::member : Verdict::not_member;
  }
  if (!is_group(conv)) return Verdict::not_member;
  const auto group = groups_.find(group_of(conv).value);
  if (group == groups_.end()) return Verdict::unknown;
  const std::uint64_t size = people_.group_size(group->second);
  for (std::uint64_t k = 0; k < size; ++k) {
    if (people_.member(group->second, k) == user) return Verdict::member;
  }
  return Verdict::not_member;
}

}  // namespace parley::load
