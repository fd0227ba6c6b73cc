// See run_command.hpp. Order of a run: options → scenario (overrides, seed) → the network part
// (load_driver) → verification against the plan → summary and SLO verdicts → run directory.
#include "run_command.hpp"

#include <cstdio>
#include <iostream>

#include "load_driver.hpp"
#include "merge_extras.hpp"
#include "parley/metrics/merge.hpp"
#include "parley/metrics/results_reader.hpp"
#include "parley/metrics/results_writer.hpp"
#include "parley/metrics/summary.hpp"
#include "parley/scenario/emit.hpp"
#include "parley/scenario/parse.hpp"
#include "process_fanout.hpp"
#include "run_context.hpp"
#include "verifier.hpp"

namespace parley::load {
namespace {

constexpr const char* tool_version = "0.1";

int fail_usage(const std::string& message) {
  std::cerr << "parley-load: " << message << "\n";
  return exit_usage;
}

void print_progress(const metrics::TimeseriesRow& row, const Progress& p) {
  std::fprintf(stderr,
               "\r[%6.1fs] conns %lld  sends/s %llu  delivered/s %llu  ack p50/p99 %.1f/%.1f ms  "
               "delivery p50/p99 %.1f/%.1f ms  errors %llu   ",
               p.elapsed_s, static_cast<long long>(p.connections),
               static_cast<unsigned long long>(row.sends), static_cast<unsigned long long>(row.deliveries),
               p.ack_p50_us / 1e3, p.ack_p99_us / 1e3, p.delivery_p50_us / 1e3, p.delivery_p99_us / 1e3,
               static_cast<unsigned long long>(p.errors));
}

std::string default_out_dir(const scenario::Scenario& s, workload::Shard shard) {
  std::string dir = "results/runs/" + s.name + "-seed" + std::to_string(s.seed);
  if (shard.count > 1) dir += "-shard" + std::to_string(shard.index) + "of" + std::to_string(shard.count);
  return dir;
}

// The workload's typing, history and search traffic (docs/loadgen.md, Reads and typing).
std::string reads_json(const Extras& e, const DriverOutcome& o) {
  const std::pair<const char*, std::uint64_t> fields[] = {
      {"typing_sent", e.typing_sent},
      {"typing_received", e.typing_received},
      {"typing_misdirected", e.typing_misdirected},
      {"history_reads_planned", o.history_reads_planned},
      {"history_reads", e.history_reads},
      {"history_pages", e.history_pages},
      {"history_messages", e.history_messages},
      {"history_checked", e.history_checked},
      {"history_missing", e.history_missing},
      {"history_out_of_order", e.history_out_of_order},
      {"searches_planned", o.searches_planned},
      {"searches", e.searches},
      {"search_results", e.search_results},
      {"search_hits", e.search_hits},
      {"search_hits_foreign", e.search_hits_foreign},
      {"search_hits_unchecked", e.search_hits_unchecked},
      {"reads_skipped", e.reads_skipped},
      {"client_faults_executed", o.client_faults},
      {"partitioned_devices", e.partitioned_devices},
      {"slow_devices", e.slow_devices},
      {"fault_closes", e.fault_closes}};
  std::string out;
  for (const auto& [name, value] : fields) {
    out += (out.empty() ? "\"" : ",\"") + std::string(name) + "\":" + std::to_string(value);
  }
  return out;
}

std::string extras_json(const Extras& e, const Verification& v, const DriverOutcome& o) {
  auto field = [](const std::string& name, std::uint64_t value) {
    return "\"" + name + "\":" + std::to_string(value);
  };
  std::string codes;
  for (const auto& [code, n] : e.error_codes) codes += (codes.empty() ? "" : ",") + field(code, n);
  std::string reasons;  // transport texts: keep them JSON-safe
  for (const auto& [why, n] : e.close_reasons) {
    std::string safe;
    for (char ch : why) safe += (ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20) ? '_' : ch;
    reasons += (reasons.empty() ? "" : ",") + field(safe, n);
  }
  std::string not_executable;  // fault kind → faults of the schedule parley-load cannot drive
  for (const auto& [kind, n] : o.faults_not_executable) {
    not_executable += (not_executable.empty() ? "" : ",") + field(kind, n);
  }
  return "{" + field("expected_deliveries", v.expected) + "," + field("unacked_sends", v.unacked_sends) +
         "," + field("unverified_devices", v.unverified_devices) + "," + field("redelivered", e.redelivered) +
         "," + field("foreign_messages", e.foreign) + "," + field("connect_failures", e.connect_failures) +
         "," + field("disconnects", e.disconnects) + "," + field("error_frames", e.error_frames) + "," +
         field("dropped_sends", e.dropped_sends) + "," + field("connections", o.connections) + "," +
         field("groups_created", o.groups) + "," + field("storms_executed", o.storms) + "," +
         field("faults_not_executed", o.faults_not_executed) + "," +
         field("churn_reconnects_planned", o.churn_reconnects) + "," + field("deliberate_drops", e.deliberate_drops) +
         "," + field("reconnects", e.reconnects) + "," + field("syncs", e.syncs) + "," +
         field("resyncs", e.resyncs) + "," +
         field("replay_out_of_order", e.replay_out_of_order) + "," + field("resent", e.resent) + "," +
         field("duplicate_acks", e.duplicate_acks) + "," + reads_json(e, o) + ",\"error_codes\":{" + codes +
         "},\"close_reasons\":{" + reasons + "},\"faults_not_executable\":{" + not_executable + "}}";
}

metrics::Manifest make_manifest(const RunOptions& o, const scenario::Scenario& s,
                                const std::vector<std::string>& argv) {
  metrics::Manifest m;
  m.tool = "parley-load";
  m.tool_version = tool_version;
  m.scenario_name = s.name;
  m.scenario_yaml = scenario::to_yaml(s);
  m.seed = s.seed;
  m.overrides = o.overrides;
  m.command_line = argv;
  m.git_revision = git_revision();
  m.host = host_description();
  m.started_at = utc_now_rfc3339();
  m.shard_index = o.shard.index;
  m.shard_count = o.shard.count;
  return m;
}

}  // namespace

int run_command(const std::vector<std::string>& args, const std::vector<std::string>& argv) {
  auto options = parse_run_options(args);
  if (!options) return fail_usage(options.error().message + "\n" + run_usage());
  RunOptions& o = options.value();
  if (o.token_secret.size() < 16) {
    return fail_usage("a token secret of at least 16 bytes is needed: --token-secret S or $PARLEY_TOKEN_SECRET");
  }
  auto parsed = scenario::parse_file(o.scenario_path, o.overrides);
  if (!parsed) return fail_usage("scenario error:\n" + parsed.error().message);
  scenario::Scenario& s = parsed.value();
  if (o.seed) s.seed = *o.seed;
  if (!o.target) {
    if (s.topology.targets.empty()) return fail_usage("no --target and the scenario lists no topology.targets");
    auto t = parse_target(s.topology.targets.front());
    if (!t) return fail_usage("topology.targets[0]: " + t.error().message);
    o.target = t.value();
  }
  if (o.out_dir.empty()) o.out_dir = default_out_dir(s, o.shard);
  if (o.processes > 1) return run_processes(o, o.out_dir);
  std::cerr << "parley-load: scenario " << s.name << ", seed " << s.seed << ", shard " << o.shard.index
            << "/" << o.shard.count << ", target ws://" << o.target->host << ":" << o.target->port
            << o.target->path << "\n";

  Recorder recorder;
  std::vector<metrics::TimeseriesRow> rows;
  DriverConfig config{s, o.shard, *o.target, o.token_secret, o.threads, o.source_addresses,
                      o.source_first, o.grace_s, connections_max(), o.start_at_ms, o.client_faults, {}};
  const bool quiet = o.quiet;
  config.on_second = [&rows, quiet](const metrics::TimeseriesRow& row, const Progress& p) {
    rows.push_back(row);
    if (!quiet) print_progress(row, p);
  };
  const metrics::Manifest manifest = make_manifest(o, s, argv);
  auto outcome = run_load(config, recorder);
  if (!quiet) std::cerr << "\n";
  if (!outcome) {
    std::cerr << "parley-load: " << outcome.error().message << "\n";
    return outcome.error().code == ErrorCode::invalid_value ? exit_usage : exit_slo_failed;
  }

  const Verification v = verify(s, o.shard, recorder);
  metrics::Counts counts = recorder.counts();
  counts.missing = v.missing;
  counts.errors += counts.sent > counts.acked ? counts.sent - counts.acked : 0;  // sends never acked
  metrics::RunResults results;
  results.manifest = manifest;
  results.histograms = recorder.histograms();
  results.summary = metrics::make_summary(outcome.value().duration_s, counts, results.histograms, s.slos);
  results.summary.extra_json = extras_json(recorder.extras(), v, outcome.value());
  results.timeseries = std::move(rows);
  if (auto written = metrics::write_run(o.out_dir, results); !written) {
    std::cerr << "parley-load: writing " << o.out_dir << ": " << written.error().message << "\n";
    return exit_usage;
  }
  std::cerr << "parley-load: sent " << counts.sent << ", acked " << counts.acked << ", delivered "
            << counts.delivered << " of " << v.expected << " expected, missing " << counts.missing
            << ", duplicated " << counts.duplicated << ", reordered " << counts.reordered << ", errors "
            << counts.errors << "\n";
  for (const auto& slo : results.summary.slos) {
    std::cerr << "  slo " << slo.name << ": target " << slo.target << ", observed " << slo.observed
              << (slo.pass ? "  pass" : "  FAIL") << "\n";
  }
  std::cerr << "parley-load: " << (results.summary.pass ? "PASS" : "FAIL") << ", results in " << o.out_dir << "\n";
  return results.summary.pass ? exit_pass : exit_slo_failed;
}

int merge_command(const std::vector<std::string>& args) {
  std::vector<std::string> dirs;
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out") {
      if (i + 1 >= args.size()) return fail_usage("merge: --out needs a directory");
      out = args[++i];
    } else if (args[i].rfind("--", 0) == 0) {
      return fail_usage("merge: unknown option '" + args[i] + "'");
    } else {
      dirs.push_back(args[i]);
    }
  }
  if (dirs.empty() || out.empty()) return fail_usage("usage: parley-load merge RUN_DIR... --out DIR");
  std::vector<metrics::RunResults> shards;
  for (const auto& dir : dirs) {
    auto run = metrics::read_run(dir);
    if (!run) return fail_usage("merge: " + dir + ": " + run.error().message);
    shards.push_back(std::move(run.value()));
  }
  auto merged = metrics::merge_shards(shards, dirs);
  if (!merged) return fail_usage("merge: " + merged.error().message);
  std::vector<std::string> extras;
  for (const auto& shard : shards) extras.push_back(shard.summary.extra_json);
  merged.value().summary.extra_json = sum_extras(extras);
  if (auto written = metrics::write_run(out, merged.value()); !written) {
    return fail_usage("merge: writing " + out + ": " + written.error().message);
  }
  const auto& c = merged.value().summary.counts;
  std::cerr << "parley-load merge: " << dirs.size() << " shards, sent " << c.sent << ", delivered "
            << c.delivered << ", missing " << c.missing << ": " << (merged.value().summary.pass ? "PASS" : "FAIL")
            << ", results in " << out << "\n";
  return merged.value().summary.pass ? exit_pass : exit_slo_failed;
}

}  // namespace parley::load
