"""EBS snapshots through boto3 and the aws CLI, on real disks: a volume's qcow2 disk is written
here with qemu-io (standing in for a guest; test_interface_hotplug snapshots a running guest's
disk), snapshotted through a qemu-storage-daemon view into the block store, restored into new
volumes in other zones and regions byte for byte. Incremental snapshots add only the blocks that
changed; deleting snapshots in any order reclaims exactly the blocks no survivor names; stray
blocks are swept at start-up; AWS's errors leave no trace. On a server whose AMI is a stand-in
(instances never boot)."""

import os
import unittest

from harness import StandInImageTestCase, uniq
from real_disks import MiB, RealDisks

MISSING_SNAPSHOT = "snap-0123456789abcdef0"


class SnapshotTest(RealDisks, StandInImageTestCase):

    def test_snapshot_then_volume_in_another_zone_holds_the_same_data(self):
        volume_id = self.new_volume()
        self.write(volume_id, 0, 4 * MiB, 0xaa)
        self.write(volume_id, 600 * MiB, MiB, 0xbb)
        tag = uniq("snap")
        snap = self.ec2.create_snapshot(VolumeId=volume_id, Description="before the move",
                                        TagSpecifications=[{"ResourceType": "snapshot",
                                                            "Tags": [{"Key": "Name", "Value": tag}]}])
        self.assertIdShape("snap", snap["SnapshotId"])
        self.assertEqual((snap["VolumeId"], snap["VolumeSize"], snap["Description"]), (volume_id, 1, "before the move"))
        self.assertIn(snap["State"], ("pending", "completed"))
        self.assertEqual(snap["Tags"], [{"Key": "Name", "Value": tag}])
        self.wait_snapshot(self.ec2, snap["SnapshotId"])
        done = self.ec2.describe_snapshots(SnapshotIds=[snap["SnapshotId"]])["Snapshots"][0]
        self.assertEqual(done["Progress"], "100%")
        self.assertEqual(done["OwnerId"], snap["OwnerId"])
        self.assertEqual(done["StorageTier"], "standard")
        self.assertIn("CompletionTime", done)

        # Found by its filters, by owner, by who may restore it.
        by_tag = self.ec2.describe_snapshots(Filters=[{"Name": "tag:Name", "Values": [tag]}])["Snapshots"]
        self.assertEqual([s["SnapshotId"] for s in by_tag], [snap["SnapshotId"]])
        mine = self.ec2.describe_snapshots(OwnerIds=["self"], Filters=[
            {"Name": "volume-id", "Values": [volume_id]}, {"Name": "status", "Values": ["completed"]}])["Snapshots"]
        self.assertEqual([s["SnapshotId"] for s in mine], [snap["SnapshotId"]])
        self.assertEqual(self.ec2.describe_snapshots(OwnerIds=["amazon"], Filters=[
            {"Name": "volume-id", "Values": [volume_id]}])["Snapshots"], [])
        restorable = self.ec2.describe_snapshots(RestorableByUserIds=["self"], SnapshotIds=[snap["SnapshotId"]])
        self.assertEqual(len(restorable["Snapshots"]), 1)

        # The volume made from it, in another zone, bigger, reads the same.
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.create_volume(AvailabilityZone="us-east-1b", SnapshotId=snap["SnapshotId"], Size=0)
        moved = self.new_volume(zone="us-east-1b", SnapshotId=snap["SnapshotId"], Size=2, VolumeType="gp3")
        described = self.ec2.describe_volumes(VolumeIds=[moved])["Volumes"][0]
        self.assertEqual((described["SnapshotId"], described["Size"], described["AvailabilityZone"]),
                         (snap["SnapshotId"], 2, "us-east-1b"))
        self.assertTrue(self.reads(moved, 0, 4 * MiB, 0xaa))
        self.assertTrue(self.reads(moved, 600 * MiB, MiB, 0xbb))
        self.assertTrue(self.reads(moved, 4 * MiB, MiB, 0))
        by_snapshot = self.ec2.describe_volumes(Filters=[{"Name": "snapshot-id", "Values": [snap["SnapshotId"]]}])
        self.assertEqual([v["VolumeId"] for v in by_snapshot["Volumes"]], [moved])
        # Size defaults to the snapshot's.
        same = self.new_volume(zone="us-east-1c", SnapshotId=snap["SnapshotId"])
        self.assertEqual(self.ec2.describe_volumes(VolumeIds=[same])["Volumes"][0]["Size"], 1)

        self.ec2.delete_snapshot(SnapshotId=snap["SnapshotId"])
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.describe_snapshots(SnapshotIds=[snap["SnapshotId"]])
        self.assertTrue(self.reads(moved, 0, 4 * MiB, 0xaa))  # volumes do not depend on it

    def test_incremental_snapshots_share_blocks_and_deletion_in_any_order_reclaims_them(self):
        volume_id = self.new_volume()
        base = self.stored_blocks()
        self.write(volume_id, 0, 16 * MiB, 0x11)  # 32 blocks of the same bytes: one stored block
        self.write(volume_id, 16 * MiB, 8 * MiB, 0x22)
        first = self.snapshot(volume_id)
        self.assertEqual(self.stored_blocks() - base, 2)
        self.write(volume_id, 512 * 1024 * 3, 4096, 0x33)  # one block changes
        self.write(volume_id, 900 * MiB, 4096, 0x44)  # one more is written
        second = self.snapshot(volume_id)
        self.assertEqual(self.stored_blocks() - base, 4)
        third = self.snapshot(volume_id)  # nothing changed: nothing new
        self.assertEqual(self.stored_blocks() - base, 4)

        self.ec2.delete_snapshot(SnapshotId=second["SnapshotId"])  # the middle one: the others stay whole
        self.wait_for(lambda: self.stored_blocks() - base == 4, 10, "blocks of the survivors went")
        self.ec2.delete_snapshot(SnapshotId=first["SnapshotId"])
        restored = self.new_volume(zone="us-east-1b", SnapshotId=third["SnapshotId"])
        self.assertTrue(self.reads(restored, 512 * 1024 * 3, 4096, 0x33))
        self.assertTrue(self.reads(restored, 0, 512 * 1024 * 3, 0x11))
        self.assertTrue(self.reads(restored, 900 * MiB, 4096, 0x44))
        # The first snapshot's blocks are all still named by the third (block 3's old bytes are
        # those of its neighbours): nothing of it could go.
        self.assertEqual(self.stored_blocks() - base, 4)
        self.ec2.delete_snapshot(SnapshotId=third["SnapshotId"])
        self.wait_for(lambda: self.stored_blocks() == base, 10, "blocks of deleted snapshots were not reclaimed")

    def test_create_snapshots_of_an_instance_and_copy_to_another_region(self):
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                          Placement={"AvailabilityZone": "us-east-1a"})["Instances"][0]
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[instance["InstanceId"]])
        data = [self.new_volume(TagSpecifications=[{"ResourceType": "volume",
                                                    "Tags": [{"Key": "role", "Value": "data%d" % i}]}])
                for i in range(2)]
        for i, volume_id in enumerate(data):
            self.write(volume_id, 0, MiB, 0x50 + i)
            self.ec2.attach_volume(VolumeId=volume_id, InstanceId=instance["InstanceId"], Device="/dev/sd" + "fg"[i])
            self.wait_volume(self.ec2, volume_id, "in-use")
        out = self.ec2.create_snapshots(InstanceSpecification={"InstanceId": instance["InstanceId"],
                                                               "ExcludeBootVolume": True},
                                        Description="both", CopyTagsFromSource="volume")["Snapshots"]
        self.assertEqual(sorted(s["VolumeId"] for s in out), sorted(data))
        for s in out:
            self.wait_snapshot(self.ec2, s["SnapshotId"])
            self.assertEqual(s["Description"], "both")
            self.assertEqual(s["Tags"][0]["Key"], "role")
        with self.assertEc2Error("InvalidInstanceID.NotFound"):
            self.ec2.create_snapshots(InstanceSpecification={"InstanceId": "i-0123456789abcdef0"})

        # Copied to us-west-2: a snapshot of its own there, restorable in its zones.
        west = self.server.client("us-west-2")
        source = next(s for s in out if s["VolumeId"] == data[1])
        copy = west.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=source["SnapshotId"])
        self.addCleanup(lambda: west.delete_snapshot(SnapshotId=copy["SnapshotId"]))
        self.wait_snapshot(west, copy["SnapshotId"])
        copied = west.describe_snapshots(SnapshotIds=[copy["SnapshotId"]])["Snapshots"][0]
        self.assertEqual(copied["Description"], "[Copied %s from us-east-1]" % source["SnapshotId"])
        self.assertEqual(copied["VolumeSize"], 1)
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.describe_snapshots(SnapshotIds=[copy["SnapshotId"]])  # regional
        there = self.new_volume(ec2=west, zone="us-west-2a", SnapshotId=copy["SnapshotId"])
        self.assertTrue(self.reads(there, 0, MiB, 0x51))
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            west.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=MISSING_SNAPSHOT)
        with self.assertEc2Error("InvalidParameterValue"):
            west.copy_snapshot(SourceRegion="mars-north-1", SourceSnapshotId=source["SnapshotId"])
        for s in out:
            self.ec2.delete_snapshot(SnapshotId=s["SnapshotId"])
        for volume_id in data:
            self.ec2.detach_volume(VolumeId=volume_id)
            self.wait_volume(self.ec2, volume_id, "available")

    def test_create_volume_permission(self):
        volume_id = self.new_volume()
        snap_id = self.snapshot(volume_id)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap_id)
        attr = self.ec2.describe_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission")
        self.assertEqual(attr["CreateVolumePermissions"], [])
        self.ec2.modify_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission",
                                           CreateVolumePermission={"Add": [{"UserId": "111122223333"}]})
        self.ec2.modify_snapshot_attribute(SnapshotId=snap_id, OperationType="add", UserIds=["444455556666"],
                                           Attribute="createVolumePermission")
        attr = self.ec2.describe_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission")
        self.assertEqual(sorted(p["UserId"] for p in attr["CreateVolumePermissions"]), ["111122223333", "444455556666"])
        shared = self.ec2.describe_snapshots(RestorableByUserIds=["111122223333"], OwnerIds=["self"])["Snapshots"]
        self.assertEqual([s["SnapshotId"] for s in shared], [snap_id])
        with self.assertEc2Error("InvalidUserID.Malformed"):
            self.ec2.modify_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission",
                                               CreateVolumePermission={"Add": [{"UserId": "nobody"}]})
        self.ec2.modify_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission",
                                           CreateVolumePermission={"Remove": [{"UserId": "111122223333"}],
                                                                   "Add": [{"Group": "all"}]})
        attr = self.ec2.describe_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission")
        self.assertEqual(attr["CreateVolumePermissions"], [{"Group": "all"}, {"UserId": "444455556666"}])
        self.assertEqual(self.ec2.describe_snapshot_attribute(SnapshotId=snap_id, Attribute="productCodes")[
            "ProductCodes"], [])
        self.ec2.reset_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission")
        attr = self.ec2.describe_snapshot_attribute(SnapshotId=snap_id, Attribute="createVolumePermission")
        self.assertEqual(attr["CreateVolumePermissions"], [])
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.describe_snapshot_attribute(SnapshotId=snap_id, Attribute="colour")

    def test_errors_change_nothing(self):
        before = self.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.ec2.create_snapshot(VolumeId="vol-0123456789abcdef0")
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.delete_snapshot(SnapshotId=MISSING_SNAPSHOT)
        with self.assertEc2Error("InvalidSnapshotID.Malformed"):
            self.ec2.describe_snapshots(SnapshotIds=["snapshot-1"])
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.create_volume(AvailabilityZone="us-east-1a", SnapshotId=MISSING_SNAPSHOT)
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.describe_snapshot_attribute(SnapshotId=MISSING_SNAPSHOT, Attribute="createVolumePermission")
        volume_id = self.new_volume()
        with self.assertEc2Error("InvalidParameterValue"):
            self.ec2.create_snapshot(VolumeId=volume_id, Description="x" * 256)
        self.assertEqual(self.ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"], before)

    def test_snapshots_survive_restarts_and_stray_blocks_are_swept(self):
        volume_id = self.new_volume()
        self.write(volume_id, 0, MiB, 0x77)
        snap_id = self.snapshot(volume_id)["SnapshotId"]
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap_id)
        stray = os.path.join(self.server.data_dir, "blocks", "00", "00" + "0" * 62 + ".zst")
        os.makedirs(os.path.dirname(stray), exist_ok=True)
        with open(stray, "wb") as f:
            f.write(b"left by a snapshot a crash interrupted")
        blocks = self.stored_blocks()
        self.server.restart(kill=True)
        self.wait_for(lambda: not os.path.exists(stray), 20, "a block no snapshot names was not swept")
        self.assertEqual(self.stored_blocks(), blocks - 1)
        self.assertEqual(self.ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]["State"], "completed")
        restored = self.new_volume(zone="us-east-1b", SnapshotId=snap_id)
        self.assertTrue(self.reads(restored, 0, MiB, 0x77))

    def test_aws_cli(self):
        volume_id = self.new_volume()
        self.write(volume_id, 0, MiB, 0x99)
        snap = self.server.aws("ec2", "create-snapshot", "--volume-id", volume_id, "--description", "cli")
        self.addCleanup(self.ec2.delete_snapshot, SnapshotId=snap["SnapshotId"])
        self.server.aws_proc("ec2", "wait", "snapshot-completed", "--snapshot-ids", snap["SnapshotId"])
        out = self.server.aws("ec2", "describe-snapshots", "--owner-ids", "self", "--filters",
                              "Name=description,Values=cli")
        self.assertEqual([s["State"] for s in out["Snapshots"]], ["completed"])
        gone = self.server.aws_proc("ec2", "delete-snapshot", "--snapshot-id", MISSING_SNAPSHOT)
        self.assertIn("InvalidSnapshot.NotFound", gone.stderr)


if __name__ == "__main__":
    unittest.main()
