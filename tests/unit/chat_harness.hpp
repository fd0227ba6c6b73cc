// Test harness for ChatService: a ManualClock, a MemoryStore that executes the service's store
// requests, and a record of every routed envelope. Completions flow back automatically (FIFO)
// unless a test holds them, so tests can delay, reorder or fail them to prove persist-then-ack.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/conversation.hpp"
#include "parley/memory_store.hpp"
#include "parley/overloaded.hpp"
#include "parley/protocol.hpp"

namespace parley::testing {

inline constexpr UserId alice{1};
inline constexpr UserId bob{2};
inline constexpr UserId carol{3};
inline constexpr UserId dave{4};
inline constexpr NodeId gateway_a{7};
inline constexpr NodeId gateway_b{8};

inline DeviceRef dev(UserId u, std::uint64_t d) { return DeviceRef{u, DeviceId{d}}; }
// Every device has its own session; the session id encodes the device so tests can name it.
inline SessionRef session_of(DeviceRef d, NodeId gateway = gateway_a) {
  return SessionRef{gateway, SessionId{d.user.value * 100 + d.device.value}};
}
inline ConversationId direct(UserId a, UserId b) { return direct_conversation(a, b).value(); }

class ChatHarness {
 public:
  explicit ChatHarness(ChatConfig config = {}) : config_(config) { restart(); }

  // A new ChatService over the same store: what a crash and restart of the service looks like.
  // Its first effects (the fan-out backlog scan, chat_recovery.cpp) run at once, as a runtime
  // drains a new role, and are not recorded in `executed`; hold_scan holds the scan instead.
  void restart() {
    auto made = ChatService::make(config_, clock);
    EXPECT_TRUE(made.ok());
    chat.emplace(std::move(made.value()));
    held.clear();
    const auto recorded = executed.size();
    pump();
    executed.resize(recorded);
  }

  void step(ChatInput input) {
    chat->step(std::move(input));
    pump();
  }
  void tick() {
    chat->tick();
    pump();
  }

  // Held requests complete only when a test says so, with the store's answer or a given outcome.
  void complete(std::size_t index, std::optional<store::Outcome> outcome = std::nullopt) {
    ASSERT_LT(index, held.size());
    StoreRequest request = std::move(held[index]);
    held.erase(held.begin() + static_cast<std::ptrdiff_t>(index));
    chat->step(StoreDone{request.req, outcome ? std::move(*outcome) : store.execute(request.op)});
    pump();
  }
  void complete_all() {
    while (!held.empty()) complete(0);
  }
  template <class Op>
  std::size_t held_count() const {
    std::size_t n = 0;
    for (const auto& r : held) n += std::holds_alternative<Op>(r.op) ? 1 : 0;
    return n;
  }

  template <class T>
  std::vector<T> routed_of() const {
    std::vector<T> out;
    for (const auto& e : routed) {
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }
  // Frames sent to one session with ToSession, decoded, in order.
  std::vector<protocol::ServerFrame> frames_to(SessionRef to) const {
    std::vector<protocol::ServerFrame> frames;
    for (const auto& s : routed_of<env::ToSession>()) {
      if (!(s.to == to)) continue;
      auto decoded = protocol::decode_server(*s.frame);
      EXPECT_TRUE(decoded.ok()) << *s.frame;
      if (decoded.ok()) frames.push_back(decoded.value());
    }
    return frames;
  }
  template <class F>
  std::vector<F> frames_of(SessionRef to) const {
    std::vector<F> out;
    for (const auto& f : frames_to(to)) {
      if (const F* t = std::get_if<F>(&f)) out.push_back(*t);
    }
    return out;
  }
  std::vector<env::DeliverToDevice> deliveries_to(DeviceRef d) const {
    std::vector<env::DeliverToDevice> out;
    for (const auto& x : routed_of<env::DeliverToDevice>()) {
      if (x.device == d) out.push_back(x);
    }
    return out;
  }
  static StoredMessage message_of(const env::DeliverToDevice& d) {
    auto decoded = protocol::decode_server(*d.frame);
    EXPECT_TRUE(decoded.ok());
    if (!decoded.ok() || !std::holds_alternative<protocol::Deliver>(decoded.value())) return {};
    return std::get<protocol::Deliver>(decoded.value()).message;
  }

  // Registry state, written straight into the store.
  void online(DeviceRef d, NodeId gateway = gateway_a) {
    store.execute(store::RegistryConnect{d, gateway, session_of(d, gateway).session});
  }
  void offline(DeviceRef d) {
    online(d);
    store.execute(store::RegistryDisconnect{d, gateway_a, session_of(d).session});
  }

  // A group written straight into the store (as if created earlier).
  ConversationId make_group(std::uint64_t id, std::vector<UserId> members, UserId owner) {
    std::sort(members.begin(), members.end());
    store.execute(store::PutGroup{GroupRecord{GroupId{id}, "g", owner, members, 0}, members, {}});
    return ConversationId{id};
  }

  env::Submit submit(DeviceRef from, ConversationId conv, std::string uuid, std::string text) const {
    env::Submit s;
    s.origin = session_of(from);
    s.sender = from;
    s.rid = "r-" + uuid;
    s.client_uuid = std::move(uuid);
    s.conv = conv;
    s.body.text = std::move(text);
    return s;
  }
  void send(DeviceRef from, ConversationId conv, std::string uuid, std::string text) {
    step(submit(from, conv, std::move(uuid), std::move(text)));
  }

  ManualClock clock;
  MemoryStore store;
  std::optional<ChatService> chat;
  std::vector<Envelope> routed;
  std::vector<StoreRequest> held;
  std::vector<StoreRequest> executed;  // every request the store answered automatically
  // Which requests to hold back; nullptr = none.
  std::function<bool(const store::Op&)> hold;
  bool hold_scan = false;  // hold the restart's ListFanoutBacklog as well

 private:
  void pump() {
    std::deque<StoreRequest> work;
    for (;;) {
      for (auto& effect : chat->drain()) {
        std::visit(Overloaded{
                       [&](Route& r) { routed.push_back(std::move(r.envelope)); },
                       [&](StoreRequest& s) {
                         // The restart's backlog scan runs unless a test asks to hold it too.
                         const bool scan = std::holds_alternative<store::ListFanoutBacklog>(s.op);
                         if (hold && hold(s.op) && (!scan || hold_scan)) {
                           held.push_back(std::move(s));
                         } else {
                           work.push_back(std::move(s));
                         }
                       },
                       [](auto&) { ADD_FAILURE() << "ChatService emitted an effect of another role"; },
                   },
                   effect);
      }
      if (work.empty()) return;
      StoreRequest next = std::move(work.front());
      work.pop_front();
      executed.push_back(next);
      chat->step(StoreDone{next.req, store.execute(next.op)});
    }
  }

  ChatConfig config_;
};

inline bool is_append(const store::Op& op) { return std::holds_alternative<store::AppendMessage>(op); }
inline bool hold_all(const store::Op&) { return true; }

}  // namespace parley::testing
