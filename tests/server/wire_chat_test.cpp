// The real parley-server over loopback, driven by a C++ (Boost.Beast) WebSocket client beside the
// Python one: authentication, 1:1 send → ack → delivery, multi-device delivery and reconnect
// replay with `sync`. Each test starts its own server on a free port and a fresh data directory.
#include "wire_client.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "token.hpp"

namespace parley::wire {
namespace {

const std::string kSecret = "wire-chat-test-secret-0123";

class WireChatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-wire-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    server_ = std::make_unique<ServerProcess>(PARLEY_SERVER_BINARY, dir_, kSecret);
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::string token(std::uint64_t user, std::uint64_t device, std::uint64_t expires_ms = 4'000'000'000'000) {
    return server::mint_token(kSecret, TokenClaims{UserId{user}, DeviceId{device}, expires_ms});
  }
  std::unique_ptr<WireClient> login(std::uint64_t user, std::uint64_t device = 1) {
    auto c = std::make_unique<WireClient>(server_->port());
    c->send({{"op", "auth"}, {"token", token(user, device)}});
    const json ok = c->expect("auth.ok");
    EXPECT_EQ(ok["user"], std::to_string(user));
    EXPECT_EQ(ok["device"], std::to_string(device));
    return c;
  }
  static json send_text(WireClient& c, const std::string& id, const std::string& text, std::uint64_t to) {
    c.send({{"op", "send"}, {"rid", "r-" + id}, {"id", id}, {"to", std::to_string(to)},
            {"body", {{"type", "text"}, {"text", text}}}});
    return c.find([&](const json& f) { return f.value("rid", "") == "r-" + id; });
  }

  std::filesystem::path dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WireChatTest, AuthSucceedsWithAValidTokenAndClosesOnAForgedOne) {
  auto alice = login(1);
  alice->send({{"op", "ping"}});
  EXPECT_EQ(alice->expect("pong")["op"], "pong");

  WireClient forger(server_->port());
  std::string forged = token(1, 1);
  forged.back() = forged.back() == '0' ? '1' : '0';
  forger.send({{"op", "auth"}, {"token", forged}});
  EXPECT_EQ(forger.expect("error")["code"], "auth_failed");
  EXPECT_EQ(forger.closed(), 1008);

  WireClient late(server_->port());
  late.send({{"op", "auth"}, {"token", token(1, 2, /*expires_ms=*/1'000)}});
  EXPECT_EQ(late.expect("error")["code"], "token_expired");
  EXPECT_EQ(late.closed(), 1008);
}

TEST_F(WireChatTest, DirectMessageIsAcknowledgedThenDeliveredWithTheSameId) {
  auto alice = login(1);
  auto bob = login(2);
  const json ack = send_text(*alice, "u-1", "hello bob", 2);
  ASSERT_EQ(ack["op"], "ack") << ack;
  EXPECT_EQ(ack["dup"], false);
  const json msg = bob->expect("msg");
  EXPECT_EQ(msg["msg"], ack["msg"]);
  EXPECT_EQ(msg["conv"], ack["conv"]);
  EXPECT_EQ(msg["from"], "1");
  EXPECT_EQ(msg["body"]["text"], "hello bob");

  const json again = send_text(*alice, "u-1", "hello bob", 2);  // a retry after a lost ack
  EXPECT_EQ(again["dup"], true);
  EXPECT_EQ(again["msg"], ack["msg"]);
}

TEST_F(WireChatTest, EveryDeviceOfTheRecipientAndTheSendersOtherDevicesGetTheMessage) {
  auto alice_phone = login(1, 1);
  auto alice_laptop = login(1, 2);
  auto bob_phone = login(2, 1);
  auto bob_laptop = login(2, 2);
  const json ack = send_text(*alice_phone, "m-1", "to all devices", 2);
  ASSERT_EQ(ack["op"], "ack") << ack;
  for (WireClient* device : {bob_phone.get(), bob_laptop.get(), alice_laptop.get()}) {
    const json msg = device->expect("msg");
    EXPECT_EQ(msg["msg"], ack["msg"]);
    EXPECT_EQ(msg["device"], "1");
  }
}

TEST_F(WireChatTest, AReconnectingDeviceReplaysWhatItMissedInOrder) {
  auto alice = login(1);
  std::string conv;
  std::vector<json> acks;
  for (int i = 0; i < 3; ++i) {  // bob is offline
    acks.push_back(send_text(*alice, "o-" + std::to_string(i), "missed " + std::to_string(i), 2));
    ASSERT_EQ(acks.back()["op"], "ack") << acks.back();
    conv = acks.back()["conv"];
  }
  auto bob = login(2);
  bob->send({{"op", "sync"}, {"rid", "s1"}, {"positions", json::array({{{"conv", conv}, {"after", "0"}}})}});
  const json done = bob->expect("sync.done");
  EXPECT_EQ(done["more"], false);
  EXPECT_EQ(done["through"], acks.back()["msg"]);
  ASSERT_EQ(bob->messages.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(bob->messages[i]["msg"], acks[i]["msg"]);
    EXPECT_EQ(bob->messages[i]["body"]["text"], "missed " + std::to_string(i));
  }

  // From the last position nothing is replayed again.
  bob->send({{"op", "sync"}, {"rid", "s2"}, {"positions", json::array({{{"conv", conv}, {"after", done["through"]}}})}});
  EXPECT_EQ(bob->expect("sync.done")["through"], done["through"]);
  EXPECT_EQ(bob->messages.size(), 3u);
}

}  // namespace
}  // namespace parley::wire
