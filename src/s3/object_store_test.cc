#include "s3/object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/temp_dir.h"

namespace stratus::s3 {
namespace {

namespace fs = std::filesystem;

std::string read_range(const api::FileRange& range) {
  std::string out(range.length, '\0');
  EXPECT_EQ(::pread(range.fd, out.data(), out.size(), static_cast<off_t>(range.offset)),
            static_cast<ssize_t>(out.size()));
  return out;
}

size_t files_under(const fs::path& dir) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) n += entry.is_regular_file() ? 1 : 0;
  return n;
}

TEST(LocalObjectStore, CommittedBytesReadBackAndUncommittedOnesVanish) {
  TempDir dir("objects");
  LocalObjectStore store(dir.path().string());
  auto writer = store.create();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer.value()->write("hello ").ok());
  ASSERT_TRUE(writer.value()->write("world").ok());
  auto id = store.commit(*writer.value());
  ASSERT_TRUE(id.ok()) << id.error().message;
  auto range = store.open(id.value(), 6, 5);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(read_range(*range.value()), "world");
  {
    auto abandoned = store.create();
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE(abandoned.value()->write("partial").ok());
  }  // destroyed uncommitted
  EXPECT_EQ(files_under(dir.path()), 1u);
  EXPECT_FALSE(store.open("../../etc/passwd", 0, 1).ok());
  store.remove(id.value());
  EXPECT_FALSE(store.open(id.value(), 0, 1).ok());
}

TEST(LocalObjectStore, GarbageCollectionKeepsOnlyReferencedObjects) {
  TempDir dir("objects-gc");
  LocalObjectStore store(dir.path().string());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto writer = store.create();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer.value()->write("x").ok());
    ids.push_back(store.commit(*writer.value()).value());
  }
  auto crashed = store.create();  // as if the process died mid-upload: its temp file stays
  ASSERT_TRUE(crashed.value()->write("half").ok());
  std::string kept = ids[1];
  // The temp file of `crashed` is still open here; collection removes it all the same.
  EXPECT_EQ(store.collect_garbage([&](const std::string& id) { return id == kept; }), 3u);
  EXPECT_TRUE(store.open(kept, 0, 1).ok());
  EXPECT_FALSE(store.open(ids[0], 0, 1).ok());
}

}  // namespace
}  // namespace stratus::s3
