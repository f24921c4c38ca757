#pragma once
// A single worker thread that runs submitted tasks one at a time, in submission order.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace stratus {

// Runs tasks serially on its own thread. Thread-safe.
class SerialExecutor {
 public:
  SerialExecutor();
  // Runs the tasks still queued, then stops the thread.
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Queues `task`. REQUIRES: the task does not throw.
  void post(std::function<void()> task);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::thread worker_;
};

}  // namespace stratus
