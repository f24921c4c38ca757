#pragma once
// A bounded queue between threads: producers wait while it is full, consumers while it is
// empty; once closed, consumers drain what is left and then get nothing.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace stratus::block {

// Thread-safe.
template <typename Item>
class WorkQueue {
 public:
  // Holds at most `capacity` items (at least one).
  explicit WorkQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Adds `item`, waiting for room. REQUIRES: not closed.
  void push(Item item) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [this] { return items_.size() < capacity_; });
    items_.push_back(std::move(item));
    ready_.notify_one();
  }

  // The next item, waiting for one; nullopt once the queue is closed and empty.
  std::optional<Item> pop() {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [this] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    Item item = std::move(items_.front());
    items_.pop_front();
    room_.notify_one();
    return item;
  }

  // No more items will come: waiting consumers get what is left, then nullopt.
  void close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    ready_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Item> items_;  // GUARDED_BY(mu_)
  bool closed_ = false;     // GUARDED_BY(mu_)
};

}  // namespace stratus::block
