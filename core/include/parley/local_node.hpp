// LocalNode: every role of one parley node wired together in one thread, with a MemoryStore.
// It is a runtime without I/O: the caller hands it frames and decides the time, and it routes
// envelopes through a FIFO so a run is deterministic. Integration tests, the simulator's local
// engine and the Python module drive it; the server and SimGrid runtimes route the same effects
// across threads and hosts instead.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/clock.hpp"
#include "parley/gateway.hpp"
#include "parley/memory_store.hpp"
#include "parley/presence.hpp"
#include "parley/push_policy.hpp"
#include "parley/role_set.hpp"

namespace parley {

// Development tokens for in-process runs: "dev:<user>:<device>" never expires. The real server
// verifies HMAC-signed tokens instead (core/server/token.hpp).
Result<TokenClaims> verify_dev_token(std::string_view token);
std::string make_dev_token(UserId user, DeviceId device);

class LocalNode {
 public:
  using TokenVerifier = std::function<Result<TokenClaims>(std::string_view token)>;

  struct Config {
    NodeId node{1};
    GatewayConfig gateway;
    ChatConfig chat;
    PresenceConfig presence;
    PushConfig push;
    TokenVerifier verify = verify_dev_token;
  };

  struct SessionOutput {
    std::vector<FramePtr> frames;           // in the order sent
    std::optional<ErrorCode> closed_reason;  // set once the gateway closed the session
  };

  LocalNode(Config config, const Clock& clock);

  SessionId open();
  void receive(SessionId session, std::string text);
  void close(SessionId session);  // the transport went away
  void tick();                    // every role's deadlines at the clock's current time

  // Frames sent to a session since the last call, oldest first.
  std::vector<FramePtr> take_frames(SessionId session);
  std::optional<ErrorCode> closed_reason(SessionId session) const;
  std::vector<PushNotify> take_pushes();

  // Fault control for tests: while held, store completions wait (persist-then-ack is visible).
  void hold_store(bool held);
  // Completes held store requests; fail=true answers them with an internal error instead.
  void release_store(bool fail = false);
  std::size_t held_store_requests() const { return held_.size(); }

  MemoryStore& store() { return store_; }
  const Gateway& gateway() const { return gateway_; }
  const ChatService& chat() const { return chat_; }
  const Presence& presence() const { return presence_; }
  const PushPolicy& push() const { return push_; }

 private:
  void pump();
  void dispatch(Role from, std::vector<Effect> effects);
  void complete_store(Role from, const StoreRequest& request, bool fail);
  RoleSet roles() { return RoleSet{gateway_, chat_, presence_, push_}; }

  Config config_;
  const Clock* clock_;
  Gateway gateway_;
  ChatService chat_;
  Presence presence_;
  PushPolicy push_;
  MemoryStore store_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::pair<Role, StoreRequest>> held_;
  bool store_held_ = false;
  std::uint64_t next_session_ = 1;
  std::map<SessionId, SessionOutput> sessions_;
  std::vector<PushNotify> pushes_;
};

}  // namespace parley
