// Search in RocksDB: an inverted index (term · conv · msg, empty values) written with the append.
// A query intersects its terms' posting lists per conversation of the user, walking them
// newest-first in leapfrog (each list seeks to the smallest current id), so a common term in a
// long history costs the seeks to the matches, not a scan of the history.
#include <algorithm>
#include <memory>

#include "rocks_codec.hpp"
#include "parley/search_terms.hpp"
#include "rocks_ops.hpp"

namespace parley::server::rocks {

std::vector<std::string> index_keys(const StoredMessage& m) {
  std::vector<std::string> keys;
  if (!searchable(m.body)) return keys;
  for (const auto& term : search_terms(m.body.text)) keys.push_back(search_key(term, m.conv, m.id));
  return keys;
}

namespace {

// The posting list of one term, walked newest-first inside one conversation at a time.
class Postings {
 public:
  Postings(View& view, const std::string& term)
      : term_(term),
        prefix_bytes_(term.size() + 1),
        scan_(view, Cf::search, term_prefix(term), prefix_end(term_prefix(term))) {}

  bool empty() {
    scan_.seek_first();
    return !scan_.valid();
  }
  // The newest posting of conv with id <= at.
  std::optional<MessageId> seek(ConversationId conv, MessageId at) {
    scan_.seek_for_prev(search_key(term_, conv, at));
    return current(conv);
  }
  std::optional<MessageId> step_back(ConversationId conv) {
    scan_.prev();
    return current(conv);
  }
  std::optional<Error> error() const { return scan_.error(); }

 private:
  std::optional<MessageId> current(ConversationId conv) const {
    if (!scan_.valid()) return std::nullopt;
    const std::string_view key = scan_.key();
    if (key.size() != prefix_bytes_ + 16 || get_u64_be(key, prefix_bytes_) != conv.value) return std::nullopt;
    return MessageId{get_u64_be(key, prefix_bytes_ + 8)};
  }

  std::string term_;
  std::size_t prefix_bytes_;
  Scan scan_;
};

using PostingLists = std::vector<std::unique_ptr<Postings>>;

// Newest-first ids of conv's messages holding every term, at most limit of them.
Result<std::vector<MessageId>> matches_in(PostingLists& lists, ConversationId conv, std::uint32_t limit) {
  std::vector<std::optional<MessageId>> at;
  for (auto& list : lists) at.push_back(list->seek(conv, MessageId{~std::uint64_t{0}}));
  std::vector<MessageId> found;
  while (found.size() < limit &&
         std::all_of(at.begin(), at.end(), [](const auto& id) { return id.has_value(); })) {
    const MessageId target = **std::min_element(at.begin(), at.end());
    bool all_equal = true;
    for (std::size_t i = 0; i < lists.size(); ++i) {
      if (*at[i] == target) continue;
      all_equal = false;
      at[i] = lists[i]->seek(conv, target);
    }
    if (!all_equal) continue;
    found.push_back(target);
    for (std::size_t i = 0; i < lists.size(); ++i) at[i] = lists[i]->step_back(conv);
  }
  for (auto& list : lists) {
    if (auto error = list->error()) return *error;
  }
  return found;
}

// The conversations a search may look in: the user's, narrowed to conv when it is not 0.
Result<std::vector<ConversationId>> scope_of(View& view, UserId user, ConversationId conv) {
  std::vector<ConversationId> scope;
  if (conv) {
    auto linked = view.get(Cf::user_convs, user_conv_key(user, conv));
    if (!linked.ok()) return linked.error();
    if (linked.value()) scope.push_back(conv);
    return scope;
  }
  Scan scan(view, Cf::user_convs, user_prefix(user), prefix_end(user_prefix(user)));
  for (scan.seek_first(); scan.valid(); scan.next()) {
    if (auto c = parse_user_conv_key(scan.key())) scope.push_back(*c);
  }
  if (auto error = scan.error()) return *error;
  return scope;
}

// Newest first; equal ids (in different conversations) by conversation, for a stable answer.
bool newer(const MessageRef& a, const MessageRef& b) { return a.id != b.id ? a.id > b.id : a.conv < b.conv; }

}  // namespace

store::Outcome search_messages(View& view, const store::SearchMessages& op) {
  store::Hits result;
  const auto terms = search_terms(op.query);
  if (terms.empty()) return result;
  auto scope = scope_of(view, op.user, op.conv);
  if (!scope.ok()) return scope.error();
  if (scope.value().empty()) return result;
  PostingLists lists;
  for (const auto& term : terms) {
    lists.push_back(std::make_unique<Postings>(view, term));
    if (lists.back()->empty()) return result;  // a term found nowhere matches nothing
  }
  const std::uint32_t limit = page_limit(op.limit);
  std::vector<MessageRef> refs;
  for (const ConversationId conv : scope.value()) {
    auto ids = matches_in(lists, conv, limit);
    if (!ids.ok()) return ids.error();
    for (const MessageId id : ids.value()) refs.push_back({conv, id});
  }
  std::sort(refs.begin(), refs.end(), newer);
  for (const MessageRef& ref : refs) {
    if (result.hits.size() >= limit) break;
    auto found = view.get(Cf::messages, message_key(ref.conv, ref.id));
    if (!found.ok()) return found.error();
    if (!found.value()) continue;  // a stale entry left by trimming a corrupt message
    auto message = decode_message(ref.conv, ref.id, *found.value());
    if (!message.ok()) return message.error();
    result.hits.push_back(std::move(message.value()));
  }
  return result;
}

}  // namespace parley::server::rocks
