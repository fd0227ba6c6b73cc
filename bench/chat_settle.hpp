// Bench helpers: run a ChatService's effects against a MemoryStore until none are left, as a
// single-threaded runtime would, and acknowledge what was delivered. Acks name exactly one message
// each (a cumulative ack would let a newer message silence an older one's redelivery), so a bench
// that wants flat redelivery state acks every delivery it saw.
#pragma once

#include <cstddef>
#include <variant>
#include <vector>

#include "parley/chat_service.hpp"
#include "parley/memory_store.hpp"

namespace parley::bench {

// Returns the number of DeliverToDevice envelopes routed; appends them to `delivered` if given.
inline std::size_t settle(ChatService& chat, MemoryStore& store,
                          std::vector<env::DeliverToDevice>* delivered = nullptr) {
  std::size_t deliveries = 0;
  for (auto effects = chat.drain(); !effects.empty(); effects = chat.drain()) {
    for (auto& effect : effects) {
      if (auto* request = std::get_if<StoreRequest>(&effect)) {
        chat.step(StoreDone{request->req, store.execute(request->op)});
      } else if (auto* route = std::get_if<Route>(&effect)) {
        if (auto* d = std::get_if<env::DeliverToDevice>(&route->envelope)) {
          ++deliveries;
          if (delivered != nullptr) delivered->push_back(*d);
        }
      }
    }
  }
  return deliveries;
}

// Every delivery in `delivered` is acknowledged by its device; the list is emptied.
inline void ack_all(ChatService& chat, std::vector<env::DeliverToDevice>& delivered) {
  for (const auto& d : delivered) chat.step(Envelope{env::DeliveryAck{d.device, d.conv, d.msg}});
  delivered.clear();
  chat.drain();
}

}  // namespace parley::bench
