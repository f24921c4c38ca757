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

}  // namespace
}  // namespace stratus
