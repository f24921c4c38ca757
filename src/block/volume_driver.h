#pragma once
// Volume disks: the interface the reconciler drives, and its qcow2 implementation. One disk
// file per volume, named by its id, in the data dir's volumes directory.

#include <filesystem>
#include <string>

#include "block/disk_view.h"
#include "common/result.h"
#include "compute/process_runner.h"

namespace stratus::block {

// Creates, locates and deletes volume disks.
class VolumeDriver {
 public:
  virtual ~VolumeDriver() = default;
  // Makes the disk of `volume_id` exist: `size_gib` GiB, empty, or starting as the disk image
  // `base` (copy-on-write) when `base` is not empty; with `counts_from` (the snapshot of `base`'s
  // contents), it counts its changes from that snapshot (block::since_bitmap), so that its first
  // snapshot reads only what was written to it. Does nothing when it exists already.
  virtual Result<bool> create(const std::string& volume_id, int64_t size_gib, const std::filesystem::path& base,
                              const std::string& counts_from = "") = 0;
  // Makes the disk of `volume_id` a copy of the qcow2 disk `source` (over the same backing
  // file), unless it exists. With `counts_from`, it counts its changes from that snapshot as
  // create() does, starting with those `source` recorded in its bitmap `source_bitmap`: `source`
  // is a layer over a disk whose contents are that snapshot's.
  virtual Result<bool> copy(const std::string& volume_id, const std::filesystem::path& source,
                            const std::string& source_bitmap, const std::string& counts_from) = 0;
  // Writes what the qcow2 layer `layer` holds into the disk of `volume_id`, whose contents are
  // those of the disk `layer` lies over (both hold snapshot `counts_from`'s blocks and nothing
  // since), and adds the blocks `layer` recorded in its bitmap `layer_bitmap` to the disk's
  // count since `counts_from`. `layer` itself is left as it was.
  virtual Result<bool> apply_layer(const std::string& volume_id, const std::filesystem::path& layer,
                                   const std::string& layer_bitmap, const std::string& counts_from) = 0;
  // True when the disk of `volume_id` exists.
  virtual bool exists(const std::string& volume_id) const = 0;
  // Where the disk of `volume_id` is (what a VM opens).
  virtual std::filesystem::path path(const std::string& volume_id) const = 0;
  // Grows the disk of `volume_id` to `size_gib` GiB (not while a VM has it open).
  virtual Result<bool> grow(const std::string& volume_id, int64_t size_gib) = 0;
  // Takes in `file` (a disk made elsewhere) as the disk of `volume_id`, moving it.
  virtual Result<bool> adopt(const std::string& volume_id, const std::filesystem::path& file) = 0;
  // Deletes the disk of `volume_id` (nothing when there is none).
  virtual Result<bool> remove(const std::string& volume_id) = 0;
  // Opens the view `spec` of disk file `file` (a volume's, which no VM has open, or a base
  // image's, opened read-only for ViewMode::kImport), named `name` (the volume id), and exports
  // it over NBD (block::open_view); the disk stays busy (no VM may open it) until close_view.
  virtual Result<NbdExport> open_view(const std::string& name, const std::filesystem::path& file,
                                      const ViewSpec& spec) = 0;
  // Ends the view named `name` (block::close_view) and lets go of its disk.
  virtual Result<bool> close_view(const std::string& name, const ViewSpec& spec, bool taken) = 0;
  // Lets go of every disk a view still holds (what `stratus serve` left when it stopped).
  virtual void close_all_views() = 0;
};

// VolumeDriver on qcow2 files made by qemu-img; views of disks no VM has open are served by a
// qemu-storage-daemon per disk.
class QcowVolumeDriver : public VolumeDriver {
 public:
  // Disks live in `dir` (created on first use) as VOLUME_ID.qcow2; the storage daemons of this
  // process's views keep their sockets in `views_dir` (default: `dir`), which no other process
  // may share (close_all_views() stops every daemon there).
  QcowVolumeDriver(compute::ProcessRunner& runner, std::filesystem::path dir, std::filesystem::path views_dir = {})
      : runner_(runner), dir_(std::move(dir)), views_dir_(views_dir.empty() ? dir_ : std::move(views_dir)) {}
  Result<bool> create(const std::string& volume_id, int64_t size_gib, const std::filesystem::path& base,
                      const std::string& counts_from = "") override;
  Result<bool> copy(const std::string& volume_id, const std::filesystem::path& source,
                    const std::string& source_bitmap, const std::string& counts_from) override;
  Result<bool> apply_layer(const std::string& volume_id, const std::filesystem::path& layer,
                           const std::string& layer_bitmap, const std::string& counts_from) override;
  bool exists(const std::string& volume_id) const override;
  std::filesystem::path path(const std::string& volume_id) const override;
  Result<bool> grow(const std::string& volume_id, int64_t size_gib) override;
  Result<bool> adopt(const std::string& volume_id, const std::filesystem::path& file) override;
  Result<bool> remove(const std::string& volume_id) override;
  Result<NbdExport> open_view(const std::string& name, const std::filesystem::path& file,
                              const ViewSpec& spec) override;
  Result<bool> close_view(const std::string& name, const ViewSpec& spec, bool taken) override;
  void close_all_views() override;

 private:
  // Moves `made` (a finished disk) into place as the disk of `volume_id`.
  Result<bool> put_in_place(const std::string& volume_id, const std::filesystem::path& made);
  // Where the qemu-storage-daemon serving the view named `name` keeps its sockets.
  ViewPlace view_place(const std::string& name) const;
  // Stops the qemu-storage-daemon whose view directory is `view_dir` (bitmaps are saved as it
  // closes the disk) and removes the directory.
  void stop_daemon(const std::filesystem::path& view_dir);

  compute::ProcessRunner& runner_;
  std::filesystem::path dir_;
  std::filesystem::path views_dir_;
};

}  // namespace stratus::block
