// Helpers of the RocksStore tests: a fresh mkdtemp directory per test (removed after), message
// builders, and typed access to outcomes that fails the test instead of throwing.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "rocks_store.hpp"

namespace parley::server::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = "/tmp/parley-rocks-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<RocksStore> open_store(const std::string& path, bool sync = false,
                                              bool statistics = false) {
  auto opened = RocksStore::open(RocksStore::Options{path, sync, 8 << 20, statistics});
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(opened.value()) : nullptr;
}

inline StoredMessage text_message(ConversationId conv, std::uint64_t id, std::string text,
                                  UserId sender = UserId{1}, std::string uuid = "") {
  StoredMessage m;
  m.conv = conv;
  m.id = MessageId{id};
  m.sender = sender;
  m.sender_device = DeviceId{1};
  m.client_uuid = std::move(uuid);
  m.body.text = std::move(text);
  m.time_ms = 1000 + id;
  return m;
}

inline std::string describe(const store::Outcome& out) {
  if (const auto* e = std::get_if<Error>(&out)) return "Error: " + e->message;
  return "outcome #" + std::to_string(out.index());
}

// The outcome as T; a default T (and a test failure) when it is something else.
template <class T>
T as(const store::Outcome& out) {
  const T* value = std::get_if<T>(&out);
  EXPECT_NE(value, nullptr) << describe(out);
  return value ? *value : T{};
}

inline std::vector<std::uint64_t> ids_of(const std::vector<StoredMessage>& messages) {
  std::vector<std::uint64_t> ids;
  for (const auto& m : messages) ids.push_back(m.id.value);
  return ids;
}

}  // namespace parley::server::testing
