// ChatService ephemeral notifications: read receipts (stored with PutReceipt, then shown on every
// other online device of every member, and Push told to clear that conversation's notifications)
// and typing (never stored, shown only to the other members). Both are NotifyDevices, one per
// gateway, never tracked or redelivered. They carry no session, so a refusal is silent (shed).
#include <algorithm>
#include <map>

#include "chat_state.hpp"

namespace parley {

void ChatService::State::on_read_mark(env::ReadMark mark) {
  chat::Conversation* c = ready_for_member(mark, mark.conv, mark.device.user, nullptr);
  if (c == nullptr || !mark.up_to || !admit(nullptr)) return;
  request(store::PutReceipt{mark.conv, mark.device.user, mark.up_to},
          chat::then::ReceiptStored{mark.device, mark.conv, mark.up_to, c->members});
}

void ChatService::State::on_receipt_stored(chat::then::ReceiptStored& then, store::Outcome& outcome) {
  if (std::holds_alternative<Error>(outcome)) return;  // not stored: nothing to announce
  route(env::ReadUpTo{then.reader.user, then.conv});
  request(store::RegistryLookup{std::move(then.members)},
          chat::then::ReceiptDevices{then.reader, then.conv, then.up_to});
}

void ChatService::State::on_receipt_devices(const chat::then::ReceiptDevices& then, store::Outcome& outcome) {
  auto* found = std::get_if<store::Devices>(&outcome);
  if (found == nullptr) return;
  notify_online(found->devices, then.reader,
                protocol::Receipt{then.conv, then.reader.user, then.up_to});
}

void ChatService::State::on_typing(env::TypingNotice notice) {
  chat::Conversation* c = ready_for_member(notice, notice.conv, notice.device.user, nullptr);
  if (c == nullptr) return;
  std::vector<UserId> others;
  std::copy_if(c->members.begin(), c->members.end(), std::back_inserter(others),
               [&](UserId u) { return u != notice.device.user; });
  if (others.empty() || !admit(nullptr)) return;
  request(store::RegistryLookup{std::move(others)},
          chat::then::TypingDevices{notice.device, notice.conv, notice.active});
}

void ChatService::State::on_typing_devices(const chat::then::TypingDevices& then, store::Outcome& outcome) {
  auto* found = std::get_if<store::Devices>(&outcome);
  if (found == nullptr) return;
  // The lookup named only the other members; filtering the typist again guards a registry answer
  // that includes more (the typist's own devices never see their own typing).
  std::vector<DeviceLocation> others;
  std::copy_if(found->devices.begin(), found->devices.end(), std::back_inserter(others),
               [&](const DeviceLocation& d) { return d.device.user != then.typist.user; });
  notify_online(others, then.typist,
                protocol::TypingUpdate{then.conv, then.typist.user, then.active});
}

// One NotifyDevices per gateway (ordered by gateway id), sharing one encoded frame.
void ChatService::State::notify_online(const std::vector<DeviceLocation>& devices, DeviceRef except,
                                       const protocol::ServerFrame& frame) {
  std::map<NodeId, std::vector<DeviceRef>> by_gateway;
  for (const DeviceLocation& d : devices) {
    if (!d.online() || d.device == except) continue;
    by_gateway[d.gateway].push_back(d.device);
  }
  if (by_gateway.empty()) return;
  const FramePtr shared = chat::frame_of(frame);
  for (auto& [gateway, targets] : by_gateway) {
    route(env::NotifyDevices{gateway, std::move(targets), shared});
  }
}

}  // namespace parley
