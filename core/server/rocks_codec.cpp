// Value codec of the RocksDB store (see rocks_codec.hpp). A Reader consumes bytes with bounds
// checks and remembers the first failure, so decoders read straight through and check once.
#include "rocks_codec.hpp"

#include "rocks_keys.hpp"

namespace parley::server::rocks {
namespace {

class Writer {
 public:
  explicit Writer(std::size_t reserve) {
    out_.reserve(reserve);
    out_.push_back(static_cast<char>(value_version));
  }
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view bytes, std::string_view what) : in_(bytes), what_(what) {
    if (u8() != value_version) fail("unknown value version");
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(fixed(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::string str() {
    const std::uint32_t n = u32();
    if (!take(n)) return {};
    return std::string(in_.substr(at_ - n, n));
  }
  void fail(std::string_view why) {
    if (error_.empty()) error_ = why;
  }
  // The decoded value, or why it is corrupt (also when bytes are left over).
  template <class T>
  Result<T> finish(T value) {
    if (error_.empty() && at_ != in_.size()) fail("trailing bytes");
    if (!error_.empty()) {
      return Error{ErrorCode::internal, "corrupt " + std::string(what_) + " value: " + error_};
    }
    return value;
  }

 private:
  bool take(std::size_t n) {
    if (!error_.empty() || in_.size() - at_ < n) {
      fail("truncated");
      return false;
    }
    at_ += n;
    return true;
  }
  std::uint64_t fixed(std::size_t n) {
    if (!take(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= std::uint64_t{static_cast<unsigned char>(in_[at_ - n + i])} << (8 * i);
    }
    return v;
  }

  std::string_view in_;
  std::string_view what_;
  std::size_t at_ = 0;
  std::string error_;
};

constexpr auto body_kind_max = static_cast<std::uint8_t>(Body::Kind::system);

}  // namespace

std::string encode_message(const StoredMessage& m) {
  const Body& b = m.body;
  Writer w(64 + m.client_uuid.size() + b.text.size() + b.data.size() + b.url.size() + b.mime.size());
  w.u64(m.sender.value);
  w.u64(m.sender_device.value);
  w.str(m.client_uuid);
  w.u8(static_cast<std::uint8_t>(b.kind));
  w.str(b.text);
  w.str(b.data);
  w.str(b.url);
  w.str(b.mime);
  w.u64(b.size_bytes);
  w.u64(m.time_ms);
  return w.take();
}

Result<StoredMessage> decode_message(ConversationId conv, MessageId id, std::string_view value) {
  Reader r(value, "message");
  StoredMessage m;
  m.conv = conv;
  m.id = id;
  m.sender = UserId{r.u64()};
  m.sender_device = DeviceId{r.u64()};
  m.client_uuid = r.str();
  const std::uint8_t kind = r.u8();
  if (kind > body_kind_max) r.fail("unknown body kind");
  m.body.kind = static_cast<Body::Kind>(kind);
  m.body.text = r.str();
  m.body.data = r.str();
  m.body.url = r.str();
  m.body.mime = r.str();
  m.body.size_bytes = r.u64();
  m.time_ms = r.u64();
  return r.finish(std::move(m));
}

std::string encode_group(const GroupRecord& g) {
  Writer w(32 + g.name.size() + 8 * g.members.size());
  w.str(g.name);
  w.u64(g.owner.value);
  w.u64(g.created_ms);
  w.u32(static_cast<std::uint32_t>(g.members.size()));
  for (const UserId u : g.members) w.u64(u.value);
  return w.take();
}

Result<GroupRecord> decode_group(GroupId id, std::string_view value) {
  Reader r(value, "group");
  GroupRecord g;
  g.id = id;
  g.name = r.str();
  g.owner = UserId{r.u64()};
  g.created_ms = r.u64();
  const std::uint32_t n = r.u32();
  // Bound the count by the bytes present before reserving: a corrupt count must not allocate.
  if (n > value.size() / 8) {
    r.fail("member count beyond the value");
  } else {
    g.members.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) g.members.push_back(UserId{r.u64()});
  }
  return r.finish(std::move(g));
}

std::string encode_device(const DeviceEntry& e) {
  Writer w(25);
  w.u64(e.location.gateway.value);
  w.u64(e.location.session.value);
  w.u64(e.touched);
  return w.take();
}

Result<DeviceEntry> decode_device(DeviceRef device, std::string_view value) {
  Reader r(value, "registry");
  DeviceEntry e;
  e.location.device = device;
  e.location.gateway = NodeId{r.u64()};
  e.location.session = SessionId{r.u64()};
  e.touched = r.u64();
  return r.finish(e);
}

std::string encode_u64(std::uint64_t v) {
  std::string out;
  put_u64_be(out, v);
  return out;
}

Result<std::uint64_t> decode_u64(std::string_view value, std::string_view what) {
  if (value.size() != 8) {
    return Error{ErrorCode::internal, "corrupt " + std::string(what) + " value: not 8 bytes"};
  }
  return get_u64_be(value, 0);
}

}  // namespace parley::server::rocks
