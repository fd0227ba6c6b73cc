// What search indexes, shared by every store (MemoryStore, RocksStore, the simulator's cost model)
// so that one query finds the same messages in each.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "parley/message.hpp"

namespace parley {

// Runs of ASCII letters/digits and of UTF-8 bytes >= 0x80 (so non-Latin words stay whole), ASCII
// case-folded; every other byte separates words.
std::set<std::string> search_terms(std::string_view text);

// Only text bodies and media captions are searchable: encrypted bodies are opaque and system
// messages describe membership, not content.
inline bool searchable(const Body& body) {
  return body.kind == Body::Kind::text || body.kind == Body::Kind::media;
}

}  // namespace parley
