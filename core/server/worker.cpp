// Worker (worker.hpp): effects are carried out as in LocalNode, but across threads. A Route goes
// to the worker owning destination_of(envelope) by a post (even when that is this worker, so roles
// never recurse into each other); a StoreRequest joins the group-commit queue and its StoreDone
// comes back to the issuing role; a VerifyToken is an HMAC check whose answer is posted back.
#include "worker.hpp"

#include <utility>

#include "log.hpp"
#include "parley/overloaded.hpp"
#include "store_queue.hpp"
#include "token.hpp"

namespace parley::server {
namespace {

// splitmix64: conversation and user ids (snowflakes, sequential ids) spread evenly over workers.
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string_view role_name(Role role) {
  switch (role) {
    case Role::gateway: return "gateway";
    case Role::chat: return "chat";
    case Role::presence: return "presence";
    case Role::push: return "push";
  }
  return "?";
}

}  // namespace

Result<std::unique_ptr<Worker>> Worker::make(Config config, const Clock& clock, Mailboxes& mailboxes,
                                             StoreQueue& store, Metrics& metrics) {
  config.gateway.node = gateway_node(config.index);
  config.chat.node = gateway_node(config.index);  // unique among this process's chat services
  // After a restart each worker re-fans out only the conversations it owns (chat_recovery.cpp).
  config.chat.owns = [index = config.index, count = config.count](ConversationId conv) {
    return owner_of(Destination{Role::chat, conv.value}, count) == index;
  };
  auto chat = ChatService::make(config.chat, clock);
  if (!chat.ok()) return chat.error();
  return std::unique_ptr<Worker>(
      new Worker(std::move(config), clock, std::move(chat.value()), mailboxes, store, metrics));
}

Worker::Worker(Config config, const Clock& clock, ChatService chat, Mailboxes& mailboxes,
               StoreQueue& store, Metrics& metrics)
    : config_(std::move(config)),
      mailboxes_(mailboxes),
      store_(store),
      metrics_(metrics),
      gateway_(config_.gateway, clock),
      chat_(std::move(chat)),
      presence_(config_.presence, clock),
      push_(config_.push, clock) {}

std::size_t Worker::owner_of(const Destination& destination, std::size_t count) {
  if (destination.role == Role::gateway) {
    const std::uint64_t node = destination.key;
    return node >= 1 && node <= count ? static_cast<std::size_t>(node - 1) : count;
  }
  return static_cast<std::size_t>(mix(destination.key) % count);
}

SessionId Worker::attach(std::shared_ptr<SessionPort> port) {
  const SessionId id{next_session_++};
  sessions_.emplace(id, std::move(port));
  gateway_.step(gw::Opened{id});
  dispatch(Role::gateway, gateway_.drain());
  return id;
}

void Worker::frame_in(SessionId session, std::string text) {
  gateway_.step(gw::FrameIn{session, std::move(text)});
  dispatch(Role::gateway, gateway_.drain());
}

void Worker::detach(SessionId session) {
  if (sessions_.erase(session) == 0) return;
  gateway_.step(gw::Closed{session});
  dispatch(Role::gateway, gateway_.drain());
}

void Worker::deliver(Envelope envelope) {
  auto [role, effects] = roles().deliver(std::move(envelope));
  dispatch(role, std::move(effects));
}

void Worker::store_done(Role role, StoreDone done) {
  if (role != Role::gateway && role != Role::chat) {
    log(LogLevel::error, "store_done_unexpected").kv("role", role_name(role));
    return;
  }
  dispatch(role, roles().complete(role, std::move(done)));
}

void Worker::token_verified(TokenVerified verified) {
  gateway_.step(std::move(verified));
  dispatch(Role::gateway, gateway_.drain());
}

void Worker::tick() {
  gateway_.tick();
  dispatch(Role::gateway, gateway_.drain());
  chat_.tick();
  dispatch(Role::chat, chat_.drain());
  presence_.tick();
  dispatch(Role::presence, presence_.drain());
  push_.tick();
  dispatch(Role::push, push_.drain());
  publish();
}

void Worker::going_away() {
  // Ports report their end later (detach), so iterating the live map is safe here.
  for (auto& [id, port] : sessions_) port->going_away();
}

WorkerSnapshot Worker::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void Worker::publish() {
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = WorkerSnapshot{gateway_.stats(), chat_.stats(), presence_.stats(), push_.stats()};
}

void Worker::route(Envelope envelope) {
  const Destination to = destination_of(envelope);
  const std::size_t owner = owner_of(to, config_.count);
  if (owner >= config_.count) {
    // A registry entry from a run with more workers: the device is not connected here.
    log(LogLevel::debug, "route_dropped").kv("role", role_name(to.role)).kv("key", to.key);
    return;
  }
  mailboxes_.post(owner, [envelope = std::move(envelope)](Worker& w) mutable { w.deliver(std::move(envelope)); });
}

void Worker::dispatch(Role from, std::vector<Effect> effects) {
  for (auto& effect : effects) {
    std::visit(
        Overloaded{
            [&](Route& r) { route(std::move(r.envelope)); },
            [&](SendFrame& s) {
              auto it = sessions_.find(s.session);
              if (it != sessions_.end()) it->second->send(std::move(s.frame));
            },
            [&](CloseSession& c) {
              auto it = sessions_.find(c.session);
              if (it != sessions_.end()) it->second->close(c.reason, c.message);
            },
            [&](VerifyToken& v) {
              TokenVerified verified{v.req, verify_token(config_.token_secret, v.token)};
              mailboxes_.post(config_.index, [verified = std::move(verified)](Worker& w) mutable {
                w.token_verified(std::move(verified));
              });
            },
            [&](StoreRequest& s) { store_.submit(config_.index, from, std::move(s)); },
            [&](PushNotify& p) {
              metrics_.push_notifications.fetch_add(1, std::memory_order_relaxed);
              log(LogLevel::debug, "push_notify")
                  .kv("user", p.device.user.value)
                  .kv("device", p.device.device.value)
                  .kv("conv", p.conv.value)
                  .kv("collapse_key", p.collapse_key)
                  .kv("count", p.count);
              if (config_.push_sink != nullptr) config_.push_sink->notify(std::move(p));
            },
        },
        effect);
  }
}

}  // namespace parley::server
