#include "common/batch_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace stratus {
namespace {

TEST(BatchWorker, ProcessesEveryItemInOrderOnOneThreadAndDrainsOnDestruction) {
  std::vector<int> seen;
  std::vector<std::thread::id> threads;
  {
    BatchWorker<int> worker([&](std::vector<int>& batch) {
      EXPECT_FALSE(batch.empty());
      seen.insert(seen.end(), batch.begin(), batch.end());
      threads.push_back(std::this_thread::get_id());
    });
    for (int i = 0; i < 1000; ++i) worker.post(i);
  }
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
  for (const auto& id : threads) EXPECT_EQ(id, threads.front());
  EXPECT_NE(threads.front(), std::this_thread::get_id());
}

TEST(BatchWorker, ItemsQueuedWhileABatchRunsFormTheNextBatch) {
  std::promise<void> first_started, release_first;
  std::shared_future<void> release = release_first.get_future().share();
  std::vector<size_t> sizes;
  {
    BatchWorker<int> worker([&](std::vector<int>& batch) {
      sizes.push_back(batch.size());
      if (sizes.size() == 1) {
        first_started.set_value();
        release.wait();
      }
    });
    worker.post(0);
    first_started.get_future().wait();
    for (int i = 1; i <= 5; ++i) worker.post(i);
    release_first.set_value();
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 5}));
}

}  // namespace
}  // namespace stratus
