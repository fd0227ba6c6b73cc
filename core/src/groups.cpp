// Group membership rules (groups.hpp). Records keep members sorted and unique, so membership is a
// binary search and the lowest remaining member (the next owner) is the front.
#include "parley/groups.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "parley/conversation.hpp"
#include "parley/limits.hpp"

namespace parley::groups {
namespace {

bool valid_user(UserId u) { return u.value != 0 && u.value <= limits::user_id_max; }

Result<std::vector<UserId>> sorted_valid_users(const std::vector<UserId>& users) {
  if (users.size() > limits::users_per_request_max) {
    return Error{ErrorCode::too_many_items,
                 "at most " + std::to_string(limits::users_per_request_max) + " users per request"};
  }
  for (const UserId u : users) {
    if (!valid_user(u)) return Error{ErrorCode::invalid_value, "invalid user id " + std::to_string(u.value)};
  }
  std::vector<UserId> sorted = users;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

std::string user_list(const std::vector<UserId>& users) {
  std::string text;
  for (const UserId u : users) {
    if (!text.empty()) text += ", ";
    text += std::to_string(u.value);
  }
  return text;
}

Error group_full() {
  return Error{ErrorCode::group_full,
               "a group has at most " + std::to_string(limits::group_members_max) + " members"};
}

Error not_member() { return Error{ErrorCode::not_member, "not a member of this group"}; }

// Removes `gone` (sorted, all members) and hands ownership over if the owner is among them.
Change without(const GroupRecord& group, std::vector<UserId> gone) {
  Change change;
  change.after = group;
  std::vector<UserId> remaining;
  std::set_difference(group.members.begin(), group.members.end(), gone.begin(), gone.end(),
                      std::back_inserter(remaining));
  change.after.members = std::move(remaining);
  if (std::binary_search(gone.begin(), gone.end(), group.owner)) {
    change.after.owner = change.after.members.empty() ? UserId{} : change.after.members.front();
  }
  change.removed = std::move(gone);
  return change;
}

std::string owner_suffix(const GroupRecord& before, const GroupRecord& after) {
  if (before.owner == after.owner || !after.owner) return "";
  return "; " + std::to_string(after.owner.value) + " is now the owner";
}

}  // namespace

bool is_member(const GroupRecord& group, UserId user) {
  return std::binary_search(group.members.begin(), group.members.end(), user);
}

Result<GroupRecord> create(GroupId id, std::string_view name, UserId creator,
                           const std::vector<UserId>& members, TimeMs now_ms) {
  if (!group_conversation(id).ok()) return Error{ErrorCode::invalid_value, "invalid group id"};
  if (!valid_user(creator)) return Error{ErrorCode::invalid_value, "invalid creator"};
  if (name.size() > limits::group_name_bytes_max) {
    return Error{ErrorCode::invalid_value, "group name too long"};
  }
  auto users = sorted_valid_users(members);
  if (!users.ok()) return users.error();
  std::vector<UserId> all = std::move(users.value());
  if (!std::binary_search(all.begin(), all.end(), creator)) {
    all.insert(std::upper_bound(all.begin(), all.end(), creator), creator);
  }
  if (all.size() > limits::group_members_max) return group_full();
  return GroupRecord{id, std::string(name), creator, std::move(all), now_ms};
}

std::string created_text(UserId creator) {
  return "group created by " + std::to_string(creator.value);
}

Result<Change> add(const GroupRecord& group, UserId actor, const std::vector<UserId>& users) {
  if (!is_member(group, actor)) return not_member();
  auto sorted = sorted_valid_users(users);
  if (!sorted.ok()) return sorted.error();
  Change change;
  change.after = group;
  std::set_difference(sorted.value().begin(), sorted.value().end(), group.members.begin(),
                      group.members.end(), std::back_inserter(change.added));
  if (group.members.size() + change.added.size() > limits::group_members_max) return group_full();
  if (change.added.empty()) return change;  // everyone named is already a member
  std::vector<UserId> merged;
  std::merge(group.members.begin(), group.members.end(), change.added.begin(), change.added.end(),
             std::back_inserter(merged));
  change.after.members = std::move(merged);
  change.text = std::to_string(actor.value) + " added " + user_list(change.added);
  return change;
}

Result<Change> remove(const GroupRecord& group, UserId actor, const std::vector<UserId>& users) {
  if (!is_member(group, actor)) return not_member();
  auto sorted = sorted_valid_users(users);
  if (!sorted.ok()) return sorted.error();
  std::vector<UserId> gone;
  std::set_intersection(sorted.value().begin(), sorted.value().end(), group.members.begin(),
                        group.members.end(), std::back_inserter(gone));
  const bool others = std::any_of(gone.begin(), gone.end(), [&](UserId u) { return u != actor; });
  if (others && actor != group.owner) {
    return Error{ErrorCode::forbidden, "only the group owner may remove members"};
  }
  if (gone.empty()) return Change{group, {}, {}, ""};
  Change change = without(group, gone);
  std::vector<UserId> others_gone;
  std::copy_if(gone.begin(), gone.end(), std::back_inserter(others_gone), [&](UserId u) { return u != actor; });
  change.text = others_gone.empty() ? std::to_string(actor.value) + " left the group"
                                    : std::to_string(actor.value) + " removed " + user_list(others_gone);
  if (!others_gone.empty() && others_gone.size() != gone.size()) {
    change.text += " and left the group";
  }
  change.text += owner_suffix(group, change.after);
  return change;
}

Result<Change> leave(const GroupRecord& group, UserId actor) {
  if (!is_member(group, actor)) return not_member();
  Change change = without(group, {actor});
  change.text = std::to_string(actor.value) + " left the group" + owner_suffix(group, change.after);
  return change;
}

}  // namespace parley::groups
