#include "s3/object_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "common/digest.h"

namespace stratus::s3 {
namespace {

namespace fs = std::filesystem;

ApiError disk_error(const std::string& what) {
  return ApiError{"InternalError", what + ": " + std::strerror(errno)};
}

// True when `id` is what new_id() makes (so a stray file name cannot reach outside the store).
bool valid_id(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string new_id() { return to_hex(random_bytes(16)); }

// fsyncs directory `dir`; false when it cannot.
bool sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

class LocalWriter : public ObjectWriter {
 public:
  LocalWriter(std::string dir, std::string id, int fd) : dir_(std::move(dir)), id_(std::move(id)), fd_(fd) {}
  ~LocalWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!placed_) ::unlink(temp_path().c_str());
  }

  Result<bool> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return disk_error("cannot write an object");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  Result<bool> write_range(const api::FileRange& range) override {
    // copy_file_range: the kernel copies (or shares extents) without the bytes passing through here.
    loff_t from = static_cast<loff_t>(range.offset);
    uint64_t left = range.length;
    while (left > 0) {
      ssize_t n = ::copy_file_range(range.fd, &from, fd_, nullptr, static_cast<size_t>(std::min<uint64_t>(left, 1 << 30)), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return disk_error("cannot copy stored bytes");
      left -= static_cast<uint64_t>(n);
    }
    return true;
  }

  Result<bool> sync() override {
    if (::fsync(fd_) != 0) return disk_error("cannot sync an object");
    ::close(fd_);
    fd_ = -1;
    return true;
  }

  Result<std::string> place() override {
    if (::rename(temp_path().c_str(), (dir_ + "/data/" + id_).c_str()) != 0) return disk_error("cannot place an object");
    placed_ = true;
    return id_;
  }

 private:
  std::string temp_path() const { return dir_ + "/tmp/" + id_; }

  std::string dir_;
  std::string id_;
  int fd_;
  bool placed_ = false;
};

}  // namespace

Result<std::string> ObjectStore::commit(ObjectWriter& writer) {
  auto synced = writer.sync();
  if (!synced.ok()) return synced.error();
  auto id = writer.place();
  if (!id.ok()) return id.error();
  auto durable = sync_placed();
  if (!durable.ok()) return durable.error();
  return id;
}

LocalObjectStore::LocalObjectStore(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(fs::path(dir_) / "tmp", ec);
  if (!ec) fs::create_directories(fs::path(dir_) / "data", ec);
  if (ec) throw std::runtime_error("cannot create the object directory " + dir_ + ": " + ec.message());
}

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::create() {
  std::string id = new_id();
  int fd = ::open((dir_ + "/tmp/" + id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return disk_error("cannot create an object");
  return std::unique_ptr<ObjectWriter>(std::make_unique<LocalWriter>(dir_, id, fd));
}

Result<bool> LocalObjectStore::sync_placed() {
  if (!sync_directory(dir_ + "/data")) return disk_error("cannot sync the object directory");
  return true;
}

Result<std::shared_ptr<api::FileRange>> LocalObjectStore::open(const std::string& id, uint64_t offset,
                                                                uint64_t length) {
  if (!valid_id(id)) return ApiError{"InternalError", "no stored object " + id};
  int fd = ::open((dir_ + "/data/" + id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return disk_error("cannot open stored object " + id);
  return std::make_shared<api::FileRange>(fd, offset, length);
}

void LocalObjectStore::remove(const std::string& id) {
  if (valid_id(id)) ::unlink((dir_ + "/data/" + id).c_str());
}

size_t LocalObjectStore::collect_garbage(const std::function<bool(const std::string& id)>& referenced,
                                         std::chrono::seconds spare) {
  size_t removed = 0;
  std::error_code ec;
  auto cutoff = fs::file_time_type::clock::now() - spare;
  auto old = [&](const fs::directory_entry& entry) {
    std::error_code time_error;
    auto written = entry.last_write_time(time_error);
    return !time_error && written < cutoff;
  };
  for (const auto& entry : fs::directory_iterator(fs::path(dir_) / "tmp", ec)) {
    if (old(entry)) removed += fs::remove(entry.path(), ec) ? 1 : 0;
  }
  for (const auto& entry : fs::directory_iterator(fs::path(dir_) / "data", ec)) {
    if (!referenced(entry.path().filename().string()) && old(entry)) removed += fs::remove(entry.path(), ec) ? 1 : 0;
  }
  return removed;
}

}  // namespace stratus::s3
