// `parley-server serve` configuration (config.hpp): the YAML file and the flags share one table of
// keys; flags override the file; unknown keys and bad values are errors that name the key; the
// shipped example and docs/operations.md list every key.
#include "config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace parley::server {
namespace {

const std::string kSecret = "0123456789abcdef-secret";

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  std::string file(const std::string& text) {
    std::ofstream(path_) << text;
    return path_.string();
  }
  static ServeArgs parse(std::vector<std::string> args, std::optional<std::string> env = kSecret) {
    return parse_serve_args(args, env);
  }
  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("parley-config-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                 ".yaml");
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The keys `--help` lists, in order.
std::vector<std::string> help_keys() {
  std::vector<std::string> keys;
  const std::string help = serve_help();
  const std::regex flag(R"(\n  --([a-z0-9-]+) VALUE)");
  for (auto it = std::sregex_iterator(help.begin(), help.end(), flag); it != std::sregex_iterator(); ++it) {
    keys.push_back((*it)[1]);
  }
  return keys;
}

TEST_F(ConfigTest, FlagsOverrideTheFileWhichOverridesTheDefaults) {
  const auto path = file("port: 9100\nworkers: 3\nlog-level: debug\nrate-frames-per-s: 5\n");
  const auto parsed = parse({"--config", path, "--port", "9200", "--rate-frames-burst=7"});
  ASSERT_EQ(parsed.action, ServeArgs::Action::run) << parsed.message;
  EXPECT_EQ(parsed.config.port, 9200);             // flag over file
  EXPECT_EQ(parsed.config.workers, 3u);            // file over default
  EXPECT_EQ(parsed.config.log_level, LogLevel::debug);
  EXPECT_EQ(parsed.config.gateway.frames_per_s, 5u);
  EXPECT_EQ(parsed.config.gateway.frames_burst, 7u);
  EXPECT_EQ(parsed.config.data_dir, ServerConfig{}.data_dir);
  EXPECT_EQ(parsed.config.token_secret, kSecret);
}

TEST_F(ConfigTest, TheSecretComesFromTheFlagThenTheEnvironmentThenTheFile) {
  const auto path = file("token-secret: file-secret-0123456789\n");
  EXPECT_EQ(parse({"--config", path, "--token-secret", "flag-secret-0123456789"}).config.token_secret,
            "flag-secret-0123456789");
  EXPECT_EQ(parse({"--config", path}).config.token_secret, kSecret);
  EXPECT_EQ(parse({"--config", path}, std::nullopt).config.token_secret, "file-secret-0123456789");
  const auto missing = parse({}, std::nullopt);
  EXPECT_EQ(missing.action, ServeArgs::Action::error);
  EXPECT_NE(missing.message.find("token-secret"), std::string::npos) << missing.message;
  EXPECT_EQ(parse({"--token-secret", "short"}, std::nullopt).action, ServeArgs::Action::error);
  EXPECT_EQ(resolve_token_secret(std::nullopt, std::nullopt), "");
}

TEST_F(ConfigTest, UnknownKeysAndBadValuesAreErrorsNamingTheKey) {
  struct Case {
    std::vector<std::string> args;
    std::string file;          // written and passed as --config when not empty
    std::string must_mention;  // in the message
  };
  const std::vector<Case> cases = {
      {{"--bogus", "1"}, "", "--bogus"},
      {{"--port", "65536"}, "", "--port"},
      {{"--port", "80x"}, "", "--port"},
      {{"--port", "-1"}, "", "--port"},
      {{"--workers", "257"}, "", "--workers"},
      {{"--sync", "maybe"}, "", "--sync"},
      {{"--log-level", "loud"}, "", "--log-level"},
      {{"--rate-frames-burst", "0"}, "", "--rate-frames-burst"},
      {{"--tls-cert", "cert.pem"}, "", "tls-key"},
      {{"--tls-key", "key.pem"}, "", "tls-cert"},
      {{"--port"}, "", "--port"},
      {{"stray"}, "", "stray"},
      {{}, "prot: 1\n", "prot"},
      {{}, "port: [1, 2]\n", "port"},
      {{}, "heartbeat-interval-ms: soon\n", "heartbeat-interval-ms"},
      {{}, "- a list\n", "mapping"},
      {{}, "port: 1\n  bad: indent\n", "not valid YAML"},
      {{"--push-webhook", "https://push.example/notify"}, "", "--push-webhook"},
      {{"--push-webhook", "push.example/notify"}, "", "--push-webhook"},
      {{"--push-webhook", "http://push.example:99999/notify"}, "", "--push-webhook"},
      {{}, "push-webhook: ftp://push.example/\n", "push-webhook"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    if (!c.file.empty()) {
      args.push_back("--config");
      args.push_back(file(c.file));
    }
    const auto parsed = parse(args);
    EXPECT_EQ(parsed.action, ServeArgs::Action::error) << c.must_mention;
    EXPECT_NE(parsed.message.find(c.must_mention), std::string::npos) << parsed.message;
  }
  const auto missing_file = parse({"--config", "/nonexistent/parley.yaml"});
  EXPECT_EQ(missing_file.action, ServeArgs::Action::error);
  EXPECT_NE(missing_file.message.find("/nonexistent/parley.yaml"), std::string::npos);
}

TEST_F(ConfigTest, APushWebhookIsAPlainHttpUrlOrEmpty) {
  const auto good = parse({"--push-webhook", "http://127.0.0.1:9000/push"});
  ASSERT_EQ(good.action, ServeArgs::Action::run) << good.message;
  EXPECT_EQ(good.config.push_webhook, "http://127.0.0.1:9000/push");
  const auto off = parse({"--push-webhook", ""});  // empty switches push off
  ASSERT_EQ(off.action, ServeArgs::Action::run) << off.message;
  EXPECT_TRUE(off.config.push_webhook.empty());
  const auto bad = parse({"--push-webhook", "https://push.example/notify"});
  ASSERT_EQ(bad.action, ServeArgs::Action::error);
  EXPECT_NE(bad.message.find("--push-webhook must be http://host"), std::string::npos) << bad.message;
  EXPECT_NE(bad.message.find("https://push.example/notify"), std::string::npos) << bad.message;
}

TEST_F(ConfigTest, HelpListsEveryKeyWithItsDefault) {
  const auto parsed = parse({"--port", "1", "--help"});
  EXPECT_EQ(parsed.action, ServeArgs::Action::help);
  EXPECT_NE(parsed.message.find("--config FILE"), std::string::npos);
  EXPECT_NE(parsed.message.find("--port VALUE"), std::string::npos);
  EXPECT_NE(parsed.message.find("(default: 7700)"), std::string::npos);
  EXPECT_GE(help_keys().size(), 20u);
}

TEST_F(ConfigTest, TheExampleFileHasEveryKeyAtItsDefault) {
  const std::string example = std::string(PARLEY_SOURCE_DIR) + "/config/parley-server.example.yaml";
  const auto parsed = parse({"--config", example});
  ASSERT_EQ(parsed.action, ServeArgs::Action::run) << parsed.message;
  const auto defaults = parse({});
  ASSERT_EQ(defaults.action, ServeArgs::Action::run);
  // Same server as with no file at all (compared through --help's rendering of every key).
  EXPECT_EQ(parsed.config.port, defaults.config.port);
  EXPECT_EQ(parsed.config.workers, defaults.config.workers);
  EXPECT_EQ(parsed.config.ws_write_queue_bytes_max, defaults.config.ws_write_queue_bytes_max);
  EXPECT_EQ(parsed.config.gateway.frames_per_s, defaults.config.gateway.frames_per_s);
  EXPECT_EQ(parsed.config.gateway.heartbeat_interval_ms, defaults.config.gateway.heartbeat_interval_ms);
  const std::string text = read(example);
  for (const auto& key : help_keys()) {
    // A secret and file paths only make sense per deployment: the example shows them commented out.
    const bool commented = key == "token-secret" || key == "tls-cert" || key == "tls-key";
    const std::string entry = (commented ? "\n# " : "\n") + key + ":";
    EXPECT_NE(text.find(entry), std::string::npos) << key << " is missing from the example";
  }
}

TEST_F(ConfigTest, OperationsDocumentsEveryKey) {
  const std::string doc = read(std::string(PARLEY_SOURCE_DIR) + "/docs/operations.md");
  for (const auto& key : help_keys()) {
    EXPECT_NE(doc.find("| `" + key + "`"), std::string::npos) << key << " is missing from docs/operations.md";
  }
}

}  // namespace
}  // namespace parley::server
