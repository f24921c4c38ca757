#pragma once
// A snapshot's manifest: the size of the volume it was taken of and, for each 512 KiB block
// that is not all zeros, the hash of that block in the block store. Manifests live in one
// directory per data dir, a file per snapshot, each written whole.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace stratus::block {

// The blocks of one snapshot.
struct Manifest {
  int64_t size_bytes = 0;                   // the volume's size when it was taken
  std::map<int64_t, std::string> blocks;  // block index -> hash; an index not here is all zeros
};

// The manifests of a data dir: DIR/SNAPSHOT_ID.manifest; and the partial manifests of snapshots
// being written through the EBS direct APIs: DIR/SNAPSHOT_ID.partial, the blocks they start from
// then one line per block written, appended durably. Thread-safe.
class ManifestStore {
 public:
  explicit ManifestStore(std::filesystem::path dir) : dir_(std::move(dir)) {}
  // Writes the manifest of `snapshot_id` durably (whole or not at all). Errors: a full disk.
  Result<bool> write(const std::string& snapshot_id, const Manifest& manifest) const;
  // The manifest of `snapshot_id`. Errors: missing or unreadable.
  Result<Manifest> read(const std::string& snapshot_id) const;
  // True when the manifest of `snapshot_id` exists.
  bool exists(const std::string& snapshot_id) const;
  // Removes the manifest of `snapshot_id` (nothing when there is none).
  void remove(const std::string& snapshot_id) const;
  // The snapshot ids that have a manifest.
  std::vector<std::string> ids() const;
  // Every block hash some manifest or partial manifest names: the store's live set.
  Result<std::set<std::string>> live_blocks() const;

  // Starts the partial manifest of `snapshot_id` from `base` (its parent's blocks, or none).
  Result<bool> begin_partial(const std::string& snapshot_id, const Manifest& base) const;
  // Records that block `index` of `snapshot_id` now holds `hash` ("" for zeros), durably.
  Result<bool> record_block(const std::string& snapshot_id, int64_t index, const std::string& hash) const;
  // The blocks of `snapshot_id` so far, and (in `written`) the indexes written since it began.
  Result<Manifest> read_partial(const std::string& snapshot_id, std::set<int64_t>* written) const;
  // Removes the partial manifest of `snapshot_id` (nothing when there is none).
  void remove_partial(const std::string& snapshot_id) const;
  // The snapshot ids that have a partial manifest.
  std::vector<std::string> partial_ids() const;
  // When the partial manifest of `snapshot_id` was last written (Unix seconds), or nullopt
  // when there is none.
  std::optional<int64_t> partial_written_at(const std::string& snapshot_id) const;

  // Held by whoever stores blocks that no manifest names yet, until one does; sweeping() waits
  // for them, and holds them off while the live set is read and the store swept.
  std::shared_lock<std::shared_mutex> writing() const { return std::shared_lock<std::shared_mutex>(sweep_mu_); }
  std::unique_lock<std::shared_mutex> sweeping() const { return std::unique_lock<std::shared_mutex>(sweep_mu_); }

 private:
  std::filesystem::path path_of(const std::string& snapshot_id) const;
  std::filesystem::path partial_path(const std::string& snapshot_id) const;
  // The ids with a file of `extension` in the directory.
  std::vector<std::string> ids_with(const std::string& extension) const;
  std::filesystem::path dir_;
  mutable std::shared_mutex sweep_mu_;
  mutable std::mutex append_mu_;  // one append to a partial manifest at a time
};

}  // namespace stratus::block
