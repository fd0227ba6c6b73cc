// One worker of the server (DESIGN.md §4): the roles that live on one thread — a Gateway for the
// sessions accepted on this worker and one shard of ChatService, Presence and PushPolicy — and
// the carrying-out of their effects (the threaded counterpart of core/src/local_node.cpp).
// Every method except snapshot() runs on the worker's own thread; other threads reach a worker
// only through Mailboxes::post. No Asio here: the network layer plugs in through SessionPort and
// Mailboxes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics.hpp"
#include "parley/chat_service.hpp"
#include "parley/role_set.hpp"
#include "parley/clock.hpp"
#include "parley/gateway.hpp"
#include "parley/presence.hpp"
#include "parley/push_policy.hpp"
#include "push_sink.hpp"

namespace parley::server {

class StoreQueue;
class Worker;

// A transport session as the worker sees it. Calls never re-enter the worker synchronously: a
// port that ends reports it later through Worker::detach.
class SessionPort {
 public:
  virtual ~SessionPort() = default;
  virtual void send(FramePtr frame) = 0;                             // queued, shared, never copied
  virtual void close(ErrorCode reason, const std::string& message) = 0;  // after the queued frames
  virtual void going_away() = 0;                                     // server shutdown
};

// Runs work on a worker's thread (an Asio post in the server).
class Mailboxes {
 public:
  virtual ~Mailboxes() = default;
  virtual void post(std::size_t worker, std::function<void(Worker&)> work) = 0;
};

class Worker {
 public:
  struct Config {
    std::size_t index = 0;  // 0-based; gateway node = index + 1
    std::size_t count = 1;  // workers in the process
    std::string token_secret;
    GatewayConfig gateway;
    ChatConfig chat;
    PresenceConfig presence;
    PushConfig push;
    PushSink* push_sink = nullptr;  // where PushNotify effects go; none: only counted
  };

  static Result<std::unique_ptr<Worker>> make(Config config, const Clock& clock, Mailboxes& mailboxes,
                                              StoreQueue& store, Metrics& metrics);

  // The worker owning an envelope's destination, or count when none does (a stale gateway id).
  static std::size_t owner_of(const Destination& destination, std::size_t count);
  static NodeId gateway_node(std::size_t index) { return NodeId{index + 1}; }

  SessionId attach(std::shared_ptr<SessionPort> port);
  void frame_in(SessionId session, std::string text);
  void detach(SessionId session);  // the transport is gone
  void deliver(Envelope envelope);
  void store_done(Role role, StoreDone done);
  void token_verified(TokenVerified verified);
  void tick();                     // every role's deadlines; publishes the snapshot
  void going_away();               // shutdown: every session closes with going_away
  std::size_t sessions() const { return sessions_.size(); }

  WorkerSnapshot snapshot() const;  // any thread: the copy published at the last tick

 private:
  Worker(Config config, const Clock& clock, ChatService chat, Mailboxes& mailboxes, StoreQueue& store,
         Metrics& metrics);
  void dispatch(Role from, std::vector<Effect> effects);
  void route(Envelope envelope);
  void publish();

  Config config_;
  Mailboxes& mailboxes_;
  StoreQueue& store_;
  Metrics& metrics_;
  Gateway gateway_;
  ChatService chat_;
  Presence presence_;
  PushPolicy push_;
  RoleSet roles() { return RoleSet{gateway_, chat_, presence_, push_}; }
  std::unordered_map<SessionId, std::shared_ptr<SessionPort>> sessions_;
  std::uint64_t next_session_ = 1;
  mutable std::mutex snapshot_mutex_;
  WorkerSnapshot snapshot_;  // under snapshot_mutex_
};

}  // namespace parley::server
