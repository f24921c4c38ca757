#pragma once
// A background thread that runs one task every interval, or sooner when poked: how the watchers
// that act on time (budget actions, spot interruptions, fault experiments) run.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace stratus {

class Periodic {
 public:
  Periodic() = default;
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;
  ~Periodic() { stop(); }

  // Runs `task` now and then every `interval` (or at once after poke()) on a thread of its own,
  // until stop(); a run that throws is logged and the next goes ahead. REQUIRES: not running.
  void start(std::chrono::milliseconds interval, std::function<void()> task) {
    running_ = true;
    thread_ = std::thread([this, interval, task = std::move(task)] {
      std::unique_lock lock(mu_);
      while (running_) {
        lock.unlock();
        try {
          task();
        } catch (const std::exception& e) {  // a failed run (the store, say) is logged; the next may do better
          std::fprintf(stderr, "stratus: a periodic task failed: %s\n", e.what());
        }
        lock.lock();
        wake_.wait_for(lock, interval, [this] { return poked_ || !running_; });
        poked_ = false;
      }
    });
  }

  // Runs the task again soon, without waiting out the interval. Thread-safe.
  void poke() {
    {
      std::lock_guard lock(mu_);
      poked_ = true;
    }
    wake_.notify_one();
  }

  // Waits for a run under way to end and runs no more. Idempotent.
  void stop() {
    {
      std::lock_guard lock(mu_);
      running_ = false;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool running_ = false;  // GUARDED_BY(mu_)
  bool poked_ = false;    // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace stratus
