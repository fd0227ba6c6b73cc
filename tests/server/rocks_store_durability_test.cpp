// RocksStore durability and robustness: what was acked survives reopening (messages, dedup, floor,
// receipts, registry), a batch is one write and one WAL fsync (group commit), long trims go in
// bounded writes, and corrupt values come back as Error{internal}, never as a crash.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "parley/limits.hpp"
#include "parley/random.hpp"
#include "rocks_codec.hpp"
#include "rocks_keys.hpp"
#include "rocks_ops.hpp"
#include "rocks_store.hpp"
#include "rocks_test_support.hpp"

namespace parley::server {
namespace {

using namespace testing;
using rocks::Cf;

constexpr ConversationId conv_a{100};
constexpr UserId alice{1};

// Opens the closed store's directory with plain RocksDB, as an operator's tool would, and runs fn
// on it: the way these tests read raw records or plant corrupt ones.
template <class Fn>
void with_raw_db(const std::string& path, Fn fn) {
  std::vector<rocksdb::ColumnFamilyDescriptor> families{{rocksdb::kDefaultColumnFamilyName, {}}};
  for (const Cf cf : rocks::all_cfs)
    families.emplace_back(std::string(rocks::cf_name(cf)), rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto status = rocksdb::DB::Open(rocksdb::DBOptions{}, path, families, &handles, &db);
  ASSERT_TRUE(status.ok()) << status.ToString();
  fn(*db, [&](Cf cf) { return handles[static_cast<std::size_t>(cf) + 1]; });
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  delete db;
}

store::AppendMessage append_op(std::uint64_t id, std::string uuid, std::string text = "hello") {
  return store::AppendMessage{text_message(conv_a, id, std::move(text), alice, std::move(uuid)), {alice}};
}

TEST(RocksStoreDurability, ReopenKeepsMessagesDedupFloorReceiptsAndRegistry) {
  TempDir dir;
  StoredMessage original;
  {
    auto store = open_store(dir.path(), /*sync=*/true);
    original = as<store::Appended>(store->execute(append_op(10, "u-10"))).stored;
    store->execute(append_op(20, "u-20"));
    store->execute(append_op(30, ""));
    store->trim(conv_a, MessageId{15});
    store->execute(store::PutReceipt{conv_a, alice, MessageId{30}});
    store->execute(store::PutReceipt{conv_a, alice, MessageId{20}});  // never moves back
    store->execute(store::RegistryConnect{{alice, DeviceId{1}}, NodeId{3}, SessionId{9}});
  }
  {
    auto store = open_store(dir.path(), /*sync=*/true);
    const auto retry = as<store::Appended>(store->execute(append_op(40, "u-20", "retry")));
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.stored.id, MessageId{20});
    EXPECT_EQ(retry.stored.body.text, "hello");
    EXPECT_TRUE(
        as<store::Appended>(store->execute(append_op(41, "u-10"))).duplicate);  // trimmed, still deduped
    const auto page = as<store::Page>(store->execute(store::ReadMessages{conv_a}));
    EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{20, 30}));
    EXPECT_EQ(page.floor, MessageId{15});
    EXPECT_EQ(as<store::Hits>(store->execute(store::SearchMessages{alice, "HELLO"})).hits.size(), 2u);
    const auto devices = as<store::Devices>(store->execute(store::RegistryLookup{{alice}})).devices;
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0].session, SessionId{9});
  }
  with_raw_db(dir.path(), [](rocksdb::DB& db, auto cf) {
    std::string value;
    ASSERT_TRUE(db.Get({}, cf(Cf::receipts), rocks::receipt_key(conv_a, alice), &value).ok());
    EXPECT_EQ(rocks::decode_u64(value, "receipt").value(), 30u);
  });
}

TEST(RocksStoreDurability, ABatchIsOneWriteAndOneWalSyncAndCatchesItsOwnDuplicates) {
  TempDir dir;
  auto store = open_store(dir.path(), /*sync=*/true, /*statistics=*/true);
  std::vector<store::Op> ops;
  for (std::uint64_t i = 1; i <= 100; ++i) ops.push_back(append_op(i, "u-" + std::to_string(i)));
  ops.push_back(append_op(500, "u-42"));  // a retry of the 42nd, inside the same batch
  const auto before = store->stats();
  const auto out = store->execute_batch(ops);
  const auto after = store->stats();
  EXPECT_EQ(after.writes - before.writes, 1u);
  EXPECT_EQ(after.wal_syncs - before.wal_syncs, 1u);
  ASSERT_EQ(out.size(), 101u);
  for (std::size_t i = 0; i < 100; ++i) {
    EXPECT_FALSE(as<store::Appended>(out[i]).duplicate) << i;
    EXPECT_EQ(as<store::Appended>(out[i]).stored.id, MessageId{i + 1});
  }
  EXPECT_TRUE(as<store::Appended>(out[100]).duplicate);
  EXPECT_EQ(as<store::Appended>(out[100]).stored.id, MessageId{42});
  // A batch of reads writes nothing and syncs nothing.
  store->execute_batch({store::ReadMessages{conv_a}, store::SearchMessages{alice, "hello"}});
  EXPECT_EQ(store->stats().writes, after.writes);
  EXPECT_EQ(store->stats().wal_syncs, after.wal_syncs);
  store.reset();
  store = open_store(dir.path());
  const auto page = as<store::Page>(store->execute(store::ReadMessages{conv_a, {}, {}, 200}));
  EXPECT_EQ(page.messages.size(), 100u);
}

TEST(RocksStoreDurability, LongTrimsGoInBoundedWritesAndLeaveNoIndexBehind) {
  TempDir dir;
  auto store = open_store(dir.path(), false, true);
  const std::uint64_t n = 3 * rocks::trim_batch_messages + 7;
  std::vector<store::Op> ops;
  for (std::uint64_t i = 1; i <= n; ++i) ops.push_back(append_op(i, "", "word" + std::to_string(i % 3)));
  store->execute_batch(ops);
  const auto before = store->stats().writes;
  EXPECT_TRUE(std::holds_alternative<store::Done>(store->trim(conv_a, MessageId{n})));
  const auto page = as<store::Page>(store->execute(store::ReadMessages{conv_a}));
  EXPECT_EQ(ids_of(page.messages), (std::vector<std::uint64_t>{n}));
  EXPECT_EQ(page.floor, MessageId{n});
  EXPECT_EQ(
      ids_of(as<store::Hits>(store->execute(store::SearchMessages{alice, "word0 word1 word2"})).hits).size(),
      0u);
  EXPECT_EQ(as<store::Hits>(store->execute(store::SearchMessages{alice, "word" + std::to_string(n % 3)}))
                .hits.size(),
            1u);
  EXPECT_EQ(store->stats().writes - before, 4u);  // 3 full chunks of deletions, then the rest
  store.reset();
  with_raw_db(dir.path(), [](rocksdb::DB& db, auto cf) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, cf(Cf::search)));
    std::size_t entries = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++entries;
    EXPECT_EQ(entries, 1u);  // only the survivor's term
  });
}

TEST(RocksStoreDurability, CorruptValuesAreInternalErrorsNotCrashes) {
  TempDir dir;
  {
    auto store = open_store(dir.path());
    store->execute(append_op(10, "u-10"));
    store->execute(store::PutGroup{GroupRecord{GroupId{7}, "g", alice, {alice}, 1}, {alice}, {}});
    store->execute(store::RegistryConnect{{alice, DeviceId{1}}, NodeId{3}, SessionId{9}});
    store->execute(store::PutReceipt{conv_a, alice, MessageId{10}});
  }
  with_raw_db(dir.path(), [](rocksdb::DB& db, auto cf) {
    const std::string garbage = "\x01\xff\xff\xff\xff garbage";
    ASSERT_TRUE(db.Put({}, cf(Cf::messages), rocks::message_key(conv_a, MessageId{10}), garbage).ok());
    ASSERT_TRUE(db.Put({}, cf(Cf::dedup), rocks::dedup_key(alice, "u-bad"), "short").ok());
    ASSERT_TRUE(db.Put({}, cf(Cf::groups), rocks::group_key(GroupId{7}), "\x01\x00").ok());
    ASSERT_TRUE(db.Put({}, cf(Cf::registry), rocks::registry_key(alice, DeviceId{1}), "\x02").ok());
    ASSERT_TRUE(db.Put({}, cf(Cf::receipts), rocks::receipt_key(conv_a, alice), "x").ok());
    ASSERT_TRUE(db.Put({}, cf(Cf::meta), rocks::floor_key(ConversationId{5}), "").ok());
  });
  auto store = open_store(dir.path());
  auto expect_internal = [](const store::Outcome& out, const char* what) {
    ASSERT_TRUE(std::holds_alternative<Error>(out)) << what << ": " << describe(out);
    EXPECT_EQ(std::get<Error>(out).code, ErrorCode::internal) << what;
    EXPECT_NE(std::get<Error>(out).message.find("corrupt"), std::string::npos)
        << std::get<Error>(out).message;
  };
  expect_internal(store->execute(store::ReadMessages{conv_a}), "read");
  expect_internal(store->execute(store::SearchMessages{alice, "hello"}), "search");
  expect_internal(store->execute(append_op(11, "u-10")), "dedup to a corrupt message");
  expect_internal(store->execute(append_op(12, "u-bad")), "corrupt dedup record");
  expect_internal(store->execute(store::GetGroup{GroupId{7}}), "group");
  expect_internal(store->execute(store::RegistryLookup{{alice}}), "lookup");
  expect_internal(store->execute(store::RegistryConnect{{alice, DeviceId{2}}, NodeId{3}, SessionId{1}}),
                  "connect");
  expect_internal(store->execute(store::PutReceipt{conv_a, alice, MessageId{11}}), "receipt");
  expect_internal(store->execute(store::ReadMessages{ConversationId{5}}), "floor");
  // A corrupt message is still trimmed away, and the store goes on working.
  EXPECT_TRUE(std::holds_alternative<store::Done>(store->trim(conv_a, MessageId{11})));
  EXPECT_TRUE(as<store::Page>(store->execute(store::ReadMessages{conv_a})).messages.empty());
  EXPECT_TRUE(as<store::Hits>(store->execute(store::SearchMessages{alice, "hello"})).hits.empty());
}

// Connect evicts an offline device, then fails on a corrupt registry clock: the eviction must be
// rolled back with the op, also inside a batch whose other ops still commit.
TEST(RocksStoreDurability, AnOpThatFailsPartWayLeavesNoWritesBehind) {
  TempDir dir;
  const UserId bob{2};
  const auto cap = limits::devices_per_user_max;
  {
    auto store = open_store(dir.path());
    for (std::uint64_t d = 1; d <= cap; ++d) {
      store->execute(store::RegistryConnect{{bob, DeviceId{d}}, NodeId{1}, SessionId{d}});
      store->execute(store::RegistryDisconnect{{bob, DeviceId{d}}, NodeId{1}, SessionId{d}});
    }
  }
  with_raw_db(dir.path(), [](rocksdb::DB& db, auto cf) {
    ASSERT_TRUE(db.Put({}, cf(Cf::meta), rocks::registry_stamp_key(), "bad").ok());
  });
  auto store = open_store(dir.path());
  const auto out = store->execute_batch(
      {append_op(1, "u-1"), store::RegistryConnect{{bob, DeviceId{99}}, NodeId{1}, SessionId{99}}});
  EXPECT_FALSE(as<store::Appended>(out[0]).duplicate);
  ASSERT_TRUE(std::holds_alternative<Error>(out[1])) << describe(out[1]);
  const auto devices = as<store::Devices>(store->execute(store::RegistryLookup{{bob}})).devices;
  ASSERT_EQ(devices.size(), cap);
  EXPECT_EQ(devices.front().device.device, DeviceId{1});  // the oldest offline device is still there
  EXPECT_EQ(as<store::Page>(store->execute(store::ReadMessages{conv_a})).messages.size(), 1u);
}

TEST(RocksStoreCodec, ValuesRoundTripAndEveryTruncationOrGarbageIsAnError) {
  StoredMessage m = text_message(conv_a, 77, "caption", alice, "uuid-77");
  m.body.kind = Body::Kind::media;
  m.body.url = "https://x/y";
  m.body.mime = "image/png";
  m.body.size_bytes = 12345;
  const GroupRecord g{GroupId{9}, "name", alice, {alice, UserId{2}, UserId{3}}, 42};
  const rocks::DeviceEntry d{{{alice, DeviceId{4}}, NodeId{5}, SessionId{6}}, 7};
  const std::string em = rocks::encode_message(m);
  const std::string eg = rocks::encode_group(g);
  const std::string ed = rocks::encode_device(d);
  EXPECT_EQ(rocks::decode_message(m.conv, m.id, em).value(), m);
  EXPECT_EQ(rocks::decode_group(g.id, eg).value(), g);
  EXPECT_EQ(rocks::decode_device(d.location.device, ed).value().location, d.location);
  for (std::size_t n = 0; n < em.size(); ++n) {
    EXPECT_FALSE(rocks::decode_message(m.conv, m.id, em.substr(0, n)).ok());
  }
  for (std::size_t n = 0; n < eg.size(); ++n) EXPECT_FALSE(rocks::decode_group(g.id, eg.substr(0, n)).ok());
  for (std::size_t n = 0; n < ed.size(); ++n) {
    EXPECT_FALSE(rocks::decode_device(d.location.device, ed.substr(0, n)).ok());
  }
  EXPECT_FALSE(rocks::decode_message(m.conv, m.id, em + "x").ok());
  std::string bad_kind = em;
  bad_kind[1 + 8 + 8 + 4 + m.client_uuid.size()] = 9;
  EXPECT_FALSE(rocks::decode_message(m.conv, m.id, bad_kind).ok());
  Random random(7);
  for (int i = 0; i < 2000; ++i) {  // random bytes, version byte mostly right: decoders must cope
    std::string bytes(random.uniform(80), '\0');
    for (auto& c : bytes) c = static_cast<char>(random.uniform(256));
    if (!bytes.empty() && random.uniform(2) == 0) bytes[0] = static_cast<char>(rocks::value_version);
    (void)rocks::decode_message(m.conv, m.id, bytes);
    (void)rocks::decode_group(g.id, bytes);
    (void)rocks::decode_device(d.location.device, bytes);
  }
}

}  // namespace
}  // namespace parley::server
