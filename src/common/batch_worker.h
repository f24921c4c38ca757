#pragma once
// A single worker thread that takes queued items in batches: each time it wakes it hands
// every item queued so far (in order) to one call of the processing function.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace stratus {

// Processes posted items on its own thread, in arrival order, in batches. Thread-safe.
template <typename Item>
class BatchWorker {
 public:
  // `process` receives each batch (never empty). REQUIRES: `process` does not throw.
  explicit BatchWorker(std::function<void(std::vector<Item>&)> process)
      : process_(std::move(process)), worker_([this] { run(); }) {}

  // Processes what is still queued, then stops the thread.
  ~BatchWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    ready_.notify_one();
    worker_.join();
  }

  BatchWorker(const BatchWorker&) = delete;
  BatchWorker& operator=(const BatchWorker&) = delete;

  // Queues `item` for the next batch.
  void post(Item item) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queued_.push_back(std::move(item));
    }
    ready_.notify_one();
  }

 private:
  void run() {
    std::vector<Item> batch;
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      ready_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, and nothing left
      batch.swap(queued_);
      lock.unlock();
      process_(batch);
      batch.clear();
      lock.lock();
    }
  }

  std::function<void(std::vector<Item>&)> process_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::vector<Item> queued_;  // GUARDED_BY(mu_)
  bool stopping_ = false;     // GUARDED_BY(mu_)
  std::thread worker_;        // last: starts after the members above exist
};

}  // namespace stratus
