// The four roles one runtime process (or simulated host) holds, and the one place that hands an
// envelope or a store completion to the role it is for. Runtimes keep their own queues and
// decide when to call; this only says who takes what.
#pragma once

#include <utility>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/gateway.hpp"
#include "parley/presence.hpp"
#include "parley/push_policy.hpp"

namespace parley {

struct RoleSet {
  Gateway& gateway;
  ChatService& chat;
  Presence& presence;
  PushPolicy& push;

  // Steps the role destination_of(envelope) names; returns that role and the effects it drained.
  std::pair<Role, std::vector<Effect>> deliver(Envelope envelope);
  // Completes a store request `issuer` made. Only the gateway and the chat service issue store
  // requests: for any other role nothing is stepped and the result holds no effects.
  std::vector<Effect> complete(Role issuer, StoreDone done);
};

}  // namespace parley
