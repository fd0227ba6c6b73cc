// The run directory: what the writer puts down the reader gets back, the committed example under
// results/example-run is exactly what the writer produces (tests/python validates it against the
// JSON schemas), summaries judge SLOs, and shard results merge into one run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "parley/metrics/merge.hpp"
#include "parley/metrics/results_reader.hpp"
#include "parley/metrics/results_writer.hpp"
#include "parley/metrics/summary.hpp"
#include "parley/metrics/timeseries_csv.hpp"
#include "parley/random.hpp"
#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"

namespace parley::metrics {
namespace {

namespace fs = std::filesystem;

const fs::path example_dir = fs::path(PARLEY_SOURCE_DIR) / "results" / "example-run";

fs::path fresh_dir() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(testing::TempDir()) / (std::string("parley_") + info->name());
  fs::remove_all(dir);
  return dir;
}

scenario::Scenario smoke() {
  return scenario::parse_file(std::string(PARLEY_SOURCE_DIR) + "/scenarios/smoke.yaml").value();
}

// A run made of integers only (parley::Random, no floating point), so it is the same everywhere.
RunResults example_run(std::uint32_t shard_index = 0, std::uint32_t shard_count = 1) {
  const scenario::Scenario s = smoke();
  RunResults run;
  run.manifest = {"parley-load", "0.1.0", s.name, scenario::to_yaml(s), s.seed,
                  {"population.users=300"}, {"parley-load", "run", "scenarios/smoke.yaml"},
                  "0123456789abcdef0123456789abcdef01234567",
                  "Debian 12, 2 cores, 7.8 GiB, Linux 6.1", "2026-01-01T00:00:00Z",
                  shard_index, shard_count, {}};
  Random rng(s.seed + shard_index);
  Counts counts;
  for (int second = 0; second < 20; ++second) {
    Histogram ack_second, delivery_second;
    TimeseriesRow row{static_cast<double>(second)};
    const std::uint64_t sends = 50 + rng.uniform(20);
    for (std::uint64_t i = 0; i < sends; ++i) {
      const std::uint64_t ack_us = 300 + rng.uniform(3'000);
      ack_second.record(ack_us);
      run.histograms["ack"].record(ack_us);
      const std::uint64_t recipients = 1 + rng.uniform(3);
      for (std::uint64_t r = 0; r < recipients; ++r) {
        const std::uint64_t delivery_us = ack_us + 200 + rng.uniform(8'000);
        delivery_second.record(delivery_us);
        run.histograms["delivery"].record(delivery_us);
      }
      if (recipients > 1) run.histograms["fanout_skew"].record(rng.uniform(2'000));
      row.deliveries += recipients;
    }
    row.sends = row.acks = sends;
    row.connections = 300 / shard_count;
    row.ack_p50_us = ack_second.percentile(50);
    row.ack_p99_us = ack_second.percentile(99);
    row.delivery_p50_us = delivery_second.percentile(50);
    row.delivery_p99_us = delivery_second.percentile(99);
    counts.sent += row.sends;
    counts.acked += row.acks;
    counts.delivered += row.deliveries;
    run.timeseries.push_back(row);
  }
  run.summary = make_summary(20, counts, run.histograms, s.slos);
  run.summary.extra_json = R"({"generator":{"connections_max":300,"processes":1}})";
  return run;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_same_run(const RunResults& a, const RunResults& b) {
  EXPECT_EQ(a.manifest, b.manifest);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(a.histograms, b.histograms);
  EXPECT_EQ(a.timeseries, b.timeseries);
}

TEST(Results, WriteThenReadGivesTheSameRun) {
  const fs::path dir = fresh_dir() / "nested" / "run";
  const RunResults run = example_run();
  ASSERT_TRUE(write_run(dir.string(), run).ok());
  auto back = read_run(dir.string());
  ASSERT_TRUE(back.ok()) << back.error().message;
  expect_same_run(back.value(), run);
  EXPECT_FALSE(fs::exists(dir / "summary.json.tmp")) << "temporaries are renamed away";
}

TEST(Results, CommittedExampleIsWhatTheWriterWrites) {
  const fs::path dir = fresh_dir();
  ASSERT_TRUE(write_run(dir.string(), example_run()).ok());
  if (std::getenv("PARLEY_UPDATE_GOLDEN")) {
    fs::remove_all(example_dir);
    fs::copy(dir, example_dir, fs::copy_options::recursive);
  }
  for (const char* file : {"manifest.json", "summary.json", "timeseries.csv", "histograms/ack.json",
                           "histograms/delivery.json", "histograms/fanout_skew.json"}) {
    EXPECT_EQ(slurp(dir / file), slurp(example_dir / file))
        << file << " differs from results/example-run (PARLEY_UPDATE_GOLDEN=1 rewrites it)";
  }
}

TEST(Results, SummaryJudgesTheScenarioSlos) {
  const scenario::Slos slos;  // p99 delivery 200 ms, p99 ack 100 ms, zero loss, 0.1 % errors
  Histogram fast, slow;
  fast.record_n(5'000, 100);
  slow.record_n(5'000, 98);
  slow.record_n(250'000, 2);
  Counts counts{1'000, 1'000, 2'000, 0, 0, 0, 0};
  Summary ok = make_summary(10, counts, {{"ack", fast}, {"delivery", fast}}, slos);
  EXPECT_TRUE(ok.pass);
  ASSERT_EQ(ok.slos.size(), 4u);
  EXPECT_EQ(ok.slos[0].name, "p99_delivery_ms");
  EXPECT_DOUBLE_EQ(ok.slos[0].observed, 5.0);

  Summary late = make_summary(10, counts, {{"ack", fast}, {"delivery", slow}}, slos);
  EXPECT_FALSE(late.pass);
  EXPECT_FALSE(late.slos[0].pass);
  EXPECT_TRUE(late.slos[1].pass);

  counts.missing = 1;
  Summary lossy = make_summary(10, counts, {{"ack", fast}, {"delivery", fast}}, slos);
  EXPECT_FALSE(lossy.pass);
  EXPECT_FALSE(lossy.slos[2].pass);
  scenario::Slos tolerant = slos;
  tolerant.zero_loss = false;
  EXPECT_TRUE(make_summary(10, counts, {{"ack", fast}, {"delivery", fast}}, tolerant).pass);

  counts.missing = 0;
  counts.errors = 2;  // 0.2 % of 1 000 sends
  EXPECT_FALSE(make_summary(10, counts, {}, slos).pass);
}

TEST(Results, ShardsMergeIntoOneRun) {
  const RunResults a = example_run(0, 2), b = example_run(1, 2);
  auto merged = merge_shards({b, a}, {"run/shard-1", "run/shard-0"});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  const RunResults& m = merged.value();
  EXPECT_EQ(m.manifest.shard_count, 1u);
  EXPECT_EQ(m.manifest.merged_from, (std::vector<std::string>{"run/shard-1", "run/shard-0"}));
  EXPECT_EQ(m.summary.counts.sent, a.summary.counts.sent + b.summary.counts.sent);
  Histogram delivery = a.histograms.at("delivery");
  delivery.merge(b.histograms.at("delivery"));
  EXPECT_EQ(m.histograms.at("delivery"), delivery);
  EXPECT_EQ(m.summary.latency.at("delivery"), summarize(delivery));
  ASSERT_EQ(m.timeseries.size(), 20u);
  EXPECT_EQ(m.timeseries[3].sends, a.timeseries[3].sends + b.timeseries[3].sends);
  EXPECT_EQ(m.timeseries[3].connections, 300u);
  EXPECT_EQ(m.timeseries[3].delivery_p99_us,
            std::max(a.timeseries[3].delivery_p99_us, b.timeseries[3].delivery_p99_us));
}

TEST(Results, MergeRefusesShardsThatDoNotBelongTogether) {
  const RunResults a = example_run(0, 2), b = example_run(1, 2);
  EXPECT_FALSE(merge_shards({a}, {"a"}).ok()) << "a shard is missing";
  EXPECT_FALSE(merge_shards({a, a}, {"a", "a"}).ok()) << "a shard twice";
  RunResults other_seed = b;
  other_seed.manifest.seed += 1;
  auto refused = merge_shards({a, other_seed}, {"a", "b"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("differ"), std::string::npos);
}

TEST(Results, TimeseriesWriterAppendsReadableRows) {
  const fs::path dir = fresh_dir();
  ASSERT_TRUE(create_run_dir(dir.string()).ok());
  auto writer = TimeseriesWriter::open((dir / "timeseries.csv").string());
  ASSERT_TRUE(writer.ok());
  const auto rows = example_run().timeseries;
  for (const auto& row : rows) ASSERT_TRUE(writer.value().append(row).ok());
  auto back = read_timeseries(dir.string());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back.value(), rows);
}

TEST(Results, TimeseriesToleratesExtraColumnsAndRefusesGarbage) {
  auto extra = timeseries_from_csv(std::string(timeseries_header) + ",gc_ms\n1.5,1,2,3,4,5,6,7,8,9,10\n");
  ASSERT_TRUE(extra.ok()) << extra.error().message;
  EXPECT_EQ(extra.value().at(0).t_s, 1.5);
  EXPECT_EQ(extra.value().at(0).delivery_p99_us, 9u);
  EXPECT_FALSE(timeseries_from_csv("t,x\n1,2\n").ok());
  EXPECT_FALSE(timeseries_from_csv(std::string(timeseries_header) + "\n1,2,3\n").ok());
  EXPECT_FALSE(timeseries_from_csv(std::string(timeseries_header) + "\n1,2,3,4,5,6,7,8,9,x\n").ok());
}

TEST(Results, WriterRefusesBadInput) {
  const fs::path dir = fresh_dir();
  ASSERT_TRUE(create_run_dir(dir.string()).ok());
  Summary summary;
  summary.extra_json = "[1, 2]";
  EXPECT_FALSE(write_summary(dir.string(), summary).ok());
  EXPECT_FALSE(write_histogram(dir.string(), "../escape", Histogram{}).ok());
  EXPECT_FALSE(write_histogram(dir.string(), "Upper", Histogram{}).ok());
}

TEST(Results, ReaderNamesTheFileAtFault) {
  const fs::path dir = fresh_dir();
  ASSERT_TRUE(write_run(dir.string(), example_run()).ok());
  std::ofstream(dir / "summary.json") << R"({"format": "parley-summary", "format_version": 1})";
  auto broken = read_run(dir.string());
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("summary.json"), std::string::npos) << broken.error().message;
  fs::remove(dir / "manifest.json");
  auto missing = read_run(dir.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("manifest.json"), std::string::npos);
}

}  // namespace
}  // namespace parley::metrics
