// What a parley-load device wrote, for tests that feed frames without a connection: a FrameWriter
// that keeps the frames, and the syncs among them as the server decodes them.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parley/protocol.hpp"
#include "replay.hpp"

namespace parley::load::testing {

struct Written {
  std::vector<std::string> frames;
  FrameWriter writer() {
    return [this](std::string text) {
      frames.push_back(std::move(text));
      return true;
    };
  }
  std::vector<protocol::Sync> syncs() const {
    std::vector<protocol::Sync> out;
    for (const auto& text : frames) {
      auto frame = protocol::decode_client(text);
      EXPECT_TRUE(frame.ok()) << text;
      if (frame.ok() && std::holds_alternative<protocol::Sync>(frame.value())) {
        out.push_back(std::get<protocol::Sync>(frame.value()));
      }
    }
    return out;
  }
};

}  // namespace parley::load::testing
