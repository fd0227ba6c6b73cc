// The simulator's inner loop: one fixed, small, seeded run of the local engine (every core role,
// simulated clients over the real wire protocol, every message checked). items_per_second is
// simulated messages sent per wall second, the number that bounds how large a scenario can be.
#include <benchmark/benchmark.h>

#include "local_run.hpp"

namespace {

void BM_SimLocalRun(benchmark::State& state) {
  parley::sim::LocalRunConfig config;
  config.seed = 7;
  config.users = 100;
  config.devices_per_user = 2;
  config.groups = 5;
  config.group_size = 20;
  config.messages_per_user_per_s = 0.5;
  config.duration_ms = 5'000;
  std::uint64_t sends = 0;
  for (auto _ : state) {
    const auto summary = parley::sim::run_local(config);
    if (!summary.passed()) {
      state.SkipWithError("the fixed local run did not pass its checks");
      break;
    }
    sends += summary.sends;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(sends));
}
BENCHMARK(BM_SimLocalRun)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
