// See shard.hpp.
#include "shard.hpp"

#include <charconv>
#include <string>

namespace parley::workload {

Result<Shard> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  Shard shard;
  auto parse = [](std::string_view part, std::uint32_t& out) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return !part.empty() && ec == std::errc{} && end == part.data() + part.size();
  };
  if (slash == std::string_view::npos || !parse(text.substr(0, slash), shard.index) ||
      !parse(text.substr(slash + 1), shard.count) || shard.count == 0 ||
      shard.index >= shard.count) {
    return Error{ErrorCode::invalid_value,
                 "shard '" + std::string(text) + "': expected i/n with 0 <= i < n, e.g. 0/4"};
  }
  return shard;
}

}  // namespace parley::workload
