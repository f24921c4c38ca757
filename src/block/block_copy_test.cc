#include "block/block_copy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "common/temp_dir.h"

namespace stratus::block {
namespace {

namespace fs = std::filesystem;

// A disk in memory: blocks not in `data` are zeros; `changed` (when tracking) holds the blocks
// written since the last call to snapshot_taken().
class MemoryDisk : public BlockSource, public BlockSink {
 public:
  explicit MemoryDisk(int64_t blocks) : blocks_(blocks) {}
  int64_t size_bytes() override { return blocks_ * static_cast<int64_t>(kBlockSize); }
  Result<std::vector<BlockHint>> hints() override {
    std::vector<BlockHint> out(blocks_, BlockHint::kZero);
    for (const auto& [index, bytes] : data) out[index] = BlockHint::kRead;
    if (tracking) {
      for (int64_t i = 0; i < blocks_; ++i) {
        if (out[i] == BlockHint::kRead && !changed.count(i)) out[i] = BlockHint::kUnchanged;
      }
    }
    return out;
  }
  Result<std::string> read(int64_t index) override {
    ++reads;
    auto found = data.find(index);
    return found == data.end() ? std::string(kBlockSize, '\0') : found->second;
  }
  Result<bool> write(int64_t index, const std::string& bytes) override {
    data[index] = bytes;
    changed.insert(index);
    return true;
  }
  // Fills block `index` with `fill`.
  void fill(int64_t index, char fill) { (void)write(index, std::string(kBlockSize, fill)); }
  // Starts counting changes afresh (as a new bitmap does).
  void snapshot_taken() {
    changed.clear();
    tracking = true;
  }
  std::map<int64_t, std::string> data;
  std::set<int64_t> changed;
  bool tracking = false;
  int reads = 0;

 private:
  int64_t blocks_;
};

TEST(CopyBlocks, StoresNonZeroBlocksOnceAndReadsOnlyChangedOnesNextTime) {
  TempDir dir("copy-test");
  DirectoryBlockStore store(dir.path() / "blocks");
  MemoryDisk disk(100);
  for (int64_t i = 0; i < 10; ++i) disk.fill(i, static_cast<char>('a' + i));
  disk.fill(50, 'a');  // the same bytes as block 0: stored once
  std::vector<int> seen;
  auto first = copy_blocks(disk, store, nullptr, [&](int p) { seen.push_back(p); });
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first.value().blocks.size(), 11u);
  EXPECT_EQ(first.value().size_bytes, 100 * static_cast<int64_t>(kBlockSize));
  EXPECT_EQ(first.value().blocks.at(0), first.value().blocks.at(50));
  EXPECT_EQ(store.count(), 10u);
  EXPECT_EQ(disk.reads, 11);
  EXPECT_EQ(seen.back(), 100);

  disk.snapshot_taken();
  disk.fill(3, 'z');
  disk.fill(70, 'y');
  disk.reads = 0;
  auto second = copy_blocks(disk, store, &first.value(), nullptr);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(disk.reads, 2);  // only what changed
  EXPECT_EQ(second.value().blocks.size(), 12u);
  EXPECT_NE(second.value().blocks.at(3), first.value().blocks.at(3));
  EXPECT_EQ(second.value().blocks.at(4), first.value().blocks.at(4));

  MemoryDisk restored(100);
  ASSERT_TRUE(restore_blocks(second.value(), store, restored, nullptr).ok());
  EXPECT_EQ(restored.data, disk.data);
}

TEST(CopyBlocks, ACorruptBlockFailsTheRestore) {
  TempDir dir("copy-test");
  DirectoryBlockStore store(dir.path() / "blocks");
  MemoryDisk disk(4);
  disk.fill(1, 'q');
  auto taken = copy_blocks(disk, store, nullptr, nullptr);
  ASSERT_TRUE(taken.ok());
  const std::string& hash = taken.value().blocks.at(1);
  fs::path file = dir.path() / "blocks" / hash.substr(0, 2) / (hash + ".zst");
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() / 2] ^= 0x5a;  // one flipped byte
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  MemoryDisk restored(4);
  auto done = restore_blocks(taken.value(), store, restored, nullptr);
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message.find("corrupt"), std::string::npos);
  EXPECT_TRUE(restored.data.empty());  // nothing of it reached the disk
}

// Random writes, snapshots and deletions in random order over one volume's chain: every
// surviving snapshot restores to exactly the disk it was taken of, and after each sweep the
// store holds exactly the blocks the surviving manifests name.
TEST(CopyBlocks, AnyOrderOfSnapshotsAndDeletionsKeepsTheSurvivorsWhole) {
  for (unsigned seed = 1; seed <= 8; ++seed) {
    std::mt19937 random(seed);
    TempDir dir("chain-test");
    DirectoryBlockStore store(dir.path() / "blocks");
    ManifestStore manifests(dir.path() / "manifests");
    MemoryDisk disk(64);
    std::map<std::string, std::map<int64_t, std::string>> taken;  // snapshot -> the disk it saw
    std::string latest;
    for (int step = 0; step < 40; ++step) {
      int writes = static_cast<int>(random() % 6);
      for (int w = 0; w < writes; ++w) {
        int64_t index = random() % 64;
        if (random() % 5 == 0) disk.data.erase(index), disk.changed.insert(index);  // a discard
        else disk.fill(index, static_cast<char>('A' + random() % 8));  // few values: dedupe
      }
      if (random() % 3 != 0) {
        std::string id = "snap-" + std::to_string(step);
        Result<Manifest> since = manifests.read(latest);
        auto made = copy_blocks(disk, store, !latest.empty() && since.ok() ? &since.value() : nullptr, nullptr);
        ASSERT_TRUE(made.ok());
        ASSERT_TRUE(manifests.write(id, made.value()).ok());
        taken[id] = disk.data;
        latest = id;
        disk.snapshot_taken();
      }
      if (!taken.empty() && random() % 3 == 0) {
        auto victim = std::next(taken.begin(), random() % taken.size());
        manifests.remove(victim->first);
        if (victim->first == latest) {
          latest.clear();        // the next snapshot reads the whole disk
          disk.tracking = false;
        }
        taken.erase(victim);
        auto live = manifests.live_blocks();
        ASSERT_TRUE(live.ok());
        ASSERT_TRUE(store.sweep(live.value()).ok());
        EXPECT_EQ(store.count(), live.value().size()) << "seed " << seed << " step " << step;
      }
    }
    for (const auto& [id, expected] : taken) {
      auto manifest = manifests.read(id);
      ASSERT_TRUE(manifest.ok());
      MemoryDisk restored(64);
      ASSERT_TRUE(restore_blocks(manifest.value(), store, restored, nullptr).ok());
      EXPECT_EQ(restored.data, expected) << "seed " << seed << " snapshot " << id;
    }
  }
}

TEST(ManifestStore, WritesReadsAndListsWhatItHolds) {
  TempDir dir("manifest-test");
  ManifestStore manifests(dir.path());
  Manifest m{1 << 30, {{0, "aa"}, {7, "bb"}, {9, "aa"}}};
  ASSERT_TRUE(manifests.write("snap-1", m).ok());
  auto back = manifests.read("snap-1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value().size_bytes, m.size_bytes);
  EXPECT_EQ(back.value().blocks, m.blocks);
  EXPECT_EQ(manifests.ids(), std::vector<std::string>{"snap-1"});
  EXPECT_EQ(manifests.live_blocks().value(), (std::set<std::string>{"aa", "bb"}));
  EXPECT_FALSE(manifests.read("snap-2").ok());
  std::ofstream(dir.path() / "snap-3.manifest") << "stratus-manifest 1 100\n0 aa\n1 bb\n";  // cut off
  EXPECT_FALSE(manifests.read("snap-3").ok());
  EXPECT_FALSE(manifests.live_blocks().ok());  // a sweep never runs on a partial live set
  manifests.remove("snap-1");
  EXPECT_FALSE(manifests.exists("snap-1"));
}

}  // namespace
}  // namespace stratus::block
