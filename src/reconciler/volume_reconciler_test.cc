// VolumeReconciler with fake disks and VMs (no QEMU, no root): disks are made, grown and
// removed as the records ask, attachments are hot-plugged and unplugged, a disk a snapshot job
// holds waits, and an instance's termination deletes or frees its volumes.

#include "reconciler/volume_reconciler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <tuple>

#include "common/temp_dir.h"
#include "model/instance.h"
#include "model/snapshot.h"
#include "reconciler/fake_drivers.h"
#include "store/sqlite_store.h"

namespace stratus::reconciler {
namespace {

using model::AttachmentState;
using model::VolumeState;

class VolumeReconcilerTest : public ::testing::Test {
 protected:
  VolumeReconcilerTest()
      : dir_("volume-reconciler-test"),
        store_((dir_.path() / "db").string()),
        blocks_(dir_.path() / "blocks"),
        manifests_(dir_.path() / "manifests"),
        snapshots_(store_, disks_, vms_, blocks_, manifests_,
                   [this](const block::NbdExport&) {
                     return Result<std::unique_ptr<block::BlockDevice>>(
                         std::unique_ptr<block::BlockDevice>(new fakes::MemoryDevice()));
                   }),
        volumes_(store_, disks_, vms_, snapshots_) {}

  // Records volume `id` of 1 GiB in `state`, attached to instance i-1 at `device` when given.
  model::Volume put(const std::string& id, VolumeState state, const std::string& device = "",
                    AttachmentState attachment = AttachmentState::kAttached, bool delete_on_termination = false) {
    model::Volume v;
    v.spec.volume_id = id;
    v.spec.size_gib = 1;
    v.status.state = state;
    v.status.attachment = attachment;
    if (!device.empty()) v.spec.attachment = model::VolumeAttachment{"i-1", device, "", delete_on_termination};
    write(v);
    return v;
  }
  void write(const model::Volume& v) {
    auto txn = store_.begin_write();
    txn->put({v.spec.volume_id, "volume", "us-east-1", model::volume_doc(v)});
    txn->commit();
  }
  std::optional<model::Volume> get(const std::string& id) {
    auto txn = store_.begin_read();
    auto record = txn->get(id);
    return record ? std::optional<model::Volume>(model::volume_from_doc(record->doc)) : std::nullopt;
  }
  // Instance i-1's VM runs in run/i-1 with its root volume at /dev/xvda.
  static std::optional<VolumeReconciler::RunningVm> vm_of(const std::string& instance_id) {
    if (instance_id != "i-1") return std::nullopt;
    return VolumeReconciler::RunningVm{"run/i-1", "/dev/xvda"};
  }

  TempDir dir_;
  store::SqliteStore store_;
  block::DirectoryBlockStore blocks_;
  block::ManifestStore manifests_;
  fakes::FakeVolumeDriver disks_;
  fakes::FakeVmDriver vms_;
  SnapshotReconciler snapshots_;
  VolumeReconciler volumes_;
};

TEST_F(VolumeReconcilerTest, MakesAnEmptyDiskThenDeletesItAndTheRecord) {
  put("vol-1", VolumeState::kCreating);
  volumes_.reconcile_disks(vm_of);
  EXPECT_EQ(get("vol-1")->status.state, VolumeState::kAvailable);
  EXPECT_EQ(disks_.sizes.at("vol-1"), 1);

  put("vol-1", VolumeState::kDeleting);
  volumes_.reconcile_disks(vm_of);
  EXPECT_FALSE(get("vol-1"));
  EXPECT_FALSE(disks_.exists("vol-1"));
}

TEST_F(VolumeReconcilerTest, ADiskThatCannotBeMadeIsAnErrorAndOneThatCannotGoStays) {
  disks_.refuse = true;
  put("vol-1", VolumeState::kCreating);
  volumes_.reconcile_disks(vm_of);
  EXPECT_EQ(get("vol-1")->status.state, VolumeState::kError);

  put("vol-2", VolumeState::kDeleting);
  volumes_.reconcile_disks(vm_of);
  EXPECT_EQ(get("vol-2")->status.state, VolumeState::kDeleting);  // tried again next pass
}

TEST_F(VolumeReconcilerTest, AVolumeBeingFilledFromItsSnapshotIsLeftToTheSnapshotReconciler) {
  model::Volume v = put("vol-1", VolumeState::kCreating);
  v.status.filled = false;
  v.spec.snapshot_id = "snap-1";
  write(v);
  volumes_.reconcile_disks(vm_of);
  EXPECT_EQ(get("vol-1")->status.state, VolumeState::kCreating);
  EXPECT_FALSE(disks_.exists("vol-1"));
  // Nor may a VM open it.
  v.status.state = VolumeState::kInUse;
  v.spec.attachment = model::VolumeAttachment{"i-1", "/dev/sdf", "", false};
  write(v);
  EXPECT_THROW(volumes_.boot_disks("us-east-1", "i-1", "/dev/xvda"), std::runtime_error);
}

TEST_F(VolumeReconcilerTest, GrowsADetachedDiskAsAFileAndAnAttachedOneInItsVm) {
  disks_.made = {"vol-1", "vol-2", "vol-3"};
  for (auto [id, state, device] : {std::tuple{"vol-1", VolumeState::kAvailable, ""},
                                   std::tuple{"vol-2", VolumeState::kInUse, "/dev/sdf"},
                                   std::tuple{"vol-3", VolumeState::kInUse, "/dev/xvda"}}) {
    model::Volume v = put(id, state, device);
    v.spec.size_gib = 4;
    v.status.modified = false;
    write(v);
  }
  volumes_.reconcile_disks(vm_of);
  EXPECT_EQ(disks_.sizes.at("vol-1"), 4);
  EXPECT_EQ(vms_.grown.at("run/i-1:vol-2"), int64_t{4} << 30);
  EXPECT_EQ(vms_.grown.at("run/i-1:root"), int64_t{4} << 30);  // the root volume's node
  for (const char* id : {"vol-1", "vol-2", "vol-3"}) {
    EXPECT_TRUE(get(id)->status.modified) << id;
    EXPECT_FALSE(get(id)->status.modified_time.empty()) << id;
  }
}

TEST_F(VolumeReconcilerTest, AHostActsOnTheDisksOfItsInstancesTheRegionServerOnTheRest) {
  // Instance i-1 is placed on host h-2 of a region of several hosts.
  model::Instance instance = model::instance_from_doc({{"InstanceId", "i-1"}, {"State", {{"Name", "running"}}}});
  instance.spec.host_id = "h-2";
  {
    auto txn = store_.begin_write();
    txn->put({"i-1", "instance", "us-east-1", model::instance_doc(instance)});
    txn->commit();
  }
  VolumeReconciler host(store_, disks_, vms_, snapshots_);
  host.set_host("h-2");
  put("vol-free", VolumeState::kCreating);
  model::Volume attached = put("vol-used", VolumeState::kInUse, "/dev/sdf");
  attached.spec.size_gib = 4;
  attached.status.modified = false;
  write(attached);
  disks_.made.insert("vol-used");

  volumes_.reconcile_disks(vm_of);  // the region's own server
  EXPECT_EQ(get("vol-free")->status.state, VolumeState::kAvailable);
  EXPECT_FALSE(get("vol-used")->status.modified);  // not the server's: i-1's VM is on h-2
  EXPECT_FALSE(vms_.grown.count("run/i-1:vol-used"));
  put("vol-free-2", VolumeState::kCreating);
  host.reconcile_disks(vm_of);
  EXPECT_TRUE(get("vol-used")->status.modified);
  EXPECT_EQ(vms_.grown.at("run/i-1:vol-used"), int64_t{4} << 30);
  EXPECT_EQ(get("vol-free-2")->status.state, VolumeState::kCreating);  // not the host's
}

TEST_F(VolumeReconcilerTest, HotPlugsAnAttachingVolumeAndUnplugsOnceTheGuestLetsGo) {
  disks_.made = {"vol-1"};
  put("vol-1", VolumeState::kInUse, "/dev/sdf", AttachmentState::kAttaching);
  volumes_.sync_attachments("us-east-1", "i-1", "run/i-1", true);
  EXPECT_EQ(vms_.plugged["run/i-1"], std::set<std::string>{"vol-1"});
  EXPECT_EQ(get("vol-1")->status.attachment, AttachmentState::kAttached);

  put("vol-1", VolumeState::kInUse, "/dev/sdf", AttachmentState::kDetaching);
  vms_.guest_lets_go = false;
  volumes_.sync_attachments("us-east-1", "i-1", "run/i-1", true);
  EXPECT_EQ(get("vol-1")->status.state, VolumeState::kInUse);
  vms_.guest_lets_go = true;
  volumes_.sync_attachments("us-east-1", "i-1", "run/i-1", true);
  EXPECT_EQ(get("vol-1")->status.state, VolumeState::kAvailable);
  EXPECT_TRUE(vms_.plugged["run/i-1"].empty());
}

TEST_F(VolumeReconcilerTest, AStoppedInstancesAttachmentsAreOnlyRecorded) {
  disks_.made = {"vol-1"};
  put("vol-1", VolumeState::kInUse, "/dev/sdf", AttachmentState::kAttaching);
  volumes_.sync_attachments("us-east-1", "i-1", "run/i-1", false);
  EXPECT_EQ(get("vol-1")->status.attachment, AttachmentState::kAttached);
  EXPECT_TRUE(vms_.plugged["run/i-1"].empty());
}

TEST_F(VolumeReconcilerTest, ADiskASnapshotHoldsIsPluggedOnlyAfterTheSnapshotReadIt) {
  disks_.made = {"vol-1"};
  put("vol-1", VolumeState::kAvailable);
  model::Snapshot s;
  s.spec.snapshot_id = "snap-1";
  s.spec.volume_id = "vol-1";
  s.spec.volume_size_gib = 1;
  {
    auto txn = store_.begin_write();
    txn->put({"snap-1", "snapshot", "us-east-1", model::snapshot_doc(s)});
    txn->commit();
  }
  auto offline = [](const model::Volume&) { return std::optional<SnapshotReconciler::OpenDisk>(); };
  snapshots_.reconcile(offline);  // the job now holds the disk until a later pass ends it
  ASSERT_TRUE(snapshots_.holds_disk("vol-1"));
  put("vol-1", VolumeState::kInUse, "/dev/sdf", AttachmentState::kAttaching);
  volumes_.sync_attachments("us-east-1", "i-1", "run/i-1", true);
  EXPECT_EQ(get("vol-1")->status.attachment, AttachmentState::kAttaching);
  EXPECT_TRUE(vms_.plugged["run/i-1"].empty());
  EXPECT_THROW(volumes_.boot_disks("us-east-1", "i-1", "/dev/xvda"), std::runtime_error);

  for (int i = 0; i < 200 && snapshots_.holds_disk("vol-1"); ++i) {
    snapshots_.reconcile(offline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  volumes_.sync_attachments("us-east-1", "i-1", "run/i-1", true);
  EXPECT_EQ(get("vol-1")->status.attachment, AttachmentState::kAttached);
  EXPECT_EQ(vms_.plugged["run/i-1"], std::set<std::string>{"vol-1"});
}

TEST_F(VolumeReconcilerTest, BootDisksAreTheDataVolumesInSlotsMadeWhenMissing) {
  put("vol-root", VolumeState::kInUse, "/dev/xvda");
  put("vol-a", VolumeState::kInUse, "/dev/sdf", AttachmentState::kAttaching);
  put("vol-b", VolumeState::kInUse, "/dev/sdg");
  put("vol-c", VolumeState::kInUse, "/dev/sdh", AttachmentState::kDetaching);
  std::vector<compute::DiskSpec> disks = volumes_.boot_disks("us-east-1", "i-1", "/dev/xvda");
  std::map<std::string, int> slots;
  for (const compute::DiskSpec& disk : disks) slots[disk.volume_id] = disk.slot;
  EXPECT_EQ(slots.size(), 2u);
  EXPECT_TRUE(slots.count("vol-a") && slots.count("vol-b"));
  EXPECT_NE(slots["vol-a"], slots["vol-b"]);
  EXPECT_TRUE(disks_.exists("vol-a") && disks_.exists("vol-b"));
  EXPECT_FALSE(disks_.exists("vol-root") || disks_.exists("vol-c"));
  EXPECT_EQ(get("vol-a")->status.attachment, AttachmentState::kAttached);
}

TEST_F(VolumeReconcilerTest, ARootDiskIsMadeOverItsImageOrTakenOverFromBefore) {
  model::Volume root = put("vol-root", VolumeState::kInUse, "/dev/xvda");
  root.spec.base_image = "ami-1";
  write(root);
  EXPECT_EQ(volumes_.root_disk("us-east-1", "i-1", "/dev/xvda", "/images/debian.qcow2", dir_.path() / "none"),
            "/fake/vol-root");
  EXPECT_EQ(disks_.bases.at("vol-root"), "/images/debian.qcow2");

  // An instance from before volumes were records: its disk file becomes the volume's.
  disks_.made.clear();
  std::filesystem::path before = dir_.path() / "root.qcow2";
  std::ofstream(before) << "disk";
  volumes_.root_disk("us-east-1", "i-1", "/dev/xvda", "/images/debian.qcow2", before);
  EXPECT_EQ(disks_.adopted.at("vol-root"), before.string());

  EXPECT_THROW(volumes_.root_disk("us-east-1", "i-2", "/dev/xvda", "/images/debian.qcow2", before),
               std::runtime_error);
}

TEST_F(VolumeReconcilerTest, ARestoredLaunchsRootDiskIsACopyOfTheStatesDiskCountingItsWrites) {
  model::Volume root = put("vol-root", VolumeState::kInUse, "/dev/xvda");
  root.spec.base_image = "ami-1";
  root.spec.snapshot_id = "snap-ami";
  root.spec.size_gib = 8;
  write(root);
  EXPECT_EQ(volumes_.fresh_root_gib("us-east-1", "i-1", "/dev/xvda"), 8);
  volumes_.root_disk("us-east-1", "i-1", "/dev/xvda", "/images/debian.qcow2", dir_.path() / "none",
                     "/warm/k/disk.qcow2");
  // The state's bitmap of the warm boot's writes becomes the count since the AMI's snapshot.
  EXPECT_EQ(disks_.copies.at("vol-root"), "/warm/k/disk.qcow2 warm-writes snap-ami");
  EXPECT_EQ(disks_.bases.count("vol-root"), 0u);
  // Its disk exists now: a later start is no first launch.
  EXPECT_EQ(volumes_.fresh_root_gib("us-east-1", "i-1", "/dev/xvda"), std::nullopt);
}

TEST_F(VolumeReconcilerTest, OnlyALaunchWithItsRootVolumeNotYetMadeIsFresh) {
  EXPECT_EQ(volumes_.fresh_root_gib("us-east-1", "i-1", "/dev/xvda"), std::nullopt);  // no root volume
  put("vol-data", VolumeState::kInUse, "/dev/sdf");
  EXPECT_EQ(volumes_.fresh_root_gib("us-east-1", "i-1", "/dev/xvda"), std::nullopt);
  // Data volumes beside it (plugged after a restore) keep it fresh.
  model::Volume root = put("vol-root", VolumeState::kInUse, "/dev/xvda");
  root.spec.base_image = "ami-1";
  write(root);
  EXPECT_EQ(volumes_.fresh_root_gib("us-east-1", "i-1", "/dev/xvda"), 1);
  // A root volume filled from a snapshot (a user's AMI) is not over a base image.
  model::Volume filled = put("vol-filled", VolumeState::kInUse, "");
  filled.spec.attachment = model::VolumeAttachment{"i-2", "/dev/xvda", "", true};
  write(filled);
  EXPECT_EQ(volumes_.fresh_root_gib("us-east-1", "i-2", "/dev/xvda"), std::nullopt);
}

TEST_F(VolumeReconcilerTest, ARootFilledFromAUsersAmiSnapshotTakesTheStatesLayerOntoItsDisk) {
  model::Volume root = put("vol-root", VolumeState::kInUse, "/dev/xvda");
  root.spec.snapshot_id = "snap-mine";
  root.spec.size_gib = 8;
  root.status.filled = false;
  write(root);
  disks_.made.insert("vol-root");
  EXPECT_FALSE(volumes_.snapshot_root("us-east-1", "i-1", "/dev/xvda"));  // still being filled
  root.status.filled = true;
  write(root);
  auto found = volumes_.snapshot_root("us-east-1", "i-1", "/dev/xvda");
  ASSERT_TRUE(found);
  EXPECT_EQ((std::tuple{found->snapshot_id, found->size_gib, found->disk}),
            (std::tuple{std::string("snap-mine"), int64_t{8}, std::filesystem::path("/fake/vol-root")}));
  // A restore puts the state's layer onto the filled disk; its writes count since the snapshot.
  volumes_.root_disk("us-east-1", "i-1", "/dev/xvda", "", dir_.path() / "none", "/amis/snap-mine/warm/k/disk.qcow2");
  EXPECT_EQ(disks_.layers.at("vol-root"), "/amis/snap-mine/warm/k/disk.qcow2 warm-writes snap-mine");
  // A boot (no state) leaves the disk as it is.
  disks_.layers.clear();
  volumes_.root_disk("us-east-1", "i-1", "/dev/xvda", "", dir_.path() / "none");
  EXPECT_TRUE(disks_.layers.empty());
  // Data volumes beside it (plugged after a restore) keep it such a root; one over the base
  // image is none.
  put("vol-data", VolumeState::kInUse, "/dev/sdf");
  EXPECT_TRUE(volumes_.snapshot_root("us-east-1", "i-1", "/dev/xvda"));
  model::Volume base = put("vol-base", VolumeState::kInUse, "");
  base.spec.attachment = model::VolumeAttachment{"i-2", "/dev/xvda", "", true};
  base.spec.base_image = "ami-1";
  base.spec.snapshot_id = "snap-ami";
  write(base);
  disks_.made.insert("vol-base");
  EXPECT_FALSE(volumes_.snapshot_root("us-east-1", "i-2", "/dev/xvda"));
}

TEST_F(VolumeReconcilerTest, TerminationDeletesOrFreesEachVolumeAsItsDeleteOnTerminationSays) {
  disks_.made = {"vol-root", "vol-kept"};
  put("vol-root", VolumeState::kInUse, "/dev/xvda", AttachmentState::kAttached, true);
  put("vol-kept", VolumeState::kInUse, "/dev/sdf", AttachmentState::kAttached, false);
  volumes_.release("us-east-1", "i-1", "/dev/xvda", dir_.path() / "none");
  EXPECT_FALSE(get("vol-root"));
  EXPECT_FALSE(disks_.exists("vol-root"));
  EXPECT_EQ(get("vol-kept")->status.state, VolumeState::kAvailable);
  EXPECT_TRUE(disks_.exists("vol-kept"));
}

}  // namespace
}  // namespace stratus::reconciler
