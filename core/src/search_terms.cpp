// The search tokeniser (see search_terms.hpp).
#include "parley/search_terms.hpp"

namespace parley {

std::set<std::string> search_terms(std::string_view text) {
  std::set<std::string> terms;
  std::string word;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ascii_word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (ascii_word || c >= 0x80) {
      word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
    } else if (!word.empty()) {
      terms.insert(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) terms.insert(std::move(word));
  return terms;
}

}  // namespace parley
