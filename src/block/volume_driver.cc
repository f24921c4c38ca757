#include "block/volume_driver.h"

namespace stratus::block {

namespace fs = std::filesystem;

Result<bool> QcowVolumeDriver::create(const std::string& volume_id, int64_t size_gib, const fs::path& base) {
  if (exists(volume_id)) return true;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return ApiError{"InternalError", "cannot create " + dir_.string() + ": " + ec.message()};
  // Made under a temporary name and renamed, so that a crash never leaves a half-made disk
  // that exists() would take for the volume's.
  fs::path made = dir_ / (volume_id + ".qcow2.new");
  std::vector<std::string> argv = {"qemu-img", "create", "-q", "-f", "qcow2"};
  if (!base.empty()) argv.insert(argv.end(), {"-F", "qcow2", "-b", base.string()});
  argv.insert(argv.end(), {made.string(), std::to_string(size_gib) + "G"});
  if (runner_.run(argv) != 0) return ApiError{"InternalError", "qemu-img cannot create the disk of " + volume_id};
  fs::rename(made, path(volume_id), ec);
  if (ec) return ApiError{"InternalError", "cannot move the disk of " + volume_id + " into place: " + ec.message()};
  return true;
}

bool QcowVolumeDriver::exists(const std::string& volume_id) const { return fs::exists(path(volume_id)); }

fs::path QcowVolumeDriver::path(const std::string& volume_id) const { return dir_ / (volume_id + ".qcow2"); }

Result<bool> QcowVolumeDriver::grow(const std::string& volume_id, int64_t size_gib) {
  if (runner_.run({"qemu-img", "resize", "-q", path(volume_id).string(), std::to_string(size_gib) + "G"}) != 0) {
    return ApiError{"InternalError", "qemu-img cannot grow the disk of " + volume_id};
  }
  return true;
}

Result<bool> QcowVolumeDriver::adopt(const std::string& volume_id, const fs::path& file) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  fs::rename(file, path(volume_id), ec);
  if (ec) return ApiError{"InternalError", "cannot adopt " + file.string() + " as the disk of " + volume_id + ": " + ec.message()};
  return true;
}

Result<bool> QcowVolumeDriver::remove(const std::string& volume_id) {
  std::error_code ec;
  fs::remove(path(volume_id), ec);
  if (ec) return ApiError{"InternalError", "cannot delete the disk of " + volume_id + ": " + ec.message()};
  return true;
}

}  // namespace stratus::block
