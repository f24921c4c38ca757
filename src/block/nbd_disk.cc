#include "block/nbd_disk.h"

#include <libnbd.h>

#include <algorithm>

namespace stratus::block {
namespace {

// How much one NBD_CMD_BLOCK_STATUS asks about (servers may answer for less).
constexpr uint64_t kStatusSpan = 1ull << 30;
// base:allocation's flag for a range that reads as zeros.
constexpr uint32_t kStateZero = 2;
// A dirty bitmap context's flag for a range written since the bitmap began.
constexpr uint32_t kStateDirty = 1;

ApiError nbd_failure(const std::string& what) {
  const char* reason = nbd_get_error();
  return ApiError{"InternalError", what + ": " + (reason ? reason : "unknown NBD error")};
}

// What one block-status reply said, range by range, for the contexts asked about.
struct StatusReply {
  const std::string* bitmap_context;
  std::vector<BlockHint>* hints;
  uint64_t* covered;  // how far the base:allocation answer reached
};

// libnbd's extent callback: marks blocks that are wholly zero (base:allocation) or not dirty
// (the bitmap); both start as "read". Blocks are 512 KiB, ranges may be finer.
int on_extents(void* data, const char* context, uint64_t offset, uint32_t* entries, size_t count, int*) {
  auto* reply = static_cast<StatusReply*>(data);
  bool allocation = std::string(context) == LIBNBD_CONTEXT_BASE_ALLOCATION;
  bool bitmap = !allocation && *reply->bitmap_context == context;
  if (!allocation && !bitmap) return 0;
  std::vector<BlockHint>& hints = *reply->hints;
  for (size_t i = 0; i + 1 < count; i += 2) {
    uint64_t length = entries[i];
    uint32_t flags = entries[i + 1];
    bool marks = allocation ? (flags & kStateZero) != 0 : (flags & kStateDirty) == 0;
    if (marks) {
      // Only the blocks this range covers completely.
      uint64_t first = (offset + kBlockSize - 1) / kBlockSize;
      uint64_t end = (offset + length) / kBlockSize;
      for (uint64_t b = first; b < end && b < hints.size(); ++b) {
        // Zero wins over unchanged: a block zeroed since is still stored as nothing.
        if (allocation) hints[b] = BlockHint::kZero;
        else if (hints[b] == BlockHint::kRead) hints[b] = BlockHint::kUnchanged;
      }
    }
    offset += length;
  }
  if (allocation) *reply->covered = offset;
  return 0;
}

}  // namespace

Result<std::unique_ptr<BlockDevice>> NbdDisk::connect(const NbdExport& target) {
  nbd_handle* handle = nbd_create();
  if (handle == nullptr) return nbd_failure("libnbd");
  std::unique_ptr<BlockDevice> disk(new NbdDisk(handle, target.changed_bitmap));
  std::string bitmap_context = "qemu:dirty-bitmap:" + target.changed_bitmap;
  if (nbd_set_export_name(handle, target.name.c_str()) < 0 ||
      nbd_add_meta_context(handle, LIBNBD_CONTEXT_BASE_ALLOCATION) < 0 ||
      (!target.changed_bitmap.empty() && nbd_add_meta_context(handle, bitmap_context.c_str()) < 0) ||
      nbd_connect_unix(handle, target.socket.c_str()) < 0) {
    return nbd_failure("connecting to " + target.socket);
  }
  return disk;
}

NbdDisk::~NbdDisk() {
  nbd_shutdown(handle_, 0);
  nbd_close(handle_);
}

int64_t NbdDisk::size_bytes() { return nbd_get_size(handle_); }

Result<std::vector<BlockHint>> NbdDisk::hints() {
  int64_t size = size_bytes();
  if (size < 0) return nbd_failure("NBD export size");
  std::vector<BlockHint> out((size + kBlockSize - 1) / kBlockSize, BlockHint::kRead);
  std::string bitmap_context = "qemu:dirty-bitmap:" + bitmap_;
  bool bitmap = !bitmap_.empty() && nbd_can_meta_context(handle_, bitmap_context.c_str()) == 1;
  if (!bitmap_.empty() && !bitmap) return ApiError{"InternalError", "the export does not carry bitmap " + bitmap_};
  // One request answers both contexts; a block neither reply covered stays "read".
  uint64_t offset = 0;
  while (offset < static_cast<uint64_t>(size)) {
    uint64_t covered = offset;
    StatusReply reply{&bitmap_context, &out, &covered};
    uint64_t span = std::min<uint64_t>(kStatusSpan, size - offset);
    if (nbd_block_status(handle_, span, offset, nbd_extent_callback{on_extents, &reply, nullptr}, 0) < 0) {
      return nbd_failure("NBD block status");
    }
    if (covered <= offset) return ApiError{"InternalError", "NBD block status made no progress"};
    offset = covered;
  }
  return out;
}

Result<std::string> NbdDisk::read(int64_t index) {
  std::string data(kBlockSize, '\0');
  if (nbd_pread(handle_, data.data(), data.size(), static_cast<uint64_t>(index) * kBlockSize, 0) < 0) {
    return nbd_failure("NBD read of block " + std::to_string(index));
  }
  return data;
}

Result<bool> NbdDisk::write(int64_t index, const std::string& data) {
  if (nbd_pwrite(handle_, data.data(), data.size(), static_cast<uint64_t>(index) * kBlockSize, 0) < 0) {
    return nbd_failure("NBD write of block " + std::to_string(index));
  }
  return true;
}

Result<bool> NbdDisk::flush() {
  if (nbd_flush(handle_, 0) < 0) return nbd_failure("NBD flush");
  return true;
}

}  // namespace stratus::block
