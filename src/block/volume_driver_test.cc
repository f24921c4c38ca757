#include "block/volume_driver.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace stratus::block {
namespace {

namespace fs = std::filesystem;

// Stands in for qemu-img: records the command and writes the file it names last but one.
class FakeQemuImg : public compute::ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv, bool) override {
    calls.push_back(argv);
    if (status == 0) std::ofstream(argv[argv.size() - 2]) << "qcow2";
    return status;
  }
  std::vector<std::vector<std::string>> calls;
  int status = 0;
};

TEST(QcowVolumeDriver, CreatesOverABaseOrEmptyOnceAndDeletes) {
  TempDir dir("volumes-test");
  FakeQemuImg qemu_img;
  QcowVolumeDriver volumes(qemu_img, dir.path() / "volumes");
  ASSERT_TRUE(volumes.create("vol-1", 8, "/images/debian/disk.qcow2").ok());
  ASSERT_EQ(qemu_img.calls.size(), 1u);
  EXPECT_EQ(qemu_img.calls[0],
            (std::vector<std::string>{"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b",
                                      "/images/debian/disk.qcow2", (dir.path() / "volumes/vol-1.qcow2.new").string(),
                                      "8G"}));
  EXPECT_TRUE(volumes.exists("vol-1"));
  EXPECT_EQ(volumes.path("vol-1"), dir.path() / "volumes/vol-1.qcow2");
  ASSERT_TRUE(volumes.create("vol-1", 8, "").ok());  // there already: nothing to do
  EXPECT_EQ(qemu_img.calls.size(), 1u);
  ASSERT_TRUE(volumes.create("vol-2", 100, "").ok());
  EXPECT_EQ(qemu_img.calls[1].size(), 7u);  // no backing file
  ASSERT_TRUE(volumes.remove("vol-1").ok());
  EXPECT_FALSE(volumes.exists("vol-1"));
  EXPECT_TRUE(volumes.remove("vol-1").ok());  // gone already
}

// A failed qemu-img leaves no disk that could pass for the volume's.
TEST(QcowVolumeDriver, FailedCreateLeavesNoDisk) {
  TempDir dir("volumes-test");
  FakeQemuImg qemu_img;
  qemu_img.status = 1;
  QcowVolumeDriver volumes(qemu_img, dir.path());
  EXPECT_FALSE(volumes.create("vol-1", 8, "").ok());
  EXPECT_FALSE(volumes.exists("vol-1"));
}

TEST(QcowVolumeDriver, AdoptsADiskMadeElsewhere) {
  TempDir dir("volumes-test");
  FakeQemuImg qemu_img;
  QcowVolumeDriver volumes(qemu_img, dir.path() / "volumes");
  fs::path old_disk = dir.path() / "root.qcow2";
  std::ofstream(old_disk) << "data";
  ASSERT_TRUE(volumes.adopt("vol-1", old_disk).ok());
  EXPECT_FALSE(fs::exists(old_disk));
  EXPECT_TRUE(volumes.exists("vol-1"));
  EXPECT_TRUE(qemu_img.calls.empty());
}

// Stands in for cp and qemu-img: records the command; cp writes its destination.
class FakeCopy : public compute::ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv, bool) override {
    calls.push_back(argv);
    if (argv[0] == "cp" && status == 0) std::ofstream(argv.back()) << "qcow2";
    return argv[0] == "cp" ? 0 : status;
  }
  std::vector<std::vector<std::string>> calls;
  int status = 0;  // of qemu-img
};

TEST(QcowVolumeDriver, CopiesADiskAndCarriesItsBitmapOverAsTheCountSinceASnapshot) {
  TempDir dir("volumes-test");
  FakeCopy runner;
  QcowVolumeDriver volumes(runner, dir.path());
  ASSERT_TRUE(volumes.copy("vol-1", "/warm/k/disk.qcow2", "warm-writes", "snap-1").ok());
  std::string made = (dir.path() / "vol-1.qcow2.new").string();
  ASSERT_EQ(runner.calls.size(), 3u);
  EXPECT_EQ(runner.calls[0],
            (std::vector<std::string>{"cp", "--sparse=always", "--reflink=auto", "/warm/k/disk.qcow2", made}));
  EXPECT_EQ(runner.calls[1], (std::vector<std::string>{"qemu-img", "bitmap", "--add", "--granularity",
                                                       std::to_string(kBlockSize), "--merge", "warm-writes", made,
                                                       since_bitmap("snap-1")}));
  EXPECT_EQ(runner.calls[2], (std::vector<std::string>{"qemu-img", "bitmap", "--remove", made, "warm-writes"}));
  EXPECT_TRUE(volumes.exists("vol-1"));
  ASSERT_TRUE(volumes.copy("vol-1", "/warm/k/disk.qcow2", "warm-writes", "snap-1").ok());  // there already
  EXPECT_EQ(runner.calls.size(), 3u);

  // A bitmap that cannot be carried over leaves no disk: its snapshots would miss blocks.
  runner.status = 1;
  EXPECT_FALSE(volumes.copy("vol-2", "/warm/k/disk.qcow2", "warm-writes", "snap-1").ok());
  EXPECT_FALSE(volumes.exists("vol-2"));
  EXPECT_FALSE(fs::exists(dir.path() / "vol-2.qcow2.new"));
}

}  // namespace
}  // namespace stratus::block
