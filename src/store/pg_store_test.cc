#include "store/pg_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/cached_store.h"
#include "store/testing_postgres.h"

namespace stratus::store {
namespace {

using testing::TestPostgres;

std::vector<std::string> ids(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.id);
  return out;
}

// Each test gets a fresh database on the binary's throwaway PostgreSQL.
class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestPostgres* server = TestPostgres::get();
    if (server == nullptr) GTEST_SKIP() << "no PostgreSQL to start (scripts/postgres failed)";
    url_ = server->new_database();
  }
  std::string url_;
};

TEST_F(PgStoreTest, KeepsRecordsInCreationOrderAcrossReopening) {
  {
    PgStore store(url_);
    EXPECT_EQ(store.schema_version(), 1);
    auto txn = store.begin_write();
    txn->put({"vpc-1", "vpc", "us-east-1", {{"n", 1}, {"Info", {{"Id", "x"}}}}});
    txn->put({"vpc-2", "vpc", "us-east-1", {{"n", 2}}});
    txn->put({"vpc-3", "vpc", "ap-northeast-2", {{"n", 3}}});
    txn->set_setting("account_id", "123456789012");
    txn->commit();
    auto again = store.begin_write();
    again->put({"vpc-1", "vpc", "us-east-1", {{"n", 10}, {"Info", {{"Id", "x"}}}}});  // keeps its place
    again->erase("vpc-2");
    again->put({"vpc-2", "vpc", "us-east-1", {{"n", 20}}});  // erased and created again: goes last
    again->commit();
  }
  PgStore reopened(url_);
  auto read = reopened.begin_read();
  EXPECT_EQ(ids(read->list("vpc", std::nullopt)), (std::vector<std::string>{"vpc-1", "vpc-3", "vpc-2"}));
  EXPECT_EQ(ids(read->list("vpc", std::string("us-east-1"))), (std::vector<std::string>{"vpc-1", "vpc-2"}));
  EXPECT_EQ(read->get("vpc-1")->doc["n"], 10);
  EXPECT_FALSE(read->get("vpc-9"));
  EXPECT_EQ(ids(read->find("vpc", "us-east-1", "Info.Id", "x")), std::vector<std::string>{"vpc-1"});
  EXPECT_EQ(read->count("vpc", "us-east-1"), 2u);
  EXPECT_EQ(read->setting("account_id"), "123456789012");
  EXPECT_EQ(read->all_settings().size(), 1u);
  EXPECT_THROW(read->put({"vpc-4", "vpc", "us-east-1", {}}), StoreError);
}

TEST_F(PgStoreTest, ACommitsFoldedWritesEndAsTheyWouldOneByOne) {
  PgStore store(url_);
  {
    auto txn = store.begin_write();
    txn->put({"c", "k", "r", {{"v", 0}}});
    txn->put({"e", "k", "r", {}});
    txn->commit();
  }
  auto txn = store.begin_shared(true);
  txn->put({"a", "k", "r", {{"v", 1}}});
  txn->put({"b", "k", "r", {}});
  txn->put({"a", "k", "r", {{"v", 2}}});  // keeps the place of its first put
  txn->erase("c");
  txn->put({"c", "k", "other", {{"v", 3}}});  // erased and created again: after a and b
  txn->put({"d", "k", "r", {}});
  txn->erase("d");  // created and erased in one batch: never there
  txn->erase("e");
  txn->commit();
  auto read = store.begin_shared(false);
  EXPECT_EQ(ids(read->list("k", std::nullopt)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(read->get("a")->doc["v"], 2);
  EXPECT_EQ(read->get("c")->region, "other");
  EXPECT_LT(txn->seq_of("a"), txn->seq_of("b"));
  EXPECT_LT(txn->seq_of("b"), txn->seq_of("c"));
  EXPECT_THROW(txn->seq_of("d"), StoreError);
  Changes changes = read->changes_after(1);
  EXPECT_EQ(changes.records.size(), 5u);  // a, b, c, d and e, each once
}

TEST_F(PgStoreTest, RollsBackToTheSavepointAndWhenNotCommitted) {
  PgStore store(url_);
  {
    auto txn = store.begin_write();
    txn->put({"a", "k", "r", {}});
    txn->savepoint();
    txn->put({"b", "k", "r", {}});
    txn->rollback_to_savepoint();
    txn->savepoint();
    txn->put({"c", "k", "r", {}});
    txn->commit();
  }
  {
    auto abandoned = store.begin_write();
    abandoned->put({"d", "k", "r", {}});
  }
  EXPECT_EQ(ids(store.begin_read()->list("k", std::nullopt)), (std::vector<std::string>{"a", "c"}));
  {
    // A read after the savepoint sends the writes, and the savepoint with them: the rollback is
    // then the server's.
    auto txn = store.begin_shared(true);
    txn->put({"e", "k", "r", {}});
    txn->savepoint();
    txn->erase("a");
    txn->put({"f", "k", "r", {}});
    EXPECT_FALSE(txn->get("a"));
    txn->rollback_to_savepoint();
    EXPECT_TRUE(txn->get("a"));
    EXPECT_FALSE(txn->get("f"));
    EXPECT_THROW(txn->seq_of("f"), StoreError);
    EXPECT_GT(txn->seq_of("e"), 0u);
    txn->commit();
  }
  EXPECT_EQ(ids(store.begin_read()->list("k", std::nullopt)), (std::vector<std::string>{"a", "c", "e"}));
}

TEST_F(PgStoreTest, ChangesAfterARevisionAreWhatOthersCommittedSince) {
  PgStore writer(url_);
  PgStore reader(url_);
  uint64_t start = reader.begin_shared(false)->changes_after(0).revision;
  {
    auto txn = writer.begin_shared(true);
    txn->put({"a", "k", "r", {{"v", 1}}});
    txn->put({"b", "k", "r", {}});
    txn->set_setting("s", "1");
    txn->commit();
    EXPECT_EQ(txn->committed_revision(), start + 1);
  }
  {
    auto unchanged = writer.begin_shared(true);  // changes nothing: makes no revision
    unchanged->commit();
    EXPECT_FALSE(unchanged->committed_revision());
  }
  {
    auto txn = writer.begin_shared(true);
    txn->put({"a", "k", "r", {{"v", 2}}});
    txn->erase("b");
    txn->commit();
  }
  Changes changes = reader.begin_shared(false)->changes_after(start);
  EXPECT_TRUE(changes.complete);
  EXPECT_EQ(changes.revision, start + 2);
  std::map<std::string, std::optional<PlacedRecord>> records(changes.records.begin(), changes.records.end());
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(records["a"]);
  EXPECT_EQ(records["a"]->record.doc["v"], 2);
  EXPECT_FALSE(records["b"]);
  EXPECT_EQ(changes.settings, (std::vector<std::pair<std::string, std::string>>{{"s", "1"}}));
  EXPECT_TRUE(reader.begin_shared(false)->changes_after(start + 2).records.empty());
}

TEST_F(PgStoreTest, WritersInDifferentProcessesTakeTurns) {
  PgStore first(url_);
  PgStore second(url_);
  auto holding = first.begin_write();
  holding->put({"a", "k", "r", {}});
  auto waiting = std::async(std::launch::async, [&] {
    auto txn = second.begin_write();
    bool saw_first = txn->get("a").has_value();
    txn->commit();
    return saw_first;
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  holding->commit();
  EXPECT_TRUE(waiting.get());  // it began after the first committed, and saw its write
}

TEST_F(PgStoreTest, PrunedChangesMakeALaggingReaderLoadASnapshot) {
  PgStore writer(url_, PgStoreOptions{std::chrono::seconds(0), 1});
  for (int i = 0; i < 3; ++i) {
    auto txn = writer.begin_write();
    txn->put({"r" + std::to_string(i), "k", "r", {}});
    txn->commit();
  }
  auto read = writer.begin_shared(false);
  EXPECT_FALSE(read->changes_after(0).complete);
  Snapshot snapshot = read->snapshot();
  EXPECT_EQ(snapshot.revision, 3u);
  ASSERT_EQ(snapshot.records.size(), 3u);
  EXPECT_LT(snapshot.records[0].seq, snapshot.records[1].seq);
}

TEST_F(PgStoreTest, AHeldLockIsRefusedToOthersUntilReleased) {
  PgStore first(url_);
  PgStore second(url_);
  auto held = first.try_hold("region-host");
  ASSERT_TRUE(held);
  EXPECT_FALSE(second.try_hold("region-host"));
  EXPECT_TRUE(second.try_hold("another lock"));
  held.reset();
  EXPECT_TRUE(second.try_hold("region-host"));
}

TEST_F(PgStoreTest, ANewerSchemaIsRefused) {
  { PgStore store(url_); }
  ASSERT_TRUE(TestPostgres::run(url_, "UPDATE schema_version SET version = 99"));
  EXPECT_THROW(PgStore store(url_), StoreError);
}

// Two caches over one database stand for two stratus processes.
class SharedCacheTest : public PgStoreTest {
 protected:
  std::unique_ptr<CachedStore> open(PgStoreOptions options = {}) {
    return std::make_unique<CachedStore>(std::make_unique<PgStore>(url_, options),
                                         std::vector<IndexedField>{{"k", "tag"}});
  }
  // Waits up to `limit` for `done`, checking every millisecond; whether it happened.
  static bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
  }
};

TEST_F(SharedCacheTest, AWriteIsSeenByAnotherProcessWithoutWaitingForThePeriodicCatchUp) {
  auto a = open();
  auto b = open();
  std::promise<std::set<std::string>> told;
  b->set_remote_listener([&, once = std::make_shared<std::once_flag>()](const std::set<std::string>& kinds) {
    std::call_once(*once, [&] { told.set_value(kinds); });
  });
  {
    auto txn = a->begin_write();
    txn->put({"x", "k", "r", {{"tag", "t"}}});
    txn->commit();
  }
  EXPECT_TRUE(a->begin_read()->get("x"));  // its own write, at once
  // The notification path, well inside the 5 s periodic catch-up (the delay itself is measured
  // by bench/store_feed.py).
  EXPECT_TRUE(eventually([&] { return b->begin_read()->get("x").has_value(); }, std::chrono::seconds(1)));
  EXPECT_EQ(ids(b->begin_read()->find("k", "r", "tag", "t")), std::vector<std::string>{"x"});
  auto future = told.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(2)), std::future_status::ready);
  EXPECT_EQ(future.get(), std::set<std::string>{"k"});
  EXPECT_EQ(a->revision(), b->revision());
}

TEST_F(SharedCacheTest, WritesCheckAgainstTheLatestStateOfEveryProcess) {
  auto a = open();
  auto b = open();
  // Each process creates a record only while fewer than 20 exist; together they must stop at 20,
  // which holds only if each write transaction first sees the other's commits.
  auto create_until_twenty = [](CachedStore& store, const std::string& prefix) {
    for (int i = 0; i < 40; ++i) {
      auto txn = store.begin_write();
      if (txn->count("k", "r") < 20) txn->put({prefix + std::to_string(i), "k", "r", {}});
      txn->commit();
    }
  };
  auto other = std::async(std::launch::async, [&] { create_until_twenty(*b, "b"); });
  create_until_twenty(*a, "a");
  other.get();
  EXPECT_EQ(a->begin_write()->count("k", "r"), 20u);
  EXPECT_TRUE(eventually([&] { return b->begin_read()->count("k", "r") == 20; }, std::chrono::seconds(2)));
  EXPECT_EQ(ids(a->begin_read()->list("k", std::nullopt)), ids(b->begin_read()->list("k", std::nullopt)));
}

TEST_F(SharedCacheTest, CatchesUpAfterItsConnectionsAreDropped) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(TestPostgres::run(url_,
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE datname = current_database() AND pid <> pg_backend_pid()"));
  {
    auto txn = a->begin_write();  // its pooled connection is gone; a new one serves
    txn->put({"x", "k", "r", {}});
    txn->commit();
  }
  EXPECT_TRUE(eventually([&] { return b->begin_read()->get("x").has_value(); }, std::chrono::seconds(8)));
}

TEST_F(SharedCacheTest, AReaderBehindThePrunedLogReloadsToTheSameState) {
  auto a = open(PgStoreOptions{std::chrono::seconds(0), 1});  // prunes everything at every commit
  auto b = open();
  for (int i = 0; i < 5; ++i) {
    auto txn = a->begin_write();
    txn->put({"r" + std::to_string(i), "k", "r", {{"tag", "t"}}});
    if (i == 3) txn->erase("r1");
    txn->commit();
  }
  {
    auto txn = a->begin_write();
    txn->erase("r0");
    txn->put({"r0", "k", "r", {{"tag", "t"}}});  // created again: now last
    txn->commit();
  }
  std::vector<std::string> expected{"r2", "r3", "r4", "r0"};
  EXPECT_EQ(ids(a->begin_read()->list("k", std::nullopt)), expected);
  EXPECT_TRUE(eventually([&] { return ids(b->begin_read()->list("k", std::nullopt)) == expected; },
                         std::chrono::seconds(2)));
  EXPECT_EQ(ids(b->begin_read()->find("k", "r", "tag", "t")), expected);
}

}  // namespace
}  // namespace stratus::store
