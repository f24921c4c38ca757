// WarmPool with a fake VM driver and fake commands (no QEMU, no root): a state is made in the
// background on first demand, from a warm boot of the layout's devices, and found afterwards; a
// failed warm boot leaves nothing and is not retried; states beyond the limit are forgotten,
// least recently used first.

#include "compute/warm_pool.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace stratus::compute {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kUuidAt = 4096;  // where a fake warm boot's RAM names its SMBIOS UUID

// Records commands; all succeed (cp copies its source, or writes its destination when there is
// none) unless `failing`.
class FakeRunner : public ProcessRunner {
 public:
  int run(const std::vector<std::string>& argv, bool) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(argv);
    if (failing) return 1;
    if (argv[0] == "cp" && fs::exists(argv[argv.size() - 2])) {
      fs::copy_file(argv[argv.size() - 2], argv.back(), fs::copy_options::overwrite_existing);
    } else if (argv[0] == "cp") {
      std::ofstream(argv.back()) << "qcow2";
    }
    return 0;
  }
  // Whether a recorded command starts with `prefix`.
  bool ran(const std::vector<std::string>& prefix) {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& argv : calls) {
      if (argv.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), argv.begin())) return true;
    }
    return false;
  }
  std::mutex mu;
  std::vector<std::vector<std::string>> calls;
  bool failing = false;
};

// A VM driver whose warm boots write a console log and their SMBIOS UUID into their RAM file at
// kUuidAt, and whose saves write the state file.
class FakeWarmVms : public VmDriver {
 public:
  Result<bool> start(const VmSpec& spec, const std::string& netns) override {
    started.push_back(spec);
    netnses.push_back(netns);
    std::ofstream(spec.run_dir + "/console.log") << "login:";
    if (!spec.ram_file.empty()) std::ofstream(spec.ram_file) << std::string(kUuidAt, '\0') << spec.smbios_uuid;
    return true;
  }
  Result<bool> save(const std::string&, const std::string& state_file) override {
    std::ofstream(state_file) << "state";
    return true;
  }
  std::string machine(const std::string&) override { return "tcg test"; }
  Result<bool> await_agent(const std::string&, int) override {
    if (agent_silent) return ApiError{"InternalError", "the guest agent did not say it was ready"};
    return true;
  }
  Result<bool> tell_identity(const std::string&, const nlohmann::json&) override { return true; }
  bool running(const std::string&) override { return false; }
  Result<bool> power_down(const std::string&) override { return true; }
  Result<bool> press_ctrl_alt_del(const std::string&) override { return true; }
  Result<bool> reset(const std::string&) override { return true; }
  Result<bool> kill(const std::string& run_dir) override {
    killed.push_back(run_dir);
    return true;
  }
  Result<std::set<int>> nics(const std::string&) override { return std::set<int>{}; }
  Result<bool> plug_nic(const std::string&, const NicSpec&) override { return true; }
  Result<bool> unplug_nic(const std::string&, int) override { return true; }
  Result<bool> grow_disk(const std::string&, const std::string&, int64_t) override { return true; }
  Result<std::set<std::string>> disks(const std::string&) override { return std::set<std::string>{}; }
  Result<bool> plug_disk(const std::string&, const DiskSpec&) override { return true; }
  Result<bool> unplug_disk(const std::string&, const std::string&) override { return true; }
  Result<block::NbdExport> open_view(const std::string&, const std::string&, const block::ViewSpec&) override {
    return ApiError{"InternalError", "no views here"};
  }
  Result<bool> close_view(const std::string&, const std::string&, const block::ViewSpec&, bool) override {
    return true;
  }
  Result<bool> pause(const std::string&) override { return true; }
  Result<bool> resume(const std::string&) override { return true; }

  std::vector<VmSpec> started;
  std::vector<std::string> netnses;
  std::vector<std::string> killed;
  bool agent_silent = false;
};

class WarmPoolTest : public ::testing::Test {
 protected:
  WarmPoolTest() : dir_("warm-pool-test") {
    fs::create_directories(dir_.path() / "image");
    fs::create_directories(dir_.path() / "run");
  }
  WarmLayout layout(int64_t memory_mib = 1024) {
    WarmLayout l;
    l.image_disk = (dir_.path() / "image" / "disk.qcow2").string();
    l.boot_dir = (dir_.path() / "image").string();
    l.vcpus = 1;
    l.memory_mib = memory_mib;
    l.root_gib = 8;
    l.nic_slots = 2;
    l.machine = "tcg test";
    return l;
  }
  TempDir dir_;
  FakeRunner runner_;
  FakeWarmVms vms_;
};

TEST(WarmKey, NamesEveryPartOfTheLayout) {
  WarmLayout base;
  base.image_disk = "/images/a/disk.qcow2";
  base.machine = "tcg 7.2";
  EXPECT_EQ(warm_key(base), warm_key(base));
  EXPECT_EQ(warm_key(base).size(), 16u);
  std::vector<WarmLayout> changed(8, base);
  changed[0].image_disk = "/images/b/disk.qcow2";
  changed[1].boot_dir = "/images/b";
  changed[2].vcpus = 2;
  changed[3].memory_mib = 1024;
  changed[4].root_gib = 20;
  changed[5].nic_slots = 3;
  changed[6].disk_slots = 4;
  changed[7].machine = "kvm 7.2";
  for (const WarmLayout& other : changed) EXPECT_NE(warm_key(other), warm_key(base));
}

TEST_F(WarmPoolTest, MakesAStateInTheBackgroundOnFirstDemandAndFindsItThen) {
  WarmPool pool(vms_, runner_, 2, dir_.path() / "run");
  EXPECT_EQ(pool.find(layout()), std::nullopt);
  pool.wait_idle();
  auto state = pool.find(layout());
  ASSERT_TRUE(state);
  EXPECT_EQ(state->dir, dir_.path() / "image" / "warm" / warm_key(layout()));
  EXPECT_TRUE(fs::exists(state->state()));
  EXPECT_TRUE(fs::exists(state->ram()));
  EXPECT_EQ(state->uuid_spots(), (std::vector<UuidSpot>{{kUuidAt, UuidForm::kLowerText}}));
  EXPECT_TRUE(fs::exists(state->console()));
  EXPECT_TRUE(fs::exists(state->dir / "layout.json"));
  // The warm boot: the layout's devices, one NIC on a tap alone in a namespace of its own, the
  // identity port, and the agent's switch on the kernel command line.
  ASSERT_EQ(vms_.started.size(), 1u);
  const VmSpec& warm = vms_.started[0];
  EXPECT_EQ(warm.cmdline, std::string(kKernelCmdline) + " stratus.warm=1");
  EXPECT_TRUE(warm.identity_port);
  EXPECT_TRUE(warm.background);  // below the instances
  EXPECT_EQ(warm.incoming, "");
  // Its RAM is a file on tmpfs, kept as the state's RAM after the save, then deleted.
  EXPECT_EQ(fs::path(warm.ram_file).parent_path(), fs::path(kGuestRamDir));
  EXPECT_TRUE(runner_.ran({"cp", "--sparse=always", warm.ram_file, (fs::path(warm.root_disk).parent_path() / "ram.img").string()}));
  EXPECT_EQ(warm.memory_mib, 1024);
  EXPECT_EQ(warm.nic_slots, 2);
  ASSERT_EQ(warm.nics.size(), 1u);
  EXPECT_EQ(warm.root_disk, (dir_.path() / "image" / "warm" / (warm_key(layout()) + ".new") / "disk.qcow2").string());
  EXPECT_TRUE(runner_.ran({"ip", "netns", "add", vms_.netnses[0]}));
  EXPECT_TRUE(runner_.ran({"ip", "-n", vms_.netnses[0], "tuntap", "add", "dev", warm.nics[0].tap}));
  EXPECT_TRUE(runner_.ran({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", layout().image_disk,
                           warm.root_disk, "8G"}));
  EXPECT_TRUE(runner_.ran({"qemu-img", "bitmap", "--add"}));
  // Nothing of the warm boot is left running.
  EXPECT_TRUE(runner_.ran({"ip", "netns", "del", vms_.netnses[0]}));
  EXPECT_EQ(vms_.killed, std::vector<std::string>{warm.run_dir});
  EXPECT_FALSE(fs::exists(warm.run_dir));
  EXPECT_FALSE(fs::exists(warm.ram_file));
}

TEST_F(WarmPoolTest, AFailedWarmBootLeavesNothingAndIsNotRetried) {
  vms_.agent_silent = true;
  WarmPool pool(vms_, runner_, 2, dir_.path() / "run");
  EXPECT_EQ(pool.find(layout()), std::nullopt);
  pool.wait_idle();
  EXPECT_EQ(pool.find(layout()), std::nullopt);
  pool.wait_idle();
  EXPECT_EQ(vms_.started.size(), 1u);
  EXPECT_EQ(vms_.killed.size(), 1u);
  EXPECT_FALSE(fs::exists(vms_.started[0].ram_file));
  EXPECT_TRUE(runner_.ran({"ip", "netns", "del"}));
  EXPECT_FALSE(fs::exists(dir_.path() / "image" / "warm" / warm_key(layout())));
  EXPECT_FALSE(fs::exists(dir_.path() / "image" / "warm" / (warm_key(layout()) + ".new")));
}

TEST_F(WarmPoolTest, ForgetsTheLeastRecentlyUsedStatesBeyondItsSize) {
  WarmPool pool(vms_, runner_, 2, dir_.path() / "run");
  for (int64_t memory : {512, 1024}) {
    pool.find(layout(memory));
    pool.wait_idle();
  }
  ASSERT_TRUE(pool.find(layout(512)));  // used last: kept
  pool.find(layout(2048));
  pool.wait_idle();
  EXPECT_TRUE(pool.find(layout(2048)));
  EXPECT_TRUE(pool.find(layout(512)));
  EXPECT_FALSE(fs::exists(dir_.path() / "image" / "warm" / warm_key(layout(1024))));
}

TEST_F(WarmPoolTest, SizeZeroMakesNothing) {
  WarmPool pool(vms_, runner_, 0, dir_.path() / "run");
  EXPECT_EQ(pool.find(layout()), std::nullopt);
  pool.wait_idle();
  EXPECT_TRUE(vms_.started.empty());
}

TEST_F(WarmPoolTest, AnAmiSnapshotGetsADiskCopiedOnceWhoseStatesGoWithTheSnapshot) {
  WarmPool pool(vms_, runner_, 2, dir_.path() / "run", dir_.path() / "snapshots");
  fs::path disk = pool.snapshot_disk("snap-1", "/volumes/vol-1.qcow2");
  EXPECT_EQ(disk, dir_.path() / "snapshots" / "snap-1" / "disk.qcow2");
  EXPECT_TRUE(fs::exists(disk));
  EXPECT_TRUE(runner_.ran({"cp", "--sparse=always", "--reflink=auto", "/volumes/vol-1.qcow2", disk.string() + ".new"}));
  EXPECT_EQ(pool.snapshot_disk("snap-1", "/volumes/vol-2.qcow2"), disk);  // made already
  EXPECT_EQ(runner_.calls.size(), 1u);
  // Its states lie beside it, as an image's do.
  WarmLayout over_snapshot = layout();
  over_snapshot.image_disk = disk.string();
  pool.find(over_snapshot);
  pool.wait_idle();
  ASSERT_TRUE(pool.find(over_snapshot));
  EXPECT_EQ(pool.find(over_snapshot)->dir, disk.parent_path() / "warm" / warm_key(over_snapshot));

  runner_.failing = true;  // a copy that fails leaves no disk
  EXPECT_EQ(pool.snapshot_disk("snap-2", "/volumes/vol-3.qcow2"), fs::path());
  EXPECT_FALSE(fs::exists(dir_.path() / "snapshots" / "snap-2" / "disk.qcow2"));
  EXPECT_FALSE(fs::exists(dir_.path() / "snapshots" / "snap-2" / "disk.qcow2.new"));

  fs::create_directories(dir_.path() / "snapshots" / "snap-3");
  pool.forget_snapshots([](const std::string& id) { return id == "snap-3"; });
  EXPECT_FALSE(fs::exists(disk.parent_path()));
  EXPECT_TRUE(fs::exists(dir_.path() / "snapshots" / "snap-3"));
}

TEST_F(WarmPoolTest, WithoutASnapshotsRootOrWhenOffAmisGetNoDisk) {
  WarmPool without_root(vms_, runner_, 2, dir_.path() / "run");
  EXPECT_EQ(without_root.snapshot_disk("snap-1", "/volumes/vol-1.qcow2"), fs::path());
  WarmPool off(vms_, runner_, 0, dir_.path() / "run", dir_.path() / "snapshots");
  EXPECT_EQ(off.snapshot_disk("snap-1", "/volumes/vol-1.qcow2"), fs::path());
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(WarmPoolTest, OnlyImagesThatSayTheyHaveTheAgentAreWarmed) {
  fs::path image = dir_.path() / "image";
  EXPECT_FALSE(image_has_warm_agent(image));
  std::ofstream(image / "image.json") << R"({"name": "old", "size": "4G"})";
  EXPECT_FALSE(image_has_warm_agent(image));
  std::ofstream(image / "image.json") << R"({"name": "new", "size": "4G", "warm_agent": true})";
  EXPECT_TRUE(image_has_warm_agent(image));
}

}  // namespace
}  // namespace stratus::compute
