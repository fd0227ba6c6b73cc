// See reader.hpp. Conversions are strict on purpose: a scenario with "1O0" users or `ture` should
// fail loudly with its line, not run with a surprising value.
#include "reader.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>

#include "parley/scenario/parse.hpp"

namespace parley::scenario::detail {

void Context::error(const YAML::Node& at, const std::string& path, const std::string& message) {
  error_at(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), path, message);
}

void Context::error_at(const YAML::Mark& mark, const std::string& path,
                       const std::string& message) {
  const std::string where = location(mark, path);
  const bool placed = where.rfind("override", 0) != 0 && !mark.is_null();
  diagnostics_.push_back({placed ? mark.line : -1, placed ? mark.column : -1,
                          where + ": " + (path.empty() ? "(top level)" : path) + ": " + message});
}

std::string Context::location(const YAML::Mark& mark, const std::string& path) const {
  for (const auto& [prefix, text] : overrides_) {
    if (path_within(path, prefix)) return "override '" + text + "'";
  }
  if (mark.is_null()) {
    // A node an override created on its way (a mistyped section name) has no mark of its own.
    for (const auto& [prefix, text] : overrides_) {
      if (path_within(prefix, path)) return "override '" + text + "'";
    }
    return source_;
  }
  return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string Context::report() const {
  std::vector<const Diagnostic*> order;
  for (const auto& d : diagnostics_) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return a->line != b->line ? a->line < b->line : a->column < b->column;
  });
  std::string text;
  for (std::size_t i = 0; i < order.size() && i < diagnostics_max; ++i) {
    text += (i ? "\n" : "") + order[i]->text;
  }
  if (order.size() > diagnostics_max) {
    text += "\n... and " + std::to_string(order.size() - diagnostics_max) + " more problems";
  }
  return text;
}

std::optional<std::string> Range::violation(double value) const {
  const bool below = lo_open ? !(value > lo) : !(value >= lo);
  const bool above = hi_open ? !(value < hi) : !(value <= hi);
  if (!below && !above) return std::nullopt;
  std::string rule;
  if (std::isinf(hi)) {
    rule = std::string(lo_open ? "> " : ">= ") + format_number(lo);
  } else if (std::isinf(lo)) {
    rule = std::string(hi_open ? "< " : "<= ") + format_number(hi);
  } else {
    rule = std::string("in ") + (lo_open ? "(" : "[") + format_number(lo) + ", " +
           format_number(hi) + (hi_open ? ")" : "]");
  }
  return "must be " + rule + " (got " + format_number(value) + ")";
}

Range positive() { return Range{0, std::numeric_limits<double>::infinity(), true, false}; }
Range at_least(double lo) { return Range{lo, std::numeric_limits<double>::infinity()}; }
Range between(double lo, double hi) { return Range{lo, hi}; }

std::string format_number(double value) {
  // Fixed notation reads best ("100000", "0.25"); very large or tiny values fall back to the
  // shortest form. Both are the shortest text that parses back to the same double.
  char buf[400];
  auto fixed = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (fixed.ec == std::errc{} && fixed.ptr - buf <= 24) return std::string(buf, fixed.ptr);
  auto general = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, general.ptr);
}

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// Drops single underscores between digits; nullopt when an underscore is anywhere else.
std::optional<std::string> without_digit_separators(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '_') {
      out += text[i];
      continue;
    }
    const bool between_digits = i > 0 && i + 1 < text.size() &&
                                std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                                std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (!between_digits) return std::nullopt;
  }
  return out;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "'" + node.Scalar() + "'";
}

bool scalar(Context& ctx, const YAML::Node& node, const std::string& path, const char* expected) {
  if (node.IsDefined() && node.IsScalar()) return true;
  ctx.error(node, path, std::string("expected ") + expected + " (got " + describe(node) + ")");
  return false;
}

}  // namespace

bool path_within(const std::string& path, const std::string& prefix) {
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

std::optional<std::string> suggest(std::string_view key, const std::vector<std::string>& known) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  for (const auto& candidate : known) {
    const std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::optional<double> to_double(const std::string& text) {
  auto clean = without_digit_separators(text);
  if (!clean || clean->empty()) return std::nullopt;
  const char* first = clean->data();
  const char* last = first + clean->size();
  if (*first == '+') ++first;
  double value = 0;
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || end != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> to_u64(const std::string& text) {
  auto clean = without_digit_separators(text);
  if (!clean || clean->empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(clean->data(), clean->data() + clean->size(), value);
  if (ec == std::errc{} && end == clean->data() + clean->size()) return value;
  // 5e8 is a fine way to write 500 M, as long as it is an exact integer.
  const auto real = to_double(text);
  if (!real || *real < 0 || *real > 9007199254740992.0 || std::floor(*real) != *real) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(*real);
}

std::optional<double> read_double(Context& ctx, const YAML::Node& node, const std::string& path,
                                  const Range& range) {
  if (!scalar(ctx, node, path, "a number")) return std::nullopt;
  const auto value = to_double(node.Scalar());
  if (!value) {
    ctx.error(node, path, "expected a number (got '" + node.Scalar() + "')");
    return std::nullopt;
  }
  if (auto problem = range.violation(*value)) {
    ctx.error(node, path, *problem);
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> read_u64(Context& ctx, const YAML::Node& node,
                                      const std::string& path, const Range& range) {
  if (!scalar(ctx, node, path, "an integer")) return std::nullopt;
  const auto value = to_u64(node.Scalar());
  if (!value) {
    // A negative number breaks the range, which says more than "not a whole number".
    const auto real = to_double(node.Scalar());
    const auto problem = real && *real < 0 ? range.violation(*real) : std::nullopt;
    ctx.error(node, path, problem ? *problem : "expected a whole number (got '" + node.Scalar() + "')");
    return std::nullopt;
  }
  if (auto problem = range.violation(static_cast<double>(*value))) {
    ctx.error(node, path, *problem);
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> read_string(Context& ctx, const YAML::Node& node,
                                       const std::string& path) {
  if (!scalar(ctx, node, path, "a string")) return std::nullopt;
  return node.Scalar();
}

bool expect_sequence(Context& ctx, const YAML::Node& node, const std::string& path) {
  if (node.IsDefined() && node.IsSequence()) return true;
  ctx.error(node, path, "expected a list (got " + describe(node) + ")");
  return false;
}

MapReader::MapReader(Context& ctx, const YAML::Node& node, std::string path)
    : ctx_(ctx), node_(node), path_(std::move(path)) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    ctx_.error(node, path_, "expected a mapping (got " + describe(node) + ")");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: it-> returns a temporary proxy
    if (!key.IsScalar()) {
      ctx_.error(key, path_, "keys must be plain names (got " + describe(key) + ")");
      continue;
    }
    auto [slot, fresh] = keys_.emplace(key.Scalar(), Entry{key, it->second});
    if (!fresh) {
      ctx_.error(key, path_of(key.Scalar()),
                 "duplicate key (first on line " +
                     std::to_string(slot->second.key.Mark().line + 1) + ")");
    }
  }
}

bool MapReader::has(std::string_view key) const { return keys_.find(key) != keys_.end(); }

YAML::Node MapReader::take(std::string_view key) {
  known_.emplace_back(key);
  const auto found = keys_.find(key);
  return found == keys_.end() ? YAML::Node(YAML::NodeType::Undefined) : found->second.value;
}

bool MapReader::read(std::string_view key, double& out, const Range& range) {
  const YAML::Node node = take(key);
  if (!node.IsDefined()) return false;
  auto value = read_double(ctx_, node, path_of(key), range);
  if (value) out = *value;
  return value.has_value();
}

bool MapReader::read(std::string_view key, std::uint64_t& out, const Range& range) {
  const YAML::Node node = take(key);
  if (!node.IsDefined()) return false;
  auto value = read_u64(ctx_, node, path_of(key), range);
  if (value) out = *value;
  return value.has_value();
}

bool MapReader::read(std::string_view key, std::uint32_t& out, const Range& range) {
  std::uint64_t wide = out;
  Range capped = range;
  capped.hi = std::min(capped.hi, static_cast<double>(UINT32_MAX));
  if (!read(key, wide, capped)) return false;
  out = static_cast<std::uint32_t>(wide);
  return true;
}

bool MapReader::read(std::string_view key, bool& out) {
  const YAML::Node node = take(key);
  if (!node.IsDefined()) return false;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    ctx_.error(node, path_of(key), "expected true or false (got " + describe(node) + ")");
    return false;
  }
  out = value;
  return true;
}

bool MapReader::read(std::string_view key, std::string& out) {
  const YAML::Node node = take(key);
  if (!node.IsDefined()) return false;
  auto value = read_string(ctx_, node, path_of(key));
  if (value) out = *value;
  return value.has_value();
}

void MapReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& [key, entry] : keys_) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = "unknown key";
    if (auto near = suggest(key, known_)) message += " (did you mean '" + *near + "'?)";
    ctx_.error(entry.key, path_of(key), message);
  }
}

}  // namespace parley::scenario::detail
