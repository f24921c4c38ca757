#include "block/block_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace stratus::block {
namespace {

namespace fs = std::filesystem;

std::string block_of(char fill, size_t size = kBlockSize) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; i += 4096) data[i] = fill;
  return data;
}

TEST(DirectoryBlockStore, StoresEachContentOnceAndNeverZeros) {
  TempDir dir("blocks-test");
  DirectoryBlockStore store(dir.path());
  auto a = store.put(block_of('a'));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().size(), 64u);
  EXPECT_EQ(store.put(block_of('a')).value(), a.value());  // the same contents: the same block
  auto b = store.put(block_of('b', 1000));                   // a short last block
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(store.put(std::string(kBlockSize, '\0')).value(), "");
  EXPECT_EQ(store.count(), 2u);
  EXPECT_EQ(store.get(a.value()).value(), block_of('a'));
  EXPECT_EQ(store.get(b.value()).value(), block_of('b', 1000));
  EXPECT_FALSE(store.put(std::string(kBlockSize + 1, 'x')).ok());
}

// A flipped byte, or a block that is not there, never reaches a caller as data.
TEST(DirectoryBlockStore, DetectsCorruptAndMissingBlocks) {
  TempDir dir("blocks-test");
  DirectoryBlockStore store(dir.path());
  std::string hash = store.put(block_of('c')).value();
  fs::path file = dir.path() / hash.substr(0, 2) / (hash + ".zst");
  ASSERT_TRUE(fs::exists(file));
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    char byte = 0;
    f.read(&byte, 1);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    byte = static_cast<char>(byte ^ 0x5a);
    f.write(&byte, 1);
  }
  auto read = store.get(hash);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("corrupt"), std::string::npos);
  EXPECT_FALSE(store.get(std::string(64, 'f')).ok());
}

TEST(DirectoryBlockStore, SweepKeepsOnlyLiveBlocks) {
  TempDir dir("blocks-test");
  DirectoryBlockStore store(dir.path());
  std::string keep = store.put(block_of('k')).value();
  std::string drop = store.put(block_of('d')).value();
  std::ofstream(dir.path() / "ab" / "half-written.zst.tmp") << "x";  // an interrupted write
  auto removed = store.sweep({keep});
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed.value(), 1u);
  EXPECT_EQ(store.count(), 1u);
  EXPECT_TRUE(store.contains(keep));
  EXPECT_FALSE(store.contains(drop));
  EXPECT_FALSE(fs::exists(dir.path() / "ab" / "half-written.zst.tmp"));
}

}  // namespace
}  // namespace stratus::block
