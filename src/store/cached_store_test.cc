#include "store/cached_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "common/temp_dir.h"
#include "store/sqlite_store.h"

namespace stratus::store {
namespace {

// A CachedStore over a SqliteStore in a fresh directory, removed after the test.
class CachedStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<CachedStore> open(std::vector<IndexedField> indexes = {}) {
    return std::make_unique<CachedStore>(std::make_unique<SqliteStore>((dir_.path() / "db").string()),
                                         std::move(indexes));
  }
  static std::vector<std::string> ids(const std::vector<Record>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.id);
    return out;
  }
  TempDir dir_{"cache-test"};
};

TEST_F(CachedStoreTest, CommittedWritesAreVisibleAndDurableInOrder) {
  {
    auto store = open();
    {
      auto txn = store->begin_write();
      txn->put({"vpc-1", "vpc", "us-east-1", {{"n", 1}}});
      txn->put({"vpc-2", "vpc", "us-east-1", {{"n", 2}}});
      txn->put({"vpc-3", "vpc", "ap-northeast-2", {{"n", 3}}});
      txn->set_setting("account_id", "123456789012");
      EXPECT_EQ(ids(txn->list("vpc", std::string("us-east-1"))), (std::vector<std::string>{"vpc-1", "vpc-2"}));
      txn->commit();
    }
    {
      auto again = store->begin_write();
      again->put({"vpc-1", "vpc", "us-east-1", {{"n", 10}}});  // replaced: keeps its place
      again->erase("vpc-2");
      again->put({"vpc-2", "vpc", "us-east-1", {{"n", 20}}});  // erased and re-created: goes last
      again->put({"vpc-4", "vpc", "us-east-1", {{"n", 4}}});
      again->commit();
    }
    auto read = store->begin_read();
    EXPECT_EQ(ids(read->list("vpc", std::string("us-east-1"))), (std::vector<std::string>{"vpc-1", "vpc-2", "vpc-4"}));
    EXPECT_EQ(ids(read->list("vpc", std::nullopt)), (std::vector<std::string>{"vpc-1", "vpc-3", "vpc-2", "vpc-4"}));
    EXPECT_EQ(read->get("vpc-1")->doc["n"], 10);
  }
  auto reopened = open();  // the backend holds the same state in the same order
  auto read = reopened->begin_read();
  EXPECT_EQ(ids(read->list("vpc", std::nullopt)), (std::vector<std::string>{"vpc-1", "vpc-3", "vpc-2", "vpc-4"}));
  EXPECT_EQ(read->get("vpc-2")->doc["n"], 20);
  EXPECT_EQ(read->setting("account_id"), "123456789012");
}

TEST_F(CachedStoreTest, UncommittedWritesNeverReachReadersOrDisk) {
  auto store = open();
  {
    auto txn = store->begin_write();
    txn->put({"sg-1", "security-group", "us-east-1", {}});
    txn->set_setting("k", "v");
    EXPECT_TRUE(txn->get("sg-1"));  // the writer sees its own write
    EXPECT_FALSE(store->begin_read()->get("sg-1"));
  }
  EXPECT_FALSE(store->begin_read()->get("sg-1"));
  EXPECT_FALSE(store->begin_read()->setting("k"));
  store.reset();
  EXPECT_FALSE(open()->begin_read()->get("sg-1"));
}

TEST_F(CachedStoreTest, ReaderKeepsItsSnapshotWhileAWriterPublishes) {
  auto store = open();
  auto reader = store->begin_read();
  auto writer = std::async(std::launch::async, [&] {
    auto txn = store->begin_write();
    txn->put({"key-1", "key-pair", "us-east-1", {}});
    txn->commit();  // waits for the reader to finish before publishing
  });
  EXPECT_EQ(writer.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  EXPECT_FALSE(reader->get("key-1"));
  reader.reset();
  ASSERT_EQ(writer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(store->begin_read()->get("key-1"));
}

// count() agrees with list() in a write transaction through creations, erasures, a rollback and
// a commit, and with SQLite's own count.
TEST_F(CachedStoreTest, CountFollowsTheTransactionsWrites) {
  auto store = open();
  {
    auto txn = store->begin_write();
    for (const char* id : {"key-1", "key-2", "key-3"}) txn->put({id, "key-pair", "us-east-1", {}});
    txn->put({"key-4", "key-pair", "eu-west-1", {}});
    txn->commit();
  }
  auto agree = [](Transaction& txn, const std::string& region, size_t expected) {
    EXPECT_EQ(txn.count("key-pair", region), expected) << region;
    EXPECT_EQ(txn.list("key-pair", region).size(), expected) << region;
  };
  {
    auto txn = store->begin_write();
    agree(*txn, "us-east-1", 3);
    txn->savepoint();
    txn->erase("key-1");
    txn->put({"key-5", "key-pair", "us-east-1", {}});
    txn->put({"key-6", "key-pair", "us-east-1", {}});
    txn->erase("key-6");
    txn->put({"key-2", "key-pair", "us-east-1", {{"replaced", true}}});
    txn->put({"key-7", "key-pair", "eu-west-1", {}});
    txn->put({"vpc-1", "vpc", "us-east-1", {}});
    agree(*txn, "us-east-1", 3);
    agree(*txn, "eu-west-1", 2);
    txn->rollback_to_savepoint();
    agree(*txn, "us-east-1", 3);
    agree(*txn, "eu-west-1", 1);
    txn->erase("key-3");
    agree(*txn, "us-east-1", 2);
    txn->commit();
  }
  agree(*store->begin_read(), "us-east-1", 2);
  EXPECT_EQ(store->begin_read()->count("key-pair", "ap-northeast-2"), 0u);
  store.reset();
  SqliteStore sqlite((dir_.path() / "db").string());
  EXPECT_EQ(sqlite.begin_read()->count("key-pair", "us-east-1"), 2u);
  EXPECT_EQ(sqlite.begin_read()->count("vpc", "us-east-1"), 0u);
}

}  // namespace
}  // namespace stratus::store

namespace stratus::store {
namespace {

TEST_F(CachedStoreTest, RollbackToSavepointUndoesOnlyTheLastCall) {
  auto store = open();
  {
    auto txn = store->begin_write();
    txn->savepoint();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"n", 1}}});
    txn->set_setting("a", "1");
    txn->savepoint();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"n", 2}}});
    txn->put({"vpc-2", "vpc", "us-east-1", {{"n", 2}}});
    txn->erase("vpc-1");
    txn->set_setting("a", "2");
    txn->rollback_to_savepoint();
    EXPECT_EQ(txn->get("vpc-1")->doc["n"], 1);
    EXPECT_FALSE(txn->get("vpc-2"));
    EXPECT_EQ(txn->setting("a"), "1");
    txn->savepoint();
    txn->put({"vpc-3", "vpc", "us-east-1", {{"n", 3}}});
    txn->commit();
  }
  {
    auto read = store->begin_read();
    EXPECT_EQ(ids(read->list("vpc", std::nullopt)), (std::vector<std::string>{"vpc-1", "vpc-3"}));
    EXPECT_EQ(read->get("vpc-1")->doc["n"], 1);
  }
  store.reset();
  auto reopened = open();  // the backend rolled back the same writes
  auto read = reopened->begin_read();
  EXPECT_EQ(ids(read->list("vpc", std::nullopt)), (std::vector<std::string>{"vpc-1", "vpc-3"}));
  EXPECT_EQ(read->setting("a"), "1");
}

// find() gives the same answer from the index, from a scan and from SQLite itself, and a write
// transaction sees its own puts, replacements, erasures and rollbacks.
TEST_F(CachedStoreTest, FindAgreesWithTheBackendWithAndWithoutAnIndex) {
  auto rule = [](const std::string& id, const std::string& group, const std::string& peer) {
    return Record{id, "rule", "us-east-1", {{"GroupId", group}, {"Ref", {{"GroupId", peer}}}}};
  };
  auto indexed = open({{"rule", "GroupId"}, {"rule", "Ref.GroupId"}});
  {
    auto txn = indexed->begin_write();
    txn->put(rule("r1", "sg-a", "sg-b"));
    txn->put(rule("r2", "sg-b", "sg-a"));
    txn->put(rule("r3", "sg-a", "sg-a"));
    txn->put({"r4", "rule", "ap-northeast-2", {{"GroupId", "sg-a"}}});
    txn->commit();
  }
  {
    auto txn = indexed->begin_write();
    EXPECT_EQ(ids(txn->find("rule", "us-east-1", "GroupId", "sg-a")), (std::vector<std::string>{"r1", "r3"}));
    txn->savepoint();
    txn->put(rule("r1", "sg-b", "sg-b"));  // moves out of sg-a, keeps its place
    txn->erase("r3");
    txn->put(rule("r5", "sg-a", "sg-c"));
    EXPECT_EQ(ids(txn->find("rule", "us-east-1", "GroupId", "sg-a")), (std::vector<std::string>{"r5"}));
    EXPECT_EQ(ids(txn->find("rule", "us-east-1", "GroupId", "sg-b")), (std::vector<std::string>{"r1", "r2"}));
    txn->rollback_to_savepoint();
    EXPECT_EQ(ids(txn->find("rule", "us-east-1", "GroupId", "sg-a")), (std::vector<std::string>{"r1", "r3"}));
    txn->put(rule("r6", "sg-a", "sg-b"));
    txn->commit();
  }
  std::vector<std::string> expected_a = {"r1", "r3", "r6"}, expected_ref_b = {"r1", "r6"};
  auto read = indexed->begin_read();
  EXPECT_EQ(ids(read->find("rule", "us-east-1", "GroupId", "sg-a")), expected_a);
  EXPECT_EQ(ids(read->find("rule", "us-east-1", "Ref.GroupId", "sg-b")), expected_ref_b);
  EXPECT_TRUE(read->find("rule", "us-east-1", "GroupId", "sg-z").empty());
  read.reset();
  indexed.reset();
  auto unindexed = open();
  EXPECT_EQ(ids(unindexed->begin_read()->find("rule", "us-east-1", "GroupId", "sg-a")), expected_a);
  unindexed.reset();
  SqliteStore sqlite((dir_.path() / "db").string());
  auto txn = sqlite.begin_read();
  EXPECT_EQ(ids(txn->find("rule", "us-east-1", "GroupId", "sg-a")), expected_a);
  EXPECT_EQ(ids(txn->find("rule", "us-east-1", "Ref.GroupId", "sg-b")), expected_ref_b);
}

}  // namespace
}  // namespace stratus::store
