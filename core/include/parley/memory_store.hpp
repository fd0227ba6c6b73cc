// In-memory implementation of the store and registry records (records.hpp), for tests and small
// simulations. It answers every store::Op synchronously; the runtime decides when the answer is
// delivered (immediately, delayed, reordered or failed), so tests can hold a completion back.
#pragma once

#include <memory>

#include "parley/records.hpp"

namespace parley {

class MemoryStore {
 public:
  MemoryStore();
  ~MemoryStore();
  MemoryStore(MemoryStore&&) noexcept;
  MemoryStore& operator=(MemoryStore&&) noexcept;

  store::Outcome execute(const store::Op& op);

  // Retention: drop messages of conv with id < floor (models capped or lost history).
  void trim(ConversationId conv, MessageId floor);
  // A write lost after it was acknowledged (every replica that took it lost it unsynced): the
  // message, its dedup key and its search postings are gone, as if never written. Returns
  // whether it was there.
  bool forget(ConversationId conv, MessageId id);
  std::size_t message_count() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace parley
