// Content-addressed media on disk (media_store.hpp). Writes are crash-safe: content and type go
// to temporary files, are fsynced, then renamed; the type file is renamed before the content, so a
// visible object always has its type. OpenSSL's EVP hashes while the upload streams.
#include "media_store.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace parley::server {
namespace {

namespace fs = std::filesystem;

constexpr std::array<std::string_view, 13> allowed_types{
    "image/jpeg", "image/png",  "image/gif",  "image/webp", "video/mp4",       "video/webm", "audio/mpeg",
    "audio/ogg",  "audio/mp4",  "audio/webm", "text/plain", "application/pdf", "application/octet-stream"};
constexpr std::size_t content_type_bytes_max = 128;

EVP_MD_CTX* ctx_of(void* p) { return static_cast<EVP_MD_CTX*>(p); }

bool write_synced(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  return ok;
}

}  // namespace

bool valid_media_name(std::string_view name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string media_content_type(std::string_view declared) {
  declared = declared.substr(0, declared.find(';'));
  while (!declared.empty() && declared.back() == ' ') declared.remove_suffix(1);
  while (!declared.empty() && declared.front() == ' ') declared.remove_prefix(1);
  if (declared.size() > content_type_bytes_max) return "application/octet-stream";
  std::string lower(declared);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(allowed_types.begin(), allowed_types.end(), lower) != allowed_types.end()) return lower;
  return "application/octet-stream";
}

std::optional<MediaObject> find_media(const std::string& media_dir, std::string_view name) {
  if (!valid_media_name(name)) return std::nullopt;
  MediaObject object;
  object.sha256 = std::string(name);
  object.path = media_dir + "/" + object.sha256;
  std::error_code ec;
  const auto size = fs::file_size(object.path, ec);
  if (ec) return std::nullopt;
  object.bytes = size;
  std::ifstream type(object.path + ".type");
  std::string declared((std::istreambuf_iterator<char>(type)), std::istreambuf_iterator<char>());
  object.content_type = media_content_type(declared);  // checked again: the file is not trusted
  return object;
}

Result<std::unique_ptr<MediaUpload>> MediaUpload::begin(const std::string& media_dir) {
  std::error_code ec;
  fs::create_directories(media_dir + "/tmp", ec);
  if (ec) return Error{ErrorCode::internal, "cannot create " + media_dir + "/tmp: " + ec.message()};
  std::unique_ptr<MediaUpload> upload(new MediaUpload());
  upload->dir_ = media_dir;
  std::string pattern = media_dir + "/tmp/upload-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return Error{ErrorCode::internal, "cannot create a temporary file in " + media_dir + "/tmp"};
  upload->temp_path_ = pattern;
  upload->file_ = ::fdopen(fd, "wb");
  if (upload->file_ == nullptr) {
    ::close(fd);
    return Error{ErrorCode::internal, "cannot open the temporary upload file"};
  }
  upload->hash_ = EVP_MD_CTX_new();
  if (upload->hash_ == nullptr || EVP_DigestInit_ex(ctx_of(upload->hash_), EVP_sha256(), nullptr) != 1) {
    return Error{ErrorCode::internal, "cannot start SHA-256"};
  }
  return upload;
}

MediaUpload::~MediaUpload() {
  if (file_ != nullptr) std::fclose(file_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  if (hash_ != nullptr) EVP_MD_CTX_free(ctx_of(hash_));
}

bool MediaUpload::write(const void* data, std::size_t size) {
  if (file_ == nullptr) return false;
  bytes_ += size;
  return std::fwrite(data, 1, size, file_) == size && EVP_DigestUpdate(ctx_of(hash_), data, size) == 1;
}

Result<MediaObject> MediaUpload::finish(std::string_view declared_type) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (file_ == nullptr || EVP_DigestFinal_ex(ctx_of(hash_), digest, &digest_len) != 1) {
    return Error{ErrorCode::internal, "cannot finish SHA-256"};
  }
  const bool synced = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!synced || !closed) return Error{ErrorCode::internal, "cannot write the upload to disk"};
  static constexpr char hex[] = "0123456789abcdef";
  MediaObject object;
  for (unsigned i = 0; i < digest_len; ++i) {
    object.sha256.push_back(hex[digest[i] >> 4]);
    object.sha256.push_back(hex[digest[i] & 0xf]);
  }
  if (auto existing = find_media(dir_, object.sha256)) return *existing;  // same content: stored once
  object.bytes = bytes_;
  object.content_type = media_content_type(declared_type);
  object.path = dir_ + "/" + object.sha256;
  const std::string type_temp = temp_path_ + ".type";
  std::error_code ec;
  if (!write_synced(type_temp, object.content_type)) {
    ::unlink(type_temp.c_str());
    return Error{ErrorCode::internal, "cannot write the content type"};
  }
  fs::rename(type_temp, object.path + ".type", ec);
  if (!ec) fs::rename(temp_path_, object.path, ec);
  if (ec) return Error{ErrorCode::internal, "cannot store the upload: " + ec.message()};
  temp_path_.clear();  // moved into place: the destructor keeps it
  return object;
}

}  // namespace parley::server
