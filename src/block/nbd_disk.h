#pragma once
// A disk exported over NBD on a unix socket (by a VM's QEMU or a qemu-storage-daemon), read and
// written in 512 KiB blocks with libnbd: where it is zero comes from the export's
// base:allocation status, and what changed since a snapshot from a dirty bitmap the export
// carries (QEMU's qemu:dirty-bitmap:NAME context).

#include <memory>
#include <string>

#include "block/block_copy.h"

struct nbd_handle;

namespace stratus::block {

// Where a disk view is exported, and the bitmap of blocks changed since the snapshot it is
// counted from ("" when there is none: every non-zero block is read).
struct NbdExport {
  std::string socket;
  std::string name;
  std::string changed_bitmap;
};

// One connection to an export. Not thread-safe.
class NbdDisk : public BlockDevice {
 public:
  // Connects to `target`. Errors: the export cannot be reached.
  static Result<std::unique_ptr<BlockDevice>> connect(const NbdExport& target);
  ~NbdDisk() override;
  NbdDisk(const NbdDisk&) = delete;
  NbdDisk& operator=(const NbdDisk&) = delete;

  int64_t size_bytes() override;
  Result<std::vector<BlockHint>> hints() override;
  Result<std::string> read(int64_t index) override;
  Result<bool> write(int64_t index, const std::string& data) override;
  Result<bool> flush() override;

 private:
  NbdDisk(nbd_handle* handle, std::string bitmap) : handle_(handle), bitmap_(std::move(bitmap)) {}
  nbd_handle* handle_;
  std::string bitmap_;
};

}  // namespace stratus::block
