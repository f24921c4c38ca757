#include "common/serial_executor.h"

#include <gtest/gtest.h>

#include <vector>

namespace stratus {
namespace {

TEST(SerialExecutor, RunsTasksInOrderOnOneThreadAndDrainsOnDestruction) {
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  {
    SerialExecutor executor;
    for (int i = 0; i < 100; ++i) {
      executor.post([&, i] {
        order.push_back(i);
        threads.push_back(std::this_thread::get_id());
      });
    }
  }
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  for (const auto& id : threads) EXPECT_EQ(id, threads.front());
  EXPECT_NE(threads.front(), std::this_thread::get_id());
}

}  // namespace
}  // namespace stratus
