#include "block/block_store.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/digest.h"

namespace stratus::block {
namespace {

namespace fs = std::filesystem;

// zstd's level for blocks: fast enough to keep up with a volume read at disk speed.
constexpr int kCompressionLevel = 1;

// True when every byte of `data` is zero: the first is, and each equals the next (memcmp runs
// at memory speed where a byte loop does not).
bool all_zero(std::string_view data) {
  return data.empty() || (data[0] == 0 && std::memcmp(data.data(), data.data() + 1, data.size() - 1) == 0);
}

// `data` (at most a block) compressed at kCompressionLevel, in a buffer of the calling thread's
// that its next call reuses. The thread keeps its compression context and buffer: making them
// for every block would allocate and clear them each time.
Result<std::string_view> compress(std::string_view data) {
  struct Context {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    std::string buffer = std::string(ZSTD_compressBound(kBlockSize), '\0');
    ~Context() { ZSTD_freeCCtx(cctx); }
  };
  thread_local Context context;
  if (context.cctx == nullptr) return ApiError{"InternalError", "zstd: cannot create a compression context"};
  size_t size = ZSTD_compressCCtx(context.cctx, context.buffer.data(), context.buffer.size(), data.data(), data.size(),
                                  kCompressionLevel);
  if (ZSTD_isError(size)) return ApiError{"InternalError", std::string("zstd: ") + ZSTD_getErrorName(size)};
  return std::string_view(context.buffer.data(), size);
}

ApiError failure(const std::string& message) { return ApiError{"InternalError", message}; }

// Writes `bytes` to `path` durably: a temporary file, fsync, rename.
Result<bool> write_whole(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return failure("cannot create " + path.parent_path().string() + ": " + ec.message());
  // Named apart per write: two threads may store the same block at once.
  static std::atomic<uint64_t> writes{0};
  fs::path tmp = path;
  tmp += "." + std::to_string(writes++) + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failure("cannot write " + tmp.string());
  bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    fs::remove(tmp, ec);
    return failure("cannot write " + tmp.string() + " (disk full?)");
  }
  fs::rename(tmp, path, ec);
  if (ec) return failure("cannot move " + tmp.string() + " into place: " + ec.message());
  return true;
}

}  // namespace

fs::path DirectoryBlockStore::path_of(const std::string& hash) const {
  return dir_ / hash.substr(0, 2) / (hash + ".zst");
}

Result<std::string> DirectoryBlockStore::put(std::string_view data) {
  if (data.size() > kBlockSize) return failure("a block is at most 512 KiB");
  if (all_zero(data)) return std::string();
  std::string hash = to_hex(sha256(data));
  if (contains(hash)) return hash;
  auto compressed = compress(data);
  if (!compressed.ok()) return compressed.error();
  auto written = write_whole(path_of(hash), compressed.value());
  if (!written.ok()) return written.error();
  return hash;
}

Result<std::string> DirectoryBlockStore::get(const std::string& hash) const {
  std::ifstream in(path_of(hash), std::ios::binary);
  if (!in) return failure("block " + hash + " is missing");
  std::string compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unsigned long long expected = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (expected == ZSTD_CONTENTSIZE_ERROR || expected == ZSTD_CONTENTSIZE_UNKNOWN || expected > kBlockSize) {
    return failure("block " + hash + " is corrupt");
  }
  std::string data(expected, '\0');
  size_t size = ZSTD_decompress(data.data(), data.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(size) || size != expected || to_hex(sha256(data)) != hash) {
    return failure("block " + hash + " is corrupt");
  }
  return data;
}

bool DirectoryBlockStore::contains(const std::string& hash) const { return fs::exists(path_of(hash)); }

Result<size_t> DirectoryBlockStore::sweep(const std::set<std::string>& live) {
  size_t removed = 0;
  std::error_code ec;
  if (!fs::exists(dir_)) return removed;
  for (const auto& entry : fs::recursive_directory_iterator(dir_, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string name = entry.path().filename().string();
    // Leftovers of a write a crash interrupted go too.
    bool block = name.size() > 4 && name.compare(name.size() - 4, 4, ".zst") == 0;
    if (block && live.count(name.substr(0, name.size() - 4))) continue;
    if (fs::remove(entry.path(), ec)) removed += block;
  }
  if (ec) return failure("cannot sweep " + dir_.string() + ": " + ec.message());
  return removed;
}

size_t DirectoryBlockStore::count() const {
  size_t blocks = 0;
  std::error_code ec;
  if (!fs::exists(dir_)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    blocks += entry.is_regular_file() && name.size() > 4 && name.compare(name.size() - 4, 4, ".zst") == 0;
  }
  return blocks;
}

}  // namespace stratus::block
