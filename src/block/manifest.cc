#include "block/manifest.h"

#include <fstream>
#include <sstream>

#include "common/atomic_file.h"

namespace stratus::block {
namespace {

namespace fs = std::filesystem;

// First line of every manifest file: format name and version, then the volume size in bytes.
constexpr const char* kHeader = "stratus-manifest 1";
// Last line: this word, then how many block lines came before it (a cut-off file lacks it).
constexpr const char* kTrailer = "end";

}  // namespace

fs::path ManifestStore::path_of(const std::string& snapshot_id) const { return dir_ / (snapshot_id + ".manifest"); }

Result<bool> ManifestStore::write(const std::string& snapshot_id, const Manifest& manifest) const {
  std::string text = std::string(kHeader) + " " + std::to_string(manifest.size_bytes) + "\n";
  for (const auto& [index, hash] : manifest.blocks) text += std::to_string(index) + " " + hash + "\n";
  text += std::string(kTrailer) + " " + std::to_string(manifest.blocks.size()) + "\n";
  try {
    fs::create_directories(dir_);
    write_file_atomically(path_of(snapshot_id), text, 0600);
  } catch (const std::exception& e) {
    return ApiError{"InternalError", e.what()};
  }
  return true;
}

Result<Manifest> ManifestStore::read(const std::string& snapshot_id) const {
  std::ifstream in(path_of(snapshot_id));
  std::string header, version;
  Manifest manifest;
  if (!(in >> header >> version >> manifest.size_bytes) || header + " " + version != kHeader) {
    return ApiError{"InternalError", "the manifest of " + snapshot_id + " is missing or unreadable"};
  }
  std::string first, second;
  try {
    while (in >> first >> second && first != kTrailer) manifest.blocks[std::stoll(first)] = second;
  } catch (const std::exception&) {
    first.clear();  // not a block index: corrupt
  }
  if (first != kTrailer || second != std::to_string(manifest.blocks.size())) {
    return ApiError{"InternalError", "the manifest of " + snapshot_id + " is corrupt"};
  }
  return manifest;
}

bool ManifestStore::exists(const std::string& snapshot_id) const { return fs::exists(path_of(snapshot_id)); }

void ManifestStore::remove(const std::string& snapshot_id) const {
  std::error_code ec;
  fs::remove(path_of(snapshot_id), ec);
}

std::vector<std::string> ManifestStore::ids() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".manifest") out.push_back(entry.path().stem().string());
  }
  return out;
}

Result<std::set<std::string>> ManifestStore::live_blocks() const {
  std::set<std::string> live;
  for (const std::string& id : ids()) {
    auto manifest = read(id);
    if (!manifest.ok()) return manifest.error();
    for (const auto& [index, hash] : manifest.value().blocks) live.insert(hash);
  }
  return live;
}

}  // namespace stratus::block
