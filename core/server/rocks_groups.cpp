// Group records in RocksDB: PutGroup replaces the record and links or unlinks members'
// conversation lists (the search scope) in the same batch.
#include "rocks_codec.hpp"
#include "rocks_ops.hpp"

namespace parley::server::rocks {

store::Outcome get_group(View& view, const store::GetGroup& op) {
  auto found = view.get(Cf::groups, group_key(op.group));
  if (!found.ok()) return found.error();
  if (!found.value()) return store::GroupLoaded{};
  auto group = decode_group(op.group, *found.value());
  if (!group.ok()) return group.error();
  return store::GroupLoaded{std::move(group.value())};
}

store::Outcome put_group(View& view, const store::PutGroup& op) {
  if (!op.group.id) return Error{ErrorCode::invalid_value, "group id 0"};
  const ConversationId conv{op.group.id.value};  // a group's conversation id is its group id
  view.put(Cf::groups, group_key(op.group.id), encode_group(op.group));
  for (const UserId u : op.link) view.put(Cf::user_convs, user_conv_key(u, conv), {});
  for (const UserId u : op.unlink) view.erase(Cf::user_convs, user_conv_key(u, conv));
  return store::Done{};
}

}  // namespace parley::server::rocks
