// Group membership rules, pure functions of a GroupRecord: validation of create / add / remove /
// leave, owner hand-over, and the text of the system message that tells members about a change.
// ChatService applies the results (PutGroup, system message, backfill); nothing here has effects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "parley/clock.hpp"
#include "parley/error.hpp"
#include "parley/records.hpp"

namespace parley::groups {

bool is_member(const GroupRecord& group, UserId user);

// A membership change as the store and the fan-out need it.
struct Change {
  GroupRecord after;
  std::vector<UserId> added;    // sorted: to link, and to receive the backfill
  std::vector<UserId> removed;  // sorted: to unlink; they still receive the change's system message
  std::string text;             // the system message; empty when nothing changed (no-op request)
};

// The new record: the creator is the owner; members are deduplicated and the creator is added.
// Errors: invalid_value (group id, a user id, name too long), too_many_items (request over
// limits::users_per_request_max), group_full (more than limits::group_members_max in total).
Result<GroupRecord> create(GroupId id, std::string_view name, UserId creator,
                           const std::vector<UserId>& members, TimeMs now_ms);
std::string created_text(UserId creator);

// The actor must be a member (not_member). Users already in the group are ignored; the result may
// not exceed limits::group_members_max (group_full).
Result<Change> add(const GroupRecord& group, UserId actor, const std::vector<UserId>& users);

// Only the owner may remove others (forbidden); any member may name only itself (same as leave).
// Users who are not members are ignored. If the owner goes, ownership passes as on leave.
Result<Change> remove(const GroupRecord& group, UserId actor, const std::vector<UserId>& users);

// Any member may leave. An owner who leaves hands ownership to the lowest remaining member id
// (owner 0 when nobody remains; the record then stays as an empty group).
Result<Change> leave(const GroupRecord& group, UserId actor);

}  // namespace parley::groups
