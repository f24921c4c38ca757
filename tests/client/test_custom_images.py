"""The account's own AMIs through boto3 and the aws CLI, on real disks: RegisterImage from a
snapshot (data written with qemu-io standing in for a guest), DescribeImages by owner,
executable users and filters, the launchPermission and description attributes, a launch from it
in another zone whose root volume is restored from the snapshot before its VM may start,
CopyImage to another region (its snapshots copied, pending until they are), DeregisterImage
leaving its snapshots (DeleteSnapshot refused while it is registered), and AWS's errors, which
change nothing. CreateImage from a running instance is checked with real VMs in test_instances.
On a server whose AMI is a stand-in (instances never boot)."""

import unittest

from harness import StandInImageTestCase, uniq
from real_disks import MiB, RealDisks

MISSING_IMAGE = "ami-0123456789abcdef0"


class CustomImageTest(RealDisks, StandInImageTestCase):

    def root_snapshot(self):
        """A completed 1 GiB snapshot whose first MiB is 0x5a."""
        volume_id = self.new_volume()
        self.write(volume_id, 0, MiB, 0x5a)
        snap_id = self.snapshot(volume_id)["SnapshotId"]
        self.addCleanup(self.delete_snapshot_quietly, self.ec2, snap_id)
        return snap_id

    @staticmethod
    def delete_snapshot_quietly(ec2, snapshot_id):
        try:
            ec2.delete_snapshot(SnapshotId=snapshot_id)
        except Exception:  # deleted by the test already
            pass

    def register(self, snap_id, name=None, **kw):
        image_id = self.ec2.register_image(
            Name=name or uniq("img"), RootDeviceName="/dev/xvda", Architecture="x86_64",
            VirtualizationType="hvm", BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap_id}}],
            **kw)["ImageId"]
        return image_id

    def test_registered_image_launches_in_another_zone_from_its_snapshot(self):
        snap_id = self.root_snapshot()
        name = uniq("web")
        image_id = self.register(snap_id, name=name, Description="my web server")
        self.assertIdShape("ami", image_id)
        image = self.ec2.describe_images(ImageIds=[image_id])["Images"][0]
        self.assertEqual((image["Name"], image["State"], image["Public"], image["Description"]),
                         (name, "available", False, "my web server"))
        self.assertEqual(image["OwnerId"], self.ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]["OwnerId"])
        self.assertEqual(image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"], snap_id)
        self.assertEqual(image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"], 1)
        mine = self.ec2.describe_images(Owners=["self"])["Images"]
        self.assertEqual([i["ImageId"] for i in mine], [image_id])
        by_snapshot = self.ec2.describe_images(Filters=[
            {"Name": "block-device-mapping.snapshot-id", "Values": [snap_id]}])["Images"]
        self.assertEqual([i["ImageId"] for i in by_snapshot], [image_id])
        with self.assertEc2Error("InvalidSnapshot.InUse"):
            self.ec2.delete_snapshot(SnapshotId=snap_id)

        # A launch in another zone: its root volume is the snapshot's, restored.
        instance = self.ec2.run_instances(ImageId=image_id, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                          Placement={"AvailabilityZone": "us-east-1b"})["Instances"][0]
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[instance["InstanceId"]])
        self.assertEqual(instance["ImageId"], image_id)
        root_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        root = self.ec2.describe_volumes(VolumeIds=[root_id])["Volumes"][0]
        self.assertEqual((root["SnapshotId"], root["AvailabilityZone"], root["Size"]), (snap_id, "us-east-1b", 1))
        # The fill competes for the CPU with whatever else runs (CI runs the VM suite beside this one).
        self.wait_for(lambda: self.reads(root_id, 0, MiB, 0x5a), 180, "the root volume was not restored")

        # Deregistered: gone from DescribeImages, no longer launchable; its snapshot stays.
        self.ec2.deregister_image(ImageId=image_id)
        self.assertEqual(self.ec2.describe_images(Owners=["self"])["Images"], [])
        with self.assertEc2Error("InvalidAMIID.NotFound"):
            self.ec2.run_instances(ImageId=image_id, InstanceType="t2.micro", MinCount=1, MaxCount=1)
        self.assertEqual(self.ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]["State"], "completed")
        self.ec2.delete_snapshot(SnapshotId=snap_id)

    def test_launch_with_a_further_volume_from_a_snapshot(self):
        snap_id = self.root_snapshot()
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                          BlockDeviceMappings=[{"DeviceName": "/dev/sdf",
                                                                "Ebs": {"SnapshotId": snap_id, "VolumeSize": 2}}])[
            "Instances"][0]
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[instance["InstanceId"]])
        data_id = next(m["Ebs"]["VolumeId"] for m in instance["BlockDeviceMappings"] if m["DeviceName"] == "/dev/sdf")
        volume = self.ec2.describe_volumes(VolumeIds=[data_id])["Volumes"][0]
        self.assertEqual((volume["SnapshotId"], volume["Size"]), (snap_id, 2))
        try:
            self.wait_for(lambda: self.reads(data_id, 0, MiB, 0x5a), 180, "the volume was not filled from its snapshot")
        except AssertionError:
            # Seen twice in CI's PostgreSQL lane and never here: what the server said, for the next look.
            said = [line for line in self.server.log_tail(1 << 22).splitlines() if data_id in line]
            self.fail("the volume was not filled from its snapshot; it is %s; the server's log says of it:\n%s" % (
                self.ec2.describe_volumes(VolumeIds=[data_id])["Volumes"][0]["State"], "\n".join(said[-20:])))
        with self.assertEc2Error("InvalidBlockDeviceMapping"):
            self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                   BlockDeviceMappings=[{"DeviceName": "/dev/sdg",
                                                         "Ebs": {"SnapshotId": snap_id, "VolumeSize": 0}}])
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                   BlockDeviceMappings=[{"DeviceName": "/dev/sdg",
                                                         "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}])

    def test_base_image_has_an_amazon_snapshot(self):
        image = self.ec2.describe_images(ImageIds=[self.image])["Images"][0]
        snap_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        amazon = self.ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"]
        self.assertIn(snap_id, [s["SnapshotId"] for s in amazon])
        self.assertEqual(self.ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]["VolumeSize"],
                         image["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"])
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.ec2.delete_snapshot(SnapshotId=snap_id)  # amazon's, not the caller's
        everyone = self.ec2.describe_images(Owners=["all"], ImageIds=[self.image])["Images"]
        self.assertEqual([i["ImageId"] for i in everyone], [self.image])

    def test_attributes_and_sharing(self):
        image_id = self.register(self.root_snapshot())
        self.addCleanup(self.ec2.deregister_image, ImageId=image_id)
        attr = lambda name: self.ec2.describe_image_attribute(ImageId=image_id, Attribute=name)
        self.assertEqual(attr("launchPermission")["LaunchPermissions"], [])
        self.ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": "111122223333"}]})
        self.assertEqual(attr("launchPermission")["LaunchPermissions"], [{"UserId": "111122223333"}])
        shared = self.ec2.describe_images(ExecutableUsers=["111122223333"], Owners=["self"])["Images"]
        self.assertEqual([i["ImageId"] for i in shared], [image_id])
        self.assertEqual(self.ec2.describe_images(ExecutableUsers=["all"], Owners=["self"])["Images"], [])
        self.ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"Group": "all"}]})
        self.assertTrue(self.ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"])
        self.ec2.reset_image_attribute(ImageId=image_id, Attribute="launchPermission")
        self.assertEqual(attr("launchPermission")["LaunchPermissions"], [])
        self.assertFalse(self.ec2.describe_images(ImageIds=[image_id])["Images"][0]["Public"])
        self.ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "v2"})
        self.assertEqual(attr("description")["Description"]["Value"], "v2")
        self.assertEqual(attr("blockDeviceMapping")["BlockDeviceMappings"][0]["DeviceName"], "/dev/xvda")
        with self.assertEc2Error("InvalidAMIAttributeItemValue"):
            self.ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": "me"}]})
        base = self.ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        with self.assertEc2Error("AuthFailure"):
            self.ec2.modify_image_attribute(ImageId=base, Description={"Value": "mine now"})
        with self.assertEc2Error("AuthFailure"):
            self.ec2.deregister_image(ImageId=base)

    def test_copy_to_another_region(self):
        snap_id = self.root_snapshot()
        image_id = self.register(snap_id, Description="to copy")
        self.addCleanup(self.ec2.deregister_image, ImageId=image_id)
        west = self.server.client("us-west-2")
        copy_id = west.copy_image(SourceRegion="us-east-1", SourceImageId=image_id, Name=uniq("copy"))["ImageId"]
        self.wait_for(lambda: west.describe_images(ImageIds=[copy_id])["Images"][0]["State"] == "available", 60,
                      "the copy did not become available")
        copy = west.describe_images(ImageIds=[copy_id])["Images"][0]
        self.assertEqual(copy["Description"], "to copy")
        copied_snap = copy["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
        self.assertNotEqual(copied_snap, snap_id)
        self.assertEqual(west.describe_snapshots(SnapshotIds=[copied_snap])["Snapshots"][0]["State"], "completed")
        out = west.deregister_image(ImageId=copy_id, DeleteAssociatedSnapshots=True)
        self.assertEqual([r["SnapshotId"] for r in out["DeleteSnapshotResults"]], [copied_snap])
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            west.describe_snapshots(SnapshotIds=[copied_snap])
        with self.assertEc2Error("InvalidAMIID.NotFound"):
            west.copy_image(SourceRegion="us-east-1", SourceImageId=MISSING_IMAGE, Name=uniq("copy"))

    def test_errors_change_nothing(self):
        snap_id = self.root_snapshot()
        image_id = self.register(snap_id, name="taken-name")
        self.addCleanup(self.ec2.deregister_image, ImageId=image_id)
        before = self.ec2.describe_images(Owners=["self"])["Images"]
        with self.assertEc2Error("InvalidAMIName.Duplicate"):
            self.register(snap_id, name="taken-name")
        with self.assertEc2Error("InvalidAMIName.Malformed"):
            self.register(snap_id, name="no*stars")
        with self.assertEc2Error("InvalidSnapshot.NotFound"):
            self.register("snap-0123456789abcdef0")
        with self.assertEc2Error("InvalidBlockDeviceMapping"):
            self.ec2.register_image(Name=uniq("img"), RootDeviceName="/dev/xvda", BlockDeviceMappings=[
                {"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": snap_id}}])
        with self.assertEc2Error("InvalidAMIID.NotFound"):
            self.ec2.deregister_image(ImageId=MISSING_IMAGE)
        with self.assertEc2Error("InvalidInstanceID.NotFound"):
            self.ec2.create_image(InstanceId="i-0123456789abcdef0", Name=uniq("img"))
        instance = self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1,
                                          MaxCount=1)["Instances"][0]  # never boots: pending
        self.addCleanup(self.ec2.terminate_instances, InstanceIds=[instance["InstanceId"]])
        with self.assertEc2Error("IncorrectInstanceState"):
            self.ec2.create_image(InstanceId=instance["InstanceId"], Name=uniq("img"))
        self.assertEqual(self.ec2.describe_images(Owners=["self"])["Images"], before)

    def test_aws_cli(self):
        snap_id = self.root_snapshot()
        out = self.server.aws("ec2", "register-image", "--name", uniq("cli"), "--root-device-name", "/dev/xvda",
                              "--block-device-mappings", "DeviceName=/dev/xvda,Ebs={SnapshotId=%s}" % snap_id)
        self.addCleanup(self.ec2.deregister_image, ImageId=out["ImageId"])
        self.server.aws_proc("ec2", "wait", "image-available", "--image-ids", out["ImageId"])
        listed = self.server.aws("ec2", "describe-images", "--owners", "self")
        self.assertEqual([i["ImageId"] for i in listed["Images"]], [out["ImageId"]])


if __name__ == "__main__":
    unittest.main()
