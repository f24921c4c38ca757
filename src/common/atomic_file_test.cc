#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>

#include <fstream>
#include <sstream>

#include "common/temp_dir.h"

namespace stratus {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AtomicFile, ReplacesContentAndMode) {
  TempDir dir("atomic-file");
  auto path = dir.path() / "config";
  write_file_atomically(path, "old\n", 0644);
  write_file_atomically(path, "new content\n", 0600);
  EXPECT_EQ(read(path), "new content\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "config.tmp"));
}

// A write that cannot complete (here the file size limit's EFBIG stands in for a full disk's
// ENOSPC: both fail write(2)) throws and leaves the old file as it was.
TEST(AtomicFile, AFailedWriteKeepsTheOldFile) {
  TempDir dir("atomic-file");
  auto path = dir.path() / "config";
  write_file_atomically(path, "kept\n", 0600);
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit tiny = old_limit;
  tiny.rlim_cur = 2;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tiny), 0);
  EXPECT_THROW(write_file_atomically(path, "longer than two bytes\n", 0600), std::runtime_error);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(read(path), "kept\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "config.tmp"));
  EXPECT_THROW(write_file_atomically(dir.path() / "no-such-dir" / "x", "y", 0600), std::runtime_error);
}

// A leftover PATH.tmp, even a link planted there, is replaced rather than written through.
TEST(AtomicFile, NeverWritesThroughALinkAtTheTemporaryName) {
  TempDir dir("atomic-file");
  auto path = dir.path() / "config";
  auto target = dir.path() / "elsewhere";
  write_file_atomically(target, "untouched\n", 0644);
  std::filesystem::create_symlink(target, dir.path() / "config.tmp");
  write_file_atomically(path, "new\n", 0600);
  EXPECT_EQ(read(path), "new\n");
  EXPECT_EQ(read(target), "untouched\n");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

}  // namespace
}  // namespace stratus
