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

}  // namespace
}  // namespace stratus::block
