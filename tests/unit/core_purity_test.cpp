// The seam of DESIGN.md §2, checked on the source tree: nothing under core/include or core/src
// reaches for a runtime library, a thread, a clock or a random device. core/server is the real
// runtime and is deliberately not scanned.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// One finding per offending line: "path:line: text".
std::vector<std::string> impurities(const std::string& text, const std::string& path) {
  static const std::regex forbidden(
      R"re(#\s*include\s*[<"](boost/|rocksdb/|hiredis|simgrid|thread>|random>|pthread|unistd|sys/socket|asio|beast))re"
      R"re(|\b(system_clock|steady_clock|high_resolution_clock|utc_clock|file_clock)\b)re"
      R"re(|\brandom_device\b|\bstd::rand\s*\(|\bsrand\s*\(|\btime\s*\(\s*(nullptr|NULL|0)\s*\))re"
      R"re(|\b(gettimeofday|clock_gettime|getrandom)\s*\()re");
  std::vector<std::string> found;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (std::regex_search(line, forbidden)) {
      found.push_back(path + ":" + std::to_string(number) + ": " + line);
    }
  }
  return found;
}

TEST(CorePurity, ScannerCatchesEachKindOfImpurity) {
  for (const char* bad : {"#include <boost/asio.hpp>", "#include <rocksdb/db.h>",
                          "#include <hiredis/hiredis.h>", "#include <simgrid/s4u.hpp>",
                          "#include <thread>", "#include <random>",
                          "auto t = std::chrono::system_clock::now();",
                          "auto t = std::chrono::steady_clock::now();", "std::random_device rd;",
                          "int r = std::rand();", "auto t = time(nullptr);",
                          "clock_gettime(CLOCK_MONOTONIC, &ts);"}) {
    EXPECT_EQ(impurities(bad, "x").size(), 1u) << bad;
  }
  EXPECT_TRUE(impurities("#include <chrono>  // durations only\nTimeMs now = clock.now_ms();", "x").empty());
}

TEST(CorePurity, CoreIncludesAndSourcesStayPure) {
  const fs::path root = PARLEY_SOURCE_DIR;
  std::vector<std::string> found;
  std::size_t scanned = 0;
  for (const char* dir : {"core/include", "core/src"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream file(entry.path());
      std::stringstream text;
      text << file.rdbuf();
      auto here = impurities(text.str(), fs::relative(entry.path(), root).string());
      found.insert(found.end(), here.begin(), here.end());
      ++scanned;
    }
  }
  EXPECT_GT(scanned, 10u) << "the scan found too few files: is PARLEY_SOURCE_DIR right?";
  std::string report;
  for (const auto& f : found) report += "\n  " + f;
  EXPECT_TRUE(found.empty()) << "the pure core reaches for the world (DESIGN.md §2):" << report;
}

}  // namespace
