#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"

namespace stratus::store {
namespace {

// A fresh database file removed after the test.
class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "db").string(); }
  TempDir dir_{"store-test"};
};

TEST_F(SqliteStoreTest, PutGetListEraseInOrder) {
  SqliteStore store(path());
  EXPECT_EQ(store.schema_version(), 1);
  {
    auto txn = store.begin_write();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"VpcId", "vpc-1"}}});
    txn->put({"vpc-2", "vpc", "ap-northeast-2", {{"VpcId", "vpc-2"}}});
    txn->put({"vpc-3", "vpc", "us-east-1", {{"VpcId", "vpc-3"}}});
    txn->put({"vpc-1", "vpc", "us-east-1", {{"VpcId", "vpc-1"}, {"State", "available"}}});
    txn->commit();
  }
  auto txn = store.begin_read();
  auto east = txn->list("vpc", std::string("us-east-1"));
  ASSERT_EQ(east.size(), 2u);
  EXPECT_EQ(east[0].id, "vpc-1");  // a replaced record keeps its place
  EXPECT_EQ(east[0].doc["State"], "available");
  EXPECT_EQ(txn->list("vpc", std::nullopt).size(), 3u);
  EXPECT_FALSE(txn->get("vpc-9"));
}

TEST_F(SqliteStoreTest, UncommittedWritesRollBack) {
  SqliteStore store(path());
  {
    auto txn = store.begin_write();
    txn->put({"sg-1", "security-group", "us-east-1", {{"GroupId", "sg-1"}}});
    txn->set_setting("k", "v");
  }
  auto txn = store.begin_read();
  EXPECT_FALSE(txn->get("sg-1"));
  EXPECT_FALSE(txn->setting("k"));
}

TEST_F(SqliteStoreTest, SurvivesReopen) {
  {
    SqliteStore store(path());
    auto txn = store.begin_write();
    txn->put({"key-1", "key-pair", "us-east-1", {{"KeyName", "k"}}});
    txn->set_setting("account_id", "123456789012");
    txn->commit();
  }
  SqliteStore again(path());
  auto txn = again.begin_read();
  ASSERT_TRUE(txn->get("key-1"));
  EXPECT_EQ(txn->get("key-1")->doc["KeyName"], "k");
  EXPECT_EQ(txn->setting("account_id"), "123456789012");
}

}  // namespace
}  // namespace stratus::store

namespace stratus::store {
namespace {

// A connection that served a read must not keep that read's snapshot: when it is later
// reused for a write after another connection committed, BEGIN IMMEDIATE must succeed.
TEST_F(SqliteStoreTest, PooledConnectionDropsReadSnapshot) {
  SqliteStore store(path());
  {
    auto txn = store.begin_write();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"VpcId", "vpc-1"}}});
    txn->commit();
  }
  auto first = store.begin_read();   // connection 1
  auto second = store.begin_read();  // connection 2
  ASSERT_TRUE(first->get("vpc-1"));  // a point read leaves its statement mid-result
  first.reset();
  second.reset();
  {
    auto writer = store.begin_write();  // connection 2 writes and commits
    writer->put({"vpc-2", "vpc", "us-east-1", {{"VpcId", "vpc-2"}}});
    writer->commit();
  }
  auto hold = store.begin_read();     // takes connection 2 again
  auto writer = store.begin_write();  // connection 1, whose last use was the point read
  writer->put({"vpc-3", "vpc", "us-east-1", {{"VpcId", "vpc-3"}}});
  writer->commit();
  EXPECT_EQ(hold->list("vpc", std::nullopt).size(), 3u);
}

}  // namespace
}  // namespace stratus::store
