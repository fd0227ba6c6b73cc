// LocalNode: see local_node.hpp. Effects are turned into queued work and run in FIFO order, so
// the interleaving of roles is a pure function of the inputs (no recursion between roles).
#include "parley/local_node.hpp"

#include <charconv>
#include <limits>
#include <utility>

#include "parley/assert.hpp"
#include "parley/overloaded.hpp"

namespace parley {
namespace {

ChatService make_chat(const ChatConfig& config, const Clock& clock) {
  auto made = ChatService::make(config, clock);
  PARLEY_ASSERT(made.ok());  // a LocalNode's configuration is the program's, not the user's
  return std::move(made.value());
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<TokenClaims> verify_dev_token(std::string_view token) {
  constexpr std::string_view prefix = "dev:";
  if (token.substr(0, prefix.size()) != prefix) {
    return Error{ErrorCode::auth_failed, "not a development token"};
  }
  token.remove_prefix(prefix.size());
  const auto colon = token.find(':');
  if (colon == std::string_view::npos) return Error{ErrorCode::auth_failed, "malformed token"};
  const auto user = parse_u64(token.substr(0, colon));
  const auto device = parse_u64(token.substr(colon + 1));
  if (!user || !device) return Error{ErrorCode::auth_failed, "malformed token"};
  return TokenClaims{UserId{*user}, DeviceId{*device}, std::numeric_limits<TimeMs>::max()};
}

std::string make_dev_token(UserId user, DeviceId device) {
  return "dev:" + std::to_string(user.value) + ":" + std::to_string(device.value);
}

LocalNode::LocalNode(Config config, const Clock& clock)
    : config_(std::move(config)),
      clock_(&clock),
      gateway_([&] {
        GatewayConfig g = config_.gateway;
        g.node = config_.node;
        return g;
      }(), clock),
      chat_(make_chat([&] {
        ChatConfig c = config_.chat;
        c.node = config_.node;
        return c;
      }(), clock)),
      presence_(config_.presence, clock),
      push_(config_.push, clock) {
  // A new chat service starts by reading its fan-out backlog (crash recovery): run it now.
  dispatch(Role::chat, chat_.drain());
  pump();
}

SessionId LocalNode::open() {
  const SessionId session{next_session_++};
  sessions_[session];
  queue_.push_back([this, session] {
    gateway_.step(gw::Opened{session});
    dispatch(Role::gateway, gateway_.drain());
  });
  pump();
  return session;
}

void LocalNode::receive(SessionId session, std::string text) {
  queue_.push_back([this, session, text = std::move(text)]() mutable {
    gateway_.step(gw::FrameIn{session, std::move(text)});
    dispatch(Role::gateway, gateway_.drain());
  });
  pump();
}

void LocalNode::close(SessionId session) {
  queue_.push_back([this, session] {
    gateway_.step(gw::Closed{session});
    dispatch(Role::gateway, gateway_.drain());
  });
  pump();
}

void LocalNode::tick() {
  queue_.push_back([this] {
    gateway_.tick();
    dispatch(Role::gateway, gateway_.drain());
    chat_.tick();
    dispatch(Role::chat, chat_.drain());
    presence_.tick();
    dispatch(Role::presence, presence_.drain());
    push_.tick();
    dispatch(Role::push, push_.drain());
  });
  pump();
}

std::vector<FramePtr> LocalNode::take_frames(SessionId session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return {};
  return std::exchange(it->second.frames, {});
}

std::optional<ErrorCode> LocalNode::closed_reason(SessionId session) const {
  auto it = sessions_.find(session);
  return it == sessions_.end() ? std::nullopt : it->second.closed_reason;
}

std::vector<PushNotify> LocalNode::take_pushes() { return std::exchange(pushes_, {}); }

void LocalNode::hold_store(bool held) { store_held_ = held; }

void LocalNode::release_store(bool fail) {
  auto held = std::exchange(held_, {});
  for (auto& [from, request] : held) {
    queue_.push_back([this, from = from, request = std::move(request), fail] {
      complete_store(from, request, fail);
    });
  }
  pump();
}

void LocalNode::pump() {
  while (!queue_.empty()) {
    auto work = std::move(queue_.front());
    queue_.pop_front();
    work();
  }
}

void LocalNode::complete_store(Role from, const StoreRequest& request, bool fail) {
  StoreDone done{request.req, fail ? store::Outcome{Error{ErrorCode::internal, "injected store failure"}}
                                   : store_.execute(request.op)};
  PARLEY_ASSERT(from == Role::gateway || from == Role::chat);  // the only issuers of store requests
  dispatch(from, roles().complete(from, std::move(done)));
}

void LocalNode::dispatch(Role from, std::vector<Effect> effects) {
  for (auto& effect : effects) {
    std::visit(
        Overloaded{
            [&](Route& r) {
              queue_.push_back([this, envelope = std::move(r.envelope)]() mutable {
                auto [role, produced] = roles().deliver(std::move(envelope));
                dispatch(role, std::move(produced));
              });
            },
            [&](SendFrame& s) { sessions_[s.session].frames.push_back(std::move(s.frame)); },
            [&](CloseSession& c) { sessions_[c.session].closed_reason = c.reason; },
            [&](VerifyToken& v) {
              queue_.push_back([this, v = std::move(v)] {
                gateway_.step(TokenVerified{v.req, config_.verify(v.token)});
                dispatch(Role::gateway, gateway_.drain());
              });
            },
            [&](StoreRequest& s) {
              if (store_held_) {
                held_.emplace_back(from, std::move(s));
                return;
              }
              queue_.push_back([this, from, s = std::move(s)] { complete_store(from, s, false); });
            },
            [&](PushNotify& p) { pushes_.push_back(std::move(p)); },
        },
        effect);
  }
}

}  // namespace parley
