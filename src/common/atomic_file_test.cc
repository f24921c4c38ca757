#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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

// A write that cannot complete (here: /dev/full's ENOSPC, the full-disk case) throws and leaves
// the old file as it was.
TEST(AtomicFile, AFailedWriteKeepsTheOldFile) {
  TempDir dir("atomic-file");
  auto path = dir.path() / "config";
  write_file_atomically(path, "kept\n", 0600);
  std::filesystem::create_symlink("/dev/full", dir.path() / "config.tmp");
  EXPECT_THROW(write_file_atomically(path, "lost\n", 0600), std::runtime_error);
  EXPECT_EQ(read(path), "kept\n");
  EXPECT_THROW(write_file_atomically(dir.path() / "no-such-dir" / "x", "y", 0600), std::runtime_error);
}

}  // namespace
}  // namespace stratus
