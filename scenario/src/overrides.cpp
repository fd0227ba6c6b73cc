// See overrides.hpp. Intermediate mappings are created as needed, so `population.hot_groups.count=1`
// works on a file without a hot_groups section; whether the final key exists is the typed
// parser's business (an unknown key there is reported against the override).
#include "overrides.hpp"

#include <string_view>

namespace parley::scenario::detail {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot = path.find('.'); ; dot = path.find('.', start)) {
    parts.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Error override_error(const std::string& text, const std::string& message) {
  return Error{ErrorCode::invalid_value, "override '" + text + "': " + message};
}

// Sets `parts` under `root`; returns the canonical path (list indices as [i]) or an Error.
Result<std::string> set_path(YAML::Node root, const std::vector<std::string>& parts,
                             const YAML::Node& value, const std::string& text) {
  std::string path;
  YAML::Node current;
  current.reset(root);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (part.empty()) return override_error(text, "empty key segment in '" + text + "'");
    if (current.IsSequence()) {
      if (!all_digits(part) || std::stoull(part) >= current.size()) {
        return override_error(text, "'" + path + "' is a list of " +
                                        std::to_string(current.size()) +
                                        " items; '" + part + "' is not an index in it");
      }
      const std::size_t index = std::stoull(part);
      path = index_path(path, index);
      if (last) {
        current[index] = value;
      } else {
        YAML::Node next = current[index];
        current.reset(next);
      }
      continue;
    }
    if (!current.IsMap()) {
      return override_error(text, "'" + path + "' is a single value, not a mapping; set '" +
                                      path + "' itself instead");
    }
    path = join_path(path, part);
    if (last) {
      current[part] = value;
    } else {
      if (!current[part] || current[part].IsNull()) current[part] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = current[part];
      current.reset(next);
    }
  }
  return path;
}

}  // namespace

Result<OverrideOrigins> apply_overrides(YAML::Node& root, const Overrides& overrides) {
  OverrideOrigins origins;
  if (!overrides.empty() && (!root.IsDefined() || root.IsNull())) {
    root = YAML::Node(YAML::NodeType::Map);
  }
  for (const std::string& text : overrides) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0) {
      return override_error(text, "expected key.path=value");
    }
    YAML::Node value;
    try {
      value = YAML::Load(text.substr(equals + 1));
    } catch (const YAML::Exception& e) {
      return override_error(text, "the value is not valid YAML: " + e.msg);
    }
    auto path = set_path(root, split_path(std::string_view(text).substr(0, equals)), value, text);
    if (!path) return path.error();
    origins[path.value()] = text;
  }
  return origins;
}

}  // namespace parley::scenario::detail
