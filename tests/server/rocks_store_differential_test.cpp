// Differential test: seeded random sequences of store ops run on MemoryStore (the reference
// semantics) and on RocksStore, singly and in group-commit batches, with the RocksDB store
// reopened now and then. Every Outcome must be equal; a mismatch names the seed and the op.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "parley/memory_store.hpp"
#include "parley/overloaded.hpp"
#include "parley/random.hpp"
#include "rocks_store.hpp"
#include "rocks_test_support.hpp"

namespace parley::server {
namespace {

using namespace testing;

constexpr int seeds = 20;
constexpr int ops_per_seed = 2000;
constexpr int reopen_every = 500;

// What the runs exercised, so a generator that stops reaching a case fails the test.
struct Coverage {
  int duplicates = 0;
  int errors = 0;
  int too_many_devices = 0;
  int pages_with_more = 0;
  int floors = 0;
  int multi_hit_searches = 0;
  int offline_devices = 0;
  int backlogs_with_more = 0;
  int backlog_marks = 0;
  void count(const store::Outcome& out) {
    if (const auto* b = std::get_if<store::Backlog>(&out)) {
      backlogs_with_more += b->more;
      backlog_marks += static_cast<int>(b->marks.size());
    }
    if (const auto* a = std::get_if<store::Appended>(&out)) duplicates += a->duplicate;
    if (const auto* e = std::get_if<Error>(&out)) {
      ++errors;
      too_many_devices += e->code == ErrorCode::too_many_items;
    }
    if (const auto* p = std::get_if<store::Page>(&out)) {
      pages_with_more += p->more;
      floors += p->floor.value != 0;
    }
    if (const auto* h = std::get_if<store::Hits>(&out)) multi_hit_searches += h->hits.size() > 1;
    if (const auto* d = std::get_if<store::Devices>(&out)) {
      for (const auto& device : d->devices) offline_devices += !device.online();
    }
  }
};

struct Trim {
  ConversationId conv;
  MessageId floor;
};
using Action = std::variant<store::Op, Trim>;

// Draws ops over a small world (a few users, conversations, groups and words) so that dedup hits,
// id clashes, page edges, search intersections and the device cap all happen often.
class OpGenerator {
 public:
  explicit OpGenerator(std::uint64_t seed) : r_(seed) {}

  Action next() {
    const auto roll = r_.uniform(100);
    if (roll < 33) return store::Op{append()};
    if (roll < 48) return store::Op{read()};
    if (roll < 52) return store::Op{receipt()};
    if (roll < 56) return store::Op{store::GetGroup{GroupId{7 + r_.uniform(3)}}};
    if (roll < 61) return store::Op{put_group()};
    if (roll < 74) return store::Op{search()};
    if (roll < 83) return store::Op{connect()};
    if (roll < 91) return store::Op{disconnect()};
    if (roll < 95) return store::Op{store::RegistryLookup{users(4, true)}};
    if (roll < 97) return coin(50) ? store::Op{mark()} : store::Op{backlog()};
    const ConversationId c = conv();
    return Trim{c, pick_id(c)};
  }
  bool coin(std::uint64_t percent) { return r_.uniform(100) < percent; }
  std::uint64_t uniform(std::uint64_t n) { return r_.uniform(n); }

 private:
  template <class T>
  T maybe_zero(T v) {
    return coin(3) ? T{} : v;
  }
  UserId user() { return UserId{1 + r_.uniform(5)}; }
  ConversationId conv() {
    static constexpr std::uint64_t convs[] = {7, 8, 9, 21, 22, (1ULL << 63) | 5};
    return ConversationId{convs[r_.uniform(std::size(convs))]};
  }
  std::vector<UserId> users(std::uint64_t max, bool with_zero = false) {
    std::vector<UserId> out;
    for (auto n = r_.uniform(max + 1); n > 0; --n) out.push_back(with_zero && coin(5) ? UserId{} : user());
    return out;
  }
  std::string words(std::uint64_t max) {
    static const char* vocab[] = {"alpha", "Beta", "GAMMA", "delta", "déjà", "naïve", "x1", "42", "ALPHA"};
    static const char* seps[] = {" ", ", ", "!", "\t", "... ", "-"};
    std::string text;
    for (auto n = r_.uniform(max + 1); n > 0; --n) {
      if (!text.empty() || coin(20)) text += seps[r_.uniform(std::size(seps))];
      text += vocab[r_.uniform(std::size(vocab))];
    }
    return text;
  }
  MessageId fresh_id() {
    for (;;) {
      const std::uint64_t id = coin(3) ? ~std::uint64_t{0} - r_.uniform(50) : 1 + r_.uniform(1ULL << 42);
      if (all_ids_.insert(id).second) return MessageId{id};
    }
  }
  // An id near the conversation's own (to hit page edges), 0 or the top.
  MessageId pick_id(ConversationId c) {
    const auto& ids = ids_[c];
    if (ids.empty() || coin(10)) return coin(50) ? MessageId{} : MessageId{~std::uint64_t{0}};
    const std::uint64_t id = ids[r_.uniform(ids.size())].value;
    const auto shift = r_.uniform(3);
    return MessageId{shift == 0 ? id : shift == 1 ? id + 1 : id - 1};
  }
  store::AppendMessage append() {
    StoredMessage m;
    m.conv = coin(2) ? ConversationId{} : conv();
    auto& ids = ids_[m.conv];
    m.id = coin(2) ? MessageId{} : (!ids.empty() && coin(8)) ? ids[r_.uniform(ids.size())] : fresh_id();
    if (m.id) ids.push_back(m.id);
    m.sender = coin(5) ? UserId{} : user();
    m.sender_device = DeviceId{r_.uniform(3)};
    if (coin(70)) m.client_uuid = "u" + std::to_string(r_.uniform(60));
    const auto kind = r_.uniform(10);
    m.body.kind = kind < 6   ? Body::Kind::text
                  : kind < 7 ? Body::Kind::media
                  : kind < 9 ? Body::Kind::encrypted
                             : Body::Kind::system;
    m.body.text = words(5);
    if (m.body.kind == Body::Kind::encrypted) m.body.data = "b64:" + words(3);
    if (m.body.kind == Body::Kind::media) {
      m.body.url = "https://m/" + std::to_string(r_.uniform(100));
      m.body.mime = "image/png";
      m.body.size_bytes = r_.uniform(1 << 20);
    }
    m.time_ms = r_.uniform(1ULL << 41);
    const ConversationId c = m.conv;
    return store::AppendMessage{std::move(m), users(3), !coin(15), coin(30) ? pick_id(c) : MessageId{}};
  }
  store::MarkFannedOut mark() {
    const ConversationId c = conv();
    return store::MarkFannedOut{maybe_zero(c), pick_id(c)};
  }
  store::ListFanoutBacklog backlog() {
    const ConversationId after = coin(40) ? ConversationId{} : coin(5) ? ConversationId{~std::uint64_t{0}} : conv();
    return store::ListFanoutBacklog{after, coin(10) ? 0 : static_cast<std::uint32_t>(1 + r_.uniform(3))};
  }
  store::ReadMessages read() {
    const ConversationId c = coin(5) ? ConversationId{99} : conv();
    const auto limit = coin(5) ? 0 : static_cast<std::uint32_t>(1 + r_.uniform(8));
    return store::ReadMessages{c, coin(40) ? MessageId{} : pick_id(c), coin(40) ? MessageId{} : pick_id(c),
                               limit, coin(50)};
  }
  store::PutReceipt receipt() {
    return store::PutReceipt{maybe_zero(conv()), maybe_zero(user()), MessageId{r_.uniform(1000)}};
  }
  store::PutGroup put_group() {
    GroupRecord g{coin(3) ? GroupId{} : GroupId{7 + r_.uniform(3)}, words(2), user(), {}, r_.uniform(1000)};
    std::set<UserId> members;
    for (const UserId u : users(5)) members.insert(u);
    g.members.assign(members.begin(), members.end());
    return store::PutGroup{std::move(g), users(3), users(2)};
  }
  store::SearchMessages search() {
    const auto limit = coin(5) ? 0 : static_cast<std::uint32_t>(1 + r_.uniform(6));
    return store::SearchMessages{coin(5) ? UserId{6} : user(), coin(5) ? std::string("?!") : words(3),
                                 coin(60) ? ConversationId{} : conv(), limit};
  }
  store::RegistryConnect connect() {
    // User 1 has more devices than the cap allows, so eviction and refusal both happen.
    const UserId u = coin(3) ? UserId{} : coin(50) ? UserId{1} : UserId{1 + r_.uniform(3)};
    const DeviceRef device{u, DeviceId{1 + r_.uniform(u == UserId{1} ? 20 : 3)}};
    store::RegistryConnect op{device, NodeId{coin(3) ? 0 : 1 + r_.uniform(3)}, SessionId{r_.uniform(5)}};
    connects_.push_back(op);
    return op;
  }
  store::RegistryDisconnect disconnect() {
    if (!connects_.empty() && coin(70)) {
      const auto& c = connects_[r_.uniform(connects_.size())];
      return store::RegistryDisconnect{c.device, c.gateway, c.session};
    }
    return store::RegistryDisconnect{DeviceRef{user(), DeviceId{1 + r_.uniform(4)}}, NodeId{r_.uniform(4)},
                                     SessionId{r_.uniform(5)}};
  }

  Random r_;
  std::map<ConversationId, std::vector<MessageId>> ids_;
  std::set<std::uint64_t> all_ids_;  // ids stay unique across conversations: search order is by id
  std::vector<store::RegistryConnect> connects_;
};

std::string describe_messages(const std::vector<StoredMessage>& messages) {
  std::ostringstream out;
  out << "[";
  for (const auto& m : messages) out << m.conv.value << "/" << m.id.value << " ";
  out << "]";
  return out.str();
}

std::string describe_full(const store::Outcome& outcome) {
  return std::visit(
      Overloaded{
          [](const store::Appended& a) {
            return "Appended " + describe_messages({a.stored}) + (a.duplicate ? " dup" : "");
          },
          [](const store::Page& p) {
            return "Page " + describe_messages(p.messages) + " more=" + std::to_string(p.more) +
                   " floor=" + std::to_string(p.floor.value);
          },
          [](const store::GroupLoaded& g) { return std::string(g.group ? "Group" : "NoGroup"); },
          [](const store::Hits& h) { return "Hits " + describe_messages(h.hits); },
          [](const store::Devices& d) { return "Devices n=" + std::to_string(d.devices.size()); },
          [](const store::Done&) { return std::string("Done"); },
          [](const store::Backlog& b) {
            std::string text = "Backlog [";
            for (const auto& m : b.marks) {
              text += std::to_string(m.conv.value) + ":" + std::to_string(m.last.value) + ">" +
                      std::to_string(m.done.value) + " ";
            }
            return text + "] more=" + std::to_string(b.more) + " newest=" + std::to_string(b.newest.value);
          },
          [](const Error& e) { return "Error " + e.message; },
      },
      outcome);
}

bool same(const store::Outcome& a, const store::Outcome& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      Overloaded{
          [&](const store::Appended& x) {
            const auto& y = std::get<store::Appended>(b);
            return x.stored == y.stored && x.duplicate == y.duplicate;
          },
          [&](const store::Page& x) {
            const auto& y = std::get<store::Page>(b);
            return x.messages == y.messages && x.more == y.more && x.floor == y.floor;
          },
          [&](const store::GroupLoaded& x) { return x.group == std::get<store::GroupLoaded>(b).group; },
          [&](const store::Hits& x) { return x.hits == std::get<store::Hits>(b).hits; },
          [&](const store::Devices& x) { return x.devices == std::get<store::Devices>(b).devices; },
          [](const store::Done&) { return true; },
          [&](const store::Backlog& x) {
            const auto& y = std::get<store::Backlog>(b);
            return x.marks == y.marks && x.more == y.more && x.newest == y.newest;
          },
          [&](const Error& x) {
            const auto& y = std::get<Error>(b);
            return x.code == y.code && x.message == y.message;
          },
      },
      a);
}

class Differential {
 public:
  Differential(std::uint64_t seed, Coverage& coverage)
      : seed_(seed), coverage_(coverage), gen_(seed), rocks_(open_store(dir_.path())) {}

  // Runs the whole sequence; false (with a test failure naming the op) at the first mismatch.
  bool run() {
    int done = 0;
    int next_reopen = reopen_every;
    while (done < ops_per_seed) {
      std::vector<Action> actions;
      const auto batch = gen_.coin(50) ? 1 : 2 + gen_.uniform(15);
      for (std::uint64_t i = 0; i < batch; ++i) actions.push_back(gen_.next());
      if (!run_actions(actions, done)) return false;
      done += static_cast<int>(actions.size());
      if (done >= next_reopen) {
        next_reopen += reopen_every;
        rocks_.reset();
        rocks_ = open_store(dir_.path());
      }
    }
    return true;
  }

 private:
  // Consecutive ops go to RocksDB as one group commit; trims split the batches.
  bool run_actions(const std::vector<Action>& actions, int first) {
    std::vector<store::Op> ops;
    for (std::size_t i = 0; i <= actions.size(); ++i) {
      const bool flush = i == actions.size() || std::holds_alternative<Trim>(actions[i]);
      if (flush && !ops.empty()) {
        if (!compare_batch(ops, first + static_cast<int>(i - ops.size()))) return false;
        ops.clear();
      }
      if (i == actions.size()) break;
      if (const auto* trim = std::get_if<Trim>(&actions[i])) {
        memory_.trim(trim->conv, trim->floor);
        const auto out = rocks_->trim(trim->conv, trim->floor);
        if (!std::holds_alternative<store::Done>(out)) {
          return fail(first + static_cast<int>(i), "trim", describe_full(out));
        }
      } else {
        ops.push_back(std::get<store::Op>(actions[i]));
      }
    }
    return true;
  }

  bool compare_batch(const std::vector<store::Op>& ops, int first) {
    const auto rocks_out =
        ops.size() == 1 ? std::vector<store::Outcome>{rocks_->execute(ops[0])} : rocks_->execute_batch(ops);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const auto expected = memory_.execute(ops[i]);
      coverage_.count(expected);
      if (!same(expected, rocks_out[i])) {
        return fail(first + static_cast<int>(i),
                    "op #" + std::to_string(ops[i].index()) + " in a batch of " + std::to_string(ops.size()),
                    "memory: " + describe_full(expected) + "\n rocks: " + describe_full(rocks_out[i]));
      }
    }
    return true;
  }

  bool fail(int index, const std::string& what, const std::string& detail) {
    ADD_FAILURE() << "seed " << seed_ << ", action " << index << " (" << what << "):\n " << detail;
    return false;
  }

  std::uint64_t seed_;
  Coverage& coverage_;
  OpGenerator gen_;
  TempDir dir_;
  MemoryStore memory_;
  std::unique_ptr<RocksStore> rocks_;
};

TEST(RocksStoreDifferential, SameOutcomesAsMemoryStoreOverRandomOps) {
  Coverage coverage;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    Differential run(seed, coverage);
    ASSERT_TRUE(run.run()) << "seed " << seed;
  }
  EXPECT_GT(coverage.duplicates, 100);
  EXPECT_GT(coverage.errors, 100);
  EXPECT_GT(coverage.too_many_devices, 10);
  EXPECT_GT(coverage.pages_with_more, 100);
  EXPECT_GT(coverage.floors, 100);
  EXPECT_GT(coverage.multi_hit_searches, 100);
  EXPECT_GT(coverage.offline_devices, 100);
  EXPECT_GT(coverage.backlogs_with_more, 20);
  EXPECT_GT(coverage.backlog_marks, 100);
  std::cout << "coverage: duplicates " << coverage.duplicates << ", errors " << coverage.errors
            << " (too many devices " << coverage.too_many_devices << "), pages with more "
            << coverage.pages_with_more << ", pages with a floor " << coverage.floors
            << ", searches with several hits " << coverage.multi_hit_searches << ", offline devices seen "
            << coverage.offline_devices << ", fan-out backlog marks " << coverage.backlog_marks
            << " (pages with more " << coverage.backlogs_with_more << ")\n";
}

}  // namespace
}  // namespace parley::server
