// Media by reference, on disk (no network): content-addressed objects under <data>/media, named by
// the lowercase hex SHA-256 of their bytes, so the same content is stored once. An upload streams
// into a temporary file while it is hashed, then is renamed into place; its content type (checked
// against a small allow-list, else application/octet-stream) sits beside it in <sha256>.type.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parley/error.hpp"

namespace parley::server {

struct MediaObject {
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t bytes = 0;
  std::string content_type;
  std::string path;    // the content on disk
};

// True for exactly 64 lowercase hex digits: the only names GET /media/<name> serves (no paths).
bool valid_media_name(std::string_view name);
// The declared type if it is on the allow-list (parameters such as "; charset=" dropped), else
// application/octet-stream.
std::string media_content_type(std::string_view declared);

// The object stored under name, or nullopt (unknown or malformed name).
std::optional<MediaObject> find_media(const std::string& media_dir, std::string_view name);

// One upload in progress. Destroyed unfinished, it leaves nothing behind.
class MediaUpload {
 public:
  static Result<std::unique_ptr<MediaUpload>> begin(const std::string& media_dir);
  ~MediaUpload();
  MediaUpload(const MediaUpload&) = delete;
  MediaUpload& operator=(const MediaUpload&) = delete;

  bool write(const void* data, std::size_t size);  // false: disk error
  std::uint64_t bytes() const { return bytes_; }
  // Hashes, syncs and moves the file into place (or drops it when that content is already stored:
  // the first upload's content type stays).
  Result<MediaObject> finish(std::string_view declared_type);

 private:
  MediaUpload() = default;
  std::string dir_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  void* hash_ = nullptr;  // EVP_MD_CTX, kept out of this header
  std::uint64_t bytes_ = 0;
};

}  // namespace parley::server
