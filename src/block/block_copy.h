#pragma once
// Copying a disk's blocks into the block store (taking a snapshot) and back out of it
// (restoring one into a new volume), over any source or sink of 512 KiB blocks.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "block/block_store.h"
#include "block/manifest.h"
#include "common/result.h"

namespace stratus::block {

// What a source knows of one block before it is read.
enum class BlockHint : uint8_t {
  kZero,       // all zeros: nothing to read or store
  kUnchanged,  // the same as in the snapshot the source's changes are counted from
  kRead,       // must be read
};

// A disk at one point in time, read in blocks.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // The disk's size in bytes (a whole number of blocks).
  virtual int64_t size_bytes() = 0;
  // One hint per block, in order.
  virtual Result<std::vector<BlockHint>> hints() = 0;
  // The kBlockSize bytes of block `index`.
  virtual Result<std::string> read(int64_t index) = 0;
};

// A disk being filled, written in blocks.
class BlockSink {
 public:
  virtual ~BlockSink() = default;
  // Writes `data` (kBlockSize bytes) as block `index`.
  virtual Result<bool> write(int64_t index, const std::string& data) = 0;
};

// A disk read and written in blocks (a view exported over NBD, or a fake in tests).
class BlockDevice : public BlockSource, public BlockSink {
 public:
  // Makes what was written durable.
  virtual Result<bool> flush() = 0;
};

// Called with the share of the work done so far, 0..100.
using Progress = std::function<void(int percent)>;

// Stores the blocks of `source` in `store` and returns its manifest. With `since` (the manifest
// of the snapshot the source's kUnchanged hints are relative to), unchanged blocks are taken
// from it unread; without, they are read. Errors: a read or a store write failed (blocks
// written so far stay until the store is swept).
Result<Manifest> copy_blocks(BlockSource& source, BlockStore& store, const Manifest* since, const Progress& progress);

// Writes each block `manifest` names from `store` into `sink` (the sink's other blocks are
// left as they are: zeros on a new disk). Errors: a block is missing or corrupt, or a write
// failed.
Result<bool> restore_blocks(const Manifest& manifest, const BlockStore& store, BlockSink& sink, const Progress& progress);

}  // namespace stratus::block
