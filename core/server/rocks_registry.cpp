// The device registry in RocksDB (user · device → gateway, session, registry clock). The registry
// clock lives in the meta column family and moves with every change, in the same batch, so
// "oldest offline device" survives restarts and matches MemoryStore's eviction order.
#include <algorithm>

#include "rocks_codec.hpp"
#include "rocks_ops.hpp"

namespace parley::server::rocks {
namespace {

struct Known {
  DeviceId device;
  DeviceEntry entry;
};

Result<std::vector<Known>> devices_of(View& view, UserId user) {
  std::vector<Known> devices;
  Scan scan(view, Cf::registry, user_prefix(user), prefix_end(user_prefix(user)));
  for (scan.seek_first(); scan.valid(); scan.next()) {
    const auto ref = parse_registry_key(scan.key());
    if (!ref) return Error{ErrorCode::internal, "corrupt registry key"};
    auto entry = decode_device(*ref, scan.value());
    if (!entry.ok()) return entry.error();
    devices.push_back({ref->device, entry.value()});
  }
  if (auto error = scan.error()) return *error;
  return devices;
}

Result<std::uint64_t> next_stamp(View& view) {
  auto found = view.get(Cf::meta, registry_stamp_key());
  if (!found.ok()) return found.error();
  std::uint64_t stamp = 0;
  if (found.value()) {
    auto stored = decode_u64(*found.value(), "registry clock");
    if (!stored.ok()) return stored.error();
    stamp = stored.value();
  }
  view.put(Cf::meta, registry_stamp_key(), encode_u64(++stamp));
  return stamp;
}

// Makes room for a new device by forgetting the offline device changed longest ago.
bool evict_oldest_offline(View& view, UserId user, const std::vector<Known>& devices) {
  const Known* oldest = nullptr;
  for (const Known& d : devices) {
    if (d.entry.location.online()) continue;
    if (oldest == nullptr || d.entry.touched < oldest->entry.touched) oldest = &d;
  }
  if (oldest == nullptr) return false;
  view.erase(Cf::registry, registry_key(user, oldest->device));
  return true;
}

store::Outcome put_location(View& view, const DeviceLocation& location) {
  auto stamp = next_stamp(view);
  if (!stamp.ok()) return stamp.error();
  view.put(Cf::registry, registry_key(location.device.user, location.device.device),
           encode_device(DeviceEntry{location, stamp.value()}));
  return store::Done{};
}

}  // namespace

store::Outcome registry_connect(View& view, const store::RegistryConnect& op) {
  if (!op.device.user || !op.gateway) {
    return Error{ErrorCode::invalid_value, "connect needs a user and a gateway"};
  }
  auto devices = devices_of(view, op.device.user);
  if (!devices.ok()) return devices.error();
  const auto& known = devices.value();
  const bool is_new =
      std::none_of(known.begin(), known.end(), [&](const Known& d) { return d.device == op.device.device; });
  if (is_new && known.size() >= limits::devices_per_user_max &&
      !evict_oldest_offline(view, op.device.user, known)) {
    // Every known device is online: refusing the newcomer is the deliberate action (the gateway
    // closes its session) rather than silently stopping deliveries to a connected device.
    return Error{ErrorCode::too_many_items, "too many connected devices for this user"};
  }
  return put_location(view, DeviceLocation{op.device, op.gateway, op.session});
}

store::Outcome registry_disconnect(View& view, const store::RegistryDisconnect& op) {
  auto found = view.get(Cf::registry, registry_key(op.device.user, op.device.device));
  if (!found.ok()) return found.error();
  if (!found.value()) return store::Done{};
  auto entry = decode_device(op.device, *found.value());
  if (!entry.ok()) return entry.error();
  const DeviceLocation& at = entry.value().location;
  // A reconnect elsewhere may have replaced this location already: then this disconnect is stale.
  if (at.gateway != op.gateway || at.session != op.session) return store::Done{};
  return put_location(view, DeviceLocation{op.device, NodeId{}, SessionId{}});
}

store::Outcome registry_lookup(View& view, const store::RegistryLookup& op) {
  store::Devices result;
  std::vector<UserId> users = op.users;
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  for (const UserId u : users) {
    auto devices = devices_of(view, u);
    if (!devices.ok()) return devices.error();
    for (const Known& d : devices.value()) result.devices.push_back(d.entry.location);
  }
  return result;  // by (user, device): the key order
}

// Startup: the sessions of the previous process are gone (a kill -9 wrote no disconnects), so
// every device still marked online is marked offline, as a disconnect would have done.
Result<std::uint64_t> registry_sweep(View& view) {
  std::vector<DeviceRef> online;
  Scan scan(view, Cf::registry, std::string{}, std::string{});
  for (scan.seek_first(); scan.valid(); scan.next()) {
    const auto ref = parse_registry_key(scan.key());
    if (!ref) return Error{ErrorCode::internal, "corrupt registry key"};
    auto entry = decode_device(*ref, scan.value());
    if (!entry.ok()) return entry.error();
    if (entry.value().location.online()) online.push_back(*ref);
  }
  if (auto error = scan.error()) return *error;
  for (const DeviceRef& device : online) {
    auto outcome = put_location(view, DeviceLocation{device, NodeId{}, SessionId{}});
    if (const auto* error = std::get_if<Error>(&outcome)) return *error;
  }
  return std::uint64_t{online.size()};
}

}  // namespace parley::server::rocks
