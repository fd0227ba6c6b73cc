// Content-addressed media on disk: names are the SHA-256 of the content, the same content is
// stored once, unfinished uploads leave nothing, types come from an allow-list, and only 64-hex
// names are ever looked up (no path traversal).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "media_store.hpp"

namespace parley::server {
namespace {

namespace fs = std::filesystem;

class MediaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("parley-media-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  MediaObject store(std::string_view content, std::string_view type) {
    auto upload = MediaUpload::begin(dir_.string());
    EXPECT_TRUE(upload.ok());
    EXPECT_TRUE(upload.value()->write(content.data(), content.size() / 2));
    EXPECT_TRUE(upload.value()->write(content.data() + content.size() / 2, content.size() - content.size() / 2));
    auto object = upload.value()->finish(type);
    EXPECT_TRUE(object.ok());
    return object.value();
  }

  fs::path dir_;
};

constexpr std::string_view abc_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST_F(MediaStoreTest, NamesContentBySha256AndStoresItOnce) {
  const auto first = store("abc", "image/png");
  EXPECT_EQ(first.sha256, abc_sha256);
  EXPECT_EQ(first.bytes, 3u);
  EXPECT_EQ(first.content_type, "image/png");
  const auto again = store("abc", "text/plain");
  EXPECT_EQ(again.sha256, first.sha256);
  EXPECT_EQ(again.content_type, "image/png") << "the first upload's type stays";
  std::size_t objects = 0;
  for (const auto& e : fs::directory_iterator(dir_)) objects += e.is_regular_file() && e.path().extension() != ".type";
  EXPECT_EQ(objects, 1u);
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp")) << "no temporary files left";
  auto found = find_media(dir_.string(), abc_sha256);
  ASSERT_TRUE(found);
  std::ifstream in(found->path, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), "abc");
}

TEST_F(MediaStoreTest, AnUnfinishedUploadLeavesNothing) {
  {
    auto upload = MediaUpload::begin(dir_.string());
    ASSERT_TRUE(upload.ok());
    ASSERT_TRUE(upload.value()->write("partial", 7));
  }
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
  EXPECT_FALSE(find_media(dir_.string(), abc_sha256));
}

TEST(MediaNames, OnlyLowercaseHexOfSha256Length) {
  EXPECT_TRUE(valid_media_name(abc_sha256));
  EXPECT_FALSE(valid_media_name(std::string(abc_sha256).substr(1)));
  EXPECT_FALSE(valid_media_name("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  EXPECT_FALSE(valid_media_name("../../../../etc/passwd"));
  EXPECT_FALSE(valid_media_name(std::string(62, 'a') + "/."));
  EXPECT_FALSE(find_media("/", "../etc/passwd"));
}

TEST(MediaTypes, AllowListElseOctetStream) {
  EXPECT_EQ(media_content_type("image/jpeg"), "image/jpeg");
  EXPECT_EQ(media_content_type("Image/PNG; charset=x"), "image/png");
  EXPECT_EQ(media_content_type("text/html"), "application/octet-stream");
  EXPECT_EQ(media_content_type("image/svg+xml"), "application/octet-stream");
  EXPECT_EQ(media_content_type(""), "application/octet-stream");
}

}  // namespace
}  // namespace parley::server
