#include "model/console_output.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "store/sqlite_store.h"

namespace stratus::model {
namespace {

TEST(ConsoleOutput, APublishedTailReadsBackByteForByte) {
  TempDir dir("console-output-test");
  store::SqliteStore store((dir.path() / "db").string());
  const std::string tail = std::string("login: \x1b[0m\xff\xfe not UTF-8\n", 24);
  {
    auto txn = store.begin_write();
    txn->put(console_output_record("i-1", "us-east-1", tail, 100));
    txn->commit();
  }
  auto txn = store.begin_read();
  EXPECT_EQ(published_console_output(*txn, "i-1"), tail);
  EXPECT_EQ(published_console_output(*txn, "i-2"), std::nullopt);
}

}  // namespace
}  // namespace stratus::model
