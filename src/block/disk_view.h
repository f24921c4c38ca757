#pragma once
// Point-in-time views of disks that QEMU holds open (a VM's QEMU, or a qemu-storage-daemon for
// a disk no VM has), exported over NBD for snapshots and restores, and the dirty bitmaps that
// make snapshots incremental. Each disk carries a persistent bitmap "stratus-since-SNAP" that
// counts the blocks written since snapshot SNAP was taken of it; opening a view for snapshot
// NEW starts "stratus-since-NEW" at the same instant as the view, and exports the one for the
// volume's previous snapshot (frozen) beside it. Bitmaps are only ever merged into the one in
// use, never dropped while usable, so a failed or interrupted snapshot costs a larger next
// snapshot, never a missed block; a bitmap a crash left inconsistent is dropped, and the next
// snapshot reads the whole disk.

#include <cstdint>
#include <string>

#include "block/nbd_disk.h"
#include "common/result.h"

namespace stratus::block {

// What a view is for.
enum class ViewMode {
  kRead,    // a snapshot of a volume: its changes counted by bitmaps
  kFill,    // a new disk being filled from a snapshot: writable, its bitmap started once filled
  kImport,  // a disk that must not change (a base image's): read as it is, no bitmaps
};

// What one view is.
struct ViewSpec {
  std::string view_id;  // the snapshot being taken, restored or imported; names the export
  // kRead: the volume's previous snapshot, whose bitmap says what changed since ("" for none).
  // kFill: the snapshot being restored (its bitmap starts once the blocks are written).
  std::string since;
  ViewMode mode = ViewMode::kRead;
};

// Where a view lives in one QEMU process.
struct ViewPlace {
  std::string qmp_socket;
  std::string node;         // the disk's block node
  std::string nbd_socket;   // where the QEMU process serves NBD
  std::string fleece_file;  // a qcow2 of the disk's size that keeps the blocks the guest overwrites
                            // while the view is open (copy-before-write); "" when nothing writes
};

// The name of the bitmap that counts changes since snapshot `snapshot_id`.
std::string since_bitmap(const std::string& snapshot_id);

// The virtual size in bytes of block node `node` of the QEMU process at `qmp_socket`.
Result<int64_t> node_size(const std::string& qmp_socket, const std::string& node);

// Opens the view `spec` at `place` (closing what an interrupted earlier attempt left of it
// first) and exports it. Errors: QEMU refused a step.
Result<NbdExport> open_view(const ViewPlace& place, const ViewSpec& spec);

// Ends the view `spec` at `place`: its export, copy-before-write job and fleece file go. When
// `taken` (the snapshot or restore succeeded), the bitmap of spec.since is dropped (reading) or
// started (writing). Safe to call for a view that is not (or no longer) open.
Result<bool> close_view(const ViewPlace& place, const ViewSpec& spec, bool taken);

}  // namespace stratus::block
