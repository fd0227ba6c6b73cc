// Microbenchmarks of two per-message hot paths beside the fan-out: a retried send answered from
// ChatService's dedup cache (the path every client retry after a lost ack takes), and Presence
// updates (a heartbeat refresh, and a status change that notifies 10 watching sessions).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/conversation.hpp"
#include "parley/memory_store.hpp"
#include "parley/presence.hpp"

#include "chat_settle.hpp"

namespace {

using namespace parley;

constexpr std::uint64_t dedup_messages = 1000;  // durable entries the retries cycle through
constexpr std::uint64_t presence_users = 1000;
constexpr std::uint64_t status_watchers = 10;
constexpr std::uint64_t watcher_gateways = 5;

Body text_body() { return Body{Body::Kind::text, "did you get this?", "", "", "", 0}; }

// User u's only device, online at session u of gateway 1.
env::DeviceOnline heartbeat(std::uint64_t u) {
  return env::DeviceOnline{DeviceRef{UserId{u}, DeviceId{1}}, SessionRef{NodeId{1}, SessionId{u}}};
}

// A retry of a durable send: cache lookup by (sender, UUID), then a duplicate ack to the session.
void BM_DedupRetry(benchmark::State& state) {
  ManualClock clock;
  MemoryStore store;
  auto chat = std::move(ChatService::make(ChatConfig{}, clock).value());
  const SessionRef origin{NodeId{1}, SessionId{1}};
  const DeviceRef sender{UserId{1}, DeviceId{1}};
  const ConversationId conv = direct_conversation(UserId{1}, UserId{2}).value();
  std::vector<std::string> uuids;
  for (std::uint64_t i = 0; i < dedup_messages; ++i) {
    uuids.push_back("6f1c2a8e-2f7b-4a51-9a43-" + std::to_string(100'000'000'000 + i));
    chat.step(Envelope{env::Submit{origin, sender, "r", uuids.back(), conv, text_body()}});
    bench::settle(chat, store);
  }
  const auto accepted = chat.stats().accepted;
  std::size_t i = 0;
  for (auto _ : state) {
    chat.step(Envelope{env::Submit{origin, sender, "r-retry", uuids[i], conv, text_body()}});
    benchmark::DoNotOptimize(chat.drain());
    if (++i == uuids.size()) i = 0;
  }
  const auto retries = static_cast<std::uint64_t>(state.iterations());
  if (chat.stats().accepted != accepted || chat.stats().duplicates < retries) {
    state.SkipWithError("a retry was not answered from the dedup cache");
  }
}
BENCHMARK(BM_DedupRetry);

// Presence with every user online on one device; the timed step is an already-online device's
// heartbeat (DeviceOnline refreshes its TTL, nobody is notified).
void BM_PresenceHeartbeat(benchmark::State& state) {
  ManualClock clock;
  Presence presence(PresenceConfig{}, clock);
  for (std::uint64_t u = 1; u <= presence_users; ++u) {
    presence.step(Envelope{heartbeat(u)});
  }
  presence.drain();
  std::uint64_t u = 0;
  for (auto _ : state) {
    if (++u > presence_users) {
      u = 1;
      clock.advance(1000);  // heartbeats move on in time, so expiries are re-keyed
    }
    presence.step(Envelope{heartbeat(u)});
    benchmark::DoNotOptimize(presence.drain());
  }
}
BENCHMARK(BM_PresenceHeartbeat);

// One user going online and offline in turn, watched by 10 sessions on 5 gateways: each change
// encodes one presence frame and emits one NotifySessions per gateway.
void BM_PresenceStatusChange(benchmark::State& state) {
  ManualClock clock;
  Presence presence(PresenceConfig{}, clock);
  const UserId user{42};
  const DeviceRef device{user, DeviceId{1}};
  const SessionRef at{NodeId{1}, SessionId{1}};
  for (std::uint64_t w = 0; w < status_watchers; ++w) {
    const SessionRef watcher{NodeId{1 + w % watcher_gateways}, SessionId{100 + w}};
    presence.step(Envelope{env::Watch{watcher, user, true}});
  }
  presence.drain();
  std::size_t notifications = 0;
  bool online = false;
  for (auto _ : state) {
    clock.advance(1);
    if (online) {
      presence.step(Envelope{env::DeviceOffline{device, at}});
    } else {
      presence.step(Envelope{env::DeviceOnline{device, at}});
    }
    online = !online;
    notifications += presence.drain().size();
  }
  if (notifications != static_cast<std::size_t>(state.iterations()) * watcher_gateways) {
    state.SkipWithError("a status change did not notify every watching gateway");
  }
}
BENCHMARK(BM_PresenceStatusChange);

}  // namespace
