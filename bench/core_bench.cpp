// Microbenchmarks of the core's hot paths: snowflake ids, frame decode and encode, and the
// fan-out decision of one message to groups of 1 to 500 members. scripts/bench_compare.py runs
// them against the committed baseline (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/conversation.hpp"
#include "parley/memory_store.hpp"
#include "parley/overloaded.hpp"
#include "parley/protocol.hpp"
#include "parley/snowflake.hpp"

#include "chat_settle.hpp"

namespace {

using namespace parley;
using parley::bench::ack_all;
using parley::bench::settle;

void BM_SnowflakeNext(benchmark::State& state) {
  ManualClock clock;
  auto gen = std::move(Snowflake::make(NodeId{1}, clock).value());
  std::uint64_t i = 0;
  for (auto _ : state) {
    if ((++i & 1023) == 0) clock.advance(1);
    benchmark::DoNotOptimize(gen.next());
  }
}
BENCHMARK(BM_SnowflakeNext);

const std::string send_frame =
    R"({"op":"send","rid":"r-18","id":"6f1c2a8e-2f7b-4a51-9a43-0c7d1f1f9b2e","to":"4242",)"
    R"("body":{"type":"text","text":"Are we still on for lunch tomorrow at noon? I booked the usual place."}})";

void BM_DecodeSend(benchmark::State& state) {
  for (auto _ : state) {
    auto frame = protocol::decode_client(send_frame);
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * send_frame.size()));
}
BENCHMARK(BM_DecodeSend);

// The same send with a text body of N bytes: the per-byte part of decoding, which the simulator's
// calibration takes as decode_us_per_kb (the slope between 64 B and 16 KB).
std::string send_frame_of(std::size_t bytes) {
  return R"({"op":"send","rid":"r-18","id":"6f1c2a8e-2f7b-4a51-9a43-0c7d1f1f9b2e","to":"4242",)"
         R"("body":{"type":"text","text":")" + std::string(bytes, 'a') + R"("}})";
}

void BM_DecodeSendBytes(benchmark::State& state) {
  const std::string frame_text = send_frame_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto frame = protocol::decode_client(frame_text);
    benchmark::DoNotOptimize(frame);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame_text.size()));
}
BENCHMARK(BM_DecodeSendBytes)->Arg(64)->Arg(16384);

void BM_DecodeMalformed(benchmark::State& state) {
  const std::string bad = R"({"op":"send","id":"x","to":"12a","body":{"type":"text","text":"hi"}})";
  for (auto _ : state) {
    auto frame = protocol::decode_client(bad);
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(BM_DecodeMalformed);

protocol::Deliver sample_delivery() {
  StoredMessage m;
  m.conv = direct_conversation(UserId{17}, UserId{4242}).value();
  m.id = MessageId{0x0123456789abcdefULL};
  m.sender = UserId{17};
  m.sender_device = DeviceId{1};
  m.client_uuid = "6f1c2a8e-2f7b-4a51-9a43-0c7d1f1f9b2e";
  m.body.text = "Are we still on for lunch tomorrow at noon? I booked the usual place.";
  m.time_ms = 1'767'225'600'000ULL;
  return protocol::Deliver{m};
}

void BM_EncodeDeliver(benchmark::State& state) {
  const protocol::ServerFrame frame = sample_delivery();
  for (auto _ : state) {
    auto text = protocol::encode(frame);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_EncodeDeliver);

// The delivery of a text body of N bytes (encode_us_per_kb, as above).
void BM_EncodeDeliverBytes(benchmark::State& state) {
  protocol::Deliver deliver = sample_delivery();
  deliver.message.body.text = std::string(static_cast<std::size_t>(state.range(0)), 'a');
  const protocol::ServerFrame frame = deliver;
  for (auto _ : state) {
    auto text = protocol::encode(frame);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_EncodeDeliverBytes)->Arg(64)->Arg(16384);

// One message to a group of N members, each online on one device: dedup, id, append, registry
// lookup, and N DeliverToDevice envelopes sharing one encoded frame.
void BM_GroupFanout(benchmark::State& state) {
  const auto members = static_cast<std::uint64_t>(state.range(0));
  ManualClock clock;
  MemoryStore store;
  auto chat = std::move(ChatService::make(ChatConfig{}, clock).value());
  const GroupId group{1'000'000};
  const SessionRef origin{NodeId{1}, SessionId{1}};
  env::GroupCommand create{origin, DeviceRef{UserId{1}, DeviceId{1}}, "", env::GroupCommand::Kind::create,
                           group, "bench", {}};
  for (std::uint64_t u = 1; u <= members; ++u) {
    if (u > 1) create.users.push_back(UserId{u});
    store.execute(store::RegistryConnect{DeviceRef{UserId{u}, DeviceId{1}}, NodeId{1}, SessionId{u}});
  }
  std::vector<env::DeliverToDevice> to_ack;
  chat.step(Envelope{create});
  settle(chat, store, &to_ack);
  ack_all(chat, to_ack);
  const ConversationId conv = group_conversation(group).value();
  std::uint64_t n = 0;
  std::size_t delivered = 0;
  for (auto _ : state) {
    env::Submit submit{origin, DeviceRef{UserId{1}, DeviceId{1}}, "", "u" + std::to_string(++n), conv,
                       Body{Body::Kind::text, "hello group", "", "", "", 0}};
    chat.step(Envelope{std::move(submit)});
    delivered += settle(chat, store, &to_ack);
    state.PauseTiming();
    ack_all(chat, to_ack);  // every device acks its delivery, so redelivery state stays flat
    state.ResumeTiming();
  }
  if (chat.stats().pending_deliveries != 0) state.SkipWithError("deliveries left unacknowledged");
  state.counters["deliveries_per_message"] =
      benchmark::Counter(static_cast<double>(delivered) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_GroupFanout)->Arg(1)->Arg(10)->Arg(100)->Arg(500);

}  // namespace

BENCHMARK_MAIN();
