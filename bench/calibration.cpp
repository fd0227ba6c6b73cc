// The calibration kernel, compiled into every bench executable: a fixed, deterministic workload
// with the same mix as the code under test (frame-like string building and digit parsing, hashing,
// string-keyed hash lookups, an ordered map, a sort), measured in the same process run as the
// benchmarks. scripts/bench_compare.py divides every benchmark's time by this one's, so a slower
// machine moves both and the ratio stays. Changing it invalidates results/bench/baseline.json.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t frames = 128;        // strings built, parsed and looked up per pass
constexpr std::size_t sort_elements = 1024;
constexpr std::uint64_t seed = 0x9e3779b97f4a7c15ULL;

std::uint64_t xorshift(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

std::uint64_t parse_digits(const std::string& text) {
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c >= '0' && c <= '9') value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// One pass of the kernel over fresh containers; returns a checksum so nothing is optimised away.
std::uint64_t kernel_pass(const std::vector<std::uint64_t>& input) {
  std::map<std::uint64_t, std::uint64_t> ordered;
  std::unordered_map<std::string, std::uint64_t> table;
  std::string frame;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < frames; ++i) {
    frame.clear();
    frame += R"({"op":"deliver","id":")";
    frame += std::to_string(input[i]);
    frame += R"(","from":)";
    frame += std::to_string(i * 7919);
    frame += R"(,"text":"see you at noon"})";
    ordered[fnv1a(frame) % 1024] += parse_digits(frame);
    table[frame.substr(20, 12)] += i;
    auto it = table.find(frame.substr(22, 12));  // mostly misses, as dedup lookups mostly do
    sum += it == table.end() ? 1 : it->second;
  }
  std::vector<std::uint64_t> values(input.begin(), input.begin() + sort_elements);
  std::sort(values.begin(), values.end());
  return sum + ordered.size() + values[sort_elements / 2];
}

void BM_Calibration(benchmark::State& state) {
  std::uint64_t s = seed;
  std::vector<std::uint64_t> input(sort_elements);
  for (auto& v : input) v = xorshift(s);
  for (auto _ : state) benchmark::DoNotOptimize(kernel_pass(input));
}
BENCHMARK(BM_Calibration);

}  // namespace
