// Where a worker hands the PushNotify effects of its PushPolicy: the push sender (push_sender.hpp)
// in the server. Called from any worker thread; must not block on the network.
#pragma once

#include "parley/envelope.hpp"

namespace parley::server {

class PushSink {
 public:
  virtual ~PushSink() = default;
  virtual void notify(PushNotify notification) = 0;
};

}  // namespace parley::server
