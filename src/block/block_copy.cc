#include "block/block_copy.h"

#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "block/work_queue.h"

namespace stratus::block {
namespace {

// Threads that hash, compress and store (or fetch, verify and decompress) blocks while the
// caller's thread reads (or writes) the disk: the machine's two cores both work.
constexpr int kWorkers = 2;
// Blocks in flight between the disk and the workers (2 MiB each way per worker).
constexpr size_t kQueueBlocks = 4 * kWorkers;

// Reports `done` of `total` to `progress` when the whole percentage moved.
void report(const Progress& progress, size_t done, size_t total, int& last) {
  int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
  if (percent != last && progress) progress(percent);
  last = percent;
}

// The first failure of several threads, kept.
class FirstFailure {
 public:
  void set(const ApiError& error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = error;
  }
  bool failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_.has_value();
  }
  std::optional<ApiError> get() {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  std::mutex mu_;
  std::optional<ApiError> error_;
};

}  // namespace

Result<Manifest> copy_blocks(BlockSource& source, BlockStore& store, const Manifest* since, const Progress& progress) {
  Manifest manifest;
  manifest.size_bytes = source.size_bytes();
  auto hints = source.hints();
  if (!hints.ok()) return hints.error();
  const std::vector<BlockHint>& hint = hints.value();
  std::vector<int64_t> to_read;
  for (size_t i = 0; i < hint.size(); ++i) {
    int64_t index = static_cast<int64_t>(i);
    if (hint[i] == BlockHint::kZero) continue;
    if (hint[i] == BlockHint::kUnchanged && since != nullptr) {
      auto kept = since->blocks.find(index);
      if (kept != since->blocks.end()) manifest.blocks.emplace(index, kept->second);
      continue;
    }
    to_read.push_back(index);
  }
  WorkQueue<std::pair<int64_t, std::string>> queue(kQueueBlocks);
  FirstFailure failure;
  std::mutex stored_mu;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (auto item = queue.pop()) {
        if (failure.failed()) continue;  // drain
        auto hash = store.put(item->second);
        if (!hash.ok()) {
          failure.set(hash.error());
          continue;
        }
        if (hash.value().empty()) continue;  // zeros: nothing stored, nothing named
        std::lock_guard<std::mutex> lock(stored_mu);
        manifest.blocks[item->first] = hash.value();
      }
    });
  }
  int last = -1;
  for (size_t done = 0; done < to_read.size() && !failure.failed(); ++done) {
    auto data = source.read(to_read[done]);
    if (!data.ok()) {
      failure.set(data.error());
      break;
    }
    queue.push({to_read[done], std::move(data.value())});
    report(progress, done, to_read.size(), last);
  }
  queue.close();
  for (std::thread& worker : workers) worker.join();
  if (auto error = failure.get()) return *error;
  report(progress, to_read.size(), to_read.size(), last);
  return manifest;
}

Result<bool> restore_blocks(const Manifest& manifest, const BlockStore& store, BlockSink& sink, const Progress& progress) {
  std::vector<std::pair<int64_t, std::string>> wanted(manifest.blocks.begin(), manifest.blocks.end());
  WorkQueue<std::pair<int64_t, std::string>> fetched(kQueueBlocks);
  FirstFailure failure;
  std::mutex next_mu;
  size_t next = 0;
  std::vector<std::thread> workers;
  int running = kWorkers;
  std::mutex running_mu;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (!failure.failed()) {
        size_t mine;
        {
          std::lock_guard<std::mutex> lock(next_mu);
          if (next == wanted.size()) break;
          mine = next++;
        }
        auto data = store.get(wanted[mine].second);
        if (!data.ok()) {
          failure.set(data.error());
          break;
        }
        if (data.value().size() < kBlockSize) data.value().resize(kBlockSize, '\0');
        fetched.push({wanted[mine].first, std::move(data.value())});
      }
      std::lock_guard<std::mutex> lock(running_mu);
      if (--running == 0) fetched.close();  // the last worker out ends the stream
    });
  }
  size_t done = 0;
  int last = -1;
  while (auto item = fetched.pop()) {
    if (failure.failed()) continue;  // drain, so that no worker waits for room forever
    auto written = sink.write(item->first, item->second);
    if (!written.ok()) failure.set(written.error());
    report(progress, ++done, wanted.size(), last);
  }
  for (std::thread& worker : workers) worker.join();
  if (auto error = failure.get()) return *error;
  report(progress, done, wanted.size(), last);
  return true;
}

}  // namespace stratus::block
