// Internal: walks a YAML tree with field paths, converts scalars strictly and collects diagnostics
// (`file:line:col: path: message`). Keys a MapReader never asked for are reported as unknown, with
// a "did you mean" suggestion, when it finishes.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace parley::scenario::detail {

// Where an error is reported when the offending node came from a `--set` override.
using OverrideOrigins = std::map<std::string, std::string>;  // canonical path → "key=value"

class Context {
 public:
  Context(std::string source, OverrideOrigins overrides)
      : source_(std::move(source)), overrides_(std::move(overrides)) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message);
  void error_at(const YAML::Mark& mark, const std::string& path, const std::string& message);
  bool failed() const { return !diagnostics_.empty(); }
  // All diagnostics in file order (override problems first), one per line.
  std::string report() const;

 private:
  struct Diagnostic {
    int line;  // -1 for overrides and unplaced problems
    int column;
    std::string text;
  };
  std::string location(const YAML::Mark& mark, const std::string& path) const;

  std::string source_;
  OverrideOrigins overrides_;
  std::vector<Diagnostic> diagnostics_;
};

// A numeric range with its message: `must be > 0`, `must be in [0, 1]`, ...
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  std::optional<std::string> violation(double value) const;  // nullopt when inside
};
Range positive();
Range at_least(double lo);
Range between(double lo, double hi);
inline Range fraction() { return between(0, 1); }
inline Range any_number() { return Range{}; }

std::string format_number(double value);  // shortest text that reads back to the same double
std::string join_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);
// `path` is `prefix` or lies under it (a.b is within a; a.bc is not).
bool path_within(const std::string& path, const std::string& prefix);
// The closest candidate within edit distance 2, if any.
std::optional<std::string> suggest(std::string_view key, const std::vector<std::string>& known);

// Strict scalar conversions (underscores allowed between digits: 500_000_000).
std::optional<double> to_double(const std::string& text);
std::optional<std::uint64_t> to_u64(const std::string& text);

class MapReader {
 public:
  // A missing or null node reads as an empty mapping (every field takes its default).
  MapReader(Context& ctx, const YAML::Node& node, std::string path);
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;
  ~MapReader() { finish(); }

  Context& ctx() { return ctx_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }
  const YAML::Node& node() const { return node_; }
  bool has(std::string_view key) const;

  // The child under `key` (undefined when absent) and `key` becomes a known key.
  YAML::Node take(std::string_view key);

  // Each returns true when the key was present and valid; `out` keeps its default otherwise.
  bool read(std::string_view key, double& out, const Range& range);
  bool read(std::string_view key, std::uint64_t& out, const Range& range);
  bool read(std::string_view key, std::uint32_t& out, const Range& range);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, std::string& out);

  // Reports keys never taken; runs once (also from the destructor).
  void finish();
  // Skips the unknown-key check: used when the shape is undecidable (e.g. after a bad `kind`),
  // where every other key would be reported as noise.
  void accept_rest() { finished_ = true; }

 private:
  Context& ctx_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string> known_;
  struct Entry {
    YAML::Node key;  // for its mark
    YAML::Node value;
  };
  std::map<std::string, Entry, std::less<>> keys_;
  bool finished_ = false;
};

// Scalar readers for sequence items and other nodes outside a MapReader. They report and return
// nullopt on a bad node.
std::optional<double> read_double(Context& ctx, const YAML::Node& node, const std::string& path,
                                  const Range& range);
std::optional<std::uint64_t> read_u64(Context& ctx, const YAML::Node& node,
                                      const std::string& path, const Range& range);
std::optional<std::string> read_string(Context& ctx, const YAML::Node& node,
                                       const std::string& path);
// True when `node` is a sequence; reports `expected a list` otherwise.
bool expect_sequence(Context& ctx, const YAML::Node& node, const std::string& path);

}  // namespace parley::scenario::detail
