#include "common/dir_lock.h"

#include <gtest/gtest.h>

#include "common/temp_dir.h"

namespace stratus {
namespace {

TEST(DirLock, SecondHolderIsRefusedUntilTheFirstLetsGo) {
  TempDir dir("lock-test");
  {
    DirLock first(dir.path().string(), "lock");
    EXPECT_THROW(DirLock(dir.path().string(), "lock"), std::runtime_error);
  }
  EXPECT_NO_THROW(DirLock(dir.path().string(), "lock"));
}

TEST(DirLock, TryLockAnswersNullWhileAnotherHolds) {
  TempDir dir("lock-test");
  auto first = DirLock::try_lock(dir.path().string(), "lock");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(DirLock::try_lock(dir.path().string(), "lock"), nullptr);
  first.reset();
  EXPECT_NE(DirLock::try_lock(dir.path().string(), "lock"), nullptr);
  EXPECT_THROW(DirLock::try_lock((dir.path() / "missing").string(), "lock"), std::runtime_error);
}

}  // namespace
}  // namespace stratus
