#pragma once
// A snapshot's manifest: the size of the volume it was taken of and, for each 512 KiB block
// that is not all zeros, the hash of that block in the block store. Manifests live in one
// directory per data dir, a file per snapshot, each written whole.

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace stratus::block {

// The blocks of one snapshot.
struct Manifest {
  int64_t size_bytes = 0;                   // the volume's size when it was taken
  std::map<int64_t, std::string> blocks;  // block index -> hash; an index not here is all zeros
};

// The manifests of a data dir: DIR/SNAPSHOT_ID.manifest.
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
  // Every block hash some manifest names: the store's live set.
  Result<std::set<std::string>> live_blocks() const;

 private:
  std::filesystem::path path_of(const std::string& snapshot_id) const;
  std::filesystem::path dir_;
};

}  // namespace stratus::block
