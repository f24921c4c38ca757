#include "block/volume_driver.h"

#include <signal.h>

#include <chrono>
#include <thread>

#include "compute/qmp.h"

namespace stratus::block {

namespace fs = std::filesystem;

namespace {

fs::path view_dir_of(const fs::path& dir, const std::string& volume_id) { return dir / (volume_id + ".view"); }

}  // namespace

Result<bool> QcowVolumeDriver::create(const std::string& volume_id, int64_t size_gib, const fs::path& base,
                                      const std::string& counts_from) {
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
  if (!counts_from.empty() &&
      runner_.run({"qemu-img", "bitmap", "--add", "--granularity", std::to_string(kBlockSize), made.string(),
                   since_bitmap(counts_from)}) != 0) {
    return ApiError{"InternalError", "qemu-img cannot add a bitmap to the disk of " + volume_id};
  }
  return put_in_place(volume_id, made);
}

Result<bool> QcowVolumeDriver::copy(const std::string& volume_id, const fs::path& source,
                                    const std::string& source_bitmap, const std::string& counts_from) {
  if (exists(volume_id)) return true;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return ApiError{"InternalError", "cannot create " + dir_.string() + ": " + ec.message()};
  fs::path made = dir_ / (volume_id + ".qcow2.new");
  if (runner_.run({"cp", "--sparse=always", "--reflink=auto", source.string(), made.string()}) != 0) {
    return ApiError{"InternalError", "cannot copy " + source.string() + " as the disk of " + volume_id};
  }
  if (!counts_from.empty() &&
      (runner_.run({"qemu-img", "bitmap", "--add", "--granularity", std::to_string(kBlockSize), "--merge", source_bitmap,
                    made.string(), since_bitmap(counts_from)}) != 0 ||
       runner_.run({"qemu-img", "bitmap", "--remove", made.string(), source_bitmap}) != 0)) {
    fs::remove(made, ec);
    return ApiError{"InternalError", "qemu-img cannot carry the bitmap of " + source.string() + " over to " + volume_id};
  }
  return put_in_place(volume_id, made);
}

Result<bool> QcowVolumeDriver::apply_layer(const std::string& volume_id, const fs::path& layer,
                                           const std::string& layer_bitmap, const std::string& counts_from) {
  const std::string disk = path(volume_id).string();
  const std::string top = (dir_ / (volume_id + ".layer.qcow2")).string();
  // A copy of the layer, first over nothing: its bitmap is read while the disk is open for
  // writing, which its backing file may not be. The disk's count grows before its blocks
  // change, so that a crash between the two can only make a snapshot read more.
  const std::vector<std::vector<std::string>> steps = {
      {"cp", "--sparse=always", "--reflink=auto", layer.string(), top},
      {"qemu-img", "rebase", "-u", "-b", "", top},
      {"qemu-img", "bitmap", "--merge", layer_bitmap, "-b", top, "-F", "qcow2", disk, since_bitmap(counts_from)},
      {"qemu-img", "rebase", "-u", "-F", "qcow2", "-b", disk, top},
      {"qemu-img", "commit", "-q", "-d", top}};
  for (const auto& step : steps) {
    if (runner_.run(step) != 0) {
      std::error_code ec;
      fs::remove(top, ec);
      return ApiError{"InternalError", step[0] + " " + step[1] + " failed putting " + layer.string() + " onto the disk of " +
                                           volume_id};
    }
  }
  std::error_code ec;
  fs::remove(top, ec);
  return true;
}

Result<bool> QcowVolumeDriver::put_in_place(const std::string& volume_id, const fs::path& made) {
  std::error_code ec;
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

ViewPlace QcowVolumeDriver::view_place(const std::string& name) const {
  fs::path dir = view_dir_of(views_dir_, name);
  return {(dir / "qmp.sock").string(), "disk", (dir / "nbd.sock").string(), ""};
}

Result<NbdExport> QcowVolumeDriver::open_view(const std::string& name, const fs::path& file, const ViewSpec& spec) {
  fs::path dir = view_dir_of(views_dir_, name);
  ViewPlace place = view_place(name);
  std::string pid_file = (dir / "qsd.pid").string();
  if (compute::daemon_pid(pid_file) == 0) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::string read_only = spec.mode == ViewMode::kImport ? ",read-only=on" : "";
    int started = runner_.run({"qemu-storage-daemon",
                               "--blockdev", "driver=file,node-name=file,filename=" + file.string() + read_only,
                               "--blockdev", "driver=qcow2,node-name=disk,file=file" + read_only,
                               "--chardev", "socket,path=" + place.qmp_socket + ",server=on,wait=off,id=qmp",
                               "--monitor", "chardev=qmp",
                               "--daemonize", "--pidfile", pid_file});
    if (started != 0) return ApiError{"InternalError", "qemu-storage-daemon cannot open " + file.string()};
  }
  return block::open_view(place, spec);
}

Result<bool> QcowVolumeDriver::close_view(const std::string& name, const ViewSpec& spec, bool taken) {
  fs::path dir = view_dir_of(views_dir_, name);
  if (compute::daemon_pid((dir / "qsd.pid").string()) == 0) return true;  // nothing holds the disk
  auto closed = block::close_view(view_place(name), spec, taken);
  if (!closed.ok()) return closed;
  stop_daemon(dir);
  return true;
}

void QcowVolumeDriver::stop_daemon(const fs::path& view_dir) {
  pid_t pid = compute::daemon_pid((view_dir / "qsd.pid").string());
  if (pid != 0) {
    (void)compute::qmp_execute((view_dir / "qmp.sock").string(), "quit");
    for (int waited = 0; compute::process_alive(pid) && waited < 100; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (compute::process_alive(pid)) ::kill(pid, SIGKILL);
  }
  std::error_code ec;
  fs::remove_all(view_dir, ec);
}

void QcowVolumeDriver::close_all_views() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(views_dir_, ec)) {
    if (entry.path().extension() == ".view") stop_daemon(entry.path());
  }
}

}  // namespace stratus::block
