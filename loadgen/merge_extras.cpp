// See merge_extras.hpp.
#include "merge_extras.hpp"

#include <nlohmann/json.hpp>

namespace parley::load {
namespace {

void add_into(nlohmann::json& total, const nlohmann::json& part) {
  for (const auto& [key, value] : part.items()) {
    if (value.is_number_unsigned()) {
      total[key] = total.value(key, std::uint64_t{0}) + value.get<std::uint64_t>();
    } else if (value.is_object()) {
      if (!total.contains(key)) total[key] = nlohmann::json::object();
      add_into(total[key], value);
    }
  }
}

}  // namespace

std::string sum_extras(const std::vector<std::string>& extras_json) {
  nlohmann::json total = nlohmann::json::object();
  for (const auto& text : extras_json) {
    const auto part = nlohmann::json::parse(text, nullptr, false);
    if (part.is_object()) add_into(total, part);
  }
  return total.dump();
}

}  // namespace parley::load
