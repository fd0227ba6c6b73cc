// RoleSet (role_set.hpp): the switch over roles that every runtime would otherwise repeat.
#include "parley/role_set.hpp"

namespace parley {

std::pair<Role, std::vector<Effect>> RoleSet::deliver(Envelope envelope) {
  const Role role = destination_of(envelope).role;
  switch (role) {
    case Role::gateway:
      gateway.step(std::move(envelope));
      return {role, gateway.drain()};
    case Role::chat:
      chat.step(std::move(envelope));
      return {role, chat.drain()};
    case Role::presence:
      presence.step(envelope);
      return {role, presence.drain()};
    case Role::push:
      push.step(envelope);
      return {role, push.drain()};
  }
  return {role, {}};
}

std::vector<Effect> RoleSet::complete(Role issuer, StoreDone done) {
  switch (issuer) {
    case Role::gateway:
      gateway.step(std::move(done));
      return gateway.drain();
    case Role::chat:
      chat.step(std::move(done));
      return chat.drain();
    case Role::presence:
    case Role::push:
      break;
  }
  return {};
}

}  // namespace parley
