// SnapshotReconciler with fake disks and VMs (no QEMU, no root): snapshots are taken, retried
// and failed, images settle, volumes are filled, CreateImage's quiesce and CreateSnapshots'
// pause are asked of the VM driver, and garbage is collected.

#include "reconciler/snapshot_reconciler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "common/temp_dir.h"
#include "common/timestamp.h"
#include "model/image.h"
#include "reconciler/fake_drivers.h"
#include "store/sqlite_store.h"

namespace stratus::reconciler {
namespace {

using block::kBlockSize;
using nlohmann::json;

using fakes::FakeVmDriver;
using fakes::FakeVolumeDriver;
using fakes::MemoryDevice;

class SnapshotReconcilerTest : public ::testing::Test {
 protected:
  SnapshotReconcilerTest()
      : dir_("snapshot-reconciler-test"),
        store_((dir_.path() / "db").string()),
        blocks_(dir_.path() / "blocks"),
        manifests_(dir_.path() / "manifests"),
        reconciler_(store_, disks_, vms_, blocks_, manifests_, [this](const block::NbdExport& target) {
          // Every view of a volume shows that volume's in-memory disk.
          return Result<std::unique_ptr<block::BlockDevice>>(
              std::unique_ptr<block::BlockDevice>(new Shared(devices_[target.name])));
        }) {}

  // A view handed to a job: reads and writes go to the test's device.
  struct Shared : block::BlockDevice {
    explicit Shared(MemoryDevice& d) : device(d) {}
    MemoryDevice& device;
    int64_t size_bytes() override { return device.size_bytes(); }
    Result<std::vector<block::BlockHint>> hints() override { return device.hints(); }
    Result<std::string> read(int64_t index) override { return device.read(index); }
    Result<bool> write(int64_t index, const std::string& data) override { return device.write(index, data); }
    Result<bool> flush() override { return true; }
  };

  void put(const std::string& id, const std::string& kind, const json& doc) {
    auto txn = store_.begin_write();
    txn->put({id, kind, "us-east-1", doc});
    txn->commit();
  }
  std::optional<json> get(const std::string& id) {
    auto txn = store_.begin_read();
    auto record = txn->get(id);
    return record ? std::optional<json>(record->doc) : std::nullopt;
  }
  model::Volume volume(const std::string& id, model::VolumeState state) {
    model::Volume v;
    v.spec.volume_id = id;
    v.spec.size_gib = 1;
    v.status.state = state;
    return v;
  }
  model::Snapshot pending(const std::string& id, const std::string& volume_id) {
    model::Snapshot s;
    s.spec.snapshot_id = id;
    s.spec.volume_id = volume_id;
    s.spec.volume_size_gib = 1;
    s.spec.start_time = "2026-12-01T00:00:00.000Z";
    return s;
  }
  model::SnapshotState state_of(const std::string& id) { return model::snapshot_from_doc(*get(id)).status.state; }
  // Takes completed snapshot "snap-1" of available volume "vol-1" holding `blocks` (index -> data).
  void completed_snapshot(std::map<int64_t, std::string> blocks) {
    disks_.made.insert("vol-1");
    devices_["vol-1"].blocks = std::move(blocks);
    put("vol-1", "volume", model::volume_doc(volume("vol-1", model::VolumeState::kAvailable)));
    put("snap-1", "snapshot", model::snapshot_doc(pending("snap-1", "vol-1")));
    pass_until([&] { return state_of("snap-1") == model::SnapshotState::kCompleted; });
    ASSERT_EQ(state_of("snap-1"), model::SnapshotState::kCompleted);
  }
  // Runs passes until `done` or two seconds went by.
  void pass_until(const std::function<bool()>& done, const SnapshotReconciler::DiskLookup& lookup = nullptr) {
    SnapshotReconciler::DiskLookup use = lookup;
    if (!use) use = [](const model::Volume&) { return std::optional<SnapshotReconciler::OpenDisk>(); };
    for (int i = 0; i < 200 && !done(); ++i) {
      reconciler_.reconcile(use);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  TempDir dir_;
  store::SqliteStore store_;
  block::DirectoryBlockStore blocks_;
  block::ManifestStore manifests_;
  FakeVolumeDriver disks_;
  FakeVmDriver vms_;
  std::map<std::string, MemoryDevice> devices_;
  SnapshotReconciler reconciler_;
};

TEST_F(SnapshotReconcilerTest, AFillWhoseFinishThrewIsStartedAgain) {
  completed_snapshot({{0, std::string(kBlockSize, 'a')}});
  if (HasFatalFailure()) return;

  model::Volume restored = volume("vol-2", model::VolumeState::kCreating);
  restored.spec.snapshot_id = "snap-1";
  restored.status.filled = false;
  put("vol-2", "volume", model::volume_doc(restored));
  // The fill's own finish fails, as a store write could (its start closes a stale view first).
  disks_.close_view_throws_at = disks_.close_views + 2;
  bool threw = false;
  for (int i = 0; i < 200 && !model::volume_from_doc(*get("vol-2")).status.filled; ++i) {
    try {
      reconciler_.reconcile([](const model::Volume&) { return std::optional<SnapshotReconciler::OpenDisk>(); });
    } catch (const std::exception&) {
      threw = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(threw);
  model::Volume filled = model::volume_from_doc(*get("vol-2"));
  EXPECT_TRUE(filled.status.filled);
  EXPECT_EQ(filled.status.state, model::VolumeState::kAvailable);
  EXPECT_EQ(devices_["vol-2"].blocks.at(0), std::string(kBlockSize, 'a'));
}

TEST_F(SnapshotReconcilerTest, TakesASnapshotThenFillsAVolumeFromIt) {
  completed_snapshot({{0, std::string(kBlockSize, 'a')}, {7, std::string(kBlockSize, 'b')}});
  if (HasFatalFailure()) return;
  EXPECT_EQ(model::snapshot_from_doc(*get("snap-1")).status.progress, 100);
  // A first snapshot adds every block it holds (what it is billed for).
  EXPECT_EQ(model::snapshot_from_doc(*get("snap-1")).status.added_bytes, static_cast<int64_t>(2 * kBlockSize));
  EXPECT_EQ(manifests_.read("snap-1").value().blocks.size(), 2u);
  EXPECT_EQ(blocks_.count(), 2u);
  EXPECT_EQ(disks_.closed_taken, 1);

  model::Volume restored = volume("vol-2", model::VolumeState::kCreating);
  restored.spec.snapshot_id = "snap-1";
  restored.status.filled = false;
  put("vol-2", "volume", model::volume_doc(restored));
  pass_until([&] { return model::volume_from_doc(*get("vol-2")).status.filled; });
  model::Volume filled = model::volume_from_doc(*get("vol-2"));
  EXPECT_TRUE(filled.status.filled);
  EXPECT_EQ(filled.status.state, model::VolumeState::kAvailable);
  EXPECT_EQ(devices_["vol-2"].blocks, devices_["vol-1"].blocks);

  // Deleted: its manifest and blocks go.
  {
    auto txn = store_.begin_write();
    txn->erase("snap-1");
    txn->commit();
  }
  pass_until([&] { return blocks_.count() == 0; });
  EXPECT_FALSE(manifests_.exists("snap-1"));
  EXPECT_EQ(blocks_.count(), 0u);
}

TEST_F(SnapshotReconcilerTest, EndsInErrorAfterThreeFailedAttempts) {
  disks_.made.insert("vol-1");
  disks_.refuse = true;
  put("vol-1", "volume", model::volume_doc(volume("vol-1", model::VolumeState::kAvailable)));
  put("snap-1", "snapshot", model::snapshot_doc(pending("snap-1", "vol-1")));
  pass_until([&] { return state_of("snap-1") == model::SnapshotState::kError; });
  EXPECT_EQ(state_of("snap-1"), model::SnapshotState::kError);
  EXPECT_EQ(disks_.opened, 3);
  EXPECT_NE(model::snapshot_from_doc(*get("snap-1")).status.state_message.find("refused"), std::string::npos);
  EXPECT_FALSE(manifests_.exists("snap-1"));
}

TEST_F(SnapshotReconcilerTest, ASnapshotBeingWrittenEndsInErrorAfterItsTimeoutWithoutWrites) {
  model::Snapshot idle = pending("snap-1", "vol-ffffffff");
  idle.spec.direct = true;
  idle.spec.timeout_minutes = 10;
  model::Snapshot busy = idle;
  busy.spec.snapshot_id = "snap-2";
  idle.spec.start_time = format_iso8601(unix_now() - 11 * 60);
  busy.spec.start_time = idle.spec.start_time;
  put("snap-1", "snapshot", model::snapshot_doc(idle));
  put("snap-2", "snapshot", model::snapshot_doc(busy));
  ASSERT_TRUE(manifests_.begin_partial("snap-2", {1 << 30, {}}).ok());  // written to just now
  reconciler_.reconcile([](const model::Volume&) { return std::optional<SnapshotReconciler::OpenDisk>(); });
  EXPECT_EQ(state_of("snap-1"), model::SnapshotState::kError);
  EXPECT_NE(model::snapshot_from_doc(*get("snap-1")).status.state_message.find("10 minutes"), std::string::npos);
  EXPECT_EQ(state_of("snap-2"), model::SnapshotState::kPending);
}

TEST_F(SnapshotReconcilerTest, AnImageIsAvailableOnceItsSnapshotsAreAndFailsWithOne) {
  disks_.made.insert("vol-1");
  put("vol-1", "volume", model::volume_doc(volume("vol-1", model::VolumeState::kAvailable)));
  put("snap-1", "snapshot", model::snapshot_doc(pending("snap-1", "vol-1")));
  for (const char* id : {"ami-1", "ami-2"}) {
    model::Image image;
    image.api = {{"ImageId", id},
                 {"BlockDeviceMappings", {{{"DeviceName", "/dev/xvda"},
                                           {"Ebs", {{"SnapshotId", std::string(id) == "ami-1" ? "snap-1" : "snap-9"}}}}}}};
    put(id, "image", model::image_doc(image));
  }
  pass_until([&] { return model::image_from_doc(*get("ami-1")).status.state != model::ImageState::kPending; });
  EXPECT_EQ(model::image_from_doc(*get("ami-1")).status.state, model::ImageState::kAvailable);
  model::Image failed = model::image_from_doc(*get("ami-2"));
  EXPECT_EQ(failed.status.state, model::ImageState::kFailed);
  EXPECT_NE(failed.status.state_reason.find("snap-9"), std::string::npos);
}

TEST_F(SnapshotReconcilerTest, CreateImagesRebootWaitsForTheVmToGoDown) {
  disks_.made.insert("vol-1");
  model::Volume attached = volume("vol-1", model::VolumeState::kInUse);
  attached.spec.attachment = model::VolumeAttachment{"i-1", "/dev/xvda", "", true};
  put("vol-1", "volume", model::volume_doc(attached));
  model::Snapshot quiet = pending("snap-1", "vol-1");
  quiet.spec.quiesce = true;
  put("snap-1", "snapshot", model::snapshot_doc(quiet));
  bool vm_runs = true;
  auto lookup = [&](const model::Volume&) {
    return vm_runs ? std::optional<SnapshotReconciler::OpenDisk>(SnapshotReconciler::OpenDisk{"run/i-1", "root"})
                   : std::nullopt;
  };
  reconciler_.reconcile(lookup);
  reconciler_.reconcile(lookup);
  EXPECT_TRUE(reconciler_.wants_down("i-1"));
  EXPECT_TRUE(vms_.views.empty());  // not read while the guest runs
  EXPECT_EQ(disks_.opened, 0);
  vm_runs = false;  // the instance reconciler powered it down
  pass_until([&] { return state_of("snap-1") == model::SnapshotState::kCompleted; }, lookup);
  EXPECT_EQ(state_of("snap-1"), model::SnapshotState::kCompleted);
  EXPECT_EQ(disks_.opened, 1);  // read offline
  reconciler_.reconcile(lookup);
  EXPECT_FALSE(reconciler_.wants_down("i-1"));
}

TEST_F(SnapshotReconcilerTest, CreateSnapshotsPausesTheVmWhileItsViewsOpen) {
  for (const char* id : {"vol-1", "vol-2"}) {
    disks_.made.insert(id);
    model::Volume attached = volume(id, model::VolumeState::kInUse);
    attached.spec.attachment = model::VolumeAttachment{"i-1", std::string(id) == "vol-1" ? "/dev/xvda" : "/dev/sdf",
                                                       "", true};
    put(id, "volume", model::volume_doc(attached));
  }
  for (const char* id : {"snap-1", "snap-2"}) {
    model::Snapshot s = pending(id, std::string(id) == "snap-1" ? "vol-1" : "vol-2");
    s.spec.batch = "snap-1";
    put(id, "snapshot", model::snapshot_doc(s));
  }
  auto lookup = [](const model::Volume& v) {
    return std::optional<SnapshotReconciler::OpenDisk>(
        SnapshotReconciler::OpenDisk{"run/i-1", v.spec.volume_id == "vol-1" ? "root" : v.spec.volume_id});
  };
  reconciler_.reconcile(lookup);
  EXPECT_EQ(vms_.views, (std::vector<std::string>{"run/i-1:root", "run/i-1:vol-2"}));
  EXPECT_EQ(vms_.pauses, 1);
  EXPECT_EQ(vms_.resumes, 1);
}

}  // namespace
}  // namespace stratus::reconciler
