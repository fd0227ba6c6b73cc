// Routing of envelopes: the one place that says which role and shard key each envelope goes to.
#include "parley/envelope.hpp"

#include "parley/overloaded.hpp"

namespace parley {
namespace {

Destination chat(ConversationId c) { return {Role::chat, c.value}; }
Destination gateway(NodeId n) { return {Role::gateway, n.value}; }
Destination presence(UserId u) { return {Role::presence, u.value}; }
Destination push(UserId u) { return {Role::push, u.value}; }

}  // namespace

Destination destination_of(const Envelope& envelope) {
  return std::visit(
      Overloaded{
          [](const env::Submit& e) { return chat(e.conv); },
          [](const env::DeliveryAck& e) { return chat(e.conv); },
          [](const env::ReadMark& e) { return chat(e.conv); },
          [](const env::TypingNotice& e) { return chat(e.conv); },
          [](const env::HistoryQuery& e) { return chat(e.conv); },
          [](const env::SyncQuery& e) { return chat(e.conv); },
          [](const env::SearchQuery& e) { return Destination{Role::chat, e.device.user.value}; },
          [](const env::PresenceInterest& e) { return chat(e.conv); },
          [](const env::GroupCommand& e) { return chat(ConversationId{e.group.value}); },
          [](const env::ToSession& e) { return gateway(e.to.gateway); },
          [](const env::DeliverToDevice& e) { return gateway(e.gateway); },
          [](const env::NotifyDevices& e) { return gateway(e.gateway); },
          [](const env::NotifySessions& e) { return gateway(e.gateway); },
          [](const env::WatchList& e) { return gateway(e.to.gateway); },
          [](const env::DeviceOnline& e) { return presence(e.device.user); },
          [](const env::DeviceOffline& e) { return presence(e.device.user); },
          [](const env::Watch& e) { return presence(e.user); },
          [](const env::PushCandidate& e) { return push(e.device.user); },
          [](const env::PushTokenSet& e) { return push(e.device.user); },
          [](const env::PushTokenGone& e) { return push(e.device.user); },
          [](const env::MuteSet& e) { return push(e.user); },
          [](const env::DndSet& e) { return push(e.user); },
          [](const env::ReadUpTo& e) { return push(e.user); },
      },
      envelope);
}

}  // namespace parley
