// See substream.hpp.
#include "substream.hpp"

namespace parley::workload {
namespace {

std::uint64_t finalise(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t mix(std::uint64_t seed, Stream stream, std::uint64_t index) {
  std::uint64_t h = finalise(seed + 0x9e3779b97f4a7c15ULL);
  h = finalise(h ^ (static_cast<std::uint64_t>(stream) * 0xd1b54a32d192ed03ULL));
  return finalise(h ^ (index + 0x632be59bd9b4e019ULL));
}

Random substream(std::uint64_t seed, Stream stream, std::uint64_t index) {
  return Random(mix(seed, stream, index));
}

}  // namespace parley::workload
