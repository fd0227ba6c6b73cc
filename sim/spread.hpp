// One hash from keys to hosts (conversation → chat node, user → gateway, request → replicas): the
// splitmix64 finaliser, so consecutive ids spread evenly and every run places them alike.
#pragma once

#include <cstdint>

namespace parley::sim {

constexpr std::uint64_t spread(std::uint64_t key) {
  key += 0x9e3779b97f4a7c15ULL;
  key = (key ^ (key >> 30)) * 0xbf58476d1ce4e5b9ULL;
  key = (key ^ (key >> 27)) * 0x94d049bb133111ebULL;
  return key ^ (key >> 31);
}

}  // namespace parley::sim
