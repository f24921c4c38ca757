"""EBS volumes as records of their own, through boto3 and the aws CLI: every instance's root
volume is one from launch (DescribeVolumes shows it attached, with DeleteOnTermination; the
instance's BlockDeviceMappings name it), termination deletes it or leaves it available;
CreateVolume, AttachVolume, DetachVolume, DeleteVolume, DescribeVolumeStatus and the volume
attributes, with AWS's errors and no state change on failure. On a server whose AMI is a
stand-in (its instances never boot, so attachments complete without a VM); hot-plugging into a
running guest is checked in test_interface_hotplug."""

import unittest

from harness import StandInImageTestCase, uniq

MISSING_VOLUME = "vol-0123456789abcdef0"


class VolumeTest(StandInImageTestCase):

    def launch(self, **kw):
        return self.ec2.run_instances(ImageId=self.image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
                                      **kw)["Instances"][0]

    def volume(self, volume_id):
        return self.ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]

    def wait_volume(self, volume_id, state):
        self.wait_for(lambda: self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}, {"Name": "status", "Values": [state]}])["Volumes"],
            30, "volume %s did not become %s" % (volume_id, state))

    def test_root_volume_is_a_volume_of_its_own(self):
        tag = uniq("root")
        instance = self.launch(TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]},
            {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": tag}]}])
        mapping = instance["BlockDeviceMappings"]
        self.assertEqual(len(mapping), 1)
        self.assertEqual(mapping[0]["DeviceName"], "/dev/xvda")
        volume_id = mapping[0]["Ebs"]["VolumeId"]
        self.assertIdShape("vol", volume_id)
        self.assertTrue(mapping[0]["Ebs"]["DeleteOnTermination"])

        volume = self.volume(volume_id)
        self.assertEqual(volume["State"], "in-use")
        ami_size = self.ec2.describe_images(ImageIds=[self.image])["Images"][0]["BlockDeviceMappings"][0]["Ebs"][
            "VolumeSize"]
        self.assertEqual(volume["Size"], ami_size)
        self.assertEqual(volume["VolumeType"], "gp3")
        self.assertEqual((volume["Iops"], volume["Throughput"]), (3000, 125))
        self.assertEqual(volume["AvailabilityZone"], instance["Placement"]["AvailabilityZone"])
        self.assertEqual(volume["Tags"], [{"Key": "Name", "Value": tag}])
        attachment = volume["Attachments"][0]
        self.assertEqual((attachment["InstanceId"], attachment["Device"], attachment["State"]),
                         (instance["InstanceId"], "/dev/xvda", "attached"))
        self.assertTrue(attachment["DeleteOnTermination"])
        by_instance = self.ec2.describe_volumes(Filters=[
            {"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}])["Volumes"]
        self.assertEqual([v["VolumeId"] for v in by_instance], [volume_id])
        self.assertEqual(self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [volume_id]}])["Tags"],
                         [{"Key": "Name", "Value": tag, "ResourceId": volume_id, "ResourceType": "volume"}])
        with self.assertEc2Error("VolumeInUse"):
            self.ec2.delete_volume(VolumeId=volume_id)

        # Terminated with it (DeleteOnTermination): gone.
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.wait_for(lambda: not self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Volumes"], 30, "the root volume was not deleted")
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.volume(volume_id)

    def test_kept_root_volume_becomes_available_then_deleted(self):
        instance = self.launch(BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 12, "VolumeType": "gp2"}}])
        volume_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        self.assertEqual((self.volume(volume_id)["Size"], self.volume(volume_id)["VolumeType"]), (12, "gp2"))
        self.assertEqual(self.volume(volume_id)["Iops"], 100)  # gp2: 3 per GiB, at least 100
        self.ec2.modify_instance_attribute(InstanceId=instance["InstanceId"], BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": False}}])
        self.assertFalse(self.volume(volume_id)["Attachments"][0]["DeleteOnTermination"])
        self.assertFalse(self.ec2.describe_instance_attribute(
            InstanceId=instance["InstanceId"], Attribute="blockDeviceMapping")["BlockDeviceMappings"][0]["Ebs"][
            "DeleteOnTermination"])
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.wait_volume(volume_id, "available")
        self.assertEqual(self.volume(volume_id)["Attachments"], [])
        self.ec2.delete_volume(VolumeId=volume_id)
        self.wait_for(lambda: not self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Volumes"], 30, "the volume was not deleted")

    def new_volume(self, zone="us-east-1a", **kw):
        """A new volume, deleted after the test unless it was; waits until it is available."""
        volume = self.ec2.create_volume(AvailabilityZone=zone, **kw)
        volume_id = volume["VolumeId"]
        self.addCleanup(lambda: self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}, {"Name": "status", "Values": ["available"]}])[
            "Volumes"] and self.ec2.delete_volume(VolumeId=volume_id))
        self.wait_volume(volume_id, "available")
        return volume

    def test_create_attach_detach_delete(self):
        tag = uniq("data")
        volume = self.new_volume(Size=2, TagSpecifications=[
            {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": tag}]}])
        volume_id = volume["VolumeId"]
        self.assertEqual((volume["State"], volume["VolumeType"], volume["Size"]), ("creating", "gp2", 2))
        self.assertEqual(self.volume(volume_id)["Iops"], 100)
        self.assertEqual(self.volume(volume_id)["Tags"], [{"Key": "Name", "Value": tag}])

        instance = self.launch(Placement={"AvailabilityZone": "us-east-1a"})
        attached = self.ec2.attach_volume(VolumeId=volume_id, InstanceId=instance["InstanceId"], Device="/dev/sdf")
        self.assertEqual((attached["State"], attached["Device"]), ("attaching", "/dev/sdf"))
        self.wait_for(lambda: self.volume(volume_id)["Attachments"][0]["State"] == "attached", 30,
                      "the attachment did not complete")
        self.assertEqual(self.volume(volume_id)["State"], "in-use")
        described = self.ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
        self.assertEqual(sorted(m["DeviceName"] for m in described["BlockDeviceMappings"]), ["/dev/sdf", "/dev/xvda"])

        other_zone = self.new_volume(zone="us-east-1b", Size=1)["VolumeId"]
        spare = self.new_volume(Size=1)["VolumeId"]
        before = self.ec2.describe_volumes(VolumeIds=[volume_id, other_zone, spare])["Volumes"]
        for kw, code in ((dict(VolumeId=volume_id, Device="/dev/sdg"), "VolumeInUse"),
                         (dict(VolumeId=other_zone, Device="/dev/sdg"), "InvalidVolume.ZoneMismatch"),
                         (dict(VolumeId=spare, Device="/dev/sdf"), "InvalidParameterValue"),
                         (dict(VolumeId=spare, Device="/dev/foo"), "InvalidParameterValue"),
                         (dict(VolumeId=MISSING_VOLUME, Device="/dev/sdg"), "InvalidVolume.NotFound")):
            with self.subTest(attach=kw), self.assertEc2Error(code):
                self.ec2.attach_volume(InstanceId=instance["InstanceId"], **kw)
        with self.assertEc2Error("InvalidInstanceID.NotFound"):
            self.ec2.attach_volume(VolumeId=spare, InstanceId="i-0123456789abcdef0", Device="/dev/sdg")
        root = [m for m in described["BlockDeviceMappings"] if m["DeviceName"] == "/dev/xvda"][0]["Ebs"]["VolumeId"]
        with self.assertEc2Error("IncorrectState"):  # the root volume of an instance that is not stopped
            self.ec2.detach_volume(VolumeId=root)
        with self.assertEc2Error("IncorrectState"):
            self.ec2.detach_volume(VolumeId=spare)
        self.assertEqual(self.ec2.describe_volumes(VolumeIds=[volume_id, other_zone, spare])["Volumes"], before)

        detached = self.ec2.detach_volume(VolumeId=volume_id)
        self.assertEqual(detached["State"], "detaching")
        self.wait_volume(volume_id, "available")
        self.assertEqual(self.volume(volume_id)["Attachments"], [])
        self.ec2.delete_volume(VolumeId=volume_id)
        self.wait_for(lambda: not self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [volume_id]}])["Volumes"], 30, "the volume was not deleted")
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])

    def test_modify_volume(self):
        volume_id = self.new_volume(Size=4, VolumeType="gp2")["VolumeId"]
        modification = self.ec2.modify_volume(VolumeId=volume_id, Size=8, VolumeType="gp3", Iops=4000)[
            "VolumeModification"]
        self.assertEqual((modification["OriginalSize"], modification["TargetSize"]), (4, 8))
        self.assertEqual((modification["OriginalVolumeType"], modification["TargetVolumeType"]), ("gp2", "gp3"))
        self.assertEqual(modification["TargetIops"], 4000)
        self.wait_for(lambda: self.ec2.describe_volumes_modifications(VolumeIds=[volume_id])[
            "VolumesModifications"][0]["ModificationState"] == "completed", 30, "the modification did not complete")
        volume = self.volume(volume_id)
        self.assertEqual((volume["Size"], volume["VolumeType"], volume["Iops"]), (8, "gp3", 4000))
        by_state = self.ec2.describe_volumes_modifications(Filters=[
            {"Name": "modification-state", "Values": ["completed"]}, {"Name": "volume-id", "Values": [volume_id]}])
        self.assertEqual(len(by_state["VolumesModifications"]), 1)
        for kw, code in ((dict(Size=5), "InvalidParameterValue"),             # smaller
                         (dict(Size=8), "InvalidParameterValue"),             # no change
                         (dict(VolumeType="io1"), "MissingParameter"),        # io1 needs Iops
                         (dict(Throughput=5000), "InvalidParameterValue")):
            with self.subTest(modify=kw), self.assertEc2Error(code):
                self.ec2.modify_volume(VolumeId=volume_id, **kw)
        self.assertEqual(self.volume(volume_id), volume)
        with self.assertEc2Error("InvalidVolumeModification.NotFound"):
            self.ec2.describe_volumes_modifications(VolumeIds=[self.new_volume(Size=1)["VolumeId"]])

    def test_status_and_attributes(self):
        volume_id = self.new_volume(Size=1)["VolumeId"]
        status = self.ec2.describe_volume_status(VolumeIds=[volume_id])["VolumeStatuses"][0]
        self.assertEqual(status["VolumeStatus"]["Status"], "ok")
        self.assertEqual(status["AvailabilityZone"], "us-east-1a")
        self.assertFalse(self.ec2.describe_volume_attribute(VolumeId=volume_id, Attribute="autoEnableIO")[
            "AutoEnableIO"]["Value"])
        self.ec2.modify_volume_attribute(VolumeId=volume_id, AutoEnableIO={"Value": True})
        self.assertTrue(self.ec2.describe_volume_attribute(VolumeId=volume_id, Attribute="autoEnableIO")[
            "AutoEnableIO"]["Value"])

    def ids(self):
        return {v["VolumeId"] for v in self.ec2.describe_volumes()["Volumes"]}

    def test_create_volume_errors_change_nothing(self):
        before = self.ids()
        bad = [
            (dict(Size=1), "MissingParameter"),
            (dict(AvailabilityZone="us-east-1z", Size=1), "InvalidParameterValue"),
            (dict(AvailabilityZone="us-east-1a"), "MissingParameter"),
            (dict(AvailabilityZone="us-east-1a", Size=0), "InvalidParameterValue"),
            (dict(AvailabilityZone="us-east-1a", Size=16385), "InvalidParameterValue"),
            (dict(AvailabilityZone="us-east-1a", Size=10, VolumeType="st1"), "InvalidParameterValue"),
            (dict(AvailabilityZone="us-east-1a", Size=10, VolumeType="io1"), "MissingParameter"),
            (dict(AvailabilityZone="us-east-1a", Size=10, VolumeType="io1", Iops=1000), "InvalidParameterValue"),
            (dict(AvailabilityZone="us-east-1a", Size=10, VolumeType="gp2", Iops=3000), "InvalidParameterCombination"),
            (dict(AvailabilityZone="us-east-1a", Size=10, VolumeType="gp3", Throughput=2000), "InvalidParameterValue"),
            (dict(AvailabilityZone="us-east-1a", Size=10, VolumeType="gp2", Throughput=200),
             "InvalidParameterCombination"),
            (dict(AvailabilityZone="us-east-1a", SnapshotId="snap-0123456789abcdef0"), "InvalidSnapshot.NotFound"),
        ]
        for kw, code in bad:
            with self.subTest(create=kw), self.assertEc2Error(code):
                self.ec2.create_volume(**kw)
        self.assertEqual(self.ids() - before, set())  # (volumes of other tests may have gone meanwhile)
        # The limits themselves are accepted.
        io2 = self.new_volume(Size=10, VolumeType="io2", Iops=10000)
        self.assertEqual(self.volume(io2["VolumeId"])["Iops"], 10000)
        gp3 = self.new_volume(Size=10, VolumeType="gp3", Iops=4000, Throughput=1000)
        self.assertEqual(self.volume(gp3["VolumeId"])["Throughput"], 1000)

    def test_launch_with_further_volumes(self):
        instance = self.launch(BlockDeviceMappings=[
            {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 3, "VolumeType": "gp3", "DeleteOnTermination": False}},
            {"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 2}}])
        mappings = {m["DeviceName"]: m["Ebs"] for m in instance["BlockDeviceMappings"]}
        self.assertEqual(sorted(mappings), ["/dev/sdf", "/dev/sdg", "/dev/xvda"])
        kept, gone = mappings["/dev/sdf"]["VolumeId"], mappings["/dev/sdg"]["VolumeId"]
        self.assertEqual((self.volume(kept)["Size"], self.volume(kept)["VolumeType"]), (3, "gp3"))
        self.assertEqual(self.volume(gone)["VolumeType"], "gp2")
        self.assertFalse(mappings["/dev/sdf"]["DeleteOnTermination"])
        self.assertTrue(mappings["/dev/sdg"]["DeleteOnTermination"])
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
        self.wait_volume(kept, "available")
        self.wait_for(lambda: not self.ec2.describe_volumes(
            Filters=[{"Name": "volume-id", "Values": [gone]}])["Volumes"], 30, "the volume was not deleted")
        self.ec2.delete_volume(VolumeId=kept)
        before = self.ids()
        for mappings, code in (([{"DeviceName": "/dev/sdf", "Ebs": {}}], "InvalidBlockDeviceMapping"),
                               ([{"DeviceName": "/dev/foo", "Ebs": {"VolumeSize": 1}}], "InvalidBlockDeviceMapping"),
                               ([{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 1}},
                                 {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 1}}], "InvalidBlockDeviceMapping"),
                               ([{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 4, "VolumeType": "io1"}}],
                                "MissingParameter"),
                               ([{"DeviceName": "/dev/sdf", "VirtualName": "ephemeral0"}], "UnsupportedOperation"),
                               ([{"DeviceName": "/dev/sdf", "Ebs": {"SnapshotId": "snap-0123456789abcdef0"}}],
                                "InvalidSnapshot.NotFound")):
            with self.subTest(mappings=mappings), self.assertEc2Error(code):
                self.launch(BlockDeviceMappings=mappings)
        self.assertEqual(self.ids() - before, set())

    def test_bad_requests(self):
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.ec2.describe_volumes(VolumeIds=[MISSING_VOLUME])
        with self.assertEc2Error("InvalidVolume.NotFound"):
            self.ec2.delete_volume(VolumeId=MISSING_VOLUME)
        with self.assertEc2Error("InvalidVolumeID.Malformed"):
            self.ec2.delete_volume(VolumeId="vol-nothex")
        before = self.ids()
        with self.assertEc2Error("InvalidParameterValue"):
            self.launch(BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeType": "gp9"}}])
        with self.assertEc2Error("InvalidParameterValue"):
            self.launch(TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
        self.assertEqual(self.ids() - before, set())

    def test_aws_cli(self):
        instance = self.launch()
        volume_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
        out = self.server.aws("ec2", "describe-volumes", "--filters",
                              "Name=attachment.instance-id,Values=" + instance["InstanceId"])
        self.assertEqual([v["VolumeId"] for v in out["Volumes"]], [volume_id])
        gone = self.server.aws_proc("ec2", "delete-volume", "--volume-id", volume_id)
        self.assertIn("VolumeInUse", gone.stderr)
        self.ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


if __name__ == "__main__":
    unittest.main()
