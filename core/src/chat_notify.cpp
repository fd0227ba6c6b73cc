// ChatService ephemeral notifications: read receipts (stored with PutReceipt, Push told to clear
// that conversation's notifications, then shown to the reader's other online devices and, in a
// direct conversation, to the other member; in a group only to the authors of the messages the mark
// newly covers, never to every member) and typing (never stored, shown only to the other members).
// Both are NotifyDevices, one per gateway, never tracked or redelivered. They carry no session,
// so a refusal is silent (shed).
#include <algorithm>
#include <map>

#include "chat_state.hpp"

namespace parley {

void ChatService::State::on_read_mark(env::ReadMark mark) {
  chat::Conversation* c = ready_for_member(mark, mark.conv, mark.device.user, nullptr);
  if (c == nullptr || !mark.up_to || !admit(nullptr)) return;
  MessageId after;  // groups: what this reader's earlier receipts already covered
  if (c->is_group) {
    auto& marks = c->read_marks;
    if (marks.size() >= limits::group_members_max && !marks.contains(mark.device.user)) marks.clear();
    MessageId& seen = marks[mark.device.user];
    after = seen;
    seen = std::max(seen, mark.up_to);
  }
  request(store::PutReceipt{mark.conv, mark.device.user, mark.up_to},
          chat::then::ReceiptStored{mark.device, mark.conv, mark.up_to, after, c->is_group, c->members});
}

void ChatService::State::on_receipt_stored(chat::then::ReceiptStored& then, store::Outcome& outcome) {
  if (std::holds_alternative<Error>(outcome)) {  // not stored: nothing to announce, nothing covered
    auto it = conversations.find(then.conv);
    if (it == conversations.end()) return;
    auto mark = it->second.read_marks.find(then.reader.user);
    if (mark != it->second.read_marks.end() && mark->second == then.up_to) mark->second = then.after;
    return;
  }
  route(env::ReadUpTo{then.reader.user, then.conv});
  if (!then.group) {  // direct: both members (the reader's other devices and the other party)
    request(store::RegistryLookup{std::move(then.members)},
            chat::then::ReceiptDevices{then.reader, then.conv, then.up_to});
    return;
  }
  if (then.up_to <= then.after) {  // covers nothing new: only the reader's devices sync
    request(store::RegistryLookup{{then.reader.user}},
            chat::then::ReceiptDevices{then.reader, then.conv, then.up_to});
    return;
  }
  // The newly covered messages, newest first: their authors are the ones who care.
  request(store::ReadMessages{then.conv, then.after, MessageId{then.up_to.value + 1},
                              config.receipt_authors_scan_max, true},
          chat::then::ReceiptAuthors{then.reader, then.conv, then.up_to, std::move(then.members)});
}

// The reader and the current members who wrote a newly covered message, each named once; a page
// that cannot be read still syncs the reader's own devices.
void ChatService::State::on_receipt_authors(const chat::then::ReceiptAuthors& then, store::Outcome& outcome) {
  std::vector<UserId> users{then.reader.user};
  if (const auto* page = std::get_if<store::Page>(&outcome)) {
    for (const StoredMessage& m : page->messages) {
      if (m.sender && std::binary_search(then.members.begin(), then.members.end(), m.sender)) {
        users.push_back(m.sender);
      }
    }
  }
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  request(store::RegistryLookup{std::move(users)},
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
