#include "compute/kvm_probe.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace stratus::compute {
namespace {

// Stands in for `timeout ... qemu-system-x86_64 ...`: writes `console` to the -serial file
// and exits with `status`.
class FakeQemu : public ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv, bool) override {
    calls.push_back(argv);
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "-serial") std::ofstream(argv[i + 1].substr(5)) << console;
    }
    return status;
  }
  std::vector<std::vector<std::string>> calls;
  std::string console;
  int status = 0;
};

TEST(KvmProbe, AGuestThatPrintsItsBannerAndPowersOffMeansKvmWorks) {
  TempDir dir("kvm-probe-test");
  FakeQemu qemu;
  qemu.console = "[    0.000000] Linux version 6.1.0-28-cloud-amd64\n...Kernel panic - not syncing: VFS\n";
  EXPECT_TRUE(kvm_boots_guest(qemu, "/images/vmlinuz", (dir.path() / "probe.log").string(), 5));
  const auto& argv = qemu.calls.at(0);
  EXPECT_EQ(argv[0], "timeout");
  EXPECT_EQ(argv[1], "--signal=KILL");
  EXPECT_EQ(argv[2], "5");
  EXPECT_NE(std::find(argv.begin(), argv.end(), "kvm"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "-no-reboot"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/images/vmlinuz"), argv.end());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "probe.log"));  // the probe cleans up
}

TEST(KvmProbe, AGuestKilledAtTheDeadlineMeansTcg) {
  TempDir dir("kvm-probe-test");
  FakeQemu qemu;
  qemu.status = 137;  // timeout's SIGKILL
  EXPECT_FALSE(kvm_boots_guest(qemu, "/images/vmlinuz", (dir.path() / "probe.log").string(), 5));
}

TEST(KvmProbe, AQemuThatExitsWithoutAGuestBannerMeansTcg) {
  TempDir dir("kvm-probe-test");
  FakeQemu qemu;
  qemu.console = "";
  EXPECT_FALSE(kvm_boots_guest(qemu, "/images/vmlinuz", (dir.path() / "probe.log").string(), 5));
}

TEST(KvmProbe, AcceleratorNames) {
  EXPECT_EQ(parse_accelerator("auto"), Accelerator::kAuto);
  EXPECT_EQ(parse_accelerator("kvm"), Accelerator::kKvm);
  EXPECT_EQ(parse_accelerator("tcg"), Accelerator::kTcg);
  EXPECT_FALSE(parse_accelerator("xen"));
}

}  // namespace
}  // namespace stratus::compute
