#pragma once
// Content-addressed blocks for snapshots: a volume is cut into EBS's 512 KiB blocks; each block
// is stored once per data dir, whatever volume, snapshot or region it came from, named by the
// SHA-256 of its contents and compressed with zstd; all-zero blocks are never stored. A snapshot
// is then a list of block hashes, and a second snapshot of a volume adds only the blocks that
// changed. Behind an interface, so that an object store can take the directory's place.

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"

namespace stratus::block {

// EBS's block size: snapshots and the EBS direct APIs address volumes in blocks of 512 KiB.
inline constexpr size_t kBlockSize = 512 * 1024;

// Stores and reads blocks by their hash.
class BlockStore {
 public:
  virtual ~BlockStore() = default;
  // Stores `data` (at most kBlockSize bytes) unless a block with its contents is there already;
  // its hash (lower-case hex SHA-256), or "" for all-zero data, which is not stored.
  virtual Result<std::string> put(std::string_view data) = 0;
  // The block named `hash`, checked against it: an error when it is missing or its bytes no
  // longer hash to its name (a corrupt block never reaches a caller).
  virtual Result<std::string> get(const std::string& hash) const = 0;
  // True when the block named `hash` is stored.
  virtual bool contains(const std::string& hash) const = 0;
  // Removes every stored block whose hash is not in `live` (and what interrupted writes left);
  // how many blocks it removed. REQUIRES: no put() runs meanwhile.
  virtual Result<size_t> sweep(const std::set<std::string>& live) = 0;
  // How many blocks are stored.
  virtual size_t count() const = 0;
};

// BlockStore on a directory: DIR/ab/abcdef….zst, each written whole (temporary file, fsync,
// rename), so that a crash leaves either the block or nothing.
class DirectoryBlockStore : public BlockStore {
 public:
  explicit DirectoryBlockStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Result<std::string> put(std::string_view data) override;
  Result<std::string> get(const std::string& hash) const override;
  bool contains(const std::string& hash) const override;
  Result<size_t> sweep(const std::set<std::string>& live) override;
  size_t count() const override;

 private:
  std::filesystem::path path_of(const std::string& hash) const;
  std::filesystem::path dir_;
};

}  // namespace stratus::block
