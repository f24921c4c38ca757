// Views of real qcow2 disks through a real qemu-storage-daemon (QcowVolumeDriver) and libnbd:
// snapshots read only what changed, survive a failed attempt, and restore byte for byte.

#include "block/disk_view.h"

#include <gtest/gtest.h>

#include "block/block_copy.h"
#include "block/volume_driver.h"
#include "common/temp_dir.h"

namespace stratus::block {
namespace {

namespace fs = std::filesystem;

// Counts the blocks a copy reads.
class CountingSource : public BlockSource {
 public:
  explicit CountingSource(BlockSource& inner) : inner_(inner) {}
  int64_t size_bytes() override { return inner_.size_bytes(); }
  Result<std::vector<BlockHint>> hints() override { return inner_.hints(); }
  Result<std::string> read(int64_t index) override {
    ++reads;
    return inner_.read(index);
  }
  int reads = 0;

 private:
  BlockSource& inner_;
};

class DiskViewTest : public ::testing::Test {
 protected:
  DiskViewTest() : dir_("view-test"), volumes_(runner_, dir_.path() / "volumes"), store_(dir_.path() / "blocks") {}
  ~DiskViewTest() override { volumes_.close_all_views(); }

  // Writes `length` bytes of `pattern` at `offset` into the disk of `volume_id` (no view open).
  void write(const std::string& volume_id, int64_t offset, int64_t length, int pattern) {
    ASSERT_EQ(runner_.run({"qemu-io", "-c",
                           "write -P " + std::to_string(pattern) + " " + std::to_string(offset) + " " + std::to_string(length),
                           volumes_.path(volume_id).string()},
                          /*quiet=*/true),
              0);
  }

  // Takes snapshot `id` of `volume_id` counted from `since`: its manifest and how many blocks it read.
  std::pair<Manifest, int> snapshot(const std::string& volume_id, const std::string& id, const std::string& since,
                                    const Manifest* since_manifest) {
    ViewSpec spec{id, since, ViewMode::kRead};
    auto target = volumes_.open_view(volume_id, volumes_.path(volume_id), spec);
    EXPECT_TRUE(target.ok()) << target.error().message;
    auto disk = NbdDisk::connect(target.value());
    EXPECT_TRUE(disk.ok()) << disk.error().message;
    CountingSource counting(*disk.value());
    auto manifest = copy_blocks(counting, store_, since_manifest, nullptr);
    EXPECT_TRUE(manifest.ok()) << manifest.error().message;
    disk.value().reset();
    EXPECT_TRUE(volumes_.close_view(volume_id, spec, true).ok());
    return {manifest.value(), counting.reads};
  }

  // Fills the disk of `volume_id` with snapshot `id` (its `manifest`), as a volume made from it.
  void fill(const std::string& volume_id, const std::string& id, const Manifest& manifest) {
    ViewSpec spec{id, id, ViewMode::kFill};
    auto target = volumes_.open_view(volume_id, volumes_.path(volume_id), spec);
    ASSERT_TRUE(target.ok()) << target.error().message;
    {
      auto disk = NbdDisk::connect(target.value());
      ASSERT_TRUE(disk.ok());
      ASSERT_TRUE(restore_blocks(manifest, store_, *disk.value(), nullptr).ok());
      ASSERT_TRUE(disk.value()->flush().ok());
    }
    ASSERT_TRUE(volumes_.close_view(volume_id, spec, true).ok());
  }

  compute::SpawnProcessRunner runner_;
  TempDir dir_;
  QcowVolumeDriver volumes_;
  DirectoryBlockStore store_;
};

TEST_F(DiskViewTest, SnapshotsReadOnlyChangedBlocksAndRestoreExactly) {
  ASSERT_TRUE(volumes_.create("vol-a", 1, "").ok());
  write("vol-a", 0, 4 << 20, 0xaa);           // blocks 0-7
  write("vol-a", 100 << 20, 1 << 20, 0xbb);   // blocks 200-201
  auto [first, first_reads] = snapshot("vol-a", "snap-1", "", nullptr);
  EXPECT_EQ(first_reads, 10);  // zeros are not read
  EXPECT_EQ(first.blocks.size(), 10u);

  write("vol-a", 2 << 20, 4096, 0xcc);        // block 4
  write("vol-a", 500 << 20, 4096, 0xdd);      // block 1000
  auto [second, second_reads] = snapshot("vol-a", "snap-2", "snap-1", &first);
  EXPECT_EQ(second_reads, 2);
  EXPECT_EQ(second.blocks.size(), 11u);
  EXPECT_EQ(second.blocks.at(0), first.blocks.at(0));
  EXPECT_NE(second.blocks.at(4), first.blocks.at(4));

  // A restore into a new disk (bigger, as a volume made from a snapshot may be).
  ASSERT_TRUE(volumes_.create("vol-b", 2, "").ok());
  fill("vol-b", "snap-2", second);
  ASSERT_TRUE(volumes_.grow("vol-a", 2).ok());
  EXPECT_EQ(runner_.run({"qemu-img", "compare", "-q", volumes_.path("vol-a").string(), volumes_.path("vol-b").string()}),
            0);
  // The restored disk counts its changes from the snapshot it came from.
  write("vol-b", 0, 4096, 0xee);
  auto [third, third_reads] = snapshot("vol-b", "snap-3", "snap-2", &second);
  EXPECT_EQ(third_reads, 1);
  EXPECT_EQ(third.blocks.size(), 11u);
}

TEST_F(DiskViewTest, AFailedSnapshotLeavesTheNextOneCountingFromTheLastGoodOne) {
  ASSERT_TRUE(volumes_.create("vol-a", 1, "").ok());
  write("vol-a", 0, 8 << 20, 0x11);
  auto [first, first_reads] = snapshot("vol-a", "snap-1", "", nullptr);
  EXPECT_EQ(first_reads, 16);
  write("vol-a", 1 << 20, 4096, 0x22);  // block 2
  ViewSpec failed{"snap-2", "snap-1", ViewMode::kRead};
  ASSERT_TRUE(volumes_.open_view("vol-a", volumes_.path("vol-a"), failed).ok());
  ASSERT_TRUE(volumes_.close_view("vol-a", failed, /*taken=*/false).ok());
  write("vol-a", 3 << 20, 4096, 0x33);  // block 6, written after the failed attempt
  auto [third, third_reads] = snapshot("vol-a", "snap-3", "snap-1", &first);
  EXPECT_EQ(third_reads, 2);  // both changes since snap-1, whichever bitmap saw them
  EXPECT_NE(third.blocks.at(2), first.blocks.at(2));
  EXPECT_NE(third.blocks.at(6), first.blocks.at(6));
}

TEST_F(DiskViewTest, WithoutTheBitmapOfItsBaseASnapshotReadsEverything) {
  ASSERT_TRUE(volumes_.create("vol-a", 1, "").ok());
  write("vol-a", 0, 2 << 20, 0x11);
  auto [first, first_reads] = snapshot("vol-a", "snap-1", "", nullptr);
  ASSERT_EQ(runner_.run({"qemu-img", "bitmap", "--remove", volumes_.path("vol-a").string(), since_bitmap("snap-1")}), 0);
  auto [second, second_reads] = snapshot("vol-a", "snap-2", "snap-1", &first);
  EXPECT_EQ(second_reads, 4);
  EXPECT_EQ(second.blocks, first.blocks);
}

// A warm pool's state over an AMI's disk goes onto a volume filled from the AMI's snapshot
// (reconciler::VolumeReconciler::root_disk): the volume then reads as the layer does, and its
// next snapshot reads what the layer wrote.
TEST_F(DiskViewTest, ALayerPutOntoAFilledDiskCountsAsWrittenSinceItsSnapshot) {
  ASSERT_TRUE(volumes_.create("vol-a", 1, "").ok());
  write("vol-a", 0, 4 << 20, 0x11);  // blocks 0-7
  auto [first, first_reads] = snapshot("vol-a", "snap-1", "", nullptr);
  ASSERT_TRUE(volumes_.create("vol-b", 1, "").ok());
  fill("vol-b", "snap-1", first);

  // The AMI's disk (the same blocks), and a layer over it that recorded its own writes.
  const std::string ami = (dir_.path() / "ami.qcow2").string(), layer = (dir_.path() / "layer.qcow2").string();
  ASSERT_EQ(runner_.run({"cp", volumes_.path("vol-b").string(), ami}), 0);
  ASSERT_EQ(runner_.run({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", ami, layer, "1G"}), 0);
  ASSERT_EQ(runner_.run({"qemu-img", "bitmap", "--add", "--granularity", std::to_string(kBlockSize), layer, "warm-writes"}),
            0);
  for (const char* command : {"write -P 0x22 1572864 4096", "write -P 0x33 314572800 4096"}) {  // blocks 3 and 600
    ASSERT_EQ(runner_.run({"qemu-io", "-c", command, layer}, /*quiet=*/true), 0);
  }

  ASSERT_TRUE(volumes_.apply_layer("vol-b", layer, "warm-writes", "snap-1").ok());
  EXPECT_EQ(runner_.run({"qemu-img", "compare", "-q", layer, volumes_.path("vol-b").string()}), 0);
  EXPECT_FALSE(fs::exists(dir_.path() / "volumes" / "vol-b.layer.qcow2"));
  auto [second, second_reads] = snapshot("vol-b", "snap-2", "snap-1", &first);
  EXPECT_EQ(second_reads, 2);
  EXPECT_EQ(second.blocks.size(), 9u);
  EXPECT_NE(second.blocks.at(3), first.blocks.at(3));
  // The layer is as it was: still over the AMI's disk, which the next launch's copy reads.
  EXPECT_EQ(runner_.run({"qemu-img", "compare", "-q", layer, volumes_.path("vol-b").string()}), 0);
}

}  // namespace
}  // namespace stratus::block
