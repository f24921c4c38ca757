#include "block/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
// First line of a partial manifest: format name and version, then the volume size in bytes;
// then lines "base INDEX HASH" (where it starts) and "put INDEX HASH" (blocks written; HASH "-"
// for zeros). A line a crash cut off is ignored.
constexpr const char* kPartialHeader = "stratus-partial 1";

// Writes `text` as `path` (in `dir`, made when missing) whole or not at all.
Result<bool> write_whole(const fs::path& dir, const fs::path& path, const std::string& text) {
  try {
    fs::create_directories(dir);
    write_file_atomically(path, text, 0600);
  } catch (const std::exception& e) {
    return ApiError{"InternalError", e.what()};
  }
  return true;
}

}  // namespace

fs::path ManifestStore::path_of(const std::string& snapshot_id) const { return dir_ / (snapshot_id + ".manifest"); }

Result<bool> ManifestStore::write(const std::string& snapshot_id, const Manifest& manifest) const {
  std::string text = std::string(kHeader) + " " + std::to_string(manifest.size_bytes) + "\n";
  for (const auto& [index, hash] : manifest.blocks) text += std::to_string(index) + " " + hash + "\n";
  text += std::string(kTrailer) + " " + std::to_string(manifest.blocks.size()) + "\n";
  return write_whole(dir_, path_of(snapshot_id), text);
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

std::vector<std::string> ManifestStore::ids_with(const std::string& extension) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == extension) out.push_back(entry.path().stem().string());
  }
  return out;
}

std::vector<std::string> ManifestStore::ids() const { return ids_with(".manifest"); }

std::vector<std::string> ManifestStore::partial_ids() const { return ids_with(".partial"); }

Result<std::set<std::string>> ManifestStore::live_blocks() const {
  std::set<std::string> live;
  for (const std::string& id : ids()) {
    auto manifest = read(id);
    if (!manifest.ok()) return manifest.error();
    for (const auto& [index, hash] : manifest.value().blocks) live.insert(hash);
  }
  for (const std::string& id : partial_ids()) {
    auto partial = read_partial(id, nullptr);
    if (!partial.ok()) return partial.error();
    for (const auto& [index, hash] : partial.value().blocks) live.insert(hash);
  }
  return live;
}

fs::path ManifestStore::partial_path(const std::string& snapshot_id) const { return dir_ / (snapshot_id + ".partial"); }

Result<bool> ManifestStore::begin_partial(const std::string& snapshot_id, const Manifest& base) const {
  std::string text = std::string(kPartialHeader) + " " + std::to_string(base.size_bytes) + "\n";
  for (const auto& [index, hash] : base.blocks) text += "base " + std::to_string(index) + " " + hash + "\n";
  return write_whole(dir_, partial_path(snapshot_id), text);
}

Result<bool> ManifestStore::record_block(const std::string& snapshot_id, int64_t index, const std::string& hash) const {
  std::lock_guard<std::mutex> lock(append_mu_);
  std::string line = "put " + std::to_string(index) + " " + (hash.empty() ? "-" : hash) + "\n";
  int fd = ::open(partial_path(snapshot_id).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return ApiError{"InternalError", "the partial manifest of " + snapshot_id + " is missing"};
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return ApiError{"InternalError", "cannot record a block of " + snapshot_id + " (disk full?)"};
  return true;
}

Result<Manifest> ManifestStore::read_partial(const std::string& snapshot_id, std::set<int64_t>* written) const {
  std::ifstream in(partial_path(snapshot_id));
  std::string header, version;
  Manifest manifest;
  if (!(in >> header >> version >> manifest.size_bytes) || header + " " + version != kPartialHeader) {
    return ApiError{"InternalError", "the partial manifest of " + snapshot_id + " is missing or unreadable"};
  }
  std::string line;
  std::getline(in, line);  // the rest of the header line
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind, index_text, hash;
    if (!(fields >> kind >> index_text >> hash) || (kind != "base" && kind != "put")) continue;  // cut off
    if (hash != "-" && hash.size() != 64) continue;
    int64_t index = 0;
    try {
      index = std::stoll(index_text);
    } catch (const std::exception&) {
      continue;
    }
    if (hash == "-") manifest.blocks.erase(index);
    else manifest.blocks[index] = hash;
    if (kind == "put" && written != nullptr) written->insert(index);
  }
  return manifest;
}

std::optional<int64_t> ManifestStore::partial_written_at(const std::string& snapshot_id) const {
  struct stat st {};
  if (::stat(partial_path(snapshot_id).c_str(), &st) != 0) return std::nullopt;
  return static_cast<int64_t>(st.st_mtime);
}

void ManifestStore::remove_partial(const std::string& snapshot_id) const {
  std::error_code ec;
  fs::remove(partial_path(snapshot_id), ec);
}

}  // namespace stratus::block
